package tokenize

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestTokenMessageUnambiguous(t *testing.T) {
	pairs := [][2][]string{
		{{"AB", "C"}, {"A", "BC"}},
		{{"", "AB"}, {"AB", ""}},
		{{"A|B"}, {"A", "B"}},
		{{"SMITH", "J"}, {"SMITHJ"}},
	}
	for _, p := range pairs {
		a, b := TokenMessage(nil, p[0]...), TokenMessage(nil, p[1]...)
		if bytes.Equal(a, b) {
			t.Errorf("%q and %q encode the same message", p[0], p[1])
		}
	}
	if got := TokenMessage(nil, "AB", "C"); !bytes.Equal(got, []byte("\x00\x00\x00\x02AB\x00\x00\x00\x01C")) {
		t.Errorf("TokenMessage = %q", got)
	}
}

func TestRuleTokens(t *testing.T) {
	s := StarterSpec()
	rs, err := compileRules(s, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	h := rs.newHasher()
	vals := make([]string, len(s.Fields))
	set := func(field, v string) { vals[fieldIndex(s, field)] = v }
	set("forename", "MARY ANN")
	set("middle_names", "LOUISE")
	set("surname", "SMITH JONES")
	set("dob", "20100924")
	set("sex", "FEMALE")
	set("postcode", "EH1 1YZ")
	set("nhs", "4010232137")
	tokens := map[string][]byte{}
	for i, name := range rs.names {
		tok, ok := h.token(nil, i, vals)
		if !ok || len(tok) != TokenBytes {
			t.Fatalf("%s: no token for a complete record", name)
		}
		tokens[name] = tok
	}
	// Rules use different subkeys: no two rules give the same token.
	seen := map[string]string{}
	for name, tok := range tokens {
		if other, dup := seen[string(tok)]; dup {
			t.Errorf("rules %s and %s give the same token", name, other)
		}
		seen[string(tok)] = name
	}
	// t9 falls back to the NHS number when there is no CHI, and a CHI wins
	// when both are present.
	set("chi", "2409101003")
	withCHI, _ := h.token(nil, slices.Index(rs.names, "t9"), vals)
	if bytes.Equal(withCHI, tokens["t9"]) {
		t.Error("t9 ignores the CHI number")
	}
	// Spacing of multi-word names does not matter to tokens.
	set("surname", "SMITHJONES")
	if tok, _ := h.token(nil, 2, vals); !bytes.Equal(tok, tokens["t3"]) {
		t.Error("t3 differs between SMITH JONES and SMITHJONES")
	}
	// A missing component gives no token, never a placeholder.
	set("sex", "")
	for i, name := range rs.names {
		_, ok := h.token(nil, i, vals)
		needsSex := name == "t1" || name == "t2" || name == "t3" || name == "t6" || name == "t15" || name == "t17"
		if ok == needsSex {
			t.Errorf("%s: token present = %v with sex missing", name, ok)
		}
	}
	// t15, the family rule, reads no forename: a forename mistyped in its
	// first letter or missing leaves it whole, while t1 (the initial) and
	// t6 change or go.
	t15 := slices.Index(rs.names, "t15")
	set("sex", "FEMALE")
	set("surname", "SMITH")
	set("forename", "LING")
	fam, _ := h.token(nil, t15, vals)
	t1Before, _ := h.token(nil, 0, vals)
	set("forename", "ING")
	famTypo, _ := h.token(nil, t15, vals)
	t1Typo, _ := h.token(nil, 0, vals)
	set("forename", "")
	famMissing, okMissing := h.token(nil, t15, vals)
	if t15 < 0 || !DefaultRules()[t15].Family || !bytes.Equal(fam, famTypo) || !okMissing || !bytes.Equal(fam, famMissing) {
		t.Error("t15 is not a family rule that survives the forename")
	}
	if bytes.Equal(t1Before, t1Typo) {
		t.Error("t1 agrees across a first-letter typo")
	}
	// t17, a family rule, reads no name: a new surname and a nickname
	// together leave it whole; a move does not.
	t17 := slices.Index(rs.names, "t17")
	set("sex", "FEMALE")
	set("surname", "SMITH")
	set("forename", "MARGARET")
	home, _ := h.token(nil, t17, vals)
	set("surname", "JONES")
	set("forename", "GRETA")
	renamed, _ := h.token(nil, t17, vals)
	set("postcode", "EH1 1YY")
	moved, _ := h.token(nil, t17, vals)
	set("postcode", "EH1 1YZ")
	if t17 < 0 || !DefaultRules()[t17].Family || !bytes.Equal(home, renamed) {
		t.Error("t17 is not a family rule that survives both names")
	}
	if bytes.Equal(home, moved) {
		t.Error("t17 agrees across a move to the next postcode")
	}
	// t10 is symmetric in the names; t3 is not.
	t10 := slices.Index(rs.names, "t10")
	set("sex", "FEMALE")
	set("surname", "SMITH")
	set("forename", "MARY")
	before, _ := h.token(nil, t10, vals)
	t3before, _ := h.token(nil, 2, vals)
	set("surname", "MARY")
	set("forename", "SMITH")
	after, _ := h.token(nil, t10, vals)
	t3after, _ := h.token(nil, 2, vals)
	if t10 < 0 || !bytes.Equal(before, after) {
		t.Error("t10 differs when forename and surname are swapped")
	}
	if bytes.Equal(t3before, t3after) {
		t.Error("t3 agrees when forename and surname are swapped")
	}
	// t13 survives a day and a month swapped; t3 does not.
	t13 := slices.Index(rs.names, "t13")
	set("dob", "20100403")
	before, _ = h.token(nil, t13, vals)
	t3before, _ = h.token(nil, 2, vals)
	set("dob", "20100304")
	after, _ = h.token(nil, t13, vals)
	t3after, _ = h.token(nil, 2, vals)
	if t13 < 0 || !bytes.Equal(before, after) {
		t.Error("t13 differs when the day and the month are swapped")
	}
	if bytes.Equal(t3before, t3after) {
		t.Error("t3 agrees when the day and the month are swapped")
	}
	set("dob", "20100924")
	// t14 survives a changed surname and a move within the postcode area,
	// where t12 (sector) does not; a move to another area changes it.
	t12, t14 := slices.Index(rs.names, "t12"), slices.Index(rs.names, "t14")
	set("surname", "SMITH")
	set("postcode", "EH1 1YZ")
	t12before, _ := h.token(nil, t12, vals)
	before, _ = h.token(nil, t14, vals)
	set("surname", "JONES")
	set("postcode", "EH12 9ZZ")
	t12after, _ := h.token(nil, t12, vals)
	after, _ = h.token(nil, t14, vals)
	if t14 < 0 || !bytes.Equal(before, after) {
		t.Error("t14 differs after a changed surname and a move within the area")
	}
	if bytes.Equal(t12before, t12after) {
		t.Error("t12 agrees across two postcode sectors")
	}
	set("postcode", "G12 8AA")
	if other, _ := h.token(nil, t14, vals); bytes.Equal(other, before) {
		t.Error("t14 agrees across two postcode areas")
	}
	set("surname", "SMITH")
	set("postcode", "EH1 1YZ")
	// t16 survives a changed surname and tells two girls of one forename
	// and birthday apart by their middle names; without a middle name
	// there is no token.
	t16 := slices.Index(rs.names, "t16")
	set("forename", "MARY")
	set("middle_names", "LOUISE ANN")
	before, _ = h.token(nil, t16, vals)
	set("surname", "JONES")
	after, _ = h.token(nil, t16, vals)
	set("middle_names", "GRACE")
	other, _ := h.token(nil, t16, vals)
	set("middle_names", "")
	_, held := h.token(nil, t16, vals)
	if t16 < 0 || !bytes.Equal(before, after) || bytes.Equal(after, other) || held {
		t.Error("t16 does not survive a changed surname, or agrees across middle names, or has a token without one")
	}
	set("surname", "SMITH")
	// Soundex: t2 agrees across spellings that sound alike.
	set("sex", "FEMALE")
	set("surname", "MACDONALD")
	a, _ := h.token(nil, 1, vals)
	set("surname", "MCDONALD")
	b, _ := h.token(nil, 1, vals)
	if !bytes.Equal(a, b) {
		t.Error("t2 differs between MACDONALD and MCDONALD")
	}
	// Another secret gives other tokens.
	rs2, _ := compileRules(s, otherSecret)
	c, _ := rs2.newHasher().token(nil, 1, vals)
	if bytes.Equal(b, c) {
		t.Error("t2 is the same under two secrets")
	}
}

func TestComponentParts(t *testing.T) {
	s := StarterSpec()
	vals := make([]string, len(s.Fields))
	vals[fieldIndex(s, "forename")] = "MARY ANN"
	vals[fieldIndex(s, "surname")] = "SMITH JONES"
	vals[fieldIndex(s, "dob")] = "20100924"
	vals[fieldIndex(s, "postcode")] = "EC1A 1BB"
	vals[fieldIndex(s, "nhs")] = "4010232137"
	tests := map[string]string{
		"forename":           "MARYANN",
		"forename.initial":   "M",
		"forename.first3":    "MAR",
		"forename.canonical": "MARY",
		"surname.soundex":    "S532",
		"dob":                "20100924",
		"dob.year":           "2010",
		"dob.unordered":      "20100924",
		"postcode.outward":   "EC1A",
		"postcode.district":  "EC1",
		"postcode.sector":    "EC1A 1",
		"postcode.area":      "EC",
		"chi|nhs":            "4010232137",
		"sex":                "",
	}
	for expr, want := range tests {
		c, err := ParseComponent(s, expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		got, ok := c.value(vals)
		if got != want || ok != (want != "") {
			t.Errorf("%s = %q, %v; want %q", expr, got, ok, want)
		}
	}
	c, _ := ParseComponent(s, "forename.canonical")
	vals[fieldIndex(s, "forename")] = "SANDY JOHN"
	if v, _ := c.value(vals); v != "ALEXANDER" {
		t.Errorf("forename.canonical of SANDY JOHN = %q, want ALEXANDER", v)
	}
	// A partial date of birth gives its year, and nothing that needs the
	// day and month.
	for _, partial := range []string{"2010", "201009"} {
		vals[fieldIndex(s, "dob")] = partial
		for expr, want := range map[string]string{"dob": "", "dob.year": "2010", "dob.monthday": "", "dob.unordered": ""} {
			c, _ := ParseComponent(s, expr)
			if got, ok := c.value(vals); got != want || ok != (want != "") {
				t.Errorf("%s of %s = %q, %v; want %q", expr, partial, got, ok, want)
			}
		}
	}
	for _, bad := range []string{"", "nope", "dob.initial", "chi|chi", "surname.", "|dob"} {
		if _, err := ParseComponent(s, bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestAttributes(t *testing.T) {
	s := StarterSpec()
	s.Fields = append(s.Fields, FieldSpec{Name: "local_authority", Type: TypeCode})
	s.Attributes = []AttributeSpec{
		{Name: "la", From: "local_authority", Derive: "value"},
		{Name: "band", From: "dob", Derive: "year_band"},
		{Name: "decade", From: "dob", Derive: "year_band", Width: 10},
		{Name: "area", From: "postcode", Derive: "area"},
		{Name: "district", From: "postcode", Derive: "district"},
		{Name: "sex", From: "sex", Derive: "value"},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	vals := make([]string, len(s.Fields))
	vals[fieldIndex(s, "dob")] = "20130101"
	vals[fieldIndex(s, "postcode")] = "KW15 1BX"
	vals[fieldIndex(s, "local_authority")], _ = normalizeCode(" s12000046 ")
	want := []string{"S12000046", "2010-2014", "2010-2019", "KW", "KW15", ""}
	for i, a := range compileAttributes(s) {
		got, ok := a.value(vals)
		if got != want[i] || ok != (want[i] != "") {
			t.Errorf("%s = %q, %v; want %q", a.name, got, ok, want[i])
		}
	}
}

func FuzzParseComponent(f *testing.F) {
	for _, s := range []string{"surname", "forename.initial", "chi|nhs", "postcode.outward", "a.b.c", "||"} {
		f.Add(s)
	}
	s := StarterSpec()
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseComponent(s, expr)
		if err != nil {
			return
		}
		vals := make([]string, len(s.Fields))
		for i := range vals {
			vals[i] = "X"
		}
		vals[fieldIndex(s, "dob")] = "20100101"
		vals[fieldIndex(s, "postcode")] = "EH1 1YZ"
		c.value(vals) // must not panic on canonical values
	})
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]Reason{"": ReasonMissing, "  ": ReasonMissing, strings.Repeat("A", 65): ReasonTooLong, "\xff": ReasonInvalidEncoding, "S12000046": ""} {
		_, err := normalizeCode(in)
		if r, _ := ReasonOf(err); r != want {
			t.Errorf("normalizeCode(%q) reason %q, want %q", in, r, want)
		}
	}
}
