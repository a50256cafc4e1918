package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gen runs Generate into a new temporary directory.
func gen(t *testing.T, cfg Config) (string, Result) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	res, err := Generate(context.Background(), cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, res
}

// readTree returns every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// extract is an agency CSV read through its mapping file.
type extract struct {
	mapping mapping
	header  []string
	rows    [][]string
}

func (e *extract) col(field string) int {
	name, ok := e.mapping.Columns[field]
	if field == "record_id" {
		name, ok = e.mapping.RecordID, true
	}
	if !ok {
		return -1
	}
	return slices.Index(e.header, name)
}

func readExtract(t *testing.T, dir, agency string) *extract {
	t.Helper()
	var e extract
	mb, err := os.ReadFile(filepath.Join(dir, "mapping", agency+".json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e.mapping); err != nil {
		t.Fatalf("%s mapping: %v", agency, err)
	}
	if e.mapping.MappingVersion != 1 || len(e.mapping.Delimiter) != 1 {
		t.Fatalf("%s mapping: version %d, delimiter %q", agency, e.mapping.MappingVersion, e.mapping.Delimiter)
	}
	f, err := os.ReadFile(filepath.Join(dir, agency+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(f))
	r.Comma = rune(e.mapping.Delimiter[0])
	all, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s.csv: %v", agency, err)
	}
	e.header, e.rows = all[0], all[1:]
	std := []string{"forename", "middle_names", "surname", "dob", "sex", "postcode", "chi", "nhs", "address"}
	for field, name := range e.mapping.Columns {
		if !slices.Contains(std, field) {
			t.Errorf("%s mapping: non-standard field %q", agency, field)
		}
		if !slices.Contains(e.header, name) {
			t.Errorf("%s mapping: field %s names column %q, which the extract lacks", agency, field, name)
		}
	}
	if !slices.Contains(e.header, e.mapping.RecordID) {
		t.Errorf("%s mapping: record_id column %q missing", agency, e.mapping.RecordID)
	}
	for _, need := range []string{"forename", "surname", "dob", "sex", "postcode"} {
		if e.col(need) < 0 {
			t.Errorf("%s: no %s column", agency, need)
		}
	}
	return &e
}

// parseDate parses v in one of the contract's layouts that synth writes.
func parseDate(layout, v string) (date, error) {
	goLayout := map[string]string{"DD/MM/YYYY": "02/01/2006", "YYYY-MM-DD": "2006-01-02", "YYYYMMDD": "20060102", "DD-MON-YYYY": "02-Jan-2006"}[layout]
	tm, err := time.Parse(goLayout, v)
	if err != nil {
		return date{}, err
	}
	return fromTime(tm), nil
}

type truthRow struct{ person, role, sex, birthYear, ageBand, errors string }

func readTruth(t *testing.T, dir string) map[string]map[string]truthRow {
	t.Helper()
	f, err := os.ReadFile(filepath.Join(dir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := csv.NewReader(bytes.NewReader(f)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(all[0], ","); got != "dataset,record_id,person_id,role,sex,birth_year,age_band,errors" {
		t.Fatalf("truth header %q", got)
	}
	out := map[string]map[string]truthRow{}
	for i, row := range all[1:] {
		if out[row[0]] == nil {
			out[row[0]] = map[string]truthRow{}
		}
		if _, dup := out[row[0]][row[1]]; dup {
			t.Fatalf("truth row %d: record %s of %s listed twice", i+1, row[1], row[0])
		}
		out[row[0]][row[1]] = truthRow{row[2], row[3], row[4], row[5], row[6], row[7]}
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := Config{People: 9000, Seed: 42, Workers: 3}
	a, _ := gen(t, cfg)
	cfg.Workers = 1
	b, _ := gen(t, cfg)
	fa, fb := readTree(t, a), readTree(t, b)
	if len(fa) != 4+4+1+2+1 {
		t.Errorf("%d files: %v", len(fa), slices.Sorted(func(yield func(string) bool) {
			for k := range fa {
				if !yield(k) {
					return
				}
			}
		}))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	cfg.Seed = 43
	c, _ := gen(t, cfg)
	fc := readTree(t, c)
	for _, name := range []string{"health.csv", "truth.csv", "public/surnames.csv"} {
		if bytes.Equal(fa[name], fc[name]) {
			t.Errorf("%s is the same for seeds 42 and 43", name)
		}
	}
	// Leaving agencies out does not change the others.
	cfg.Seed = 42
	cfg.Agencies = []string{"health"}
	d, _ := gen(t, cfg)
	if !bytes.Equal(readTree(t, d)["health.csv"], fa["health.csv"]) {
		t.Error("health.csv changed when the other agencies were left out")
	}
}

// TestGenerateClean checks a run without errors: every CHI is valid and
// matches the record's date of birth and sex, and every record is in the
// truth exactly once.
func TestGenerateClean(t *testing.T) {
	dir, res := gen(t, Config{People: 6000, Seed: 3, Corruption: "none"})
	truth := readTruth(t, dir)
	chis := 0
	for _, ex := range res.Extracts {
		e := readExtract(t, dir, ex.Agency)
		if len(e.rows) != ex.Rows {
			t.Errorf("%s: %d rows, result says %d", ex.Agency, len(e.rows), ex.Rows)
		}
		if ex.Duplicates != 0 {
			t.Errorf("%s: %d duplicates with corruption none", ex.Agency, ex.Duplicates)
		}
		if len(truth[ex.Agency]) != len(e.rows) {
			t.Errorf("%s: %d truth rows for %d records", ex.Agency, len(truth[ex.Agency]), len(e.rows))
		}
		idc, dobc, sexc, chic := e.col("record_id"), e.col("dob"), e.col("sex"), e.col("chi")
		for i, row := range e.rows {
			tr, ok := truth[ex.Agency][row[idc]]
			if !ok {
				t.Fatalf("%s row %d: record not in truth", ex.Agency, i+1)
			}
			dob, err := parseDate(e.mapping.DateFormats["dob"][0], row[dobc])
			if err != nil {
				t.Fatalf("%s row %d: %v", ex.Agency, i+1, err)
			}
			if strconv.Itoa(dob.y) != tr.birthYear {
				t.Fatalf("%s row %d: birth year differs from truth", ex.Agency, i+1)
			}
			sex := e.mapping.SexCodes[row[sexc]]
			if sex != tr.sex {
				t.Fatalf("%s row %d: sex %q, truth %q", ex.Agency, i+1, sex, tr.sex)
			}
			if band := ageBand(dob.ageOn(fromTime(DefaultAsOf))); band != tr.ageBand {
				t.Fatalf("%s row %d: age band %s, truth %s", ex.Agency, i+1, band, tr.ageBand)
			}
			if chic < 0 || row[chic] == "" {
				continue
			}
			chi := row[chic]
			chis++
			if !ValidCHI(chi) {
				t.Fatalf("%s row %d: invalid CHI", ex.Agency, i+1)
			}
			if chi[:6] != dob.time().Format("020106") {
				t.Fatalf("%s row %d: CHI date part does not match the date of birth", ex.Agency, i+1)
			}
			if male := (chi[8]-'0')%2 == 1; male != (sex == "male") {
				t.Fatalf("%s row %d: CHI sex digit does not match sex", ex.Agency, i+1)
			}
		}
	}
	if chis < 5000 {
		t.Errorf("only %d CHIs checked", chis)
	}
}

// TestGenerateDefault checks the properties of a run at the default error
// level: unique record IDs, complete truth, duplicates, overlaps and the
// public name lists.
func TestGenerateDefault(t *testing.T) {
	cfg := Config{People: 20000, Seed: 5, Overlap: map[string]float64{"social_work": 0.4, "childrens_hearings": 0.15}}
	dir, res := gen(t, cfg)
	truth := readTruth(t, dir)
	if len(truth) != numAgencies {
		t.Fatalf("truth covers %d datasets", len(truth))
	}
	if res.Children+res.Parents != cfg.People || res.Children < cfg.People/3 || res.Parents < cfg.People/4 {
		t.Errorf("population %d children + %d parents", res.Children, res.Parents)
	}
	want := DefaultOverlap()
	for k, v := range cfg.Overlap {
		want[k] = v
	}
	// What each agency writes for an unknown date of birth.
	unknownDOB := map[string]string{"social_work": "01/01/1900", "childrens_hearings": "01-Jan-2000", "education": "", "health": ""}
	for _, ex := range res.Extracts {
		e := readExtract(t, dir, ex.Agency)
		idc, dobc := e.col("record_id"), e.col("dob")
		ids := map[string]bool{}
		persons := map[string]int{}
		kids, unknown := 0, 0
		for i, row := range e.rows {
			id := row[idc]
			if ids[id] || id == "" {
				t.Fatalf("%s row %d: record ID repeated or empty", ex.Agency, i+1)
			}
			ids[id] = true
			tr, ok := truth[ex.Agency][id]
			if !ok {
				t.Fatalf("%s row %d: not in truth", ex.Agency, i+1)
			}
			if strings.Contains(tr.errors, "missing_dob") {
				unknown++
				if row[dobc] != unknownDOB[ex.Agency] {
					t.Fatalf("%s row %d: date of birth unknown, written %q, want %q", ex.Agency, i+1, row[dobc], unknownDOB[ex.Agency])
				}
			} else if row[dobc] == unknownDOB[ex.Agency] {
				t.Fatalf("%s row %d: a known date of birth written as the stand-in", ex.Agency, i+1)
			}
			if persons[tr.person] == 0 && tr.role == "child" {
				kids++
			}
			persons[tr.person]++
		}
		if unknown == 0 {
			t.Errorf("%s: no date of birth unknown", ex.Agency)
		}
		if len(truth[ex.Agency]) != len(e.rows) {
			t.Errorf("%s: truth has %d records, extract %d", ex.Agency, len(truth[ex.Agency]), len(e.rows))
		}
		dups := 0
		for _, n := range persons {
			if n > 1 {
				dups++
			}
		}
		if dups == 0 {
			t.Errorf("%s: no duplicate records", ex.Agency)
		}
		if ex.People != len(persons) || ex.Rows != len(e.rows) {
			t.Errorf("%s: result says %d people in %d rows; files say %d in %d", ex.Agency, ex.People, ex.Rows, len(persons), len(e.rows))
		}
		// Overlap: share of the children held. Education holds only
		// children aged 3 and over: TestOverlap checks it exactly.
		share := float64(kids) / float64(res.Children)
		exp := want[ex.Agency]
		if ex.Agency == "education" {
			exp *= 0.85
		}
		if math.Abs(share-exp) > 0.04 {
			t.Errorf("%s holds %.3f of the children, want about %.3f", ex.Agency, share, exp)
		}
	}
	// Public lists count every person once.
	for _, list := range []string{"forenames", "surnames"} {
		b, err := os.ReadFile(filepath.Join(dir, "public", list+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		total, prev := 0, math.MaxInt
		for _, r := range rows[1:] {
			n, err := strconv.Atoi(r[1])
			if err != nil || n > prev {
				t.Fatalf("%s: counts not descending integers", list)
			}
			prev = n
			total += n
		}
		if total != cfg.People {
			t.Errorf("%s counts sum to %d, want %d", list, total, cfg.People)
		}
	}
}

// TestPopulation checks households: siblings share surname and address,
// some children's surname differs from their first parent's, and ages are
// in range.
func TestPopulation(t *testing.T) {
	tb, err := loadTables()
	if err != nil {
		t.Fatal(err)
	}
	asOf := fromTime(DefaultAsOf)
	m := &populationModel{t: tb, asOf: asOf}
	g := &generator{cfg: Config{Seed: 1}}
	r := g.rng(0, streamPopulation)
	kids, differ, twins := 0, 0, 0
	for i := 0; i < 5000; i++ {
		h := m.household(r)
		var first *person
		var prevKid *person
		for j := range h.people {
			p := &h.people[j]
			age := p.dob.ageOn(asOf)
			if p.role == roleParent {
				if age < 18 || age > 60 {
					t.Fatalf("parent aged %d", age)
				}
				if first == nil {
					first = p
				}
				continue
			}
			if age < 0 || age > 17 {
				t.Fatalf("child aged %d", age)
			}
			kids++
			if p.surname != first.surname {
				differ++
			}
			if prevKid != nil {
				if prevKid.surname != p.surname {
					t.Fatal("siblings with different surnames")
				}
				if prevKid.dob == p.dob {
					twins++
				}
			}
			if first.dob.ageOn(asOf)-age < 16 {
				t.Fatalf("parent aged %d with a child aged %d", first.dob.ageOn(asOf), age)
			}
			prevKid = p
		}
	}
	if f := float64(differ) / float64(kids); f < 0.12 || f > 0.30 {
		t.Errorf("%.3f of children have a surname other than their first parent's, want about 0.2", f)
	}
	if twins == 0 {
		t.Error("no twins")
	}
}

// TestOverlap checks each agency holds about its configured share of the
// children eligible for it, and duplicates at about its configured rate.
func TestOverlap(t *testing.T) {
	ov := map[string]float64{"social_work": 0.5, "education": 0.7, "health": 0.9, "childrens_hearings": 0.2}
	g, err := newGenerator(Config{People: 40000, Seed: 9, Overlap: ov, Corruption: "high"})
	if err != nil {
		t.Fatal(err)
	}
	var eligibleKids, kidsHeld, held, dups [numAgencies]int
	both := 0
	for i := 0; i < 40000/chunkPeople; i++ {
		c := &chunk{index: i, start: int64(i * chunkPeople)}
		g.generate(c, chunkPeople)
		for j := range c.people {
			p := &c.people[j]
			if p.role == roleChild && p.copies[childrensHearings] > 0 && p.copies[socialWork] > 0 {
				both++
			}
			for a := range numAgencies {
				if p.copies[a] > 0 {
					held[a]++
					if p.copies[a] > 1 {
						dups[a]++
					}
				}
				switch {
				case p.role == roleParent:
					if a != health && a != socialWork && p.copies[a] > 0 {
						t.Fatalf("%s holds a parent", AgencyNames[a])
					}
				case !eligible(a, p, g.model.asOf):
					if p.copies[a] > 0 {
						t.Fatalf("%s holds an ineligible child", AgencyNames[a])
					}
				default:
					eligibleKids[a]++
					if p.copies[a] > 0 {
						kidsHeld[a]++
					}
				}
			}
		}
	}
	for a, name := range AgencyNames {
		got := float64(kidsHeld[a]) / float64(eligibleKids[a])
		if math.Abs(got-ov[name]) > 0.02 {
			t.Errorf("%s holds %.3f of eligible children, want %.2f", name, got, ov[name])
		}
		wantDup := g.model.dup[a]
		if gotDup := float64(dups[a]) / float64(held[a]); math.Abs(gotDup-wantDup) > 0.2*wantDup+0.003 {
			t.Errorf("%s duplicates %.4f of the people it holds, want %.4f", name, gotDup, wantDup)
		}
	}
	if f := float64(both) / float64(kidsHeld[childrensHearings]); f < 0.8 {
		t.Errorf("only %.2f of children in hearings are known to social work", f)
	}
}

func TestGenerateRefusesNonEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Generate(context.Background(), Config{People: 10}, dir)
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("got %v, want ErrNotEmpty", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "keep")); err != nil {
		t.Fatal("refusal touched the directory")
	}
	if _, err := Generate(context.Background(), Config{People: 10, Force: true}, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "keep")); !os.IsNotExist(err) {
		t.Error("--force left the old contents")
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary %s left behind", e.Name())
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{
		{People: 0},
		{People: 10, Corruption: "extreme"},
		{People: 10, Agencies: []string{"police"}},
		{People: 10, Agencies: []string{}},
		{People: 10, Overlap: map[string]float64{"health": 1.5}},
		{People: 10, Overlap: map[string]float64{"police": 0.5}},
	} {
		dir := filepath.Join(t.TempDir(), "x")
		if _, err := Generate(context.Background(), c, dir); err == nil {
			t.Errorf("%+v: no error", c)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%+v: output written despite the error", c)
		}
	}
	for _, s := range []string{"health=2", "health", "police=0.1", "health=x"} {
		if _, err := ParseOverlap(s); err == nil {
			t.Errorf("ParseOverlap(%q): no error", s)
		}
	}
	if m, err := ParseOverlap(" social_work=0.6, health=1 "); err != nil || m["social_work"] != 0.6 || m["health"] != 1 {
		t.Errorf("ParseOverlap: %v, %v", m, err)
	}
	for _, s := range []string{"", "health,health", "police"} {
		if _, err := ParseAgencies(s); err == nil {
			t.Errorf("ParseAgencies(%q): no error", s)
		}
	}
	if a, err := ParseAgencies("health,education"); err != nil || fmt.Sprint(a) != "[health education]" {
		t.Errorf("ParseAgencies: %v, %v", a, err)
	}
}

func FuzzParseOverlap(f *testing.F) {
	f.Add("social_work=0.6,health=0.9")
	f.Add("education=1,,childrens_hearings=0")
	f.Add("health=NaN")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseOverlap(s)
		if err != nil {
			return
		}
		for k, v := range m {
			if !slices.Contains(AgencyNames, k) || !(v >= 0 && v <= 1) {
				t.Fatalf("ParseOverlap(%q) accepted %s=%v", s, k, v)
			}
		}
	})
}

func FuzzParseAgencies(f *testing.F) {
	f.Add("social_work,education")
	f.Add(" health , ")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAgencies(s)
		if err != nil {
			return
		}
		if len(a) == 0 {
			t.Fatal("no agencies and no error")
		}
		for _, x := range a {
			if !slices.Contains(AgencyNames, x) {
				t.Fatalf("accepted %q", x)
			}
		}
	})
}

func TestGenerateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Generate(ctx, Config{People: 30000}, dir); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 0 {
		t.Errorf("a cancelled run left %d entries behind", len(ents))
	}
}
