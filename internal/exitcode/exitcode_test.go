package exitcode

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, OK},
		{"plain", base, Failure},
		{"input", AsInput(base), Input},
		{"inputf", Inputf("row %d: %w", 3, base), Input},
		{"wrapped input", fmt.Errorf("tokenize: %w", AsInput(base)), Input},
	}
	for _, tt := range tests {
		if got := Of(tt.err); got != tt.want {
			t.Errorf("%s: Of = %d, want %d", tt.name, got, tt.want)
		}
	}
	if AsInput(nil) != nil {
		t.Error("AsInput(nil) != nil")
	}
	if !errors.Is(Inputf("x: %w", base), base) {
		t.Error("Inputf does not wrap its %w operand")
	}
}

func TestEnvironmentFaultsAreFailures(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		msg  string
	}{
		{AsInput(fmt.Errorf("output directory: %w", &fs.PathError{Op: "mkdir", Path: "/ro/.run.tmp-42-abc", Err: syscall.EROFS})), Failure, "cannot create /ro/run: the file system is read-only"},
		{fmt.Errorf("token file: %w", &fs.PathError{Op: "write", Path: "/full/sw.parquet", Err: syscall.ENOSPC}), Failure, "cannot write /full/sw.parquet: no space left"},
		{AsInput(&fs.PathError{Op: "open", Path: "x", Err: syscall.EACCES}), Failure, "permission denied"},
		{AsInput(&fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}), Input, ""},
		{errors.New("plain"), Failure, ""},
	} {
		if got := Of(tc.err); got != tc.code {
			t.Errorf("Of(%v) = %d, want %d", tc.err, got, tc.code)
		}
		msg, ok := Describe(tc.err)
		if ok != (tc.msg != "") || !strings.Contains(msg, tc.msg) {
			t.Errorf("Describe(%v) = %q, %v; want it to say %q", tc.err, msg, ok, tc.msg)
		}
	}
}
