package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	queryOp  = &app.Operation{Name: "hello", Kind: app.OpQuery}
	loginOp  = &app.Operation{Name: "login", Kind: app.OpCommand}
	healthOp = &app.Operation{Name: "health", Kind: app.OpQuery}
	tailOp   = &app.Operation{Name: "tail", Kind: app.OpStream}
)

func ok(context.Context, *app.Call) (any, error) { return "ok", nil }

// call runs h for op from peer and returns the error's RetryAfter, or -1
// for success.
func callLimited(t *testing.T, h app.Handler, op *app.Operation, peer string, md app.Metadata) time.Duration {
	t.Helper()
	if md == nil {
		md = app.NoMetadata
	}
	_, err := h(context.Background(), &app.Call{Operation: op, Protocol: app.ProtocolHTTP, Peer: peer, Metadata: md})
	if err == nil {
		return -1
	}
	var e *app.Error
	if !errors.As(err, &e) || e.Code != app.CodeResourceExhausted || e.Reason != middleware.ReasonRateLimited {
		t.Fatalf("error %#v; want resource_exhausted RATE_LIMITED", err)
	}
	return e.RetryAfter
}

func TestRateLimitTokenBucket(t *testing.T) {
	clock := newClock()
	h := middleware.RateLimit(middleware.PerSecond(2).WithBurst(3), middleware.RateClock(clock.now))(ok)
	var got []time.Duration
	for range 4 {
		got = append(got, callLimited(t, h, queryOp, "10.0.0.1:1234", nil))
	}
	// Another client has its own bucket.
	got = append(got, callLimited(t, h, queryOp, "10.0.0.2:1234", nil))
	// Half a token back after 250ms: still refused, 250ms to wait.
	clock.advance(250 * time.Millisecond)
	got = append(got, callLimited(t, h, queryOp, "10.0.0.1:999", nil))
	clock.advance(250 * time.Millisecond)
	got = append(got, callLimited(t, h, queryOp, "10.0.0.1:999", nil), callLimited(t, h, queryOp, "10.0.0.1:999", nil))
	// Idle long enough to refill the burst, not more.
	clock.advance(time.Hour)
	for range 4 {
		got = append(got, callLimited(t, h, queryOp, "10.0.0.1:1", nil))
	}
	want := []time.Duration{-1, -1, -1, 500 * time.Millisecond, -1, 250 * time.Millisecond, -1, 500 * time.Millisecond, -1, -1, -1, 500 * time.Millisecond}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("RetryAfter per call, -1 for allowed (-got +want):\n%s", diff)
	}
}

func TestRateLimitPerOperation(t *testing.T) {
	clock := newClock()
	h := middleware.RateLimit(middleware.PerMinute(2),
		middleware.OperationRate("login", middleware.PerMinute(1)),
		middleware.OperationRate("health", middleware.Rate{}),
		middleware.RateClock(clock.now))(ok)
	const peer = "192.0.2.7:40000"
	got := map[string][]bool{}
	for _, op := range []*app.Operation{queryOp, loginOp, healthOp, queryOp, loginOp, healthOp, queryOp, healthOp} {
		got[op.Name] = append(got[op.Name], callLimited(t, h, op, peer, nil) < 0)
	}
	want := map[string][]bool{
		"hello":  {true, true, false}, // App-wide: 2 a minute
		"login":  {true, false},       // its own bucket: 1 a minute, not taken from hello's
		"health": {true, true, true},  // exempt
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("allowed calls per operation (-got +want):\n%s", diff)
	}
}

func TestRateLimitInProcessNotLimited(t *testing.T) {
	h := middleware.RateLimit(middleware.PerMinute(1))(ok)
	for i := range 3 {
		if _, err := h(context.Background(), &app.Call{Operation: queryOp, Protocol: app.ProtocolInProcess}); err != nil {
			t.Fatalf("in-process call %d: %v", i, err)
		}
	}
}

func TestRateLimitMaxKeysBoundsMemory(t *testing.T) {
	clock := newClock()
	// One bucket only: a second client evicts the first, whose next call
	// starts from a full bucket again.
	h := middleware.RateLimit(middleware.PerMinute(1), middleware.MaxKeys(1), middleware.RateClock(clock.now))(ok)
	got := []bool{
		callLimited(t, h, queryOp, "10.0.0.1:1", nil) < 0,
		callLimited(t, h, queryOp, "10.0.0.1:1", nil) < 0,
		callLimited(t, h, queryOp, "10.0.0.2:1", nil) < 0,
		callLimited(t, h, queryOp, "10.0.0.1:1", nil) < 0,
	}
	if diff := cmp.Diff(got, []bool{true, false, true, true}); diff != "" {
		t.Errorf("allowed (-got +want):\n%s", diff)
	}
	// Many clients never grow the limiter past its cap: the last of
	// 10,000 distinct clients is limited as a fresh key, and a key
	// evicted long ago starts fresh.
	h = middleware.RateLimit(middleware.PerMinute(1), middleware.MaxKeys(100), middleware.RateClock(clock.now))(ok)
	for i := range 10_000 {
		if callLimited(t, h, queryOp, "10.1."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256)+":1", nil) >= 0 {
			t.Fatalf("client %d limited on its first call", i)
		}
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name    string
		peer    string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{name: "IPv4 peer", peer: "192.0.2.1:5555", want: "192.0.2.1"},
		{name: "IPv4 without port", peer: "192.0.2.1", want: "192.0.2.1"},
		{name: "IPv6 by /64", peer: "[2001:db8:1:2:3:4:5:6]:443", want: "2001:db8:1:2::/64"},
		{name: "IPv4-mapped IPv6", peer: "[::ffff:192.0.2.1]:80", want: "192.0.2.1"},
		{name: "header ignored without trusted proxies", peer: "192.0.2.1:1", xff: []string{"203.0.113.9"}, want: "192.0.2.1"},
		{name: "header ignored from an untrusted peer", peer: "192.0.2.1:1", xff: []string{"203.0.113.9"}, trusted: trusted, want: "192.0.2.1"},
		{name: "header from a trusted proxy", peer: "10.0.0.5:1", xff: []string{"203.0.113.9"}, trusted: trusted, want: "203.0.113.9"},
		{name: "forged left-most hop ignored", peer: "10.0.0.5:1", xff: []string{"1.2.3.4, 203.0.113.9"}, trusted: trusted, want: "203.0.113.9"},
		{name: "chain of trusted proxies", peer: "10.0.0.5:1", xff: []string{"1.2.3.4, 203.0.113.9, 10.9.9.9", "10.1.1.1"}, trusted: trusted, want: "203.0.113.9"},
		{name: "malformed hop", peer: "10.0.0.5:1", xff: []string{"1.2.3.4, nonsense"}, trusted: trusted, want: "10.0.0.5"},
		{name: "trusted proxy, no header", peer: "[::1]:1", trusted: trusted, want: "::/64"},
		{name: "not an address", peer: "bufconn", want: "bufconn"},
		{name: "in process", peer: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := http.Header{}
			for _, v := range tt.xff {
				md.Add("X-Forwarded-For", v)
			}
			got := middleware.ClientIP(tt.trusted...)(context.Background(), &app.Call{Peer: tt.peer, Metadata: md})
			if got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestHeaderKeyAndFirstKey(t *testing.T) {
	key := middleware.FirstKey(middleware.HeaderKey("X-API-Key"), middleware.ClientIP())
	withKey := &app.Call{Peer: "192.0.2.1:1", Metadata: http.Header{"X-Api-Key": {"secret-1"}}}
	other := &app.Call{Peer: "192.0.2.1:1", Metadata: http.Header{"X-Api-Key": {"secret-2"}}}
	without := &app.Call{Peer: "192.0.2.1:1", Metadata: http.Header{}}
	k1, k2, k3 := key(context.Background(), withKey), key(context.Background(), other), key(context.Background(), without)
	if k1 == k2 || k1 == "" || k3 != "192.0.2.1" {
		t.Errorf("keys %q, %q, %q; want two distinct hashed API keys and the IP", k1, k2, k3)
	}
	if k1 == "secret-1" || len(k1) > 40 {
		t.Errorf("key %q: want the API key hashed", k1)
	}
	// Limiting by API key: two keys from one IP have their own buckets.
	h := middleware.RateLimit(middleware.PerMinute(1), middleware.KeyBy(key))(ok)
	for _, md := range []http.Header{withKey.Metadata.(http.Header), other.Metadata.(http.Header)} {
		if callLimited(t, h, queryOp, "192.0.2.1:1", md) >= 0 {
			t.Errorf("first call with %v limited", md)
		}
	}
	if callLimited(t, h, queryOp, "192.0.2.1:1", withKey.Metadata) < 0 {
		t.Error("second call with one API key allowed")
	}
}

func TestRateLimitInvalidRatePanics(t *testing.T) {
	tests := []struct {
		name string
		give func()
	}{
		{name: "zero", give: func() { middleware.RateLimit(middleware.Rate{}) }},
		{name: "no period", give: func() { middleware.RateLimit(middleware.Rate{Events: 1}) }},
		{name: "negative burst", give: func() { middleware.RateLimit(middleware.PerSecond(1).WithBurst(-1)) }},
		{name: "bad operation rate", give: func() {
			middleware.RateLimit(middleware.PerSecond(1), middleware.OperationRate("x", middleware.Rate{Events: -1, Period: time.Second}))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.give()
		})
	}
}

func TestRateLimitConcurrent(t *testing.T) {
	clock := newClock()
	h := middleware.RateLimit(middleware.PerMinute(100), middleware.RateClock(clock.now))(ok)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			for range 50 {
				_, err := h(context.Background(), &app.Call{Operation: queryOp, Protocol: app.ProtocolGRPC, Peer: "192.0.2.1:1", Metadata: app.NoMetadata})
				if err == nil {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 100 {
		t.Errorf("%d of 400 concurrent calls allowed; want exactly the burst, 100", allowed)
	}
}
