package audit

import (
	"sort"
	"strconv"
	"strings"
)

// guess is the attack's answer for one record and field: an index into the
// field's name list (-1 for no guess) and whether the attack is confident.
type guess struct {
	name      int32
	confident bool
}

// decoder re-identifies records from labelled atoms. For each field it knows,
// per name in the list, which of the name's q-grams are labelled atoms; a
// record holds a labelled q-gram when every position of its atom is set. The
// name guessed for a record is the one whose labelled q-grams are exactly
// those the record holds (the most frequent such name when several share
// that set); failing an exact match, the name that best agrees with the
// record's q-grams.
type decoder struct {
	fm      *fieldModel
	atomOf  map[int]int        // q-gram index → atom index
	byKey   map[string][]int32 // sorted atom set → names with exactly that labelled set, by count desc
	byAtom  map[int][]int32    // atom → names whose labelled set contains it
	labeled [][]int            // labeled[v]: atom indices of name v's labelled q-grams, sorted
}

func newDecoder(fm *fieldModel, atomOf map[int]int) *decoder {
	d := &decoder{fm: fm, atomOf: atomOf, byKey: map[string][]int32{}, byAtom: map[int][]int32{}}
	d.labeled = make([][]int, fm.list.Len())
	for v, gs := range fm.nameGs {
		var as []int
		for _, g := range gs {
			if a, ok := atomOf[g]; ok {
				as = append(as, a)
			}
		}
		sort.Ints(as)
		d.labeled[v] = as
		if len(as) == 0 {
			continue
		}
		k := atomKey(as)
		d.byKey[k] = append(d.byKey[k], int32(v)) // names are in descending count order
		for _, a := range as {
			d.byAtom[a] = append(d.byAtom[a], int32(v))
		}
	}
	return d
}

func atomKey(as []int) string {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(strconv.Itoa(a))
		b.WriteByte(',')
	}
	return b.String()
}

// decode returns the guess for a record holding the labelled atoms held
// (sorted atom indices of this field).
func (d *decoder) decode(held []int) guess {
	if len(held) == 0 {
		return guess{name: -1}
	}
	if names, ok := d.byKey[atomKey(held)]; ok {
		v := names[0]
		var total float64
		for _, w := range names {
			total += d.fm.weight[w]
		}
		// Confident: the exact set points to one name (or one name carries
		// ≥ 80% of the names sharing it), and that name's labelled q-grams
		// are at least half of its q-grams.
		conf := d.fm.weight[v] >= 0.8*total && 2*len(d.labeled[v]) >= len(d.fm.nameGs[v])
		return guess{name: v, confident: conf}
	}
	// No exact set: score names sharing the record's rarest held atoms.
	// Score = agreements − 2·(labelled q-grams the record lacks) − (held
	// q-grams the name lacks), ties to the more frequent name.
	rarest := append([]int(nil), held...)
	sort.Slice(rarest, func(i, j int) bool { return len(d.byAtom[rarest[i]]) < len(d.byAtom[rarest[j]]) })
	if len(rarest) > 2 {
		rarest = rarest[:2]
	}
	best, bestScore := int32(-1), 0
	seen := map[int32]bool{}
	for _, a := range rarest {
		for _, v := range d.byAtom[a] {
			if seen[v] {
				continue
			}
			seen[v] = true
			agree, lack := 0, 0
			for _, x := range d.labeled[v] {
				if containsSorted(held, x) {
					agree++
				} else {
					lack++
				}
			}
			s := agree - 2*lack - (len(held) - agree)
			if best < 0 || s > bestScore || (s == bestScore && v < best) {
				best, bestScore = v, s
			}
		}
	}
	if best >= 0 && bestScore <= 0 {
		best = -1
	}
	return guess{name: best}
}

func containsSorted(s []int, x int) bool {
	i := sort.SearchInts(s, x)
	return i < len(s) && s[i] == x
}
