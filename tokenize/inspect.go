package tokenize

import (
	"encoding/json"
	"fmt"
	"io"
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
// unit's identities) and summarises it.
func Inspect(path string, identities []age.Identity) (*Inspection, error) {
	f, err := tokenfile.Open(path, identities)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := f.ReadAll()
	if err != nil {
		return nil, err
	}
	m := f.Manifest()
	in := &Inspection{Path: path, Sealed: f.Sealed(), Manifest: m, Records: d.Len()}
	for r, name := range m.Rules {
		nulls := 0
		for _, ok := range d.TokenValid[r] {
			if !ok {
				nulls++
			}
		}
		in.Rules = append(in.Rules, NullRate{Name: name, Nulls: nulls, Rate: rate(nulls, d.Len())})
	}
	for a, name := range m.Attributes {
		nulls := 0
		for _, v := range d.Attributes[a] {
			if v == "" {
				nulls++
			}
		}
		in.Attributes = append(in.Attributes, NullRate{Name: name, Nulls: nulls, Rate: rate(nulls, d.Len())})
	}
	in.Popcount = popcountHistogram(d, m.CLKBits)
	return in, nil
}

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

func popcountHistogram(d *tokenfile.Data, bits int) PopcountHistogram {
	width := (bits + popcountBins) / popcountBins // bins cover 0..bits inclusive
	h := PopcountHistogram{BinWidth: width, Min: -1}
	counts := make([]int, (bits/width)+1)
	total := 0
	for i := 0; i < d.Len(); i++ {
		p := bloom.Popcount(d.CLK(i))
		counts[p/width]++
		total += p
		if h.Min < 0 || p < h.Min {
			h.Min = p
		}
		h.Max = max(h.Max, p)
	}
	if d.Len() == 0 {
		h.Min = 0
	} else {
		h.Mean = float64(total) / float64(d.Len())
	}
	for b, c := range counts {
		h.Bins = append(h.Bins, PopcountBin{From: b * width, To: min(bits, (b+1)*width-1), Count: c})
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
	fmt.Fprintf(w, "  format:             %s v%d, written by pprl %s at %s\n", m.Format, m.FormatVersion, m.PPRLVersion, m.Created)
	fmt.Fprintf(w, "  dataset:            %s\n", m.Dataset)
	fmt.Fprintf(w, "  schema fingerprint: %s (%s encoding)\n", m.SchemaFingerprint, m.Encoding)
	fmt.Fprintf(w, "  secret fingerprint: %s\n", m.SecretFingerprint)
	fmt.Fprintf(w, "  CLK:                %d bits\n", m.CLKBits)
	fmt.Fprintf(w, "  rows:               %d read, %d encoded, %d rejected\n", m.Rows.Read, m.Rows.Encoded, m.Rows.Rejected)
	for _, f := range sortedKeys(m.Rows.Rejects) {
		for _, r := range sortedKeys(m.Rows.Rejects[f]) {
			fmt.Fprintf(w, "    rejected: %-14s %-18s %d\n", f, r, m.Rows.Rejects[f][r])
		}
	}
	if len(in.Rules) > 0 {
		fmt.Fprintln(w, "token rules (share of records without a token):")
		for _, r := range in.Rules {
			fmt.Fprintf(w, "  tok_%-10s %6.2f%%  (%d null)\n", r.Name, 100*r.Rate, r.Nulls)
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
