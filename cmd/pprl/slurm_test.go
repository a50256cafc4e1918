package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSlurmArrayAndMerge runs deploy/slurm on a real single-node Slurm
// cluster (slurmctld, slurmd and munge from the distribution's packages,
// configured in a temporary directory): submit.sh submits a job array of
// shards and a merge that waits for them with afterok, and the merged
// outputs must be one process's. It skips, saying why, where such a
// cluster cannot be started (no packages, not root); make slurm-deps
// installs the packages on Debian.
func TestSlurmArrayAndMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no Slurm cluster")
	}
	for _, bin := range []string{"slurmctld", "slurmd", "sbatch", "scontrol", "sinfo", "munged", "munge"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("Slurm cannot be started here: %s is not installed (make slurm-deps installs slurm-wlm and munge on Debian)", bin)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("Slurm cannot be started here: a single-node cluster needs root (slurmd runs jobs as their users)")
	}
	dir := t.TempDir()
	conf := startSlurm(t, dir)
	t.Setenv("SLURM_CONF", conf)

	// A small run: three agencies sealed to the unit, tokenized here.
	pprl := filepath.Join(dir, "pprl")
	if out, err := exec.Command("go", "build", "-o", pprl, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	mustRun(t, "keygen", "unit", "-o", filepath.Join(dir, "lu"))
	mustRun(t, "keygen", "secret", "-o", filepath.Join(dir, "project.key"))
	mustRun(t, "schema", "init", "-o", filepath.Join(dir, "linkage.json"))
	mustRun(t, "synth", "--people", "800", "--seed", "12", "-o", filepath.Join(dir, "ex"))
	var inputs []string
	for _, ds := range []string{"education", "health", "social_work"} {
		in := filepath.Join(dir, ds+".tokens.age")
		mustRun(t, "--quiet", "tokenize", "--schema", filepath.Join(dir, "linkage.json"), "--secret", filepath.Join(dir, "project.key"),
			"--mapping", filepath.Join(dir, "ex", "mapping", ds+".json"), "--dataset", ds, "--seal-to", filepath.Join(dir, "lu.pub"),
			filepath.Join(dir, "ex", ds+".csv"), "-o", in)
		inputs = append(inputs, in)
	}
	env := fmt.Sprintf("PPRL=%s\nKEY=%s\nINPUTS=(%s)\nPARTS=%s\nOUT=%s\nSEARCH_FLAGS=(--min-dice 0.8 --seed 4)\nMERGE_FLAGS=()\n",
		pprl, filepath.Join(dir, "lu.key"), strings.Join(inputs, " "), filepath.Join(dir, "parts"), filepath.Join(dir, "linked"))
	if err := os.WriteFile(filepath.Join(dir, "run.env"), []byte(env), 0o644); err != nil {
		t.Fatal(err)
	}

	// Submit: 3 shards, then the merge.
	submit, err := filepath.Abs(filepath.Join(deployDir, "slurm", "submit.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(submit, "3", "--chdir="+dir, "--mem=256M", "--cpus-per-task=1")
	cmd.Env = append(os.Environ(), "PPRL_RUN_ENV="+filepath.Join(dir, "run.env"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("submit.sh: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	ids := strings.Fields(lines[len(lines)-1])
	if len(ids) != 2 {
		t.Fatalf("submit.sh printed %q", out)
	}
	t.Logf("submitted: %s", lines[0])
	state := waitJob(t, ids[1], 5*time.Minute)
	logs := readGlob(filepath.Join(dir, "pprl-*.out"))
	if state != "COMPLETED" {
		t.Fatalf("merge job %s ended %s; job output:\n%s", ids[1], state, logs)
	}
	t.Logf("the jobs' output:\n%s", logs)
	if !strings.Contains(logs, "merged 3 parts of") {
		t.Errorf("the merge job did not report its 3 parts:\n%s", logs)
	}
	for i := range 3 {
		if !strings.Contains(logs, fmt.Sprintf("shard %d/3: 6 dataset pair(s)", i)) {
			t.Errorf("no shard %d/3 line in the jobs' output:\n%s", i, logs)
		}
	}
	// The run in one process uses the jobs' binary: summary.json names the
	// build (pprl_version), and go build stamps a version from the
	// repository where the test binary says "dev".
	one := filepath.Join(dir, "one")
	if out, err := exec.Command(pprl, append([]string{"--quiet", "match", "--key", filepath.Join(dir, "lu.key"), "--min-dice", "0.8", "--seed", "4", "-o", one}, inputs...)...).CombinedOutput(); err != nil {
		t.Fatalf("pprl match in one process: %v\n%s", err, out)
	}
	sameOutputs(t, filepath.Join(dir, "linked"), one)
}

// startSlurm starts munge (unless it runs) and a single-node slurmctld and
// slurmd configured under dir, stopped when the test ends, and returns the
// configuration file. It skips the test when the node does not come up.
func startSlurm(t *testing.T, dir string) string {
	t.Helper()
	if exec.Command("sh", "-c", "munge -n | unmunge").Run() != nil {
		os.MkdirAll("/run/munge", 0o755)
		exec.Command("chown", "munge:munge", "/run/munge").Run()
		if _, err := os.Stat("/etc/munge/munge.key"); err != nil {
			exec.Command("mungekey", "-c").Run()
		}
		if out, err := exec.Command("munged", "--force").CombinedOutput(); err != nil {
			t.Skipf("Slurm cannot be started here: munged: %v %s", err, out)
		}
		t.Cleanup(func() { stopByPIDFile("/run/munge/munged.pid") })
	}
	host, err := exec.Command("hostname", "-s").Output()
	if err != nil {
		t.Skipf("Slurm cannot be started here: hostname: %v", err)
	}
	h := strings.TrimSpace(string(host))
	state := filepath.Join(dir, "slurm")
	for _, d := range []string{"state", "spool"} {
		if err := os.MkdirAll(filepath.Join(state, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	memMB := 1024
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if fs := strings.Fields(sc.Text()); len(fs) >= 2 && fs[0] == "MemTotal:" {
				if kb, err := strconv.Atoi(fs[1]); err == nil {
					memMB = kb / 1024 / 2
				}
			}
		}
		f.Close()
	}
	conf := filepath.Join(state, "slurm.conf")
	text := fmt.Sprintf(`ClusterName=pprltest
SlurmctldHost=%[1]s
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=%[2]s/state
SlurmdSpoolDir=%[2]s/spool
SlurmctldPidFile=%[2]s/slurmctld.pid
SlurmdPidFile=%[2]s/slurmd.pid
SlurmctldLogFile=%[2]s/slurmctld.log
SlurmdLogFile=%[2]s/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
NodeName=%[1]s CPUs=%[3]d RealMemory=%[4]d State=UNKNOWN
PartitionName=main Nodes=%[1]s Default=YES MaxTime=INFINITE State=UP
`, h, state, runtime.NumCPU(), memMB)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopSlurm(state) })
	for _, d := range []string{"slurmctld", "slurmd"} {
		c := exec.Command(d, "-f", conf)
		c.Env = append(os.Environ(), "SLURM_CONF="+conf)
		if out, err := c.CombinedOutput(); err != nil {
			t.Skipf("Slurm cannot be started here: %s: %v %s", d, err, out)
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		c := exec.Command("sinfo", "-h", "-o", "%T")
		c.Env = append(os.Environ(), "SLURM_CONF="+conf)
		out, _ := c.Output()
		if s := strings.TrimSpace(string(out)); s == "idle" || s == "mixed" {
			return conf
		}
		if time.Now().After(deadline) {
			logs := readGlob(filepath.Join(state, "*.log"))
			t.Skipf("Slurm cannot be started here: the node did not come up in 90 s (sinfo: %q); logs:\n%s", out, logs)
		}
		time.Sleep(time.Second)
	}
}

// stopSlurm stops the daemons by their pid files and waits for them.
func stopSlurm(state string) {
	for _, f := range []string{"slurmd.pid", "slurmctld.pid"} {
		stopByPIDFile(filepath.Join(state, f))
	}
}

// stopByPIDFile stops the process a pid file names and waits for it.
func stopByPIDFile(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}

// waitJob waits for a job to end and returns its JobState.
func waitJob(t *testing.T, id string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		out, err := exec.Command("scontrol", "show", "job", "-o", id).Output()
		if err == nil {
			for _, f := range bytes.Fields(out) {
				if s, ok := strings.CutPrefix(string(f), "JobState="); ok {
					switch s {
					case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED":
					default:
						return s
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not end in %v: %s", id, limit, out)
		}
		time.Sleep(time.Second)
	}
}

// readGlob returns the files matching pattern, concatenated with names.
func readGlob(pattern string) string {
	var b strings.Builder
	names, _ := filepath.Glob(pattern)
	for _, n := range names {
		data, _ := os.ReadFile(n)
		fmt.Fprintf(&b, "== %s\n%s\n", filepath.Base(n), data)
	}
	return b.String()
}
