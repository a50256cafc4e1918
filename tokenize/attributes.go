package tokenize

import "strconv"

// DefaultYearBandWidth is the width in years of a year_band attribute that
// gives none.
const DefaultYearBandWidth = 5

// attribute is a compiled AttributeSpec.
type attribute struct {
	name  string
	index int // the source field's index in Spec.Fields
	fn    func(string) string
}

func compileAttributes(s *Spec) []attribute {
	out := make([]attribute, 0, len(s.Attributes))
	for _, a := range s.Attributes {
		at := attribute{name: a.Name, index: fieldIndex(s, a.From)}
		switch a.Derive {
		case "year_band":
			w := a.Width
			if w == 0 {
				w = DefaultYearBandWidth
			}
			at.fn = yearBand(w)
		case "area":
			at.fn = PostcodeArea
		case "district":
			at.fn = PostcodeDistrict
		case "value":
			at.fn = func(v string) string { return v }
		}
		out = append(out, at)
	}
	return out
}

// value returns the attribute for a row with normalised values vals, and
// false when its source field is missing (the column is then null).
func (a *attribute) value(vals []string) (string, bool) {
	v := vals[a.index]
	if v == "" {
		return "", false
	}
	v = a.fn(v)
	return v, v != ""
}

// yearBand returns the band of width years holding a YYYYMMDD date's year,
// e.g. "1990-1994" for width 5. Bands start at multiples of width.
func yearBand(width int) func(string) string {
	return func(v string) string {
		y, err := strconv.Atoi(v[:4])
		if err != nil {
			return ""
		}
		if width == 1 {
			return v[:4]
		}
		lo := y - y%width
		return strconv.Itoa(lo) + "-" + strconv.Itoa(lo+width-1)
	}
}
