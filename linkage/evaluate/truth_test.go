package evaluate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

func TestReadTruthErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "truth file is empty"},
		{"no person", "dataset,record_id\nA,1\n", `no "person_id" column`},
		{"header only", "dataset,record_id,person_id\n", "no rows"},
		{"blank person", "dataset,record_id,person_id\nA,1,\n", `truth row 1, column "person_id": empty`},
		{"blank dataset", "dataset,record_id,person_id\nA,1,p\n,2,p\n", `truth row 2, column "dataset": empty`},
		{"duplicate", "dataset,record_id,person_id\nA,secret-id,p\nB,1,q\nA,secret-id,r\n", "truth row 3: dataset and record_id repeat row 1"},
		{"ragged", "dataset,record_id,person_id\nA,1\n", "truth row 1: line 2"},
		{"duplicate column", "dataset,record_id,person_id,sex,SEX\n", `column "sex" appears twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTruth(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !exitcode.IsInput(err) {
				t.Errorf("not an input error: %v", err)
			}
			if strings.Contains(err.Error(), "secret-id") {
				t.Errorf("error echoes a record ID: %v", err)
			}
		})
	}
}

func TestReadTruth(t *testing.T) {
	in := "\ufeffPerson_ID,Dataset,record_id,role,sex\np1,A,1,child,F\np1,B,x,child,F\np2,A,2,parent,\n"
	tr, err := ReadTruth(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 3 || strings.Join(tr.Columns, ",") != "role,sex" {
		t.Fatalf("len %d columns %q", tr.Len(), tr.Columns)
	}
	r, ok := tr.Lookup(RecordKey{"B", "x"})
	if !ok || r.Person != "p1" || r.Attrs[0] != "child" || r.Attrs[1] != "F" {
		t.Errorf("lookup: %+v %v", r, ok)
	}
}

func TestReadTruthPairs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		f       PairFormat
		want    string // person groups as "dataset:id" lists, or an error fragment
		wantErr bool
	}{
		{"febrl4", "i,j\n0,1\n2,0\n", PairFormat{DatasetA: "a", DatasetB: "b"}, "a:1=b:2 a:3=b:1", false},
		{"dedup chain", "0,1\n1,2\n5,6\n", PairFormat{DatasetA: "d"}, "d:1=d:2=d:3 d:6=d:7", false},
		{"ids", "i,j\n1,0\n", PairFormat{DatasetA: "a", DatasetB: "b", IDsA: []string{"x", "y"}, IDsB: []string{"z"}}, "a:y=b:z", false},
		{"beyond", "i,j\n2,0\n", PairFormat{DatasetA: "a", DatasetB: "b", IDsA: []string{"x", "y"}, IDsB: []string{"z"}}, "truth row 1, column i: row index 2 is beyond the extract's 2 rows", true},
		{"negative", "0,-1\n", PairFormat{DatasetA: "a", DatasetB: "b"}, "truth row 1, column j: not a non-negative row index", true},
		{"self", "3,3\n", PairFormat{DatasetA: "a"}, "paired with itself", true},
		{"three fields", "1,2,3\n", PairFormat{DatasetA: "a", DatasetB: "b"}, "want 2 fields", true},
		{"no pairs", "i,j\n", PairFormat{DatasetA: "a", DatasetB: "b"}, "no pairs", true},
		{"no dataset", "0,1\n", PairFormat{}, "needs the dataset names", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := ReadTruthPairs(strings.NewReader(tc.in), tc.f)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !exitcode.IsInput(err) {
					t.Fatalf("err = %v, want input error %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			groups := map[string][]string{}
			var order []string
			for _, r := range tr.Records {
				if _, ok := groups[r.Person]; !ok {
					order = append(order, r.Person)
				}
				groups[r.Person] = append(groups[r.Person], r.Key.Dataset+":"+r.Key.RecordID)
			}
			var got []string
			for _, p := range order {
				got = append(got, strings.Join(groups[p], "="))
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("groups %q, want %q", g, tc.want)
			}
		})
	}
}

func FuzzReadTruth(f *testing.F) {
	f.Add("dataset,record_id,person_id,sex\nA,1,p,F\nB,2,p,F\n")
	f.Add("dataset,record_id,person_id\n\"A\",\"1\"\"\",p\n")
	f.Add("x\n")
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := ReadTruth(strings.NewReader(in))
		if err != nil {
			if !exitcode.IsInput(err) {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		for _, r := range tr.Records {
			if r.Key.Dataset == "" || r.Key.RecordID == "" || r.Person == "" || len(r.Attrs) != len(tr.Columns) {
				t.Fatalf("bad record %+v", r)
			}
			if got, ok := tr.Lookup(r.Key); !ok || got.Person != r.Person {
				t.Fatalf("lookup disagrees")
			}
		}
	})
}

func FuzzReadTruthPairs(f *testing.F) {
	f.Add("i,j\n0,1\n2,3\n", false)
	f.Add("0,1\n1,2\n", true)
	f.Add("i,j\n9999999999999999999,1\n", false)
	f.Fuzz(func(t *testing.T, in string, dedup bool) {
		pf := PairFormat{DatasetA: "a", DatasetB: "b"}
		if dedup {
			pf = PairFormat{DatasetA: "a", IDsA: []string{"r0", "r1", "r2", "r3"}}
		}
		tr, err := ReadTruthPairs(strings.NewReader(in), pf)
		if err != nil {
			if !exitcode.IsInput(err) {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		if tr.Len() < 2 {
			t.Fatalf("%d records from a non-empty pair list", tr.Len())
		}
		seen := map[RecordKey]bool{}
		for _, r := range tr.Records {
			if seen[r.Key] {
				t.Fatalf("record twice")
			}
			seen[r.Key] = true
		}
	})
}

// FuzzReadRowIDs: an extract's record IDs in row order, or an input error
// that names a row or the column, never a value.
func FuzzReadRowIDs(f *testing.F) {
	f.Add("rec_id,given_name\n r1 ,Ann\nr2,Bob\n")
	f.Add("\ufeffrec_id\n")
	f.Add("given_name\nAnn\n")
	f.Add("rec_id,x\n\"unterminated,1\n")
	f.Add("rec_id,x\nr1\n")
	f.Fuzz(func(t *testing.T, in string) {
		ids, err := ReadRowIDs(strings.NewReader(in), "rec_id")
		if err != nil {
			if !exitcode.IsInput(err) {
				t.Fatalf("not an input error: %v", err)
			}
			for _, line := range strings.Split(in, "\n") {
				if v := strings.TrimSpace(line); len(v) >= 12 && strings.Contains(err.Error(), v) {
					t.Fatalf("error quotes the extract: %v", err)
				}
			}
			return
		}
		for i, id := range ids {
			if id != strings.TrimSpace(id) {
				t.Fatalf("id %d keeps its spaces: %q", i, id)
			}
		}
	})
}

// FuzzReadSummary: a summary.json is read, or refused with an input error;
// never a panic, whatever the JSON holds where numbers and lists belong.
func FuzzReadSummary(f *testing.F) {
	f.Add(`{"format":"pprl-match-summary","counts":{"links":3},"timings":{"total_s":1.5},"inputs":[{"dataset":"a","records":2}]}`)
	f.Add(`{"format":"pprl-match-summary","counts":[1,2],"timings_s":{"x":"y"},"inputs":{"a":1}}`)
	f.Add(`{"format":"other"}`)
	f.Add(`[]`)
	f.Add(`{"format":"pprl-match-summary","inputs":[null,1,{"records":"many"}],"threshold":{}}`)
	f.Fuzz(func(t *testing.T, in string) {
		p := filepath.Join(t.TempDir(), SummaryFile)
		if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadSummary(p); err != nil && !exitcode.IsInput(err) {
			t.Fatalf("not an input error: %v", err)
		}
	})
}
