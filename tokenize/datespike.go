package tokenize

import (
	"cmp"
	"math"
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
// parent whose date nobody recorded. Then every year holds extra dates on
// that day, each in proportion to the year's births, and the year is true.
// Read as a date, strangers of one forename and sex born in one year agree
// on every rule with the date (at a million people, pprl synth writing 1%
// of social work's and children's hearings' dates so: 444 of 4,417 false
// pairs involved one, from half a percent of the records); read as
// missing, the record would lose its year too, and with it the salt of its
// CLK's name bits, so that no other record of the child came near it. So
// such a day is a convention of the extract (yearOnlyDays), and every date
// on it, of any year, is read as its year alone (a partial date): a child
// truly born on the 1st of January loses only the day and month, which the
// extract cannot tell from a year written alone. The day is a convention
// when it holds stand-ins in at least minConventionYears years, each year
// holding at least a quarter as many other births and its share of them
// not far above the others' (or, where there are fewer than
// minConventionYears, above the day's share of the other years;
// conventionSpread; a stand-in outside that,
// 1900-01-01 or one fixed day for every unknown date, stays missing), or
// when, over all years, it holds conventionExcess times the rows the days
// around it lead to expect, and significantly so (pooledZ standard
// deviations of a Poisson count, and minConventionRows rows): 1% of an
// agency's dates written so give no single date a spike, but three times a
// day's births over fifty years.

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
	// conventionExcess, pooledZ and minConventionRows: a day of the year
	// whose dates, over all years, number at least minConventionRows and
	// conventionExcess times what the days around them hold, and more by
	// pooledZ standard deviations, is a convention of the extract. The 1st
	// of January holds fewer births than the days around it (a holiday:
	// fewer planned deliveries), so a register does not come near.
	conventionExcess  = 2
	pooledZ           = 5
	minConventionRows = 50
)

// MonthDay is a day of the year: a month (1–12) and a day of it.
type MonthDay struct{ Month, Day int }

// conventionDays are the days of the year record systems write for a date
// known only to its year.
var conventionDays = []MonthDay{{1, 1}, {7, 1}}

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

// yearOnlyDays returns the days of the year on which the extract writes a
// year alone (see above), in conventionDays order, and the stand-ins found
// (standIns, in date order) that are read as missing: those on no such day,
// and those a convention day's years leave out.
func (t *dateTally) yearOnlyDays(found []Date) (days []MonthDay, missing []Date) {
	for _, d := range found {
		if !slices.Contains(conventionDays, MonthDay{int(d.m), int(d.d)}) {
			missing = append(missing, d)
		}
	}
	if t.n == nil {
		return nil, missing
	}
	for _, cd := range conventionDays {
		var spikes []Date
		for _, d := range found {
			if int(d.m) == cd.Month && int(d.d) == cd.Day {
				spikes = append(spikes, d)
			}
		}
		kept, out := t.conventionSpikes(spikes, found)
		if kept >= minConventionYears || t.pooledExcess(cd, spikes) {
			days = append(days, cd)
			missing = append(missing, out...)
		} else {
			missing = append(missing, spikes...)
		}
	}
	slices.SortFunc(missing, func(a, b Date) int { return cmp.Compare(a.key(), b.key()) })
	return days, missing
}

// conventionSpikes judges the stand-ins found on one day of the year, one
// a year: kept counts those whose share of their year's births is like the
// others' (see above), and out lists the rest, read as missing even where
// the day is a convention. found are all the stand-ins: none of them is a
// birth of its year.
func (t *dateTally) conventionSpikes(spikes, found []Date) (kept int, out []Date) {
	if len(spikes) == 0 {
		return 0, nil
	}
	held, rest := make([]int64, len(spikes)), make([]int64, len(spikes))
	ratios := make([]float64, len(spikes))
	for k, d := range spikes {
		i := slot(d)
		year := i - i%slotsPerYear
		var all int64
		for _, c := range t.n[year : year+slotsPerYear] {
			all += int64(c)
		}
		for _, o := range found {
			if o.y == d.y && o != d {
				all -= int64(t.n[slot(o)])
			}
		}
		held[k], rest[k] = int64(t.n[i]), all-int64(t.n[i])
		ratios[k] = float64(held[k]) / float64(max(rest[k], 1))
	}
	// The share a stand-in year may hold: like the other stand-ins' where
	// there are enough of them, else like the day's share of the years
	// without one.
	var like float64
	if len(spikes) >= minConventionYears {
		med := slices.Clone(ratios)
		slices.Sort(med)
		like = med[len(med)/2]
	} else {
		like = t.dayShare(MonthDay{int(spikes[0].m), int(spikes[0].d)}, spikes)
	}
	for k, d := range spikes {
		if 4*rest[k] >= held[k] && ratios[k] <= conventionSpread*like {
			kept++
		} else {
			out = append(out, d)
		}
	}
	return kept, out
}

// dayShare returns the rows on day cd over the rows on the other days of
// their years, over every year but those in skip.
func (t *dateTally) dayShare(cd MonthDay, skip []Date) float64 {
	var held, all int64
	for y := tallyFirstYear; y <= tallyLastYear; y++ {
		d := Date{uint16(y), uint8(cd.Month), uint8(cd.Day)}
		if slices.Contains(skip, d) {
			continue
		}
		i := slot(d)
		held += int64(t.n[i])
		for _, c := range t.n[i-i%slotsPerYear : i-i%slotsPerYear+slotsPerYear] {
			all += int64(c)
		}
	}
	return float64(held) / float64(max(all-held, 1))
}

// pooledExcess reports whether day cd, over every year but those of the
// stand-ins found on it (skip), holds conventionExcess times the rows the
// standInWindow days either side lead to expect, pooledZ Poisson standard
// deviations over them and minConventionRows rows at least.
func (t *dateTally) pooledExcess(cd MonthDay, skip []Date) bool {
	var held, expect float64
	for y := tallyFirstYear; y <= tallyLastYear; y++ {
		d := Date{uint16(y), uint8(cd.Month), uint8(cd.Day)}
		if slices.Contains(skip, d) {
			continue
		}
		i := slot(d)
		lo, hi := max(0, i-standInWindow), min(len(t.n), i+standInWindow+1)
		var around int64
		for _, c := range t.n[lo:hi] {
			around += int64(c)
		}
		c := int64(t.n[i])
		held += float64(c)
		expect += float64(around-c) / float64(hi-lo-1)
	}
	return held >= minConventionRows && held >= conventionExcess*expect &&
		held-expect >= pooledZ*math.Sqrt(max(expect, 1))
}

// yearOnlyRows counts the rows on days (of any year) but for the dates in
// missing: the rows read as the year alone.
func (t *dateTally) yearOnlyRows(days []MonthDay, missing []Date) (rows int64) {
	for _, cd := range days {
		for y := tallyFirstYear; y <= tallyLastYear; y++ {
			d := Date{uint16(y), uint8(cd.Month), uint8(cd.Day)}
			if !slices.Contains(missing, d) {
				rows += int64(t.n[slot(d)])
			}
		}
	}
	return rows
}
