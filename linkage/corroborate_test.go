package linkage

import "testing"

// TestNewCorroboration: within-dataset pairs that share a partner are
// eligible when their rule pattern's pairs holding the ID on both sides
// mostly agree on it, and not when they mostly differ, when too few hold
// it, or when the pair shares no partner.
func TestNewCorroboration(t *testing.T) {
	// Dataset 0 holds records 0..999, dataset 1 records 1000..1999.
	offsets := []int{0, 1000, 2000}
	trusted := makePattern(0b01, 0b01, 2, 0)    // agrees on rule 0
	distrusted := makePattern(0b10, 0b10, 2, 0) // agrees on rule 1
	var links []Link
	var wc []withinCand
	// pair k: records 2k and 2k+1 of dataset 0 share partner k of dataset 1.
	pair := func(k int, rest pattern, id int8, below bool) {
		a, b := uint32(2*k), uint32(2*k+1)
		links = append(links, Link{DA: 0, A: a, DB: 1, B: uint32(k)}, Link{DA: 0, A: b, DB: 1, B: uint32(k)})
		wc = append(wc, withinCand{key: pairKey(a, b), rest: rest, id: id, below: below})
	}
	k := 0
	for range 40 { // trusted: 40 agree, 10 differ
		pair(k, trusted, 1, false)
		k++
	}
	for range 10 {
		pair(k, trusted, 2, true)
		k++
	}
	for range 60 { // distrusted: 10 agree, 50 differ
		pair(k, distrusted, map[bool]int8{true: 1, false: 2}[k%6 == 0], true)
		k++
	}
	trustedCand, distrustedCand := k, k+1
	pair(trustedCand, trusted, 0, true)
	pair(distrustedCand, distrusted, 0, true)
	k += 2
	lonely := pairKey(uint32(2*k), uint32(2*k+1)) // shares no partner
	wc = append(wc, withinCand{key: lonely, rest: trusted, id: 0, below: true})
	above := k + 1
	pair(above, trusted, 0, false) // above the bar: linked directly already

	corr := newCorroboration(links, offsets, wc)
	key := func(k int) uint64 { return pairKey(uint32(2*k), uint32(2*k+1)) }
	if _, ok := corr.pairs[key(trustedCand)]; !ok {
		t.Error("a pair of a pattern whose ID-holding pairs mostly agree is not eligible")
	}
	if _, ok := corr.pairs[key(distrustedCand)]; ok {
		t.Error("a pair of a pattern whose ID-holding pairs mostly differ is eligible")
	}
	if _, ok := corr.pairs[lonely]; ok {
		t.Error("a pair that shares no partner is eligible")
	}
	if _, ok := corr.pairs[key(above)]; ok {
		t.Error("a pair above the bar is eligible")
	}
	if len(corr.pairs) != 1 {
		t.Errorf("%d eligible pairs, want 1", len(corr.pairs))
	}

	// Too few ID-holding pairs (30, all agreeing): nothing is trusted.
	links, wc = nil, nil
	for k := range 30 {
		pair(k, trusted, 1, false)
	}
	pair(30, trusted, 0, true)
	if corr := newCorroboration(links, offsets, wc); len(corr.pairs) != 0 {
		t.Errorf("%d eligible pairs with 30 ID-holding pairs, want 0", len(corr.pairs))
	}
	pair(31, trusted, 0, true) // still 30 holding the ID
	for k := 32; k < 52; k++ {
		pair(k, trusted, 1, false)
	}
	if corr := newCorroboration(links, offsets, wc); len(corr.pairs) != 2 {
		t.Errorf("%d eligible pairs with 50 ID-holding pairs, want 2", len(corr.pairs))
	}
}
