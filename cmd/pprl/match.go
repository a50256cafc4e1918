package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/progress"
	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/linkage"
)

func init() { register(newMatchCmd) }

func newMatchCmd() *cobra.Command {
	var (
		keyFile, out, threshold, previous    string
		minDice, optOutMargin                float64
		optOuts                              []string
		logPath                              string
		allowDup, exhaustive, linkOnly, noTF bool
		allowFieldMismatch                   bool
		force                                bool
		seed                                 uint64
		shard, merge                         string
	)
	cmd := &cobra.Command{
		Use:   "match --key LU.key FILE... -o OUTDIR",
		Short: "Link token files across agencies (or deduplicate one) into entities",
		Long: `Link the token files of several agencies, or deduplicate one, without seeing any identity.

Sealed files (NAME.tokens.age) are opened in memory with the linkage unit's private key
(--key); unsealed ones (NAME.tokens.parquet) are read as they are. Files made with different
linkage specs or project secrets are refused.

Candidates are pairs that share a deterministic token (exact joins, one per rule) or whose
CLKs have a Dice coefficient of at least --min-dice (found by locality-sensitive hashing
over sampled bits, or exhaustively, checked exactly). Without --min-dice the floor is the
lowest from 0.7 up, in steps of 0.05 (to at most 0.95), that random pairs' Dice allows (so
0.8 on dense clkhash filters) and at which the search is estimated within 1 billion units
(10-15 s of searching on two cores): 0.7 up to about 100,000 people on the starter spec; a
million people in four agencies need 7.8 billion at 0.8, so 0.9. Above 0.8 the run warns;
summary.json records the estimates. Each candidate is scored by a Fellegi-Sunter model
fitted to the data (the log2 likelihood ratio that the two records are the same person,
from the rules that agree or disagree and the Dice band) and kept when its score reaches
--threshold: a number, or 'auto' (the score where the fitted posterior match probability
is one half; summary.json says what was chosen and why). The search runs between every two
files and within each (link and deduplicate in one run; --link-only searches between files
only). Kept pairs are solved greedily, best first: two entities merge on one link when they
hold no dataset in common, and when they do only if their records of that dataset are linked
to each other directly, so that an entity never chains strangers through a shared record
(--allow-duplicates lifts this check). Two exceptions, counted in summary.json: a pair that
every record of the entity from other files links to, of a kind the CHI shows to be one
person (joined_by_corroboration), and two variants of one record both linked to it strongly
enough to be accepted alone, their CHI numbers not differing (joined_by_common_record).
CHI numbers overrule the links: a merge that would put two records of different files
holding different CHI numbers in one entity without a direct link between them is refused
(refused_as_ids_differ), and one whose linked pair across holds the same CHI is made
though the records of a shared file are not all linked (joined_by_id_number).
Pairs agreeing only on a rule the spec marks "family" (twins agree on it too) are refused
in the Dice bands where the pairs within each dataset, mostly twins, make up at least half
of the candidates between datasets (refused_as_namesakes).

Before writing, match checks that each field means the same in every file: between two
datasets, the pairs that are one person (the links, and candidates that agree on the CHI or
on the names in either order) and on which a rule reading a field (sex, postcode, a name) is
present on both records agree on such a rule far more often than not, whatever the data's
errors. A field that agrees on under a quarter of at least 100 pairs is coded differently
by one agency (sex codes the wrong way round, forename and surname columns swapped in a mapping):
the run is refused (exit 2), naming the datasets and fields and nothing else, and nothing
is written; fix the mapping and tokenize again, or give --allow-field-mismatch to link the
files as they are. summary.json's field_agreement holds the counts.

OUTDIR receives links.parquet, entities.parquet and summary.json, written atomically: the
directory appears whole or not at all. An existing OUTDIR must be empty, or is replaced as
a whole with --force.
--previous OLD/entities.parquet keeps entity IDs stable across runs.

Sharding, for a run too large for one machine (README: "Running on a cluster"): run
--shard I/N -o PARTS/I for every I from 0 to N-1 (a Slurm job array or a Kubernetes Indexed
Job, on any machines), each with the same token files and search flags (--min-dice,
--seed, --exhaustive, --link-only); each does one N-th of the candidate search and writes a
part. Then --merge PARTS, with the same token files and flags, fits the model on every
part's candidates and writes the usual outputs, byte for byte those of one process (but for
summary.json's timings and its list of shards). Decision flags (--threshold, --previous,
--opt-out, --allow-duplicates, --allow-field-mismatch) go to the merge.

--opt-out REGISTER.tokens.age applies a register of people who objected to research use,
tokenized like any extract under its own dataset name (e.g. --dataset optout). The register
takes no part in linking and appears in no output; every entity with a record that scores
at least the threshold minus --opt-out-margin bits (default 5) against a register entry is
flagged opted_out in entities.parquet, and pprl cohort leaves it out. The bar is generous on
purpose: an objection wins ties, and a near namesake may be left out of a cohort too.`,
		Example: `  pprl match --key lu.key social_work.tokens.age health.tokens.age -o linked
  pprl match --key lu.key *.tokens.age --previous last-night/entities.parquet -o tonight
  pprl match --key lu.key health.tokens.age -o health-dedup
  pprl match --key lu.key *.tokens.age --shard 3/16 -o parts/3
  pprl match --key lu.key *.tokens.age --merge parts -o linked`,
		RunE: func(cmd *cobra.Command, args []string) error {
			started := time.Now()
			if len(args) == 0 {
				return exitcode.Inputf("give at least one token file (one file = deduplicate it)")
			}
			if err := checkLog(logPath); err != nil {
				return err
			}
			setMatchGC()
			var sh linkage.Shard
			if shard != "" {
				var err error
				if sh, err = linkage.ParseShard(shard); err != nil {
					return err
				}
				if err := shardFlagsAllowed(cmd, merge); err != nil {
					return err
				}
			}
			if out == "" {
				return exitcode.Inputf("--output (-o) is required: the directory to write links.parquet, entities.parquet and summary.json to")
			}
			if shard != "" {
				if err := linkage.CheckOutputDir(out, force, "part directory"); err != nil {
					return err
				}
			} else if err := checkOutDir(out, force); err != nil {
				return err
			}
			opt := linkage.Options{MinDice: minDice, AllowDuplicates: allowDup, AllowFieldMismatch: allowFieldMismatch, LinkOnly: linkOnly, Seed: seed, Exhaustive: exhaustive, NoTermFrequencies: noTF}
			if threshold == "auto" {
				opt.AutoThreshold = true
			} else {
				v, err := strconv.ParseFloat(threshold, 64)
				if err != nil {
					return exitcode.Inputf("--threshold must be a number (a score, log2 likelihood ratio) or auto, not %q", threshold)
				}
				if err := finite("--threshold", v, "12.5, or auto"); err != nil {
					return err
				}
				opt.Threshold = v
			}
			// Not given (zero): automatic, from 0.7, raised for large inputs.
			if cmd.Flags().Changed("min-dice") {
				if err := inRange("--min-dice", minDice, 0, 1, true, "0.8"); err != nil {
					return err
				}
			}
			if err := inRange("--opt-out-margin", optOutMargin, 0, 64, true, "5"); err != nil {
				return err
			}
			opt.OptOutMargin = optOutMargin
			var ids []age.Identity
			if keyFile != "" {
				var err error
				if ids, err = seal.ReadIdentities(keyFile); err != nil {
					return err
				}
			}
			if previous != "" {
				prev, err := linkage.ReadEntities(previous)
				if err != nil {
					return err
				}
				opt.Previous = prev
			}
			datasets, err := linkage.LoadTokenFiles(args, ids)
			if err != nil {
				return err
			}
			if len(optOuts) > 0 {
				if opt.OptOut, err = linkage.LoadTokenFiles(optOuts, ids); err != nil {
					return fmt.Errorf("opt-out register: %w", err)
				}
			}
			var parts []*linkage.Part
			if merge != "" {
				if parts, err = linkage.OpenParts(merge); err != nil {
					return err
				}
			}
			loaded := time.Since(started)
			opt.Progress = &matchProgress{}
			if shard != "" {
				return runShard(cmd, datasets, opt, sh, out, force, logPath, args, started)
			}
			var res *linkage.Result
			if parts != nil {
				res, err = linkage.MergeParts(datasets, opt, parts)
			} else {
				res, err = linkage.Match(datasets, opt)
			}
			if err != nil {
				return err
			}
			if err := res.Write(out, force, started, loaded); err != nil {
				return err
			}
			if err := logMatch(cmd, logPath, args, optOuts, parts, out, res.Summary); err != nil {
				return err
			}
			if !global.quiet {
				s := res.Summary
				w := stdout(cmd)
				fmt.Fprintf(w, "%s %d records from %d input(s): %d candidates, %d links, %d entities (%d with several records)\n",
					map[string]string{"link": "linked", "link-and-dedupe": "linked and deduplicated", "dedup": "deduplicated"}[s.Mode], s.Counts.Records, len(s.Inputs),
					s.Counts.Candidates, s.Counts.Links, s.Counts.Entities, s.Counts.EntitiesLinked)
				fmt.Fprintf(w, "threshold %.3f (%s)", s.Threshold.Value, s.Threshold.Method)
				if t := s.Threshold.Within; t != nil {
					fmt.Fprintf(w, "; within one dataset %.3f", *t)
					for i, b := range s.Threshold.WithinByDataset {
						fmt.Fprintf(w, "%s%s %.3f", map[bool]string{true: " (its own: ", false: ", "}[i == 0], b.Dataset, b.Value)
						if i == len(s.Threshold.WithinByDataset)-1 {
							fmt.Fprint(w, ")")
						}
					}
				}
				if t := s.Threshold.IDDiffers; t != nil && s.Model != nil {
					fmt.Fprintf(w, "; between datasets when %s differs %.3f", s.Model.PatternMFrom, *t)
				}
				fmt.Fprintln(w)
				if n := s.Counts.StrangerPattern; n > 0 {
					fmt.Fprintf(w, "%d pairs left out: their rule pattern's candidates (or those in their Dice band) are mostly strangers and their values no rarer (summary.json: threshold.stranger_patterns)\n", n)
				}
				if n := s.Counts.FamilyRefused; n > 0 {
					fmt.Fprintf(w, "%d candidates agreeing on a family rule alone refused: in their Dice band the pairs within datasets (twins) are at least half of them (summary.json: counts.refused_as_namesakes)\n", n)
				}
				for _, r := range s.MatchRates {
					fmt.Fprintf(w, "  %s ~ %s: %d direct links (%.1f%% / %.1f%% of records have one; the report counts people, which can be higher)\n", r.DatasetA, r.DatasetB, r.Links, 100*r.RateA, 100*r.RateB)
				}
				if st := s.Stability; st != nil {
					fmt.Fprintf(w, "entity IDs vs previous run: %d kept, %d new, %d retired, %d merges, %d splits\n",
						st.KeptIDs, st.NewIDs, st.RetiredIDs, st.Merges, st.Splits)
				}
				if oo := s.OptOut; oo != nil {
					fmt.Fprintf(w, "opt-out: %d of %d register entries matched; %d entities flagged opted_out (bar %.3f, %.1f bits below the threshold)\n",
						oo.RowsMatched, oo.RegisterRows, oo.EntitiesOptedOut, oo.Bar, oo.Margin)
				}
				if len(s.Shards) > 0 {
					fmt.Fprintf(w, "merged %d parts of %s (shards 0-%d of %d)\n", len(s.Shards), merge, len(s.Shards)-1, len(s.Shards))
				}
				fmt.Fprintf(w, "wrote %s/{%s,%s,%s} in %.1fs\n", out, linkage.LinksFile, linkage.EntitiesFile, linkage.SummaryFile, s.Timings.Total)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "", "the linkage unit's private key file (needed for sealed inputs)")
	f.StringVarP(&out, "output", "o", "", "output directory")
	f.StringVar(&out, "out", "", "old name of --output")
	f.MarkDeprecated("out", "use --output (-o)")
	f.BoolVar(&force, "force", false, "replace an existing, non-empty output directory")
	f.StringVar(&threshold, "threshold", "auto", "decision threshold on the score (log2 likelihood ratio), or auto")
	f.Float64Var(&minDice, "min-dice", 0, "Dice floor for candidates that share no token; not given, the lowest from 0.7 up (in steps of 0.05, to at most 0.95) that random pairs' Dice allows and at which the search is estimated within 1 billion units, with a warning above 0.8")
	f.BoolVar(&allowDup, "allow-duplicates", false, "merge entities on any link (single linkage), without the consistency check")
	f.BoolVar(&allowFieldMismatch, "allow-field-mismatch", false, "link files even when a field disagrees between two datasets on almost every link (coded differently by one agency)")
	f.BoolVar(&noTF, "no-term-frequencies", false, "score agreement on a common token value as high as on a rare one (no term-frequency adjustment)")
	f.BoolVar(&linkOnly, "link-only", false, "search between files only: no within-file duplicates, at most one record per file in an entity")
	f.StringVar(&previous, "previous", "", "a previous run's entities.parquet, to keep entity IDs stable")
	f.Uint64Var(&seed, "seed", 0, "seed of the LSH bit sampling (results are reproducible for a given seed)")
	f.StringArrayVar(&optOuts, "opt-out", nil, "an opt-out register's token file (repeat for several): entities matching an entry are flagged opted_out")
	f.Float64Var(&optOutMargin, "opt-out-margin", linkage.DefaultOptOutMargin, "how many bits below the threshold a record may score against a register entry and still be opted out")
	f.StringVar(&logPath, "log", "", "the linkage unit's ledger `FILE`: append an entry for this run (see pprl log)")
	f.BoolVar(&exhaustive, "exhaustive", false, "compare every pair instead of blocking (slow; for measuring recall)")
	f.StringVar(&shard, "shard", "", "do shard `I/N` of the candidate search only and write a part to -o (see --merge)")
	f.StringVar(&merge, "merge", "", "finish a sharded run: `DIR` holds the parts of every shard, one subdirectory each")
	return cmd
}

// shardFlagsAllowed refuses, for a shard, the flags that only the merge
// uses: a shard ignoring them silently would mislead.
func shardFlagsAllowed(cmd *cobra.Command, merge string) error {
	if merge != "" {
		return exitcode.Inputf("--shard and --merge together: run every shard with --shard, then the merge alone with --merge")
	}
	for _, name := range []string{"threshold", "previous", "opt-out", "opt-out-margin", "allow-duplicates", "allow-field-mismatch", "no-term-frequencies"} {
		if cmd.Flags().Changed(name) {
			return exitcode.Inputf("--%s is applied by the merge, not by a shard: give it to pprl match --merge", name)
		}
	}
	return nil
}

// runShard runs one shard of the search and writes its part.
func runShard(cmd *cobra.Command, datasets []*linkage.Dataset, opt linkage.Options, sh linkage.Shard, out string, force bool, logPath string, inputs []string, started time.Time) error {
	p, err := linkage.MatchShard(datasets, opt, sh)
	if err != nil {
		return err
	}
	if err := p.Write(out, force); err != nil {
		return err
	}
	m := p.Manifest
	if logPath != "" {
		var in [][2]string
		for _, f := range inputs {
			in = append(in, [2]string{"input", f})
		}
		outs := [][2]string{{linkage.PartFile, filepath.Join(out, linkage.PartFile)}, {linkage.CandidatesFile, filepath.Join(out, linkage.CandidatesFile)}}
		facts := map[string]any{"shard": sh.String(), "run_id": m.RunID, "candidates": m.Candidates}
		if err := appendLog(cmd, logPath, "match --shard", in, outs, facts); err != nil {
			return err
		}
	}
	if !global.quiet {
		w := stdout(cmd)
		fmt.Fprintf(w, "shard %s: %d dataset pair(s), %d Dice computed, %d candidates written to %s in %.1fs\n",
			sh, len(m.Sets), m.Compared(), m.Candidates, out, time.Since(started).Seconds())
		for _, s := range m.Sets {
			order := "" // an exhaustive search takes its queries in popcount order
			if s.Method != "lsh" {
				order = " in popcount order"
			}
			fmt.Fprintf(w, "  %s ~ %s: queries %d-%d of %s%s (%s), %d candidates\n", s.DatasetA, s.DatasetB, s.Queries[0], s.Queries[1], s.DatasetA, order, s.Method, s.Candidates)
		}
		fmt.Fprintf(w, "run %s: merge every shard's part with pprl match --merge\n", m.RunID)
	}
	return nil
}

// setMatchGC lowers the collector's headroom for a match. A match keeps its
// inputs, LSH index and candidates live for the whole run and makes little
// garbage, so the default (the heap grows to twice the live data before a
// collection) only raises the peak: at a million people GOGC=50 measured
// 2.7 GB peak RSS against 3.5 GB, in 85.6 s against 91.8 s; at 100,000
// 418 MB against 464 MB, 10.9 s against 11.6 s. GOGC in the environment
// wins.
func setMatchGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

// logMatch appends the run to the ledger: inputs, registers and outputs
// with their hashes, and the headline counts.
func logMatch(cmd *cobra.Command, path string, inputs, optOuts []string, parts []*linkage.Part, out string, s linkage.Summary) error {
	var in, outs [][2]string
	for _, f := range inputs {
		in = append(in, [2]string{"input", f})
	}
	for _, p := range parts {
		in = append(in, [2]string{"part", filepath.Join(p.Dir(), linkage.PartFile)}, [2]string{"part", filepath.Join(p.Dir(), linkage.CandidatesFile)})
	}
	for _, f := range optOuts {
		in = append(in, [2]string{"opt-out", f})
	}
	for _, f := range []string{linkage.LinksFile, linkage.EntitiesFile, linkage.SummaryFile} {
		outs = append(outs, [2]string{f, filepath.Join(out, f)})
	}
	facts := map[string]any{"mode": s.Mode, "records": s.Counts.Records, "links": s.Counts.Links,
		"entities": s.Counts.Entities, "threshold": s.Threshold.Value}
	if s.OptOut != nil {
		facts["opt_out_registers"] = len(s.OptOut.Registers)
		facts["entities_opted_out"] = s.OptOut.EntitiesOptedOut
	}
	return appendLog(cmd, path, "match", in, outs, facts)
}

// matchProgress adapts internal/progress to linkage.Progress: one bar per
// stage, on stderr only when it is a terminal and the run is not quiet.
type matchProgress struct{ bar *progress.Bar }

func (p *matchProgress) Start(label string, total int64) {
	p.bar = progress.New(total, label, progress.Items, global.quiet)
}
func (p *matchProgress) Add(n int) { p.bar.Add(int64(n)) }
func (p *matchProgress) Finish()   { p.bar.Finish() }
