package linkage

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// Term frequencies.
//
// Agreement on a rare token value is stronger evidence than agreement on a
// common one: two records that share "forename + date of birth + sex" for a
// name given to one child that day are likelier the same child than two
// that share it for a name given to four. The linkage unit cannot read a
// token, but it can count how many records hold each value, and that is
// all the adjustment needs (Splink's term-frequency adjustment, on keyed
// tokens).
//
// For a pair (a, b) between datasets A and B that agrees on a value v held
// by nA records of A and nB of B, the likelihood ratio of the agreement is
// proportional to P(v | match) / P(both hold v | non-match), and with
// P(v | match) the value's share of the records, (nA+nB)/(NA+NB), and
// P(both hold v | non-match) = nA·nB/(NA·NB), that is proportional to
// (nA+nB)/(nA·nB). Relative to a value each side holds once:
//
//	adjustment = log2((nA+nB) / (2·nA·nB))
//
// Within one dataset a value held by n records (n ≥ 2, the pair included)
// gives P(v | match) ∝ n and P(both hold v | non-match) ∝ n(n−1), so
// relative to a value held by the pair alone:
//
//	adjustment = −log2(n − 1)
//
// The adjustment only lowers a score (a value held once on each side is
// the model's baseline: the rule patterns' weights already count how rarely
// random pairs agree) and is bounded below by tfMaxDown. A pair's rules
// overlap (surname and date of birth are in most of them), so adding an
// adjustment per agreeing rule would count one common surname several
// times: the pair takes the adjustment of its most specific agreeing rule,
// the one random pairs agree on least often (the lowest u), whose value
// implies the others'.

// tfMaxDown bounds how far term frequencies lower one pair's score, in bits.
const tfMaxDown = 10.0

// TermFreqSummary reports the term-frequency adjustments in summary.json,
// per rule, without any token value.
type TermFreqSummary struct {
	Enabled bool `json:"enabled"`
	// MaxDown is the largest reduction of one pair's score, in bits.
	MaxDown float64        `json:"max_down_weight"`
	Rules   []TermFreqRule `json:"rules,omitempty"`
}

// TermFreqRule is one rule's part in the term-frequency adjustments.
type TermFreqRule struct {
	Rule string `json:"rule"`
	// Pairs is the number of candidates whose most specific agreeing rule
	// this is; Lowered how many of them agree on a value held by more
	// records than the pair, and MeanLowered their mean adjustment (bits).
	Pairs       int64   `json:"candidates"`
	Lowered     int64   `json:"candidates_lowered"`
	MeanLowered float64 `json:"mean_adjustment_of_lowered"`
}

// valueCounts holds how many records of one dataset hold each value of one
// rule: the values' first 8 bytes (keyed HMAC outputs, so uniformly
// distributed) sorted, with their counts, and a directory on the keys' top
// bits (about one cell per value): a lookup reads a cell of a key or two
// instead of binary-searching millions (a third of the term-frequency
// stage at 5.5M records, every probe a cache miss). Keys that are not
// spread only make cells longer; each is binary-searched.
type valueCounts struct {
	keys  []uint64
	n     []uint32
	dir   []uint32 // dir[h]..dir[h+1]: the keys whose top bits are h
	shift uint     // key >> shift is a key's cell
}

func countValues(d *Dataset, r int) valueCounts {
	keys := make([]uint64, 0, d.Len())
	toks, valid := d.Tokens[r], d.Valid[r]
	for i := range d.Len() {
		if valid[i] {
			keys = append(keys, binary.LittleEndian.Uint64(toks[i*TokenBytes:]))
		}
	}
	radixSortU64(keys, nil) // sorts keys in place
	distinct := 0
	for i := range keys {
		if i == 0 || keys[i] != keys[i-1] {
			distinct++
		}
	}
	vc := valueCounts{keys: make([]uint64, 0, distinct), n: make([]uint32, 0, distinct)}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		vc.keys = append(vc.keys, keys[i])
		vc.n = append(vc.n, uint32(j-i))
		i = j
	}
	cellBits := uint(bits.Len(uint(len(vc.keys))))
	vc.shift = 64 - cellBits
	vc.dir = make([]uint32, 1<<cellBits+1)
	for _, k := range vc.keys {
		vc.dir[k>>vc.shift+1]++
	}
	for h := 1; h < len(vc.dir); h++ {
		vc.dir[h] += vc.dir[h-1]
	}
	return vc
}

// of returns the number of records holding the value with this key.
func (vc valueCounts) of(key uint64) int {
	if len(vc.keys) == 0 {
		return 0
	}
	h := key >> vc.shift
	lo := vc.dir[h]
	if i, ok := slices.BinarySearch(vc.keys[lo:vc.dir[h+1]], key); ok {
		return int(vc.n[int(lo)+i])
	}
	return 0
}

// tfAdjustment is the adjustment of an agreement on a value held by nA
// records of one side and nB of the other, or by nA records of one dataset
// when within.
func tfAdjustment(nA, nB int, within bool) float64 {
	var adj float64
	switch {
	case within && nA > 2:
		adj = -math.Log2(float64(nA - 1))
	case !within && nA > 0 && nB > 0:
		nA, nB = people(nA), people(nB)
		adj = math.Log2(float64(nA+nB) / float64(2*nA*nB))
	}
	return max(min(adj, 0), -tfMaxDown)
}

// people is how many people a value held by n records of one dataset is
// counted for between datasets: two records are often one person recorded
// twice (a within-dataset duplicate), and counting them as two would lower
// the score of exactly the pairs that bring a duplicate into its entity.
func people(n int) int {
	if n <= 2 {
		return 1
	}
	return n
}

// termFrequencies returns, for every candidate of every set, the
// adjustment of its score (tfs[k][i] for sets[k].pairs[i]), and the
// summary. ruleU orders the rules from most to least specific.
func termFrequencies(sets []pairSet, datasets []*Dataset, rules []string, ruleU []float64) ([][]float32, TermFreqSummary) {
	sum := TermFreqSummary{Enabled: true, MaxDown: tfMaxDown}
	order := make([]int, len(rules))
	for r := range order {
		order[r] = r
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(ruleU[x], ruleU[y]) })
	tfs := make([][]float32, len(sets))
	for k, s := range sets {
		tfs[k] = make([]float32, len(s.pairs))
	}
	// Rules run in parallel, each holding only its own counts (so at most
	// one rule's per worker are held at once). A pair is rule r's when r
	// agrees and no more specific rule does, so every pair is written by
	// one rule only.
	befores := make([]uint16, len(order))
	for i := 1; i < len(order); i++ {
		befores[i] = befores[i-1] | 1<<order[i-1]
	}
	stats := make([]TermFreqRule, len(order))
	parallelFor(len(order), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			stats[i] = tfRule(sets, datasets, order[i], befores[i], rules[order[i]], tfs)
		}
	})
	for _, st := range stats {
		if st.Pairs > 0 {
			sum.Rules = append(sum.Rules, st)
		}
	}
	return tfs, sum
}

// tfRule writes the adjustments of the candidates that are rule r's (r
// agrees, no rule in before does) into tfs and returns the rule's summary.
func tfRule(sets []pairSet, datasets []*Dataset, r int, before uint16, name string, tfs [][]float32) TermFreqRule {
	bit := uint16(1) << r
	st := TermFreqRule{Rule: name}
	counts := make([]*valueCounts, len(datasets))
	countsOf := func(d int) valueCounts {
		if counts[d] == nil {
			vc := countValues(datasets[d], r)
			counts[d] = &vc
		}
		return *counts[d]
	}
	lowered := 0.0
	for k, s := range sets {
		A := datasets[s.da]
		for i, p := range s.pairs {
			if p.Rules&bit == 0 || p.Rules&before != 0 {
				continue
			}
			tok, _ := A.Token(r, int(p.A))
			key := binary.LittleEndian.Uint64(tok)
			nA, nB := countsOf(s.da).of(key), 0
			if s.da != s.db {
				nB = countsOf(s.db).of(key)
			}
			adj := tfAdjustment(nA, nB, s.da == s.db)
			tfs[k][i] = float32(adj)
			st.Pairs++
			if adj < 0 {
				st.Lowered++
				lowered += adj
			}
		}
	}
	if st.Lowered > 0 {
		st.MeanLowered = round4(lowered / float64(st.Lowered))
	}
	return st
}
