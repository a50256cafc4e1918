package linkage

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/pprl/pprl/bloom"
)

// Hamming LSH over sampled bits.
//
// A band is a list of b bit positions. Two filters collide in a band when
// they agree on all b sampled bits. For a pair whose filters agree on a
// fraction s of those positions the chance of colliding in one band is
// about s^b, and in at least one of L bands 1 − (1 − s^b)^L: pairs with high
// Dice (few differing bits) almost surely meet, random pairs (agreement
// about q² + (1−q)² per bit for bit density q) rarely do. Only colliding
// pairs, and pairs that share a deterministic token, have their Dice
// computed, so the work per query is the sum of its bucket sizes instead of
// the size of the other dataset.
//
// The index over the second dataset keeps, per band, the record indices
// sorted by band key (uint32: b ≤ 32) and a directory on the key's top
// bits, 12 bytes per record per band; keys of the querying side are
// computed on the fly. When the directory covers the whole key (b is at
// most about log2 of the records, the usual plan) a directory cell is a
// bucket and the keys are not kept: 8 bytes per record per band.

// lshBand is one band of the index.
type lshBand struct {
	sampler  *bloom.BitSampler // the band's positions: key bit j is position j
	order    []uint32          // record indices sorted by (key, index)
	keys     []uint32          // keys[k] = key of record order[k]; nil when dirShift is 0
	dir      []uint32          // dir[h]..dir[h+1]: entries whose key's top bits are h
	dirShift uint
}

// key computes the band key of a filter.
func (bd *lshBand) key(clk []byte) uint32 { return bd.sampler.Key(clk) }

// keysOf appends the band keys of filters (back to back) to dst.
func (bd *lshBand) keysOf(dst []uint32, filters []byte) []uint32 {
	return bd.sampler.Keys(dst, filters)
}

// bucket returns the records of the other dataset whose key equals k.
func (bd *lshBand) bucket(k uint32) []uint32 {
	h := k >> bd.dirShift
	lo, hi := int(bd.dir[h]), int(bd.dir[h+1])
	if bd.dirShift == 0 { // the directory is on the whole key: a cell is a bucket
		return bd.order[lo:hi]
	}
	keys := bd.keys[lo:hi]
	// Cells are small on average but not in the worst case: sparse filters
	// make some keys (few sampled bits set) far more common than others, so
	// a cell can hold thousands of entries; binary search keeps the lookup
	// logarithmic (a linear scan here was half the search time).
	i, found := slices.BinarySearch(keys, k)
	if !found {
		return nil
	}
	j := i + sort.Search(len(keys)-i, func(x int) bool { return keys[i+x] != k })
	return bd.order[lo+i : lo+j]
}

// LSHPlan is the choice of bands: how many, how many bits each, and which.
type LSHPlan struct {
	Bands     int
	Bits      int
	Positions [][]int // bit positions (0 = most significant bit of byte 0)
	// Expected per band, from the bit densities: collisions of a random
	// pair, and of a pair exactly at the Dice threshold.
	RandomCollision float64
	ThresholdRecall float64 // estimated chance that a pair at the threshold meets in some band
	// NeededBands is the number of bands the recall target asks for
	// (Bands is that, capped at maxBands).
	NeededBands int
}

// planLSH chooses the bands for a search at Dice threshold t. It measures
// each bit's density in both datasets on a sample, keeps the informative
// bits (density between 1% and 99% on both sides), and then picks the
// number of bits per band so that a random query meets about bucketTarget
// records per band, and the number of bands so that a pair exactly at the
// threshold meets in at least one band with probability recallTarget
// (pairs above the threshold meet more often), at most maxBands.
// Positions are drawn with a PRNG seeded by seed: the same inputs give the
// same plan.
func planLSH(A, B *Dataset, t float64, bands, bitsPerBand int, seed uint64, bucketTarget, recallTarget float64, maxBands int) LSHPlan {
	nbits := A.Width * 8
	qa, qb := bitDensity(A), bitDensity(B)
	var informative []int
	var sumLogR, sumLogM float64
	for i := range nbits {
		if qa[i] < 0.01 || qa[i] > 0.99 || qb[i] < 0.01 || qb[i] > 0.99 {
			continue
		}
		informative = append(informative, i)
		r := qa[i]*qb[i] + (1-qa[i])*(1-qb[i])
		m := 1 - 2*(1-t)*(qa[i]+qb[i])/2
		sumLogR += math.Log(r)
		sumLogM += math.Log(max(m, 1e-9))
	}
	if len(informative) < 8 { // degenerate filters: use every bit
		informative = informative[:0]
		for i := range nbits {
			informative = append(informative, i)
		}
		sumLogR, sumLogM = float64(nbits)*math.Log(0.5), float64(nbits)*math.Log(0.9)
	}
	logR := sumLogR / float64(len(informative))
	logM := sumLogM / float64(len(informative))
	if bitsPerBand <= 0 {
		n := float64(max(B.Len(), 1))
		// n·exp(b·logR) ≤ bucketTarget
		b := math.Ceil(math.Log(bucketTarget/n) / logR)
		bitsPerBand = int(min(max(b, 4), 32, float64(len(informative))))
		if bands <= 0 {
			if b, ok := cheapestBits(n, logR, logM, recallTarget, maxBands, min(32, len(informative))); ok {
				bitsPerBand = b
			}
		}
	}
	bitsPerBand = min(bitsPerBand, 32, len(informative))
	pm := math.Exp(float64(bitsPerBand) * logM)
	needed := bands
	if bands <= 0 {
		l := math.Ceil(math.Log(1-recallTarget) / math.Log1p(-min(pm, 0.999999)))
		needed = int(min(max(l, 1), 1<<30))
		bands = min(needed, maxBands)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	plan := LSHPlan{Bands: bands, Bits: bitsPerBand,
		RandomCollision: math.Exp(float64(bitsPerBand) * logR),
		ThresholdRecall: 1 - math.Pow(1-pm, float64(bands)), NeededBands: needed}
	for range bands {
		perm := rng.Perm(len(informative))[:bitsPerBand]
		pos := make([]int, bitsPerBand)
		for j, k := range perm {
			pos[j] = informative[k]
		}
		slices.Sort(pos) // sequential byte access when computing keys
		plan.Positions = append(plan.Positions, pos)
	}
	return plan
}

// lshBandCost is the cost of one band lookup for one query (computing the
// key, reading the directory and the bucket's start) in units of one record
// met in a bucket (gathering, sorting and comparing it). Measured on the
// search as written (search_lsh.go): 4 to 8 were within 5% of each other
// at 100,000 and at a million records.
var lshBandCost = 6.0

// cheapestBits returns the bits per band that reach the recall target at
// the least expected work per query, bands·(lshBandCost + records met per
// band), among plans within maxBands; false when none fits. Fewer bits
// mean fewer bands but more random records per band: at 200,000 records
// the optimum meets about 16 per band, at a million about 2, because a
// record met costs more than a band once the index outgrows the caches.
func cheapestBits(n, logR, logM, recallTarget float64, maxBands, maxBits int) (int, bool) {
	best, bestCost := 0, math.Inf(1)
	for b := 4; b <= maxBits; b++ {
		pm := math.Exp(float64(b) * logM)
		l := math.Ceil(math.Log(1-recallTarget) / math.Log1p(-min(pm, 0.999999)))
		if l > float64(maxBands) {
			continue
		}
		cost := l * (lshBandCost + n*math.Exp(float64(b)*logR))
		if cost < bestCost {
			best, bestCost = b, cost
		}
	}
	return best, best > 0
}

// bitDensity returns the fraction of records with each bit set, measured
// on up to 20,000 records spread evenly over the dataset (kept by Prepare).
func bitDensity(d *Dataset) []float64 {
	if d.density != nil {
		return d.density
	}
	nbits := d.Width * 8
	counts := make([]int, nbits)
	n := d.Len()
	step := max(1, n/20000)
	seen := 0
	for i := 0; i < n; i += step {
		clk := d.CLK(i)
		for byteIdx, v := range clk {
			for v != 0 {
				bit := bits.LeadingZeros8(v)
				counts[byteIdx*8+bit]++
				v &^= 0x80 >> bit
			}
		}
		seen++
	}
	q := make([]float64, nbits)
	for i, c := range counts {
		q[i] = float64(c) / float64(max(seen, 1))
	}
	return q
}

// bandKeyer returns a band over positions pos of filters of width bytes
// that can compute keys (key) but holds no index.
func bandKeyer(pos []int, width int) *lshBand {
	s, err := bloom.NewBitSampler(pos, 8*width)
	if err != nil {
		panic("linkage: LSH band: " + err.Error()) // planLSH draws at most 32 positions inside the filter
	}
	return &lshBand{sampler: s}
}

// buildBand indexes dataset d for one band of positions.
func buildBand(d *Dataset, pos []int) *lshBand {
	bd := bandKeyer(pos, d.Width)
	n := d.Len()
	b := len(pos)
	dirBits := min(b, max(bits.Len(uint(n)), 1))
	bd.dirShift = uint(b - dirBits)
	keys := bd.keysOf(make([]uint32, 0, n), d.CLKs[:n*d.Width])
	// Counting sort on the top dirBits of the key; stable, so records stay
	// in index order within a directory cell.
	bd.dir = make([]uint32, 1<<dirBits+1)
	for _, k := range keys {
		bd.dir[(k>>bd.dirShift)+1]++
	}
	for h := 1; h < len(bd.dir); h++ {
		bd.dir[h] += bd.dir[h-1]
	}
	bd.order = make([]uint32, n)
	fill := slices.Clone(bd.dir[:len(bd.dir)-1])
	if bd.dirShift == 0 { // a cell is a bucket: its keys need not be kept
		for i, k := range keys {
			bd.order[fill[k]] = uint32(i)
			fill[k]++
		}
		return bd
	}
	bd.keys = make([]uint32, n)
	for i, k := range keys {
		h := k >> bd.dirShift
		bd.order[fill[h]] = uint32(i)
		bd.keys[fill[h]] = k
		fill[h]++
	}
	{ // cells may mix keys: sort each by (key, index)
		for h := 0; h+1 < len(bd.dir); h++ {
			lo, hi := bd.dir[h], bd.dir[h+1]
			if hi-lo > 1 {
				sortCell(bd.keys[lo:hi], bd.order[lo:hi])
			}
		}
	}
	return bd
}

// sortCell sorts keys (and order alongside) by (key, order); cells are
// small, so insertion sort, falling back to a general sort for big ones.
func sortCell(keys, order []uint32) {
	if len(keys) > 32 {
		type e struct{ k, o uint32 }
		es := make([]e, len(keys))
		for i := range keys {
			es[i] = e{keys[i], order[i]}
		}
		slices.SortFunc(es, func(x, y e) int {
			if x.k != y.k {
				if x.k < y.k {
					return -1
				}
				return 1
			}
			return int(x.o) - int(y.o)
		})
		for i := range es {
			keys[i], order[i] = es[i].k, es[i].o
		}
		return
	}
	for i := 1; i < len(keys); i++ {
		k, o := keys[i], order[i]
		j := i
		for j > 0 && (keys[j-1] > k || keys[j-1] == k && order[j-1] > o) {
			keys[j], order[j] = keys[j-1], order[j-1]
			j--
		}
		keys[j], order[j] = k, o
	}
}
