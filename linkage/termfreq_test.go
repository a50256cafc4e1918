package linkage

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
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

// countValues' counts, looked up through the directory, are the values'
// counts: spread keys (as HMAC tokens are) and keys that share their top
// bits, present and absent.
func TestValueCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, spread := range []bool{true, false} {
		n := 5000
		d := &Dataset{Name: "d", Rules: []string{"r"}, Width: 8, CLKs: make([]byte, 8*n), RecordIDs: make([]string, n)}
		toks, valid := make([]byte, n*TokenBytes), make([]bool, n)
		want := map[uint64]int{}
		var pool []uint64
		for i := range n {
			if rng.IntN(10) == 0 {
				continue // no value
			}
			var k uint64
			if len(pool) > 0 && rng.IntN(3) == 0 {
				k = pool[rng.IntN(len(pool))] // a repeated value
			} else {
				k = rng.Uint64()
				if !spread {
					k >>= 40
				}
				pool = append(pool, k)
			}
			binary.LittleEndian.PutUint64(toks[i*TokenBytes:], k)
			valid[i] = true
			want[k]++
		}
		d.Tokens, d.Valid = [][]byte{toks}, [][]bool{valid}
		vc := countValues(d, 0)
		for k, c := range want {
			if got := vc.of(k); got != c {
				t.Fatalf("spread=%v: value %x counted %d, want %d", spread, k, got, c)
			}
		}
		for range 1000 {
			if k := rng.Uint64(); want[k] == 0 && vc.of(k) != 0 {
				t.Fatalf("spread=%v: absent value %x counted %d", spread, k, vc.of(k))
			}
		}
	}
	if got := countValues(&Dataset{Rules: []string{"r"}, Tokens: [][]byte{nil}, Valid: [][]bool{nil}}, 0).of(7); got != 0 {
		t.Errorf("empty dataset: count %d", got)
	}
}
