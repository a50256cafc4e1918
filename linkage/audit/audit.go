package audit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"
)

// Attack names, as reported.
const (
	FrequencyAlignment = "frequency-alignment"
	PatternMining      = "pattern-mining"
)

// DefaultRiskThreshold is the highest share of first names or surnames an
// attack may recover for a file to pass: 1%.
const DefaultRiskThreshold = 0.01

// Config is the attacker's knowledge and the audit's settings.
type Config struct {
	// Forenames and Surnames are name-frequency lists from the same
	// population as the encoded file. At least one is required.
	Forenames, Surnames *NameList
	// Normalise maps a raw name to the form the encoder hashed (e.g. the
	// native schema's canonical upper-case form), or "" when the encoder
	// would reject it. It is applied to the name lists and the truth.
	// Default: NormaliseName (lower case, spaces collapsed), which suits
	// lists and files prepared the way clkhash users usually prepare them.
	Normalise func(string) string
	// Q is the q-gram length the attack assumes (default 2) and Unpadded
	// turns off clkhash's padding of values with q−1 spaces on each side.
	Q        int
	Unpadded bool
	// RiskThreshold is the recovery share above which the verdict is FAIL
	// (default DefaultRiskThreshold).
	RiskThreshold float64
	// Workers bounds parallelism (default GOMAXPROCS).
	Workers int
	// With truth, the known-plaintext attack labels this share of the
	// records (0: DefaultLabelled) and passes at up to KnownPlaintextLimit
	// of values recovered above chance (0: DefaultKnownPlaintextLimit).
	Labelled            float64
	KnownPlaintextLimit float64
	// Attacker, when not nil, is the attacker's own encoding of the same
	// records (record i of it is record i of the audited file: the truth's
	// plaintext encoded with the spec under another key), and the
	// graph-matching attack runs from KnownPairs known pairs (0:
	// DefaultKnownPairs). With AttackerRecords, record k of Attacker is
	// record AttackerRecords[k] of the file (the attacker holds only
	// those).
	Attacker        []byte
	AttackerRecords []int
	KnownPairs      int
}

// Truth is the true plaintext, for development and evaluation only: the
// forename and surname of record i are Forenames[i] and Surnames[i] (either
// slice may be nil; empty strings mean unknown and are not scored).
type Truth struct {
	Forenames, Surnames []string
	// DOBs and Sexes, when not nil, are the records' dates of birth (with
	// a four-digit year, in any order of day, month and year) and sexes,
	// for the known-plaintext attack.
	DOBs, Sexes []string
}

// FieldResult is one attack's outcome for one field. Counts never carry
// names.
type FieldResult struct {
	Field string `json:"field"`
	// Guessed and Confident count records the attack named a value for, and
	// those it named one with confidence.
	Guessed   int `json:"guessed"`
	Confident int `json:"confident"`
	// ConfidentShare is Confident / records: without truth, the estimate of
	// the share the attack recovers (it is right on most confident guesses
	// when the file is vulnerable).
	ConfidentShare float64 `json:"confident_share"`
	// With truth only: Scored is the number of records with a known true
	// value, Recovered those the attack guessed exactly, RecoveryRate =
	// Recovered/Scored, ConfidentCorrect the confident guesses that were
	// right and ConfidentPrecision = ConfidentCorrect/Confident.
	Scored       int      `json:"scored,omitempty"`
	Recovered    int      `json:"recovered,omitempty"`
	RecoveryRate *float64 `json:"recovery_rate,omitempty"`
	// ChanceRate is the share the same guesses would hit by luck: the sum,
	// over scored records with a guess, of the guessed name's share of the
	// list, over Scored. Naming every record "Smith" recovers a few percent
	// of surnames without any attack; ExcessRate = RecoveryRate − ChanceRate
	// (at least 0) is what the encoding gives away.
	ChanceRate         *float64 `json:"chance_rate,omitempty"`
	ExcessRate         *float64 `json:"excess_rate,omitempty"`
	ConfidentCorrect   int      `json:"confident_correct,omitempty"`
	ConfidentPrecision *float64 `json:"confident_precision,omitempty"`
}

// Risk returns the share used for the verdict: the recovery rate above
// chance when truth was given, otherwise the share of confident guesses.
func (f *FieldResult) Risk() float64 {
	if f.ExcessRate != nil {
		return *f.ExcessRate
	}
	return f.ConfidentShare
}

// AttackResult is the outcome of one attack.
type AttackResult struct {
	Attack string `json:"attack"`
	// Limit is the largest risk (Risk of a field) the attack may reach for
	// the file to pass.
	Limit float64 `json:"limit"`
	// Atoms is the number of bit-position groups the miner found; Labelled
	// those the attack matched to a q-gram of a name list.
	Atoms    int `json:"atoms"`
	Labelled int `json:"labelled"`
	// Cohorts and CohortRecords, for the by-year attack: the birth-year
	// cohorts mined and the records in them (the records scored).
	Cohorts       int           `json:"cohorts,omitempty"`
	CohortRecords int           `json:"cohort_records,omitempty"`
	Fields        []FieldResult `json:"fields"`
	Seconds       float64       `json:"seconds"`
}

// Result is an audit's outcome: aggregate rates only, never a name.
type Result struct {
	Records       int            `json:"records"`
	Bits          int            `json:"bits"`
	TruthGiven    bool           `json:"truth_given"`
	RiskThreshold float64        `json:"risk_threshold"`
	Attacks       []AttackResult `json:"attacks"`
	// MaxRisk is the largest Risk over attacks and fields, and Pass whether
	// it is at most RiskThreshold.
	MaxRisk float64 `json:"max_risk"`
	// NotRun says, per attack the audit could not run on this file, why
	// (for example no birth-year cohort large enough to mine).
	NotRun  []string `json:"not_run,omitempty"`
	Pass    bool     `json:"pass"`
	Verdict string   `json:"verdict"`
}

// Run audits n = len(clks)/width encoded records (stored contiguously,
// width bytes each, as in a token file) against the attacker's name lists:
// a frequency-alignment attack and a pattern-mining attack, each trying to
// recover every record's forename and surname. truth may be nil.
func Run(ctx context.Context, clks []byte, width int, cfg Config, truth *Truth) (*Result, error) {
	res, _, err := run(ctx, clks, width, cfg, truth)
	return res, err
}

// run is Run, also returning each attack's guesses (indices into the name
// lists) for the package's own tests.
func run(ctx context.Context, clks []byte, width int, cfg Config, truth *Truth) (*Result, [][2][]guess, error) {
	if width <= 0 || width%8 != 0 {
		return nil, nil, fmt.Errorf("audit: filter width %d bytes is not a positive multiple of 8", width)
	}
	if len(clks)%width != 0 {
		return nil, nil, fmt.Errorf("audit: %d bytes of filters is not a whole number of %d-byte filters", len(clks), width)
	}
	if cfg.Forenames == nil && cfg.Surnames == nil {
		return nil, nil, errors.New("audit: no name list: give a forename list, a surname list or both")
	}
	n := len(clks) / width
	if truth != nil {
		if (truth.Forenames != nil && len(truth.Forenames) != n) || (truth.Surnames != nil && len(truth.Surnames) != n) {
			return nil, nil, fmt.Errorf("audit: truth has %d forenames and %d surnames for %d records", len(truth.Forenames), len(truth.Surnames), n)
		}
	}
	if cfg.Q <= 0 {
		cfg.Q = 2
	}
	if cfg.RiskThreshold <= 0 {
		cfg.RiskThreshold = DefaultRiskThreshold
	}
	norm := cfg.Normalise
	if norm == nil {
		norm = NormaliseName
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{Records: n, Bits: width * 8, TruthGiven: truth != nil, RiskThreshold: cfg.RiskThreshold}
	if n == 0 {
		res.Pass, res.Verdict = true, "PASS: the file has no records"
		return res, nil, nil
	}

	ls := newLabelSpace(cfg)

	start := time.Now()
	x := newMatrix(clks, width)
	atoms, c, assign, err := mineAndLabel(ctx, x, ls, cfg.Workers)
	if err != nil {
		return nil, nil, err
	}
	mined := time.Since(start)

	var allGuesses [][2][]guess
	for _, attack := range []string{FrequencyAlignment, PatternMining} {
		t0 := time.Now()
		var guesses [2][]guess
		ar := AttackResult{Attack: attack, Atoms: len(atoms)}
		if attack == FrequencyAlignment {
			guesses, ar.Labelled = alignSignatures(c, ls, n)
		} else {
			guesses = decodeAll(x, atoms, assign, ls)
			for _, id := range assign {
				if id >= 0 {
					ar.Labelled++
				}
			}
		}
		for f := range 2 {
			if ls.fields[f].list.Len() == 0 {
				continue
			}
			var tv []string
			if truth != nil {
				tv = [2][]string{truth.Forenames, truth.Surnames}[f]
			}
			ar.Fields = append(ar.Fields, score(fieldNames[f], guesses[f], ls.fields[f].list, tv, norm))
		}
		ar.Seconds = (mined + time.Since(t0)).Seconds()
		res.Attacks = append(res.Attacks, ar)
		allGuesses = append(allGuesses, guesses)
	}
	if truth != nil {
		t0 := time.Now()
		share := cfg.Labelled
		if share <= 0 {
			share = DefaultLabelled
		}
		ar := knownPlaintext(x, truth, share, 1)
		ar.Limit = cfg.KnownPlaintextLimit
		if ar.Limit <= 0 {
			ar.Limit = DefaultKnownPlaintextLimit
		}
		ar.Labelled = int(math.Round(share * float64(n)))
		ar.Seconds = time.Since(t0).Seconds()
		res.Attacks = append(res.Attacks, ar)
	}
	if truth != nil && truth.DOBs != nil {
		ar, err := patternMiningByYear(ctx, clks, width, ls, cfg.Workers, truth, norm)
		if err != nil {
			return nil, nil, err
		}
		if ar != nil {
			res.Attacks = append(res.Attacks, *ar)
		} else {
			res.NotRun = append(res.NotRun, fmt.Sprintf("%s: no birth year has %d records with a date of birth in the truth, too few to mine", PatternMiningByYear, minCohort))
		}
	}
	if cfg.Attacker != nil {
		target := x
		if cfg.AttackerRecords != nil {
			sub := make([]byte, 0, len(cfg.AttackerRecords)*width)
			for _, i := range cfg.AttackerRecords {
				if i < 0 || i >= n {
					return nil, nil, fmt.Errorf("audit: attacker record %d is not a record of the file", i)
				}
				sub = append(sub, clks[i*width:(i+1)*width]...)
			}
			target = newMatrix(sub, width)
		}
		if len(cfg.Attacker) != target.n*width {
			return nil, nil, fmt.Errorf("audit: the attacker's encoding has %d bytes for %d records of %d bytes", len(cfg.Attacker), target.n, width)
		}
		t0 := time.Now()
		known := cfg.KnownPairs
		if known <= 0 {
			known = DefaultKnownPairs
		}
		ar := graphMatch(target, newMatrix(cfg.Attacker, width), min(known, target.n-1), 1)
		ar.Limit = cfg.RiskThreshold
		ar.Seconds = time.Since(t0).Seconds()
		res.Attacks = append(res.Attacks, ar)
	}
	res.Pass = true
	for k := range res.Attacks {
		a := &res.Attacks[k]
		if a.Limit == 0 {
			a.Limit = cfg.RiskThreshold
		}
		for i := range a.Fields {
			res.MaxRisk = max(res.MaxRisk, a.Fields[i].Risk())
			if a.Fields[i].Risk() > a.Limit {
				res.Pass = false
			}
		}
	}
	res.Verdict = verdict(res)
	return res, allGuesses, nil
}

// newLabelSpace returns the q-grams of cfg's name lists the attacks label
// atoms with. An absent list becomes an empty field model that labels
// nothing.
func newLabelSpace(cfg Config) *labelSpace {
	ls := &labelSpace{}
	for f, l := range [2]*NameList{cfg.Forenames, cfg.Surnames} {
		l = renormalise(l, cfg.Normalise)
		ls.fields[f] = newFieldModel(l, cfg.Q, !cfg.Unpadded)
	}
	ls.off = len(ls.fields[Forename].grams)
	return ls
}

// mineAndLabel finds the atoms of x and labels them with q-grams of the
// name lists. It mines exactly first (q-gram positions always set, as in
// plain CLKs); when that explains little, it mines again tolerating lost
// positions (as after XOR-folding or BLIP) and keeps whichever the
// labelling fits better — a choice the attacker can make without any
// truth.
func mineAndLabel(ctx context.Context, x *matrix, ls *labelSpace, workers int) ([]*atom, *coLabeller, []int, error) {
	var (
		atoms  []*atom
		c      *coLabeller
		assign []int
	)
	n := x.n
	bestGain := -1.0
	for _, tolerant := range []bool{false, true} {
		prm := minerParams{minSupport: max(4, n/2000), minPositions: 3, coSet: 0.98, maxPasses: 4,
			tolerant: tolerant, minRho: 0.6}
		if tolerant {
			density := 0.0
			for _, f := range x.freq {
				density += float64(f)
			}
			density = min(max(density/float64(x.n*x.m), 0.01), 0.99)
			prm.needTab = tolerantNeeds(x.m, density, 1e-3)
		}
		as, err := mineAtoms(ctx, x, prm)
		if err != nil {
			return nil, nil, nil, err
		}
		as = refineAtoms(x, as, prm)
		cl := newCoLabeller(as, ls, n, workers)
		asg, gain := cl.run(6)
		if gain > bestGain {
			atoms, c, assign, bestGain = as, cl, asg, gain
		}
		if gain >= 20*goodCost { // dozens of atoms fit: the exact miner works
			break
		}
	}
	return atoms, c, assign, nil
}

// decodeAll guesses every record's forename and surname from labelled atoms.
func decodeAll(x *matrix, atoms []*atom, assign []int, ls *labelSpace) [2][]guess {
	var out [2][]guess
	for f := range 2 {
		atomOf := map[int]int{}
		held := make([][]int, x.n)
		for i, id := range assign {
			if id < 0 {
				continue
			}
			l := ls.of(id)
			if l.f != f {
				continue
			}
			atomOf[l.g] = i
			atoms[i].recs.each(func(r int) { held[r] = append(held[r], i) })
		}
		d := newDecoder(ls.fields[f], atomOf)
		out[f] = make([]guess, x.n)
		for r := range x.n {
			// held[r] is sorted: atoms were visited in index order.
			out[f][r] = d.decode(held[r])
		}
	}
	return out
}

// score counts guesses, and with truth the exact recoveries.
func score(field string, gs []guess, l *NameList, truth []string, norm func(string) string) FieldResult {
	fr := FieldResult{Field: field}
	for _, g := range gs {
		if g.name >= 0 {
			fr.Guessed++
			if g.confident {
				fr.Confident++
			}
		}
	}
	fr.ConfidentShare = float64(fr.Confident) / float64(len(gs))
	if truth == nil {
		return fr
	}
	var total float64
	for _, c := range l.Counts {
		total += float64(c)
	}
	var chance float64
	for r, g := range gs {
		t := norm(truth[r])
		if t == "" {
			continue
		}
		fr.Scored++
		if g.name >= 0 {
			chance += float64(l.Counts[g.name]) / total
		}
		if g.name >= 0 && l.Names[g.name] == t {
			fr.Recovered++
			if g.confident {
				fr.ConfidentCorrect++
			}
		}
	}
	rate, ch := 0.0, 0.0
	if fr.Scored > 0 {
		rate = float64(fr.Recovered) / float64(fr.Scored)
		ch = chance / float64(fr.Scored)
	}
	ex := max(rate-ch, 0)
	fr.RecoveryRate, fr.ChanceRate, fr.ExcessRate = &rate, &ch, &ex
	prec := 0.0
	if fr.Confident > 0 {
		prec = float64(fr.ConfidentCorrect) / float64(fr.Confident)
	}
	fr.ConfidentPrecision = &prec
	return fr
}

func verdict(r *Result) string {
	basis := "share of records with a confident guess; no truth given, so an estimate"
	if r.TruthGiven {
		basis = "share recovered exactly above chance, scored against the given truth"
	}
	if r.Pass {
		return fmt.Sprintf("PASS: every attack within its limit (%s; worst %.2f%%, %s)", limits(r), 100*r.MaxRisk, basis)
	}
	var worst *AttackResult
	var field FieldResult
	for k := range r.Attacks {
		for _, f := range r.Attacks[k].Fields {
			if f.Risk() > r.Attacks[k].Limit && (worst == nil || f.Risk()-r.Attacks[k].Limit > field.Risk()-worst.Limit) {
				worst, field = &r.Attacks[k], f
			}
		}
	}
	return fmt.Sprintf("FAIL: %s recovers %.1f%% of %s values, above its %.1f%% limit (%s); "+
		"do not release this file: re-encode it with the native default hardening of pprl schema init (keyed diffusion, salted fields), and rotate the project secret for each release",
		worst.Attack, 100*field.Risk(), field.Field, 100*worst.Limit, basis)
}

// limits lists the attacks' limits, e.g. "1.0% for frequency-alignment".
func limits(r *Result) string {
	var parts []string
	for _, a := range r.Attacks {
		parts = append(parts, fmt.Sprintf("%s %.1f%%", a.Attack, 100*a.Limit))
	}
	return strings.Join(parts, ", ")
}

// renormalise returns l with every name mapped by norm (nil: l as it is;
// names norm rejects are dropped and names it merges are summed). A nil
// list becomes an empty one, which labels nothing.
func renormalise(l *NameList, norm func(string) string) *NameList {
	if l == nil {
		return &NameList{}
	}
	if norm == nil {
		return l
	}
	sums := map[string]int64{}
	for i, n := range l.Names {
		if v := norm(n); v != "" {
			sums[v] += l.Counts[i]
		}
	}
	return newNameList(sums)
}
