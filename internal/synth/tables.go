package synth

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// data holds the name lists and places the population is drawn from. Every
// list is invented: plausible Scottish-looking names and places with made-up
// relative weights, not real statistics.
//
//go:embed names/*.txt places/*.txt
var data embed.FS

// weighted is a list of values with relative weights, sampled in O(log n)
// by binary search over the cumulative weights.
type weighted struct {
	values []string
	cum    []uint64 // cum[i] = sum of weights of values[0..i]
}

// pick returns a value drawn with probability proportional to its weight.
func (w *weighted) pick(r *rand.Rand) string {
	x := r.Uint64N(w.cum[len(w.cum)-1])
	i := sort.Search(len(w.cum), func(i int) bool { return w.cum[i] > x })
	return w.values[i]
}

// pickIndex is pick returning the index of the value.
func (w *weighted) pickIndex(r *rand.Rand) int {
	x := r.Uint64N(w.cum[len(w.cum)-1])
	return sort.Search(len(w.cum), func(i int) bool { return w.cum[i] > x })
}

// district is a postcode district with its post town.
type district struct {
	outward string // e.g. "EH11"
	area    string // e.g. "EH"
	town    string
}

// birth eras of the forename lists: a person's forename is drawn from the
// list for the era of their birth year.
var eras = []struct {
	from int    // first birth year of the era
	file string // file-name suffix
}{{0, "1960"}, {1985, "1985"}, {2005, "2005"}}

// tables are the parsed data files.
type tables struct {
	forenames [2][]*weighted // [sexMale|sexFemale][era]
	surnames  *weighted
	nicknames map[string][]string
	districts []district
	district  *weighted // values are indices into districts, as strings
	stems     []string  // street-name stems, followed by a suffix
	fixed     []string  // whole street names
	suffixes  *weighted
	// byArea lists the district indices of each postcode area, for moves
	// that stay in the same part of the country.
	byArea map[string][]int
}

var loadTables = sync.OnceValues(func() (*tables, error) {
	t := &tables{nicknames: map[string][]string{}, byArea: map[string][]int{}}
	var err error
	for s, sex := range []string{"male", "female"} {
		for _, e := range eras {
			w, err := readWeighted("names/forenames_" + sex + "_" + e.file + ".txt")
			if err != nil {
				return nil, err
			}
			t.forenames[s] = append(t.forenames[s], w)
		}
	}
	if t.surnames, err = readWeighted("names/surnames.txt"); err != nil {
		return nil, err
	}
	if t.suffixes, err = readWeighted("places/street_suffixes.txt"); err != nil {
		return nil, err
	}
	err = eachLine("names/nicknames.txt", func(line string) error {
		name, nicks, ok := strings.Cut(line, ":")
		if !ok || name == "" || nicks == "" {
			return fmt.Errorf("want name:nick|nick")
		}
		t.nicknames[name] = strings.Split(nicks, "|")
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine("places/streets.txt", func(line string) error {
		if s, ok := strings.CutPrefix(line, "="); ok {
			t.fixed = append(t.fixed, s)
		} else {
			t.stems = append(t.stems, line)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	dw := &weighted{}
	var total uint64
	err = eachLine("places/districts.txt", func(line string) error {
		f := strings.Split(line, ",")
		if len(f) != 3 {
			return fmt.Errorf("want district,town,weight")
		}
		n, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil || n == 0 {
			return fmt.Errorf("bad weight")
		}
		area := strings.TrimRight(f[0], "0123456789")
		t.byArea[area] = append(t.byArea[area], len(t.districts))
		t.districts = append(t.districts, district{outward: f[0], area: area, town: f[1]})
		total += n
		dw.values = append(dw.values, strconv.Itoa(len(t.districts)-1))
		dw.cum = append(dw.cum, total)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.district = dw
	return t, nil
})

// eachLine calls fn for each non-blank, non-comment line of an embedded file.
func eachLine(name string, fn func(string) error) error {
	b, err := data.ReadFile(name)
	if err != nil {
		return fmt.Errorf("synth data %s: %w", name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("synth data %s line %d: %w", name, n, err)
		}
	}
	return sc.Err()
}

// readWeighted parses an embedded name,weight file.
func readWeighted(name string) (*weighted, error) {
	w := &weighted{}
	var total uint64
	seen := map[string]bool{}
	err := eachLine(name, func(line string) error {
		i := strings.LastIndexByte(line, ',')
		if i <= 0 {
			return fmt.Errorf("want name,weight")
		}
		v := line[:i]
		n, err := strconv.ParseUint(line[i+1:], 10, 32)
		if err != nil || n == 0 {
			return fmt.Errorf("bad weight")
		}
		if seen[v] {
			return fmt.Errorf("duplicate name")
		}
		seen[v] = true
		total += n
		w.values = append(w.values, v)
		w.cum = append(w.cum, total)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(w.values) == 0 {
		return nil, fmt.Errorf("synth data %s: empty", name)
	}
	return w, nil
}

// eraIndex returns the forename list index for a birth year.
func eraIndex(year int) int {
	i := 0
	for j, e := range eras {
		if year >= e.from {
			i = j
		}
	}
	return i
}
