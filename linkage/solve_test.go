package linkage

import (
	"cmp"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestSolveConsistency: hand-made links over three datasets (offsets below:
// dataset 0 holds records 0–3, dataset 1 records 0–2, dataset 2 records
// 0–1). Every case names the entities it must produce, as sorted global
// record numbers.
func TestSolveConsistency(t *testing.T) {
	offsets := []int{0, 4, 7, 9}
	L := func(da, a, db, b int, score float64) Link {
		return Link{DA: uint16(da), A: uint32(a), DB: uint16(db), B: uint32(b), Score: score}
	}
	for _, tc := range []struct {
		name  string
		links []Link
		chain bool
		// vouch lists the within-dataset pairs (global indices) that
		// corroboration may vouch for.
		vouch [][2]uint32
		// common, when set, lets a record of a pair's own dataset linked
		// to both at 20 or more join them (commonRecords), except the
		// pairs in idDiffers.
		common    bool
		idDiffers [][2]uint32
		// idSame lists pairs (global indices) holding the same ID number.
		idSame [][2]uint32
		want   [][]uint32 // entities with two or more records
	}{
		{name: "one-to-one between two datasets",
			links: []Link{L(0, 0, 1, 0, 30), L(0, 1, 1, 0, 12)},
			want:  [][]uint32{{0, 4}}},
		{name: "a duplicate joins its person's entity through a direct link",
			links: []Link{L(0, 0, 1, 0, 30), L(0, 0, 0, 1, 25), L(0, 1, 1, 0, 24)},
			want:  [][]uint32{{0, 1, 4}}},
		{name: "twins: both resemble one record of another dataset, not each other",
			links: []Link{L(0, 0, 1, 0, 30), L(0, 1, 1, 0, 20)},
			want:  [][]uint32{{0, 4}}},
		{name: "same-birthday strangers are not chained through a shared record",
			links: []Link{L(0, 0, 2, 0, 28), L(1, 0, 2, 0, 27), L(0, 2, 1, 0, 15), L(0, 2, 2, 0, 14)},
			want:  [][]uint32{{0, 4, 7}}},
		{name: "a duplicate must link to every record of its dataset in the entity",
			links: []Link{L(0, 0, 1, 0, 30), L(0, 0, 0, 1, 25), L(0, 2, 1, 0, 24), L(0, 1, 0, 2, 23)},
			want:  [][]uint32{{0, 1, 4}}},
		{name: "three duplicates linked pairwise form one entity",
			links: []Link{L(0, 0, 0, 1, 25), L(0, 1, 0, 2, 24), L(0, 0, 0, 2, 23)},
			want:  [][]uint32{{0, 1, 2}}},
		{name: "a second record vouched for by every other record joins without a direct link",
			// 0 and 1 (dataset 0) are one person; 4 (dataset 1) and 7
			// (dataset 2) link to both.
			links: []Link{L(0, 0, 1, 0, 30), L(0, 0, 2, 0, 29), L(0, 1, 1, 0, 20), L(0, 1, 2, 0, 19)},
			vouch: [][2]uint32{{0, 1}},
			want:  [][]uint32{{0, 1, 4, 7}}},
		{name: "not when the pair is not eligible",
			links: []Link{L(0, 0, 1, 0, 30), L(0, 0, 2, 0, 29), L(0, 1, 1, 0, 20), L(0, 1, 2, 0, 19)},
			want:  [][]uint32{{0, 4, 7}}},
		{name: "not when a record of the entity links to one of the two only",
			// 7 links to 0 alone: it does not vouch for 1.
			links: []Link{L(0, 0, 1, 0, 30), L(0, 0, 2, 0, 29), L(0, 1, 1, 0, 20)},
			vouch: [][2]uint32{{0, 1}},
			want:  [][]uint32{{0, 4, 7}}},
		{name: "two variants of a record join through a record of their dataset strongly linked to both",
			links:  []Link{L(0, 0, 0, 1, 25), L(0, 0, 0, 2, 24)},
			common: true,
			want:   [][]uint32{{0, 1, 2}}},
		{name: "and with the person's records of other datasets",
			links:  []Link{L(0, 0, 1, 0, 30), L(0, 0, 0, 1, 25), L(0, 0, 0, 2, 24)},
			common: true,
			want:   [][]uint32{{0, 1, 2, 4}}},
		{name: "not when a link to the common record is below the bar",
			links:  []Link{L(0, 0, 0, 1, 25), L(0, 0, 0, 2, 19)},
			common: true,
			want:   [][]uint32{{0, 1}}},
		{name: "not when the two hold different ID numbers",
			links:     []Link{L(0, 0, 0, 1, 25), L(0, 0, 0, 2, 24)},
			common:    true,
			idDiffers: [][2]uint32{{1, 2}},
			want:      [][]uint32{{0, 1}}},
		{name: "not through a record of another dataset",
			// twins 0 and 1 both resemble record 4 of dataset 1 strongly.
			links:  []Link{L(0, 0, 1, 0, 30), L(0, 1, 1, 0, 28)},
			common: true,
			want:   [][]uint32{{0, 4}}},
		{name: "records of two datasets holding different ID numbers are not joined through other links",
			// 0–4 and 4–7 link; 0 and 7 hold different CHI numbers.
			links:     []Link{L(0, 0, 1, 0, 30), L(1, 0, 2, 0, 27)},
			idDiffers: [][2]uint32{{0, 7}},
			want:      [][]uint32{{0, 4}}},
		{name: "unless the two are linked directly (a mistyped CHI)",
			links:     []Link{L(0, 0, 1, 0, 30), L(1, 0, 2, 0, 27), L(0, 0, 2, 0, 25)},
			idDiffers: [][2]uint32{{0, 7}},
			want:      [][]uint32{{0, 4, 7}}},
		{name: "two entities sharing a dataset merge when a linked pair across them holds the same ID number",
			// 0 and 1 (dataset 0) are one child's records, not linked; 4
			// (dataset 1, with 0) and 7 (dataset 2, with 1) hold one CHI.
			links:  []Link{L(0, 0, 1, 0, 30), L(0, 1, 2, 0, 29), L(1, 0, 2, 0, 28)},
			idSame: [][2]uint32{{4, 7}},
			want:   [][]uint32{{0, 1, 4, 7}}},
		{name: "not without that number",
			links: []Link{L(0, 0, 1, 0, 30), L(0, 1, 2, 0, 29), L(1, 0, 2, 0, 28)},
			want:  [][]uint32{{0, 4}, {1, 7}}},
		{name: "not when two records of the shared dataset hold different numbers",
			links:     []Link{L(0, 0, 1, 0, 30), L(0, 1, 2, 0, 29), L(1, 0, 2, 0, 28)},
			idSame:    [][2]uint32{{4, 7}},
			idDiffers: [][2]uint32{{0, 1}},
			want:      [][]uint32{{0, 4}, {1, 7}}},
		{name: "single linkage chains when asked",
			links: []Link{L(0, 0, 2, 0, 28), L(1, 0, 2, 0, 27), L(0, 2, 1, 0, 15)},
			chain: true,
			want:  [][]uint32{{0, 2, 4, 7}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var corr *corroboration
			if tc.vouch != nil {
				corr = &corroboration{pairs: map[uint64]struct{}{}}
				for _, v := range tc.vouch {
					corr.pairs[pairKey(v[0], v[1])] = struct{}{}
				}
			}
			differ, same := map[uint64]bool{}, map[uint64]bool{}
			for _, p := range tc.idDiffers {
				differ[pairKey(p[0], p[1])] = true
			}
			for _, p := range tc.idSame {
				same[pairKey(p[0], p[1])] = true
			}
			idDiffers := func(x, y uint32) bool { return differ[pairKey(x, y)] }
			var common *commonRecords
			if tc.common {
				common = newCommonRecords(tc.links, offsets, slices.Repeat([]float64{20}, len(offsets)-1), idDiffers)
			}
			ids := &idNumbers{differ: idDiffers, agree: func(x, y uint32) bool { return same[pairKey(x, y)] }}
			_, c, _ := solve(slices.Clone(tc.links), offsets, tc.chain, false, corr, common, ids)
			if want := tc.name == "records of two datasets holding different ID numbers are not joined through other links"; (ids.refused == 1) != want {
				t.Errorf("%d merges refused for differing ID numbers", ids.refused)
			}
			if want := len(tc.idSame) > 0 && len(tc.idDiffers) == 0; (ids.joined == 1) != want {
				t.Errorf("%d merges made on the same ID number", ids.joined)
			}
			if corr != nil && len(tc.want) > 0 && len(tc.want[0]) == 4 && corr.joined != 1 {
				t.Errorf("%d merges counted as vouched for, want 1", corr.joined)
			}
			if joined := tc.common && len(tc.want) > 0 && len(tc.want[0]) >= 3; common != nil && (common.joined == 1) != joined {
				t.Errorf("%d merges counted as joined by a common record", common.joined)
			}
			groups := map[uint32][]uint32{}
			for g := range uint32(offsets[len(offsets)-1]) {
				r := c.find(g)
				groups[r] = append(groups[r], g)
			}
			var got [][]uint32
			for _, m := range groups {
				if len(m) > 1 {
					got = append(got, m)
				}
			}
			slices.SortFunc(got, func(x, y []uint32) int { return int(x[0]) - int(y[0]) })
			if len(got) != len(tc.want) {
				t.Fatalf("entities %v, want %v", got, tc.want)
			}
			for i := range got {
				if !slices.Equal(got[i], tc.want[i]) {
					t.Fatalf("entities %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestExplanationsAddUp: summary.json's explanations take real candidates'
// scores apart; their steps add up to the score, and each is judged
// against the right threshold.
func TestExplanationsAddUp(t *testing.T) {
	a, b := smallFEBRL(t, 800)
	res, err := Match([]*Dataset{a, b}, Options{AutoThreshold: true})
	if err != nil {
		t.Fatal(err)
	}
	ex := res.Summary.Explanations
	if len(ex) < 2 {
		t.Fatalf("%d explanations, want at least the strongest and the weakest linked", len(ex))
	}
	for _, e := range ex {
		sum := 0.0
		for _, s := range e.Steps {
			sum += s.Weight
			if s.M <= 0 || s.U <= 0 {
				t.Errorf("%s: step %q has m=%v u=%v", e.What, s.Evidence, s.M, s.U)
			}
		}
		if math.Abs(sum-e.Score) > 1e-3 || len(e.Steps) != 2 {
			t.Errorf("%s: steps add to %v, score %v", e.What, sum, e.Score)
		}
		linked := e.Score >= e.Threshold
		if linked != !strings.Contains(e.Decision, "not linked") {
			t.Errorf("%s: score %v, threshold %v, decision %q", e.What, e.Score, e.Threshold, e.Decision)
		}
	}
	if ex[0].Score < ex[1].Score {
		t.Errorf("strongest %v below weakest kept %v", ex[0].Score, ex[1].Score)
	}
}

// sortLinks orders links as linkOrder does (and sortLinksByRecord by
// position), ties on score and Dice
// included (broken by position), with -0 and +0 equal, on one core and
// several.
func TestSortLinksIsLinkOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	scores := []float64{-3.5, math.Copysign(0, -1), 0, 2.25, 7, 7, 12.5, math.Inf(1)}
	for _, n := range []int{0, 1, 7, 1000, 200000} {
		links := make([]Link, n)
		seen := map[[4]uint32]bool{}
		for i := range links {
			for {
				l := Link{DA: uint16(rng.IntN(3)), A: rng.Uint32N(2000), B: rng.Uint32N(2000), Rules: uint16(i),
					Score: scores[rng.IntN(len(scores))], Dice: float64(rng.IntN(4)) / 4}
				l.DB = l.DA + uint16(rng.IntN(2))
				if k := [4]uint32{uint32(l.DA), l.A, uint32(l.DB), l.B}; !seen[k] {
					seen[k] = true
					links[i] = l
					break
				}
			}
		}
		want := slices.Clone(links)
		slices.SortStableFunc(want, linkOrder)
		byRecord := func(x, y Link) int {
			return cmp.Or(cmp.Compare(x.DA, y.DA), cmp.Compare(x.A, y.A), cmp.Compare(x.DB, y.DB), cmp.Compare(x.B, y.B))
		}
		wantRecord := slices.Clone(links)
		slices.SortFunc(wantRecord, byRecord)
		for _, procs := range []int{1, 2, 3} {
			got, gotRecord := slices.Clone(links), slices.Clone(links)
			old := runtime.GOMAXPROCS(procs)
			sortLinks(got)
			sortLinksByRecord(gotRecord)
			runtime.GOMAXPROCS(old)
			for i := range got {
				if linkOrder(got[i], want[i]) != 0 {
					t.Fatalf("n=%d procs=%d: link %d is %+v, want %+v", n, procs, i, got[i], want[i])
				}
				if gotRecord[i] != wantRecord[i] {
					t.Fatalf("n=%d procs=%d: by record, link %d is %+v, want %+v", n, procs, i, gotRecord[i], wantRecord[i])
				}
			}
		}
	}
}

// TestSolveSparesOnePair: deduplicating one dataset, a record joins a
// cluster of its dataset when it is linked to all but one of at least
// minSparedPairs records; never with two unlinked, nor among fewer pairs,
// nor in a run of several datasets (spare unset).
func TestSolveSparesOnePair(t *testing.T) {
	offsets := []int{0, 6}
	L := func(a, b int, score float64) Link { return Link{A: uint32(a), B: uint32(b), Score: score} }
	triangle := []Link{L(0, 1, 30), L(1, 2, 29), L(0, 2, 28)}
	for _, tc := range []struct {
		name   string
		links  []Link
		spare  bool
		want   []uint32 // the entity holding record 0
		spared int
	}{
		{"linked to two of three", append(slices.Clone(triangle), L(3, 0, 25), L(3, 1, 24)), true, []uint32{0, 1, 2, 3}, 1},
		{"not sparing", append(slices.Clone(triangle), L(3, 0, 25), L(3, 1, 24)), false, []uint32{0, 1, 2}, 0},
		{"linked to one of three", append(slices.Clone(triangle), L(3, 0, 25)), true, []uint32{0, 1, 2}, 0},
		{"linked to one of two", []Link{L(0, 1, 30), L(3, 0, 25)}, true, []uint32{0, 1}, 0},
		{"two pairs of a pair of duplicates, one linked", []Link{L(0, 1, 30), L(3, 4, 29), L(0, 3, 25), L(1, 4, 24)}, true, []uint32{0, 1}, 0},
		{"three of four", []Link{L(0, 1, 30), L(3, 4, 29), L(0, 3, 25), L(1, 4, 24), L(0, 4, 23)}, true, []uint32{0, 1, 3, 4}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c, spared := solve(slices.Clone(tc.links), offsets, false, tc.spare, nil, nil, nil)
			var got []uint32
			for g := range uint32(6) {
				if c.find(g) == c.find(0) {
					got = append(got, g)
				}
			}
			if !slices.Equal(got, tc.want) || spared != tc.spared {
				t.Errorf("entity %v, %d spared; want %v, %d", got, spared, tc.want, tc.spared)
			}
		})
	}
}
