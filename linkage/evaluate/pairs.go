package evaluate

import (
	"slices"
)

// key128 groups records: two records are "together" under a grouping when
// their keys are equal (e.g. hi = entity, lo = person: same entity and same
// person).
type key128 struct{ hi, lo uint64 }

func cmpKey(a, b key128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// pairMatrix counts unordered pairs of records that share a key, by the
// datasets of the two records and by label. keyOf returns a record's key and
// whether it takes part; label gives a record's label (records with equal keys
// must have equal labels; pass nil for a single label 0).
//
// The result m[label][da][db] (da <= db) is the number of pairs with one
// record in dataset da and the other in db. It runs in O(n log n): records are
// sorted by key and each run of equal keys of size k contributes
// Σ_{a<b} k_a·k_b + Σ_a C(k_a, 2), where k_a counts the run's records in
// dataset a. No pair is ever enumerated, so a giant cluster costs no more than
// a small one.
func pairMatrix(n int, keyOf func(i int) (key128, bool), label []int32, nLabels int, ds []int32, nd int) [][][]int64 {
	type rec struct {
		k key128
		i int32
	}
	recs := make([]rec, 0, n)
	for i := 0; i < n; i++ {
		if k, ok := keyOf(i); ok {
			recs = append(recs, rec{k, int32(i)})
		}
	}
	slices.SortFunc(recs, func(a, b rec) int { return cmpKey(a.k, b.k) })
	if nLabels < 1 {
		nLabels = 1
	}
	m := make([][][]int64, nLabels)
	for l := range m {
		m[l] = make([][]int64, nd)
		for a := range m[l] {
			m[l][a] = make([]int64, nd)
		}
	}
	counts := make([]int64, nd)
	var touched []int32
	for start := 0; start < len(recs); {
		end := start + 1
		for end < len(recs) && recs[end].k == recs[start].k {
			end++
		}
		if end-start > 1 {
			l := 0
			if label != nil {
				l = int(label[recs[start].i])
			}
			touched = touched[:0]
			for _, r := range recs[start:end] {
				d := ds[r.i]
				if counts[d] == 0 {
					touched = append(touched, d)
				}
				counts[d]++
			}
			slices.Sort(touched)
			for x, a := range touched {
				ka := counts[a]
				m[l][a][a] += ka * (ka - 1) / 2
				for _, b := range touched[x+1:] {
					m[l][a][b] += ka * counts[b]
				}
			}
			for _, d := range touched {
				counts[d] = 0
			}
		}
		start = end
	}
	return m
}

// sumScope adds the entries of m (upper triangle) that are in scope: pairs
// across datasets always, pairs within a dataset only when within is true.
func sumScope(m [][]int64, within bool) int64 {
	var s int64
	for a := range m {
		for b := a; b < len(m); b++ {
			if a != b || within {
				s += m[a][b]
			}
		}
	}
	return s
}
