package middleware

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"math"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/allframe-go/allframe/app"
)

// ReasonRateLimited is the Reason of the error a rate limiter returns:
// GraphQL's extensions.code, gRPC's ErrorInfo reason and the problem
// document's reason.
const ReasonRateLimited = "RATE_LIMITED"

// DefaultMaxKeys is how many keys (clients) a rate limiter tracks at
// most unless MaxKeys says otherwise.
const DefaultMaxKeys = 100_000

// Rate is a token bucket: each key may make Burst calls at once, and gets
// Events more per Period.
type Rate struct {
	// Events is how many calls a key may make per Period on average.
	Events int
	// Period is the time in which Events calls are allowed.
	Period time.Duration
	// Burst is the bucket's size: how many calls a key may make at once
	// after being idle. Default (0): Events.
	Burst int
}

// PerSecond is a Rate of n calls per second, in bursts of up to n.
func PerSecond(n int) Rate { return Rate{Events: n, Period: time.Second} }

// PerMinute is a Rate of n calls per minute, in bursts of up to n.
func PerMinute(n int) Rate { return Rate{Events: n, Period: time.Minute} }

// WithBurst returns r with a bucket of n calls.
func (r Rate) WithBurst(n int) Rate {
	r.Burst = n
	return r
}

func (r Rate) isZero() bool { return r == Rate{} }

func (r Rate) check() error {
	if r.Events <= 0 || r.Period <= 0 || r.Burst < 0 {
		return fmt.Errorf("middleware: invalid rate %+v: want Events > 0, Period > 0 and Burst >= 0", r)
	}
	return nil
}

// limit is a Rate compiled for the bucket arithmetic.
type limit struct {
	perToken float64 // nanoseconds per token
	burst    float64
}

func compile(r Rate) *limit {
	b := r.Burst
	if b == 0 {
		b = r.Events
	}
	return &limit{perToken: float64(r.Period) / float64(r.Events), burst: float64(b)}
}

// KeyFunc returns the key a call is counted under: a client IP, an API key,
// a subject. Calls with the same key share a bucket; an empty key is a key
// like any other (every call without one shares its bucket).
type KeyFunc func(ctx context.Context, call *app.Call) string

// ClientIP keys calls by the client's IP address, taken from call.Peer.
// IPv6 addresses are keyed by their /64 network, which one client
// usually holds whole.
//
// X-Forwarded-For is believed only from a peer inside one of the trusted
// prefixes (the proxies or load balancers in front of the service): the
// key is then the right-most address in the header that is not itself
// trusted, which a client cannot forge by sending its own header. With no
// trusted prefixes (the default) the header is ignored, so a client
// cannot pick its own key.
func ClientIP(trusted ...netip.Prefix) KeyFunc {
	return func(_ context.Context, call *app.Call) string {
		ip, ok := peerIP(call.Peer)
		if !ok {
			return call.Peer
		}
		if !isTrusted(ip, trusted) {
			return ipKey(ip)
		}
		var hops []string
		for _, v := range call.Metadata.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(v, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed hop: keep the last address a trusted proxy gave
			}
			ip = hop.Unmap()
			if !isTrusted(ip, trusted) {
				break
			}
		}
		return ipKey(ip)
	}
}

func peerIP(peer string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(peer); err == nil {
		return ap.Addr().Unmap(), true
	}
	host := peer
	if h, _, err := net.SplitHostPort(peer); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func ipKey(ip netip.Addr) string {
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// HeaderKey keys calls by the value of a request header (gRPC metadata
// key), e.g. "X-API-Key". The value is hashed, so secrets are not kept
// in memory and a long value takes no more room than a short one; a call
// without the header gets the empty key (combine with FirstKey to fall
// back to the client's IP).
func HeaderKey(name string) KeyFunc {
	return func(_ context.Context, call *app.Call) string {
		v := call.Metadata.Get(name)
		if v == "" {
			return ""
		}
		sum := sha256.Sum256([]byte(v))
		return "h:" + hex.EncodeToString(sum[:16])
	}
}

// FirstKey returns the first non-empty key of fs, e.g.
// FirstKey(HeaderKey("X-API-Key"), ClientIP()).
func FirstKey(fs ...KeyFunc) KeyFunc {
	return func(ctx context.Context, call *app.Call) string {
		for _, f := range fs {
			if k := f(ctx, call); k != "" {
				return k
			}
		}
		return ""
	}
}

// RateLimitOption configures RateLimit.
type RateLimitOption func(*rateLimiter)

// KeyBy sets how calls are keyed. Default: ClientIP() (no trusted proxy).
func KeyBy(f KeyFunc) RateLimitOption { return func(l *rateLimiter) { l.key = f } }

// OperationRate gives the operation name its own rate: its calls use
// buckets of their own (per key), apart from the App-wide ones. The zero
// Rate exempts the operation. Default: every operation shares the
// limiter's buckets at its rate.
func OperationRate(name string, r Rate) RateLimitOption {
	return func(l *rateLimiter) {
		if l.ops == nil {
			l.ops = map[string]Rate{}
		}
		l.ops[name] = r
	}
}

// MaxKeys bounds the number of buckets kept: past it, the least recently
// used bucket is dropped (its key starts again with a full bucket).
// Buckets that have refilled are dropped first, as they would behave the
// same re-created. Default: DefaultMaxKeys.
func MaxKeys(n int) RateLimitOption { return func(l *rateLimiter) { l.maxKeys = n } }

// RateClock sets the limiter's clock, for tests. Default: time.Now.
func RateClock(now func() time.Time) RateLimitOption { return func(l *rateLimiter) { l.now = now } }

type rateLimiter struct {
	key     KeyFunc
	ops     map[string]Rate
	maxKeys int
	now     func() time.Time

	all    *limit
	opLims map[string]*limit // nil value: exempt
	seed   maphash.Seed
	shards []rateShard
}

// RateLimit returns middleware that limits calls with a token bucket per
// key (see KeyBy; by default the client's IP): a key may make r.Burst
// calls at once and r.Events per r.Period on average. A call over the
// limit fails with resource_exhausted, Reason "RATE_LIMITED" and
// RetryAfter set to when a token will be there: 429 with Retry-After on
// REST, RESOURCE_EXHAUSTED with a RetryInfo on gRPC, extensions.code
// "RATE_LIMITED" with retryAfterMs on GraphQL. A stream call takes one
// token when it starts. Calls made in process (app.Invoke) are not limited.
//
// Use it App-wide (app.Use) with per-operation rates (OperationRate), or
// on one operation (app.With), where it has buckets of its own. Memory is
// bounded by MaxKeys; no goroutine is started. It panics on an invalid
// Rate, a programming error.
func RateLimit(r Rate, opts ...RateLimitOption) app.Middleware {
	l := &rateLimiter{key: ClientIP(), maxKeys: DefaultMaxKeys, now: time.Now, seed: maphash.MakeSeed()}
	for _, o := range opts {
		o(l)
	}
	if err := r.check(); err != nil {
		panic(err.Error())
	}
	l.all = compile(r)
	l.opLims = make(map[string]*limit, len(l.ops))
	for name, or := range l.ops {
		if or.isZero() {
			l.opLims[name] = nil
			continue
		}
		if err := or.check(); err != nil {
			panic(fmt.Sprintf("%v (operation %s)", err, name))
		}
		l.opLims[name] = compile(or)
	}
	l.maxKeys = max(l.maxKeys, 1)
	n := min(16, l.maxKeys)
	l.shards = make([]rateShard, n)
	for i := range l.shards {
		l.shards[i] = rateShard{max: (l.maxKeys + n - 1) / n, buckets: map[string]*list.Element{}}
	}
	return l.wrap
}

func (l *rateLimiter) wrap(next app.Handler) app.Handler {
	return func(ctx context.Context, call *app.Call) (any, error) {
		if call.Protocol == app.ProtocolInProcess {
			return next(ctx, call)
		}
		lim, key := l.all, l.key(ctx, call)
		if ol, ok := l.opLims[call.Operation.Name]; ok {
			if ol == nil {
				return next(ctx, call)
			}
			lim, key = ol, call.Operation.Name+"\x00"+key
		}
		sh := &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
		if wait, ok := sh.take(key, lim, l.now()); !ok {
			e := app.NewError(app.CodeResourceExhausted, "rate limit exceeded")
			e.Reason, e.RetryAfter = ReasonRateLimited, wait
			return nil, e
		}
		return next(ctx, call)
	}
}

// rateShard holds some of the buckets, most recently used first.
type rateShard struct {
	mu      sync.Mutex
	max     int
	lru     list.List // of *bucket
	buckets map[string]*list.Element
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time // when tokens was computed
	full   time.Time // when the bucket will be full again
}

// take takes a token from key's bucket, or says how long until there is
// one.
func (s *rateShard) take(key string, lim *limit, now time.Time) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b *bucket
	if el := s.buckets[key]; el != nil {
		b = el.Value.(*bucket)
		if elapsed := now.Sub(b.last); elapsed > 0 {
			b.tokens = min(lim.burst, b.tokens+float64(elapsed)/lim.perToken)
			b.last = now
		}
		s.lru.MoveToFront(el)
	} else {
		s.evict(now)
		b = &bucket{key: key, tokens: lim.burst, last: now}
		s.buckets[key] = s.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		b.full = now.Add(time.Duration(math.Ceil((lim.burst - b.tokens) * lim.perToken)))
		return 0, true
	}
	return time.Duration(math.Ceil((1 - b.tokens) * lim.perToken)), false
}

// evict makes room for one bucket: it drops refilled buckets from the
// least recently used end, and the least recently used one if still full.
func (s *rateShard) evict(now time.Time) {
	for el := s.lru.Back(); el != nil; el = s.lru.Back() {
		b := el.Value.(*bucket)
		if len(s.buckets) < s.max && now.Before(b.full) {
			return
		}
		s.lru.Remove(el)
		delete(s.buckets, b.key)
	}
}
