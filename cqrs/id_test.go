package cqrs

import (
	"regexp"
	"sync"
	"testing"
	"time"
)

var uuidV7RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestIDGeneratorMonotonic(t *testing.T) {
	frozen := time.UnixMilli(1_700_000_000_000)
	g := NewIDGenerator(func() time.Time { return frozen })
	prev := ""
	// More ids than the 12-bit counter holds in one millisecond.
	for i := range 10000 {
		id := g.New()
		if !uuidV7RE.MatchString(id) {
			t.Fatalf("id %d = %q is not a UUIDv7", i, id)
		}
		if id <= prev {
			t.Fatalf("id %d = %s not after %s", i, id, prev)
		}
		prev = id
	}
	if got, want := prev[:8], "018bcfe5"; got != want { // 1_700_000_000_000 ms = 0x018bcfe56800
		t.Errorf("timestamp prefix = %s, want %s", got, want)
	}
}

func TestIDGeneratorConcurrent(t *testing.T) {
	g := NewIDGenerator(nil)
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			local := make([]string, 0, 1000)
			for range 1000 {
				local = append(local, g.New())
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range local {
				if seen[id] {
					t.Errorf("duplicate id %s", id)
				}
				seen[id] = true
			}
		})
	}
	wg.Wait()
}

func TestNewID(t *testing.T) {
	a, b := NewID(), NewID()
	if !uuidV7RE.MatchString(a) || a == b {
		t.Errorf("NewID() = %q, %q: want distinct UUIDv7s", a, b)
	}
}

func BenchmarkIDGenerator(b *testing.B) {
	g := NewIDGenerator(nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = g.New()
	}
}
