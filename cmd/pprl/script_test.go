package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pprl/pprl/linkage"
)

// TestMain lets testscript run pprl in-process as the "pprl" command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"pprl": func() { os.Exit(run(os.Args[1:])) },
	})
}

// TestScripts runs every scenario under testdata/script: one short script per
// scenario, as filippo.io/age tests its CLI. Scripts may use:
//   - $TESTDATA: the repository's testdata folder (FEBRL data, clkhash vectors);
//   - chmod MODE FILE: set FILE's permission bits (octal), e.g. chmod 0644 key;
//   - [race]: the condition that the race detector is on (pprl runs several
//     times slower: a script that needs a run to last can take less data).
func TestScripts(t *testing.T) {
	testdata, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("PPRL_REQUIRE_TOOLS") != "" {
		if _, err := exec.LookPath("age"); err != nil {
			t.Fatal("age CLI not on PATH (cli_age_interop needs it): make deps installs it")
		}
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", testdata)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "race" {
				return raceEnabled, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sameentity ENTITIES DS:ID DS:ID: the two records are in one
			// entity of ENTITIES (an entities.parquet); with ! they are not.
			"sameentity": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 3 {
					ts.Fatalf("usage: sameentity ENTITIES DATASET:ID DATASET:ID")
				}
				ents, err := linkage.ReadEntities(ts.MkAbs(args[0]))
				ts.Check(err)
				var ids [2]string
				for i, a := range args[1:] {
					ds, id, ok := strings.Cut(a, ":")
					e, found := ents[linkage.RecordKey{Dataset: ds, RecordID: id}]
					if !ok || !found {
						ts.Fatalf("record %s is not in %s", a, args[0])
					}
					ids[i] = e
				}
				if same := ids[0] == ids[1]; same == neg {
					ts.Fatalf("%s and %s: same entity %v, want %v", args[1], args[2], same, !neg)
				}
			},
			// samesummary A B: two summary.json files agree but for their
			// timings and a merge's list of shards.
			"samesummary": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: samesummary SUMMARY SUMMARY")
				}
				var js [2][]byte
				for i, a := range args {
					var err error
					js[i], err = comparableSummary(ts.MkAbs(a))
					ts.Check(err)
				}
				if same := bytes.Equal(js[0], js[1]); same == neg {
					ts.Fatalf("%s and %s: same summary %v, want %v", args[0], args[1], same, !neg)
				}
			},
			"chmod": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: chmod MODE FILE")
				}
				mode, err := strconv.ParseUint(args[0], 8, 32)
				if err != nil {
					ts.Fatalf("chmod: bad mode %q", args[0])
				}
				ts.Check(os.Chmod(ts.MkAbs(args[1]), os.FileMode(mode)))
			},
		},
	})
}

// comparableSummary returns a summary.json without what differs between
// runs of the same match: its timings, and the list of shards a merged run
// was made from.
func comparableSummary(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	delete(m, "timings")
	delete(m, "shards")
	return json.Marshal(m)
}
