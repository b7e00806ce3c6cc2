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

// EventuallyNoError polls f every millisecond until it returns nil,
// failing the test with f's last error if it does not within limit.
func EventuallyNoError(tb testing.TB, limit time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for err := f(); err != nil; err = f() {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %v: %v", limit, err)
		}
		time.Sleep(time.Millisecond)
	}
}
