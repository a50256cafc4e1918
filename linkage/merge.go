package linkage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/pqguard"
)

// MergeParts finishes a match whose candidate search ran as shards: it
// checks that the parts are every shard of this run exactly once (the same
// program, inputs and search options; a part of another run, a missing or
// a repeated shard is refused by name), gathers their candidates, adds
// their counts up, and decides as Match does. The result is Match's, byte
// for byte, but for the summary's Shards and Timings.
func MergeParts(datasets []*Dataset, opt Options, parts []*Part) (*Result, error) {
	r, err := newMatchRun(datasets, opt)
	if err != nil {
		return nil, err
	}
	parts, err = r.checkParts(parts)
	if err != nil {
		return nil, err
	}
	if p := opt.Progress; p != nil {
		var total int64
		for _, pt := range parts {
			total += int64(pt.Manifest.Candidates)
		}
		p.Start("reading parts", total)
		defer p.Finish()
	}
	stats := make([]SearchStats, len(r.sets))
	for _, pt := range parts {
		if err := r.readPart(pt); err != nil {
			return nil, err
		}
		for k, ps := range pt.Manifest.Sets {
			st := &stats[k]
			st.Method, st.EstRecall = ps.Method, ps.EstRecall
			st.Plan.Bands, st.Plan.Bits, st.Plan.NeededBands, st.Plan.ThresholdRecall = ps.Bands, ps.BitsPerBand, ps.NeededBands, ps.EstRecall
			st.Exact.SkippedBlocks, st.Exact.SkippedRecords = ps.SkippedBlocks, ps.SkippedRecords
			st.Exact.Pairs += ps.ExactPairs
			st.Compared += ps.Compared
			st.BoundPruned += ps.BoundPruned
			st.SkippedBuckets += ps.SkippedBuckets
			st.Candidates += ps.Candidates
		}
		r.res.Summary.Shards = append(r.res.Summary.Shards, ShardSummary{Shard: pt.Manifest.Shard, Of: pt.Manifest.Shards,
			Part: pt.dir, Candidates: pt.Manifest.Candidates, Compared: pt.Manifest.Compared()})
	}
	for k := range r.sets {
		if err := r.sortMerged(k); err != nil {
			return nil, err
		}
	}
	r.recordSearch(stats)
	return r.decide()
}

// checkParts refuses parts that are not every shard of this run once, and
// returns them in shard order.
func (r *matchRun) checkParts(parts []*Part) ([]*Part, error) {
	if len(parts) == 0 {
		return nil, exitcode.Inputf("no parts to merge")
	}
	run := r.partRun()
	id := run.id()
	n := parts[0].Manifest.Shards
	byIndex := make([]*Part, n)
	var first *Part // the first part checked: every part's plan must be its
	for _, p := range parts {
		m := &p.Manifest
		if m.Shards != n {
			return nil, exitcode.Inputf("%s is shard %d of %d but %s is of %d: give the parts of one run, all made with the same --shard count",
				p.dir, m.Shard, m.Shards, parts[0].dir, n)
		}
		if m.RunID != id {
			return nil, exitcode.Inputf("%s does not belong to this run: %s", p.dir, runDifference(m.Run, run))
		}
		if prev := byIndex[m.Shard]; prev != nil {
			return nil, exitcode.Inputf("%s and %s are both shard %d/%d: give each shard once", prev.dir, p.dir, m.Shard, n)
		}
		if len(m.Sets) != len(r.sets) {
			return nil, exitcode.Inputf("%s searched %d dataset pairs, this run has %d: rerun that shard", p.dir, len(m.Sets), len(r.sets))
		}
		for k, s := range m.Sets {
			set := r.sets[k]
			A := r.datasets[set.da]
			lo, hi := Shard{m.Shard, n}.span(A.Len())
			if s.DatasetA != A.Name || s.DatasetB != r.datasets[set.db].Name || s.Queries != [2]int{lo, hi} {
				return nil, exitcode.Inputf("%s: its search of %s ~ %s is not shard %d/%d of this run's: rerun that shard", p.dir, s.DatasetA, s.DatasetB, m.Shard, n)
			}
			if first != nil {
				f := first.Manifest.Sets[k]
				if f.Method != s.Method || f.Bands != s.Bands || f.BitsPerBand != s.BitsPerBand || f.NeededBands != s.NeededBands ||
					f.EstRecall != s.EstRecall || f.SkippedBlocks != s.SkippedBlocks || f.SkippedRecords != s.SkippedRecords {
					return nil, exitcode.Inputf("%s and %s planned the search of %s ~ %s differently: rerun both shards with this pprl", first.dir, p.dir, s.DatasetA, s.DatasetB)
				}
			}
		}
		byIndex[m.Shard] = p
		if first == nil {
			first = p
		}
	}
	var missing []string
	for i, p := range byIndex {
		if p == nil {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return nil, exitcode.Inputf("shard(s) %s of %d missing: every shard 0..%d must have finished and its part be given", strings.Join(missing, ", "), n, n-1)
	}
	return byIndex, nil
}

// runDifference says in words how a part's run differs from this one.
func runDifference(part, this PartRun) string {
	switch {
	case part.PPRLVersion != this.PPRLVersion:
		return fmt.Sprintf("it was made by pprl %s, this is %s: run the shards and the merge with one build", part.PPRLVersion, this.PPRLVersion)
	case len(part.Inputs) != len(this.Inputs):
		return fmt.Sprintf("it searched %d inputs, this merge has %d: give the merge the token files the shards read", len(part.Inputs), len(this.Inputs))
	}
	for i, in := range part.Inputs {
		if in != this.Inputs[i] {
			return fmt.Sprintf("its input %q (%d rows) is not this merge's %q (%d rows): give the merge the token files the shards read", in.Dataset, in.Rows, this.Inputs[i].Dataset, this.Inputs[i].Rows)
		}
	}
	switch {
	case part.Mode != this.Mode:
		return fmt.Sprintf("it searched for a %s run, this merge is %s: give --link-only to both or neither", part.Mode, this.Mode)
	case part.MinDice != this.MinDice:
		return fmt.Sprintf("it was searched with --min-dice %v, this merge has %v: give the shards and the merge the same search flags", part.MinDice, this.MinDice)
	case part.Seed != this.Seed:
		return fmt.Sprintf("it was searched with --seed %d, this merge has %d: give the shards and the merge the same search flags", part.Seed, this.Seed)
	case part.Exhaustive != this.Exhaustive:
		return fmt.Sprintf("it was searched with --exhaustive=%v, this merge has %v: give the shards and the merge the same search flags", part.Exhaustive, this.Exhaustive)
	}
	return "its search options differ from this merge's: give the shards and the merge the same flags"
}

// readPart checks a part's candidates.parquet against its manifest and
// appends its pairs to the run's sets.
func (r *matchRun) readPart(p *Part) (err error) {
	path := filepath.Join(p.dir, CandidatesFile)
	defer pqguard.Recover(&err, "%s: not a valid Parquet file (truncated or corrupt): rerun that shard", path)
	if p.pairs != nil { // made in memory (tests)
		for k, ps := range p.pairs {
			r.sets[k].pairs = append(r.sets[k].pairs, ps...)
		}
		return nil
	}
	if err := checkSHA256(path, p.Manifest.CandidatesSHA256); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return exitcode.AsInput(err)
	}
	defer f.Close()
	rdr, err := file.NewParquetReader(f)
	if err != nil {
		return exitcode.Inputf("%s: not a readable Parquet file: rerun that shard", path)
	}
	defer rdr.Close()
	if v := rdr.MetaData().KeyValueMetadata().FindValue(partRunKey); v == nil || *v != p.Manifest.RunID {
		return exitcode.Inputf("%s was not written with its %s: rerun that shard", path, PartFile)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return exitcode.Inputf("%s: %v", path, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return exitcode.Inputf("%s: %v", path, err)
	}
	defer rr.Release()
	if !slices.EqualFunc(rr.Schema().Fields(), CandidatesSchema.Fields(), func(a, b arrow.Field) bool { return a.Name == b.Name && arrow.TypeEqual(a.Type, b.Type) }) {
		return exitcode.Inputf("%s does not have the columns of a part's candidates: rerun that shard", path)
	}
	counts := make([]int, len(r.sets))
	row := 0
	for rr.Next() {
		rec := rr.RecordBatch()
		set, a, b := rec.Column(0).(*array.Uint16), rec.Column(1).(*array.Uint32), rec.Column(2).(*array.Uint32)
		and, rules := rec.Column(3).(*array.Uint16), rec.Column(4).(*array.Uint16)
		if set.NullN()+a.NullN()+b.NullN()+and.NullN()+rules.NullN() > 0 {
			return exitcode.Inputf("%s: null values near row %d: rerun that shard", path, row+1)
		}
		for i := range int(rec.NumRows()) {
			row++
			k := int(set.Value(i))
			if k >= len(r.sets) {
				return exitcode.Inputf("%s: row %d names dataset pair %d of %d: rerun that shard", path, row, k, len(r.sets))
			}
			s := &r.sets[k]
			q := Pair{A: a.Value(i), B: b.Value(i), And: and.Value(i), Rules: rules.Value(i)}
			A, B := r.datasets[s.da], r.datasets[s.db]
			if int(q.A) >= A.Len() || int(q.B) >= B.Len() || (s.da == s.db && q.A >= q.B) || int(q.And) > min(A.Popcount(int(q.A)), B.Popcount(int(q.B))) {
				return exitcode.Inputf("%s: row %d is not a candidate of %s ~ %s: rerun that shard", path, row, A.Name, B.Name)
			}
			s.pairs = append(s.pairs, q)
			counts[k]++
		}
		if r.opt.Progress != nil {
			r.opt.Progress.Add(int(rec.NumRows()))
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return exitcode.Inputf("%s: %v: rerun that shard", path, err)
	}
	for k, ps := range p.Manifest.Sets {
		if counts[k] != ps.Candidates {
			return exitcode.Inputf("%s holds %d candidates of %s ~ %s, its %s says %d: rerun that shard", path, counts[k], ps.DatasetA, ps.DatasetB, PartFile, ps.Candidates)
		}
	}
	return nil
}

// sortMerged sorts set k's gathered pairs by (A, B) and refuses a pair
// given twice (two parts overlapping: they cannot be shards of one run).
func (r *matchRun) sortMerged(k int) error {
	ps := r.sets[k].pairs
	radixSortPairs(ps)
	for i := 1; i < len(ps); i++ {
		if ps[i].key() == ps[i-1].key() {
			return exitcode.Inputf("the parts hold a candidate pair of %s ~ %s twice: they overlap, so they are not the shards of one search; rerun the shards",
				r.datasets[r.sets[k].da].Name, r.datasets[r.sets[k].db].Name)
		}
	}
	return nil
}

// checkSHA256 refuses a file whose SHA-256 is not want (hex).
func checkSHA256(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return exitcode.Inputf("%s is missing: rerun that shard", path)
		}
		return exitcode.AsInput(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return exitcode.AsInput(fmt.Errorf("%s: %w", path, err))
	}
	if hex.EncodeToString(h.Sum(nil)) != want {
		return exitcode.Inputf("%s does not hash to the candidates_sha256 its %s records (changed or damaged since the shard wrote it): rerun that shard", path, PartFile)
	}
	return nil
}
