//go:build unix

package atomicfile

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelperWriter is not a test: run by TestKill* in a child process, it
// starts writing an output (ATOMICFILE_HELPER=file:PATH or dir:PATH), says
// "ready" and waits to be killed.
func TestHelperWriter(t *testing.T) {
	spec := os.Getenv("ATOMICFILE_HELPER")
	if spec == "" {
		t.Skip("helper process only")
	}
	kind, path, _ := strings.Cut(spec, ":")
	switch kind {
	case "file":
		f, err := Create(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("half-written identifiers"))
	case "dir":
		d, err := CreateDir(path, false)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d.Path(), "links.parquet"), []byte("half"), 0o644)
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Minute)
}

// killWriter starts a child writing spec, waits until it is writing, and
// kills it with SIGKILL.
func killWriter(t *testing.T, spec string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_HELPER="+spec)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "ready") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper did not start writing: %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()
}

// TestKillFile kills a writer mid-file: nothing is left behind (an unnamed
// file on Linux), or what is left is removed by the next write.
func TestKillFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "sw.tokens.age")
	killWriter(t, "file:"+target)
	if f, err := openUnnamed(dir, "probe"); err == nil { // unnamed files here: nothing at all is left
		f.Close()
		if got := listDir(t, dir); len(got) != 0 {
			t.Fatalf("a killed writer of an unnamed file left %v", got)
		}
	}
	if err := WriteFile(target, []byte("whole"), Options{}); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); len(got) != 1 || got[0] != "sw.tokens.age" {
		t.Fatalf("after a killed write and a rerun the directory holds %v, want only the output", got)
	}
}

// TestKillDir kills a writer mid-directory: the next CreateDir of the same
// target removes the dead writer's temporary directory.
func TestKillDir(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "run")
	killWriter(t, "dir:"+target)
	if got := listDir(t, dir); len(got) != 1 || !strings.HasPrefix(got[0], ".run.tmp-") {
		t.Fatalf("killed directory writer left %v, want its one temporary directory", got)
	}
	d, err := CreateDir(target, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); len(got) != 1 || got[0] != "run" {
		t.Fatalf("after the rerun the directory holds %v, want only run", got)
	}
}

// TestReapLeavesOthersAlone: temporary names of live processes, of other
// targets and of another shape survive.
func TestReapLeavesOthersAlone(t *testing.T) {
	dir := t.TempDir()
	keep := []string{
		".run.tmp-1-abc",          // PID 1 is alive
		".run.tmp-notapid-abc",    // not our shape
		".other.tmp-999999999-ab", // another target
		"run.tmp-999999999-ab",    // not hidden: not ours
	}
	for _, n := range keep {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dead := ".run.tmp-999999999-x"
	os.Mkdir(filepath.Join(dir, dead), 0o755)
	reapStale(dir, "run")
	got := strings.Join(listDir(t, dir), " ")
	for _, n := range keep {
		if !strings.Contains(got, n) {
			t.Errorf("%s was removed", n)
		}
	}
	if strings.Contains(got, dead) {
		t.Errorf("%s (a dead writer's) was kept", dead)
	}
}
