package linkage

import (
	"fmt"
	"math"
)

// Choosing the Dice floor of the similarity search.
//
// Under the default hardening (diffusion) the similarity search adds few
// links to those the token joins find: at a million people, 923 of
// 1,061,610 links had no rule agreeing. Its work, though, grows faster
// than the records (buckets fill as the population grows): at a million
// people it was 255 of match's 282 seconds at the default floor. A run
// that does not set the floor (Options.MinDice zero) therefore starts at
// DefaultMinDice and raises it in steps of minDiceStep, up to
// maxAutoMinDice, while the estimated search work exceeds searchBudget; it
// says so on stderr and in summary.json (search.min_dice_source "raised by
// cost", and the estimate at each floor tried). A floor given with
// --min-dice is always kept.
//
// Work is in the cost model's unit, one Dice comparison (strategy.go): the
// cheaper of an exhaustive and an LSH search of every dataset pair, the
// LSH side from sampled bucket sizes (lshMeets). The estimate is
// deterministic (fixed samples, seeded plans), so every shard of a run and
// its merge choose the same floor.

// Bounds of the automatic floor.
const (
	minDiceStep    = 0.05
	maxAutoMinDice = 0.95
)

// searchBudget is the estimated search work, in Dice comparisons, under
// which the default floor is kept: about half a minute of searching on
// two cores at a million people (the unit costs 20–40 ns there). At
// 100,000 people in four agencies the default floor's estimate is about
// 3.6e8; at a million, 7.7e9; two files of a million records each, 6.2e9
// (at 2e9, tried, that run chose 0.85 and took 62 s end to end). A
// variable so that tests can lower it.
var searchBudget = 1e9

// FloorEstimate is the estimated search work at one Dice floor.
type FloorEstimate struct {
	MinDice float64 `json:"min_dice"`
	Work    float64 `json:"estimated_comparisons"`
}

// Sources of the Dice floor, as summary.json names them.
const (
	FloorFromOption = "option"
	FloorDefault    = "default"
	FloorRaised     = "raised by cost"
)

// searchWorkAt estimates the work of searching every dataset pair of the
// run at Dice floor t, keeping each set's measured meets for its search.
func (r *matchRun) searchWorkAt(t float64) float64 {
	total := 0.0
	for k := range r.sets {
		s := &r.sets[k]
		A, B := r.datasets[s.da], r.datasets[s.db]
		self := s.da == s.db
		plan := planLSH(A, B, t, 0, 0, r.opt.Seed, lshBucketTarget, lshRecallTarget, bandCap(B.Len()))
		s.meets, s.meetsAt = lshMeets(A, B, self, plan), t
		ex, lsh := searchCosts(A, B, self, t, plan, s.meets)
		total += min(ex, lsh)
	}
	return total
}

// chooseFloor sets r.opt.MinDice for a run that did not set it: the lowest
// floor from DefaultMinDice up, in steps, whose estimated work is within
// budget (maxAutoMinDice when none is), recording the estimates.
func (r *matchRun) chooseFloor() {
	sum := &r.res.Summary.Search
	t := DefaultMinDice
	for {
		w := r.searchWorkAt(t)
		sum.FloorEstimates = append(sum.FloorEstimates, FloorEstimate{MinDice: t, Work: math.Round(w)})
		if w <= searchBudget || t >= maxAutoMinDice-1e-9 {
			break
		}
		t = math.Round((t+minDiceStep)*100) / 100
	}
	r.opt.MinDice = t
	sum.MinDiceSource = FloorDefault
	if t == DefaultMinDice {
		return
	}
	sum.MinDiceSource = FloorRaised
	first := sum.FloorEstimates[0]
	r.floorWarning = fmt.Sprintf("the similarity search at the default Dice floor %.2f was estimated at %.2g comparisons (the budget is %.2g), so the floor was raised to %.2f: pairs that share no token and have a Dice below %.2f are not searched (under the default hardening few true pairs are such); give --min-dice %.2f to search them anyway, at that cost",
		first.MinDice, first.Work, float64(searchBudget), t, t, first.MinDice)
	r.log.Warn("similarity floor raised for the size of the inputs", "default_min_dice", first.MinDice,
		"min_dice", t, "estimated_comparisons", first.Work, "budget", float64(searchBudget),
		"what_to_do", fmt.Sprintf("--min-dice %.2f searches from the default floor, at the estimated cost", first.MinDice))
}
