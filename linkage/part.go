package linkage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/pprl/pprl/internal/buildinfo"
	"github.com/pprl/pprl/internal/exitcode"
)

// A part is what one shard of a match's candidate search leaves for the
// merge: a directory holding candidates.parquet (every candidate pair of
// the shard's queries, as the search found it) and part.json (which run
// and which shard it is, and the search's counts). It holds record indices
// and similarity counts, no identifier. A shard that is rerun writes the
// same bytes: part.json has no timings.
const (
	PartFile       = "part.json"
	CandidatesFile = "candidates.parquet"
)

// Footer keys of candidates.parquet, binding it to its run and shard.
const (
	partRunKey   = "pprl.part_run_id"
	partShardKey = "pprl.part_shard"
)

// CandidatesSchema is the Arrow schema of candidates.parquet: set is the
// index of the dataset pair in the part's "sets", a and b record indices
// within those datasets (in name order), and and rules as in Pair.
var CandidatesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "set", Type: arrow.PrimitiveTypes.Uint16},
	{Name: "a", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "b", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "and", Type: arrow.PrimitiveTypes.Uint16},
	{Name: "rules", Type: arrow.PrimitiveTypes.Uint16},
}, nil)

// PartManifest is part.json.
type PartManifest struct {
	Format        string `json:"format"` // "pprl-match-part"
	FormatVersion int    `json:"format_version"`
	Shard         int    `json:"shard"`
	Shards        int    `json:"shards"`
	// RunID is the SHA-256 of Run's JSON: every shard of one run has the
	// same, and the merge computes it again from its own inputs and flags.
	RunID string  `json:"run_id"`
	Run   PartRun `json:"run"`
	// Sets are the dataset pairs searched, in the run's order, with this
	// shard's share of the search.
	Sets             []PartSet `json:"sets"`
	Candidates       int       `json:"candidates"`
	CandidatesSHA256 string    `json:"candidates_sha256"`
}

// PartRun is what the shards and the merge of one run must agree on: the
// program, the inputs' content and the options that shape the search.
type PartRun struct {
	PPRLVersion string      `json:"pprl_version"`
	Mode        string      `json:"mode"`
	Inputs      []PartInput `json:"inputs"`
	MinDice     float64     `json:"min_dice"`
	Seed        uint64      `json:"seed"`
	Exhaustive  bool        `json:"exhaustive"`
	MaxBands    int         `json:"max_bands,omitempty"` // tests only
}

// PartInput is one input as the search read it.
type PartInput struct {
	Dataset           string `json:"dataset"`
	Rows              int    `json:"rows"`
	SchemaFingerprint string `json:"schema_fingerprint"`
	SecretFingerprint string `json:"secret_fingerprint"`
	Release           string `json:"release,omitempty"`
	ContentSHA256     string `json:"content_sha256"` // Dataset.ContentDigest
}

// PartSet is one shard's share of the search of one dataset pair. The
// plan (method, bands, estimated recall, token values too common to join)
// is the whole search's, the same in every shard; the counts are the
// shard's, and add up over the shards to the whole search's.
type PartSet struct {
	DatasetA       string  `json:"dataset_a"`
	DatasetB       string  `json:"dataset_b"`
	Queries        [2]int  `json:"queries"` // the shard's queries [lo, hi)
	Method         string  `json:"method"`
	Bands          int     `json:"lsh_bands"`
	BitsPerBand    int     `json:"lsh_bits_per_band"`
	NeededBands    int     `json:"lsh_bands_for_recall_target"`
	EstRecall      float64 `json:"estimated_recall_at_min_dice"`
	SkippedBlocks  int64   `json:"skipped_token_blocks"`
	SkippedRecords int64   `json:"skipped_token_block_records"`
	ExactPairs     int64   `json:"token_agreements"`
	Compared       int64   `json:"dice_computed"`
	BoundPruned    int64   `json:"popcount_pruned"`
	SkippedBuckets int64   `json:"skipped_lsh_buckets"`
	Candidates     int     `json:"candidates"`
}

// Part is one shard's search, in memory (MatchShard) or on disk (OpenPart).
type Part struct {
	Manifest PartManifest
	dir      string   // on disk: the part directory
	pairs    [][]Pair // in memory: each set's pairs, sorted by (A, B)
}

// Dir returns the directory the part was opened from ("" for one made in
// memory).
func (p *Part) Dir() string { return p.dir }

// MatchShard runs shard sh of the candidate search of a match of the
// datasets under opt (whose decision options are not used: they belong to
// the merge) and returns its part.
func MatchShard(datasets []*Dataset, opt Options, sh Shard) (*Part, error) {
	if sh.Count < 1 || sh.Index < 0 || sh.Index >= sh.Count {
		return nil, exitcode.Inputf("shard %d/%d: the index must be at least 0 and below the count", sh.Index, sh.Count)
	}
	r, err := newMatchRun(datasets, opt)
	if err != nil {
		return nil, err
	}
	stats := r.search(sh)
	run := r.partRun()
	p := &Part{Manifest: PartManifest{Format: "pprl-match-part", FormatVersion: 1, Shard: sh.Index, Shards: sh.Count,
		RunID: run.id(), Run: run}}
	for k, st := range stats {
		s := r.sets[k]
		lo, hi := sh.span(r.datasets[s.da].Len())
		p.Manifest.Sets = append(p.Manifest.Sets, PartSet{DatasetA: r.datasets[s.da].Name, DatasetB: r.datasets[s.db].Name,
			Queries: [2]int{lo, hi}, Method: st.Method, Bands: st.Plan.Bands, BitsPerBand: st.Plan.Bits, NeededBands: st.Plan.NeededBands,
			EstRecall: st.EstRecall, SkippedBlocks: st.Exact.SkippedBlocks, SkippedRecords: st.Exact.SkippedRecords,
			ExactPairs: st.Exact.Pairs, Compared: st.Compared, BoundPruned: st.BoundPruned, SkippedBuckets: st.SkippedBuckets,
			Candidates: st.Candidates})
		p.pairs = append(p.pairs, s.pairs)
		p.Manifest.Candidates += len(s.pairs)
	}
	return p, nil
}

// partRun describes the run for its parts.
func (r *matchRun) partRun() PartRun {
	run := PartRun{PPRLVersion: buildinfo.Version(), Mode: r.res.Summary.Mode, MinDice: r.opt.MinDice, Seed: r.opt.Seed,
		Exhaustive: r.opt.Exhaustive, MaxBands: r.opt.maxBands}
	for _, d := range r.datasets {
		run.Inputs = append(run.Inputs, PartInput{Dataset: d.Name, Rows: d.Len(), SchemaFingerprint: d.SchemaFingerprint,
			SecretFingerprint: d.SecretFingerprint, Release: d.Release, ContentSHA256: d.ContentDigest()})
	}
	return run
}

// id is the SHA-256 of the run's JSON.
func (run PartRun) id() string {
	b, _ := json.Marshal(run) // plain values: cannot fail
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// Compared returns the pairs the shard computed a Dice coefficient for.
func (m *PartManifest) Compared() int64 {
	var n int64
	for _, s := range m.Sets {
		n += s.Compared
	}
	return n
}

// Write writes the part into dir atomically (see CreateOutputDir): the
// directory appears whole or not at all.
func (p *Part) Write(dir string, overwrite bool) error {
	d, err := CreateOutputDir(dir, overwrite, "part directory")
	if err != nil {
		return err
	}
	defer d.Abort()
	sum, err := p.writeCandidates(d.Path())
	if err != nil {
		return fmt.Errorf("write %s: %w", CandidatesFile, err)
	}
	p.Manifest.CandidatesSHA256 = sum
	f, err := createIn(d.Path(), PartFile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := writeJSON(f, &p.Manifest); err != nil {
		return fmt.Errorf("write %s: %w", PartFile, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", PartFile, err)
	}
	return d.Commit()
}

// writeCandidates writes candidates.parquet and returns its SHA-256.
func (p *Part) writeCandidates(dir string) (string, error) {
	f, err := createIn(dir, CandidatesFile)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	md := arrow.NewMetadata([]string{partRunKey, partShardKey}, []string{p.Manifest.RunID, fmt.Sprintf("%d/%d", p.Manifest.Shard, p.Manifest.Shards)})
	rw, err := newRowWriter(io.MultiWriter(f, h), arrow.NewSchema(CandidatesSchema.Fields(), &md))
	if err != nil {
		return "", err
	}
	b := rw.b
	set, a, bb := b.Field(0).(*array.Uint16Builder), b.Field(1).(*array.Uint32Builder), b.Field(2).(*array.Uint32Builder)
	and, rules := b.Field(3).(*array.Uint16Builder), b.Field(4).(*array.Uint16Builder)
	for k, ps := range p.pairs {
		for _, q := range ps {
			set.Append(uint16(k))
			a.Append(q.A)
			bb.Append(q.B)
			and.Append(q.And)
			rules.Append(q.Rules)
			rw.row()
		}
	}
	if err := rw.close(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// OpenPart reads a part directory's manifest and checks that it is one.
// Its candidates are read by the merge.
func OpenPart(dir string) (*Part, error) {
	f, err := os.Open(filepath.Join(dir, PartFile))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, exitcode.Inputf("%s: no %s: not a part that pprl match --shard wrote (or it is still running)", dir, PartFile)
		}
		return nil, exitcode.AsInput(fmt.Errorf("part %s: %w", dir, err))
	}
	defer f.Close()
	p := &Part{dir: dir}
	dec := json.NewDecoder(io.LimitReader(f, 64<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p.Manifest); err != nil || p.Manifest.Format != "pprl-match-part" {
		return nil, exitcode.Inputf("%s: %s is not a pprl part manifest: give the directories that pprl match --shard wrote", dir, PartFile)
	}
	m := &p.Manifest
	if m.FormatVersion != 1 {
		return nil, exitcode.Inputf("%s: part format version %d; this pprl reads version 1", dir, m.FormatVersion)
	}
	if m.Shards < 1 || m.Shards > MaxShards || m.Shard < 0 || m.Shard >= m.Shards {
		return nil, exitcode.Inputf("%s: %s says shard %d of %d, which is not a shard", dir, PartFile, m.Shard, m.Shards)
	}
	if m.Run.id() != m.RunID {
		return nil, exitcode.Inputf("%s: %s was edited (its run does not hash to its run_id): rerun that shard", dir, PartFile)
	}
	total := 0
	for _, s := range m.Sets {
		if s.Candidates < 0 {
			return nil, exitcode.Inputf("%s: %s counts %d candidates for %s ~ %s", dir, PartFile, s.Candidates, s.DatasetA, s.DatasetB)
		}
		total += s.Candidates
	}
	if total != m.Candidates {
		return nil, exitcode.Inputf("%s: %s counts %d candidates in all but %d by dataset pair: rerun that shard", dir, PartFile, m.Candidates, total)
	}
	return p, nil
}

// OpenParts opens every part in dir, the directory the shards of one run
// wrote their parts into (each a subdirectory, any name). Hidden entries
// (a shard still writing keeps its part under a hidden temporary name) are
// skipped; anything else that is not a part is refused, naming it.
// Whether the parts are every shard of one run is checked by MergeParts.
func OpenParts(dir string) ([]*Part, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("--merge: %w", err))
	}
	var parts []*Part
	for _, e := range es {
		if e.Name()[0] == '.' {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			return nil, exitcode.Inputf("%s is not a part directory: the --merge directory must hold only the parts of one run, one subdirectory per shard", path)
		}
		p, err := OpenPart(path)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return nil, exitcode.Inputf("%s holds no parts: run pprl match --shard I/N -o %s/I for every shard first", dir, filepath.Clean(dir))
	}
	return parts, nil
}
