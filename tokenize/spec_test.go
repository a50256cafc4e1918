package tokenize

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

var updateGolden = os.Getenv("PPRL_UPDATE_GOLDEN") != ""

// TestStarterSpecGolden checks StarterSpec against the starter spec that
// `pprl schema init` writes (testdata/schema/starter.json). Set
// PPRL_UPDATE_GOLDEN=1 to rewrite it after a deliberate change.
func TestStarterSpecGolden(t *testing.T) {
	got, err := MarshalSpec(StarterSpec())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "testdata", "schema", "starter.json")
	if updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with PPRL_UPDATE_GOLDEN=1 to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("StarterSpec differs from %s; run with PPRL_UPDATE_GOLDEN=1 if the change is deliberate", path)
	}
	s, err := ParseSpec(want)
	if err != nil {
		t.Fatalf("golden starter spec does not parse: %v", err)
	}
	if s.Fingerprint() != StarterSpec().Fingerprint() {
		t.Error("parsed golden spec has a different fingerprint from StarterSpec")
	}
}

func TestFingerprintIgnoresDocumentationAndLayout(t *testing.T) {
	base := StarterSpec()
	fp := base.Fingerprint()
	if len(fp) != 64 {
		t.Fatalf("fingerprint %q is not 64 hex digits", fp)
	}
	// Same spec, no descriptions, compact and with keys in another order.
	doc, _ := MarshalSpec(base)
	var generic map[string]any
	if err := json.Unmarshal(doc, &generic); err != nil {
		t.Fatal(err)
	}
	delete(generic, "description")
	compact, _ := json.Marshal(generic) // sorted keys, not declaration order
	s, err := ParseSpec(compact)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Fingerprint(); got != fp {
		t.Errorf("fingerprint changed with layout/description: %s vs %s", got, fp)
	}
	s.Fields[0].Description = "something else"
	s.CLK.Comment = "x"
	if got := s.Fingerprint(); got != fp {
		t.Error("fingerprint changed with a field description")
	}
}

func TestFingerprintCoversEncoding(t *testing.T) {
	fp := StarterSpec().Fingerprint()
	changes := map[string]func(*Spec){
		"bits":         func(s *Spec) { s.CLK.Bits = 2048 },
		"k":            func(s *Spec) { s.Fields[0].CLK.BitsPerToken++ },
		"field type":   func(s *Spec) { s.Fields[8].Type = TypeName },
		"rule":         func(s *Spec) { s.Rules[0].Components[1] = "forename.first3" },
		"rule name":    func(s *Spec) { s.Rules[0].Name = "x1" },
		"salt":         func(s *Spec) { s.CLK.Hardening.Salt = &SaltSpec{Source: "dob.year", Fields: []string{"forename"}} },
		"diffusion":    func(s *Spec) { s.CLK.Hardening.Diffusion = &DiffusionSpec{Taps: 5} },
		"earliest":     func(s *Spec) { s.Fields[3].Normalise.Earliest = "1910-01-01" },
		"attribute":    func(s *Spec) { s.Attributes = []AttributeSpec{{Name: "a", From: "dob", Derive: "year_band"}} },
		"field order":  func(s *Spec) { s.Fields[0], s.Fields[2] = s.Fields[2], s.Fields[0] },
		"out of clk":   func(s *Spec) { s.Fields[5].CLK = nil },
		"positional":   func(s *Spec) { s.Fields[3].CLK.Positional = false },
		"check digits": func(s *Spec) { s.Fields[6].Normalise.CheckDOB = true },
	}
	for name, change := range changes {
		s := StarterSpec()
		change(s)
		if s.Fingerprint() == fp {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"version", func(s *Spec) { s.Version = 2 }, "pprl_schema_version is 2"},
		{"no fields", func(s *Spec) { s.Fields = nil }, "no fields"},
		{"bad name", func(s *Spec) { s.Fields[0].Name = "Fore name" }, "must be lower case"},
		{"dup field", func(s *Spec) { s.Fields[1].Name = "forename" }, "declared twice"},
		{"bad type", func(s *Spec) { s.Fields[0].Type = "person" }, `type "person" is not one of`},
		{"bits", func(s *Spec) { s.CLK.Bits = 1000 }, "multiple of 64"},
		{"hashing", func(s *Spec) { s.CLK.Hashing = "double" }, `hashing "double"`},
		{"tokeniser", func(s *Spec) { s.Fields[0].CLK.Tokeniser = "bigram" }, `tokeniser "bigram"`},
		{"n", func(s *Spec) { s.Fields[0].CLK.N = 0 }, "clk.n must be 1 to 8"},
		{"both k", func(s *Spec) { s.Fields[0].CLK.BitsPerFeature = 100 }, "not both"},
		{"no k", func(s *Spec) { s.Fields[0].CLK.BitsPerToken = 0 }, "set clk.bits_per_token"},
		{"option type", func(s *Spec) { s.Fields[0].Normalise.Earliest = "1900-01-01" }, "only to date fields"},
		{"earliest", func(s *Spec) { s.Fields[3].Normalise.Earliest = "01/01/1900" }, "not a YYYY-MM-DD date"},
		{"rule field", func(s *Spec) { s.Rules[0].Components[0] = "lastname" }, `no field "lastname"`},
		{"rule part", func(s *Spec) { s.Rules[0].Components[0] = "surname.year" }, `has no part "year"`},
		{"rule dup", func(s *Spec) { s.Rules[1].Name = "t1" }, `rule "t1" declared twice`},
		{"rule empty", func(s *Spec) { s.Rules[1].Components = nil }, "no components"},
		{"rules", func(s *Spec) {
			s.Rules = append(s.Rules, RuleSpec{Name: "t18", Components: []string{"surname", "dob"}})
		}, "17 token rules; a match uses at most 16"},
		{"salt source", func(s *Spec) { s.CLK.Hardening.Salt = &SaltSpec{Source: "dob.month", Fields: []string{"surname"}} }, `has no part "month"`},
		{"salt field", func(s *Spec) { s.CLK.Hardening.Salt = &SaltSpec{Source: "dob.year", Fields: []string{"chi"}} }, "does not enter the CLK"},
		{"salt self", func(s *Spec) { s.CLK.Hardening.Salt = &SaltSpec{Source: "dob.year", Fields: []string{"dob"}} }, "cannot salt itself"},
		{"taps", func(s *Spec) { s.CLK.Hardening.Diffusion.Taps = 1 }, "taps must be"},
		{"blip", func(s *Spec) { s.CLK.Hardening.BLIP = &BLIPSpec{Probability: 0.7} }, "blip.probability"},
		{"folds", func(s *Spec) { s.CLK.Bits = 64; s.CLK.Hardening.XORFolds = 1 }, "multiple of 64"},
		{"attr from", func(s *Spec) { s.Attributes = []AttributeSpec{{Name: "a", From: "x", Derive: "value"}} }, `no field "x"`},
		{"attr derive", func(s *Spec) { s.Attributes = []AttributeSpec{{Name: "a", From: "dob", Derive: "area"}} }, "needs a postcode field"},
		{"attr width", func(s *Spec) { s.Attributes = []AttributeSpec{{Name: "a", From: "sex", Derive: "value", Width: 3}} }, "width applies only"},
		{"nothing", func(s *Spec) {
			s.Rules = nil
			s.CLK.Hardening = HardeningSpec{}
			for i := range s.Fields {
				s.Fields[i].CLK = nil
			}
		}, "nothing would be encoded"},
	}
	for _, tt := range tests {
		s := StarterSpec()
		tt.change(s)
		err := s.Validate()
		if err == nil {
			t.Errorf("%s: Validate accepted a bad spec", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.want)
		}
		if !exitcode.IsInput(err) {
			t.Errorf("%s: not an input error", tt.name)
		}
	}
	if err := StarterSpec().Validate(); err != nil {
		t.Errorf("starter spec: %v", err)
	}
}

func TestParseSpecRejectsUnknownKeysAndGarbage(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown key": `{"pprl_schema_version": 1, "fieldz": []}`,
		"empty":       ``,
		"syntax":      "{\n\"pprl_schema_version\": 1,\n}",
		"trailing":    `{"pprl_schema_version": 1} {}`,
		"type":        `{"pprl_schema_version": "1"}`,
	} {
		if _, err := ParseSpec([]byte(doc)); err == nil || !exitcode.IsInput(err) {
			t.Errorf("%s: got %v, want an input error", name, err)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	starter, _ := MarshalSpec(StarterSpec())
	f.Add(starter)
	f.Add([]byte(`{"pprl_schema_version":1,"fields":[{"name":"a","type":"name","clk":{"tokeniser":"ngram","n":2,"bits_per_token":3}}],"clk":{"bits":64,"hashing":"random","hardening":{}},"rules":[{"name":"r","components":["a.soundex|a"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSpec(data)
		if err != nil {
			return
		}
		// A valid spec round-trips to the same fingerprint.
		out, err := MarshalSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ParseSpec(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if s.Fingerprint() != s2.Fingerprint() {
			t.Fatal("fingerprint changed on round trip")
		}
		if _, err := compileRules(s, []byte("k")); err != nil {
			t.Fatalf("valid spec's rules do not compile: %v", err)
		}
	})
}

// TestRuleAndCLKFields: the manifest records which fields each starter rule
// reads and which the CLK reads (its salt's source included), so that match
// can tell the rules over an ID number alone.
func TestRuleAndCLKFields(t *testing.T) {
	s := StarterSpec()
	clk := s.CLKFields()
	if want := []string{"dob", "forename", "postcode", "sex", "surname"}; !slices.Equal(clk, want) {
		t.Errorf("CLK fields %v, want %v", clk, want)
	}
	fields := s.RuleFields()
	for r, rule := range s.Rules {
		outside := !slices.ContainsFunc(fields[r], func(f string) bool { return slices.Contains(clk, f) })
		switch rule.Name {
		case "t9":
			if !slices.Equal(fields[r], []string{"chi", "nhs"}) || !outside {
				t.Errorf("t9 reads %v (outside the CLK: %v), want [chi nhs], outside", fields[r], outside)
			}
		case "t17":
			if !slices.Equal(fields[r], []string{"dob", "postcode", "sex"}) || outside {
				t.Errorf("t17 reads %v (outside the CLK: %v), want [dob postcode sex], not outside", fields[r], outside)
			}
		default:
			if outside {
				t.Errorf("%s reads %v, all outside the CLK", rule.Name, fields[r])
			}
		}
	}
	// Without a salt the CLK reads only its own fields.
	s.CLK.Hardening.Salt = nil
	s.Fields = slices.DeleteFunc(slices.Clone(s.Fields), func(f FieldSpec) bool { return f.Name == "dob" })
	if got := s.CLKFields(); slices.Contains(got, "dob") {
		t.Errorf("CLK fields %v include dob without a dob field or salt", got)
	}
}
