package cli

import (
	"errors"
	"fmt"
	"testing"
)

func TestWorstFollowsThePrecedence(t *testing.T) {
	tests := []struct {
		in   []int
		want int
	}{
		{nil, ExitOK},
		{[]int{ExitOK, ExitOK}, ExitOK},
		{[]int{ExitHeld, ExitOK}, ExitHeld},
		{[]int{ExitHeld, ExitPartial}, ExitPartial},
		{[]int{ExitPartial, ExitFailed, ExitHeld}, ExitFailed},
		{[]int{ExitFailed, ExitUsage}, ExitUsage},
	}
	for _, tt := range tests {
		if got := Worst(tt.in...); got != tt.want {
			t.Errorf("Worst(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestCodeOf(t *testing.T) {
	if codeOf(nil) != ExitOK {
		t.Error("nil error must be exit 0")
	}
	if codeOf(errors.New("x")) != ExitFailed {
		t.Error("plain error must be exit 1")
	}
	if codeOf(fmt.Errorf("wrapped: %w", usageError(errors.New("bad key")))) != ExitUsage {
		t.Error("wrapped usage error must be exit 2")
	}
}
