package backoff

import (
	"context"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	tests := []struct {
		base, limit time.Duration
		attempt     int
		jitter      float64
		want        time.Duration
	}{
		{100 * time.Millisecond, 0, 0, 0, 50 * time.Millisecond},
		{100 * time.Millisecond, 0, 0, 0.999999, 99999950 * time.Nanosecond},
		{100 * time.Millisecond, 0, 3, 0, 400 * time.Millisecond},
		{100 * time.Millisecond, time.Second, 5, 0, 500 * time.Millisecond}, // capped at 1 s
		{100 * time.Millisecond, 0, 50, 0, 12800 * time.Millisecond},        // doubling capped at 2^8
		{100 * time.Millisecond, 0, -3, 0, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Delay(tt.base, tt.limit, tt.attempt, tt.jitter); got != tt.want {
			t.Errorf("Delay(%v, %v, %d, %v) = %v, want %v", tt.base, tt.limit, tt.attempt, tt.jitter, got, tt.want)
		}
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err == nil {
		t.Fatal("Sleep ignored a cancelled context")
	}
	if err := Wait(context.Background(), time.Microsecond, 0); err != nil {
		t.Fatal(err)
	}
}
