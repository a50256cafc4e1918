package linkage

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFor calls fn on consecutive chunks [lo, hi) of [0, n), each at
// most chunk long, from runtime.GOMAXPROCS(0) goroutines, and returns when
// all are done. Chunks are handed out dynamically so that uneven work keeps
// every core busy. fn must be safe to call concurrently on disjoint chunks.
func parallelFor(n, chunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if chunk <= 0 {
		chunk = 1
	}
	chunks := (n + chunk - 1) / chunk
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo := c * chunk
				fn(lo, min(lo+chunk, n))
			}
		})
	}
	wg.Wait()
}

// parallelChunks is parallelFor for work that produces output per chunk:
// worker state is created once per goroutine by newState, and fn receives
// the chunk's index so results can be stored in chunk order, which keeps the
// output independent of scheduling.
func parallelChunks[S any](n, chunk int, newState func() S, fn func(s S, c, lo, hi int)) int {
	if n <= 0 {
		return 0
	}
	chunks := (n + chunk - 1) / chunk
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			s := newState()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo := c * chunk
				fn(s, c, lo, min(lo+chunk, n))
			}
		})
	}
	wg.Wait()
	return chunks
}
