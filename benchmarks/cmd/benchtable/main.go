// Command benchtable reads `go test -bench` output on standard input and
// prints every benchmark as one aligned table: name, iterations, ns/op, the
// custom metrics the benchmarks report (cmp/s, rec/s, MB/s, ...), B/op and
// allocs/op. It exits non-zero if the input reports a failure or holds no
// benchmarks, so `make bench` fails when a benchmark does.
//
//	go test -run '^$' -bench . -benchmem ./benchmarks/ | go run ./benchmarks/cmd/benchtable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// result is one benchmark line.
type result struct {
	pkg, name, iters string
	metrics          map[string]string // unit → value
}

// table is the parsed input.
type table struct {
	results []result
	units   []string // custom units in order of first appearance
	env     []string // goos, goarch, cpu lines
	failed  []string
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output.
func parse(r io.Reader) (*table, error) {
	t := &table{}
	seen := map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
		case strings.HasPrefix(line, "goos: "), strings.HasPrefix(line, "goarch: "), strings.HasPrefix(line, "cpu: "):
			if !contains(t.env, line) {
				t.env = append(t.env, line)
			}
		case strings.HasPrefix(f[0], "Benchmark") && len(f) >= 4 && len(f)%2 == 0 && isNumber(f[1]):
			res := result{pkg: pkg, name: procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), ""), iters: f[1], metrics: map[string]string{}}
			for i := 2; i+1 < len(f); i += 2 {
				unit := f[i+1]
				res.metrics[unit] = f[i]
				if !seen[unit] {
					seen[unit] = true
					t.units = append(t.units, unit)
				}
			}
			t.results = append(t.results, res)
		case f[0] == "FAIL" || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:"):
			t.failed = append(t.failed, line)
		}
	}
	return t, sc.Err()
}

func isNumber(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// write prints the table with right-aligned numeric columns.
func (t *table) write(w io.Writer) {
	for _, e := range t.env {
		fmt.Fprintln(w, e)
	}
	cols := append(append([]string{"benchmark", "iters", "ns/op"}, t.units...), "B/op", "allocs/op")
	rows := [][]string{cols}
	multiPkg := false
	for _, r := range t.results {
		multiPkg = multiPkg || r.pkg != t.results[0].pkg
	}
	for _, r := range t.results {
		name := r.name
		if multiPkg && r.pkg != "" {
			name = r.pkg[strings.LastIndex(r.pkg, "/")+1:] + "." + name
		}
		row := []string{name, r.iters}
		for _, c := range cols[2:] {
			v := r.metrics[c]
			if v == "" {
				v = "-"
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	width := make([]int, len(cols))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	for k, row := range rows {
		var b strings.Builder
		for i, c := range row {
			if i == 0 {
				fmt.Fprintf(&b, "%-*s", width[i], c)
			} else {
				fmt.Fprintf(&b, "  %*s", width[i], c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if k == 0 {
			total := len(width)*2 - 2
			for _, x := range width {
				total += x
			}
			fmt.Fprintln(w, strings.Repeat("-", total))
		}
	}
}

func main() {
	t, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if len(t.results) > 0 {
		t.write(os.Stdout)
	}
	if len(t.failed) > 0 {
		fmt.Fprintln(os.Stderr, "benchtable: benchmarks failed:")
		for _, l := range t.failed {
			fmt.Fprintln(os.Stderr, "  "+l)
		}
		os.Exit(1)
	}
	if len(t.results) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results in the input")
		os.Exit(1)
	}
}
