package tokenize

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/pprl/pprl/bloom"
)

const v3Base = `{"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}}, "features": [%s]}`

func schemaWith(features string) string { return strings.Replace(v3Base, "%s", features, 1) }

func mustSchema(t *testing.T, js string) *ClkhashSchema {
	t.Helper()
	cs, err := ParseClkhashSchema([]byte(js))
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	return cs
}

func encodeOne(t *testing.T, cs *ClkhashSchema, row ...string) ([]byte, error) {
	t.Helper()
	enc, err := cs.Encoder([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	return enc.Encode(row)
}

func TestClkhashSchemaErrors(t *testing.T) {
	tests := []struct {
		name, js, want string
	}{
		{"not json", `{`, "not valid JSON"},
		{"no version", `{"clkConfig": {}}`, `"version" is missing`},
		{"version 4", `{"version": 4}`, "version 4 is not supported"},
		{"l not multiple of 64", `{"version": 3, "clkConfig": {"l": 1000, "kdf": {"type": "HKDF"}}, "features": [{"identifier": "a", "ignored": true}]}`, "multiple of 64"},
		{"kdf type", `{"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "PBKDF2"}}, "features": []}`, `"HKDF"`},
		{"bad salt", `{"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "salt": "!!"}}, "features": []}`, "salt is not valid"},
		{"empty features", schemaWith(``), "empty"},
		{"no format", schemaWith(`{"identifier": "a", "hashing": {}}`), `"format" is missing`},
		{"blake l not power of two", `{"version": 3, "clkConfig": {"l": 960, "kdf": {"type": "HKDF"}}, "features": [{"identifier": "a", "format": {"type": "string"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 5}}}]}`, "power of two"},
		{"prevent with blake", schemaWith(`{"identifier": "a", "format": {"type": "string"}, "hashing": {"hash": {"type": "blakeHash", "prevent_singularity": true}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 5}}}`), "only allowed with doubleHash"},
		{"both strategies", schemaWith(`{"identifier": "a", "format": {"type": "string"}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 5, "bitsPerFeature": 9}}}`), "not both"},
		{"no strategy", schemaWith(`{"identifier": "a", "format": {"type": "string"}, "hashing": {"comparison": {"type": "exact"}}}`), "strategy is missing"},
		{"fractional k", schemaWith(`{"identifier": "a", "format": {"type": "string"}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 2.5}}}`), "not an integer"},
		{"bad comparison", schemaWith(`{"identifier": "a", "format": {"type": "string"}, "hashing": {"comparison": {"type": "soundex"}, "strategy": {"bitsPerToken": 2}}}`), "comparison.type"},
		{"pattern and case", schemaWith(`{"identifier": "a", "format": {"type": "string", "pattern": "a", "case": "upper"}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 2}}}`), "cannot be combined"},
		{"misspelt key", schemaWith(`{"identifier": "a", "format": {"type": "string", "maxlength": 3}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 2}}}`), "maxlength is not allowed"},
		{"backreference", schemaWith(`{"identifier": "a", "format": {"type": "string", "pattern": "(a)\\1"}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 2}}}`), "backreferences"},
		{"word boundary", schemaWith(`{"identifier": "a", "format": {"type": "string", "pattern": "\\bx"}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 2}}}`), "word boundary"},
		{"date directive", schemaWith(`{"identifier": "a", "format": {"type": "date", "format": "%Y-%U"}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 2}}}`), "%U is not supported"},
		{"numeric distance", schemaWith(`{"identifier": "a", "format": {"type": "integer"}, "hashing": {"comparison": {"type": "numeric", "thresholdDistance": 0, "resolution": 2}, "strategy": {"bitsPerToken": 2}}}`), "thresholdDistance"},
		{"v1 without k", `{"version": 1, "clkConfig": {"l": 1024, "hash": {"type": "doubleHash"}, "kdf": {"type": "HKDF"}}, "features": []}`, "global k"},
		{"v1 weight rounds to 0", `{"version": 1, "clkConfig": {"l": 1024, "k": 20, "hash": {"type": "doubleHash"}, "kdf": {"type": "HKDF"}}, "features": [{"identifier": "a", "format": {"type": "string"}, "hashing": {"ngram": 2, "weight": 0.01}}]}`, "rounds to 0"},
		{"ignored false", schemaWith(`{"identifier": "a", "ignored": false}`), `"ignored" must be true`},
	}
	for _, tc := range tests {
		_, err := ParseClkhashSchema([]byte(tc.js))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

// TestClkhash64Features checks the HKDF limit: with SHA256 and 64-byte keys
// 63 features fit (ignored ones count) and a 64th is refused.
func TestClkhash64Features(t *testing.T) {
	feats := func(n int) string {
		var parts []string
		for i := 0; i < n; i++ {
			parts = append(parts, `{"identifier": "f`+itoa(i)+`", "ignored": true}`)
		}
		return schemaWith(strings.Join(parts, ","))
	}
	mustSchema(t, feats(63))
	if _, err := ParseClkhashSchema([]byte(feats(64))); err == nil || !strings.Contains(err.Error(), "63 features") {
		t.Fatalf("64 features: err = %v", err)
	}
	sha512 := strings.Replace(feats(64), `"type": "HKDF"`, `"type": "HKDF", "hash": "SHA512"`, 1)
	mustSchema(t, sha512)
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestClkhashV1Conversion: weight × k is rounded half to even (2.5 → 2,
// 3.5 → 4), weight 0 ignores the feature but keeps its key slot, and the
// global hash applies to every feature. Compared with the equivalent v3.
func TestClkhashV1Conversion(t *testing.T) {
	v1 := `{"version": 1, "clkConfig": {"l": 1024, "k": 5, "hash": {"type": "doubleHash", "prevent_singularity": true}, "kdf": {"type": "HKDF"}},
	"features": [
	  {"identifier": "a", "format": {"type": "string"}, "hashing": {"ngram": 2, "weight": 0.5}},
	  {"identifier": "b", "format": {"type": "string"}, "hashing": {"ngram": 1, "positional": true, "weight": 0.7}},
	  {"identifier": "c", "format": {"type": "string"}, "hashing": {"ngram": 2, "weight": 0}},
	  {"identifier": "d", "format": {"type": "string"}, "hashing": {"ngram": 2}}]}`
	v3 := `{"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
	"features": [
	  {"identifier": "a", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash", "prevent_singularity": true}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 2}}},
	  {"identifier": "b", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash", "prevent_singularity": true}, "comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerToken": 4}}},
	  {"identifier": "c", "ignored": true},
	  {"identifier": "d", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash", "prevent_singularity": true}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 5}}}]}`
	v2 := `{"version": 2, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
	"features": [
	  {"identifier": "a", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash", "prevent_singularity": true}, "ngram": 2, "strategy": {"k": 2}}},
	  {"identifier": "b", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash", "prevent_singularity": true}, "ngram": 1, "positional": true, "strategy": {"k": 4}}},
	  {"identifier": "c", "ignored": true},
	  {"identifier": "d", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash", "prevent_singularity": true}, "ngram": 2, "strategy": {"k": 5}}}]}`
	row := []string{"anna", "0412", "ignored value", "smith"}
	var outs []string
	for _, js := range []string{v1, v2, v3} {
		clk, err := encodeOne(t, mustSchema(t, js), row...)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, bloom.EncodeBase64(clk))
	}
	if outs[0] != outs[2] || outs[1] != outs[2] {
		t.Fatalf("v1/v2/v3 differ:\n%s\n%s\n%s", outs[0], outs[1], outs[2])
	}
}

// TestClkhashDefaults: no "hash" means blakeHash; "xorFolds" is ignored
// with a warning while "xor_folds" folds.
func TestClkhashDefaults(t *testing.T) {
	feat := `{"identifier": "a", "format": {"type": "string"}, "hashing": {%s"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}}`
	noHash := mustSchema(t, schemaWith(strings.Replace(feat, "%s", "", 1)))
	blake := mustSchema(t, schemaWith(strings.Replace(feat, "%s", `"hash": {"type": "blakeHash"},`, 1)))
	double := mustSchema(t, schemaWith(strings.Replace(feat, "%s", `"hash": {"type": "doubleHash"},`, 1)))
	a, _ := encodeOne(t, noHash, "anna")
	b, _ := encodeOne(t, blake, "anna")
	c, _ := encodeOne(t, double, "anna")
	if string(a) != string(b) || string(a) == string(c) {
		t.Fatal("absent hash is not blakeHash")
	}
	f := strings.Replace(feat, "%s", "", 1)
	camel := mustSchema(t, `{"version": 3, "clkConfig": {"l": 1024, "xorFolds": 1, "kdf": {"type": "HKDF"}}, "features": [`+f+`]}`)
	if len(camel.Warnings()) != 1 || camel.XORFolds() != 0 {
		t.Fatalf("xorFolds: warnings %v, folds %d", camel.Warnings(), camel.XORFolds())
	}
	snake := mustSchema(t, `{"version": 3, "clkConfig": {"l": 512, "xor_folds": 1, "kdf": {"type": "HKDF"}}, "features": [`+f+`]}`)
	folded, _ := encodeOne(t, snake, "anna")
	if len(folded) != 64 {
		t.Fatalf("folded CLK has %d bytes", len(folded))
	}
	// Folding: hashing happens at 1024 bits with the same keys, so the
	// folded CLK is the XOR of the halves of the unfolded one.
	if string(bloom.Fold(append([]byte(nil), a...))) != string(folded) {
		t.Fatal("xor_folds does not fold the 1024-bit filter")
	}
}

func TestClkhashFormats(t *testing.T) {
	type check struct {
		in, out, code string
	}
	tests := []struct {
		format string
		checks []check
	}{
		{`{"type": "integer", "minimum": 1, "maximum": 99}`, []check{
			{" +13", "13", ""}, {"007", "7", ""}, {"1_0", "10", ""}, {"0", "", "out_of_range"},
			{"100", "", "out_of_range"}, {"1.0", "", "invalid_integer"}, {"", "", "invalid_integer"}, {"٣", "", "invalid_integer"},
		}},
		{`{"type": "date", "format": "%d/%m/%Y"}`, []check{
			{"01/02/1980", "19800201", ""}, {"1/2/1980", "19800201", ""}, {"31/02/1980", "", "invalid_date"},
			{"01/02/1980 ", "", "invalid_date"}, {"29/02/2000", "20000229", ""}, {"29/02/1900", "", "invalid_date"},
			{"01/02/0999", "", "invalid_date"}, {" 1/02/1980", "19800201", ""},
		}},
		{`{"type": "date", "format": "%Y%m%d"}`, []check{{"19800201", "19800201", ""}, {"1980021", "19800201", ""}}},
		{`{"type": "date", "format": "%d %b %y"}`, []check{{"05 FEB 80", "19800205", ""}, {"05   feb 68", "20680205", ""}, {"05 ſep 80", "", "invalid_date"}, {"05 Sept 80", "", "invalid_date"}}},
		{`{"type": "date", "format": "%Y-%j"}`, []check{{"2001-366", "20020101", ""}, {"2000-060", "20000229", ""}}},
		{`{"type": "string", "case": "upper", "minLength": 2, "maxLength": 4}`, []check{
			{"ZOË", "ZOË", ""}, {"zoë", "", "wrong_case"}, {"STRASSE", "", "too_long"}, {"A", "", "too_short"}, {"ß", "", "too_short"}, {"ßA", "", "wrong_case"}, {"A1 ", "A1 ", ""},
		}},
		{`{"type": "string", "case": "lower"}`, []check{{"straße", "straße", ""}, {"Anna", "", "wrong_case"}, {"", "", ""}}},
		{`{"type": "string", "encoding": "ascii"}`, []check{{"anna", "anna", ""}, {"zoë", "", "encoding"}}},
		{`{"type": "string", "pattern": "\\d{4}"}`, []check{{"2000", "2000", ""}, {"٢٠٠٠", "٢٠٠٠", ""}, {"200", "", "pattern_mismatch"}, {"20000", "", "pattern_mismatch"}}},
		{`{"type": "string", "pattern": "[A-Z]{,2}\\Z"}`, []check{{"", "", ""}, {"AB", "AB", ""}, {"ABC", "", "pattern_mismatch"}}},
		{`{"type": "string", "pattern": "\\w+\\s\\w+"}`, []check{{"zoë nguyen", "zoë nguyen", ""}, {"a\u00a0b", "a\u00a0b", ""}, {"a-b", "", "pattern_mismatch"}}},
		{`{"type": "enum", "values": ["M", "F"]}`, []check{{"M", "M", ""}, {"m", "", "not_in_enum"}, {" M", "", "not_in_enum"}}},
	}
	for _, tc := range tests {
		var f clkhashFormat
		m := mustJSONObject(t, tc.format)
		if err := f.parse(m); err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		for _, c := range tc.checks {
			out, code, reason := f.validate(c.in)
			if code != c.code || code == "" && out != c.out {
				t.Errorf("%s %q: got (%q, %q, %q), want (%q, %q)", tc.format, c.in, out, code, reason, c.out, c.code)
			}
			if code != "" && len(c.in) > 2 && strings.Contains(reason, c.in) {
				t.Errorf("%s: reason quotes the value: %s", tc.format, reason)
			}
		}
	}
}

func mustJSONObject(t *testing.T, js string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := newNumberDecoder(js)
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestClkhashMissingValue: the sentinel skips validation and is replaced
// (by replaceWith, or kept as itself when replaceWith is absent).
func TestClkhashMissingValue(t *testing.T) {
	feat := func(mv string) string {
		return schemaWith(`{"identifier": "dob", "format": {"type": "date", "format": "%Y-%m-%d"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 10}, "missingValue": ` + mv + `}}`)
	}
	withReplace := mustSchema(t, feat(`{"sentinel": "N/A", "replaceWith": ""}`))
	clk, err := encodeOne(t, withReplace, "N/A")
	if err != nil || bloom.Popcount(clk) != 0 {
		t.Fatalf("N/A → \"\": popcount %d, err %v", bloom.Popcount(clk), err)
	}
	keep := mustSchema(t, feat(`{"sentinel": "N/A"}`))
	clk, err = encodeOne(t, keep, "N/A")
	if err != nil || bloom.Popcount(clk) == 0 {
		t.Fatalf("N/A kept: popcount %d, err %v", bloom.Popcount(clk), err)
	}
	if _, err := encodeOne(t, keep, "n/a"); err == nil {
		t.Fatal("a near-sentinel passed date validation")
	}
}

func TestClkhashValueErrors(t *testing.T) {
	cs := mustSchema(t, schemaWith(`{"identifier": "id", "ignored": true}, {"identifier": "dob", "format": {"type": "date", "format": "%d/%m/%Y"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 10}}}`))
	_, err := encodeOne(t, cs, "x", "31/02/1980")
	var ve *ClkhashValueError
	if !errors.As(err, &ve) || ve.Column != 1 || ve.Feature != "dob" || ve.Code != "invalid_date" {
		t.Fatalf("err = %#v", err)
	}
	ve.Row = 17
	if got := ve.Error(); got != `row 17, column "dob": date does not exist (format %d/%m/%Y)` {
		t.Fatalf("message %q", got)
	}
	_, err = encodeOne(t, cs, "only one")
	if !errors.As(err, &ve) || ve.Code != "column_count" {
		t.Fatalf("short row: %v", err)
	}
	ve.Row = 3
	if got := ve.Error(); got != "row 3: row has 1 columns, the clkhash schema expects 2" {
		t.Fatalf("message %q", got)
	}
	if err := cs.CheckHeader([]string{"id", "DOB"}); err == nil {
		t.Fatal("wrong header accepted")
	}
	if err := cs.CheckHeader([]string{"\ufeffid", "dob"}); err == nil || !strings.Contains(err.Error(), "byte-order mark") {
		t.Fatalf("BOM header: %v", err)
	}
	if err := cs.CheckHeader([]string{"id", "dob"}); err != nil {
		t.Fatal(err)
	}
}

// TestClkhashNumericAndEncodings: numeric comparison over integers, and
// utf-16/utf-32 hash differently from utf-8.
func TestClkhashNumericAndEncodings(t *testing.T) {
	num := mustSchema(t, schemaWith(`{"identifier": "pc", "format": {"type": "integer"}, "hashing": {"comparison": {"type": "numeric", "thresholdDistance": 100, "resolution": 50}, "strategy": {"bitsPerFeature": 101}}}`))
	a, _ := encodeOne(t, num, "2000")
	b, _ := encodeOne(t, num, " 2000")
	c, _ := encodeOne(t, num, "2050")
	if string(a) != string(b) || bloom.Dice(a, c) < 0.4 || bloom.Dice(a, c) == 1 {
		t.Fatalf("numeric neighbourhoods: dice %v", bloom.Dice(a, c))
	}
	var clks []string
	for _, enc := range []string{"utf-8", "utf-16", "utf-32"} {
		cs := mustSchema(t, schemaWith(`{"identifier": "n", "format": {"type": "string", "encoding": "`+enc+`"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 10}}}`))
		clk, err := encodeOne(t, cs, "zoë")
		if err != nil {
			t.Fatal(err)
		}
		clks = append(clks, string(clk))
	}
	if clks[0] == clks[1] || clks[1] == clks[2] {
		t.Fatal("encodings hash identically")
	}
}

// FuzzClkhashSchema: the loader never panics, and a schema it accepts
// yields an encoder that never panics on arbitrary rows, and whose value
// errors never quote the value.
func FuzzClkhashSchema(f *testing.F) {
	f.Add([]byte(schemaWith(`{"identifier": "a", "format": {"type": "string", "pattern": "[a-z]+"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 5}}}`)), "abc")
	f.Add([]byte(schemaWith(`{"identifier": "a", "format": {"type": "date", "format": "%d %B %Y"}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerFeature": 50}, "missingValue": {"sentinel": ""}}}`)), "1 March 1990")
	f.Add([]byte(schemaWith(`{"identifier": "a", "format": {"type": "integer", "maximum": 5}, "hashing": {"comparison": {"type": "numeric", "thresholdDistance": 2.5, "resolution": 3, "fractional_precision": 1}, "strategy": {"bitsPerToken": 3}, "hash": {"type": "doubleHash", "prevent_singularity": true}}}`)), "4")
	f.Add([]byte(`{"version": 1, "clkConfig": {"l": 64, "k": 3, "hash": {"type": "doubleHash"}, "kdf": {"type": "HKDF", "keySize": 8}}, "features": [{"identifier": "x", "format": {"type": "enum", "values": ["a"]}, "hashing": {"ngram": 1, "weight": 2.5}}]}`), "a")
	f.Fuzz(func(t *testing.T, schema []byte, value string) {
		cs, err := ParseClkhashSchema(schema)
		if err != nil {
			return
		}
		if len(cs.Identifiers()) > 4 || cs.Bits() > 4096 || cs.kdf.keySize > 256 {
			return
		}
		enc, err := cs.Encoder([]byte("s"))
		if err != nil {
			return
		}
		row := make([]string, len(cs.Identifiers()))
		for i := range row {
			row[i] = value
		}
		clk, err := enc.Encode(row)
		if err != nil {
			var ve *ClkhashValueError
			if !errors.As(err, &ve) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if len(value) > 4 && strings.Contains(err.Error(), value) {
				t.Fatalf("error quotes the value: %v", err)
			}
			return
		}
		if len(clk) != cs.Bits()/8 {
			t.Fatalf("CLK of %d bytes for l=%d", len(clk), cs.Bits())
		}
	})
}
