package linkage

import (
	"runtime"
	"slices"
	"sync"
)

// parallelSort sorts xs by cmp in one slice per core, then merges
// neighbour slices round by round, each round from one array into the
// other, and returns the sorted elements (in xs' array or in a new one).
// Equal elements may change order: give cmp a tie-breaker.
func parallelSort[T any](xs []T, cmp func(T, T) int) []T {
	parts := min(runtime.GOMAXPROCS(0), max(len(xs)>>16, 1))
	bounds := make([]int, parts+1)
	for p := range bounds {
		bounds[p] = p * len(xs) / parts
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { slices.SortFunc(xs[bounds[p]:bounds[p+1]], cmp) })
	}
	wg.Wait()
	src, dst := xs, []T(nil)
	for len(bounds) > 2 {
		if dst == nil {
			dst = make([]T, len(xs))
		}
		var next []int
		for i := 0; i+1 < len(bounds); i += 2 {
			lo, mid := bounds[i], bounds[i+1]
			next = append(next, lo)
			if i+2 == len(bounds) { // an odd run out: copied as it is
				copy(dst[lo:mid], src[lo:mid])
				continue
			}
			hi := bounds[i+2]
			wg.Go(func() { mergeSorted(dst[lo:hi], src[lo:mid], src[mid:hi], cmp) })
		}
		wg.Wait()
		bounds = append(next, len(xs))
		src, dst = dst, src
	}
	return src
}

// mergeSorted merges x and y, each sorted by cmp, into dst (as long as
// both); of equal elements, x's come first.
func mergeSorted[T any](dst, x, y []T, cmp func(T, T) int) {
	i, j, k := 0, 0, 0
	for i < len(x) && j < len(y) {
		if cmp(y[j], x[i]) < 0 {
			dst[k] = y[j]
			j++
		} else {
			dst[k] = x[i]
			i++
		}
		k++
	}
	k += copy(dst[k:], x[i:])
	copy(dst[k:], y[j:])
}
