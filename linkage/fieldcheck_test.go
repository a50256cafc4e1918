package linkage

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

// TestFieldAgreement: between two datasets, a field whose rules agree on
// almost none of the links where they are present is a mismatch; a field
// agreeing on most links, one judged on too few links, a field read by one
// rule alone and the unordered rule's fields are not; within-dataset links
// are not counted; and the error names the fields, the datasets and the
// dataset at fault, never a value.
func TestFieldAgreement(t *testing.T) {
	rules := []string{"names_sex", "names_post", "names_any_order", "id", "sex_post", "middle"}
	fields := [][]string{{"forename", "sex"}, {"forename", "postcode"}, {"forename"}, {"chi"}, {"sex", "postcode"}, {"middle_names", "forename"}}
	newDS := func(name string) *Dataset {
		d := fieldTestDataset(name, 300, rules, fields)
		d.UnorderedRules = []string{"names_any_order"}
		return d
	}
	ds := []*Dataset{newDS("education"), newDS("health"), newDS("social_work")}
	const (
		namesSex  = 1 << 0
		namesPost = 1 << 1
		anyOrder  = 1 << 2
		id        = 1 << 3
		sexPost   = 1 << 4
	)
	var links []Link
	add := func(da, db uint16, n int, rules func(i int) uint16) {
		for i := range n {
			links = append(links, Link{DA: da, DB: db, A: uint32(i), B: uint32(i), Rules: rules(i)})
		}
	}
	// Education's sex codes are the wrong way round: against health and
	// social work only the rules without sex agree (but 1 in 20).
	swapped := func(i int) uint16 {
		if i%20 == 0 {
			return namesSex | namesPost | anyOrder | id | sexPost
		}
		return namesPost | anyOrder | id
	}
	add(0, 1, 200, swapped)
	add(0, 2, 150, swapped)
	// Health and social work agree on sex; postcode agrees on 30%.
	add(1, 2, 200, func(i int) uint16 {
		if i%10 < 3 {
			return namesSex | namesPost | anyOrder | sexPost
		}
		return namesSex | anyOrder
	})
	// Within education: not counted, however they agree.
	add(0, 0, 300, func(int) uint16 { return id })

	fa := countFields(ds, nil, links)
	got := map[string]FieldAgreement{}
	for _, f := range fa {
		got[f.DatasetA+"-"+f.DatasetB+" "+f.Field] = f
	}
	for _, c := range []struct {
		key      string
		links    int64
		agree    int64
		mismatch bool
	}{
		{"education-health sex", 200, 10, true},
		{"education-social_work sex", 150, 8, true},
		{"education-health postcode", 200, 200, false},
		{"health-social_work sex", 200, 200, false},
		{"health-social_work postcode", 200, 60, false},
		{"education-health forename", 200, 200, false},
	} {
		f, ok := got[c.key]
		if !ok {
			t.Errorf("%s: not counted", c.key)
			continue
		}
		if f.Pairs != c.links || f.Agree != c.agree || f.Mismatch != c.mismatch {
			t.Errorf("%s: %d of %d links, mismatch %v; want %d of %d, %v", c.key, f.Agree, f.Pairs, f.Mismatch, c.agree, c.links, c.mismatch)
		}
	}
	for k := range got {
		if strings.HasSuffix(k, " chi") || strings.HasSuffix(k, " middle_names") || strings.HasPrefix(k, "education-education") {
			t.Errorf("%s counted: a field read by one rule, or a link within a dataset", k)
		}
	}

	err := fieldMismatchError(fa)
	if err == nil || !exitcode.IsInput(err) {
		t.Fatalf("error %v, want an input error", err)
	}
	for _, want := range []string{"sex agrees on 10 of 200 pairs between education and health", "most likely education's sex", "--allow-field-mismatch"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "swapped in a mapping") {
		t.Errorf("error %q hints at swapped names, but only sex disagrees", err)
	}

	// Too few links to judge: nothing is a mismatch.
	if err := fieldMismatchError(countFields(ds, nil, links[:50])); err != nil {
		t.Errorf("50 links judged: %v", err)
	}
	// Files made before rule fields were recorded: nothing is counted.
	old := []*Dataset{{Name: "a", Rules: rules}, {Name: "b", Rules: rules}}
	if fa := countFields(old, nil, nil); fa != nil {
		t.Errorf("files without rule fields gave %v", fa)
	}
}

// TestFieldAgreementNamesSwapped: forename and surname columns swapped in
// one mapping show as both names disagreeing, and the error says so; the
// postcode, read here only with a forename, disagrees as a consequence and
// is named as such; the date of birth, also read with the CHI, agrees.
func TestFieldAgreementNamesSwapped(t *testing.T) {
	rules := []string{"full", "names_post", "forename_dob", "surname_dob", "id_dob", "forename_post", "either_order"}
	fields := [][]string{{"forename", "surname", "dob"}, {"forename", "surname", "postcode"}, {"forename", "dob"}, {"surname", "dob"},
		{"chi", "dob"}, {"forename", "postcode"}, {"forename", "surname", "dob"}}
	newDS := func(name string) *Dataset {
		d := fieldTestDataset(name, 200, rules, fields)
		d.UnorderedRules = []string{"either_order"}
		return d
	}
	ds := []*Dataset{newDS("health"), newDS("social_work")}
	var links []Link
	for i := range 200 {
		links = append(links, Link{DA: 0, DB: 1, A: uint32(i), B: uint32(i), Rules: 1<<4 | 1<<6})
	}
	fa := countFields(ds, nil, links)
	err := fieldMismatchError(fa)
	if err == nil {
		t.Fatal("names swapped: no error")
	}
	for _, want := range []string{"forename agrees on 0 of 200 pairs between health and social_work", "surname agrees on 0 of 200", "swapped in a mapping",
		"(postcode between health and social_work disagree too, but only through rules that also read those fields)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	for _, f := range fa {
		if want := f.Field == "forename" || f.Field == "surname" || f.Field == "postcode"; f.Mismatch != want || f.Implied != (f.Field == "postcode") {
			t.Errorf("%s: mismatch %v, implied %v", f.Field, f.Mismatch, f.Implied)
		}
	}
}

// TestFieldAgreementAnchors: the candidates that agree on the model's ID
// rule are counted whether or not they were linked (a mis-coded field can
// cost two datasets most of their links), a link agreeing on it is not
// counted twice, and an ID value that several records of a dataset hold
// (a placeholder) anchors nothing.
func TestFieldAgreementAnchors(t *testing.T) {
	rules := []string{"names", "names_dob", "id"}
	fields := [][]string{{"forename", "surname"}, {"forename", "surname", "dob"}, {"chi"}}
	count := func(ds []*Dataset) FieldAgreement {
		c := newFieldCounter(ds, &Model{PatternMFrom: "id"})
		for i := range 150 {
			c.candidate(0, 1, uint32(i), uint32(i), 1<<2) // the CHI agrees, the names do not
			c.candidate(0, 0, uint32(i), uint32(i+1), 1<<2)
		}
		c.candidate(0, 1, 150, 150, 0b011) // no CHI agreement: not an anchor
		// Linked: one anchor (counted already) and one pair agreeing on names.
		c.links([]Link{{DA: 0, DB: 1, A: 0, B: 0, Rules: 1 << 2}, {DA: 0, DB: 1, A: 151, B: 151, Rules: 0b011}})
		for _, f := range c.result() {
			if f.Field == "forename" {
				return f
			}
		}
		t.Fatal("forename not counted")
		return FieldAgreement{}
	}
	ds := []*Dataset{fieldTestDataset("education", 200, rules, fields), fieldTestDataset("health", 200, rules, fields)}
	if f := count(ds); f.Pairs != 151 || f.Agree != 1 || !f.Mismatch {
		t.Errorf("forename: %d of %d links, mismatch %v; want 1 of 151, true", f.Agree, f.Pairs, f.Mismatch)
	}
	// Every health record holds one placeholder CHI: only the links count.
	for i := range 200 {
		copy(ds[1].Tokens[2][i*TokenBytes:], "CHI00000")
	}
	if f := count(ds); f.Pairs != 2 || f.Agree != 1 || f.Mismatch {
		t.Errorf("placeholder CHI: forename %d of %d links, mismatch %v; want 1 of 2, false", f.Agree, f.Pairs, f.Mismatch)
	}
}

// fieldTestDataset returns n records, each holding every rule with a value
// of its own (record i of every dataset holds the same values).
func fieldTestDataset(name string, n int, rules []string, fields [][]string) *Dataset {
	d := &Dataset{Name: name, Rules: rules, RuleFields: fields, RecordIDs: make([]string, n), present: make([]uint16, n)}
	for r := range rules {
		toks, valid := make([]byte, n*TokenBytes), make([]bool, n)
		for i := range n {
			binary.LittleEndian.PutUint64(toks[i*TokenBytes:], uint64(r)<<32|uint64(i))
			valid[i] = true
		}
		d.Tokens, d.Valid = append(d.Tokens, toks), append(d.Valid, valid)
	}
	for i := range d.present {
		d.present[i] = 1<<len(rules) - 1
	}
	return d
}

// countFields counts the fields of links that were each a candidate, and
// no other candidates.
func countFields(ds []*Dataset, m *Model, links []Link) []FieldAgreement {
	c := newFieldCounter(ds, m)
	for _, l := range links {
		c.candidate(int(l.DA), int(l.DB), l.A, l.B, l.Rules)
	}
	c.links(links)
	return c.result()
}
