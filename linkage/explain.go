package linkage

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Explaining decisions.
//
// summary.json (and the HTML report) carry a few candidate pairs' scores
// taken apart, the way Splink shows a waterfall chart of one pair: each
// piece of evidence with its probability among matches (m) and among
// non-matches (u), its weight log2(m/u), and the running total that is the
// pair's score, against the threshold it had to reach. The pairs are
// chosen by their scores (the strongest link, the weakest link kept, the
// strongest candidate turned down, a within-dataset link), never by who
// they are, and no record ID is written.

// Explanation is one candidate pair's score, piece by piece.
type Explanation struct {
	// What says why this pair was chosen, e.g. "the weakest link kept".
	What     string          `json:"what"`
	Datasets [2]string       `json:"datasets"`
	Steps    []WaterfallStep `json:"steps"`
	Score    float64         `json:"score"`
	// Threshold is the score the pair had to reach; Decision what happened.
	Threshold float64 `json:"threshold"`
	Decision  string  `json:"decision"`
}

// WaterfallStep is one piece of evidence of an Explanation.
type WaterfallStep struct {
	Evidence string  `json:"evidence"`
	M        float64 `json:"m"`
	U        float64 `json:"u"`
	Weight   float64 `json:"weight"`
	Total    float64 `json:"running_total"`
}

// explain takes pattern p's score apart under model m.
func (m *Model) explain(p pattern, tf float64, within bool, what, da, db string, threshold float64, decision string) Explanation {
	e := Explanation{What: what, Datasets: [2]string{da, db}, Threshold: round4(threshold), Decision: decision}
	var agree, differ, missing []string
	for r, name := range m.Rules {
		switch p.rule(r) {
		case 1:
			agree = append(agree, name)
		case 2:
			differ = append(differ, name)
		default:
			missing = append(missing, name)
		}
	}
	var parts []string
	if len(agree) > 0 {
		parts = append(parts, "rules "+strings.Join(agree, ", ")+" agree")
	}
	if len(differ) > 0 {
		parts = append(parts, strings.Join(differ, ", ")+" disagree")
	}
	if len(missing) > 0 {
		parts = append(parts, strings.Join(missing, ", ")+" missing on one side or both (no evidence either way)")
	}
	if len(parts) == 0 {
		parts = append(parts, "no token rules")
	}
	var outside []string
	for _, name := range agree {
		if slices.Contains(m.OutsideCLK, name) {
			outside = append(outside, name)
		}
	}
	if len(outside) > 0 {
		parts = append(parts, fmt.Sprintf("u is the chance rate of %s (which reads no CLK field, so strangers agree on it independently of the rest) times that of the other rules' pattern", strings.Join(outside, ", ")))
	}
	var outsideDiffer []string
	for _, name := range differ {
		if slices.Contains(m.OutsideCLK, name) {
			outsideDiffer = append(outsideDiffer, name)
		}
	}
	if len(outsideDiffer) > 0 {
		parts = append(parts, fmt.Sprintf("weighed at most as %s disagreeing (an ID number mistyped, independently of the rest) plus the other rules' pattern", strings.Join(outsideDiffer, ", ")))
	}
	rm, ru, rw := 0.0, 0.0, m.UnseenWeight
	for _, rp := range m.Patterns {
		if rp.pattern == p.rules() {
			rm, ru, rw = rp.M, rp.U, rp.Weight
		}
	}
	step := func(ev string, mm, uu, w float64) {
		e.Score += w
		e.Steps = append(e.Steps, WaterfallStep{Evidence: ev, M: roundSig(mm), U: roundSig(uu), Weight: round4(w), Total: round4(e.Score)})
	}
	step(strings.Join(parts, "; "), rm, ru, rw)
	k := p.band()
	hi := 1.0
	if k < len(m.DiceEdges) {
		hi = m.DiceEdges[k]
	}
	switch {
	case m.DiceUIDDiffers != nil && p.rule(m.idRule) == 2 && p.agreeMask(len(m.Rules)) != 0:
		step(fmt.Sprintf("CLK Dice in [%.2f, %.2f), weighed against namesakes: non-matches whose %s differs while another rule agrees", bandLow(k), hi, m.IDRule), m.DiceM[k], m.DiceUIDDiffers[k], m.diceBandWeight(p, within))
	case within && m.DiceUAgree != nil && p.agreeMask(len(m.Rules)) != 0:
		step(fmt.Sprintf("CLK Dice in [%.2f, %.2f), within one dataset weighed against non-matches that agree on a rule", bandLow(k), hi), m.DiceM[k], m.DiceUAgree[k], m.diceBandWeight(p, true))
	default:
		step(fmt.Sprintf("CLK Dice in [%.2f, %.2f)", bandLow(k), hi), m.DiceM[k], m.DiceU[k], m.diceBandWeight(p, false))
	}
	if w, mm, uu := m.diceGivenWeight(p); w != 0 {
		step(fmt.Sprintf("that Dice again, among the matches and among the namesakes whose rules other than %s agree and disagree as this pair's do: lower among the matches", m.PatternMFrom), mm, uu, w)
	}
	if tf != 0 {
		step("term frequency: the most specific agreeing rule's value is held by more records than this pair (m and u not applicable)", 0, 0, tf)
	}
	e.Score = round4(e.Score)
	return e
}

// roundSig rounds x to 4 significant digits (u is often below 1e-6).
func roundSig(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	scale := math.Pow(10, 3-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*scale) / scale
}

// exampleSet collects the candidate pairs to explain while links are
// decided: per kind, the extreme one seen so far.
type exampleSet struct {
	strongest, weakestKept, bestTurnedDown, within example
}

type example struct {
	ok      bool
	w, tf   float64
	within  bool // scored with Model.withinWeight
	p       pattern
	da, db  int
	bar     float64
	decided string
}

// offer considers a candidate with pattern p and score w, of which tf is
// its term-frequency adjustment, between datasets da and db, judged
// against bar.
func (x *exampleSet) offer(p pattern, w, tf float64, within bool, da, db int, bar float64) {
	c := example{ok: true, w: w, tf: tf, within: within, p: p, da: da, db: db, bar: bar}
	switch {
	case w < bar:
		c.decided = "below the threshold: not linked"
		if !x.bestTurnedDown.ok || w > x.bestTurnedDown.w {
			x.bestTurnedDown = c
		}
		return
	case da == db:
		c.decided = "at or above the within-dataset threshold: linked when consistent with its entity"
		if !x.within.ok || w < x.within.w {
			x.within = c
		}
		return
	}
	c.decided = "at or above the threshold: linked when the solver keeps it (each record's best consistent partner)"
	if !x.strongest.ok || w > x.strongest.w {
		x.strongest = c
	}
	if !x.weakestKept.ok || w < x.weakestKept.w {
		x.weakestKept = c
	}
}

// explanations returns the collected examples taken apart.
func (x *exampleSet) explanations(m *Model, ds []*Dataset) []Explanation {
	out := []Explanation{}
	for _, c := range []struct {
		what string
		e    example
	}{
		{"the strongest candidate between datasets", x.strongest},
		{"the weakest candidate between datasets that reached the threshold", x.weakestKept},
		{"the weakest within-dataset candidate that reached its threshold", x.within},
		{"the strongest candidate turned down", x.bestTurnedDown},
	} {
		if c.e.ok {
			out = append(out, m.explain(c.e.p, c.e.tf, c.e.within, c.what, ds[c.e.da].Name, ds[c.e.db].Name, c.e.bar, c.e.decided))
		}
	}
	return out
}
