package pqguard

import (
	"strings"
	"testing"

	"github.com/pprl/pprl/internal/exitcode"
)

func readCorrupt(secret string) (n int, err error) {
	defer Recover(&err, "%s: data is truncated or corrupt", "f.parquet")
	var s []int
	return s[len(secret)], nil // index out of range, as arrow-go does on bad offsets
}

func readFine() (n int, err error) {
	defer Recover(&err, "%s: data is truncated or corrupt", "f.parquet")
	return 7, nil
}

func TestRecover(t *testing.T) {
	_, err := readCorrupt("Mary McDonald")
	if err == nil || !exitcode.IsInput(err) {
		t.Fatalf("err = %v, want an input error", err)
	}
	if got := err.Error(); got != "f.parquet: data is truncated or corrupt" {
		t.Errorf("err = %q", got)
	}
	if strings.Contains(err.Error(), "index out of range") {
		t.Error("the panic's message leaked into the error")
	}
	if n, err := readFine(); n != 7 || err != nil {
		t.Errorf("no panic: %d, %v", n, err)
	}
}
