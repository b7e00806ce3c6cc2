package middleware

import (
	"context"
	"sync"

	"github.com/allframe-go/allframe/app"
)

// ReasonTooManyStreams is the Reason of the error MaxStreams returns:
// GraphQL's extensions.code, gRPC's ErrorInfo reason and the problem
// document's reason.
const ReasonTooManyStreams = "TOO_MANY_STREAMS"

// Defaults of MaxStreams, as Defaults sets it.
const (
	DefaultMaxStreams        = 10_000
	DefaultMaxStreamsPerPeer = 100
)

// StreamOption configures MaxStreams.
type StreamOption func(*streamLimiter)

// StreamsPer caps the streams open at once per key (see KeyFunc), e.g.
// per client IP with ClientIP(); 0 means no cap per key. Default: 0, and
// no key; Defaults sets DefaultMaxStreamsPerPeer per connection
// (PeerKey).
func StreamsPer(n int, key KeyFunc) StreamOption {
	return func(l *streamLimiter) { l.perKey, l.key = n, key }
}

// PeerKey keys calls by call.Peer, the remote address with its port: one
// key per connection (a gRPC or HTTP/2 connection, a GraphQL WebSocket,
// an HTTP/1.1 connection carrying an SSE stream).
func PeerKey(_ context.Context, call *app.Call) string { return call.Peer }

type streamLimiter struct {
	total  int
	perKey int
	key    KeyFunc

	mu    sync.Mutex
	open  int
	byKey map[string]int
}

// MaxStreams returns middleware that caps the stream calls open at once
// (SSE streams, GraphQL subscriptions and gRPC server streams together)
// at total (0: no total cap), and per key with StreamsPer. A stream over
// a cap fails before it starts with resource_exhausted and Reason
// "TOO_MANY_STREAMS": 429 on REST, RESOURCE_EXHAUSTED on gRPC,
// extensions.code "TOO_MANY_STREAMS" on GraphQL. Queries, commands and
// calls made in process are not counted. Memory is bounded by the streams
// open.
func MaxStreams(total int, opts ...StreamOption) app.Middleware {
	l := &streamLimiter{total: total, byKey: map[string]int{}}
	for _, o := range opts {
		o(l)
	}
	return l.wrap
}

func (l *streamLimiter) wrap(next app.Handler) app.Handler {
	return func(ctx context.Context, call *app.Call) (any, error) {
		if call.Operation.Kind != app.OpStream || call.Protocol == app.ProtocolInProcess {
			return next(ctx, call)
		}
		key := ""
		if l.perKey > 0 {
			key = l.key(ctx, call)
		}
		if !l.acquire(key) {
			e := app.NewError(app.CodeResourceExhausted, "too many concurrent streams")
			e.Reason = ReasonTooManyStreams
			return nil, e
		}
		defer l.release(key)
		return next(ctx, call)
	}
}

func (l *streamLimiter) acquire(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total > 0 && l.open >= l.total {
		return false
	}
	if l.perKey > 0 {
		if l.byKey[key] >= l.perKey {
			return false
		}
		l.byKey[key]++
	}
	l.open++
	return true
}

func (l *streamLimiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.perKey > 0 {
		if n := l.byKey[key] - 1; n > 0 {
			l.byKey[key] = n
		} else {
			delete(l.byKey, key)
		}
	}
}
