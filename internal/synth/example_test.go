package synth_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pprl/pprl/internal/synth"
)

// Generate writes one extract per agency, its input mapping, the truth and
// public name lists into a new directory.
func ExampleGenerate() {
	tmp, err := os.MkdirTemp("", "synth-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "extracts")
	res, err := synth.Generate(context.Background(), synth.Config{People: 2000, Seed: 1}, dir)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.People, "people:", res.Children, "children,", res.Parents, "parents or carers")
	for _, e := range res.Extracts {
		fmt.Printf("%s: %d records about %d people\n", e.File, e.Rows, e.People)
	}
	for _, f := range []string{"truth.csv", "mapping/health.json", "public/surnames.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			fmt.Println(f)
		}
	}
	// Output:
	// 2000 people: 1073 children, 927 parents or carers
	// social_work.csv: 577 records about 550 people
	// education.csv: 892 records about 886 people
	// health.csv: 1997 records about 1966 people
	// childrens_hearings.csv: 122 records about 118 people
	// truth.csv
	// mapping/health.json
	// public/surnames.csv
}
