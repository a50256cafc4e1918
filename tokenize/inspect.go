package tokenize

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"filippo.io/age"

	"github.com/pprl/pprl/bloom"
	"github.com/pprl/pprl/internal/tokenfile"
)

// Inspection summarises a token file without identifiers and without the
// project secret: its manifest, how often each token rule is null, and the
// distribution of CLK popcounts (a CLK with very few bits set carries
// little to match on; a spike may show a field missing throughout).
type Inspection struct {
	Path       string             `json:"path"`
	Sealed     bool               `json:"sealed"`
	Manifest   tokenfile.Manifest `json:"manifest"`
	Records    int                `json:"records"`
	Rules      []NullRate         `json:"rules"`
	Attributes []NullRate         `json:"attributes"`
	Popcount   PopcountHistogram  `json:"popcount"`
}

// NullRate counts the null values of one column.
type NullRate struct {
	Name  string  `json:"name"`
	Nulls int     `json:"nulls"`
	Rate  float64 `json:"rate"`
}

// PopcountHistogram is the distribution of CLK popcounts in equal-width
// bins over [0, clk_bits].
type PopcountHistogram struct {
	Min      int           `json:"min"`
	Max      int           `json:"max"`
	Mean     float64       `json:"mean"`
	BinWidth int           `json:"bin_width"`
	Bins     []PopcountBin `json:"bins"`
}

// PopcountBin is one histogram bin: CLKs with From ≤ popcount ≤ To.
type PopcountBin struct {
	From  int `json:"from"`
	To    int `json:"to"`
	Count int `json:"count"`
}

// popcountBins is the number of histogram bins.
const popcountBins = 32

// Inspect reads the token file at path (sealed files need the linkage
// unit's identities) and summarises it. It streams the file in batches of
// 32,768 records and never reads the record IDs, so memory stays small
// whatever the file's size.
func Inspect(path string, identities []age.Identity) (*Inspection, error) {
	f, err := tokenfile.Open(path, identities) // checks the manifest and schema
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := f.Manifest()
	in := &Inspection{Path: path, Sealed: f.Sealed(), Manifest: m}
	nr, na := len(m.Rules), len(m.Attributes)
	ruleNulls, attrNulls := make([]int, nr), make([]int, na)
	h := newPopcountHistogram(m.CLKBits)
	err = f.Stream(false, func(b *tokenfile.ReadBatch) error {
		for i := range b.Len() {
			h.add(bloom.Popcount(b.CLK(i)))
		}
		for r := range nr {
			ruleNulls[r] += b.TokenNulls(r)
		}
		for a := range na {
			attrNulls[a] += b.AttributeNulls(a)
		}
		in.Records += b.Len()
		return nil
	})
	if err != nil {
		return nil, err
	}
	for r, name := range m.Rules {
		in.Rules = append(in.Rules, NullRate{Name: name, Nulls: ruleNulls[r], Rate: rate(ruleNulls[r], in.Records)})
	}
	for a, name := range m.Attributes {
		in.Attributes = append(in.Attributes, NullRate{Name: name, Nulls: attrNulls[a], Rate: rate(attrNulls[a], in.Records)})
	}
	in.Popcount = h.finish()
	return in, nil
}

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// popcountCounter accumulates a PopcountHistogram.
type popcountCounter struct {
	bits, width   int
	counts        []int
	n, total, min int
	max           int
}

func newPopcountHistogram(bits int) *popcountCounter {
	width := (bits + popcountBins) / popcountBins // bins cover 0..bits inclusive
	return &popcountCounter{bits: bits, width: width, counts: make([]int, bits/width+1), min: -1}
}

func (c *popcountCounter) add(p int) {
	c.counts[p/c.width]++
	c.n++
	c.total += p
	if c.min < 0 || p < c.min {
		c.min = p
	}
	c.max = max(c.max, p)
}

func (c *popcountCounter) finish() PopcountHistogram {
	h := PopcountHistogram{BinWidth: c.width, Min: max(c.min, 0), Max: c.max}
	if c.n > 0 {
		h.Mean = float64(c.total) / float64(c.n)
	}
	for b, n := range c.counts {
		h.Bins = append(h.Bins, PopcountBin{From: b * c.width, To: min(c.bits, (b+1)*c.width-1), Count: n})
	}
	return h
}

// WriteJSON writes the inspection as indented JSON.
func (in *Inspection) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(in)
}

// WriteText writes the inspection for people.
func (in *Inspection) WriteText(w io.Writer) {
	m := in.Manifest
	sealed := "unsealed"
	if in.Sealed {
		sealed = "sealed"
	}
	fmt.Fprintf(w, "%s (%s)\n", in.Path, sealed)
	fmt.Fprintf(w, "  format:             %s v%d, written by pprl %s (normalisers v%d) at %s\n", m.Format, m.FormatVersion, m.PPRLVersion, m.Normalisers(), m.Created)
	fmt.Fprintf(w, "  dataset:            %s\n", m.Dataset)
	if m.Release != "" {
		fmt.Fprintf(w, "  release:            %s\n", m.Release)
	}
	fmt.Fprintf(w, "  schema fingerprint: %s (%s encoding)\n", m.SchemaFingerprint, m.Encoding)
	fmt.Fprintf(w, "  secret fingerprint: %s\n", m.SecretFingerprint)
	fmt.Fprintf(w, "  CLK:                %d bits", m.CLKBits)
	if len(m.CLKFields) > 0 {
		fmt.Fprintf(w, " (reads %s)", strings.Join(m.CLKFields, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  rows:               %d read, %d encoded, %d rejected\n", m.Rows.Read, m.Rows.Encoded, m.Rows.Rejected)
	for _, f := range sortedKeys(m.Rows.Rejects) {
		for _, r := range sortedKeys(m.Rows.Rejects[f]) {
			fmt.Fprintf(w, "    rejected: %-14s %-18s %d\n", f, r, m.Rows.Rejects[f][r])
		}
	}
	if len(in.Rules) > 0 {
		if m.TokenBytes == 0 {
			fmt.Fprintf(w, "  tokens:             %d bytes (whole HMAC-SHA256s: made before pprl wrote 16; they link with newer files)\n", m.TokenWidth())
		} else {
			fmt.Fprintf(w, "  tokens:             %d bytes (the first %d bits of HMAC-SHA256)\n", m.TokenWidth(), 8*m.TokenWidth())
		}
		fmt.Fprintln(w, "token rules (share of records without a token):")
		for k, r := range in.Rules {
			fmt.Fprintf(w, "  tok_%-10s %6.2f%%  (%d null)", r.Name, 100*r.Rate, r.Nulls)
			if k < len(m.RuleFields) {
				fmt.Fprintf(w, "  reads %s", strings.Join(m.RuleFields[k], ", "))
			}
			if slices.Contains(m.FamilyRules, r.Name) {
				fmt.Fprint(w, "  (family rule)")
			}
			if slices.Contains(m.UnorderedRules, r.Name) {
				fmt.Fprint(w, "  (either order)")
			}
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintln(w, "token rules: none")
	}
	for _, a := range in.Attributes {
		fmt.Fprintf(w, "  attr_%-9s %6.2f%% null\n", a.Name, 100*a.Rate)
	}
	p := in.Popcount
	fmt.Fprintf(w, "CLK popcount: min %d, mean %.1f, max %d\n", p.Min, p.Mean, p.Max)
	peak := 0
	for _, b := range p.Bins {
		peak = max(peak, b.Count)
	}
	for _, b := range p.Bins {
		if b.Count == 0 {
			continue
		}
		bar := 0
		if peak > 0 {
			bar = (b.Count*40 + peak - 1) / peak
		}
		fmt.Fprintf(w, "  %4d-%-4d %8d %s\n", b.From, b.To, b.Count, strings.Repeat("#", bar))
	}
}
