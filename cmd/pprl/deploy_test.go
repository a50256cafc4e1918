package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// deployDir is the repository's deploy folder.
const deployDir = "../../deploy"

// readManifest decodes a manifest strictly into its API type: a misspelt or
// misplaced field is an error, as the API server would reject it.
func readManifest(t *testing.T, name string, into any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deployDir, "k8s", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestKubernetesManifests checks deploy/k8s and runs it locally. Each
// manifest decodes strictly into its Kubernetes type; the shard Job is an
// Indexed Job whose completions equal PPRL_SHARDS; both Jobs run pprl on the
// same token files with the same search flags, without network, with the
// key owner-only. Then each pod's command is run here, as the kubelet would
// expand it (the shard's for every completion index, then the merge's),
// with the pods' volumes mapped to a temporary directory: the merged outputs
// must be one process's.
func TestKubernetesManifests(t *testing.T) {
	var shards, merge batchv1.Job
	var policy networkingv1.NetworkPolicy
	readManifest(t, "shards-job.yaml", &shards)
	readManifest(t, "merge-job.yaml", &merge)
	readManifest(t, "networkpolicy.yaml", &policy)

	// The manifests' invariants.
	if shards.Spec.CompletionMode == nil || *shards.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatal("shards-job.yaml: completionMode must be Indexed (the shard index is JOB_COMPLETION_INDEX)")
	}
	sc, mc := shards.Spec.Template.Spec.Containers[0], merge.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range sc.Env {
		env[e.Name] = e.Value
	}
	n, err := strconv.Atoi(env["PPRL_SHARDS"])
	if err != nil || shards.Spec.Completions == nil || int(*shards.Spec.Completions) != n {
		t.Fatalf("shards-job.yaml: completions %v and PPRL_SHARDS %q must be the same number", shards.Spec.Completions, env["PPRL_SHARDS"])
	}
	if !slices.Contains(sc.Args, "--shard=$(JOB_COMPLETION_INDEX)/$(PPRL_SHARDS)") {
		t.Fatalf("shards-job.yaml: the shard's args must hold --shard=$(JOB_COMPLETION_INDEX)/$(PPRL_SHARDS): %q", sc.Args)
	}
	if got, want := runFlags(sc.Args, "--shard", "--force", "--output"), runFlags(mc.Args, "--merge", "--output"); !slices.Equal(got, want) {
		t.Fatalf("the shards and the merge must read the same token files with the same search flags:\n%q\n%q", got, want)
	}
	for _, job := range []*batchv1.Job{&shards, &merge} {
		ps := job.Spec.Template.Spec
		if ps.RestartPolicy != corev1.RestartPolicyNever || ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
			t.Errorf("%s: restartPolicy Never and no service account token, please", job.Name)
		}
		if job.Spec.Template.Labels["app.kubernetes.io/name"] != policy.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"] {
			t.Errorf("%s: its pods are not selected by the no-network policy", job.Name)
		}
		for _, v := range ps.Volumes {
			if v.Secret != nil && (v.Secret.DefaultMode == nil || *v.Secret.DefaultMode&0o077 != 0) {
				t.Errorf("%s: secret volume %s must have an owner-only defaultMode", job.Name, v.Name)
			}
		}
	}
	if len(policy.Spec.Ingress) != 0 || len(policy.Spec.Egress) != 0 || len(policy.Spec.PolicyTypes) != 2 {
		t.Error("networkpolicy.yaml must deny all ingress and egress")
	}

	// The pods' volumes, here.
	root := t.TempDir()
	local := func(arg string) string {
		for _, m := range []string{"/work", "/keys"} {
			if i := strings.Index(arg, m+"/"); i >= 0 && (i == 0 || arg[i-1] == '=') {
				return arg[:i] + filepath.Join(root, arg[i:])
			}
		}
		return arg
	}
	work := filepath.Join(root, "work")
	mustRun(t, "keygen", "unit", "-o", filepath.Join(root, "keys", "lu"))
	mustRun(t, "keygen", "secret", "-o", filepath.Join(root, "project.key"))
	mustRun(t, "schema", "init", "-o", filepath.Join(root, "linkage.json"))
	mustRun(t, "synth", "--people", "500", "--seed", "8", "-o", filepath.Join(root, "ex"))
	var inputs []string
	for _, a := range sc.Args {
		if strings.HasPrefix(a, "/work/inputs/") {
			inputs = append(inputs, local(a))
			ds := strings.TrimSuffix(filepath.Base(a), ".tokens.age")
			mustRun(t, "--quiet", "tokenize", "--schema", filepath.Join(root, "linkage.json"), "--secret", filepath.Join(root, "project.key"),
				"--mapping", filepath.Join(root, "ex", "mapping", ds+".json"), "--dataset", ds, "--seal-to", filepath.Join(root, "keys", "lu.pub"),
				filepath.Join(root, "ex", ds+".csv"), "-o", local(a))
		}
	}
	if len(inputs) < 2 {
		t.Fatalf("the Jobs name %d token files under /work/inputs", len(inputs))
	}

	// Every shard, as the kubelet expands its command, then the merge.
	for i := n - 1; i >= 0; i-- {
		env["JOB_COMPLETION_INDEX"] = strconv.Itoa(i)
		mustRun(t, podArgs(t, sc, env, local)...)
	}
	mustRun(t, podArgs(t, mc, nil, local)...)
	one := filepath.Join(root, "one")
	mustRun(t, append([]string{"--quiet", "match", "--key", filepath.Join(root, "keys", "lu.key"), "--min-dice=0.8", "--seed=0", "-o", one}, inputs...)...)
	sameOutputs(t, filepath.Join(work, "linked"), one)
}

// podArgs returns a container's command line as the kubelet runs it:
// $(VAR) replaced from env, paths mapped by local. The command must be pprl.
func podArgs(t *testing.T, c corev1.Container, env map[string]string, local func(string) string) []string {
	t.Helper()
	if !slices.Equal(c.Command, []string{"pprl"}) {
		t.Fatalf("container %s runs %q, not pprl", c.Name, c.Command)
	}
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	var out []string
	for _, a := range c.Args {
		a = ref.ReplaceAllStringFunc(a, func(m string) string {
			v, ok := env[m[2:len(m)-1]]
			if !ok {
				t.Fatalf("container %s: %s is not set", c.Name, m)
			}
			return v
		})
		out = append(out, local(a))
	}
	return append([]string{"--quiet"}, out...)
}

// runFlags returns args without the flags named in drop (and their
// "=value"): what two commands of one run must share.
func runFlags(args []string, drop ...string) []string {
	var out []string
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		if !slices.Contains(drop, name) {
			out = append(out, a)
		}
	}
	return out
}

// mustRun runs pprl in this process and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) {
	t.Helper()
	if code := run(args); code != 0 {
		t.Fatalf("pprl %s: exit %d", strings.Join(args, " "), code)
	}
}

// sameOutputs compares two match output directories: links and entities
// byte for byte, summaries but for timings and the list of shards.
func sameOutputs(t *testing.T, got, want string) {
	t.Helper()
	for _, f := range []string{"links.parquet", "entities.parquet"} {
		a, errA := os.ReadFile(filepath.Join(got, f))
		b, errB := os.ReadFile(filepath.Join(want, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between %s and %s (%v, %v)", f, got, want, errA, errB)
		}
	}
	var sums [2][]byte
	for i, d := range []string{got, want} {
		var err error
		if sums[i], err = comparableSummary(filepath.Join(d, "summary.json")); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(sums[0], sums[1]) {
		t.Errorf("summary.json differs between %s and %s beyond timings and shards: %s", got, want, summaryDiff(sums[0], sums[1]))
	}
	fmt.Fprintln(os.Stderr) // keep test output readable after pprl's lines
}

// summaryDiff names the top-level summary.json keys whose values differ
// between two comparable summaries, with both values (shortened).
func summaryDiff(a, b []byte) string {
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return "(not JSON objects)"
	}
	short := func(r json.RawMessage) string {
		if len(r) > 400 {
			return string(r[:400]) + "…"
		}
		return string(r)
	}
	var out []string
	for k, va := range ma {
		if vb := mb[k]; !bytes.Equal(va, vb) {
			out = append(out, fmt.Sprintf("%s: %s against %s", k, short(va), short(vb)))
		}
	}
	for k, vb := range mb {
		if _, ok := ma[k]; !ok {
			out = append(out, fmt.Sprintf("%s: absent against %s", k, short(vb)))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}
