package audit

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// The similarity-graph-matching attack (after Culnane, Rubinstein and
// Teague, and Vidanage et al.; Schäfer et al. 2024 against hardening): the
// attacker holds plaintext records of an overlapping population, encodes
// them with the published spec under a key of its own, and knows a few
// pairs (its record, the target's record) for certain. Encodings of one
// spec preserve similarity whatever the key, so a record's Dice to each
// known record is nearly the same number in both files: that vector is a
// fingerprint the key does not change. The attack matches each target
// record to the attacker record with the nearest fingerprint, then adds
// the surest matches (mutual nearest, with the widest margin) to the known
// pairs and matches again, growing outward from the seeds.
//
// Hardening that breaks the link between plaintext similarity and filter
// similarity (diffusion) blurs the fingerprints; salting does not, since
// the attacker's own encoding salts alike.

// GraphMatching is the attack's name, as reported.
const GraphMatching = "graph-matching"

// DefaultKnownPairs is how many (attacker, target) record pairs the
// graph-matching attacker is assumed to know.
const DefaultKnownPairs = 50

// Bounds of the attack's work: the fingerprint length (known pairs used as
// anchors) and the rounds of growing them.
const (
	graphMaxAnchors = 128
	graphRounds     = 4
)

// graphMatch runs the attack: target and attacker are the same n people
// (record i of each), encoded under different keys; the attacker knows
// `known` of the pairs. It returns the result on the other records: the
// share matched to their own encoding, against chance 1/(n−known).
func graphMatch(target, attacker *matrix, known int, seed uint64) AttackResult {
	ar := AttackResult{Attack: GraphMatching}
	fr := FieldResult{Field: "record"}
	n := target.n
	if attacker.n != n || known <= 0 || known >= n {
		return ar
	}
	r := rand.New(rand.NewPCG(seed, 0x67726170))
	order := r.Perm(n)
	type pair struct{ t, a int }
	var anchors []pair
	seedT, seedA := make([]bool, n), make([]bool, n)
	for _, i := range order[:known] {
		anchors = append(anchors, pair{i, i})
		seedT[i], seedA[i] = true, true
	}
	var match []int // match[i]: attacker record for target i, −1 none
	for round := range graphRounds {
		use := anchors[:min(len(anchors), graphMaxAnchors)]
		ft := fingerprints(target, use, func(p pair) int { return p.t })
		fa := fingerprints(attacker, use, func(p pair) int { return p.a })
		var best []nearest
		match, best = nearestAll(ft, fa, len(use), seedT, seedA)
		if round == graphRounds-1 {
			break
		}
		// Grow: the surest matches become anchors (the attacker cannot tell
		// right from wrong; mutual nearest and a wide margin are its test).
		var sure []nearest
		for _, b := range best {
			if b.mutual {
				sure = append(sure, b)
			}
		}
		slices.SortFunc(sure, func(x, y nearest) int { return cmp.Compare(y.margin, x.margin) })
		for _, b := range sure[:min(len(sure), len(anchors))] {
			if !seedT[b.t] && !seedA[b.a] {
				anchors = append(anchors, pair{b.t, b.a})
				seedT[b.t], seedA[b.a] = true, true
			}
		}
	}
	// Scored on every record that was not a given pair.
	for _, i := range order[known:] {
		fr.Scored++
		if match[i] >= 0 {
			fr.Guessed++
		}
		if match[i] == i {
			fr.Recovered++
		}
	}
	fr.Confident = fr.Guessed
	setRates(&fr, n, 1/float64(n-known))
	ar.Fields = []FieldResult{fr}
	ar.Labelled = known
	return ar
}

// fingerprints returns, for every record of x, its Dice to each anchor,
// standardised per anchor (mean 0, deviation 1 over the records), as rows
// of d = len(anchors) values.
func fingerprints[P any](x *matrix, anchors []P, rec func(P) int) []float32 {
	d := len(anchors)
	out := make([]float32, x.n*d)
	for k, p := range anchors {
		s := rec(p)
		sum, sq := 0.0, 0.0
		for i := range x.n {
			v := x.dice(i, s)
			out[i*d+k] = float32(v)
			sum += v
			sq += v * v
		}
		mean := sum / float64(x.n)
		sd := math.Sqrt(max(sq/float64(x.n)-mean*mean, 1e-12))
		for i := range x.n {
			out[i*d+k] = float32((float64(out[i*d+k]) - mean) / sd)
		}
	}
	return out
}

// nearest is a target record's nearest attacker record, the margin to the
// second nearest, and whether the target is also that record's nearest.
type nearest struct {
	t, a   int
	margin float64
	mutual bool
}

// nearestAll matches every target record not yet paired to its nearest
// attacker record not yet paired (squared distance between fingerprints).
func nearestAll(ft, fa []float32, d int, doneT, doneA []bool) ([]int, []nearest) {
	n := len(ft) / d
	match := make([]int, n)
	backBest := make([]int, n)
	backDist := make([]float32, n)
	for j := range backBest {
		backBest[j], backDist[j] = -1, float32(math.Inf(1))
	}
	var out []nearest
	for i := range n {
		match[i] = -1
		if doneT[i] {
			continue
		}
		fi := ft[i*d : (i+1)*d]
		b1, b2 := float32(math.Inf(1)), float32(math.Inf(1))
		bj := -1
		for j := range n {
			if doneA[j] {
				continue
			}
			fj := fa[j*d : (j+1)*d]
			var s float32
			for k, v := range fi {
				e := v - fj[k]
				s += e * e
			}
			if s < b1 {
				b1, b2, bj = s, b1, j
			} else if s < b2 {
				b2 = s
			}
			if s < backDist[j] {
				backDist[j], backBest[j] = s, i
			}
		}
		match[i] = bj
		if bj >= 0 {
			out = append(out, nearest{t: i, a: bj, margin: float64(b2 - b1)})
		}
	}
	for k := range out {
		out[k].mutual = backBest[out[k].a] == out[k].t
	}
	return match, out
}
