package linkage

// Common records: one person's duplicates that are not linked to each
// other.
//
// A dataset that holds a person three times often holds two variants of
// one record (each mistyped, renamed or moved its own way) beside a third
// close to both: the two variants are linked to the third but, their
// errors compounding, not to each other. Complete linkage within a dataset
// (Solve) then keeps one variant out of the entity, and with it every link
// of that record. On the FEBRL deduplication extracts (an independent
// generator, up to five duplicates of a record) every pair the consistency
// test blocked was one person: 28 of 28 in dataset2, 65 of 65 in dataset3.
//
// Twins, siblings and strangers born on the same day are what the test is
// for, and a record they both resemble can join them: at 100,000 synthetic
// people 4,401 of the 4,554 pairs it blocked were two people. They differ
// from the duplicates in how strong the shared record's links are. A pair
// may share an entity without a direct link when a record of its own
// dataset in the merged entity is linked to both with a score that would
// be accepted alone against the whole comparison space (judged alone: a
// within-dataset pair's bar, with no one-partner choice behind it), and
// the two do not hold different ID numbers (CHI). Measured on the blocked
// pairs: the strangers' common records scored at least 4.5 bits below that
// bar on every extract of the synthetic population (linked and each
// agency deduplicated alone); the duplicates' reached it in about a third
// of the FEBRL pairs and in 20 of 160 at 100,000 people. Between datasets a
// common record proves nothing (a stranger's record from another agency
// is linked one-to-one at 28 bits as easily as a true partner's), so only
// a record of the pair's own dataset counts.
type commonRecords struct {
	strong    map[uint64]struct{}    // within-dataset links at or above the bar (pairKey)
	idDiffers func(x, y uint32) bool // the two records hold different ID numbers
	joined    int                    // merges that relied on it
}

// newCommonRecords keeps the within-dataset links scoring at least their
// dataset's bar (bars, by dataset index). idDiffers (nil when the run has
// no ID rule) tells two records apart by their ID numbers.
func newCommonRecords(links []Link, offsets []int, bars []float64, idDiffers func(x, y uint32) bool) *commonRecords {
	cr := &commonRecords{strong: map[uint64]struct{}{}, idDiffers: idDiffers}
	for _, l := range links {
		if l.Within() && l.Score >= bars[l.DA] {
			cr.strong[pairKey(uint32(offsets[l.DA])+l.A, uint32(offsets[l.DB])+l.B)] = struct{}{}
		}
	}
	return cr
}

// joins reports whether records x (of xs) and y (of ys), of one dataset
// and not linked directly, may share the merged entity: a record of
// their dataset among xs and ys is strongly linked to both, and their ID
// numbers do not differ.
func (cr *commonRecords) joins(x, y uint32, xs, ys []uint32) bool {
	if cr == nil || len(cr.strong) == 0 {
		return false
	}
	// strong holds within-dataset links only, so z is of x's dataset.
	for _, zs := range [2][]uint32{xs, ys} {
		for _, z := range zs {
			if _, ok := cr.strong[pairKey(x, z)]; !ok {
				continue
			}
			if _, ok := cr.strong[pairKey(y, z)]; !ok {
				continue
			}
			return cr.idDiffers == nil || !cr.idDiffers(x, y)
		}
	}
	return false
}

// judgedAloneBar is the score at which a pair of two records of dataset
// name is accepted on its own evidence against the whole comparison
// space: the within-dataset threshold of a link-and-dedupe run (the
// higher of the run's and the dataset's own: a dataset with many
// duplicates has a lower bar of its own, and the common record's margin
// over strangers was measured against the run's), the model's
// log2((1−λ)/λ) otherwise, and never below the threshold.
func judgedAloneBar(th *ThresholdChoice, m *Model, name string) float64 {
	bar := max(th.Value, m.PosteriorThreshold())
	if th.Within != nil {
		bar = max(bar, *th.Within, th.withinBar(name))
	}
	return bar
}
