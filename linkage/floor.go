package linkage

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Choosing the Dice floor of the similarity search.
//
// The floor trades recall for work. Under the default hardening (diffusion)
// the token joins find most links, but the pairs they miss (a child renamed
// and moved, a missing date of birth with a name variant) have no token in
// common, and the similarity search is their only way in: at 100,000
// people, lowering the floor from 0.8 to 0.7 added 390 candidates and
// raised entity F1 from 0.9905 to 0.9913 (precision unchanged), at 20,000
// from 0.9902 to 0.9910. Lower still, families come in: twins, and
// siblings at one address, share the surname, birthday or postcode bits
// and reach a Dice of 0.6 to 0.7 with no token in common (a pair of twins
// in match_error_classes, 0.64), which a random pair never does, so the
// model scores them as matches: 0.6 raised F1 further at 100,000 people
// (0.9922) but cost precision (0.9991 to 0.9986) and linked those twins.
// minAutoMinDice stops there. Below the Dice that random pairs reach, a
// lower floor would buy nothing but candidates (at 20,000 people, 0.55 found
// 800,000 more pairs and no more links); dense filters (clkhash schemas)
// reach the default floor at random. And the search's work grows faster
// than the records (buckets fill as the population grows): at a million
// people it was 255 of match's 282 seconds at the floor 0.8.
//
// A run that does not set the floor (Options.MinDice zero) therefore
// starts at the lowest floor random pairs allow (randomFloor: about two
// random candidates per record, on the minDiceStep grid, no lower than
// minAutoMinDice and no higher than DefaultMinDice) and raises
// it in steps of minDiceStep, up to maxAutoMinDice, while the estimated
// search work exceeds searchBudget. Above DefaultMinDice it says so on
// stderr and in summary.json (search.min_dice_source "raised by cost"); below
// it, "lowered within budget"; the estimate at each floor tried is
// recorded. An exhaustive search (--exhaustive) takes the lowest floor, its
// work hardly depending on the floor. A floor given with --min-dice is
// always kept.
//
// Work is in the cost model's unit (strategy.go): the cheaper of an
// exhaustive and an LSH search of every dataset pair, the LSH side from
// sampled bucket sizes (lshMeets). The estimate and the random pairs are
// deterministic (fixed samples, seeded plans), so every shard of a run and
// its merge choose the same floor.

// Bounds of the automatic floor.
const (
	minDiceStep    = 0.05
	minAutoMinDice = 0.7
	maxAutoMinDice = 0.95
)

// randomFloorPerRecord bounds the random pairs the lowest automatic floor
// may let in: about two candidates per record of the two datasets, by a
// sample of random pairs' Dice (and a normal tail fitted to it, below the
// sample's resolution). On the native starter spec random pairs have a mean
// Dice of 0.49 and a standard deviation of 0.020 (synth, every agency pair;
// FEBRL4 0.50 and 0.020), far below minAutoMinDice; on a clkhash schema
// filling 70% of the bits, 0.78 and 0.03, so the floor stays at
// DefaultMinDice.
const randomFloorPerRecord = 2.0

// randomFloorSamples is the number of random pairs drawn per dataset pair.
const randomFloorSamples = 1 << 16

// searchBudget is the estimated search work, in the cost model's units
// (strategy.go), within which a floor is accepted: 10–15 s of searching on
// two cores (a unit cost 7.5 ns at 300,000 people, 10 at a million, 16 at
// 100,000 at the floor 0.6; 20–40 ns when the budget was set, before the
// gather-sort-compare LSH). At 100,000 people in four agencies the
// exhaustive search at any floor is estimated at 8.1e8 (12 s end to end at
// 0.7, against 4 s by LSH at 0.8); at 300,000, LSH at 0.85 (5.8e8); at a
// million, the floor 0.8 at 7.8e9, so 0.9 (0.94e9); two files of a million
// records each, 6.2e9 at 0.8 (at a budget of 2e9, tried, that run chose
// 0.85 and took 62 s end to end). A variable so that tests can lower it.
var searchBudget = 1e9

// FloorEstimate is the estimated search work at one Dice floor.
type FloorEstimate struct {
	MinDice float64 `json:"min_dice"`
	Work    float64 `json:"estimated_comparisons"`
	// LowerBound: Work leaves out the records LSH queries would meet
	// (not sampled: the rest alone was over budget).
	LowerBound bool `json:"lower_bound,omitempty"`
}

// Sources of the Dice floor, as summary.json names them.
const (
	FloorFromOption = "option"
	FloorDefault    = "default"
	FloorRaised     = "raised by cost"
	FloorLowered    = "lowered within budget"
)

// searchWorkAt estimates the work of searching every dataset pair of the
// run at Dice floor t, keeping each set's measured meets for its search.
// Sampling the meets is the costly part (about a second a floor at a
// million people, more the lower the floor), so it is done only when the
// work without them is within budget; otherwise that lower bound is
// returned with bound true (the floor is over budget either way).
func (r *matchRun) searchWorkAt(t float64) (work float64, bound bool) {
	plans := make([]LSHPlan, len(r.sets))
	for k := range r.sets {
		s := &r.sets[k]
		A, B := r.datasets[s.da], r.datasets[s.db]
		plans[k] = planLSH(A, B, t, 0, 0, r.opt.Seed, lshBucketTarget, lshRecallTarget, bandCap(B.Len()))
		ex, lsh := searchCosts(A, B, s.da == s.db, t, plans[k], 0)
		work += min(ex, lsh)
	}
	if work > searchBudget {
		return work, true
	}
	work = 0
	for k := range r.sets {
		s := &r.sets[k]
		A, B := r.datasets[s.da], r.datasets[s.db]
		self := s.da == s.db
		s.meets, s.meetsAt = lshMeets(A, B, self, plans[k]), t
		ex, lsh := searchCosts(A, B, self, t, plans[k], s.meets)
		work += min(ex, lsh)
	}
	return work, false
}

// chooseFloor sets r.opt.MinDice for a run that did not set it: the lowest
// floor from randomFloor up, in steps, whose estimated work is within
// budget (maxAutoMinDice when none is), recording the estimates; an
// exhaustive search takes randomFloor.
func (r *matchRun) chooseFloor() {
	sum := &r.res.Summary.Search
	t := r.randomFloor()
	for !r.opt.Exhaustive {
		w, bound := r.searchWorkAt(t)
		sum.FloorEstimates = append(sum.FloorEstimates, FloorEstimate{MinDice: t, Work: math.Round(w), LowerBound: bound})
		if w <= searchBudget || t >= maxAutoMinDice-1e-9 {
			break
		}
		t = math.Round((t+minDiceStep)*100) / 100
	}
	r.opt.MinDice = t
	switch {
	case t < DefaultMinDice-1e-9:
		sum.MinDiceSource = FloorLowered
		r.log.Info("similarity floor lowered: random pairs stay below it and the search fits its budget", "min_dice", t, "default_min_dice", DefaultMinDice)
		return
	case t < DefaultMinDice+1e-9:
		sum.MinDiceSource = FloorDefault
		return
	}
	sum.MinDiceSource = FloorRaised
	first := sum.FloorEstimates[0]
	for _, e := range sum.FloorEstimates {
		if math.Abs(e.MinDice-DefaultMinDice) < 1e-9 {
			first = e
		}
	}
	atLeast := ""
	if first.LowerBound {
		atLeast = "at least "
	}
	r.floorWarning = fmt.Sprintf("the similarity search at the default Dice floor %.2f was estimated at %s%.2g comparisons (the budget is %.2g), so the floor was raised to %.2f: pairs that share no token and have a Dice below %.2f are not searched (under the default hardening few true pairs are such); give --min-dice %.2f to search them anyway, at that cost",
		first.MinDice, atLeast, first.Work, float64(searchBudget), t, t, first.MinDice)
	r.log.Warn("similarity floor raised for the size of the inputs", "default_min_dice", first.MinDice,
		"min_dice", t, "estimated_comparisons", first.Work, "budget", float64(searchBudget),
		"what_to_do", fmt.Sprintf("--min-dice %.2f searches from the default floor, at the estimated cost", first.MinDice))
}

// randomFloor returns the lowest automatic floor: for each dataset pair
// of the run, the lowest floor on the minDiceStep grid from minAutoMinDice
// at which the random pairs expected above it (a normal tail fitted to the
// Dice of randomFloorSamples random pairs) are at most
// randomFloorPerRecord per record; the highest over the pairs, and at
// most DefaultMinDice. The pairs are drawn with a generator seeded by the
// datasets' sizes, so every shard draws the same.
func (r *matchRun) randomFloor() float64 {
	floor := minAutoMinDice
	for _, s := range r.sets {
		A, B := r.datasets[s.da], r.datasets[s.db]
		self := s.da == s.db
		if A.Len() == 0 || B.Len() == 0 || (self && A.Len() < 2) {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(A.Len()), uint64(B.Len())<<1|1))
		var sum, sq float64
		ds := make([]float64, randomFloorSamples)
		for k := range ds {
			a, b := rng.IntN(A.Len()), rng.IntN(B.Len())
			d := dice(andPopcount(A.CLK(a), B.CLK(b)), A.Popcount(a), B.Popcount(b))
			ds[k] = d
			sum += d
			sq += d * d
		}
		slices.Sort(ds)
		mean := sum / randomFloorSamples
		sd := math.Sqrt(max(sq/randomFloorSamples-mean*mean, 0))
		pairs, records := float64(A.Len())*float64(B.Len()), float64(A.Len()+B.Len())
		if self {
			pairs, records = pairs/2, float64(A.Len())
		}
		// The share of random pairs at or above t: the fitted normal tail,
		// or the sampled share where that is larger (records in families
		// that share many bits make a second mode the normal misses).
		above := func(t float64) float64 {
			n, _ := slices.BinarySearch(ds, t)
			return max(normalTail(t, mean, sd), float64(len(ds)-n)/float64(len(ds)))
		}
		t := floor
		for t < DefaultMinDice-1e-9 && pairs*above(t) > randomFloorPerRecord*records {
			t = math.Round((t+minDiceStep)*100) / 100
		}
		floor = max(floor, t)
	}
	return min(floor, DefaultMinDice)
}

// normalTail is the probability that a normal variable of the given mean
// and standard deviation is at least x.
func normalTail(x, mean, sd float64) float64 {
	if sd <= 0 {
		if x <= mean {
			return 1
		}
		return 0
	}
	return 0.5 * math.Erfc((x-mean)/(sd*math.Sqrt2))
}
