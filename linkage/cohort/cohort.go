package cohort

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/buildinfo"
	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/keys"
	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/linkage"
)

// DefaultMinSize is the smallest cohort released without AllowSmall: fewer
// people than this could be recognised from the content the agencies attach.
const DefaultMinSize = 10

// ManifestFile is the name of the manifest inside the cohort directory.
const ManifestFile = "manifest.json"

// MapFileName returns the name of a dataset's sealed map inside the cohort
// directory: DATASET.map.age.
func MapFileName(dataset string) string { return dataset + ".map.age" }

// Definition says who is in a cohort.
type Definition struct {
	// Project names the research project; study IDs are specific to it.
	Project string `json:"project"`
	// Include: an entity is in the cohort when it has a record in any of
	// these datasets...
	Include []string `json:"include"`
	// Require: ...and, when Require is not empty, a record in every one of
	// these too.
	Require []string `json:"require,omitempty"`
	// MinSize is the smallest cohort released (DefaultMinSize when 0).
	MinSize int `json:"min_size"`
	// AllowSmall releases a cohort smaller than MinSize.
	AllowSmall bool `json:"allow_small,omitempty"`
}

// Options are the inputs and outputs of Build beside the definition.
type Options struct {
	// Entities is the path of pprl match's entities.parquet.
	Entities string
	// ProjectKey is the path of the project key, created on first use
	// (DefaultProjectKeyPath when empty).
	ProjectKey string
	// Recipients maps each dataset that receives a map to its agency's age
	// recipient file (a .pub file made by 'pprl keygen unit'). Every
	// included and required dataset needs one; another dataset listed here
	// receives the map of its records of cohort members too.
	Recipients map[string]string
	// OutDir is the cohort directory to write; it must not exist or be
	// empty unless Force is set, and is written atomically.
	OutDir string
	// Force replaces an existing cohort directory.
	Force bool
	// Created is the manifest's creation time; zero means SOURCE_DATE_EPOCH
	// when set, else the entities file's modification time, so that the
	// same inputs and project key give the same unsealed output.
	Created time.Time
}

// Manifest describes a released cohort without any identifier, record ID
// or entity ID. It is written as manifest.json beside the sealed maps.
type Manifest struct {
	Format        string     `json:"format"`
	FormatVersion int        `json:"format_version"`
	PPRLVersion   string     `json:"pprl_version"`
	Project       string     `json:"project"`
	Definition    Definition `json:"definition"`
	// ProjectKeyFingerprint identifies the project key (keys.Fingerprint)
	// without revealing it, so two releases can be seen to share study IDs.
	ProjectKeyFingerprint string `json:"project_key_fingerprint"`
	// EntitiesRecords is the number of rows read from entities.parquet.
	EntitiesRecords int `json:"entities_records"`
	// People is the cohort size: the number of study IDs.
	People int `json:"people"`
	// OptOutRegisters is the number of opt-out registers pprl match applied
	// to the entities (0: objections were not applied to this run);
	// ExcludedOptedOut is how many people the definition selected but the
	// release left out because they objected. Never which.
	OptOutRegisters  int `json:"opt_out_registers"`
	ExcludedOptedOut int `json:"excluded_opted_out"`
	// Agencies lists one map per receiving dataset, in name order.
	Agencies []AgencyMap `json:"agencies"`
	Created  string      `json:"created"`
}

// AgencyMap describes one agency's sealed map.
type AgencyMap struct {
	Dataset string `json:"dataset"`
	File    string `json:"file"`
	// Records is the number of rows of the map: the agency's records of
	// cohort members (an agency may hold several records of one person).
	Records int `json:"records"`
	// People is the number of distinct study IDs in the map.
	People int `json:"people"`
	// RecipientFingerprint identifies the key the map is sealed to
	// (seal.Fingerprint), to confirm with the agency by phone.
	RecipientFingerprint string `json:"recipient_fingerprint"`
}

// Result is what Build did.
type Result struct {
	Manifest Manifest
	// KeyPath is the project key file; KeyCreated reports that this release
	// created it.
	KeyPath    string
	KeyCreated bool
}

// MapRow is one row of an agency's map.
type MapRow struct {
	RecordID string
	StudyID  string
}

// Build selects the cohort of def from the entities file, assigns study
// IDs with the project key, and writes opt.OutDir: one Parquet map
// (record_id, study_id) per receiving dataset, sealed to that dataset's
// recipient, and manifest.json. Nothing is written (and no project key is
// created) when the inputs are wrong or the cohort is too small; the
// directory appears complete or not at all.
func Build(def Definition, opt Options) (*Result, error) {
	if err := def.check(); err != nil {
		return nil, err
	}
	if opt.OutDir == "" {
		return nil, exitcode.Inputf("no output directory given (-o COHORTDIR)")
	}
	receivers, err := receivingDatasets(def, opt.Recipients)
	if err != nil {
		return nil, err
	}
	recipients := make(map[string][]age.Recipient, len(receivers))
	fingerprints := make(map[string]string, len(receivers))
	for _, ds := range receivers {
		r, fp, err := seal.ReadRecipient(opt.Recipients[ds])
		if err != nil {
			return nil, fmt.Errorf("recipient of dataset %q: %w", ds, err)
		}
		recipients[ds] = []age.Recipient{r}
		fingerprints[ds] = fp
	}
	members, stats, err := readEntities(opt.Entities, func(ds string) bool { return recipients[ds] != nil })
	if err != nil {
		return nil, err
	}
	known := stats.datasets
	for _, ds := range receivers {
		if !known[ds] {
			return nil, exitcode.Inputf("dataset %q does not occur in %s (datasets there: %s)", ds, opt.Entities, strings.Join(sortedKeys(known), ", "))
		}
	}
	entities := Select(members, def)
	excluded := excludeOptedOut(entities, members)
	if n := len(entities); n < def.minSize() && !def.AllowSmall {
		return nil, exitcode.Inputf("the cohort has %d people, fewer than the minimum of %d: releasing it could identify them; widen the definition, or pass --allow-small if the release is approved", n, def.minSize())
	}
	created, err := createdTime(opt)
	if err != nil {
		return nil, err
	}
	keyPath := opt.ProjectKey
	if keyPath == "" {
		keyPath = DefaultProjectKeyPath(def.Project)
	}
	// Refuse a wrong -o before a first release creates the project key.
	if err := linkage.CheckOutputDir(opt.OutDir, opt.Force, "cohort directory"); err != nil {
		return nil, err
	}
	key, keyCreated, err := LoadOrCreateProjectKey(keyPath)
	if err != nil {
		return nil, err
	}
	ids := NewStudyIDs(key, def.Project)
	study := make(map[string]string, len(entities))
	used := make(map[string]bool, len(entities))
	for e := range entities {
		s := ids.ID(e)
		if used[s] {
			return nil, fmt.Errorf("two entities got the same study ID (a 1 in 10^20 event); report this")
		}
		used[s] = true
		study[e] = s
	}
	maps := make(map[string][]MapRow, len(receivers))
	for _, m := range members {
		if s, ok := study[m.EntityID]; ok && recipients[m.Dataset] != nil {
			maps[m.Dataset] = append(maps[m.Dataset], MapRow{RecordID: m.RecordID, StudyID: s})
		}
	}
	man := Manifest{
		Format: "pprl-cohort", FormatVersion: 1, PPRLVersion: buildinfo.Version(),
		Project: def.Project, Definition: def.normalised(),
		ProjectKeyFingerprint: keys.Fingerprint(key),
		EntitiesRecords:       stats.rows, People: len(entities),
		OptOutRegisters: stats.registers, ExcludedOptedOut: excluded,
		Created: created.UTC().Format(time.RFC3339),
	}
	dir, err := linkage.CreateOutputDir(opt.OutDir, opt.Force, "cohort directory")
	if err != nil {
		return nil, err
	}
	defer dir.Abort()
	for _, ds := range receivers {
		rows := maps[ds]
		sort.Slice(rows, func(i, j int) bool { return rows[i].RecordID < rows[j].RecordID })
		if err := writeSealedMap(filepath.Join(dir.Path(), MapFileName(ds)), rows, recipients[ds]); err != nil {
			return nil, fmt.Errorf("map of dataset %q: %w", ds, err)
		}
		people := map[string]bool{}
		for _, r := range rows {
			people[r.StudyID] = true
		}
		man.Agencies = append(man.Agencies, AgencyMap{
			Dataset: ds, File: MapFileName(ds), Records: len(rows), People: len(people),
			RecipientFingerprint: fingerprints[ds],
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&man); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir.Path(), ManifestFile), buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if err := dir.Commit(); err != nil {
		return nil, err
	}
	return &Result{Manifest: man, KeyPath: keyPath, KeyCreated: keyCreated}, nil
}

// Select returns the entity IDs of the cohort of def: those with a record
// in at least one dataset of def.Include and, when def.Require is set, a
// record in every dataset of def.Require.
func Select(members []Member, def Definition) map[string]struct{} {
	include := setOf(def.Include)
	require := setOf(def.Require)
	// For each entity: whether it is in an included dataset, and which
	// required datasets it is in (as a bit set; check caps Require at 64).
	type state struct {
		included bool
		required uint64
	}
	reqBit := map[string]uint64{}
	for i, ds := range sortedKeys(require) {
		reqBit[ds] = 1 << i
	}
	all := uint64(1)<<len(reqBit) - 1
	st := map[string]*state{}
	for _, m := range members {
		_, inc := include[m.Dataset]
		bit := reqBit[m.Dataset]
		if !inc && bit == 0 {
			continue
		}
		s := st[m.EntityID]
		if s == nil {
			s = &state{}
			st[m.EntityID] = s
		}
		s.included = s.included || inc
		s.required |= bit
	}
	out := make(map[string]struct{}, len(st))
	for e, s := range st {
		if s.included && s.required == all {
			out[e] = struct{}{}
		}
	}
	return out
}

// excludeOptedOut removes from entities every entity whose members are
// flagged as opted out, and returns how many it removed.
func excludeOptedOut(entities map[string]struct{}, members []Member) int {
	n := 0
	for _, m := range members {
		if !m.OptedOut {
			continue
		}
		if _, ok := entities[m.EntityID]; ok {
			delete(entities, m.EntityID)
			n++
		}
	}
	return n
}

// maxDatasets bounds Include and Require; real projects name a handful.
const maxDatasets = 64

func (d Definition) check() error {
	if err := CheckProject(d.Project); err != nil {
		return err
	}
	if len(d.Include) == 0 {
		return exitcode.Inputf("no dataset included (--include DATASET[,DATASET...])")
	}
	if len(d.Include) > maxDatasets || len(d.Require) > maxDatasets {
		return exitcode.Inputf("more than %d datasets in --include or --require", maxDatasets)
	}
	for _, ds := range append(slices.Clone(d.Include), d.Require...) {
		if err := checkDataset(ds); err != nil {
			return err
		}
	}
	if d.MinSize < 0 {
		return exitcode.Inputf("--min-size must be at least 1, not %d", d.MinSize)
	}
	return nil
}

func (d Definition) minSize() int {
	if d.MinSize == 0 {
		return DefaultMinSize
	}
	return d.MinSize
}

// normalised returns the definition as the manifest records it: sorted,
// without duplicates, with the effective minimum size.
func (d Definition) normalised() Definition {
	d.Include = sortedKeys(setOf(d.Include))
	if len(d.Require) > 0 {
		d.Require = sortedKeys(setOf(d.Require))
	}
	d.MinSize = d.minSize()
	return d
}

var datasetPattern = projectPattern

// checkDataset refuses a dataset name that could not be a file name.
func checkDataset(ds string) error {
	if !datasetPattern.MatchString(ds) {
		return exitcode.Inputf("dataset name %q: use 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit", ds)
	}
	return nil
}

// receivingDatasets returns, sorted, the datasets that get a map: the
// included and required ones and any other given a recipient. Each needs a
// recipient file.
func receivingDatasets(def Definition, recipients map[string]string) ([]string, error) {
	need := setOf(def.Include)
	for _, ds := range def.Require {
		need[ds] = struct{}{}
	}
	var missing []string
	for _, ds := range sortedKeys(need) {
		if recipients[ds] == "" {
			missing = append(missing, ds)
		}
	}
	if len(missing) > 0 {
		return nil, exitcode.Inputf("no recipient for dataset %s: each agency that receives a map needs --recipient DATASET=FILE (its public key file)", strings.Join(quoteAll(missing), ", "))
	}
	for ds := range recipients {
		if err := checkDataset(ds); err != nil {
			return nil, err
		}
		need[ds] = struct{}{}
	}
	return sortedKeys(need), nil
}

// createdTime is opt.Created, else SOURCE_DATE_EPOCH, else the entities
// file's modification time.
func createdTime(opt Options) (time.Time, error) {
	if !opt.Created.IsZero() {
		return opt.Created, nil
	}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, exitcode.Inputf("SOURCE_DATE_EPOCH must be seconds since 1970, not %q", v)
		}
		return time.Unix(sec, 0), nil
	}
	fi, err := os.Stat(opt.Entities)
	if err != nil {
		return time.Time{}, exitcode.AsInput(err)
	}
	return fi.ModTime().Truncate(time.Second), nil
}

// writeSealedMap writes rows as a Parquet map sealed to recipients at path.
func writeSealedMap(path string, rows []MapRow, recipients []age.Recipient) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := seal.Seal(f, recipients)
	if err != nil {
		return err
	}
	if err := WriteMap(w, rows); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}

func setOf(list []string) map[string]struct{} {
	m := make(map[string]struct{}, len(list))
	for _, s := range list {
		m[s] = struct{}{}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strconv.Quote(s)
	}
	return out
}
