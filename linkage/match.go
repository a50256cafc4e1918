package linkage

import (
	"cmp"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pprl/pprl/internal/buildinfo"
	"github.com/pprl/pprl/internal/exitcode"
)

// DefaultMinDice is the reference similarity floor of the candidate search:
// a run without a floor starts below it where random pairs' Dice allows and
// the search fits its budget (down to 0.7), and is raised above it, with a
// warning, only where the search does not fit (floor.go).
const DefaultMinDice = 0.8

// Progress reports the advance of a long stage. Start is called once per
// stage with the amount of work, Add as work is done, Finish at its end.
type Progress interface {
	Start(label string, total int64)
	Add(n int)
	Finish()
}

// Options controls a match.
type Options struct {
	// Threshold is the score at or above which a candidate pair is a match
	// (a log2 likelihood ratio, see Model). Ignored when AutoThreshold.
	Threshold     float64
	AutoThreshold bool
	// MinDice is the Dice floor for candidates that share no token; zero
	// means automatic: the lowest floor from 0.7 up that random pairs'
	// Dice and the search cost model allow (floor.go).
	MinDice float64
	// AllowDuplicates lifts the solver's consistency check (see Solve):
	// entities grow by single linkage, chaining through shared records.
	AllowDuplicates bool
	// AllowFieldMismatch links files whose fields disagree between datasets
	// on almost every link (fieldcheck.go), where a match otherwise refuses
	// them as coded differently.
	AllowFieldMismatch bool
	// LinkOnly searches only between datasets, never within one, so that an
	// entity holds at most one record per dataset (the behaviour before
	// link-and-dedupe). Ignored when deduplicating a single dataset.
	LinkOnly bool
	// Previous maps each record of a previous run to its entity ID, to keep
	// IDs stable; nil for none.
	Previous map[RecordKey]string
	// Seed chooses the LSH bit samples (0 is a fine default).
	Seed uint64
	// Exhaustive compares every pair instead of blocking (slow; reference).
	Exhaustive bool
	// OptOut are opt-out registers (optout.go): entities with a record
	// matching an entry are flagged, nothing else of them is output.
	// OptOutMargin is how many bits below the threshold such a match may
	// score (DefaultOptOutMargin is the CLI's default; zero: at the
	// threshold itself).
	// NoTermFrequencies turns off the term-frequency adjustment of scores
	// (termfreq.go): agreement on a common token value then counts as much
	// as on a rare one.
	NoTermFrequencies bool
	OptOut            []*Dataset
	OptOutMargin      float64
	Progress          Progress     // nil: no progress
	maxBands          int          // tests: force LSH with at most this many bands
	Log               *slog.Logger // nil: slog.Default()
}

// Result is the outcome of a match, ready to be written.
type Result struct {
	Datasets []*Dataset
	Links    []Link   // kept links, sorted by (DA, A, DB, B)
	Entities []Entity // sorted by ID
	Summary  Summary
}

// Summary is summary.json.
type Summary struct {
	Format        string          `json:"format"`
	FormatVersion int             `json:"format_version"`
	PPRLVersion   string          `json:"pprl_version"`
	Mode          string          `json:"mode"` // "link", "link-and-dedupe" or "dedup"
	Inputs        []InputSummary  `json:"inputs"`
	Threshold     ThresholdChoice `json:"threshold"`
	Model         *Model          `json:"model"`
	Search        SearchSummary   `json:"search"`
	Counts        Counts          `json:"counts"`
	// ScoreHistogram counts every candidate's score in bins one unit
	// (one bit of evidence) wide, lowest first.
	ScoreHistogram []HistogramBin `json:"score_histogram"`
	// TermFrequency reports how term frequencies lowered scores.
	TermFrequency TermFreqSummary `json:"term_frequency"`
	// Explanations take a few candidates' scores apart (explain.go).
	Explanations []Explanation   `json:"explanations"`
	Stability    *StabilityStats `json:"stability,omitempty"`
	OptOut       *OptOutSummary  `json:"opt_out,omitempty"`
	MatchRates   []MatchRate     `json:"match_rates"`
	// FieldAgreement says, per pair of datasets and field, how often the
	// links between them agree on a rule reading the field (fieldcheck.go):
	// a field coded differently by one agency agrees on almost none.
	FieldAgreement []FieldAgreement `json:"field_agreement"`
	// Shards lists the parts a merged run was made from (MergeParts); a
	// run in one process has none. Besides Timings, it is the only part of
	// the outputs in which a merged run differs from a run in one process.
	Shards  []ShardSummary `json:"shards,omitempty"`
	Timings Timings        `json:"timings"`
}

// ShardSummary is one part a merged run used.
type ShardSummary struct {
	Shard      int    `json:"shard"`
	Of         int    `json:"of"`
	Part       string `json:"part"` // the part directory as given
	Candidates int    `json:"candidates"`
	Compared   int64  `json:"dice_computed"`
}

// InputSummary describes one input.
type InputSummary struct {
	Dataset           string `json:"dataset"`
	File              string `json:"file,omitempty"`
	Rows              int    `json:"rows"`
	SchemaFingerprint string `json:"schema_fingerprint"`
	SecretFingerprint string `json:"secret_fingerprint"`
	Release           string `json:"release,omitempty"`
}

// HistogramBin counts the candidate scores in [Lo, Hi).
type HistogramBin struct {
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	Count int64   `json:"count"`
}

// scoreHistogram bins every candidate's score (its pattern's weight under
// weightsOf its set, before term frequencies) into unit-wide bins [k, k+1)
// from the lowest to the highest score.
func scoreHistogram(sets []pairSet, weightsOf func(*pairSet) map[pattern]float64) []HistogramBin {
	counts := map[float64]int64{}
	for k := range sets {
		s := &sets[k]
		w := weightsOf(s)
		// Count the set's patterns first: a set has few distinct ones, so
		// a weight lookup and a float-keyed bin per pattern, not per
		// candidate.
		var perPattern patternCounter
		for _, p := range s.pats {
			perPattern.add(p)
		}
		for p, c := range perPattern.counts() {
			counts[math.Floor(w[p])] += c
		}
	}
	if len(counts) == 0 {
		return []HistogramBin{}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for f := range counts {
		lo, hi = min(lo, f), max(hi, f)
	}
	out := make([]HistogramBin, int(hi-lo)+1)
	for k := range out {
		out[k].Lo, out[k].Hi = lo+float64(k), lo+float64(k+1)
	}
	for f, c := range counts {
		out[int(f-lo)].Count += c
	}
	return out
}

// ThresholdChoice records the decision threshold and how it was chosen.
type ThresholdChoice struct {
	Value  float64 `json:"value"`
	Method string  `json:"method"` // "fixed", "auto-posterior" or "auto-otsu"
	Why    string  `json:"why"`
	// Within is the threshold for links between two records of one
	// dataset, when the run searches within datasets (link-and-dedupe),
	// and WithinWhy how it was chosen: over every dataset's pairs
	// together. It is the bar of a subject-access lookup (LookupBar) and
	// of a dataset that has none of its own in WithinByDataset.
	Within    *float64 `json:"within_dataset_value,omitempty"`
	WithinWhy string   `json:"within_dataset_why,omitempty"`
	// WithinByDataset holds each dataset's own within-dataset threshold,
	// from its own duplicates and pairs (withinThreshold): the bar its
	// within-dataset pairs must reach when the threshold is chosen
	// automatically.
	WithinByDataset []DatasetThreshold `json:"within_dataset_values,omitempty"`
	// IDDiffers is the threshold for links between datasets whose ID rule
	// (Model.PatternMFrom) disagrees, and IDDiffersWhy why (idDiffersBar).
	IDDiffers    *float64 `json:"id_differs_value,omitempty"`
	IDDiffersWhy string   `json:"id_differs_why,omitempty"`
	// StrangerPatterns are the rule patterns whose between-dataset pairs
	// need term-frequency evidence to be linked (strangerPatterns), the
	// largest first.
	StrangerPatterns []StrangerPattern `json:"stranger_patterns,omitempty"`
}

// DatasetThreshold is one dataset's within-dataset threshold and how it
// was chosen.
type DatasetThreshold struct {
	Dataset string  `json:"dataset"`
	Value   float64 `json:"value"`
	Why     string  `json:"why"`
}

// withinBar returns the bar for a pair of two records of dataset name:
// its own (WithinByDataset), else Within, else Value.
func (th *ThresholdChoice) withinBar(name string) float64 {
	for _, w := range th.WithinByDataset {
		if w.Dataset == name {
			return w.Value
		}
	}
	if th.Within != nil {
		return *th.Within
	}
	return th.Value
}

// SearchSummary records how candidates were found.
type SearchSummary struct {
	MinDice float64 `json:"min_dice"`
	// MinDiceSource says where MinDice came from: FloorFromOption (given),
	// FloorLowered, FloorDefault or FloorRaised (the automatic floor
	// below, at or above DefaultMinDice, floor.go); FloorEstimates are the
	// cost model's estimates at each floor it tried.
	MinDiceSource  string          `json:"min_dice_source"`
	FloorEstimates []FloorEstimate `json:"min_dice_estimates,omitempty"`
	Exhaustive     bool            `json:"exhaustive"`
	Seed           uint64          `json:"seed"`
	MaxBlock       int             `json:"max_token_block"`
	MaxBucket      int             `json:"max_lsh_bucket"`
	DatasetPairs   []PairSearch    `json:"dataset_pairs"`
	SkippedBlocks  int64           `json:"skipped_token_blocks"`
	SkippedBuckets int64           `json:"skipped_lsh_buckets"`
	// Warnings say where the search is estimated to fall short of its
	// recall target (RecallWarnBelow at the Dice floor).
	Warnings []string `json:"warnings"`
}

// PairSearch records the search between two datasets (the same twice when
// deduplicating).
type PairSearch struct {
	DatasetA     string  `json:"dataset_a"`
	DatasetB     string  `json:"dataset_b"`
	Method       string  `json:"method"` // lsh, exhaustive or exhaustive-cost (the cost model chose it)
	Bands        int     `json:"lsh_bands"`
	NeededBands  int     `json:"lsh_bands_for_recall_target,omitempty"`
	BitsPerBand  int     `json:"lsh_bits_per_band"`
	EstRecall    float64 `json:"estimated_recall_at_min_dice"`
	ExactPairs   int64   `json:"token_agreements"`
	Compared     int64   `json:"dice_computed"`
	BoundPruned  int64   `json:"popcount_pruned"`
	Candidates   int     `json:"candidates"`
	ComparedFrac float64 `json:"compared_fraction_of_all_pairs"`
}

// Counts are the headline numbers.
type Counts struct {
	Records          int `json:"records"`
	Candidates       int `json:"candidates"`
	AboveThreshold   int `json:"above_threshold"`
	Links            int `json:"links"`
	LinksWithin      int `json:"links_within_dataset"` // of Links, between two records of one dataset
	Entities         int `json:"entities"`
	EntitiesLinked   int `json:"entities_with_several_records"`
	RejectedByOneOne int `json:"rejected_by_consistency"` // links above the threshold the solver did not keep
	// Corroborated: merges of two entities holding records of one dataset
	// that were not linked directly, for which every record of the merged
	// entity from other datasets vouched (corroborate.go).
	Corroborated int `json:"joined_by_corroboration"`
	// StrangerPattern: pairs above the threshold left out because their
	// pattern's candidates are mostly strangers and their values are not
	// rare enough (strangerPatterns): between datasets, and within the
	// one dataset of a deduplication.
	StrangerPattern int `json:"below_stranger_pattern_bar"`
	// FamilyRefused: candidates agreeing on family rules alone in a Dice
	// band whose candidates are mostly namesakes (twins), left out before
	// the solver, within datasets and between them (namesakes.go).
	FamilyRefused int `json:"refused_as_namesakes"`
	// JoinedByCommonRecord: merges of two entities holding records of one
	// dataset that were not linked directly, joined by a record of that
	// dataset strongly linked to both (commonrecord.go).
	JoinedByCommonRecord int `json:"joined_by_common_record"`
	// JoinedSparingOne: deduplicating one dataset, merges of two entities
	// in which one of at least minSparedPairs pairs across them was not
	// linked, every other directly (solve.go).
	JoinedSparingOne int `json:"joined_sparing_one_pair,omitempty"`
	// RefusedIDsDiffer: merges refused because they would join two records
	// of different datasets holding different ID numbers (CHI) that are
	// not linked directly (idnumbers.go).
	RefusedIDsDiffer int `json:"refused_as_ids_differ"`
	// JoinedByIDNumber: merges of two entities holding records of one
	// dataset that were not linked directly, made because a directly
	// linked pair across them holds the same ID number (idnumbers.go).
	JoinedByIDNumber int `json:"joined_by_id_number"`
}

// MatchRate is, for two datasets, how many links join them and what share
// of each side's records has a link to the other.
type MatchRate struct {
	DatasetA string  `json:"dataset_a"`
	DatasetB string  `json:"dataset_b"`
	Links    int     `json:"links"`
	RateA    float64 `json:"rate_a"` // share of dataset_a's records linked to dataset_b
	RateB    float64 `json:"rate_b"`
}

// Timings are wall-clock seconds per stage; the only part of the outputs
// that changes between identical runs.
type Timings struct {
	Load   float64 `json:"load_s"`
	Search float64 `json:"search_s"`
	Score  float64 `json:"score_s"`
	Solve  float64 `json:"solve_s"`
	Write  float64 `json:"write_s"`
	Total  float64 `json:"total_s"`
}

// Match links the datasets (or deduplicates one): candidate search between
// every two datasets, scoring by the fitted model, threshold, greedy
// solving and entity IDs. Datasets are processed in name order, so the
// result does not depend on the order they were given in.
//
// A match is three stages (a matchRun): setting up (checks, the dataset
// pairs to search), the candidate search, and the decision (evidence,
// model, threshold, links, entities). The search can instead be split
// over machines: MatchShard runs one share of it and MergeParts runs the
// decision on all the shares' candidates, with the same result as Match.
func Match(datasets []*Dataset, opt Options) (*Result, error) {
	r, err := newMatchRun(datasets, opt)
	if err != nil {
		return nil, err
	}
	r.recordSearch(r.search(Shard{}))
	return r.decide()
}

// matchRun is a match in progress.
type matchRun struct {
	opt      Options
	log      *slog.Logger
	start    time.Time
	datasets []*Dataset // in name order
	offsets  []int      // offsets[d]: the first global record index of dataset d
	dedup    bool       // one dataset
	within   bool       // search within each dataset too
	sets     []pairSet  // the dataset pairs to search, in order
	sopt     SearchOptions
	res      *Result
	tSearch  time.Time // when the search ended
	// floorWarning says that the cost model raised the Dice floor; empty
	// when it did not.
	floorWarning string
}

// newMatchRun checks the inputs and options and lays out the search.
func newMatchRun(datasets []*Dataset, opt Options) (*matchRun, error) {
	r := &matchRun{opt: opt, log: opt.Log, start: time.Now()}
	if r.log == nil {
		r.log = slog.Default()
	}
	if len(datasets) == 0 {
		return nil, exitcode.Inputf("no inputs")
	}
	if len(datasets) > 64 {
		return nil, exitcode.Inputf("%d inputs: at most 64 datasets can be matched at once", len(datasets))
	}
	autoFloor := r.opt.MinDice == 0 && r.opt.maxBands == 0
	if r.opt.MinDice == 0 {
		r.opt.MinDice = DefaultMinDice
	}
	opt = r.opt
	if opt.MinDice < 0 || opt.MinDice > 1 {
		return nil, exitcode.Inputf("minimum Dice %v is outside [0, 1]", opt.MinDice)
	}
	datasets = slices.Clone(datasets)
	slices.SortStableFunc(datasets, func(x, y *Dataset) int { return cmp.Compare(x.Name, y.Name) })
	if err := checkCompatible(datasets); err != nil {
		return nil, err
	}
	for _, d := range datasets {
		if err := d.Prepare(); err != nil {
			return nil, exitcode.AsInput(err)
		}
	}
	if len(opt.OptOut) > 0 {
		if err := checkRegisters(datasets, opt.OptOut); err != nil {
			return nil, err
		}
	}
	if math.IsNaN(opt.OptOutMargin) || math.IsInf(opt.OptOutMargin, 0) || opt.OptOutMargin < 0 {
		return nil, exitcode.Inputf("opt-out margin %v must be a finite number of bits, at least 0", opt.OptOutMargin)
	}
	r.datasets = datasets
	r.res = &Result{Datasets: datasets}
	sum := &r.res.Summary
	sum.Format, sum.FormatVersion, sum.PPRLVersion = "pprl-match-summary", 1, buildinfo.Version()
	sum.Mode = "link"
	r.dedup = len(datasets) == 1
	r.within = !opt.LinkOnly || r.dedup
	switch {
	case r.dedup:
		sum.Mode = "dedup"
	case r.within:
		sum.Mode = "link-and-dedupe"
	}
	r.offsets = []int{0}
	for _, d := range datasets {
		sum.Inputs = append(sum.Inputs, InputSummary{Dataset: d.Name, File: d.Source, Rows: d.Len(),
			SchemaFingerprint: d.SchemaFingerprint, SecretFingerprint: d.SecretFingerprint, Release: d.Release})
		r.offsets = append(r.offsets, r.offsets[len(r.offsets)-1]+d.Len())
	}
	sum.Counts.Records = r.offsets[len(r.offsets)-1]
	for i := range datasets {
		for j := i; j < len(datasets); j++ {
			if i == j && !r.within {
				continue
			}
			r.sets = append(r.sets, pairSet{da: i, db: j})
		}
	}
	r.res.Summary.Search.MinDiceSource = FloorFromOption
	if autoFloor {
		r.chooseFloor()
	}
	opt = r.opt
	r.sopt = SearchOptions{MinDice: opt.MinDice, Seed: opt.Seed, Exhaustive: opt.Exhaustive, MaxBlock: 50, MaxBucket: 2000, MaxBands: opt.maxBands}
	return r, nil
}

// search runs the shard's share of the candidate search between every two
// datasets, leaving the pairs in r.sets and returning each set's counts.
func (r *matchRun) search(sh Shard) []SearchStats {
	sopt := r.sopt
	sopt.Shard = sh
	if p := r.opt.Progress; p != nil {
		total := int64(0)
		for _, s := range r.sets {
			lo, hi := sh.span(r.datasets[s.da].Len())
			total += int64(hi - lo)
		}
		p.Start("comparing", total)
		sopt.Progress = p.Add
		defer p.Finish()
	}
	// The exact joins of every pair first, rule by rule (each dataset's
	// sorted token entries serve all its pairs), then each pair's search.
	pairs := make([][2]int, len(r.sets))
	for k, s := range r.sets {
		pairs[k] = [2]int{s.da, s.db}
	}
	exact := exactJoinAll(r.datasets, pairs, sopt.maxBlock())
	stats := make([]SearchStats, len(r.sets))
	for k := range r.sets {
		s := &r.sets[k]
		sopt.meets, sopt.meetsAt = s.meets, s.meetsAt
		sopt.exact = &exact[k]
		s.pairs, stats[k] = Search(r.datasets[s.da], r.datasets[s.db], s.da == s.db, sopt)
		exact[k] = exactResult{} // the search's candidates hold them now
		s.joined, s.recheck = true, stats[k].Exact.SkippedRules
	}
	// The search's garbage (each chunk's pairs, merged into one slice; the
	// popcount-sorted copies of the filters) is as large as its output, and
	// a collection during the merge counts it live, so the collector's next
	// goal would let scoring grow the heap by half of it again: 20,000 ×
	// 20,000 dense FEBRL filters peaked at 3.08 GB against 2.40 GB with
	// this collection. Its cost is small: candidates hold no pointers.
	runtime.GC()
	return stats
}

// recordSearch puts the search's counts (of the whole search, or summed
// over its shards) into the summary, and warns where it falls short.
func (r *matchRun) recordSearch(stats []SearchStats) {
	sum := &r.res.Summary
	sum.Search = SearchSummary{MinDice: r.opt.MinDice, MinDiceSource: sum.Search.MinDiceSource, FloorEstimates: sum.Search.FloorEstimates,
		Exhaustive: r.opt.Exhaustive, Seed: r.opt.Seed, MaxBlock: r.sopt.MaxBlock, MaxBucket: r.sopt.MaxBucket, Warnings: []string{}}
	if r.floorWarning != "" {
		sum.Search.Warnings = append(sum.Search.Warnings, r.floorWarning)
	}
	for k, st := range stats {
		s := r.sets[k]
		A, B := r.datasets[s.da], r.datasets[s.db]
		self := s.da == s.db
		ps := PairSearch{DatasetA: A.Name, DatasetB: B.Name, Method: st.Method, Bands: st.Plan.Bands, BitsPerBand: st.Plan.Bits,
			NeededBands: st.Plan.NeededBands, EstRecall: round4(st.EstRecall), ExactPairs: st.Exact.Pairs, Compared: st.Compared,
			BoundPruned: st.BoundPruned, Candidates: st.Candidates}
		if all := pairSpace(A, B, self); all > 0 {
			ps.ComparedFrac = float64(st.Compared) / all
		}
		if st.Method == "exhaustive-cost" {
			ps.Bands, ps.BitsPerBand, ps.NeededBands = 0, 0, 0
		}
		sum.Search.DatasetPairs = append(sum.Search.DatasetPairs, ps)
		if ps.EstRecall < RecallWarnBelow {
			w := fmt.Sprintf("%s ~ %s: the similarity search is estimated to find %.1f%% of the pairs at Dice %.2f (it would need %d LSH bands, the index allows %d, and an exhaustive search was estimated costlier): pairs that share no token and sit near the floor may be missed; --exhaustive compares every pair, a higher --min-dice needs fewer bands",
				A.Name, B.Name, 100*ps.EstRecall, r.opt.MinDice, st.Plan.NeededBands, st.Plan.Bands)
			sum.Search.Warnings = append(sum.Search.Warnings, w)
			r.log.Warn("similarity search recall below target", "datasets", A.Name+"~"+B.Name,
				"estimated_recall", ps.EstRecall, "min_dice", r.opt.MinDice, "bands_needed", st.Plan.NeededBands, "bands_used", st.Plan.Bands,
				"what_to_do", "--exhaustive compares every pair; a higher --min-dice needs fewer bands")
		}
		sum.Search.SkippedBlocks += st.Exact.SkippedBlocks
		sum.Search.SkippedBuckets += st.SkippedBuckets
		sum.Counts.Candidates += st.Candidates
		if st.Exact.SkippedBlocks > 0 {
			r.log.Warn("very common tokens were not joined exactly (their records are still compared by similarity)",
				"datasets", A.Name+"+"+B.Name, "token_values", st.Exact.SkippedBlocks, "records", st.Exact.SkippedRecords)
		}
	}
	r.tSearch = time.Now()
}

// pairSpace is the number of record pairs between A and B, or within A
// when self.
func pairSpace(A, B *Dataset, self bool) float64 {
	if self {
		return float64(A.Len()) * float64(A.Len()-1) / 2
	}
	return float64(A.Len()) * float64(B.Len())
}

func secs(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
func round4(x float64) float64     { return math.Round(x*1e4) / 1e4 }
func round9(x float64) float64     { return math.Round(x*1e9) / 1e9 }

// checkCompatible refuses inputs that cannot be matched together.
func checkCompatible(ds []*Dataset) error {
	names := map[string]string{}
	for _, d := range ds {
		if d.Name == "" {
			return exitcode.Inputf("%s: the token file names no dataset", d.Source)
		}
		if prev, dup := names[d.Name]; dup {
			return exitcode.Inputf("%s and %s both hold dataset %q: give each dataset once", prev, d.Source, d.Name)
		}
		names[d.Name] = d.Source
	}
	first := ds[0]
	for _, d := range ds[1:] {
		if d.SchemaFingerprint != first.SchemaFingerprint {
			return exitcode.Inputf("%s and %s were made with different linkage specs (schema fingerprints %s and %s): re-tokenize with the same linkage.json",
				first.Source, d.Source, first.SchemaFingerprint, d.SchemaFingerprint)
		}
		if d.Release != first.Release {
			return exitcode.Inputf("%s and %s belong to different releases (%q and %q): match the files of one release, each tokenized with that release's secret",
				first.Source, d.Source, first.Release, d.Release)
		}
		if max(d.Normalisers, 1) != max(first.Normalisers, 1) {
			return exitcode.Inputf("%s and %s were tokenized by pprl releases whose normalisers differ (versions %d and %d: a name can encode differently under each): re-tokenize both extracts with one pprl release",
				first.Source, d.Source, max(first.Normalisers, 1), max(d.Normalisers, 1))
		}
		if d.SecretFingerprint != first.SecretFingerprint {
			return exitcode.Inputf("%s and %s were made with different project secrets (fingerprints %s and %s): re-tokenize with the same secret",
				first.Source, d.Source, first.SecretFingerprint, d.SecretFingerprint)
		}
		if d.Width != first.Width {
			return exitcode.Inputf("%s and %s have CLKs of different lengths (%d and %d bits)", first.Source, d.Source, first.Width*8, d.Width*8)
		}
		if !slices.Equal(d.Rules, first.Rules) {
			return exitcode.Inputf("%s and %s have different token rules", first.Source, d.Source)
		}
	}
	return nil
}

// chooseThreshold picks the decision threshold from the fitted model.
//
// The model's score is the log2 likelihood ratio of a pair against random
// pairs, and EM estimates how many matches the comparison space holds. Two
// priors bracket the decision:
//
//   - Over the whole space (λ = expected matches / all pairs) the posterior
//     is one half at log2((1−λ)/λ), about log2 of the larger dataset: the
//     threshold for a pair judged alone, before the one-to-one constraint.
//     It is too strict in practice: the weights treat the rule pattern and
//     the Dice band as independent, while one typo lowers both, so true
//     pairs with weak evidence score low.
//   - Among the candidates (λc = expected matches / candidates) the
//     posterior is one half at log2((1−λc)/λc). The greedy solver then
//     keeps only each record's best consistent partner, which supplies the
//     one-partner prior that the whole-space threshold applies pair by
//     pair.
//
// The threshold is the candidate-space one, but never below 0: a pair whose
// evidence favours "different people" (likelihood ratio below 1) is never
// accepted, however many matches the candidates hold. When the EM fit is
// degenerate (no candidates, no convergence, no matches) it falls back to
// Otsu's split of the candidates' score histogram.
func chooseThreshold(m *Model, pats []pattern, cnts []int64, weights map[pattern]float64) ThresholdChoice {
	var total int64
	for _, c := range cnts {
		total += c
	}
	expected := 0.0 // among these candidates: their summed posterior
	for i, p := range pats {
		lr := math.Exp2(weights[p])
		expected += float64(cnts[i]) * m.Lambda * lr / (m.Lambda*lr + 1 - m.Lambda)
	}
	if m.Converged && expected >= 1 && total > 0 {
		lc := min(expected/float64(total), 1-1e-9)
		cand := math.Log2((1 - lc) / lc)
		v := round9(max(cand, 0))
		bound := "the floor 0 (likelihood ratio 1)"
		if cand > 0 {
			bound = "that value"
		}
		return ThresholdChoice{Value: v, Method: "auto-posterior",
			Why: fmt.Sprintf("Fellegi-Sunter model, u from random pairs, m from anchor pairs, the match share fitted by EM over all %.0f pairs of the comparison space (%d iterations): %.0f expected matches among the %d candidates that are the best of one of their records (share %.4f). "+
				"The posterior match probability among candidates is 0.5 at log2((1-%.4f)/%.4f) = %.3f, and the threshold is %s (%.3f); "+
				"a pair judged alone against the whole space would need %.3f, which the one-to-one solver makes unnecessary by keeping only each record's best consistent partner",
				m.Space, m.Iterations, expected, total, lc, lc, lc, cand, bound, v, m.PosteriorThreshold())}
	}
	scores := make([]float64, 0, total)
	for i, p := range pats {
		for range min(cnts[i], 100000) {
			scores = append(scores, weights[p])
		}
	}
	v := round9(otsuThreshold(scores))
	return ThresholdChoice{Value: v, Method: "auto-otsu",
		Why: fmt.Sprintf("the EM fit was degenerate (converged=%v, %.3g expected matches), so Otsu's split of the histogram of %d candidate scores (the valley between the non-match and match modes) was used", m.Converged, m.ExpectedMatches, total)}
}

// pairSet is the candidate pairs between datasets da and db (da == db:
// within one dataset) and their comparison patterns.
type pairSet struct {
	da, db int
	pairs  []Pair
	pats   []pattern
	// meets is lshMeets of the set's plan at Dice floor meetsAt, when the
	// floor's cost model measured it (zero meetsAt: not measured).
	meets, meetsAt float64
	// joined says that every pair's Rules mask came from this process's
	// exact joins, so it already holds every rule the pair agrees on except
	// the rules in recheck (those that skipped a block): compareCandidates
	// compares tokens for those rules only.
	joined  bool
	recheck uint16
}

// bestCandidates counts, by pattern, the between-dataset candidates (all
// candidates when deduplicating) that are the best-scoring candidate of at
// least one of their two records: the pairs the one-to-one solver chooses
// among. The main threshold is chosen on them, since a record's other
// candidates compete with its best one rather than with the whole candidate
// set. On sparse filters this is nearly every candidate; on dense ones
// (clkhash schemas, where a Dice floor of 0.8 admits a quarter of random
// pairs) it is about two per record, where the whole set would make the
// candidate-space prior, and so the threshold, far too strict.
func bestCandidates(sets []pairSet, ds []*Dataset, weights map[pattern]float64, dedup bool) map[pattern]int64 {
	out := map[pattern]int64{}
	for _, s := range sets {
		if s.da == s.db && !dedup {
			continue
		}
		nA, nB := ds[s.da].Len(), ds[s.db].Len()
		if dedup {
			nA = max(nA, nB)
			nB = nA
		}
		bestA, bestB := bestOfRecords(&s, nA, nB, weights, nil)
		chosen := make([]bool, len(s.pairs))
		for _, b := range [][]int32{bestA, bestB} {
			for _, i := range b {
				if i >= 0 {
					chosen[i] = true
				}
			}
		}
		for i, c := range chosen {
			if c {
				out[s.pats[i]]++
			}
		}
	}
	return out
}

// bestOfRecords returns, for each record of either side of s, the index of
// its best-scoring candidate in s (the first on ties), or -1.
func bestOfRecords(s *pairSet, nA, nB int, weights map[pattern]float64, skip func(pattern) bool) (bestA, bestB []int32) {
	bestA, bestB = make([]int32, nA), make([]int32, nB)
	for i := range bestA {
		bestA[i] = -1
	}
	for i := range bestB {
		bestB[i] = -1
	}
	// The best weights so far, beside their indices: one map lookup per
	// candidate, not four (at 95 million candidates the lookups were a
	// quarter of the score stage).
	wA, wB := make([]float64, nA), make([]float64, nB)
	lookup := newWeightLookup(weights)
	for i, p := range s.pairs {
		if skip != nil && skip(s.pats[i]) {
			continue
		}
		w := lookup.of(s.pats[i])
		if bestA[p.A] < 0 || w > wA[p.A] {
			bestA[p.A], wA[p.A] = int32(i), w
		}
		if bestB[p.B] < 0 || w > wB[p.B] {
			bestB[p.B], wB[p.B] = int32(i), w
		}
	}
	return bestA, bestB
}

// withinThreshold picks the threshold for links between two records of one
// dataset when the run links several.
//
// The candidate-space threshold of chooseThreshold leans on the solver: a
// record gains at most one partner from each other dataset, so a weak pair
// is kept only when nothing better claims either record. A within-dataset
// duplicate has no such exclusivity (a record may have several), so its
// pair is judged alone against the whole within-dataset space: the
// posterior is one half at log2((1−λw)/λw), where λw is the share of
// duplicates among all within-dataset pairs, estimated as the expected
// matches among the within-dataset candidates (their summed posterior under
// the fitted model) over that space. Two records of one agency that share a
// forename and a date of birth (twins, siblings, strangers born on the same
// day) are common at random among n²/2 pairs and do not reach it; true
// duplicates, which agree on almost everything, do. It is never below the
// cross-dataset threshold.
func withinThreshold(m *Model, pats []pattern, space float64, weights map[pattern]float64, cross float64) (float64, string) {
	expected := expectedDuplicates(m, pats, weights)
	if space <= 0 || expected < 1 {
		return cross, fmt.Sprintf("fewer than one duplicate expected among %d within-dataset candidates: the cross-dataset threshold", len(pats))
	}
	lw := min(expected/space, 1-1e-9)
	v := round9(max(math.Log2((1-lw)/lw), cross))
	return v, fmt.Sprintf("%.0f duplicates expected among %d within-dataset candidates and %.0f within-dataset pairs (share %.3g): the posterior is 0.5 at log2((1-%.3g)/%.3g) = %.3f, a pair judged alone, since a record may have several duplicates",
		expected, len(pats), space, lw, lw, lw, v)
}

// expectedDuplicates sums the posterior match probability of the
// within-dataset candidates with patterns pats under the fitted model.
func expectedDuplicates(m *Model, pats []pattern, weights map[pattern]float64) float64 {
	expected := 0.0
	for _, p := range pats {
		lr := math.Exp2(weights[p])
		expected += m.Lambda * lr / (m.Lambda*lr + 1 - m.Lambda)
	}
	return expected
}

// minOwnDuplicates is the fewest duplicates a dataset must be expected to
// hold for a within-dataset bar of its own: below it, its share is noise
// (and below one the bar would fall to the between-dataset threshold), and
// the run's bar applies.
const minOwnDuplicates = 10

// withinThresholds is withinThreshold for each dataset alone: its
// duplicates expected among its own within-dataset candidates, over its
// own pairs. Agencies differ in how often they hold a person twice (at
// 5.5 million synthetic people: health 6.5e-9 of its pairs, social work
// 5.8e-8, children's hearings 1.9e-7), and a bar from the whole run's
// share judged each by the others: 2.2 bits too high for social work and
// 3.8 for hearings, whose duplicates were missed (within recall 0.81 and
// 0.69 there, against 0.90 and 0.82 at a million people), 0.7 too low for
// health. Datasets expected to hold fewer than minOwnDuplicates are left
// out (the run's bar applies).
func withinThresholds(m *Model, sets []pairSet, datasets []*Dataset, weights map[pattern]float64, cross float64) []DatasetThreshold {
	var out []DatasetThreshold
	for k := range datasets {
		var pats []pattern
		for _, s := range sets {
			if s.da == k && s.db == k {
				pats = append(pats, s.pats...)
			}
		}
		if expectedDuplicates(m, pats, weights) < minOwnDuplicates {
			continue
		}
		v, why := withinThreshold(m, pats, pairSpace(datasets[k], datasets[k], true), weights, cross)
		out = append(out, DatasetThreshold{Dataset: datasets[k].Name, Value: v, Why: why})
	}
	return out
}

// buildEntities groups records by cluster and assigns entity IDs.
func buildEntities(ds []*Dataset, offsets []int, cl *clusters, previous map[RecordKey]string) ([]Entity, *StabilityStats) {
	n := offsets[len(offsets)-1]
	// Counting sort of records by root.
	start := make([]uint32, n+1)
	roots := make([]uint32, n)
	for g := range n {
		roots[g] = cl.find(uint32(g))
		start[roots[g]+1]++
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	members := make([]RecordKey, n)
	fill := slices.Clone(start[:n])
	d := 0
	for g := range n {
		for g >= offsets[d+1] {
			d++
		}
		r := roots[g]
		members[fill[r]] = RecordKey{ds[d].Name, ds[d].RecordIDs[g-offsets[d]]}
		fill[r]++
	}
	count := 0
	for r := range n {
		if start[r+1] > start[r] {
			count++
		}
	}
	entities := make([]Entity, 0, count)
	for r := range n {
		if start[r+1] > start[r] {
			m := members[start[r]:start[r+1]:start[r+1]]
			slices.SortFunc(m, compareKeys)
			entities = append(entities, Entity{Members: m})
		}
	}
	ents, st := AssignIDs(entities, previous)
	if previous == nil {
		return ents, nil
	}
	return ents, &st
}

// matchRates counts links per dataset pair and the share of each side's
// records that are linked to the other side.
func matchRates(ds []*Dataset, links []Link, within bool) []MatchRate {
	var out []MatchRate
	for i := range ds {
		for j := i; j < len(ds); j++ {
			if i == j && !within {
				continue
			}
			dedup := i == j
			seenA, seenB := map[uint32]bool{}, map[uint32]bool{}
			n := 0
			for _, l := range links {
				if int(l.DA) == i && int(l.DB) == j {
					n++
					seenA[l.A] = true
					seenB[l.B] = true
				}
			}
			mr := MatchRate{DatasetA: ds[i].Name, DatasetB: ds[j].Name, Links: n}
			if dedup { // share of records with a duplicate
				for b := range seenB {
					seenA[b] = true
				}
				mr.RateA = round4(float64(len(seenA)) / float64(max(ds[i].Len(), 1)))
				mr.RateB = mr.RateA
			} else {
				mr.RateA = round4(float64(len(seenA)) / float64(max(ds[i].Len(), 1)))
				mr.RateB = round4(float64(len(seenB)) / float64(max(ds[j].Len(), 1)))
			}
			out = append(out, mr)
		}
	}
	return out
}

// evidence is the human-readable summary of a link. lists caches the rule
// list of each rule mask (links share a few hundred masks: building each
// list anew was half the cost of writing links.parquet at Scotland's
// size); nil builds it every time.
func evidence(rules []string, l Link, lists map[uint16]string) (ruleList, text string) {
	ruleList, ok := lists[l.Rules]
	if !ok {
		var names []string
		for r, name := range rules {
			if l.Rules&(1<<r) != 0 {
				names = append(names, name)
			}
		}
		ruleList = strings.Join(names, ",")
		if lists != nil {
			lists[l.Rules] = ruleList
		}
	}
	return ruleList, "rules=" + ruleList + " dice=" + strconv.FormatFloat(l.Dice, 'f', 3, 64)
}

// idDiffersBar sets th.IDDiffers, the threshold for a pair whose ID rule
// disagrees, when the model has an identifying ID rule (PatternMFrom), and
// returns that rule's index, or -1.
//
// The one-to-one solver lets a pair through at a likelihood ratio of 1
// because a stranger must beat the true partner to be kept. A pair whose
// ID numbers differ has no such competitor: had either record's true
// partner been in the other dataset with an ID, they would agree on it.
// So such a pair is judged alone, as a within-dataset pair is, against the
// whole comparison space: log2((1 − λ)/λ). At 5.5 million people 2,946 of
// 2,955 links agreeing on forename, birthday and sex with different CHI
// numbers were two people, at about 1 bit; a mistyped CHI between two
// records of one person that otherwise agree scores 30 bits or more.
func idDiffersBar(th *ThresholdChoice, m *Model) int {
	idr := slices.Index(m.Rules, m.PatternMFrom)
	if m.PatternMFrom == "" || idr < 0 || m.Lambda <= 0 {
		return -1
	}
	v := max(th.Value, m.PosteriorThreshold())
	th.IDDiffers = &v
	th.IDDiffersWhy = fmt.Sprintf("a pair between datasets whose %s differs has no true partner to beat (each record's would agree on it), so it is judged alone against the whole comparison space: the posterior is 0.5 at log2((1-λ)/λ) = %.3f", m.PatternMFrom, m.PosteriorThreshold())
	return idr
}
