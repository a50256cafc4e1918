// Package subjectaccess writes the answer to a person's question "which
// services hold information about me?", found by linkage.Lookup, as sealed
// files: one overview for the agency that asked, and one list of record IDs
// for every agency of the run, each sealed to that agency alone.
//
// Every agency of the run gets a list, empty or not, and the unsealed
// manifest holds no count of what was found, so the linkage unit that
// writes the answer (and anyone who sees its directory) learns only that a
// lookup was made.
package subjectaccess

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/buildinfo"
	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/linkage"
)

// File names in the answer directory.
const (
	AnswerFile   = "answer.age"
	ManifestFile = "manifest.json"
)

// RecordsFile is the name of dataset's sealed record list.
func RecordsFile(dataset string) string { return dataset + ".records.age" }

// Answer is the requester's overview (sealed to it).
type Answer struct {
	Format      string         `json:"format"`
	RequestRows int            `json:"request_rows"`
	RowsMatched int            `json:"request_rows_matched"`
	Found       bool           `json:"found"`
	Datasets    []DatasetCount `json:"datasets"` // every dataset of the run, in name order
}

// DatasetCount is how many records one dataset holds of the person.
type DatasetCount struct {
	Dataset string `json:"dataset"`
	Records int    `json:"records"`
}

// Records is one agency's list (sealed to it): the record IDs it should
// look up in its own systems to answer the person.
type Records struct {
	Format    string   `json:"format"`
	Dataset   string   `json:"dataset"`
	RecordIDs []string `json:"record_ids"`
}

// Manifest describes the answer without any of its content.
type Manifest struct {
	Format      string            `json:"format"`
	PPRLVersion string            `json:"pprl_version"`
	Run         string            `json:"run"`
	Requester   string            `json:"requester"`
	Bar         float64           `json:"score_bar"`
	Files       map[string]string `json:"files"` // file → recipient fingerprint
	Created     string            `json:"created"`
}

// Options says where and to whom the answer goes.
type Options struct {
	OutDir string
	Force  bool
	// Recipients maps every dataset of the run to its agency's public key
	// file; Requester is the dataset of the agency that asked.
	Recipients map[string]string
	Requester  string
	Now        time.Time
}

// Write seals res for the requester and every agency and writes the
// directory atomically. Recipients must cover every dataset of the run.
func Write(run *linkage.RunOutputs, res *linkage.LookupResult, opt Options) (*Manifest, error) {
	var datasets []string
	for _, in := range run.Summary.Inputs {
		datasets = append(datasets, in.Dataset)
	}
	slices.Sort(datasets)
	for _, ds := range datasets {
		if opt.Recipients[ds] == "" {
			return nil, exitcode.Inputf("no --recipient for dataset %q: every agency of the run gets a sealed list (empty or not), so that the answer's shape tells nothing", ds)
		}
	}
	for ds := range opt.Recipients {
		if !slices.Contains(datasets, ds) {
			return nil, exitcode.Inputf("--recipient for dataset %q, which is not in the run", ds)
		}
	}
	if opt.Recipients[opt.Requester] == "" {
		return nil, exitcode.Inputf("--requester %q is not a dataset of the run with a --recipient", opt.Requester)
	}
	recips := map[string]age.Recipient{}
	man := &Manifest{Format: "pprl-lookup", PPRLVersion: buildinfo.Version(), Run: run.Dir, Requester: opt.Requester,
		Bar: res.Bar, Files: map[string]string{}, Created: opt.Now.UTC().Format(time.RFC3339)}
	fps := map[string]string{}
	for _, ds := range datasets {
		r, fp, err := seal.ReadRecipient(opt.Recipients[ds])
		if err != nil {
			return nil, fmt.Errorf("recipient of dataset %q: %w", ds, err)
		}
		recips[ds], fps[ds] = r, fp
	}
	ans := Answer{Format: "pprl-lookup-answer", RequestRows: res.RequestRows, RowsMatched: res.RowsMatched}
	for _, ds := range datasets {
		n := len(res.Records[ds])
		ans.Datasets = append(ans.Datasets, DatasetCount{Dataset: ds, Records: n})
		ans.Found = ans.Found || n > 0
	}
	dir, err := linkage.CreateOutputDir(opt.OutDir, opt.Force, "answer directory")
	if err != nil {
		return nil, err
	}
	defer dir.Abort()
	if err := writeSealedJSON(filepath.Join(dir.Path(), AnswerFile), ans, recips[opt.Requester]); err != nil {
		return nil, err
	}
	man.Files[AnswerFile] = fps[opt.Requester]
	for _, ds := range datasets {
		ids := res.Records[ds]
		if ids == nil {
			ids = []string{}
		}
		rec := Records{Format: "pprl-lookup-records", Dataset: ds, RecordIDs: ids}
		if err := writeSealedJSON(filepath.Join(dir.Path(), RecordsFile(ds)), rec, recips[ds]); err != nil {
			return nil, err
		}
		man.Files[RecordsFile(ds)] = fps[ds]
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(man); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir.Path(), ManifestFile), buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if err := dir.Commit(); err != nil {
		return nil, err
	}
	return man, nil
}

// writeSealedJSON writes v as indented JSON sealed to r.
func writeSealedJSON(path string, v any, r age.Recipient) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := seal.Seal(f, []age.Recipient{r})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}
