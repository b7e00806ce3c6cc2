package graphql

import (
	"context"
	"sync"
)

// tracker owns the long-lived requests (WebSocket connections and SSE
// streams) so that Stop can end them: the HTTP server's shutdown does not
// wait for hijacked connections and would wait forever for streams.
type tracker struct {
	mu     sync.Mutex
	closed bool
	active map[*trackedRequest]struct{}
	wg     sync.WaitGroup
}

type trackedRequest struct{ cancel context.CancelFunc }

// begin derives the context of a long-lived request; done must be called
// when its handler returns. ok is false once the tracker is closed.
func (t *tracker) begin(ctx context.Context) (_ context.Context, done func(), ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ctx, nil, false
	}
	ctx, cancel := context.WithCancel(ctx)
	tr := &trackedRequest{cancel: cancel}
	if t.active == nil {
		t.active = map[*trackedRequest]struct{}{}
	}
	t.active[tr] = struct{}{}
	t.wg.Add(1)
	return ctx, func() {
		cancel()
		t.mu.Lock()
		delete(t.active, tr)
		t.mu.Unlock()
		t.wg.Done()
	}, true
}

// close refuses new long-lived requests, ends the active ones and waits
// for their handlers to return, or for ctx to end.
func (t *tracker) close(ctx context.Context) error {
	t.mu.Lock()
	t.closed = true
	for tr := range t.active {
		tr.cancel()
	}
	t.mu.Unlock()
	done := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
