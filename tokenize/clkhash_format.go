package tokenize

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"unicode"
	"unicode/utf8"

	"github.com/pprl/pprl/bloom"
)

// clkhashFormat is a feature's "format": it validates values and, for
// integers and dates, rewrites them, as clkhash's field_formats does.
type clkhashFormat struct {
	kind     string // "string", "integer", "date", "enum"
	encoding string // "utf-8", "ascii", "utf-16", "utf-32"

	// string
	pattern              *regexp.Regexp
	patternSrc           string
	caseRule             string // "mixed", "upper", "lower"
	minLength, maxLength int    // maxLength 0: none

	// integer
	minimum, maximum *big.Int

	// date
	date *strptimeFormat

	// enum
	values map[string]bool
}

func (c *clkhashFormat) parse(m map[string]any) error {
	typ, ok, err := jString(m, "type")
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("type is missing")
	}
	c.kind = typ
	c.encoding = "utf-8"
	allowed := map[string]bool{"type": true, "description": true}
	switch typ {
	case "string":
		for _, k := range []string{"encoding", "case", "minLength", "maxLength", "pattern"} {
			allowed[k] = true
		}
		if enc, ok, err := jString(m, "encoding"); err != nil {
			return err
		} else if ok {
			switch enc {
			case "utf-8", "ascii", "utf-16", "utf-32":
				c.encoding = enc
			default:
				return fmt.Errorf(`encoding must be "utf-8", "ascii", "utf-16" or "utf-32"`)
			}
		}
		pat, hasPattern, err := jString(m, "pattern")
		if err != nil {
			return err
		}
		_, hasCase := m["case"]
		_, hasMin := m["minLength"]
		_, hasMax := m["maxLength"]
		if hasPattern {
			if hasCase || hasMin || hasMax {
				return errors.New("pattern cannot be combined with case, minLength or maxLength (clkhash's schema forbids it)")
			}
			re, err := compilePythonPattern(pat)
			if err != nil {
				return fmt.Errorf("pattern: %w", err)
			}
			c.pattern, c.patternSrc = re, pat
			return checkKeys(m, allowed)
		}
		c.caseRule = "mixed"
		if cs, ok, err := jString(m, "case"); err != nil {
			return err
		} else if ok {
			if cs != "upper" && cs != "lower" && cs != "mixed" {
				return errors.New(`case must be "upper", "lower" or "mixed"`)
			}
			c.caseRule = cs
		}
		if v, ok, err := jInt(m, "minLength"); err != nil {
			return err
		} else if ok {
			if v < 0 || v > 1<<30 {
				return errors.New("minLength must be 0 or more")
			}
			c.minLength = int(v)
		}
		if v, ok, err := jInt(m, "maxLength"); err != nil {
			return err
		} else if ok {
			if v < 1 || v > 1<<30 {
				return errors.New("maxLength must be 1 or more")
			}
			c.maxLength = int(v)
		}
	case "integer":
		allowed["minimum"], allowed["maximum"] = true, true
		if c.minimum, _, err = jBigInt(m, "minimum"); err != nil {
			return err
		}
		if c.maximum, _, err = jBigInt(m, "maximum"); err != nil {
			return err
		}
	case "date":
		allowed["format"] = true
		f, ok, err := jString(m, "format")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("format is missing (a strptime pattern such as %Y-%m-%d)")
		}
		sf, err := parseStrptime(f)
		if err != nil {
			return fmt.Errorf("format: %w", err)
		}
		c.date = sf
	case "enum":
		allowed["values"] = true
		raw, ok := m["values"]
		if !ok {
			return errors.New("values is missing")
		}
		list, isList := raw.([]any)
		if !isList {
			return errors.New("values is not an array")
		}
		c.values = map[string]bool{}
		for i, v := range list {
			s, isStr := v.(string)
			if !isStr {
				return fmt.Errorf("values[%d] is not a string", i)
			}
			c.values[s] = true
		}
	default:
		return fmt.Errorf(`type must be "string", "integer", "date" or "enum"`)
	}
	return checkKeys(m, allowed)
}

// checkKeys refuses keys clkhash's schema does not allow in a format (its
// JSON schema sets additionalProperties false there): a misspelt
// "maxlength" must not silently validate nothing.
func checkKeys(m map[string]any, allowed map[string]bool) error {
	for k := range m {
		if !allowed[k] {
			return fmt.Errorf("%s is not allowed for this format type (clkhash's schema refuses it)", k)
		}
	}
	return nil
}

func (c *clkhashFormat) textEncoding() bloom.TextEncoding {
	switch c.encoding {
	case "ascii":
		return bloom.ASCII
	case "utf-16":
		return bloom.UTF16
	case "utf-32":
		return bloom.UTF32
	}
	return bloom.UTF8
}

// validate checks v and returns the value clkhash hashes.
func (c *clkhashFormat) validate(v string) (out, code, reason string) {
	if !utf8.ValidString(v) {
		return "", "invalid_utf8", "value is not valid UTF-8"
	}
	if c.encoding == "ascii" {
		for i := 0; i < len(v); i++ {
			if v[i] >= utf8.RuneSelf {
				return "", "encoding", "value has characters outside ASCII (the feature's encoding)"
			}
		}
	}
	switch c.kind {
	case "string":
		if c.pattern != nil {
			if !c.pattern.MatchString(v) {
				return "", "pattern_mismatch", fmt.Sprintf("value does not match the pattern %q", c.patternSrc)
			}
			return v, "", ""
		}
		n := utf8.RuneCountInString(v)
		if n < c.minLength {
			return "", "too_short", fmt.Sprintf("value is shorter than %d characters", c.minLength)
		}
		if c.maxLength > 0 && n > c.maxLength {
			return "", "too_long", fmt.Sprintf("value is longer than %d characters", c.maxLength)
		}
		switch c.caseRule {
		case "upper":
			if !isPyUpperFixed(v) {
				return "", "wrong_case", "value is not upper case"
			}
		case "lower":
			if !isPyLowerFixed(v) {
				return "", "wrong_case", "value is not lower case"
			}
		}
		return v, "", ""
	case "integer":
		n, ok := bloom.ParsePythonInt(v)
		if !ok {
			return "", "invalid_integer", "value is not an integer"
		}
		if c.minimum != nil && n.Cmp(c.minimum) < 0 {
			return "", "out_of_range", fmt.Sprintf("value is below the minimum %s", c.minimum)
		}
		if c.maximum != nil && n.Cmp(c.maximum) > 0 {
			return "", "out_of_range", fmt.Sprintf("value is above the maximum %s", c.maximum)
		}
		return n.String(), "", ""
	case "date":
		out, reason := c.date.reformat(v)
		if reason != "" {
			return "", "invalid_date", reason
		}
		return out, "", ""
	case "enum":
		if !c.values[v] {
			return "", "not_in_enum", "value is not one of the enum's values"
		}
		return v, "", ""
	}
	return v, "", ""
}

// isPyUpperFixed reports whether Python's s.upper() == s. Python uses full
// case mappings, so besides letters with a simple upper-case form, the
// letters whose upper case is several characters (ß → SS, ﬁ → FI, Greek
// with ypogegrammeni, ...) also change.
func isPyUpperFixed(s string) bool {
	for _, r := range s {
		if unicode.ToUpper(r) != r || expandsInUpper(r) {
			return false
		}
	}
	return true
}

// isPyLowerFixed reports whether Python's s.lower() == s. The only
// unconditional multi-character lower mapping (İ) already changes under the
// simple mapping.
func isPyLowerFixed(s string) bool {
	for _, r := range s {
		if unicode.ToLower(r) != r {
			return false
		}
	}
	return true
}

// expandsInUpper lists the code points of SpecialCasing.txt whose
// unconditional upper-case mapping is several characters while their simple
// mapping leaves them unchanged.
func expandsInUpper(r rune) bool {
	switch {
	case r == 0x00DF, r == 0x0149, r == 0x01F0, r == 0x0390, r == 0x03B0, r == 0x0587:
		return true
	case r >= 0x1E96 && r <= 0x1E9A:
		return true
	case r == 0x1F50, r == 0x1F52, r == 0x1F54, r == 0x1F56:
		return true
	case r >= 0x1F80 && r <= 0x1FAF:
		return true
	case r >= 0x1FB2 && r <= 0x1FB4, r == 0x1FB6, r == 0x1FB7, r == 0x1FBC:
		return true
	case r >= 0x1FC2 && r <= 0x1FC4, r == 0x1FC6, r == 0x1FC7, r == 0x1FCC:
		return true
	case r == 0x1FD2, r == 0x1FD3, r == 0x1FD6, r == 0x1FD7:
		return true
	case r >= 0x1FE2 && r <= 0x1FE4, r == 0x1FE6, r == 0x1FE7:
		return true
	case r >= 0x1FF2 && r <= 0x1FF4, r == 0x1FF6, r == 0x1FF7, r == 0x1FFC:
		return true
	case r >= 0xFB00 && r <= 0xFB06, r >= 0xFB13 && r <= 0xFB17:
		return true
	}
	return false
}
