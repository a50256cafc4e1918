package linkage

import "math"

// linkKey is a link's place in linkOrder as plain integers: comparing two
// keys field by field is comparing the links by linkOrder, and idx says
// which link it was.
type linkKey struct {
	score, dice uint64 // descending: the complement of the value's ordered bits
	pos         uint64 // DA<<48 | A<<16 | DB
	b, idx      uint32
}

func (x linkKey) compare(y linkKey) int {
	switch {
	case x.score != y.score:
		return cmpU64(x.score, y.score)
	case x.dice != y.dice:
		return cmpU64(x.dice, y.dice)
	case x.pos != y.pos:
		return cmpU64(x.pos, y.pos)
	}
	return cmpU64(uint64(x.b), uint64(y.b))
}

func cmpU64(x, y uint64) int {
	if x < y {
		return -1
	}
	if x > y {
		return 1
	}
	return 0
}

// descending returns bits that order as f does, highest first, the way
// cmp.Compare orders floats: -0 equals +0, and NaN comes after every
// number.
func descending(f float64) uint64 {
	if f != f {
		return math.MaxUint64
	}
	if f == 0 {
		f = 0 // -0 as +0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	return ^b
}

// sortLinks sorts links by linkOrder. It sorts compact integer keys
// instead of the links (a comparison of two uint64 where linkOrder makes
// up to six cmp.Compare calls, two of them on floats), on every core in
// slices that are then merged, and moves each link once at the end: the
// sort was a quarter of the decision stage on millions of links, and
// serial.
func sortLinks(links []Link) { sortLinksBy(links, true) }

// sortLinksByRecord sorts links by (DA, A, DB, B), the order of the
// outputs, as sortLinks does.
func sortLinksByRecord(links []Link) { sortLinksBy(links, false) }

func sortLinksBy(links []Link, byScore bool) {
	keys := make([]linkKey, len(links))
	parallelFor(len(links), 1<<16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			l := &links[i]
			keys[i] = linkKey{pos: uint64(l.DA)<<48 | uint64(l.A)<<16 | uint64(l.DB), b: l.B, idx: uint32(i)}
			if byScore {
				keys[i].score, keys[i].dice = descending(l.Score), descending(l.Dice)
			}
		}
	})
	keys = parallelSort(keys, linkKey.compare)
	sorted := make([]Link, len(links))
	parallelFor(len(links), 1<<16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sorted[i] = links[keys[i].idx]
		}
	})
	copy(links, sorted)
}
