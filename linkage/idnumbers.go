package linkage

import (
	"bytes"
	"slices"
	"sort"
)

// ID numbers in the solver: what two records holding the model's ID rule
// (Model.PatternMFrom: CHI, or NHS where there is none) say about a merge
// the links alone would decide.
//
// Different numbers on records of different datasets: two people. A link
// between datasets whose ID rule differs has a bar of its own
// (idDiffersBar: judged alone against the whole space, as it has no true
// partner to beat). But the solver merges entities on their best link,
// and the records that come together with it are compared with no one: a
// child's social work and hearings records were joined to a namesake's
// health and education records through one link between hearings and
// education, though the social work record's CHI differed from the health
// record's. A merge is refused when it would bring together, from
// different datasets, two records holding different numbers that are not
// linked directly (a direct link reached the ID-differs bar: a CHI
// mistyped on one side). Measured (synth, four agencies; entity precision
// / recall / F1): at 5.5 million people 0.9896 / 0.9714 / 0.9805 -> 0.9902
// / 0.9714 / 0.9807 (3,639 merges refused; 3,434 false pairs fewer, 430
// true), at a million 0.9956 / 0.9787 / 0.9871 -> 0.9960 / 0.9787 /
// 0.9872, at 100,000 people 13 true pairs and 4 false fewer (F1 0.9908
// both). Letting pairs that scored above the threshold but below the
// ID-differs bar pass (a mistyped CHI with the rest agreeing) recovered 57
// true pairs at a million for 209 false: not done.
//
// The same number on records of different datasets, linked directly: one
// person. Two entities that share a dataset merge only when the records of
// that dataset are linked pairwise (complete linkage, linkedWithin), and a
// child's second social work record, renamed or moved, often is not: the
// entities stayed apart though the child's health record in one carried
// the CHI of their social work record in the other. When a directly
// linked pair across the two entities holds the same number, the merge is
// made, unless two records of the shared dataset hold different numbers.
// Measured after the refusal above: at 5.5 million people 0.9902 / 0.9714
// / 0.9807 -> 0.9902 / 0.9721 / 0.9810 (1,461 merges; 4,128 true pairs
// more, 114 false), at a million 0.9872 -> 0.9876 (735 true, 6 false), at
// 100,000 people 0.9908 -> 0.9912 (98 true, none false), at 20,000 0.9928
// -> 0.9931 (11 true, none false).

// idNumbers is what the solver needs to read ID numbers, and what they
// decided.
type idNumbers struct {
	differ func(x, y uint32) bool // both hold the ID, with different values
	agree  func(x, y uint32) bool // both hold the ID, with the same value
	// refused counts merges refused for different numbers, joined merges
	// made on the same number that complete linkage would have refused.
	refused, joined int
}

// newIDNumbers returns the tests on the records' ID numbers (global
// indices), or nil when the model has no ID rule.
func newIDNumbers(ds []*Dataset, offsets []int, m *Model) *idNumbers {
	token := idToken(ds, offsets, m)
	if token == nil {
		return nil
	}
	return &idNumbers{differ: idDiffersFunc(ds, offsets, m), agree: func(x, y uint32) bool {
		tx, okx := token(x)
		ty, oky := token(y)
		return okx && oky && bytes.Equal(tx, ty)
	}}
}

// idToken returns the ID rule's token of a record (global index), or nil
// when the model has no ID rule.
func idToken(ds []*Dataset, offsets []int, m *Model) func(g uint32) ([]byte, bool) {
	r := slices.Index(m.Rules, m.PatternMFrom)
	if m.PatternMFrom == "" || r < 0 {
		return nil
	}
	return func(g uint32) ([]byte, bool) {
		d := sort.SearchInts(offsets, int(g)+1) - 1
		return ds[d].Token(r, int(g)-offsets[d])
	}
}

// idDiffersFunc returns a test of whether two records (global indices)
// both hold the model's ID rule (the rule its pattern m is read from, such
// as CHI) with different values, or nil when the model has none.
func idDiffersFunc(ds []*Dataset, offsets []int, m *Model) func(x, y uint32) bool {
	token := idToken(ds, offsets, m)
	if token == nil {
		return nil
	}
	return func(x, y uint32) bool {
		tx, okx := token(x)
		ty, oky := token(y)
		return okx && oky && !bytes.Equal(tx, ty)
	}
}

// conflict reports whether merging the clusters with members xs and ys
// would join two records of different datasets whose ID numbers differ
// and that are not linked directly.
func (ids *idNumbers) conflict(c *clusters, direct map[uint64]struct{}, xs, ys []uint32) bool {
	for _, x := range xs {
		dx := c.dataset(x)
		for _, y := range ys {
			if c.dataset(y) == dx {
				continue
			}
			if !ids.differ(x, y) { // the cheaper test first: most pairs lack an ID on a side
				continue
			}
			if _, ok := direct[pairKey(x, y)]; !ok {
				return true
			}
		}
	}
	return false
}

// samePerson reports whether a pair across the clusters, of different
// datasets and linked directly, holds the same ID number, while no two
// records of a dataset in shared hold different ones.
func (ids *idNumbers) samePerson(c *clusters, direct map[uint64]struct{}, xs, ys []uint32, shared uint64) bool {
	same := false
	for _, x := range xs {
		dx := c.dataset(x)
		for _, y := range ys {
			dy := c.dataset(y)
			switch {
			case dx == dy:
				if shared&(1<<dx) != 0 && ids.differ(x, y) {
					return false
				}
			case !same:
				if ids.agree(x, y) {
					_, same = direct[pairKey(x, y)]
				}
			}
		}
	}
	return same
}
