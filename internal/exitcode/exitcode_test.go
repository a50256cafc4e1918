package exitcode

import (
	"errors"
	"fmt"
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
