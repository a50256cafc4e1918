package tokenize

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/table"
)

func TestIDSet(t *testing.T) {
	var s idSet
	var hs []uint64
	for i := 0; i < 300_000; i++ {
		hs = append(hs, hashID(fmt.Sprintf("R%08d", i)))
	}
	s.add(hs)
	if len(s.candidates) > 2 {
		t.Errorf("%d candidates among 300,000 distinct IDs", len(s.candidates))
	}
	// Every true duplicate becomes a candidate.
	s.add([]uint64{hs[17], hs[299_999]})
	if !s.candidates[hs[17]] || !s.candidates[hs[299_999]] {
		t.Error("a duplicate ID is not a candidate")
	}
}

func TestDuplicateRowsDismissesFalsePositives(t *testing.T) {
	csv := "ID,X\nA,1\nB,2\nC,3\nB,4\n"
	open := func() table.Reader {
		r, err := table.NewCSV(strings.NewReader(csv), "x.csv", table.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// A candidate that is no duplicate (a filter false positive).
	if _, _, ok, err := duplicateRows(open(), 0, map[uint64]bool{hashID("A"): true}); ok || err != nil {
		t.Errorf("false positive reported as duplicate (ok=%v, err=%v)", ok, err)
	}
	first, second, ok, err := duplicateRows(open(), 0, map[uint64]bool{hashID("A"): true, hashID("B"): true})
	if !ok || err != nil || first != 2 || second != 4 {
		t.Errorf("duplicateRows = %d, %d, %v, %v; want rows 2 and 4", first, second, ok, err)
	}
}

type panicEncoder struct{}

func (panicEncoder) encodeBatch(j *job) error { panic("secret value SMITH") }

func TestSafeEncodeTurnsPanicIntoError(t *testing.T) {
	j := &job{batch: &table.Batch{FirstRow: 4097, Rows: make([][]string, 10)}}
	err := safeEncode(panicEncoder{}, j)
	if err == nil || !strings.Contains(err.Error(), "rows 4097 to 4106") || strings.Contains(err.Error(), "SMITH") {
		t.Errorf("safeEncode = %v", err)
	}
}
