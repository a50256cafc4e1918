package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/pprl/pprl/benchmarks
cpu: AMD EPYC
BenchmarkDice/kernel-2         	    1000	   1200345 ns/op	 312.5 Mcmp/s	       0 B/op	       0 allocs/op
BenchmarkDice/naive-2          	     100	  10203040 ns/op	  36.1 Mcmp/s	      16 B/op	       1 allocs/op
BenchmarkCSVRead-2             	      10	 104857600 ns/op	 1200000 rec/s	  95.2 MB/s	 4096 B/op	 12 allocs/op
PASS
ok  	github.com/pprl/pprl/benchmarks	3.2s
`

func TestParseAndWrite(t *testing.T) {
	tb, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.results) != 3 || len(tb.failed) != 0 {
		t.Fatalf("%d results, %d failures", len(tb.results), len(tb.failed))
	}
	if got := strings.Join(tb.units, ","); got != "Mcmp/s,rec/s,MB/s" {
		t.Fatalf("units %s", got)
	}
	if tb.results[0].name != "Dice/kernel" || tb.results[2].metrics["rec/s"] != "1200000" {
		t.Fatalf("parsed %+v", tb.results)
	}
	var b strings.Builder
	tb.write(&b)
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// 3 env lines, header, rule, 3 rows.
	if len(lines) != 8 {
		t.Fatalf("output:\n%s", out)
	}
	header, row := lines[3], lines[7]
	for _, col := range []string{"benchmark", "ns/op", "Mcmp/s", "rec/s", "MB/s", "B/op", "allocs/op"} {
		if !strings.Contains(header, col) {
			t.Errorf("header lacks %s: %q", col, header)
		}
	}
	if !strings.HasPrefix(row, "CSVRead") || !strings.Contains(row, "1200000") || !strings.HasSuffix(row, "12") {
		t.Errorf("row %q", row)
	}
	// Columns are aligned: every line after the rule has the same length.
	if len(lines[5]) != len(lines[6]) || len(lines[6]) != len(lines[7]) {
		t.Errorf("rows not aligned:\n%s", out)
	}
	if !strings.Contains(lines[5], " - ") && !strings.Contains(lines[5], "  -") {
		t.Errorf("missing metric not shown as '-': %q", lines[5])
	}
}

func TestFailureDetected(t *testing.T) {
	tb, _ := parse(strings.NewReader("--- FAIL: BenchmarkX\nFAIL\tgithub.com/x\t0.1s\n"))
	if len(tb.failed) == 0 {
		t.Fatal("failure not detected")
	}
}
