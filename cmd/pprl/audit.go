package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/internal/tokenfile"
	"github.com/pprl/pprl/linkage/audit"
	"github.com/pprl/pprl/tokenize"
)

func init() { register(newAuditCmd) }

func newAuditCmd() *cobra.Command {
	var (
		keyFile, forenames, surnames, names    string
		truthPath, mappingPath                 string
		idCol, foreCol, surCol                 string
		asJSON, failOnRisk, clkhashNormalising bool
		threshold, labelled                    float64
		schemaPath                             string
		knownPairs                             int
	)
	cmd := &cobra.Command{
		Use:   "audit TOKENFILE (--forenames CSV --surnames CSV | --names CSV)",
		Short: "Attack a token file's CLKs to measure how many names an attacker could recover",
		Long: `audit runs two published attacks on the CLKs of a token file, as whoever holds the file
(the linkage unit, an insider, a thief) could, using only a name-frequency list from the same
population (a public register, a baby-names table, or your own extract's frequency table):

  frequency-alignment  Kuzu et al.: group records by the bit pattern of each field and align the
                       groups' frequencies with the names' frequencies.
  pattern-mining       Christen, Ranbaduge, Vatsalan and Schnell: find groups of bit positions that
                       are set together far more often than chance (one q-gram each), label them
                       with bigrams by frequency and co-occurrence, and rebuild each record's
                       forename and surname from the labelled bigrams it holds.

With --truth (the plaintext of the file's records, which the data team holds), two attacks by
someone who already holds some plaintext of the same people run as well:

  known-plaintext      a classifier (naive Bayes over the filter bits) trained on --labelled (default
                       10%) of the records with their true forename, surname, date of birth (digit by
                       digit) and sex, reading those of the others; names are also learnt within each
                       birth-year cohort, and the better of the two counts. Limit: 5% above chance.
  pattern-mining-by-year
                       the pattern-mining attack within each birth-year cohort of at least 200
                       records, the attacker knowing every record's year (it is not salted, so it
                       decodes): salting names with the year of birth hides a name's bigrams across
                       years, not within one. Limit: --threshold, as the other two.
  graph-matching       with --schema (the file's linkage spec): the truth is encoded again under a
                       fresh random key, as an attacker holding the plaintext would with the published
                       spec; from --known-pairs (default 50) records known in both, every record's Dice
                       to the known ones is a fingerprint the key does not change, and records are
                       matched by nearest fingerprint, growing the known pairs outward. It reports the
                       share of records re-identified.

It reports, per attack and field, the share of records whose name the attack recovers, the share
the same guesses would hit by luck (naming everyone Smith finds every Smith), the share it names
with confidence and the precision of those confident guesses, and a verdict: PASS when no attack
recovers more than --threshold (default 1%) of first names or surnames above chance, FAIL
otherwise. Without --truth the rates are estimates: the share of records to which an attack
confidently assigns a name. On a vulnerable file
that share understates the recovery (the attacks are right on most of their other guesses too), on
a resistant one confident guesses are rare. With --truth (the plaintext extract, for development and
evaluation) the rates are exact counts.

Name lists are CSV with a header: name,count (--forenames, --surnames), or field,name,count with
field = forename or surname (--names). Names are normalised as pprl tokenize normalises them;
use --clkhash-names for files made by clkhash from lower-cased values.

Nothing printed names a person or a record: only counts and rates. Exit status is 0 whatever
the verdict unless --fail-on-risk (then 1 on FAIL); 2 for usage or input errors.`,
		Example: `  pprl audit health.tokens.age --key lu.key --forenames public/forenames.csv --surnames public/surnames.csv
  pprl audit sw.tokens.parquet --names names.csv --truth social_work.csv --mapping mapping/social_work.json
  pprl audit sw.tokens.parquet --names names.csv --json --fail-on-risk
  pprl audit sw.tokens.age --key lu.key --names names.csv --truth sw.csv --mapping mapping/social_work.json --schema linkage.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return exitcode.Inputf("give one token file to audit")
			}
			if names == "" && forenames == "" && surnames == "" {
				return exitcode.Inputf("give the attacker's name lists: --forenames and --surnames (name,count), or --names (field,name,count)")
			}
			if names != "" && (forenames != "" || surnames != "") {
				return exitcode.Inputf("give either --names or --forenames/--surnames, not both")
			}
			if err := inRange("--threshold", threshold, 0, 1, true, "0.01"); err != nil || threshold == 1 {
				return exitcode.Inputf("--threshold must be a share between 0 and 1 (e.g. 0.01), not %v", threshold)
			}
			if truthPath == "" && (mappingPath != "" || idCol != "" || foreCol != "" || surCol != "" || schemaPath != "") {
				return exitcode.Inputf("--mapping, --schema and --truth-*-column describe the --truth file: give --truth too")
			}
			if schemaPath != "" && mappingPath == "" {
				return exitcode.Inputf("--schema needs --mapping: the graph-matching attack encodes the --truth extract as the agency did")
			}
			if err := inRange("--labelled", labelled, 0, 1, true, "0.1"); err != nil || labelled >= 1 {
				return exitcode.Inputf("--labelled must be a share above 0 and below 1 (e.g. 0.1), not %v", labelled)
			}
			if knownPairs < 1 {
				return exitcode.Inputf("--known-pairs must be at least 1, not %d", knownPairs)
			}
			cfg := audit.Config{RiskThreshold: threshold, Labelled: labelled, KnownPairs: knownPairs}
			if !clkhashNormalising {
				cfg.Normalise = func(s string) string {
					v, err := tokenize.NormalizeName(s)
					if err != nil {
						return ""
					}
					return v
				}
			}
			var err error
			if names != "" {
				err = readList(names, func(r io.Reader) error {
					cfg.Forenames, cfg.Surnames, err = audit.ReadCombinedNameList(r)
					return err
				})
			} else {
				if forenames != "" {
					err = readList(forenames, func(r io.Reader) (err error) { cfg.Forenames, err = audit.ReadNameList(r); return })
				}
				if err == nil && surnames != "" {
					err = readList(surnames, func(r io.Reader) (err error) { cfg.Surnames, err = audit.ReadNameList(r); return })
				}
			}
			if err != nil {
				return err
			}
			var ids []age.Identity
			if keyFile != "" {
				if ids, err = seal.ReadIdentities(keyFile); err != nil {
					return err
				}
			}
			m, data, err := tokenfile.ReadFile(args[0], ids)
			if err != nil {
				return err
			}
			var truth *audit.Truth
			if truthPath != "" {
				cols := audit.TruthColumns{ID: idCol, Forename: foreCol, Surname: surCol}
				var delim rune
				if mappingPath != "" {
					b, err := os.ReadFile(mappingPath)
					if err != nil {
						return exitcode.AsInput(fmt.Errorf("--mapping: %w", err))
					}
					mp, err := tokenize.ParseMapping(b)
					if err != nil {
						return err
					}
					cols = audit.TruthColumns{ID: firstOf(idCol, mp.RecordID), Forename: firstOf(foreCol, mp.Columns["forename"]), Surname: firstOf(surCol, mp.Columns["surname"]),
						DOB: mp.Columns["dob"], Sex: mp.Columns["sex"]}
					if len([]rune(mp.Delimiter)) == 1 {
						delim = []rune(mp.Delimiter)[0]
					}
				}
				if truth, err = audit.ReadTruth(truthPath, delim, cols, data.RecordIDs); err != nil {
					return err
				}
			}
			if schemaPath != "" {
				if cfg.Attacker, cfg.AttackerRecords, err = attackerEncoding(cmd, schemaPath, mappingPath, truthPath, m, data.RecordIDs); err != nil {
					return err
				}
			}
			res, err := audit.Run(cmd.Context(), data.CLKs, data.CLKBytes, cfg, truth)
			if err != nil {
				return err
			}
			w := stdout(cmd)
			if asJSON {
				out := struct {
					File     string `json:"file"`
					Dataset  string `json:"dataset"`
					Encoding string `json:"encoding"`
					*audit.Result
				}{args[0], m.Dataset, m.Encoding, res}
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return err
				}
			} else if !global.quiet {
				printAudit(w, args[0], m, cfg, res)
			} else {
				fmt.Fprintln(w, res.Verdict)
			}
			if failOnRisk && !res.Pass {
				return fmt.Errorf("audit failed: recovery %.2f%% is above the %.2f%% limit", 100*res.MaxRisk, 100*res.RiskThreshold)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "", "the linkage unit's private key file (needed for a sealed token file)")
	f.StringVar(&forenames, "forenames", "", "forename frequency list (CSV: name,count)")
	f.StringVar(&surnames, "surnames", "", "surname frequency list (CSV: name,count)")
	f.StringVar(&names, "names", "", "combined frequency list (CSV: field,name,count; field = forename or surname)")
	f.StringVar(&truthPath, "truth", "", "plaintext extract the token file was made from, to score the attacks exactly (development only)")
	f.StringVar(&mappingPath, "mapping", "", "input mapping of the --truth extract (gives its ID, forename and surname columns and delimiter)")
	f.StringVar(&idCol, "truth-id-column", "", "record ID column of the --truth extract")
	f.StringVar(&foreCol, "truth-forename-column", "", "forename column of the --truth extract")
	f.StringVar(&surCol, "truth-surname-column", "", "surname column of the --truth extract")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&failOnRisk, "fail-on-risk", false, "exit with status 1 when the verdict is FAIL")
	f.Float64Var(&threshold, "threshold", audit.DefaultRiskThreshold, "largest acceptable share of names recovered")
	f.BoolVar(&clkhashNormalising, "clkhash-names", false, "normalise names by lower-casing only (files made by clkhash), not as pprl tokenize does")
	f.Float64Var(&labelled, "labelled", audit.DefaultLabelled, "known-plaintext attack (with --truth): the share of records whose values the attacker holds")
	f.StringVar(&schemaPath, "schema", "", "the file's linkage spec: with --truth and --mapping, run the graph-matching attack")
	f.IntVar(&knownPairs, "known-pairs", audit.DefaultKnownPairs, "graph-matching attack: how many records the attacker knows in both encodings")
	return cmd
}

// attackerEncoding encodes the --truth extract with the file's spec under a
// fresh random key, as an attacker holding that plaintext and the published
// spec would, and returns the attacker's CLKs with, for each, the index of
// the same record in the audited file. The encoding is written to a private
// temporary directory, removed before returning.
func attackerEncoding(cmd *cobra.Command, schemaPath, mappingPath, truthPath string, m tokenfile.Manifest, recordIDs []string) ([]byte, []int, error) {
	sc, err := tokenize.LoadSchema(schemaPath)
	if err != nil {
		return nil, nil, err
	}
	if sc.Fingerprint() != m.SchemaFingerprint {
		return nil, nil, exitcode.Inputf("--schema %s is not the spec the file was made with (fingerprint %s, the file's %s): the attacker is assumed to know the spec, so give that one",
			schemaPath, tokenize.ShortFingerprint(sc.Fingerprint()), tokenize.ShortFingerprint(m.SchemaFingerprint))
	}
	mp, err := tokenize.LoadMapping(mappingPath)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "pprl-audit-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, nil, err
	}
	out := filepath.Join(dir, "attacker.parquet")
	if _, err := tokenize.Tokenize(cmd.Context(), tokenize.Options{Schema: sc, Mapping: mp, Secret: secret, Dataset: "attacker",
		Input: truthPath, Output: out, MaxRejectRate: -1, MaxFieldRejectRate: -1, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		return nil, nil, fmt.Errorf("encoding --truth as the attacker: %w", err)
	}
	_, att, err := tokenfile.ReadFile(out, nil)
	if err != nil {
		return nil, nil, err
	}
	pos := make(map[string]int, len(recordIDs))
	for i, id := range recordIDs {
		pos[id] = i
	}
	var clks []byte
	var idx []int
	for k, id := range att.RecordIDs {
		if i, ok := pos[id]; ok {
			clks = append(clks, att.CLKs[k*att.CLKBytes:(k+1)*att.CLKBytes]...)
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return nil, nil, exitcode.Inputf("--truth %s shares %d records with the file: the graph-matching attack needs the plaintext of the file's records", truthPath, len(idx))
	}
	return clks, idx, nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// readList opens path and hands it to parse, naming the file in errors.
func readList(path string, parse func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return exitcode.AsInput(fmt.Errorf("name list: %w", err))
	}
	defer f.Close()
	if err := parse(f); err != nil {
		if exitcode.IsInput(err) {
			return exitcode.AsInput(fmt.Errorf("%s: %w", path, err))
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// printAudit writes the human-readable result: counts and rates only.
func printAudit(w io.Writer, path string, m tokenfile.Manifest, cfg audit.Config, res *audit.Result) {
	fmt.Fprintf(w, "audit of %s (dataset %s, %s encoding): %d records, %d-bit CLKs\n", path, m.Dataset, m.Encoding, res.Records, res.Bits)
	lists := ""
	if cfg.Forenames != nil {
		lists += fmt.Sprintf("%d forenames", cfg.Forenames.Len())
	}
	if cfg.Surnames != nil {
		if lists != "" {
			lists += ", "
		}
		lists += fmt.Sprintf("%d surnames", cfg.Surnames.Len())
	}
	fmt.Fprintf(w, "attacker's name lists: %s\n", lists)
	if res.TruthGiven {
		fmt.Fprintf(w, "%-22s %-9s %10s %10s %10s %10s\n", "attack", "field", "recovered", "by chance", "confident", "precision")
	} else {
		fmt.Fprintf(w, "%-22s %-9s %10s   (no --truth: the share of records the attack names with confidence)\n", "attack", "field", "confident")
	}
	for _, a := range res.Attacks {
		for _, f := range a.Fields {
			if res.TruthGiven {
				fmt.Fprintf(w, "%-22s %-9s %9.1f%% %9.1f%% %9.1f%% %9.1f%%\n", a.Attack, f.Field, 100**f.RecoveryRate, 100**f.ChanceRate, 100*f.ConfidentShare, 100**f.ConfidentPrecision)
			} else {
				fmt.Fprintf(w, "%-22s %-9s %9.1f%%\n", a.Attack, f.Field, 100*f.ConfidentShare)
			}
		}
		switch a.Attack {
		case audit.KnownPlaintext:
			fmt.Fprintf(w, "%-22s trained on %d labelled records, limit %.1f%% above chance, %.1fs\n", "", a.Labelled, 100*a.Limit, a.Seconds)
		case audit.GraphMatching:
			fmt.Fprintf(w, "%-22s from %d known pairs: the share of records matched to their own encoding, %.1fs\n", "", a.Labelled, a.Seconds)
		case audit.PatternMiningByYear:
			fmt.Fprintf(w, "%-22s within %d birth-year cohorts (%d records; the attacker knows each record's year): %d bit-position groups found, %d matched, %.1fs\n", "", a.Cohorts, a.CohortRecords, a.Atoms, a.Labelled, a.Seconds)
		default:
			fmt.Fprintf(w, "%-22s %d bit-position groups found, %d matched to name bigrams or name patterns, %.1fs\n", "", a.Atoms, a.Labelled, a.Seconds)
		}
	}
	for _, why := range res.NotRun {
		fmt.Fprintf(w, "not run: %s\n", why)
	}
	fmt.Fprintf(w, "verdict: %s\n", res.Verdict)
}
