package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The bad-input corpus: every command fed malformed, foreign or hostile
// inputs. Each case must end with exit status 2 (or 1 for the machine's
// faults), one line on stderr starting "pprl: ", no stack trace, none of
// the planted identifiers anywhere (stdout, stderr, files), and nothing
// left behind: the working directory is exactly as before.

// Planted identifiers: in the extract's names, IDs and addresses (data, not
// the command line or configuration, which the user wrote and may be
// echoed). They must never appear in what a command prints or writes when it
// fails.
var planted = []string{"ZEPHYRINA", "QUILLFEATHER", "PLANTED7731", "0101019998", "XYLOPHONE LANE"}

const corpusHeader = "id,chi,forename,middle,surname,dob,sex,address,postcode\n"

// corpusRow is a good extract row holding the planted identifiers.
func corpusRow(i int) string {
	return fmt.Sprintf("PLANTED7731%02d,0101019998,ZEPHYRINA,,QUILLFEATHER,2010-01-%02d,F,\"%d XYLOPHONE LANE, PERTH\",PH1 %dAA\n", i, 1+i%28, i, i%10)
}

func goodExtract(n int) string {
	var b strings.Builder
	b.WriteString(corpusHeader)
	for i := range n {
		b.WriteString(corpusRow(i))
	}
	return b.String()
}

const corpusMapping = `{"mapping_version": 1, "record_id": "id", "columns": {"chi": "chi", "forename": "forename", "middle_names": "middle", "surname": "surname", "dob": "dob", "sex": "sex", "address": "address", "postcode": "postcode"}, "date_formats": {"dob": ["YYYY-MM-DD"]}, "delimiter": ","}`

// corpusCase is one malformed input: files to write (beside the shared
// fixtures) and the command line.
type corpusCase struct {
	name  string
	files map[string]string
	args  []string
	modes map[string]os.FileMode // chmod after writing
}

// fixtures makes the good files every case may refer to: a secret, keys, a
// spec, a mapping, an extract, token files, a match run. Paths are relative
// to the working directory.
func corpusFixtures(t *testing.T, dir string) {
	t.Helper()
	must := func(args ...string) {
		if code, stderr := runCaptured(t, args...); code != 0 {
			t.Fatalf("fixture %v: exit %d: %s", args, code, stderr)
		}
	}
	os.WriteFile(filepath.Join(dir, "m.json"), []byte(corpusMapping), 0o644)
	os.WriteFile(filepath.Join(dir, "x.csv"), []byte(goodExtract(40)), 0o644)
	os.WriteFile(filepath.Join(dir, "y.csv"), []byte(goodExtract(30)), 0o644)
	must("keygen", "secret", "-o", "s.key")
	must("keygen", "secret", "-o", "other.key")
	must("keygen", "unit", "-o", "lu")
	must("keygen", "unit", "--classic", "-o", "ag")
	must("schema", "init", "-o", "l.json")
	must("-q", "tokenize", "--schema", "l.json", "--mapping", "m.json", "--secret", "s.key", "--dataset", "xa", "--no-seal", "x.csv", "-o", "xa.parquet")
	must("-q", "tokenize", "--schema", "l.json", "--mapping", "m.json", "--secret", "s.key", "--dataset", "ya", "--seal-to", "lu.pub", "y.csv", "-o", "ya.age")
	must("-q", "tokenize", "--schema", "l.json", "--mapping", "m.json", "--secret", "other.key", "--dataset", "za", "--no-seal", "y.csv", "-o", "za.parquet")
	// Every planted row holds one CHI and one name with 28 birthdays, so
	// the field agreement check would refuse the run (dob disagrees on
	// most links).
	must("-q", "match", "--allow-field-mismatch", "--key", "lu.key", "xa.parquet", "ya.age", "-o", "run")
	os.WriteFile(filepath.Join(dir, "truth.csv"), []byte("dataset,record_id,person_id\nxa,PLANTED773100,p1\nya,PLANTED773100,p1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "fore.csv"), []byte("name,count\nANN,10\nBOB,5\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "sur.csv"), []byte("name,count\nSMITH,10\nJONES,5\n"), 0o644)
}

// corpusCases returns the corpus, generated from families of bad inputs
// crossed with the commands that read them.
func corpusCases() []corpusCase {
	var cs []corpusCase
	add := func(name string, files map[string]string, args ...string) {
		cs = append(cs, corpusCase{name: name, files: files, args: args})
	}
	tok := func(extra ...string) []string {
		return append([]string{"tokenize", "--schema", "l.json", "--mapping", "m.json", "--secret", "s.key", "--dataset", "bad", "--no-seal"}, extra...)
	}
	check := func(extra ...string) []string {
		return append([]string{"schema", "check", "--schema", "l.json", "--mapping", "m.json"}, extra...)
	}

	// Extracts: read by tokenize and schema check.
	row := corpusRow(1)
	extracts := map[string]string{
		"empty":                 "",
		"header only, no rows":  corpusHeader,
		"only a BOM":            "\xef\xbb\xbf",
		"ragged short row":      corpusHeader + "PLANTED773101,0101019998,ZEPHYRINA\n",
		"ragged long row":       corpusHeader + strings.TrimSuffix(row, "\n") + ",EXTRA,QUILLFEATHER\n",
		"unterminated quote":    corpusHeader + "PLANTED773101,0101019998,\"ZEPHYRINA,,QUILLFEATHER,2010-01-01,F,x,PH1 1AA\n",
		"bare quote in field":   corpusHeader + "PLANTED773101,0101019998,ZEPH\"YRINA,,QUILLFEATHER,2010-01-01,F,x,PH1 1AA\n",
		"invalid UTF-8 name":    corpusHeader + "PLANTED773101,0101019998,ZEPHYRINA\xff,,QUILLFEATHER,2010-01-01,F,x,PH1 1AA\n",
		"invalid UTF-8 header":  "id,chi,fore\xffname,middle,surname,dob,sex,address,postcode\n" + row,
		"NUL in ID":             corpusHeader + "PLANTED7731\x0001,0101019998,ZEPHYRINA,,QUILLFEATHER,2010-01-01,F,x,PH1 1AA\n",
		"NUL in name":           corpusHeader + "PLANTED773101,0101019998,ZEPHY\x00RINA,,QUILLFEATHER,2010-01-01,F,x,PH1 1AA\n",
		"CR-only line endings":  strings.ReplaceAll(corpusHeader+row+corpusRow(2), "\n", "\r"),
		"semicolon delimited":   strings.ReplaceAll(corpusHeader, ",", ";") + "PLANTED773101;0101019998;ZEPHYRINA;;QUILLFEATHER;2010-01-01;F;x;PH1 1AA\n",
		"tab delimited":         strings.ReplaceAll(corpusHeader, ",", "\t") + "PLANTED773101\t0101019998\tZEPHYRINA\t\tQUILLFEATHER\t2010-01-01\tF\tx\tPH1 1AA\n",
		"duplicate header":      "id,chi,forename,forename,surname,dob,sex,address,postcode\n" + row,
		"missing column":        "id,chi,forename,middle,dob,sex,address,postcode\nPLANTED773101,0101019998,ZEPHYRINA,,2010-01-01,F,x,PH1 1AA\n",
		"no header (data only)": row + corpusRow(2),
		"field over 64 KiB":     corpusHeader + "PLANTED773101,0101019998," + strings.Repeat("ZEPHYRINA", 8000) + ",,QUILLFEATHER,2010-01-01,F,x,PH1 1AA\n",
		"duplicate record IDs":  corpusHeader + row + row,
		"binary garbage":        "\x00\x01\x02PK\x03\x04ZEPHYRINA\xff\xfe",
		"a Parquet magic only":  "PAR1",
		"every DOB unparseable": corpusHeader + strings.ReplaceAll(row+corpusRow(2)+corpusRow(3), "2010-01-", "01/2010/"),
	}
	for _, name := range slices.Sorted(maps.Keys(extracts)) {
		files := map[string]string{"bad.csv": extracts[name]}
		add("tokenize/"+name, files, tok("bad.csv", "-o", "bad.parquet")...)
		if name != "header only, no rows" { // a template: check reads its header, fine
			add("schema check/"+name, files, check("bad.csv")...)
		}
	}
	add("tokenize/a directory as extract", nil, tok("run", "-o", "bad.parquet")...)
	add("tokenize/missing extract", nil, tok("nothere.csv", "-o", "bad.parquet")...)
	add("schema check/missing extract", nil, check("nothere.csv")...)

	// Input mappings: read by tokenize and schema check.
	mappings := map[string]string{
		"empty":                   "",
		"truncated":               `{"mapping_version": 1, "record_id": "id", "columns": {"forename": "forename"`,
		"not JSON":                "record_id=id",
		"a JSON list":             `[1, 2]`,
		"wrong version":           `{"mapping_version": 9, "record_id": "id", "columns": {"forename": "forename"}}`,
		"no version":              `{"record_id": "id", "columns": {"forename": "forename"}}`,
		"unknown key":             `{"mapping_version": 1, "record_id": "id", "colums": {"forename": "forename"}}`,
		"column name a number":    `{"mapping_version": 1, "record_id": "id", "columns": {"forename": 7}}`,
		"unknown field":           `{"mapping_version": 1, "record_id": "id", "columns": {"firstname": "forename"}}`,
		"empty column name":       `{"mapping_version": 1, "record_id": "id", "columns": {"forename": ""}}`,
		"column not in file":      `{"mapping_version": 1, "record_id": "id", "columns": {"forename": "NOSUCHCOLUMN"}}`,
		"ID column not in file":   `{"mapping_version": 1, "record_id": "NOSUCHID", "columns": {"forename": "forename"}}`,
		"date format guesses":     `{"mapping_version": 1, "record_id": "id", "columns": {"dob": "dob"}, "date_formats": {"dob": ["DD/MM/YYYY", "MM/DD/YYYY"]}}`,
		"bad date format":         `{"mapping_version": 1, "record_id": "id", "columns": {"dob": "dob"}, "date_formats": {"dob": ["QQQQ"]}}`,
		"no date formats":         `{"mapping_version": 1, "record_id": "id", "columns": {"dob": "dob"}, "date_formats": {"dob": []}}`,
		"date formats on a name":  `{"mapping_version": 1, "record_id": "id", "columns": {"forename": "forename"}, "date_formats": {"forename": ["YYYY"]}}`,
		"40 date formats":         `{"mapping_version": 1, "record_id": "id", "columns": {"dob": "dob"}, "date_formats": {"dob": [` + strings.Repeat(`"YYYY-MM-DD",`, 39) + `"YYYY-MM-DD"]}}`,
		"bad sex code":            `{"mapping_version": 1, "record_id": "id", "columns": {"sex": "sex"}, "sex_codes": {"F": "feminine"}}`,
		"bad delimiter":           `{"mapping_version": 1, "record_id": "id", "columns": {"forename": "forename"}, "delimiter": "\""}`,
		"two-character delimiter": `{"mapping_version": 1, "record_id": "id", "columns": {"forename": "forename"}, "delimiter": ";;"}`,
		"trailing data":           `{"mapping_version": 1, "record_id": "id", "columns": {"forename": "forename"}} {}`,
	}
	for _, name := range slices.Sorted(maps.Keys(mappings)) {
		files := map[string]string{"bm.json": mappings[name]}
		add("tokenize/mapping "+name, files, "tokenize", "--schema", "l.json", "--mapping", "bm.json", "--secret", "s.key", "--dataset", "bad", "--no-seal", "x.csv", "-o", "bad.parquet")
		add("schema check/mapping "+name, files, "schema", "check", "--schema", "l.json", "--mapping", "bm.json", "x.csv")
	}

	// Linkage specs: read by tokenize and schema check.
	specs := map[string]string{
		"empty":           "",
		"not JSON":        "fields: forename",
		"truncated":       `{"spec_version": 1, "fields": [`,
		"unknown key":     `{"spec_version": 1, "feilds": []}`,
		"no fields":       `{"spec_version": 1, "fields": [], "rules": []}`,
		"a JSON string":   `"ZEPHYRINA"`,
		"clkhash garbage": `{"version": 3, "clkConfig": {"l": 1023}, "features": []}`,
	}
	for _, name := range slices.Sorted(maps.Keys(specs)) {
		files := map[string]string{"bs.json": specs[name]}
		add("tokenize/spec "+name, files, "tokenize", "--schema", "bs.json", "--mapping", "m.json", "--secret", "s.key", "--dataset", "bad", "--no-seal", "x.csv", "-o", "bad.parquet")
		add("schema check/spec "+name, files, "schema", "check", "--schema", "bs.json", "--mapping", "m.json", "x.csv")
	}

	// Project secrets.
	secrets := map[string]string{
		"three bytes":       "abc\n",
		"empty":             "",
		"two secrets":       "FmBP8yjuUh7D3RIUDcwAy5XyPQTEqQYwEz1sfE49cAY\nFmBP8yjuUh7D3RIUDcwAy5XyPQTEqQYwEz1sfE49cAY\n",
		"not base64":        "ZEPHYRINA QUILLFEATHER 0101019998 PLANTED7731 !!!\n",
		"64 zeros":          strings.Repeat("0", 64) + "\n",
		"all-zero key":      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
		"an age key":        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n",
		"a public key file": "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n",
		"too short":         "FmBP8yjuUh7D3RIUDcwAy5XyPQTEqQ\n",
	}
	for _, name := range slices.Sorted(maps.Keys(secrets)) {
		cs = append(cs, corpusCase{name: "tokenize/secret " + name, files: map[string]string{"bad.key": secrets[name]},
			modes: map[string]os.FileMode{"bad.key": 0o600},
			args:  []string{"tokenize", "--schema", "l.json", "--mapping", "m.json", "--secret", "bad.key", "--dataset", "bad", "--no-seal", "x.csv", "-o", "bad.parquet"}})
	}
	cs = append(cs, corpusCase{name: "tokenize/secret readable by others", files: map[string]string{"loose.key": "FmBP8yjuUh7D3RIUDcwAy5XyPQTEqQYwEz1sfE49cAY\n"},
		modes: map[string]os.FileMode{"loose.key": 0o644},
		args:  []string{"tokenize", "--schema", "l.json", "--mapping", "m.json", "--secret", "loose.key", "--dataset", "bad", "--no-seal", "x.csv", "-o", "bad.parquet"}})
	add("tokenize/secret missing", nil, "tokenize", "--schema", "l.json", "--mapping", "m.json", "--secret", "nothere.key", "--dataset", "bad", "--no-seal", "x.csv", "-o", "bad.parquet")

	// Recipients for sealing.
	recipients := map[string]string{
		"empty":             "",
		"garbage":           "ZEPHYRINA\n",
		"two keys":          "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\nage1zzzzzz\n",
		"a secret key":      "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n",
		"an ssh key":        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
		"truncated age key": "age1qqqq\n",
	}
	for _, name := range slices.Sorted(maps.Keys(recipients)) {
		add("tokenize/recipient "+name, map[string]string{"bad.pub": recipients[name]},
			"tokenize", "--schema", "l.json", "--mapping", "m.json", "--secret", "s.key", "--dataset", "bad", "--seal-to", "bad.pub", "x.csv", "-o", "bad.age")
		add("cohort/recipient "+name, map[string]string{"bad.pub": recipients[name]},
			"cohort", "--entities", "run/entities.parquet", "--project", "P1", "--include", "xa", "--recipient", "xa=bad.pub", "--allow-small", "--project-key", "pk/P1.key", "-o", "c")
	}

	// Numbers that are not numbers.
	for _, f := range [][]string{
		{"--max-reject-rate", "NaN"}, {"--max-reject-rate", "-1"}, {"--max-reject-rate", "2"}, {"--max-reject-rate", "Inf"},
		{"--max-field-reject-rate", "NaN"}, {"--max-field-reject-rate", "0"}, {"--workers", "-4"}, {"--workers", "x"},
	} {
		add("tokenize/flag "+strings.Join(f, " "), nil, tok(append([]string{"x.csv", "-o", "bad.parquet"}, f...)...)...)
	}
	for _, f := range [][]string{
		{"--min-dice", "NaN"}, {"--min-dice", "-0.1"}, {"--min-dice", "1.5"}, {"--threshold", "NaN"}, {"--threshold", "-Inf"},
		{"--threshold", "high"}, {"--opt-out-margin", "-1"}, {"--opt-out-margin", "NaN"}, {"--seed", "-1"},
	} {
		add("match/flag "+strings.Join(f, " "), nil, append([]string{"match", "xa.parquet", "-o", "m2"}, f...)...)
	}

	// Token files: read by match, inspect and audit.
	tokenFiles := map[string]string{
		"empty":                 "",
		"CSV, not Parquet":      "record_id,clk\nPLANTED7731,ZEPHYRINA\n",
		"random bytes":          "PAR1\x00\x01ZEPHYRINA\x02\x03PAR1",
		"age header, truncated": "age-encryption.org/v1\n-> X25519 abc\n",
		"JSON":                  `{"dataset": "ZEPHYRINA"}`,
	}
	for _, name := range slices.Sorted(maps.Keys(tokenFiles)) {
		files := map[string]string{"bad.parquet": tokenFiles[name]}
		add("match/token file "+name, files, "match", "--key", "lu.key", "xa.parquet", "bad.parquet", "-o", "m2")
		add("inspect/token file "+name, files, "inspect", "bad.parquet", "--key", "lu.key")
		add("audit/token file "+name, files, "audit", "bad.parquet", "--key", "lu.key", "--forenames", "fore.csv", "--surnames", "sur.csv")
	}
	add("match/sealed file without a key", nil, "match", "xa.parquet", "ya.age", "-o", "m2")
	add("match/sealed file with the wrong key", nil, "match", "--key", "ag.key", "xa.parquet", "ya.age", "-o", "m2")
	add("match/files of two secrets", nil, "match", "--key", "lu.key", "xa.parquet", "za.parquet", "-o", "m2")
	add("match/the same dataset twice", nil, "match", "xa.parquet", "xa.parquet", "-o", "m2")
	add("match/a directory as token file", nil, "match", "xa.parquet", "run", "-o", "m2")
	add("match/missing token file", nil, "match", "xa.parquet", "nothere.parquet", "-o", "m2")
	add("match/no inputs", nil, "match", "-o", "m2")
	add("match/key is a public key", nil, "match", "--key", "lu.pub", "ya.age", "-o", "m2")
	add("match/output is a file", nil, "match", "xa.parquet", "-o", "x.csv")
	add("match/output exists", nil, "match", "xa.parquet", "-o", "run")
	add("match/previous not entities", nil, "match", "xa.parquet", "--previous", "run/links.parquet", "-o", "m2")
	add("match/previous missing", nil, "match", "xa.parquet", "--previous", "nothere.parquet", "-o", "m2")
	add("match/opt-out of another secret", nil, "match", "xa.parquet", "--opt-out", "za.parquet", "-o", "m2")
	add("match/opt-out named like an input", nil, "match", "xa.parquet", "--opt-out", "xa.parquet", "-o", "m2")
	add("match/damaged ledger", map[string]string{"ledger.jsonl": "ZEPHYRINA\n"}, "match", "xa.parquet", "--log", "ledger.jsonl", "-o", "m2")
	add("inspect/missing", nil, "inspect", "nothere.parquet")
	add("inspect/sealed without key", nil, "inspect", "ya.age")
	add("audit/no name lists", nil, "audit", "xa.parquet")
	add("audit/bad name list", map[string]string{"bn.csv": "ZEPHYRINA\n,,\n"}, "audit", "xa.parquet", "--forenames", "bn.csv", "--surnames", "sur.csv")

	// Truth files and run directories: evaluate and report.
	truths := map[string]string{
		"empty":           "",
		"header only":     "dataset,record_id,person_id\n",
		"foreign records": "dataset,record_id,person_id\nxa,QUILLFEATHER1,p1\nya,QUILLFEATHER2,p1\n",
		"wrong columns":   "ZEPHYRINA,QUILLFEATHER\n1,2\n",
		"ragged":          "dataset,record_id,person_id\nxa,PLANTED773100\n",
		"binary":          "\x00\x01\x02\xff",
	}
	for _, name := range slices.Sorted(maps.Keys(truths)) {
		files := map[string]string{"bt.csv": truths[name]}
		add("evaluate/truth "+name, files, "evaluate", "--truth", "bt.csv", "run")
		add("report/truth "+name, files, "report", "run", "--truth", "bt.csv", "-o", "r.html")
	}
	runs := map[string]map[string]string{
		"empty dir":            {"br/.keep": ""},
		"summary not pprl's":   {"br/summary.json": `{"ZEPHYRINA": 1}`, "br/links.parquet": "x", "br/entities.parquet": "x"},
		"summary not JSON":     {"br/summary.json": "ZEPHYRINA", "br/links.parquet": "x", "br/entities.parquet": "x"},
		"entities not Parquet": {"br/summary.json": `{"format": "pprl-match-summary", "inputs": [{"dataset": "xa", "rows": 1}]}`, "br/links.parquet": "x", "br/entities.parquet": "PLANTED7731"},
	}
	for _, name := range slices.Sorted(maps.Keys(runs)) {
		add("evaluate/run "+name, runs[name], "evaluate", "--truth", "truth.csv", "br")
		add("report/run "+name, runs[name], "report", "br", "-o", "r.html")
		add("lookup/run "+name, runs[name], "lookup", "--run", "br", "--tokens", "xa.parquet", "xa.parquet", "--recipient", "xa=ag.pub", "--requester", "xa", "-o", "ans")
	}
	add("evaluate/missing run", nil, "evaluate", "--truth", "truth.csv", "nothere")
	add("evaluate/bad scope", nil, "evaluate", "--truth", "truth.csv", "--scope", "nosuchscope", "run")
	add("report/tokens of another secret", nil, "report", "run", "--tokens", "za.parquet", "-o", "r.html")
	add("report/output exists", nil, "report", "run", "-o", "x.csv")

	// Cohorts.
	add("cohort/entities not Parquet", map[string]string{"be.parquet": "ZEPHYRINA"}, "cohort", "--entities", "be.parquet", "--project", "P1", "--include", "xa", "--recipient", "xa=ag.pub", "--allow-small", "--project-key", "pk/P1.key", "-o", "c")
	add("cohort/links as entities", nil, "cohort", "--entities", "run/links.parquet", "--project", "P1", "--include", "xa", "--recipient", "xa=ag.pub", "--allow-small", "--project-key", "pk/P1.key", "-o", "c")
	add("cohort/unknown dataset", nil, "cohort", "--entities", "run/entities.parquet", "--project", "P1", "--include", "nosuchdataset", "--recipient", "nosuchdataset=ag.pub", "--allow-small", "--project-key", "pk/P1.key", "-o", "c")
	add("cohort/no recipient", nil, "cohort", "--entities", "run/entities.parquet", "--project", "P1", "--include", "xa", "--allow-small", "--project-key", "pk/P1.key", "-o", "c")
	add("cohort/bad project name", nil, "cohort", "--entities", "run/entities.parquet", "--project", "../../etc", "--include", "xa", "--recipient", "xa=ag.pub", "--allow-small", "--project-key", "pk/P1.key", "-o", "c")
	add("cohort/too small", nil, "cohort", "--entities", "run/entities.parquet", "--project", "P1", "--include", "xa", "--recipient", "xa=ag.pub", "--min-size", "100000", "--project-key", "pk/P1.key", "-o", "c")
	add("cohort/min-size 0", nil, "cohort", "--entities", "run/entities.parquet", "--project", "P1", "--include", "xa", "--recipient", "xa=ag.pub", "--min-size", "0", "--project-key", "pk/P1.key", "-o", "c")
	add("cohort/recipient without =", nil, "cohort", "--entities", "run/entities.parquet", "--project", "P1", "--include", "xa", "--recipient", "ag.pub", "--allow-small", "--project-key", "pk/P1.key", "-o", "c")
	add("cohort/output exists", nil, "cohort", "--entities", "run/entities.parquet", "--project", "P1", "--include", "xa", "--recipient", "xa=ag.pub", "--allow-small", "--project-key", "pk/P1.key", "-o", "run")

	// Lookups.
	add("lookup/token file not the run's", nil, "lookup", "--run", "run", "--tokens", "za.parquet", "xa.parquet", "--recipient", "xa=ag.pub", "--recipient", "ya=ag.pub", "--requester", "xa", "-o", "ans")
	add("lookup/request of another secret", nil, "lookup", "--run", "run", "--key", "lu.key", "--tokens", "xa.parquet", "za.parquet", "--recipient", "xa=ag.pub", "--recipient", "ya=ag.pub", "--requester", "xa", "-o", "ans")
	add("lookup/missing recipient", nil, "lookup", "--run", "run", "--tokens", "xa.parquet", "xa.parquet", "--recipient", "xa=ag.pub", "--requester", "xa", "-o", "ans")
	add("lookup/requester unknown", nil, "lookup", "--run", "run", "--key", "lu.key", "--tokens", "xa.parquet", "--tokens", "ya.age", "za.parquet", "--recipient", "xa=ag.pub", "--recipient", "ya=ag.pub", "--requester", "nosuchdataset", "-o", "ans")
	add("lookup/no run", nil, "lookup", "--tokens", "xa.parquet", "xa.parquet", "--recipient", "xa=ag.pub", "--requester", "xa", "-o", "ans")

	// Ledgers.
	ledgers := map[string]string{
		"not JSON":      "ZEPHYRINA QUILLFEATHER\n",
		"wrong seq":     `{"seq":2,"time":"2026-01-01T00:00:00Z","command":"match","prev":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}` + "\n",
		"broken chain":  `{"seq":1,"time":"2026-01-01T00:00:00Z","command":"match","prev":"sha256:1111111111111111111111111111111111111111111111111111111111111111"}` + "\n",
		"unknown field": `{"seq":1,"name":"ZEPHYRINA","prev":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}` + "\n",
		"binary":        "\x00\x01\x02",
	}
	for _, name := range slices.Sorted(maps.Keys(ledgers)) {
		add("log verify/"+name, map[string]string{"bl.jsonl": ledgers[name]}, "log", "verify", "bl.jsonl")
	}
	add("log verify/bad head", map[string]string{"bl.jsonl": ""}, "log", "verify", "bl.jsonl", "--head", "sha256:nothex")
	add("log verify/missing", nil, "log", "verify", "nothere.jsonl")

	// Keys and the rest.
	add("keygen secret/output exists", nil, "keygen", "secret", "-o", "s.key")
	add("keygen unit/output exists", nil, "keygen", "unit", "-o", "lu")
	add("keygen fingerprint/not a key", map[string]string{"bk": "ZEPHYRINA\n"}, "keygen", "fingerprint", "bk")
	add("keygen fingerprint/missing", nil, "keygen", "fingerprint", "nothere.key")
	add("schema init/output exists", nil, "schema", "init", "-o", "l.json")
	add("synth/negative people", nil, "synth", "--people", "-5", "-o", "sx")
	add("synth/output exists", nil, "synth", "--people", "10", "-o", "run")
	add("unknown command", nil, "nosuchcommand")
	add("unknown flag", nil, "match", "--nosuchflag", "xa.parquet", "-o", "m2")
	return cs
}

// snapshot lists every path under dir with its size and mode.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fmt.Sprintf("%d %v", fi.Size(), fi.Mode())
		return nil
	})
	return out
}

// runCapturedAll runs pprl in-process and returns its exit status, stdout
// and stderr.
func runCapturedAll(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ro, wo, _ := os.Pipe()
	savedOut := os.Stdout
	os.Stdout = wo
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(ro)
		done <- string(b)
	}()
	code, stderr := runCaptured(t, args...)
	wo.Close()
	os.Stdout = savedOut
	return code, <-done, stderr
}

func TestBadInputCorpus(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	corpusFixtures(t, dir)
	cases := corpusCases()
	if len(cases) < 200 {
		t.Fatalf("the corpus has %d cases; keep at least 200", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for name, content := range c.files {
				os.MkdirAll(filepath.Dir(name), 0o755)
				if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				if m, ok := c.modes[name]; ok {
					os.Chmod(name, m)
				}
			}
			defer func() {
				for name := range c.files {
					os.Remove(name)
					if d := filepath.Dir(name); d != "." {
						os.Remove(d)
					}
				}
			}()
			before := snapshot(t, dir)
			code, stdout, stderr := runCapturedAll(t, c.args...)
			if code != 2 && code != 1 {
				t.Errorf("exit %d, want 2 (or 1); stderr: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "pprl: ") {
				t.Errorf("stderr does not end with one pprl: line: %q", stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on stderr: %s", stderr)
			}
			for _, id := range planted {
				if strings.Contains(strings.ToUpper(stdout+stderr), id) {
					t.Errorf("planted identifier %q printed: stdout %q stderr %q", id, stdout, stderr)
				}
			}
			after := snapshot(t, dir)
			for p, v := range after {
				if before[p] != v {
					t.Errorf("left behind or changed: %s", p)
				}
				if b, err := os.ReadFile(filepath.Join(dir, p)); err == nil && before[p] == "" {
					for _, id := range planted {
						if bytes.Contains(b, []byte(id)) {
							t.Errorf("%s holds planted identifier %q", p, id)
						}
					}
				}
			}
			for p := range before {
				if _, ok := after[p]; !ok {
					t.Errorf("removed: %s", p)
				}
			}
		})
	}
}
