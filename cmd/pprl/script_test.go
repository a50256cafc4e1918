package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
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
//   - chmod MODE FILE: set FILE's permission bits (octal), e.g. chmod 0644 key.
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
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
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
