package report

import (
	"fmt"
	"path/filepath"
	"sort"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/tokenfile"
	"github.com/pprl/pprl/linkage/evaluate"
)

// AttachTokenAttributes reads the coarse report attributes (attr_<name>
// columns, declared by the linkage spec) of the token files at paths
// (sealed ones opened with identities) and attaches them to the outputs'
// records, for the match-rate-by-subgroup charts. It returns the datasets
// that supplied attributes. A token file whose dataset is not in the
// outputs is an input error; its records that the outputs lack are
// ignored; records of datasets without a token file have no value.
func AttachTokenAttributes(o *evaluate.Outputs, paths []string, identities []age.Identity) ([]string, error) {
	names, _ := o.Datasets()
	inOutputs := map[string]bool{}
	for _, n := range names {
		inOutputs[n] = true
	}
	var from []string
	for _, p := range paths {
		m, data, err := tokenfile.ReadFile(p, identities)
		if err != nil {
			return nil, err
		}
		if !inOutputs[m.Dataset] {
			return nil, exitcode.Inputf("%s holds dataset %q, which is not in the match outputs", filepath.Base(p), m.Dataset)
		}
		if len(m.Attributes) == 0 {
			continue
		}
		from = append(from, m.Dataset)
		for a, name := range m.Attributes {
			vals := o.Attrs[name]
			if vals == nil {
				vals = make([]string, len(o.Records))
				o.Attrs[name] = vals
			}
			for i, id := range data.RecordIDs {
				if r, ok := o.Index(evaluate.RecordKey{Dataset: m.Dataset, RecordID: id}); ok {
					vals[r] = data.Attributes[a][i]
				}
			}
		}
	}
	sort.Strings(from)
	return from, nil
}

// Options says what goes into a report besides the match outputs.
type Options struct {
	// Truth, when its Path is set, adds the quality sections.
	Truth evaluate.TruthSpec
	// Tokens are token files whose report attributes give match rates by
	// subgroup; Identities open sealed ones.
	Tokens     []string
	Identities []age.Identity
}

// Run loads the match outputs in dir, attaches what opts names, and writes
// the report to path.
func Run(dir string, opts Options, path string) error {
	o, err := evaluate.LoadOutputs(dir)
	if err != nil {
		return err
	}
	if len(opts.Tokens) > 0 {
		if _, err := AttachTokenAttributes(o, opts.Tokens, opts.Identities); err != nil {
			return fmt.Errorf("report attributes: %w", err)
		}
	}
	var res *evaluate.Result
	if opts.Truth.Path != "" {
		t, err := evaluate.LoadTruth(opts.Truth, o)
		if err != nil {
			return err
		}
		if res, err = evaluate.Evaluate(o, t, evaluate.Options{}); err != nil {
			return err
		}
	}
	return WriteFile(path, o, res)
}
