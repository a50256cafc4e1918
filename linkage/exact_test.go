package linkage

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// radixSortEntries orders entries as a stable sort by key does (records of
// one key in record order), at sizes on both sides of its small-slice
// fallback, with repeated keys, and with keys not spread over the top bits
// (the insertion pass runs out of budget).
func TestRadixSortEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 10, 255, 256, 5000, 300000} {
		for _, keys := range []int{3, 1 << 40, -(1 << 12)} {
			es := make([]tokenEntry, n)
			for i := range es {
				if keys < 0 { // small keys, not spread: the insertion pass gives up
					es[i] = tokenEntry{key: rng.Uint64N(uint64(-keys)), idx: uint32(i)}
					continue
				}
				es[i] = tokenEntry{key: rng.Uint64N(uint64(keys)) * 0x9e3779b97f4a7c15, idx: uint32(i)}
			}
			want := slices.Clone(es)
			slices.SortStableFunc(want, func(x, y tokenEntry) int { return cmp.Compare(x.key, y.key) })
			radixSortEntries(es)
			if !slices.Equal(es, want) {
				t.Errorf("n=%d, %d key values: radix order differs from the stable sort", n, keys)
			}
		}
	}
}

// TestJoinedAgreementMatchesTokens: the rule masks of a search's pairs,
// with the rules that skipped a block re-compared, are exactly what
// comparing every rule's tokens gives, including for pairs that agree on a
// rule only inside a skipped block (forced here by a tiny MaxBlock).
func TestJoinedAgreementMatchesTokens(t *testing.T) {
	A, B, _ := febrl4(t)
	for _, d := range []*Dataset{A, B} {
		if err := d.Prepare(); err != nil {
			t.Fatal(err)
		}
	}
	for _, maxBlock := range []int{1, 50} {
		pairs, st := Search(A, B, false, SearchOptions{MinDice: 0.8, MaxBlock: maxBlock})
		if maxBlock == 1 && st.Exact.SkippedRules == 0 {
			t.Fatal("MaxBlock 1 skipped no block: the test does not reach the recheck")
		}
		hidden := 0
		for i := range pairs {
			p := &pairs[i]
			want, wantPresent := agreement(A, B, int(p.A), int(p.B))
			if want&^p.Rules != 0 {
				hidden++ // agrees on a rule the join did not record
			}
			got, present := joinedAgreement(A, B, p, st.Exact.SkippedRules)
			if got != want || present != wantPresent {
				t.Fatalf("MaxBlock %d: pair (%d, %d): agreement %016b present %016b, tokens say %016b %016b",
					maxBlock, p.A, p.B, got, present, want, wantPresent)
			}
		}
		if maxBlock == 1 && hidden == 0 {
			t.Error("no pair agreed on a rule inside a skipped block: the recheck is untested")
		}
		t.Logf("MaxBlock %d: %d pairs, skipped rules %016b, %d agreements only the recheck finds", maxBlock, len(pairs), st.Exact.SkippedRules, hidden)
	}
}

// TestExactJoinAllMatchesPairwise: the rule-major joins of every dataset
// pair (each dataset's entries sorted once per rule) give each pair exactly
// what exactJoin gives it alone, pairs, masks, And counts and counts, for
// pairs across datasets and within one, with blocks skipped (MaxBlock 1)
// and not.
func TestExactJoinAllMatchesPairwise(t *testing.T) {
	A, B, _ := febrl4(t)
	for _, d := range []*Dataset{A, B} {
		if err := d.Prepare(); err != nil {
			t.Fatal(err)
		}
	}
	datasets := []*Dataset{A, B}
	pairs := [][2]int{{0, 1}, {0, 0}, {1, 1}}
	found := map[bool]int{} // exact pairs compared, within one dataset or across
	for _, maxBlock := range []int{1, 50} {
		all := exactJoinAll(datasets, pairs, maxBlock)
		for k, p := range pairs {
			want, wst := exactJoin(datasets[p[0]], datasets[p[1]], p[0] == p[1], maxBlock)
			if !slices.Equal(all[k].pairs, want) || all[k].stats != wst {
				t.Errorf("MaxBlock %d, datasets %v: %d pairs %+v, alone %d pairs %+v", maxBlock, p, len(all[k].pairs), all[k].stats, len(want), wst)
			}
			found[p[0] == p[1]] += len(want)
		}
	}
	if found[false] == 0 || found[true] == 0 {
		t.Errorf("exact pairs compared: %d across datasets, %d within: the test needs both", found[false], found[true])
	}
}
