package benchmarks

// Synthetic extract generation (internal/synth): people per second for the
// whole run (population, four agency extracts with errors, truth, mappings,
// public lists, atomic directory commit), with all cores beside a
// one-goroutine baseline measured in the same run. Report the ratio of the
// people/s figures.

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/pprl/pprl/internal/synth"
)

func BenchmarkSynth(b *testing.B) {
	const people = 50_000
	for _, c := range []struct {
		name    string
		workers int
	}{{"all-cores", 0}, {"one-goroutine-baseline", 1}} {
		b.Run(c.name, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "synth")
			b.ReportAllocs()
			for b.Loop() {
				_, err := synth.Generate(context.Background(), synth.Config{People: people, Seed: 1, Workers: c.workers, Force: true}, dir)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(people*b.N)/b.Elapsed().Seconds(), "people/s")
		})
	}
}
