package linkage

import (
	"fmt"
	"path/filepath"
	"sync"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/tokenfile"
)

// LoadTokenFiles reads token files (sealed ones are decrypted in memory
// with identities) into Datasets, several at a time. Every problem with an
// input — missing, not a token file, truncated or corrupt, sealed to
// another recipient, a repeated record ID — is an input error naming the
// file. Compatibility between the files (fingerprints, widths, rules,
// distinct dataset names) is checked by Match.
func LoadTokenFiles(paths []string, identities []age.Identity) ([]*Dataset, error) {
	out := make([]*Dataset, len(paths))
	errs := make([]error, len(paths))
	sem := make(chan struct{}, 2) // decoding is CPU-bound; two at a time keeps memory down
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = loadTokenFile(p, identities)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadTokenFile(path string, identities []age.Identity) (*Dataset, error) {
	f, err := tokenfile.Open(path, identities)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := f.ReadAll(TokenBytes)
	if err != nil {
		return nil, err
	}
	m := f.Manifest()
	seen := make(map[string]struct{}, data.Len())
	for i, id := range data.RecordIDs {
		if _, dup := seen[id]; dup {
			return nil, exitcode.Inputf("%s: row %d repeats an earlier record_id; record IDs must be unique within a token file", path, i+1)
		}
		seen[id] = struct{}{}
	}
	d := &Dataset{
		Name:              m.Dataset,
		RecordIDs:         data.RecordIDs,
		CLKs:              data.CLKs,
		Width:             data.CLKBytes,
		Rules:             m.Rules,
		Tokens:            data.Tokens,
		Valid:             data.TokenValid,
		SchemaFingerprint: m.SchemaFingerprint,
		SecretFingerprint: m.SecretFingerprint,
		Release:           m.Release,
		Source:            filepath.Base(path),
		RuleFields:        m.RuleFields,
		CLKFields:         m.CLKFields,
		FamilyRules:       m.FamilyRules,
		UnorderedRules:    m.UnorderedRules,
		Normalisers:       m.Normalisers(),
	}
	if err := d.Prepare(); err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("%s: %w", path, err))
	}
	return d, nil
}
