package tokenize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/tokenfile"
)

// SchemaVersion is the version of the native linkage spec format this
// package reads and writes (the "pprl_schema_version" key).
const SchemaVersion = 1

// Spec is a native linkage spec: the part of a schema that every agency in a
// project shares exactly. It declares the fields, how each is normalised and
// encoded into the CLK, the hardening of the CLK, the deterministic token
// rules and the optional coarse report attributes. Its fingerprint
// (Fingerprint) covers everything except descriptions and comments.
type Spec struct {
	Version     int    `json:"pprl_schema_version"`
	Description string `json:"description,omitempty"`
	Comment     string `json:"_comment,omitempty"`
	// Fields are the identifiers the spec uses, in a fixed order. Field names
	// are the keys of an input mapping's "columns".
	Fields []FieldSpec `json:"fields"`
	// CLK is the Bloom-filter encoding of the record.
	CLK CLKSpec `json:"clk"`
	// Rules are the deterministic token rules, one tok_<name> column each.
	Rules []RuleSpec `json:"rules"`
	// Attributes are coarse, non-identifying report attributes copied into
	// attr_<name> columns. None by default: each one narrows who a record
	// could be, so declare only what reports need.
	Attributes []AttributeSpec `json:"attributes,omitempty"`
}

// Field types: each selects a normaliser and the parts a rule may take.
const (
	TypeName     = "name"     // person names: forename, middle names, surname
	TypeDate     = "date"     // a date, parsed with the mapping's formats, as YYYYMMDD
	TypeSex      = "sex"      // male or female, mapped by the mapping's sex codes
	TypePostcode = "postcode" // a UK postcode in canonical form
	TypeCHI      = "chi"      // a Scottish CHI number (10 digits, mod-11 or mod-10)
	TypeNHS      = "nhs"      // an NHS number (10 digits, mod-11)
	TypeText     = "text"     // free text such as an address line, case-folded
	TypeCode     = "code"     // a coarse category such as a local authority code, for report attributes
)

var fieldTypes = []string{TypeName, TypeDate, TypeSex, TypePostcode, TypeCHI, TypeNHS, TypeText, TypeCode}

// FieldSpec declares one field of the linkage spec.
type FieldSpec struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	// Normalise holds the options of the field's normaliser.
	Normalise NormaliseSpec `json:"normalise"`
	// CLK says how the field enters the Bloom filter; nil keeps it out.
	CLK *FieldCLKSpec `json:"clk"`
}

// NormaliseSpec holds normaliser options. Each applies to one field type;
// Validate refuses an option set on a field of another type.
type NormaliseSpec struct {
	// Earliest is the earliest plausible date, YYYY-MM-DD (date fields).
	// Dates before it are rejected as implausible.
	Earliest string `json:"earliest,omitempty"`
	// AllowFuture accepts dates after today (date fields). Off by default:
	// a date of birth in the future is a data error.
	AllowFuture bool `json:"allow_future,omitempty"`
	// CheckDOB rejects a CHI number whose embedded DDMMYY disagrees with
	// the record's date of birth (chi fields).
	CheckDOB bool `json:"check_dob,omitempty"`
	// CheckSex rejects a CHI number whose sex digit disagrees with the
	// record's sex (chi fields).
	CheckSex bool `json:"check_sex,omitempty"`
	// AllowTestRange accepts NHS numbers in the never-issued test range
	// starting with 9 (nhs fields). Off by default: they are test data.
	AllowTestRange bool `json:"allow_test_range,omitempty"`
}

// Tokenisers a field's CLK settings may name.
const (
	TokeniserNgram = "ngram" // n-grams over code points, padded, optionally positional
	TokeniserExact = "exact" // the whole value is one token
)

// FieldCLKSpec says how one field enters the CLK. Exactly one of
// BitsPerToken and BitsPerFeature is set.
type FieldCLKSpec struct {
	Tokeniser  string `json:"tokeniser"`
	N          int    `json:"n,omitempty"`
	Positional bool   `json:"positional,omitempty"`
	// BitsPerToken is the number of filter positions each token sets (k).
	BitsPerToken int `json:"bits_per_token,omitempty"`
	// BitsPerFeature spreads a fixed number of positions over the field's
	// tokens, so that long values do not weigh more than short ones.
	BitsPerFeature int `json:"bits_per_feature,omitempty"`
}

// CLKSpec is the record-level Bloom filter: its length, hashing and
// hardening.
type CLKSpec struct {
	Comment string `json:"_comment,omitempty"`
	// Bits is the length of the filter tokens are hashed into, a multiple
	// of 64; XOR-folding halves it and balancing doubles it.
	Bits int `json:"bits"`
	// Hashing is the position generator: "random" (keyed random hashing
	// with one HKDF subkey per field, pprl/v1/clk/field/<name>) is the only
	// native choice; double hashing is broken by published attacks.
	Hashing string `json:"hashing"`
	// Hardening is applied in the order salt (per token), then, over the
	// whole filter, XOR-folding, diffusion, balancing and BLIP.
	Hardening HardeningSpec `json:"hardening"`
}

// HardeningSpec configures the defences against frequency and
// pattern-mining attacks on CLKs. Defaults are in schema_defaults.go.
type HardeningSpec struct {
	Comment string `json:"_comment,omitempty"`
	// Salt is record-level salting: the tokens of Fields are hashed together
	// with the value of Source, so the same bigram sets different bits in
	// records with different salts. nil disables it.
	Salt *SaltSpec `json:"salt"`
	// Diffusion is the keyed diffusion layer: each output bit is the XOR of
	// Taps keyed-random input bits. nil disables it.
	Diffusion *DiffusionSpec `json:"diffusion"`
	// Balance appends the filter's complement and permutes the result
	// (keyed), so every filter has exactly half its bits set. Doubles the
	// length.
	Balance bool `json:"balance,omitempty"`
	// BLIP flips each bit with a small probability, keyed and deterministic
	// per record. nil disables it.
	BLIP *BLIPSpec `json:"blip,omitempty"`
	// XORFolds halves the filter this many times by XOR-ing its halves.
	XORFolds int `json:"xor_folds,omitempty"`
}

// SaltSpec is record-level salting of field tokens.
type SaltSpec struct {
	// Source is the component that salts, e.g. "dob.year".
	Source string `json:"source"`
	// Fields are the fields whose tokens are salted.
	Fields []string `json:"fields"`
}

// DiffusionSpec is the keyed diffusion layer (Armknecht, Heng and Schnell).
type DiffusionSpec struct {
	// Taps is the number of input bits XOR-ed into each output bit.
	Taps int `json:"taps"`
}

// BLIPSpec is keyed, per-record deterministic bit flipping.
type BLIPSpec struct {
	// Probability is the chance that each bit is flipped, in (0, 0.5).
	Probability float64 `json:"probability"`
}

// RuleSpec is a deterministic token rule: the HMAC-SHA256, under the subkey
// pprl/v1/token/<name>, of the rule's normalised components, each length
// prefixed. A row missing any component gets no token (null).
type RuleSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Components are component expressions: "field", "field.part", or
	// alternatives "a|b" (the first present one is used). See Component.
	Components []string `json:"components"`
	// Unordered makes the rule symmetric in its components: their values
	// are sorted before hashing, so a rule over surname and forename agrees
	// when the two names were recorded in each other's place.
	Unordered bool `json:"unordered,omitempty"`
	// Family marks a rule that two members of one family can agree on as
	// well as one person: same-sex twins share a surname, a date of birth
	// and an address. Random pairs never show such agreements, so match
	// judges them against the pairs within each dataset that agree the
	// same way (mostly twins), band by band of the Dice.
	Family bool `json:"family,omitempty"`
}

// AttributeSpec is a coarse report attribute: a non-identifying value
// derived from one field and written to the attr_<name> column.
type AttributeSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// From is the field the attribute is derived from.
	From string `json:"from"`
	// Derive says how: "year_band" (date; Width years, e.g. "1990-1994"),
	// "area" (postcode; the letters of the outward code, e.g. "EH"),
	// "district" (postcode; e.g. "EH1", "EC1"), "value" (sex, or a code
	// field such as a local authority code).
	Derive string `json:"derive"`
	// Width is the band width in years for year_band (default 5).
	Width int `json:"width,omitempty"`
}

// maxFields bounds the number of fields, rules and attributes: a spec is
// written by people, and a huge one is a mistake.
const maxSpecItems = 64

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ParseSpec reads a native linkage spec from JSON, refusing unknown keys (a
// misspelt option must not be silently ignored), and validates it. Errors are
// input errors.
func ParseSpec(data []byte) (*Spec, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("linkage spec: %w", jsonError(data, err)))
	}
	if dec.More() {
		return nil, exitcode.Inputf("linkage spec: unexpected data after the JSON object")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// jsonError turns a JSON syntax or type error into a sentence with a line
// number, in the file's own terms (the key, the kind of value expected)
// rather than Go's ("cannot unmarshal number into Go struct field …").
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		off = se.Offset
		msg = "not valid JSON (" + se.Error() + ")"
	case errors.As(err, &te):
		off = te.Offset
		what := te.Field
		if what == "" {
			what = "the document"
		}
		msg = fmt.Sprintf("%s must be %s, not a JSON %s", what, jsonKind(te.Type.Kind()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON ends before it is complete (a truncated file, or a missing } or ])")
	case errors.Is(err, io.EOF):
		return errors.New("empty file")
	case strings.HasPrefix(msg, "json: unknown field "):
		return fmt.Errorf("unknown key %s (misspelt? keys are case-sensitive)", strings.TrimPrefix(msg, "json: unknown field "))
	}
	if off < 0 || off > int64(len(data)) {
		return errors.New(msg)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Errorf("line %d: %s", line, msg)
}

// jsonKind names the JSON value a Go kind is read from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list [...]"
	case reflect.Map, reflect.Struct:
		return "an object {...}"
	}
	return "another kind of value"
}

// Field returns the field named name, or nil.
func (s *Spec) Field(name string) *FieldSpec {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// RuleNames returns the rule names in spec order.
func (s *Spec) RuleNames() []string {
	out := make([]string, len(s.Rules))
	for i, r := range s.Rules {
		out[i] = r.Name
	}
	return out
}

// RuleFields returns, for each rule in spec order, the fields its
// components read (each alternative of "a|b" counts), sorted.
func (s *Spec) RuleFields() [][]string {
	out := make([][]string, len(s.Rules))
	for i, r := range s.Rules {
		set := map[string]bool{}
		for _, c := range r.Components {
			for _, alt := range strings.Split(c, "|") {
				field, _, _ := strings.Cut(strings.TrimSpace(alt), ".")
				set[field] = true
			}
		}
		out[i] = slices.Sorted(maps.Keys(set))
	}
	return out
}

// FamilyRules returns the names of the rules marked Family, in rule order.
func (s *Spec) FamilyRules() []string {
	var out []string
	for _, r := range s.Rules {
		if r.Family {
			out = append(out, r.Name)
		}
	}
	return out
}

// UnorderedRules returns the names of the rules marked Unordered, in rule
// order.
func (s *Spec) UnorderedRules() []string {
	var out []string
	for _, r := range s.Rules {
		if r.Unordered {
			out = append(out, r.Name)
		}
	}
	return out
}

// CLKFields returns the fields the CLK reads: those with a clk section and
// the source of the salt, sorted.
func (s *Spec) CLKFields() []string {
	set := map[string]bool{}
	for _, f := range s.Fields {
		if f.CLK != nil {
			set[f.Name] = true
		}
	}
	if salt := s.CLK.Hardening.Salt; salt != nil && len(set) > 0 {
		field, _, _ := strings.Cut(salt.Source, ".")
		set[field] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// AttributeNames returns the attribute names in spec order.
func (s *Spec) AttributeNames() []string {
	out := make([]string, len(s.Attributes))
	for i, a := range s.Attributes {
		out[i] = a.Name
	}
	return out
}

// OutputBits is the length in bits of the CLKs the spec produces, after
// balancing and folding.
func (s *Spec) OutputBits() int {
	n := s.CLK.Bits >> s.CLK.Hardening.XORFolds
	if s.CLK.Hardening.Balance {
		n *= 2
	}
	return n
}

// Validate checks the spec and returns an input error describing the first
// problem found, naming the field, rule or attribute concerned.
func (s *Spec) Validate() error {
	bad := func(format string, args ...any) error {
		return exitcode.Inputf("linkage spec: "+format, args...)
	}
	if s.Version != SchemaVersion {
		return bad("pprl_schema_version is %d; this pprl reads version %d", s.Version, SchemaVersion)
	}
	if len(s.Fields) == 0 {
		return bad("no fields")
	}
	if len(s.Fields) > maxSpecItems || len(s.Rules) > maxSpecItems || len(s.Attributes) > maxSpecItems {
		return bad("more than %d fields, rules or attributes", maxSpecItems)
	}
	seen := map[string]bool{}
	inCLK := 0
	for i := range s.Fields {
		f := &s.Fields[i]
		if !namePattern.MatchString(f.Name) {
			return bad("field %d: name %q must be lower case letters, digits and _, starting with a letter", i+1, f.Name)
		}
		if seen[f.Name] {
			return bad("field %q declared twice", f.Name)
		}
		seen[f.Name] = true
		if err := f.validate(); err != nil {
			return bad("field %q: %w", f.Name, err)
		}
		if f.CLK != nil {
			inCLK++
		}
	}
	if err := s.CLK.validate(s, inCLK); err != nil {
		return bad("clk: %w", err)
	}
	if len(s.Rules) > tokenfile.MaxRules {
		return bad("%d token rules; a match uses at most %d, so remove %d (keep the rules whose errors your data has)", len(s.Rules), tokenfile.MaxRules, len(s.Rules)-tokenfile.MaxRules)
	}
	if len(s.Rules) == 0 && inCLK == 0 {
		return bad("no field enters the CLK and there are no token rules: nothing would be encoded")
	}
	rules := map[string]bool{}
	for i, r := range s.Rules {
		if !namePattern.MatchString(r.Name) {
			return bad("rule %d: name %q must be lower case letters, digits and _, starting with a letter", i+1, r.Name)
		}
		if rules[r.Name] {
			return bad("rule %q declared twice", r.Name)
		}
		rules[r.Name] = true
		if len(r.Components) == 0 {
			return bad("rule %q has no components", r.Name)
		}
		for _, c := range r.Components {
			if _, err := ParseComponent(s, c); err != nil {
				return bad("rule %q: %w", r.Name, err)
			}
		}
	}
	attrs := map[string]bool{}
	for i, a := range s.Attributes {
		if !namePattern.MatchString(a.Name) {
			return bad("attribute %d: name %q must be lower case letters, digits and _, starting with a letter", i+1, a.Name)
		}
		if attrs[a.Name] {
			return bad("attribute %q declared twice", a.Name)
		}
		attrs[a.Name] = true
		if err := a.validate(s); err != nil {
			return bad("attribute %q: %w", a.Name, err)
		}
	}
	return nil
}

func (f *FieldSpec) validate() error {
	if !contains(fieldTypes, f.Type) {
		return fmt.Errorf("type %q is not one of %s", f.Type, strings.Join(fieldTypes, ", "))
	}
	n := f.Normalise
	if n.Earliest != "" || n.AllowFuture {
		if f.Type != TypeDate {
			return errors.New("earliest and allow_future apply only to date fields")
		}
		if n.Earliest != "" {
			if _, err := ParseISODate(n.Earliest); err != nil {
				return fmt.Errorf("normalise.earliest %q is not a YYYY-MM-DD date", n.Earliest)
			}
		}
	}
	if (n.CheckDOB || n.CheckSex) && f.Type != TypeCHI {
		return errors.New("check_dob and check_sex apply only to chi fields")
	}
	if n.AllowTestRange && f.Type != TypeNHS {
		return errors.New("allow_test_range applies only to nhs fields")
	}
	if c := f.CLK; c != nil {
		switch c.Tokeniser {
		case TokeniserNgram:
			if c.N < 1 || c.N > 8 {
				return fmt.Errorf("clk.n must be 1 to 8 for an ngram tokeniser, not %d", c.N)
			}
		case TokeniserExact:
			if c.N != 0 || c.Positional {
				return errors.New("clk.n and clk.positional apply only to the ngram tokeniser")
			}
		default:
			return fmt.Errorf("clk.tokeniser %q is not ngram or exact", c.Tokeniser)
		}
		switch {
		case c.BitsPerToken != 0 && c.BitsPerFeature != 0:
			return errors.New("set one of clk.bits_per_token and clk.bits_per_feature, not both")
		case c.BitsPerToken < 0 || c.BitsPerToken > 64:
			return fmt.Errorf("clk.bits_per_token must be 1 to 64, not %d", c.BitsPerToken)
		case c.BitsPerFeature < 0 || c.BitsPerFeature > 1024:
			return fmt.Errorf("clk.bits_per_feature must be 1 to 1024, not %d", c.BitsPerFeature)
		case c.BitsPerToken == 0 && c.BitsPerFeature == 0:
			return errors.New("set clk.bits_per_token or clk.bits_per_feature")
		}
	}
	return nil
}

func (c *CLKSpec) validate(s *Spec, inCLK int) error {
	if c.Bits < 64 || c.Bits > 1<<16 || c.Bits%64 != 0 {
		return fmt.Errorf("bits must be a multiple of 64 between 64 and 65536, not %d", c.Bits)
	}
	if c.Hashing != "random" {
		return fmt.Errorf("hashing %q: the native encoding uses \"random\" (keyed random hashing); use a clkhash schema for clkhash's hashes", c.Hashing)
	}
	h := c.Hardening
	if h.Salt != nil {
		comp, err := ParseComponent(s, h.Salt.Source)
		if err != nil {
			return fmt.Errorf("hardening.salt.source: %w", err)
		}
		if len(comp.alts) != 1 {
			return errors.New("hardening.salt.source must name one field, without alternatives")
		}
		if len(h.Salt.Fields) == 0 {
			return errors.New("hardening.salt.fields is empty")
		}
		for _, name := range h.Salt.Fields {
			f := s.Field(name)
			if f == nil {
				return fmt.Errorf("hardening.salt.fields: no field %q", name)
			}
			if f.CLK == nil {
				return fmt.Errorf("hardening.salt.fields: field %q does not enter the CLK", name)
			}
			if name == comp.alts[0].field.Name {
				return fmt.Errorf("hardening.salt.fields: field %q cannot salt itself", name)
			}
		}
	}
	if h.Diffusion != nil && (h.Diffusion.Taps < 2 || h.Diffusion.Taps > 64) {
		return fmt.Errorf("hardening.diffusion.taps must be 2 to 64, not %d", h.Diffusion.Taps)
	}
	if h.BLIP != nil && !(h.BLIP.Probability > 0 && h.BLIP.Probability < 0.5) {
		return fmt.Errorf("hardening.blip.probability must be between 0 and 0.5, not %g", h.BLIP.Probability)
	}
	if h.XORFolds < 0 || h.XORFolds > 4 {
		return fmt.Errorf("hardening.xor_folds must be 0 to 4, not %d", h.XORFolds)
	}
	if folded := c.Bits >> h.XORFolds; folded < 64 || folded%64 != 0 {
		return fmt.Errorf("bits %d folded %d times gives %d bits; the result must be a multiple of 64", c.Bits, h.XORFolds, folded)
	}
	if h.Diffusion != nil && c.Bits>>h.XORFolds > 16384 {
		return errors.New("hardening.diffusion takes filters of at most 16384 bits")
	}
	if inCLK == 0 && (h.Salt != nil || h.Diffusion != nil || h.Balance || h.BLIP != nil) {
		return errors.New("hardening is set but no field enters the CLK")
	}
	return nil
}

func (a *AttributeSpec) validate(s *Spec) error {
	f := s.Field(a.From)
	if f == nil {
		return fmt.Errorf("from: no field %q", a.From)
	}
	want := map[string][]string{"year_band": {TypeDate}, "area": {TypePostcode}, "district": {TypePostcode}, "value": {TypeSex, TypeCode}}
	types, ok := want[a.Derive]
	if !ok {
		return fmt.Errorf("derive %q is not year_band, area, district or value", a.Derive)
	}
	if !contains(types, f.Type) {
		return fmt.Errorf("derive %q needs a %s field; %q is a %s field", a.Derive, strings.Join(types, " or "), a.From, f.Type)
	}
	if a.Width != 0 && a.Derive != "year_band" {
		return errors.New("width applies only to year_band")
	}
	if a.Derive == "year_band" && (a.Width < 0 || a.Width > 100) {
		return fmt.Errorf("width must be 1 to 100 years, not %d", a.Width)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// MarshalSpec returns the spec as indented JSON with a final newline, as
// `pprl schema init` writes it.
func MarshalSpec(s *Spec) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
