package tokenize

import (
	"cmp"
	"slices"
)

// Stand-in dates of birth, found by their count.
//
// Record systems write a fixed date where the date of birth is not known:
// 1900-01-01 most often (DefaultStandInDates, read as missing everywhere),
// but also a system's own: the day the record was made, 2000-01-01, the
// first of January. Left in, every such record carries the same date, and
// strangers who share a forename (or a surname, or an area) and it agree on
// every date-of-birth token and on the CLK's date bits: in `pprl synth`
// (20,000 people), writing 01/01/1900 for the 1% of dates not known took
// entity precision from 0.9996 to 0.9983.
//
// Birth dates spread smoothly: a day holds about as many people as the days
// around it (weekdays and seasons move it by tens of percent, twins and
// triplets add two or three). A date that holds at least minStandInRows rows
// and more than standInFactor times both the mean of the standInWindow days
// either side and each day next to it is not anyone's birthday. (The days
// next to it keep a cohort of one week's births, each day as full as the
// next, from looking like stand-ins against the empty days around.) Tokenize counts dates of birth as it
// encodes (in the workers, a few nanoseconds a row); when it finds such a
// date it says so and encodes the extract a second time with the date read
// as missing (ReasonPlaceholder, so the rejects file lists the rows). An
// extract without one pays only the count. A mapping can name its stand-in
// in missing_values to skip the second pass.
//
// Some systems write the first of January (or of July) where only the year
// of birth is known: the asylum-seeking child whose age was assessed, the
// parent whose date nobody recorded. Then every year holds a stand-in on
// that day, each in proportion to the year's births, and the year is true:
// read as missing, the record would lose its year too, and with it the
// salt of its CLK's name bits, so that no other record of the child came
// near it. A stand-in on the 1st of January or July of at least
// minConventionYears years, whose year holds at least a quarter as many
// other births as it holds and whose share of its year is not far above the
// others' (conventionSpread), is read as its year alone (a partial date);
// any other stand-in, 1900-01-01 or one fixed day for every unknown date,
// stays missing.

const (
	// minStandInRows is the fewest rows on one date that can make it a
	// stand-in: a handful of records on one date is a small coincidence
	// whatever the dates around it hold.
	minStandInRows = 20
	// standInFactor is how many times the mean of the surrounding days a
	// date must hold to be a stand-in.
	standInFactor = 10
	// standInWindow is the number of days either side of a date whose mean
	// it is compared with.
	standInWindow = 15

	// minConventionYears is the fewest years with a stand-in on the same
	// day of the year that make that day a system's way of writing a year
	// alone.
	minConventionYears = 3
	// conventionSpread bounds how many times the median share of their
	// years' births a year-only stand-in may hold: one fixed stand-in
	// that happens to fall on that day holds every year's unknown dates.
	conventionSpread = 4
)

// The tally's grid: a slot per day of a 31-day month, from tallyFirstYear
// to tallyLastYear. Slots of days a month lacks stay empty; they thin a
// window's mean by at most a few percent.
const (
	tallyFirstYear = 1800
	tallyLastYear  = 2199
	slotsPerYear   = 12 * 31
	tallySlots     = (tallyLastYear - tallyFirstYear + 1) * slotsPerYear
)

// dateTally counts dates of birth by day, with the first row holding each.
// The zero value is empty; it allocates its grids (1.8 MB) on the first
// date.
type dateTally struct {
	n       []int32
	first   []int64 // row number, 0 for none
	partial int64   // partial dates (not in the grid)
}

func (t *dateTally) alloc() {
	if t.n == nil {
		t.n, t.first = make([]int32, tallySlots), make([]int64, tallySlots)
	}
}

// slot returns d's index in the grid, or -1 outside it.
func slot(d Date) int {
	if int(d.y) < tallyFirstYear || int(d.y) > tallyLastYear {
		return -1
	}
	return (int(d.y)-tallyFirstYear)*slotsPerYear + (int(d.m)-1)*31 + int(d.d) - 1
}

// dateOf returns the date of slot i (a calendar date: only filled slots are
// asked for).
func dateOf(i int) Date {
	y, r := i/slotsPerYear, i%slotsPerYear
	return Date{uint16(tallyFirstYear + y), uint8(r/31 + 1), uint8(r%31 + 1)}
}

// add counts dates; rows[i] is the row number of dates[i].
func (t *dateTally) add(dates []Date, rows []int64) {
	if len(dates) == 0 {
		return
	}
	t.alloc()
	for k, d := range dates {
		if d.Partial() {
			t.partial++
			continue
		}
		if i := slot(d); i >= 0 {
			t.n[i]++
			if f := t.first[i]; f == 0 || rows[k] < f {
				t.first[i] = rows[k]
			}
		}
	}
}

// merge adds o's counts to t.
func (t *dateTally) merge(o *dateTally) {
	t.partial += o.partial
	if o.n == nil {
		return
	}
	t.alloc()
	for i, c := range o.n {
		t.n[i] += c
		if f := o.first[i]; f != 0 && (t.first[i] == 0 || f < t.first[i]) {
			t.first[i] = f
		}
	}
}

// standIns returns the dates that hold too many rows to be birthdays, in
// date order. A found date
// is taken out of its neighbours' windows and the search repeated, so that
// two stand-ins close together do not hide each other.
func (t *dateTally) standIns() (found []Date) {
	if t.n == nil {
		return nil
	}
	n := append([]int32(nil), t.n...)
	prefix := make([]int64, len(n)+1)
	for round := 0; round < 8; round++ {
		for i, c := range n {
			prefix[i+1] = prefix[i] + int64(c)
		}
		var more bool
		for i, c := range n {
			if c < minStandInRows {
				continue
			}
			lo, hi := max(0, i-standInWindow), min(len(n), i+standInWindow+1)
			around := float64(prefix[hi]-prefix[lo]-int64(c)) / float64(hi-lo-1)
			for _, j := range []int{i - 1, i + 1} {
				if j >= 0 && j < len(n) {
					around = max(around, float64(n[j]))
				}
			}
			if float64(c) > standInFactor*max(around, 1) {
				found = append(found, dateOf(i))
				n[i] = 0
				more = true
			}
		}
		if !more {
			break
		}
	}
	slices.SortFunc(found, func(a, b Date) int { return cmp.Compare(a.key(), b.key()) })
	return found
}

// held returns the rows the dates hold and the first of those rows.
func (t *dateTally) held(dates []Date) (rows, first int64) {
	for _, d := range dates {
		i := slot(d)
		rows += int64(t.n[i])
		if f := t.first[i]; first == 0 || f < first {
			first = f
		}
	}
	return rows, first
}

// yearOnly splits the stand-ins found (standIns, in date order) into those
// that are a system's way of writing a year alone, on the 1st of January or
// July (see above), and the rest.
func (t *dateTally) yearOnly(found []Date) (yearOnly, standIns []Date) {
	type share struct {
		d          Date
		held, rest int64 // rows on the date, and the other dates of its year
	}
	var byDay [2][]share // 1 January, 1 July
	for _, d := range found {
		k := -1
		switch {
		case d.d == 1 && d.m == 1:
			k = 0
		case d.d == 1 && d.m == 7:
			k = 1
		}
		if k < 0 {
			standIns = append(standIns, d)
			continue
		}
		i := slot(d)
		year := i - i%slotsPerYear
		var all int64
		for _, c := range t.n[year : year+slotsPerYear] {
			all += int64(c)
		}
		for _, o := range found { // other stand-ins of the year are not births
			if o.y == d.y && o != d {
				all -= int64(t.n[slot(o)])
			}
		}
		held := int64(t.n[i])
		byDay[k] = append(byDay[k], share{d, held, all - held})
	}
	for _, shares := range byDay {
		if len(shares) < minConventionYears {
			for _, s := range shares {
				standIns = append(standIns, s.d)
			}
			continue
		}
		ratios := make([]float64, len(shares))
		for i, s := range shares {
			ratios[i] = float64(s.held) / float64(max(s.rest, 1))
		}
		med := slices.Clone(ratios)
		slices.Sort(med)
		median := med[len(med)/2]
		for i, s := range shares {
			if 4*s.rest >= s.held && ratios[i] <= conventionSpread*median {
				yearOnly = append(yearOnly, s.d)
			} else {
				standIns = append(standIns, s.d)
			}
		}
	}
	sortDates := func(ds []Date) {
		slices.SortFunc(ds, func(a, b Date) int { return cmp.Compare(a.key(), b.key()) })
	}
	sortDates(yearOnly)
	sortDates(standIns)
	return yearOnly, standIns
}
