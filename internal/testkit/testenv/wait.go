package testenv

import (
	"testing"
	"time"
)

// Eventually polls cond every millisecond until it holds, failing the test
// if it does not within limit.
func Eventually(tb testing.TB, limit time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %v", limit)
		}
		time.Sleep(time.Millisecond)
	}
}
