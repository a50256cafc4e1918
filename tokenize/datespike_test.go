package tokenize

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/tokenfile"
)

// births returns n dates of birth spread over the years from y0 to y1 with
// weekday and seasonal variation, as a register of real people holds them.
func births(r *rand.Rand, n, y0, y1 int) []Date {
	var out []Date
	for len(out) < n {
		y, m := y0+r.IntN(y1-y0+1), 1+r.IntN(12)
		d := 1 + r.IntN(daysIn(y, m))
		date, _ := NewDate(y, m, d)
		// Fewer births at weekends (planned deliveries) and in winter.
		keep := 1.0
		if (y*372+m*31+d)%7 < 2 {
			keep = 0.75
		}
		if m <= 2 {
			keep *= 0.9
		}
		if r.Float64() < keep {
			out = append(out, date)
		}
	}
	return out
}

func repeatDate(d Date, n int) []Date { return slices.Repeat([]Date{d}, n) }

func TestDateTallyStandIns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	d := func(s string) Date { return mustDate(t, s) }
	tests := []struct {
		name string
		sets [][]Date
		want []Date
	}{
		{"empty", nil, nil},
		{"a large register", [][]Date{births(r, 400_000, 1940, 2025)}, nil},
		{"one school year", [][]Date{births(r, 60_000, 2012, 2012)}, nil},
		{"a week's births", [][]Date{repeatDate(d("2020-01-01"), 300), repeatDate(d("2020-01-02"), 310), repeatDate(d("2020-01-03"), 280)}, nil},
		{"triplets and a small coincidence", [][]Date{births(r, 500, 2005, 2020), repeatDate(d("2011-05-05"), 19)}, nil},
		{"an enrolment day among pupils", [][]Date{births(r, 40_000, 2007, 2021), repeatDate(d("2019-08-14"), 90)}, []Date{d("2019-08-14")}},
		{"a stand-in in a small extract", [][]Date{births(r, 1_000, 2007, 2021), repeatDate(d("2000-01-01"), 20)}, []Date{d("2000-01-01")}},
		// The second is found once the first is out of its window.
		{"two stand-ins close together", [][]Date{births(r, 40_000, 1990, 2021), repeatDate(d("2000-01-01"), 300), repeatDate(d("2000-01-06"), 100)}, []Date{d("2000-01-01"), d("2000-01-06")}},
		{"outside the grid", [][]Date{repeatDate(d("1750-01-01"), 500)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Two workers' tallies, merged, as the pipeline does.
			// Row numbers in reverse, so that the first row of a date is
			// found by its number, not by the order of adding.
			var a, b, all dateTally
			row := int64(1_000_000)
			var wantRows, wantFirst int64
			for i, s := range tt.sets {
				rows := make([]int64, len(s))
				for k, d := range s {
					rows[k] = row
					if slices.Contains(tt.want, d) {
						wantRows++
						wantFirst = row // the smallest so far
					}
					row--
				}
				if i%2 == 0 {
					a.add(s, rows)
				} else {
					b.add(s, rows)
				}
			}
			all.merge(&a)
			all.merge(&b)
			got := all.standIns()
			rows, first := all.held(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("stand-ins %v, want %v", got, tt.want)
			}
			if rows != wantRows || first != wantFirst {
				t.Errorf("%d rows, the first at row %d; want %d, %d", rows, first, wantRows, wantFirst)
			}
		})
	}
}

func TestDateOfSlot(t *testing.T) {
	for _, s := range []string{"1800-01-01", "1999-12-31", "2024-02-29", "2199-12-31"} {
		d := mustDate(t, s)
		if got := dateOf(slot(d)); got != d {
			t.Errorf("dateOf(slot(%v)) = %v", d, got)
		}
	}
	if slot(mustDate(t, "1799-12-31")) != -1 || slot(mustDate(t, "2200-01-01")) != -1 {
		t.Error("dates outside the grid have a slot")
	}
}

// standInExtract writes an extract of 600 people born 1990–2015 in which
// 40 more, with their dates of birth unknown, carry 14/08/2019.
func standInExtract(t *testing.T, dir string) string {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	fore := []string{"Ava", "Liam", "Isla", "Noah", "Emily", "Jack", "Grace", "Leo", "Ella", "Harris", "Mia", "Rory"} // girl, boy, …
	sur := []string{"Smith", "Brown", "Wilson", "Campbell", "Stewart", "Thomson", "Robertson", "Anderson", "Macdonald", "Scott"}
	var b strings.Builder
	b.WriteString("ID,FIRST,LAST,BORN,SEX,PC,CHI\n")
	for i, d := range births(r, 640, 1990, 2015) {
		born := fmt.Sprintf("%02d/%02d/%04d", d.Day(), d.Month(), d.Year())
		if i%16 == 5 {
			born = "14/08/2019"
		}
		f := r.IntN(len(fore))
		fmt.Fprintf(&b, "R%d,%s,%s,%s,%s,EH%d 1AA,\n", i, fore[f], sur[r.IntN(len(sur))], born, []string{"F", "M"}[f%2], 1+r.IntN(9))
	}
	return writeFile(t, dir, "extract.csv", b.String())
}

// TestTokenizeStandInDate checks that a date of birth held by far more rows
// than the days around it is read as missing, with a warning that names
// no value, and that the result is the one a mapping naming it in
// missing_values gives.
func TestTokenizeStandInDate(t *testing.T) {
	dir := t.TempDir()
	in := standInExtract(t, dir)
	spec := StarterSpec()
	run := func(name string, m *Mapping) (*Result, string) {
		var logs bytes.Buffer
		res, err := Tokenize(context.Background(), Options{
			Schema:        &Schema{Native: spec, fingerprint: spec.Fingerprint()},
			Mapping:       m,
			Secret:        testSecret,
			Dataset:       "small",
			Input:         in,
			Output:        filepath.Join(dir, name+".tokens.parquet"),
			MaxRejectRate: 0.5,
			Created:       testCreated,
			Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
			BatchSize:     50,
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res, logs.String()
	}
	found, logs := run("found", smallMapping())
	if found.StandInDates != 1 || found.StandInRows != 40 {
		t.Fatalf("found %d stand-in dates on %d rows, want 1 on 40", found.StandInDates, found.StandInRows)
	}
	if !strings.Contains(logs, "field dob: 40 rows share one date (the first at row 6)") || strings.Contains(logs, "2019") {
		t.Errorf("warning does not say what was found, or names the date:\n%s", logs)
	}
	rejects, err := os.ReadFile(found.Rejects)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(rejects), ",dob,placeholder,"); n != 40 {
		t.Errorf("rejects file lists %d rows with a stand-in date, want 40:\n%s", n, rejects)
	}

	m := smallMapping()
	m.MissingValues = map[string][]string{"dob": {" 14/08/2019"}}
	declared, logs := run("declared", m)
	if declared.StandInDates != 0 || strings.Contains(logs, "stand-in") {
		t.Errorf("a declared stand-in was searched for again: %d dates; %s", declared.StandInDates, logs)
	}
	_, a, err := tokenfile.ReadFile(found.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := tokenfile.ReadFile(declared.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.CLKs, b.CLKs) || !slices.EqualFunc(a.Tokens, b.Tokens, bytes.Equal) {
		t.Error("a stand-in found by its count encodes differently from one the mapping declares")
	}
}

func TestDateTallyYearOnly(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := func(s string) Date { return mustDate(t, s) }
	// firsts returns, for each year from y0 to y1, n rows on the 1st of
	// month m: a system writing a year alone.
	firsts := func(y0, y1, m, n int) (out []Date) {
		for y := y0; y <= y1; y++ {
			date, _ := NewDate(y, m, 1)
			out = append(out, repeatDate(date, n)...)
		}
		return out
	}
	days := func(y0, y1, m int) (out []Date) {
		for y := y0; y <= y1; y++ {
			date, _ := NewDate(y, m, 1)
			out = append(out, date)
		}
		return out
	}
	// scattered returns n rows on the 1st of month m of years drawn
	// from y0 to y1: a system writing 1% of its dates so, no one year's
	// share a spike.
	scattered := func(y0, y1, m, n int) (out []Date) {
		for range n {
			date, _ := NewDate(y0+r.IntN(y1-y0+1), m, 1)
			out = append(out, date)
		}
		return out
	}
	jan, jul := []MonthDay{{1, 1}}, []MonthDay{{7, 1}}
	tests := []struct {
		name    string
		sets    [][]Date
		days    []MonthDay
		missing []Date
		rows    int64 // read as the year alone, at least
	}{
		{"the 1st of January of every year", [][]Date{births(r, 32_000, 2005, 2020), firsts(2005, 2020, 1, 300)}, jan, nil, 16 * 300},
		{"the 1st of July", [][]Date{births(r, 32_000, 2005, 2020), firsts(2005, 2020, 7, 200)}, jul, nil, 16 * 200},
		{"both", [][]Date{births(r, 32_000, 2005, 2020), firsts(2005, 2020, 7, 200), firsts(2005, 2020, 1, 100)}, []MonthDay{{1, 1}, {7, 1}}, nil, 16 * 300},
		{"more than four times the rest of each year", [][]Date{births(r, 16_000, 2005, 2020), firsts(2005, 2020, 1, 5000)}, nil, days(2005, 2020, 1), 0},
		{"two years are no convention", [][]Date{births(r, 32_000, 2005, 2020), firsts(2009, 2010, 1, 300)}, nil, days(2009, 2010, 1), 0},
		{"a year without births", [][]Date{births(r, 32_000, 2005, 2020), firsts(2005, 2020, 1, 300), repeatDate(d("1950-01-01"), 400)},
			jan, []Date{d("1950-01-01")}, 16 * 300},
		{"one fixed stand-in among them", [][]Date{births(r, 32_000, 2000, 2020), firsts(2005, 2020, 1, 300), repeatDate(d("2000-01-01"), 2000)},
			jan, []Date{d("2000-01-01")}, 16 * 300},
		{"an enrolment day of every year", [][]Date{births(r, 32_000, 2005, 2020), firsts(2005, 2020, 8, 300)}, nil, days(2005, 2020, 8), 0},
		{"1% scattered over eighty years", [][]Date{births(r, 100_000, 1940, 2020), scattered(1940, 2020, 1, 1000)}, jan, nil, 1000},
		{"1% scattered, with a fixed stand-in", [][]Date{births(r, 100_000, 1940, 2020), scattered(1940, 2020, 7, 1000), repeatDate(d("1990-07-01"), 500)},
			jul, []Date{d("1990-07-01")}, 1000},
		{"a register alone", [][]Date{births(r, 100_000, 1940, 2020)}, nil, nil, 0},
		{"a tenth of a percent scattered", [][]Date{births(r, 100_000, 1940, 2020), scattered(1940, 2020, 1, 100)}, nil, nil, 0},
		{"a small extract", [][]Date{births(r, 2_000, 1940, 2020), scattered(1940, 2020, 1, 40)}, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tally dateTally
			for _, s := range tt.sets {
				tally.add(s, make([]int64, len(s)))
			}
			days, missing := tally.yearOnlyDays(tally.standIns())
			if !slices.Equal(days, tt.days) || !slices.Equal(missing, tt.missing) {
				t.Errorf("year-only days %v, missing %v; want %v, %v", days, missing, tt.days, tt.missing)
			}
			// The rows read as the year alone: those written so, and the
			// births that fall on the day (at most a few percent more).
			if rows := tally.yearOnlyRows(days, missing); rows < tt.rows || float64(rows) > 1.5*float64(max(tt.rows, 1)) {
				t.Errorf("%d rows read as the year alone, want %d and the day's own births", rows, tt.rows)
			}
		})
	}
}

func TestDateTallyPartial(t *testing.T) {
	var a, b dateTally
	y, _ := NewPartialDate(2009, 0)
	m, _ := NewPartialDate(2009, 5)
	a.add([]Date{y, {2009, 5, 5}, m}, []int64{1, 2, 3})
	b.add([]Date{y}, []int64{4})
	a.merge(&b)
	if a.partial != 3 || a.n[slot(Date{2009, 5, 5})] != 1 {
		t.Errorf("partial %d, full %d; want 3, 1", a.partial, a.n[slot(Date{2009, 5, 5})])
	}
}
