package audit

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

func TestReadNameList(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		names    []string
		counts   []int64
	}{
		{"basic", "name,count\nann,3\nbob,5\n", []string{"bob", "ann"}, []int64{5, 3}},
		{"bom and other columns", "\ufeffrank,Forename,Count\n1, Ann ,3\n2,ANN,2\n3,zoe,5\n", []string{"ann", "zoe"}, []int64{5, 5}},
		{"frequency column, zero and empty skipped", "surname,frequency\nsmith,10\n,4\njones,0\n", []string{"smith"}, []int64{10}},
		{"inner spaces collapse", "name,n\nmary  ann,2\nMary Ann,1\n", []string{"mary ann"}, []int64{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ReadNameList(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(l.Names, tc.names) || !reflect.DeepEqual(l.Counts, tc.counts) {
				t.Fatalf("got %v %v", l.Names, l.Counts)
			}
		})
	}
}

func TestReadNameListErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"no count column", "name,x\nann,1\n", "count column"},
		{"bad count", "name,count\nsecretname,abc\n", `row 1, column "count"`},
		{"negative count", "name,count\nann,-1\n", "row 1"},
		{"short row", "name,count\nann\n", "row 1: has 1 columns"},
		{"no names", "name,count\n", "no names"},
		{"bad quote", "name,count\n\"ann,1\n", "row 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadNameList(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if !exitcode.IsInput(err) {
				t.Errorf("not an input error: %v", err)
			}
			if strings.Contains(err.Error(), "secretname") {
				t.Errorf("error echoes a value: %v", err)
			}
		})
	}
}

func TestReadCombinedNameList(t *testing.T) {
	in := "field,name,count\nforename,Ann,3\nsurname,Smith,4\ngiven_name,zoe,1\n"
	f, s, err := ReadCombinedNameList(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Names, []string{"ann", "zoe"}) || !reflect.DeepEqual(s.Names, []string{"smith"}) {
		t.Fatalf("got %v %v", f.Names, s.Names)
	}
	if _, _, err := ReadCombinedNameList(strings.NewReader("field,name,count\nmiddle,ann,1\n")); err == nil {
		t.Error("unknown field accepted")
	}
	if _, _, err := ReadCombinedNameList(strings.NewReader("field,name,count\nforename,ann,1\n")); err == nil {
		t.Error("list without surnames accepted")
	}
	if _, _, err := ReadCombinedNameList(strings.NewReader("name,count\nann,1\n")); err == nil {
		t.Error("list without field column accepted")
	}
}

func TestQGrams(t *testing.T) {
	if got := qgrams("anna", 2, true); !reflect.DeepEqual(got, []string{" a", "a ", "an", "na", "nn"}) {
		t.Errorf("padded: %q", got)
	}
	if got := qgrams("nana", 2, false); !reflect.DeepEqual(got, []string{"an", "na"}) {
		t.Errorf("unpadded: %q", got)
	}
	if got := qgrams("", 2, true); got != nil {
		t.Errorf("empty: %q", got)
	}
}

func FuzzReadNameList(f *testing.F) {
	f.Add("name,count\nann,3\nbob,5\n")
	f.Add("field,name,count\nforename,ann,1\nsurname,x,2\n")
	f.Add("\ufeffname,count\n\"a,b\",1\n")
	f.Add("name,count\nann,99999999999999999999\n")
	f.Fuzz(func(t *testing.T, in string) {
		l, err := ReadNameList(strings.NewReader(in))
		if err != nil {
			if !exitcode.IsInput(err) {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		if l.Len() == 0 || len(l.Counts) != l.Len() {
			t.Fatalf("inconsistent list")
		}
		for i, n := range l.Names {
			if n == "" || n != NormaliseName(n) || l.Counts[i] <= 0 {
				t.Fatalf("bad entry %d", i)
			}
			if i > 0 && l.Counts[i] > l.Counts[i-1] {
				t.Fatalf("not sorted by count")
			}
		}
		// Combined parsing must not panic either.
		_, _, _ = ReadCombinedNameList(strings.NewReader(in))
	})
}
