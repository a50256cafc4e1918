package cohort

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/parquettest"
	"github.com/pprl/pprl/internal/seal"
)

// writeEntities writes members as an entities.parquet the way pprl match
// does (three utf8 columns).
func writeEntities(t testing.TB, path string, members []Member) {
	t.Helper()
	rows := make([][]string, len(members))
	for i, m := range members {
		rows[i] = []string{m.EntityID, m.Dataset, m.RecordID}
	}
	if err := parquettest.WriteStrings(path, entityColumns[:], rows); err != nil {
		t.Fatal(err)
	}
}

// agency is an agency's key pair for tests.
type agency struct {
	id      age.Identity
	pubPath string
}

func newAgency(t testing.TB, dir, name string) agency {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".pub")
	if err := os.WriteFile(p, []byte(id.Recipient().String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return agency{id: id, pubPath: p}
}

// world is a linkage result: people E0000... with records in several
// datasets, plus agency keys.
type world struct {
	dir      string
	entities string
	members  []Member
	agencies map[string]agency
}

// newWorld makes n people: everyone has a social_work record, every second
// person an education record, every third a health record (two of them for
// person 0), and some people are only in education.
func newWorld(t testing.TB, n int) *world {
	t.Helper()
	w := &world{dir: t.TempDir(), agencies: map[string]agency{}}
	for i := 0; i < n; i++ {
		e := fmt.Sprintf("E%016x", i*7919+1)
		w.members = append(w.members, Member{e, "social_work", fmt.Sprintf("SW%05d", i), false})
		if i%2 == 0 {
			w.members = append(w.members, Member{e, "education", fmt.Sprintf("ED%05d", i), false})
		}
		if i%3 == 0 {
			w.members = append(w.members, Member{e, "health", fmt.Sprintf("H%05d", i), false})
		}
		if i == 0 {
			w.members = append(w.members, Member{e, "health", "H-dup", false})
		}
	}
	for i := 0; i < 5; i++ {
		w.members = append(w.members, Member{fmt.Sprintf("E%016x", 999999+i), "education", fmt.Sprintf("EDONLY%d", i), false})
	}
	w.entities = filepath.Join(w.dir, "entities.parquet")
	writeEntities(t, w.entities, w.members)
	for _, name := range []string{"social_work", "education", "health"} {
		w.agencies[name] = newAgency(t, w.dir, name)
	}
	return w
}

func (w *world) opts(out string) Options {
	rec := map[string]string{}
	for name, a := range w.agencies {
		rec[name] = a.pubPath
	}
	return Options{
		Entities: w.entities, ProjectKey: filepath.Join(w.dir, "projects", "p1.key"),
		Recipients: rec, OutDir: filepath.Join(w.dir, out),
		Created: time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC),
	}
}

func readManifest(t testing.TB, dir string) Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBuildEachAgencyOpensOnlyItsOwnMap(t *testing.T) {
	w := newWorld(t, 30)
	opt := w.opts("cohort")
	res, err := Build(Definition{Project: "p1", Include: []string{"social_work"}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !res.KeyCreated {
		t.Error("first release did not report creating the project key")
	}
	fi, err := os.Stat(opt.ProjectKey)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("project key: %v, mode %v", err, fi.Mode())
	}
	man := readManifest(t, opt.OutDir)
	if man.People != 30 || man.Project != "p1" || len(man.Agencies) != 3 {
		t.Fatalf("manifest: %+v", man)
	}
	entityIDs := map[string]bool{}
	entityOf := map[string]string{} // dataset/record → entity
	for _, m := range w.members {
		entityIDs[m.EntityID] = true
		entityOf[m.Dataset+"/"+m.RecordID] = m.EntityID
	}
	studyOf := map[string]string{} // entity → study ID, across agencies
	total := map[string]bool{}
	for _, am := range man.Agencies {
		path := filepath.Join(opt.OutDir, am.File)
		for other, a := range w.agencies {
			rows, err := OpenMap(path, []age.Identity{a.id})
			if other != am.Dataset {
				if !errors.Is(err, seal.ErrWrongRecipient) {
					t.Errorf("agency %s opened the map of %s: %v", other, am.Dataset, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("agency %s cannot open its own map: %v", other, err)
			}
			people := map[string]bool{}
			for _, r := range rows {
				e, ok := entityOf[am.Dataset+"/"+r.RecordID]
				if !ok {
					t.Fatalf("map of %s lists a record that is not in the dataset", am.Dataset)
				}
				if len(r.StudyID) != 17 || r.StudyID[0] != 'S' || entityIDs[r.StudyID] {
					t.Fatalf("bad study ID %q", r.StudyID)
				}
				if prev, ok := studyOf[e]; ok && prev != r.StudyID {
					t.Fatalf("entity has two study IDs")
				}
				studyOf[e] = r.StudyID
				people[r.StudyID] = true
				total[r.StudyID] = true
				if strings.HasPrefix(r.RecordID, "EDONLY") {
					t.Fatalf("a person outside the cohort is in the map")
				}
			}
			// The manifest's counts reconcile with the map.
			if am.Records != len(rows) || am.People != len(people) {
				t.Errorf("%s: manifest says %d records / %d people, map has %d / %d", am.Dataset, am.Records, am.People, len(rows), len(people))
			}
		}
	}
	if len(total) != man.People {
		t.Errorf("maps hold %d study IDs, manifest says %d people", len(total), man.People)
	}
	want := map[string][2]int{"social_work": {30, 30}, "education": {15, 15}, "health": {11, 10}}
	for _, am := range man.Agencies {
		if g := [2]int{am.Records, am.People}; g != want[am.Dataset] {
			t.Errorf("%s: records/people %v, want %v", am.Dataset, g, want[am.Dataset])
		}
	}
	// The manifest holds no record ID, entity ID or study ID.
	raw, _ := os.ReadFile(filepath.Join(opt.OutDir, ManifestFile))
	for _, m := range w.members {
		if bytes.Contains(raw, []byte(m.EntityID)) || bytes.Contains(raw, []byte(m.RecordID)) {
			t.Fatal("manifest contains an identifier")
		}
	}
	for s := range total {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatal("manifest contains a study ID")
		}
	}
}

func TestBuildRequire(t *testing.T) {
	w := newWorld(t, 60)
	opt := w.opts("cohort")
	_, err := Build(Definition{Project: "p1", Include: []string{"social_work"}, Require: []string{"health", "education"}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	man := readManifest(t, opt.OutDir)
	if man.People != 10 { // i%6 == 0 for i < 60
		t.Fatalf("people = %d, want 10", man.People)
	}
	if man.Definition.MinSize != DefaultMinSize {
		t.Errorf("min size %d", man.Definition.MinSize)
	}
	_ = err
}

func TestSelect(t *testing.T) {
	ms := []Member{
		{"E1", "a", "1", false}, {"E1", "b", "2", false}, {"E2", "a", "3", false}, {"E3", "b", "4", false}, {"E4", "c", "5", false}, {"E4", "a", "6", false},
	}
	for _, tt := range []struct {
		inc, req []string
		want     string
	}{
		{[]string{"a"}, nil, "E1 E2 E4"},
		{[]string{"b"}, nil, "E1 E3"},
		{[]string{"a", "b"}, nil, "E1 E2 E3 E4"},
		{[]string{"a"}, []string{"b"}, "E1"},
		{[]string{"a"}, []string{"b", "c"}, ""},
		{[]string{"c"}, []string{"a"}, "E4"},
		{[]string{"x"}, nil, ""},
	} {
		got := sortedKeys(Select(ms, Definition{Include: tt.inc, Require: tt.req}))
		if strings.Join(got, " ") != tt.want {
			t.Errorf("Select(%v, %v) = %v, want %s", tt.inc, tt.req, got, tt.want)
		}
	}
}

func TestSmallCohortRefused(t *testing.T) {
	w := newWorld(t, 9)
	opt := w.opts("cohort")
	_, err := Build(Definition{Project: "p1", Include: []string{"social_work"}}, opt)
	if err == nil || !exitcode.IsInput(err) || !strings.Contains(err.Error(), "fewer than the minimum of 10") {
		t.Fatalf("9 people: %v", err)
	}
	if _, err := os.Stat(opt.OutDir); !os.IsNotExist(err) {
		t.Error("a refused cohort left its directory behind")
	}
	if _, err := os.Stat(opt.ProjectKey); !os.IsNotExist(err) {
		t.Error("a refused cohort created the project key")
	}
	if _, err := Build(Definition{Project: "p1", Include: []string{"social_work"}, MinSize: 5}, opt); err != nil {
		t.Fatalf("--min-size 5: %v", err)
	}
	opt.OutDir += "2"
	if _, err := Build(Definition{Project: "p1", Include: []string{"health"}, AllowSmall: true}, opt); err != nil {
		t.Fatalf("--allow-small: %v", err)
	}
	if m := readManifest(t, opt.OutDir); m.People != 3 || !m.Definition.AllowSmall {
		t.Errorf("manifest %+v", m)
	}
}

// studyIDs opens every map of a cohort directory and returns its study IDs.
func studyIDs(t *testing.T, w *world, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, am := range readManifest(t, dir).Agencies {
		rows, err := OpenMap(filepath.Join(dir, am.File), []age.Identity{w.agencies[am.Dataset].id})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out[r.StudyID] = true
		}
	}
	return out
}

func TestTwoProjectsShareNoStudyID(t *testing.T) {
	w := newWorld(t, 40)
	def := Definition{Project: "p1", Include: []string{"social_work"}}
	o1 := w.opts("c1")
	if _, err := Build(def, o1); err != nil {
		t.Fatal(err)
	}
	o2 := w.opts("c2")
	o2.ProjectKey = filepath.Join(w.dir, "projects", "p2.key")
	def2 := def
	def2.Project = "p2"
	if _, err := Build(def2, o2); err != nil {
		t.Fatal(err)
	}
	// The same key file under another project name also gives other IDs.
	o3 := w.opts("c3")
	if _, err := Build(def2, o3); err != nil {
		t.Fatal(err)
	}
	a, b, c := studyIDs(t, w, o1.OutDir), studyIDs(t, w, o2.OutDir), studyIDs(t, w, o3.OutDir)
	if len(a) != 40 || len(b) != 40 || len(c) != 40 {
		t.Fatalf("sizes %d %d %d", len(a), len(b), len(c))
	}
	for s := range a {
		if b[s] || c[s] {
			t.Fatal("two projects share a study ID")
		}
	}
	for s := range b {
		if c[s] {
			t.Fatal("two projects share a study ID")
		}
	}
}

// unsealed returns the plaintext of every file of a cohort directory.
func unsealed(t *testing.T, w *world, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	out[ManifestFile], _ = os.ReadFile(filepath.Join(dir, ManifestFile))
	for _, am := range readManifest(t, dir).Agencies {
		f, err := os.Open(filepath.Join(dir, am.File))
		if err != nil {
			t.Fatal(err)
		}
		r, err := seal.Open(f, []age.Identity{w.agencies[am.Dataset].id})
		if err != nil {
			t.Fatal(err)
		}
		out[am.File], err = io.ReadAll(r)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestDeterministicWithSameKey(t *testing.T) {
	w := newWorld(t, 25)
	def := Definition{Project: "p1", Include: []string{"social_work", "health"}}
	o1, o2 := w.opts("c1"), w.opts("c2")
	r1, err := Build(def, o1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Build(def, o2)
	if err != nil {
		t.Fatal(err)
	}
	if !r1.KeyCreated || r2.KeyCreated {
		t.Errorf("key created: %v then %v", r1.KeyCreated, r2.KeyCreated)
	}
	a, b := unsealed(t, w, o1.OutDir), unsealed(t, w, o2.OutDir)
	if len(a) != 4 {
		t.Fatalf("%d files", len(a))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two releases with the same key", name)
		}
	}
	// A new project key (the old one deleted) breaks the links.
	if err := os.Remove(o1.ProjectKey); err != nil {
		t.Fatal(err)
	}
	o3 := w.opts("c3")
	if _, err := Build(def, o3); err != nil {
		t.Fatal(err)
	}
	old := studyIDs(t, w, o1.OutDir)
	for s := range studyIDs(t, w, o3.OutDir) {
		if old[s] {
			t.Fatal("a new project key reproduced an old study ID")
		}
	}
}

func TestBuildInputErrors(t *testing.T) {
	w := newWorld(t, 12)
	def := Definition{Project: "p1", Include: []string{"social_work"}}
	for name, tc := range map[string]struct {
		def  Definition
		edit func(*Options)
		want string
	}{
		"no recipient":             {def, func(o *Options) { delete(o.Recipients, "social_work") }, `no recipient for dataset "social_work"`},
		"unknown dataset":          {def, func(o *Options) { o.Recipients["police"] = o.Recipients["health"] }, `dataset "police" does not occur`},
		"included dataset unknown": {Definition{Project: "p1", Include: []string{"nope"}}, func(o *Options) { o.Recipients["nope"] = o.Recipients["health"] }, `dataset "nope" does not occur`},
		"bad project":              {Definition{Project: "../x", Include: []string{"social_work"}}, nil, "project name"},
		"no include":               {Definition{Project: "p1"}, nil, "no dataset included"},
		"bad dataset name":         {Definition{Project: "p1", Include: []string{"a/b"}}, nil, "dataset name"},
		"negative min size":        {Definition{Project: "p1", Include: []string{"social_work"}, MinSize: -1}, nil, "--min-size"},
		"missing entities":         {def, func(o *Options) { o.Entities += ".missing" }, "entities"},
		"private key as recipient": {def, func(o *Options) {
			p := filepath.Join(w.dir, "priv.key")
			os.WriteFile(p, []byte(w.agencies["health"].id.(*age.X25519Identity).String()+"\n"), 0o600)
			o.Recipients["health"] = p
		}, "private key"},
		"recipient missing": {def, func(o *Options) { o.Recipients["health"] = filepath.Join(w.dir, "none.pub") }, "does not exist"},
		"not parquet": {def, func(o *Options) {
			p := filepath.Join(w.dir, "e.csv")
			os.WriteFile(p, []byte("entity_id,dataset,record_id\n"), 0o644)
			o.Entities = p
		}, "not a readable Parquet file"},
		"no output": {def, func(o *Options) { o.OutDir = "" }, "output directory"},
	} {
		t.Run(name, func(t *testing.T) {
			opt := w.opts("cohort-" + strings.ReplaceAll(name, " ", "-"))
			if tc.edit != nil {
				tc.edit(&opt)
			}
			_, err := Build(tc.def, opt)
			if err == nil || !exitcode.IsInput(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an input error containing %q", err, tc.want)
			}
			if opt.OutDir != "" {
				if _, err := os.Stat(opt.OutDir); !os.IsNotExist(err) {
					t.Error("output directory left behind")
				}
			}
		})
	}
}

func TestReadEntitiesErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "e.parquet")
	writeEntities(t, p, []Member{{"E1", "a", "secret-record-1", false}, {"E2", "a", "secret-record-1", false}})
	_, err := ReadEntities(p)
	if err == nil || !strings.Contains(err.Error(), "row 2") || strings.Contains(err.Error(), "secret-record-1") {
		t.Fatalf("duplicate record: %v", err)
	}
	writeEntities(t, p, []Member{{"E1", "a", "", false}})
	if _, err := ReadEntities(p); err == nil || !strings.Contains(err.Error(), `row 1: column "record_id" is empty`) {
		t.Fatalf("empty record ID: %v", err)
	}
	writeEntities(t, p, nil)
	if _, err := ReadEntities(p); err == nil || !strings.Contains(err.Error(), "no rows") {
		t.Fatalf("empty file: %v", err)
	}
	// A sealed file is named as such.
	a := newAgency(t, dir, "x")
	rs, _ := seal.ReadRecipients(a.pubPath)
	sp := filepath.Join(dir, "sealed.parquet")
	f, _ := os.Create(sp)
	sw, _ := seal.Seal(f, rs)
	sw.Write([]byte("PAR1"))
	sw.Close()
	f.Close()
	if _, err := ReadEntities(sp); err == nil || !strings.Contains(err.Error(), "sealed") {
		t.Fatalf("sealed: %v", err)
	}
}

func TestProjectKeyLoosePermissionsRefused(t *testing.T) {
	w := newWorld(t, 12)
	opt := w.opts("c1")
	def := Definition{Project: "p1", Include: []string{"social_work"}}
	if _, err := Build(def, opt); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(opt.ProjectKey, 0o644); err != nil {
		t.Fatal(err)
	}
	opt.OutDir = filepath.Join(w.dir, "c2")
	if _, err := Build(def, opt); err == nil || !exitcode.IsInput(err) {
		t.Fatalf("loose key: %v", err)
	}
}

func TestStudyIDs(t *testing.T) {
	ids := NewStudyIDs([]byte("key"), "p")
	a, b := ids.ID("E0000000000000001"), ids.ID("E0000000000000002")
	if a == b || len(a) != 17 || a[0] != 'S' || ids.ID("E0000000000000001") != a {
		t.Fatalf("%q %q", a, b)
	}
	if NewStudyIDs([]byte("key"), "q").ID("E0000000000000001") == a || NewStudyIDs([]byte("other"), "p").ID("E0000000000000001") == a {
		t.Fatal("study IDs do not depend on the project and the key")
	}
}

func TestBuildOnlyReceivingDatasetsGetMaps(t *testing.T) {
	w := newWorld(t, 20)
	opt := w.opts("cohort")
	opt.Recipients = map[string]string{"education": w.agencies["education"].pubPath}
	if _, err := Build(Definition{Project: "p1", Include: []string{"education"}}, opt); err != nil {
		t.Fatal(err)
	}
	man := readManifest(t, opt.OutDir)
	if man.EntitiesRecords != len(w.members) {
		t.Errorf("entities_records = %d, want every row (%d)", man.EntitiesRecords, len(w.members))
	}
	if len(man.Agencies) != 1 || man.Agencies[0].Dataset != "education" || man.People != 15 || man.Agencies[0].Records != 15 {
		t.Errorf("manifest %+v", man)
	}
	entries, _ := os.ReadDir(opt.OutDir)
	if len(entries) != 2 {
		t.Errorf("%d files in the cohort directory, want the map and the manifest", len(entries))
	}
}

func FuzzReadEntities(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "seed.parquet")
	writeEntities(f, p, []Member{{"E1", "a", "r1", false}, {"E1", "b", "r2", false}})
	seed, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "e.parquet")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ms, err := ReadEntities(p)
		if err != nil {
			if !exitcode.IsInput(err) {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		for _, m := range ms {
			if m.EntityID == "" || m.Dataset == "" || m.RecordID == "" {
				t.Fatal("empty field accepted")
			}
		}
	})
}
