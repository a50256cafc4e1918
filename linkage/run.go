package linkage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/pprl/pprl/internal/exitcode"
)

// RunOutputs is a finished match run read back from its directory: the
// summary (with the fitted model, able to score new pairs exactly as the
// run did) and every record's entity.
type RunOutputs struct {
	Dir      string
	Summary  Summary
	Entities map[RecordKey]string
	members  map[string][]RecordKey // entity ID → its records, sorted
}

// ReadRun reads summary.json and entities.parquet from a match run's
// directory. A summary that is not one pprl wrote (unknown fields, another
// format, a model that does not fit its rules) is refused.
func ReadRun(dir string) (*RunOutputs, error) {
	r := &RunOutputs{Dir: dir}
	raw, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("run %s: %w (give the directory pprl match wrote)", dir, err))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r.Summary); err != nil || r.Summary.Format != "pprl-match-summary" {
		return nil, exitcode.Inputf("run %s: %s is not a pprl match summary (or was edited): give the directory pprl match wrote", dir, SummaryFile)
	}
	if err := r.Summary.Model.restore(); err != nil {
		return nil, exitcode.Inputf("run %s: %s: %v", dir, SummaryFile, err)
	}
	if r.Entities, err = ReadEntities(filepath.Join(dir, EntitiesFile)); err != nil {
		return nil, err
	}
	r.members = map[string][]RecordKey{}
	for k, e := range r.Entities {
		r.members[e] = append(r.members[e], k)
	}
	for _, ms := range r.members {
		slices.SortFunc(ms, compareKeys)
	}
	return r, nil
}

// Members returns the records of entity id, sorted.
func (r *RunOutputs) Members(id string) []RecordKey { return r.members[id] }

// restore rebuilds the pattern weights of a model decoded from
// summary.json, checking that it is whole.
func (m *Model) restore() error {
	if m == nil {
		return fmt.Errorf("no model")
	}
	nb := len(diceEdges) + 1
	if len(m.Rules) == 0 || len(m.Rules) > MaxRules || len(m.DiceM) != nb || len(m.DiceU) != nb {
		return fmt.Errorf("the model does not have the shape pprl writes")
	}
	idx := map[string]int{}
	for i, r := range m.Rules {
		idx[r] = i
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if !finite(m.UnseenWeight) {
		return fmt.Errorf("the model's unseen pattern weight is not a number")
	}
	for k := range nb {
		if !(m.DiceM[k] > 0) || !(m.DiceU[k] > 0) || !finite(m.DiceM[k]) || !finite(m.DiceU[k]) {
			return fmt.Errorf("the model's Dice band %d has no usable m and u", k)
		}
	}
	if m.DiceUAgree != nil {
		if len(m.DiceUAgree) != nb {
			return fmt.Errorf("the model does not have the shape pprl writes")
		}
		for k, u := range m.DiceUAgree {
			if !(u > 0) || !finite(u) {
				return fmt.Errorf("the model's Dice band %d has no usable u given a rule agreement", k)
			}
		}
	}
	if m.IDRule != "" || m.DiceUIDDiffers != nil {
		r, ok := idx[m.IDRule]
		if !ok || len(m.DiceUIDDiffers) != nb {
			return fmt.Errorf("the model's ID rule %q is not one of its rules, or has no Dice distribution", m.IDRule)
		}
		for k, u := range m.DiceUIDDiffers {
			if !(u > 0) || !finite(u) {
				return fmt.Errorf("the model's Dice band %d has no usable u given differing IDs", k)
			}
		}
		m.idRule = r
	}
	// patternOf packs named rule outcomes.
	patternOf := func(what string, i int, agree, differ []string) (pattern, error) {
		var p pattern
		for _, list := range []struct {
			names []string
			code  pattern
		}{{agree, 1}, {differ, 2}} {
			for _, name := range list.names {
				r, ok := idx[name]
				if !ok || p.rule(r) != 0 {
					return 0, fmt.Errorf("%s %d names rule %q, which is not one of the model's rules (or twice)", what, i, name)
				}
				p |= list.code << (2 * r)
			}
		}
		return p, nil
	}
	m.patternW = make(map[pattern]float64, len(m.Patterns))
	for i := range m.Patterns {
		rp := &m.Patterns[i]
		p, err := patternOf("rule pattern", i, rp.Agree, rp.Differ)
		if err != nil {
			return err
		}
		if !finite(rp.Weight) {
			return fmt.Errorf("rule pattern %d has no usable weight", i)
		}
		rp.pattern = p
		m.patternW[p] = rp.Weight
	}
	m.restClear, m.diceGiven = 0, nil
	for _, name := range m.DiceGivenWithout {
		r, ok := idx[name]
		if !ok {
			return fmt.Errorf("the model's Dice given the rules leaves out %q, which is not one of its rules", name)
		}
		m.restClear |= 3 << (2 * r)
	}
	if len(m.DiceGiven) > 0 {
		r, ok := idx[m.PatternMFrom]
		if !ok || m.restClear.rule(r) == 0 {
			return fmt.Errorf("the model's Dice given the rules names no ID rule it leaves out")
		}
		m.restRule, m.diceGiven = r, make(map[pattern]diceGiven, len(m.DiceGiven))
	}
	for i, pd := range m.DiceGiven {
		p, err := patternOf("Dice given rule pattern", i, pd.Agree, pd.Differ)
		if err != nil {
			return err
		}
		if len(pd.DiceM) != nb || len(pd.DiceU) != nb || p&m.restClear != 0 {
			return fmt.Errorf("the model does not have the shape pprl writes")
		}
		for k := range nb {
			if !(pd.DiceM[k] > 0) || !(pd.DiceU[k] > 0) || !finite(pd.DiceM[k]) || !finite(pd.DiceU[k]) {
				return fmt.Errorf("Dice given rule pattern %d has no usable m and u in band %d", i, k)
			}
		}
		m.diceGiven[p] = diceGiven{m: pd.DiceM, u: pd.DiceU}
	}
	return nil
}
