package linkage

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// concat returns a dataset named name holding x's records then y's, with
// y's record IDs suffixed so they stay unique.
func concat(name string, x, y *Dataset) *Dataset {
	d := &Dataset{Name: name, Width: x.Width, Rules: x.Rules, SchemaFingerprint: x.SchemaFingerprint, SecretFingerprint: x.SecretFingerprint}
	d.RecordIDs = append(slices.Clone(x.RecordIDs), y.RecordIDs...)
	for i := x.Len(); i < len(d.RecordIDs); i++ {
		d.RecordIDs[i] += "-dup"
	}
	d.CLKs = append(slices.Clone(x.CLKs), y.CLKs...)
	for r := range x.Rules {
		d.Tokens = append(d.Tokens, append(slices.Clone(x.Tokens[r]), y.Tokens[r]...))
		d.Valid = append(d.Valid, append(slices.Clone(x.Valid[r]), y.Valid[r]...))
	}
	return d
}

func TestDedupWithinOneFile(t *testing.T) {
	a, b, truth := febrl4(t)
	const n = 600
	d := concat("one", subset(a, n), subset(b, n))
	res, err := Match([]*Dataset{d}, Options{AutoThreshold: true, MinDice: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Mode != "dedup" {
		t.Fatalf("mode %q, want dedup", res.Summary.Mode)
	}
	want := 0
	for p := range truth {
		if p[0] < n && p[1] < n {
			want++
		}
	}
	found := 0
	for _, l := range res.Links {
		if l.DA != 0 || l.DB != 0 || l.A >= l.B {
			t.Fatalf("bad dedup link %+v", l)
		}
		if l.A < n && l.B >= n && truth[[2]uint32{l.A, l.B - n}] {
			found++
		}
	}
	t.Logf("dedup: %d links, %d of %d true duplicates", len(res.Links), found, want)
	if float64(found) < 0.95*float64(want) {
		t.Errorf("found %d of %d true duplicates", found, want)
	}
}

func TestOnePerDatasetAcrossThree(t *testing.T) {
	a, b := smallFEBRL(t, 800)
	c := *b
	c.Name = "c"
	c.pop = nil
	for _, tc := range []struct {
		linkOnly, allow bool
		rates           int
	}{{true, false, 3}, {false, false, 6}, {false, true, 6}} {
		res, err := Match([]*Dataset{a, b, &c}, Options{AutoThreshold: true, LinkOnly: tc.linkOnly, AllowDuplicates: tc.allow})
		if err != nil {
			t.Fatal(err)
		}
		maxPer := 0
		for _, e := range res.Entities {
			per := map[string]int{}
			for _, m := range e.Members {
				per[m.Dataset]++
				maxPer = max(maxPer, per[m.Dataset])
			}
		}
		if tc.linkOnly && maxPer > 1 {
			t.Errorf("link-only: an entity holds %d records of one dataset", maxPer)
		}
		t.Logf("%+v: %d entities, max %d per dataset, %d links", tc, len(res.Entities), maxPer, len(res.Links))
		if len(res.Summary.MatchRates) != tc.rates {
			t.Errorf("%+v: %d match rates, want %d dataset pairs", tc, len(res.Summary.MatchRates), tc.rates)
		}
	}
}

func TestEntityIDsStableAcrossRuns(t *testing.T) {
	a, b := smallFEBRL(t, 1000)
	res1, err := Match([]*Dataset{a, b}, Options{AutoThreshold: true})
	if err != nil {
		t.Fatal(err)
	}
	prev := map[RecordKey]string{}
	for _, e := range res1.Entities {
		for _, m := range e.Members {
			prev[m] = e.ID
		}
	}
	// Tonight's extract of b: the last 100 records are gone, 50 new ones
	// arrive (records of the full FEBRL file not sent before).
	fullA, fullB, _ := febrl4(t)
	_ = fullA
	b2 := concat("b", subset(b, 900), subsetRange(fullB, 2000, 2050))
	res2, err := Match([]*Dataset{a, b2}, Options{AutoThreshold: true, Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	st := res2.Summary.Stability
	if st == nil {
		t.Fatal("no stability summary")
	}
	t.Logf("stability: %+v", *st)
	kept, changed := 0, 0
	oldByID := map[string][]RecordKey{}
	for _, e := range res1.Entities {
		oldByID[e.ID] = e.Members
	}
	for _, e := range res2.Entities {
		if old, ok := oldByID[e.ID]; ok {
			kept++
			// Kept IDs name an entity sharing records with the old one.
			shared := false
			for _, m := range e.Members {
				if slices.ContainsFunc(old, func(k RecordKey) bool { return k == m }) {
					shared = true
				}
			}
			if !shared {
				t.Errorf("entity %s kept an ID but shares no record with it", e.ID)
			}
		} else {
			changed++
		}
		// Every record in both runs whose old entity was the same and is
		// still together keeps the ID: check pairs linked in both runs.
	}
	// Entities untouched by the change keep their ID: every old entity all
	// of whose records are still present and together.
	newByRecord := map[RecordKey]string{}
	for _, e := range res2.Entities {
		for _, m := range e.Members {
			newByRecord[m] = e.ID
		}
	}
	for _, e := range res1.Entities {
		same := true
		for _, m := range e.Members {
			if newByRecord[m] != newByRecord[e.Members[0]] || newByRecord[m] == "" {
				same = false
			}
		}
		if same && newByRecord[e.Members[0]] != e.ID {
			t.Errorf("entity %s stayed together but was renamed %s", e.ID, newByRecord[e.Members[0]])
		}
	}
	if st.KeptIDs != kept || st.NewIDs != changed || st.KeptIDs == 0 || st.NewIDs == 0 || st.RecordsNew != 50 {
		t.Errorf("stability counts %+v; counted kept %d new %d", *st, kept, changed)
	}
}

// subsetRange returns records [lo, hi) of d.
func subsetRange(d *Dataset, lo, hi int) *Dataset {
	s := subset(d, hi)
	s.RecordIDs = s.RecordIDs[lo:]
	s.CLKs = s.CLKs[lo*d.Width:]
	for r := range s.Rules {
		s.Tokens[r] = s.Tokens[r][lo*TokenBytes:]
		s.Valid[r] = s.Valid[r][lo:]
	}
	return s
}

// sortByID orders entities as their IDs compare as strings: IDs that share
// their first 8 bytes, shorter than 8 bytes, or of another scheme (a
// previous run's) included, on one core and several.
func TestSortByID(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ids := map[string]bool{}
	for len(ids) < 150000 {
		var id string
		switch rng.IntN(4) {
		case 0:
			id = "E" + strconv.FormatUint(rng.Uint64N(1<<28), 16) // short, many prefixes shared
		case 1:
			id = "Eabcdef1" + strconv.FormatUint(rng.Uint64N(1000), 10) // one shared 8-byte prefix
		case 2:
			id = string([]byte{byte(rng.IntN(3))}) // below 'E', one byte
		default:
			id = "E" + strconv.FormatUint(rng.Uint64(), 16)
		}
		ids[id] = true
	}
	var entities []Entity
	for id := range ids {
		entities = append(entities, Entity{ID: id})
	}
	want := slices.Clone(entities)
	slices.SortFunc(want, func(x, y Entity) int { return strings.Compare(x.ID, y.ID) })
	for _, procs := range []int{1, 2, 3} {
		old := runtime.GOMAXPROCS(procs)
		got := sortByID(slices.Clone(entities))
		runtime.GOMAXPROCS(old)
		for i := range got {
			if got[i].ID != want[i].ID {
				t.Fatalf("procs=%d: entity %d has ID %q, want %q", procs, i, got[i].ID, want[i].ID)
			}
		}
	}
}
