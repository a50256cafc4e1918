package tokenize

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/keys"
	"github.com/pprl/pprl/internal/synth"
	"github.com/pprl/pprl/internal/table"
	"github.com/pprl/pprl/internal/tokenfile"
)

var (
	testSecret  = []byte("Xk3sJ0cZkq8bW2fV9mP4nR7tY1uH6eL5aD0gQ3sK2jE")
	otherSecret = []byte("Bv7nQ2mW9xZ4kL1pR8sT3yU6cF0hJ5gD2aE7iO4rN1w")
	testCreated = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
)

// synthDir generates a small four-agency synthetic extract once per test
// binary: heavy corruption, so rejects and invalid fields occur.
var synthDir = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "pprl-tokenize-synth-*")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "synth")
	_, err = synth.Generate(context.Background(), synth.Config{People: 1500, Seed: 11, Corruption: "high"}, out)
	return out, err
})

func testSynth(t *testing.T) string {
	t.Helper()
	dir, err := synthDir()
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	return dir
}

// runAgency tokenizes one synthetic agency's extract unsealed into dir.
func runAgency(t *testing.T, spec *Spec, agency string, secret []byte, dir string, log *slog.Logger) *Result {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sd := testSynth(t)
	m, err := LoadMapping(filepath.Join(sd, "mapping", agency+".json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Tokenize(context.Background(), Options{
		Schema:        &Schema{Native: spec, fingerprint: spec.Fingerprint()},
		Mapping:       m,
		Secret:        secret,
		Dataset:       agency,
		Input:         filepath.Join(sd, agency+".csv"),
		Output:        filepath.Join(dir, agency+".tokens.parquet"),
		MaxRejectRate: 0.5,
		Created:       testCreated,
		Logger:        log,
		BatchSize:     97, // many batches, so reordering is exercised
	})
	if err != nil {
		t.Fatalf("%s: %v", agency, err)
	}
	return res
}

func TestTokenizeDeterministic(t *testing.T) {
	spec := StarterSpec()
	a := runAgency(t, spec, "health", testSecret, t.TempDir(), nil)
	b := runAgency(t, spec, "health", testSecret, t.TempDir(), nil)
	ab, _ := os.ReadFile(a.Output)
	bb, _ := os.ReadFile(b.Output)
	if len(ab) == 0 || !bytes.Equal(ab, bb) {
		t.Fatalf("two runs on the same input and secret differ (%d vs %d bytes)", len(ab), len(bb))
	}
	if a.Rejects != "" {
		ar, _ := os.ReadFile(a.Rejects)
		br, _ := os.ReadFile(b.Rejects)
		if !bytes.Equal(ar, br) {
			t.Error("rejects files differ between identical runs")
		}
	}
	// Input order is kept: record IDs come out in extract order.
	_, d, err := tokenfile.ReadFile(a.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := extractColumn(t, filepath.Join(testSynth(t), "health.csv"), "PATIENT_KEY")
	j := 0
	for _, id := range ids {
		if j < d.Len() && d.RecordIDs[j] == id {
			j++
		}
	}
	if j != d.Len() {
		t.Errorf("record IDs are not in input order (matched %d of %d)", j, d.Len())
	}
}

func TestTokenizeDifferentSecretSharesNothing(t *testing.T) {
	spec := StarterSpec()
	a := runAgency(t, spec, "health", testSecret, t.TempDir(), nil)
	b := runAgency(t, spec, "health", otherSecret, t.TempDir(), nil)
	ma, da, err := tokenfile.ReadFile(a.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	mb, db, err := tokenfile.ReadFile(b.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ma.SecretFingerprint == mb.SecretFingerprint {
		t.Error("different secrets, same secret fingerprint")
	}
	if ma.SchemaFingerprint != mb.SchemaFingerprint {
		t.Error("same spec, different schema fingerprints")
	}
	if da.Len() != db.Len() || da.Len() == 0 {
		t.Fatalf("record counts %d and %d", da.Len(), db.Len())
	}
	clks := map[string]bool{}
	for i := 0; i < da.Len(); i++ {
		clks[string(da.CLK(i))] = true
	}
	toks := map[string]bool{}
	for r := range ma.Rules {
		for i := 0; i < da.Len(); i++ {
			if tok, ok := da.Token(r, i); ok {
				toks[string(tok)] = true
			}
		}
	}
	if len(toks) == 0 {
		t.Fatal("no tokens in the first file")
	}
	sharedCLK, sharedTok := 0, 0
	var dice float64
	for i := 0; i < db.Len(); i++ {
		if clks[string(db.CLK(i))] {
			sharedCLK++
		}
		for r := range mb.Rules {
			if tok, ok := db.Token(r, i); ok && toks[string(tok)] {
				sharedTok++
			}
		}
		dice += diceOf(da.CLK(i), db.CLK(i))
	}
	if sharedCLK != 0 || sharedTok != 0 {
		t.Errorf("different secrets share %d CLKs and %d tokens", sharedCLK, sharedTok)
	}
	// The same record under two secrets looks like two random filters:
	// their Dice is near the chance level, far below a match.
	if mean := dice / float64(db.Len()); mean > 0.6 {
		t.Errorf("mean Dice of the same records under different secrets is %.3f, want chance level (< 0.6)", mean)
	}
}

func diceOf(a, b []byte) float64 {
	pa, pb, pab := 0, 0, 0
	for i := range a {
		for bit := 0; bit < 8; bit++ {
			x, y := a[i]>>bit&1, b[i]>>bit&1
			pa += int(x)
			pb += int(y)
			pab += int(x & y)
		}
	}
	if pa+pb == 0 {
		return 0
	}
	return 2 * float64(pab) / float64(pa+pb)
}

// TestFourAgenciesOneSpec tokenizes the four synthetic agencies, each with
// its own column names, date formats and sex codes, with one spec: the
// token files carry the same schema fingerprint, and records of the same
// people get equal tokens across agencies.
func TestFourAgenciesOneSpec(t *testing.T) {
	spec := StarterSpec()
	dir := t.TempDir()
	agencies := []string{"social_work", "education", "health", "childrens_hearings"}
	fp := ""
	tokens := map[string]map[string]bool{} // agency → t3 tokens
	for _, a := range agencies {
		res := runAgency(t, spec, a, testSecret, dir, nil)
		m, d, err := tokenfile.ReadFile(res.Output, nil)
		if err != nil {
			t.Fatal(err)
		}
		if fp == "" {
			fp = m.SchemaFingerprint
		}
		if m.SchemaFingerprint != fp {
			t.Errorf("%s: schema fingerprint %s, want %s", a, m.SchemaFingerprint, fp)
		}
		if m.Rows.Read != m.Rows.Encoded+m.Rows.Rejected || m.Rows.Encoded == 0 {
			t.Errorf("%s: rows %+v do not add up", a, m.Rows)
		}
		tokens[a] = map[string]bool{}
		for i := 0; i < d.Len(); i++ {
			if tok, ok := d.Token(2, i); ok {
				tokens[a][string(tok)] = true
			}
		}
	}
	for _, a := range agencies[:3] {
		shared := 0
		for tok := range tokens["health"] {
			if tokens[a][tok] {
				shared++
			}
		}
		// Health holds nearly everyone: most children of every other agency
		// share a t3 token with a health record.
		if a != "health" && shared < len(tokens[a])/2 {
			t.Errorf("%s: only %d of %d t3 tokens also occur in health", a, shared, len(tokens[a]))
		}
	}
}

// TestTokenizeLeaksNoIdentifier scans every byte of every output, the
// rejects files and the log of tokenize runs over the four synthetic
// extracts for every identifier value in the input — names, dates in the
// extract's format and in canonical forms, postcodes, CHI numbers, address
// lines — raw and normalised, and finds none.
func TestTokenizeLeaksNoIdentifier(t *testing.T) {
	spec := StarterSpec()
	spec.Attributes = []AttributeSpec{
		{Name: "birth_year_band", From: "dob", Derive: "year_band"},
		{Name: "postcode_area", From: "postcode", Derive: "area"},
		{Name: "sex", From: "sex", Derive: "value"},
	}
	dir := t.TempDir()
	sd := testSynth(t)
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var haystacks [][]byte
	var recordIDs []string
	var ids identifierSet
	for _, a := range []string{"social_work", "education", "health", "childrens_hearings"} {
		res := runAgency(t, spec, a, testSecret, dir, log)
		m, err := LoadMapping(filepath.Join(sd, "mapping", a+".json"))
		if err != nil {
			t.Fatal(err)
		}
		input := filepath.Join(sd, a+".csv")
		ids.addExtract(t, input, m)
		recordIDs = append(recordIDs, extractColumn(t, input, m.RecordID)...)
		// The raw bytes of the token file and of the rejects file...
		for _, p := range []string{res.Output, res.Rejects} {
			if p == "" {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			haystacks = append(haystacks, b)
		}
		// ...and, since Parquet pages are compressed, the decoded text
		// columns and the manifest.
		man, d, err := tokenfile.ReadFile(res.Output, nil)
		if err != nil {
			t.Fatal(err)
		}
		var text bytes.Buffer
		text.WriteString(strings.Join(d.RecordIDs, "\n"))
		for _, col := range d.Attributes {
			text.WriteString("\n" + strings.Join(col, "\n"))
		}
		text.WriteString("\n" + man.Dataset + man.Created + formatCounts(man.Rows.Rejects))
		haystacks = append(haystacks, text.Bytes())
	}
	haystacks = append(haystacks, logBuf.Bytes())
	if len(ids.values) < 1000 {
		t.Fatalf("only %d identifier values collected: the scan would prove little", len(ids.values))
	}
	// The scanner must find identifiers where they are: in the extracts.
	extract, _ := os.ReadFile(filepath.Join(sd, "health.csv"))
	if found := ids.scan([][]byte{extract}, nil); len(found) < 100 {
		t.Fatalf("the scanner finds only %d identifiers in an extract: it is broken", len(found))
	}
	if found := ids.scan(haystacks, recordIDs); len(found) > 0 {
		t.Errorf("%d identifier values found in tokenize outputs or logs (first: kind %s)", len(found), found[0])
	}
}

// identifierSet collects identifier values from extracts.
type identifierSet struct {
	values map[string]string // value → kind
}

// minScanLen is the shortest value scanned for: shorter strings occur in
// binary data by chance.
const minScanLen = 5

func (s *identifierSet) add(kind, v string) {
	v = strings.TrimSpace(v)
	if len(v) < minScanLen {
		return
	}
	if s.values == nil {
		s.values = map[string]string{}
	}
	s.values[v] = kind
	s.values[strings.ToUpper(v)] = kind
}

func (s *identifierSet) addExtract(t *testing.T, path string, m *Mapping) {
	t.Helper()
	rows := readExtractCSV(t, path, m.DelimiterRune())
	header := rows[0]
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		return -1
	}
	for field, name := range m.Columns {
		c := col(name)
		if c < 0 {
			t.Fatalf("%s: no column %q", path, name)
		}
		for _, row := range rows[1:] {
			v := row[c]
			switch field {
			case "forename", "middle_names", "surname":
				s.add("name", v)
				if n, err := NormalizeName(v); err == nil {
					s.add("name", n)
					s.add("name", JoinedName(n))
				}
			case "dob":
				s.add("date", v)
				p, err := NewDateParser(m.DateFormats["dob"], DateOptions{AllowFuture: true, Earliest: Date{1800, 1, 1}})
				if err != nil {
					t.Fatal(err)
				}
				if d, err := p.Parse(v); err == nil && !d.Partial() { // a year alone is no identifier
					s.add("date", d.String())
					s.add("date", d.Compact())
					s.add("date", d.Compact()[6:8]+"/"+d.Compact()[4:6]+"/"+d.Compact()[:4])
				}
			case "postcode":
				s.add("postcode", v)
				if p, err := NormalizePostcode(v); err == nil {
					s.add("postcode", p)
					s.add("postcode", strings.ReplaceAll(p, " ", ""))
				}
			case "chi", "nhs":
				s.add("id number", v)
				if c, err := NormalizeCHI(v); err == nil {
					s.add("id number", c)
				}
			case "address":
				s.add("address", v)
				if a, err := NormalizeAddress(v); err == nil {
					s.add("address", a)
				}
			}
		}
	}
}

// scan returns the kinds of the identifier values found in any haystack.
// Values that are part of a record ID (which the output carries by design)
// are skipped. Every 5-byte window of the haystacks goes into a sorted
// index first, so that only values whose first five bytes occur somewhere
// are searched for in full.
func (s *identifierSet) scan(haystacks [][]byte, recordIDs []string) []string {
	allIDs := strings.Join(recordIDs, "\n")
	var windows []uint64
	for _, h := range haystacks {
		for i := 0; i+minScanLen <= len(h); i++ {
			windows = append(windows, window(h[i:]))
		}
	}
	slices.Sort(windows)
	var found []string
	for v, kind := range s.values {
		if _, ok := slices.BinarySearch(windows, window([]byte(v))); !ok {
			continue
		}
		if strings.Contains(allIDs, v) {
			continue
		}
		for _, h := range haystacks {
			if bytes.Contains(h, []byte(v)) {
				found = append(found, kind)
				break
			}
		}
	}
	return found
}

// window packs the first minScanLen bytes of b into an integer.
func window(b []byte) uint64 {
	var w uint64
	for _, c := range b[:minScanLen] {
		w = w<<8 | uint64(c)
	}
	return w
}

func readExtractCSV(t *testing.T, path string, delim rune) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	if delim == 0 {
		delim = ','
	}
	r.Comma = delim
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func extractColumn(t *testing.T, path, name string) []string {
	t.Helper()
	head, _ := os.ReadFile(path)
	delim := ','
	if first, _, _ := bytes.Cut(head, []byte("\n")); bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		delim = ';'
	}
	rows := readExtractCSV(t, path, delim)
	c := -1
	for i, h := range rows[0] {
		if h == name {
			c = i
		}
	}
	if c < 0 {
		t.Fatalf("%s: no column %q", path, name)
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, strings.TrimSpace(r[c]))
	}
	return out
}

// writeFile writes content to a new file in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const smallExtract = `ID,FIRST,LAST,BORN,SEX,PC,CHI
A1,Mary,McDonald,24/09/2010,F,eh1 1yz,2409101003
A2,,,,F,G2 1DY,
A3,John,Smith,31/02/2011,M,NOT A POSTCODE,
,Ann,Jones,01/01/2012,F,G2 1DY,
A5,Seán,O'Neill-Brown,05/05/2015,,KW15 1BX,
A6,Unknown,NK,,M,,
`

func smallMapping() *Mapping {
	return &Mapping{
		Version:  MappingVersion,
		RecordID: "ID",
		Columns: map[string]string{"forename": "FIRST", "surname": "LAST", "dob": "BORN", "sex": "SEX",
			"postcode": "PC", "chi": "CHI"},
		DateFormats: map[string][]string{"dob": {"DD/MM/YYYY"}},
	}
}

func runSmall(t *testing.T, dir, extract string, maxRate float64) (*Result, error) {
	spec := StarterSpec()
	return Tokenize(context.Background(), Options{
		Schema:        &Schema{Native: spec, fingerprint: spec.Fingerprint()},
		Mapping:       smallMapping(),
		Secret:        testSecret,
		Dataset:       "small",
		Input:         writeFile(t, dir, "extract.csv", extract),
		Output:        filepath.Join(dir, "small.tokens.parquet"),
		MaxRejectRate: maxRate,
		Created:       testCreated,
		Logger:        slog.New(slog.DiscardHandler),
	})
}

// TestTokenizeRowPolicy checks which rows are rejected and which are encoded
// without a field, the rejects file, the manifest counts and null tokens.
func TestTokenizeRowPolicy(t *testing.T) {
	dir := t.TempDir()
	res, err := runSmall(t, dir, smallExtract, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, d, err := tokenfile.ReadFile(res.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.RecordIDs, ","); got != "A1,A3,A5" {
		t.Errorf("encoded records %s, want A1,A3,A5", got)
	}
	if m.Rows.Read != 6 || m.Rows.Encoded != 3 || m.Rows.Rejected != 3 {
		t.Errorf("rows %+v, want 6 read, 3 encoded, 3 rejected", m.Rows)
	}
	if m.Rows.Rejects["record_id"]["missing"] != 1 || m.Rows.Rejects["record"]["no_name_or_dob"] != 2 {
		t.Errorf("manifest rejects %v", m.Rows.Rejects)
	}
	rej, err := os.ReadFile(res.Rejects)
	if err != nil {
		t.Fatal(err)
	}
	want := `row,field,reason,outcome
2,forename,missing,rejected
2,surname,missing,rejected
2,dob,missing,rejected
2,chi,missing,rejected
2,record,no_name_or_dob,rejected
3,dob,invalid_date,encoded
3,postcode,invalid_format,encoded
4,record_id,missing,rejected
6,forename,placeholder,rejected
6,surname,placeholder,rejected
6,dob,missing,rejected
6,postcode,missing,rejected
6,chi,missing,rejected
6,record,no_name_or_dob,rejected
`
	if string(rej) != want {
		t.Errorf("rejects file:\n%s\nwant:\n%s", rej, want)
	}
	// A3 has no valid DOB: every rule needs one. A5 has no sex: t1–t3 are
	// null, t9 (no CHI) too, t6 and t17 (need sex) too; t5, t7 (postcode
	// sector) and t8 (day and month of birth) are present, as are t12 to
	// t14. A3's invalid
	// postcode also nulls t7, and t8 needs its missing DOB.
	wantValid := map[string][]bool{ // per record A1, A3, A5
		"t1": {true, false, false}, "t2": {true, false, false}, "t3": {true, false, false},
		"t5": {true, false, true}, "t6": {true, false, false},
		"t7": {true, false, true}, "t8": {true, false, true}, "t9": {true, false, false},
		"t10": {true, false, true}, "t11": {true, false, true},
		"t12": {true, false, true}, "t13": {true, false, true}, "t14": {true, false, true},
		"t15": {true, false, false}, "t16": {false, false, false}, "t17": {true, false, false},
	}
	if len(m.Rules) != len(wantValid) {
		t.Fatalf("rules %v, want %d", m.Rules, len(wantValid))
	}
	for r, name := range m.Rules {
		for i := range d.RecordIDs {
			if _, ok := d.Token(r, i); ok != wantValid[name][i] {
				t.Errorf("%s, record %s: token valid = %v, want %v", name, d.RecordIDs[i], ok, wantValid[name][i])
			}
		}
	}
	// Known answer: t3 of A1 is the first 16 bytes of HMAC-SHA256 under HKDF "pprl/v1/token/t3"
	// of the length-prefixed canonical components.
	mac := hmac.New(sha256.New, keys.Subkey(testSecret, "token/t3", 32))
	mac.Write(TokenMessage(nil, "MCDONALD", "MARY", "FEMALE", "20100924"))
	if tok, _ := d.Token(2, 0); !bytes.Equal(tok, mac.Sum(nil)[:TokenBytes]) {
		t.Error("t3 token of record A1 does not match its known answer")
	}
}

func TestTokenizeBadInputs(t *testing.T) {
	header := "ID,FIRST,LAST,BORN,SEX,PC,CHI\n"
	tests := []struct {
		name, extract string
		maxRate       float64
		want          string
	}{
		{"header only", header, 1, "no data rows"},
		{"duplicate IDs", header + "A1,Mary,Smith,01/01/2010,F,,\nA2,Ann,Jones,01/01/2011,F,,\nA1,Bob,Brown,01/01/2012,M,,\n", 1, "rows 1 and 3 have the same record ID"},
		{"too many rejects", header + "A1,Mary,Smith,01/01/2010,F,,\nA2,,,,,,\n", 0.05, "1 of 2 rows (50.0%) were rejected"},
		{"missing column", "ID,FIRST,SURNAME,BORN,SEX,PC,CHI\nA1,Mary,Smith,01/01/2010,F,,\n", 1, `missing column "LAST"`},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		_, err := runSmall(t, dir, tt.extract, tt.maxRate)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !exitcode.IsInput(err) {
			t.Errorf("%s: %v is not an input error", tt.name, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.want)
		}
		for _, v := range []string{"Mary", "Smith", "2010"} {
			if strings.Contains(err.Error(), v) {
				t.Errorf("%s: error %q contains a value from the extract", tt.name, err)
			}
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "extract.csv" {
				t.Errorf("%s: %s left behind", tt.name, e.Name())
			}
		}
	}
}

func TestTokenizeRefusesBadOutputs(t *testing.T) {
	dir := t.TempDir()
	input := writeFile(t, dir, "extract.csv", smallExtract)
	spec := StarterSpec()
	base := Options{Schema: &Schema{Native: spec, fingerprint: spec.Fingerprint()}, Mapping: smallMapping(),
		Secret: testSecret, Dataset: "small", Input: input, MaxRejectRate: 1, Created: testCreated}
	for name, change := range map[string]func(*Options){
		"output is input":  func(o *Options) { o.Output = input },
		"rejects is input": func(o *Options) { o.Output = filepath.Join(dir, "x.parquet"); o.Rejects = input },
		"same outputs":     func(o *Options) { o.Output = filepath.Join(dir, "x.parquet"); o.Rejects = o.Output },
		"bad dataset":      func(o *Options) { o.Output = filepath.Join(dir, "x.parquet"); o.Dataset = "../x" },
		"under a file":     func(o *Options) { o.Output = filepath.Join(input, "x.parquet") },
		"dir as output":    func(o *Options) { o.Output = dir },
	} {
		o := base
		change(&o)
		if _, err := Tokenize(context.Background(), o); err == nil || !exitcode.IsInput(err) {
			t.Errorf("%s: err = %v, want an input error", name, err)
		}
	}
	if b, _ := os.ReadFile(input); string(b) != smallExtract {
		t.Error("the extract was changed")
	}
	// A missing output directory is created, as by every pprl output.
	o := base
	o.Output = filepath.Join(dir, "nodir", "sub", "x.parquet")
	if _, err := Tokenize(context.Background(), o); err != nil {
		t.Fatalf("output in a missing directory: %v", err)
	}
	if _, err := os.Stat(o.Output); err != nil {
		t.Error(err)
	}
}

func TestTokenizeMissingColumnsListsNames(t *testing.T) {
	_, err := runSmall(t, t.TempDir(), "ID,FORENAME,SURNAME\nA1,Mary,Smith\n", 1)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`expected columns: "ID", "FIRST", "LAST"`, `found columns: "ID", "FORENAME", "SURNAME"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestTokenizeCancelLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	spec := StarterSpec()
	_, err := Tokenize(ctx, Options{
		Schema: &Schema{Native: spec, fingerprint: spec.Fingerprint()}, Mapping: smallMapping(), Secret: testSecret,
		Dataset: "small", Input: writeFile(t, dir, "extract.csv", smallExtract),
		Output: filepath.Join(dir, "out.parquet"), MaxRejectRate: 1, Created: testCreated,
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the output directory, want only the extract", len(entries))
	}
}

// FuzzEncodeRow feeds arbitrary field values through normalisation, the
// CLK encoder and the token rules: nothing panics, every row is either
// encoded or rejected with a reason, and no reject entry carries a value.
func FuzzEncodeRow(f *testing.F) {
	f.Add("A1", "Mary", "McDonald", "24/09/2010", "F", "eh1 1yz", "2409101003")
	f.Add("", "", "", "", "", "", "")
	f.Add("x", "Unknown", "N/A", "31/02/2011", "?", "NFA", "0000000000")
	f.Add("é", "Seán Ó", "O'Neill-Brown", "1/1/2000", "m", "KW15 1BX", "101011237")
	spec := StarterSpec()
	m := smallMapping()
	header := []string{"ID", "FIRST", "LAST", "BORN", "SEX", "PC", "CHI"}
	p, err := nativePlan(spec, m, "", header, testSecret, testCreated, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id, first, last, born, sex, pc, chi string) {
		w, err := p.newWorker()
		if err != nil {
			t.Fatal(err)
		}
		j := &job{batch: &table.Batch{FirstRow: 1, Rows: [][]string{{id, first, last, born, sex, pc, chi}}}}
		if err := w.encodeBatch(j); err != nil {
			t.Fatal(err)
		}
		if len(j.ids)+j.rejected != 1 {
			t.Fatalf("%d encoded + %d rejected != 1 row", len(j.ids), j.rejected)
		}
		if len(j.ids) == 1 && len(j.clks) != spec.OutputBits()/8 {
			t.Fatalf("CLK of %d bytes", len(j.clks))
		}
		for _, r := range j.rejects {
			if !slices.Contains(Reasons, r.reason) && r.reason != ReasonNoNameOrDOB {
				t.Fatalf("unknown reason %q", r.reason)
			}
			if r.field != FieldRecord && r.field != FieldRecordID && spec.Field(r.field) == nil {
				t.Fatalf("unknown field %q", r.field)
			}
		}
	})
}

// TestTokenizeHardeningOptions encodes with every hardening option on:
// the CLK length follows the spec (folded, then balanced), balancing sets
// exactly half the bits, and BLIP stays deterministic across runs.
func TestTokenizeHardeningOptions(t *testing.T) {
	spec := StarterSpec()
	spec.CLK.Bits = 2048
	spec.CLK.Hardening.XORFolds = 1
	spec.CLK.Hardening.Balance = true
	spec.CLK.Hardening.BLIP = &BLIPSpec{Probability: 0.02}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	if spec.OutputBits() != 2048 {
		t.Fatalf("OutputBits = %d, want 2048 (2048 folded to 1024, balanced to 2048)", spec.OutputBits())
	}
	var outs [][]byte
	for i := 0; i < 2; i++ {
		dir := t.TempDir()
		out := filepath.Join(dir, "h.parquet")
		_, err := Tokenize(context.Background(), Options{
			Schema: &Schema{Native: spec, fingerprint: spec.Fingerprint()}, Mapping: smallMapping(), Secret: testSecret,
			Dataset: "h", Input: writeFile(t, dir, "extract.csv", smallExtract), Output: out, MaxRejectRate: 1,
			Created: testCreated, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		m, d, err := tokenfile.ReadFile(out, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.CLKBits != 2048 {
			t.Errorf("manifest clk_bits %d", m.CLKBits)
		}
		for r := 0; r < d.Len(); r++ {
			// BLIP flips bits after balancing, so the count is near half.
			ones := 0
			for _, b := range d.CLK(r) {
				for ; b != 0; b &= b - 1 {
					ones++
				}
			}
			if ones < 900 || ones > 1148 {
				t.Errorf("record %d: %d of 2048 bits set, want about half", r, ones)
			}
		}
		b, _ := os.ReadFile(out)
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("BLIP is not deterministic across runs")
	}
}
