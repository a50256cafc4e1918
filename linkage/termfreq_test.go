package linkage

import (
	"math"
	"testing"
)

func TestTFAdjustment(t *testing.T) {
	for _, c := range []struct {
		nA, nB int
		within bool
		want   float64
	}{
		{1, 1, false, 0},
		{1, 2, false, 0},                   // two records on one side may be one person twice
		{3, 3, false, math.Log2(6.0 / 18)}, // -1.58
		{1, 3, false, math.Log2(4.0 / 6)},
		{1, 50, false, math.Log2(51.0 / 100)},
		{5000, 5000, false, -tfMaxDown},
		{2, 0, true, 0},
		{3, 0, true, -1},
		{5, 0, true, -2},
		{100000, 0, true, -tfMaxDown},
		{0, 1, false, 0}, // cannot happen (both hold the value); no adjustment
	} {
		if got := tfAdjustment(c.nA, c.nB, c.within); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("tfAdjustment(%d, %d, within=%v) = %v, want %v", c.nA, c.nB, c.within, got, c.want)
		}
	}
}

// tfDataset is a dataset whose rules hold the given values (one byte each,
// 0 for none) and whose records agree with nothing else.
func tfDataset(name string, rules []string, values ...[]byte) *Dataset {
	n := len(values[0])
	d := &Dataset{Name: name, Rules: rules, Width: 8, CLKs: make([]byte, 8*n)}
	for i := range n {
		d.RecordIDs = append(d.RecordIDs, name+string(rune('a'+i)))
	}
	for r := range rules {
		toks, valid := make([]byte, n*TokenBytes), make([]bool, n)
		for i, v := range values[r] {
			if v != 0 {
				toks[i*TokenBytes], toks[i*TokenBytes+TokenBytes-1], valid[i] = v, v, true
			}
		}
		d.Tokens, d.Valid = append(d.Tokens, toks), append(d.Valid, valid)
	}
	return d
}

func TestTermFrequencies(t *testing.T) {
	rules := []string{"name_dob", "forename_dob"}
	// forename_dob: x is common (5 records in A, 4 in B), y unique.
	// name_dob is more specific (lower u) and unique wherever it is held.
	A := tfDataset("A", rules, []byte{1, 2, 0, 0, 0, 0}, []byte{'x', 'x', 'x', 'x', 'x', 'y'})
	B := tfDataset("B", rules, []byte{1, 3, 0, 0, 0}, []byte{'x', 'x', 'x', 'x', 'y'})
	sets := []pairSet{
		{da: 0, db: 1, pairs: []Pair{
			{A: 0, B: 0, Rules: 0b11}, // both agree: judged on name_dob, unique
			{A: 1, B: 1, Rules: 0b10}, // name_dob differs: judged on forename_dob's x
			{A: 5, B: 4, Rules: 0b10}, // y: unique
		}},
		{da: 0, db: 0, pairs: []Pair{{A: 2, B: 3, Rules: 0b10}}}, // x held by 5 in A
	}
	tfs, sum := termFrequencies(sets, []*Dataset{A, B}, rules, []float64{1e-7, 1e-4})
	want := [][]float64{{0, math.Log2(9.0 / 40), 0}, {-2}}
	for k := range want {
		for i, w := range want[k] {
			if math.Abs(float64(tfs[k][i])-w) > 1e-6 {
				t.Errorf("set %d pair %d: adjustment %v, want %v", k, i, tfs[k][i], w)
			}
		}
	}
	if len(sum.Rules) != 2 || sum.Rules[0].Rule != "name_dob" || sum.Rules[0].Pairs != 1 || sum.Rules[0].Lowered != 0 ||
		sum.Rules[1].Pairs != 3 || sum.Rules[1].Lowered != 2 {
		t.Errorf("summary %+v", sum)
	}
}
