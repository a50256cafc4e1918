package evaluate

import (
	"testing"
)

func TestPairMatrix(t *testing.T) {
	// Records: dataset, cluster. Cluster 1: A A B; cluster 2: B C; cluster 3: C.
	ds := []int32{0, 0, 1, 1, 2, 2}
	cl := []uint64{1, 1, 1, 2, 2, 3}
	m := pairMatrix(len(ds), func(i int) (key128, bool) { return key128{cl[i], 0}, true }, nil, 1, ds, 3)[0]
	want := [][]int64{
		{1, 2, 0}, // A-A: 1 (cluster 1), A-B: 2 (cluster 1)
		{0, 0, 1}, // B-C: 1 (cluster 2)
		{0, 0, 0},
	}
	for a := range want {
		for b := range want[a] {
			if m[a][b] != want[a][b] {
				t.Errorf("m[%d][%d] = %d, want %d", a, b, m[a][b], want[a][b])
			}
		}
	}
	if got := sumScope(m, false); got != 3 {
		t.Errorf("cross-dataset sum %d, want 3", got)
	}
	if got := sumScope(m, true); got != 4 {
		t.Errorf("all-pairs sum %d, want 4", got)
	}
	// Excluding records (the second A) drops its pairs.
	m = pairMatrix(len(ds), func(i int) (key128, bool) { return key128{cl[i], 0}, i != 1 }, nil, 1, ds, 3)[0]
	if sumScope(m, true) != 2 {
		t.Errorf("with a record left out: %v", m)
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0.018, 0.02}, {0.1, 0.1}, {0.11, 0.2}, {0.3, 0.5}, {7, 10}, {0, 0}, {-1, 0},
	} {
		if got := niceStep(tc.in); got != tc.want {
			t.Errorf("niceStep(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestLessNatural(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"5-9", "10-15", true}, {"10-15", "5-9", false}, {"F", "M", true}, {"0-4", "unknown", true}} {
		if got := lessNatural(tc.a, tc.b); got != tc.want {
			t.Errorf("lessNatural(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
