package report

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

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
		ds, err := attachFileAttributes(o, p, identities, inOutputs)
		if err != nil {
			return nil, err
		}
		if ds != "" {
			from = append(from, ds)
		}
	}
	sort.Strings(from)
	return from, nil
}

// attachFileAttributes attaches the attributes of one token file and
// returns its dataset ("" when it declares no attributes). The file is
// streamed batch by batch, so memory does not grow with its CLKs and tokens,
// and a file without attributes is not read past its manifest.
func attachFileAttributes(o *evaluate.Outputs, path string, identities []age.Identity, inOutputs map[string]bool) (string, error) {
	f, err := tokenfile.Open(path, identities)
	if err != nil {
		return "", err
	}
	defer f.Close()
	m := f.Manifest()
	if !inOutputs[m.Dataset] {
		return "", exitcode.Inputf("%s holds dataset %q, which is not in the match outputs", filepath.Base(path), m.Dataset)
	}
	if err := belongsToRun(o.Summary, path, m); err != nil {
		return "", err
	}
	if len(m.Attributes) == 0 {
		return "", nil
	}
	cols := make([][]string, len(m.Attributes))
	for a, name := range m.Attributes {
		if o.Attrs[name] == nil {
			o.Attrs[name] = make([]string, len(o.Records))
		}
		cols[a] = o.Attrs[name]
	}
	// Attribute values are coarse and few (a band, an area): keep one copy
	// of each rather than one per record.
	interned := map[string]string{}
	err = f.Stream(true, func(b *tokenfile.ReadBatch) error {
		for i := range b.Len() {
			r, ok := o.Index(evaluate.RecordKey{Dataset: m.Dataset, RecordID: b.RecordID(i)})
			if !ok {
				continue
			}
			for a := range cols {
				v, _ := b.Attribute(a, i)
				s, ok := interned[v]
				if !ok {
					s = strings.Clone(v) // v aliases the batch
					interned[s] = s
				}
				cols[a][r] = s
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return m.Dataset, nil
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

// belongsToRun refuses a token file made with another linkage spec or
// secret than the run's file for its dataset (by fingerprint; summaries
// without fingerprints are not checked). A later extract of the same spec
// is accepted: its records the run lacks are ignored.
func belongsToRun(sum evaluate.Summary, path string, m tokenfile.Manifest) error {
	for _, in := range sum.Inputs {
		if in.Dataset != m.Dataset {
			continue
		}
		for key, got := range map[string]string{"schema_fingerprint": m.SchemaFingerprint, "secret_fingerprint": m.SecretFingerprint} {
			if want, ok := in.Fingerprints[key]; ok && want != got {
				return exitcode.Inputf("%s was made with another linkage spec or secret than the run's file for dataset %q (%s differs): give the token files the run was made from", filepath.Base(path), m.Dataset, key)
			}
		}
	}
	return nil
}
