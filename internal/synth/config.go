package synth

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config says what to generate. The zero value of each optional field
// means its default.
type Config struct {
	// People is the size of the population (children and their parents
	// or carers). It must be at least 1.
	People int
	// Seed selects the population and every error in the extracts.
	Seed uint64
	// Agencies lists the extracts to write, from AgencyNames; nil means all.
	Agencies []string
	// Overlap overrides an agency's share of the eligible children it holds
	// (0..1). See DefaultOverlap.
	Overlap map[string]float64
	// Corruption is the error level: "none", "low", "default" or "high".
	// Empty means "default".
	Corruption string
	// AsOf is the extract date: ages are as of this day. Zero means
	// DefaultAsOf. Generation never reads the clock.
	AsOf time.Time
	// Force allows replacing a non-empty output directory.
	Force bool
	// Workers is the number of goroutines generating in parallel; 0 means
	// GOMAXPROCS. The output does not depend on it.
	Workers int
	// Progress, if not nil, is called from one goroutine as people are
	// written, with the number written so far and the total.
	Progress func(done, total int)
}

// DefaultAsOf is the extract date used when Config.AsOf is zero.
var DefaultAsOf = time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)

// DefaultPeople is the population size the CLI uses by default.
const DefaultPeople = 20000

// CorruptionLevels are the accepted Config.Corruption values and the factor
// each applies to every agency's error and duplicate rates.
var CorruptionLevels = map[string]float64{"none": 0, "low": 0.4, "default": 1, "high": 2.5}

// DefaultOverlap returns each agency's default share of eligible children:
// social work holds the children known to it (those looked after or on the
// child protection register), education nearly every child aged 3 or more,
// health nearly everyone, children's hearings a subset mostly shared with
// social work.
func DefaultOverlap() map[string]float64 {
	m := map[string]float64{}
	for i, s := range agencySpecs() {
		m[AgencyNames[i]] = s.overlap
	}
	return m
}

// ParseAgencies parses a comma-separated list of agency names.
func ParseAgencies(s string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if !slices.Contains(AgencyNames, a) {
			return nil, fmt.Errorf("unknown agency %q: choose from %s", a, strings.Join(AgencyNames, ","))
		}
		if slices.Contains(out, a) {
			return nil, fmt.Errorf("agency %q listed twice", a)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no agencies: choose from %s", strings.Join(AgencyNames, ","))
	}
	return out, nil
}

// ParseOverlap parses "agency=share,..." with shares between 0 and 1.
func ParseOverlap(s string) (map[string]float64, error) {
	m := map[string]float64{}
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok {
			return nil, fmt.Errorf("overlap %q: want agency=share, e.g. social_work=0.3", kv)
		}
		if !slices.Contains(AgencyNames, k) {
			return nil, fmt.Errorf("overlap: unknown agency %q: choose from %s", k, strings.Join(AgencyNames, ","))
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return nil, fmt.Errorf("overlap for %s must be a number from 0 to 1", k)
		}
		m[k] = f
	}
	return m, nil
}

// validate checks c and returns the resolved settings.
func (c *Config) validate() error {
	if c.People < 1 {
		return fmt.Errorf("people must be at least 1")
	}
	if c.People > 100_000_000 {
		return fmt.Errorf("people must be at most 100000000")
	}
	if c.Corruption == "" {
		c.Corruption = "default"
	}
	if _, ok := CorruptionLevels[c.Corruption]; !ok {
		return fmt.Errorf("corruption must be none, low, default or high, not %q", c.Corruption)
	}
	if c.Agencies == nil {
		c.Agencies = AgencyNames
	}
	if len(c.Agencies) == 0 {
		return fmt.Errorf("no agencies to generate")
	}
	for _, a := range c.Agencies {
		if !slices.Contains(AgencyNames, a) {
			return fmt.Errorf("unknown agency %q: choose from %s", a, strings.Join(AgencyNames, ","))
		}
	}
	for a, f := range c.Overlap {
		if !slices.Contains(AgencyNames, a) {
			return fmt.Errorf("overlap: unknown agency %q", a)
		}
		if !(f >= 0 && f <= 1) {
			return fmt.Errorf("overlap for %s must be from 0 to 1", a)
		}
	}
	if c.AsOf.IsZero() {
		c.AsOf = DefaultAsOf
	}
	if y := c.AsOf.Year(); y < 1980 || y > 2200 {
		return fmt.Errorf("as-of date must be between 1980 and 2200")
	}
	return nil
}
