package middleware

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// lazyDeadline is the context Timeout gives a handler: it reports its
// deadline at once (Deadline), but arms the timer behind it only when
// someone can observe the context ending — Done, or Err, Value (and so
// context.Cause) once the deadline has passed or the call has returned.
// Most queries never wait on their context, and they then cost one
// allocation instead of context.WithDeadline's timer, cancel context and
// closures (three to four allocations and a lock on the runtime's timer
// heap per call).
//
// Once armed it is context.WithDeadlineCause(parent, deadline,
// errTimedOut) and answers every method from it, so derived contexts
// attach to that cancel context directly (no goroutine per child), and
// context.Cause tells the operation's deadline from the caller's.
type lazyDeadline struct {
	parent   context.Context
	deadline time.Time
	armed    atomic.Pointer[armedDeadline]
	stopped  atomic.Bool
	mu       sync.Mutex // serialises arming
}

type armedDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc
}

var _ context.Context = (*lazyDeadline)(nil)

func newLazyDeadline(parent context.Context, d time.Duration) *lazyDeadline {
	return &lazyDeadline{parent: parent, deadline: time.Now().Add(d)}
}

// arm returns the real context, creating it on first use: ended at once
// when the call has already returned (stop), as context.WithDeadline's
// cancel would have ended it.
func (c *lazyDeadline) arm() context.Context {
	if a := c.armed.Load(); a != nil {
		return a.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := c.armed.Load(); a != nil {
		return a.ctx
	}
	ctx, cancel := context.WithDeadlineCause(c.parent, c.deadline, errTimedOut)
	if c.stopped.Load() {
		cancel()
	}
	c.armed.Store(&armedDeadline{ctx: ctx, cancel: cancel})
	return ctx
}

// settled reports whether the context may have ended on its own account:
// past its deadline, or stopped.
func (c *lazyDeadline) settled() bool {
	return c.stopped.Load() || !time.Now().Before(c.deadline)
}

// Deadline returns the earlier of the parent's deadline and this one.
func (c *lazyDeadline) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

// Done arms the deadline and returns its channel.
func (c *lazyDeadline) Done() <-chan struct{} { return c.arm().Done() }

// Err is the parent's error until the deadline passes or the call
// returns, then the armed context's.
func (c *lazyDeadline) Err() error {
	if a := c.armed.Load(); a != nil {
		return a.ctx.Err()
	}
	if c.settled() {
		return c.arm().Err()
	}
	return c.parent.Err()
}

// Value is the parent's value until the context is armed or settled (so
// context.Cause finds the armed cancel context when there is one).
func (c *lazyDeadline) Value(key any) any {
	if a := c.armed.Load(); a != nil {
		return a.ctx.Value(key)
	}
	if c.settled() {
		return c.arm().Value(key)
	}
	return c.parent.Value(key)
}

// stop ends the context as a cancel func would: the armed context is
// cancelled now; an unarmed one is born cancelled if anyone asks later.
func (c *lazyDeadline) stop() {
	c.mu.Lock() // against an arm in flight that has not seen stopped
	c.stopped.Store(true)
	a := c.armed.Load()
	c.mu.Unlock()
	if a != nil {
		a.cancel()
	}
}
