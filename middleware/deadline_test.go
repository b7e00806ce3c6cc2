package middleware

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type ctxKey struct{}

func TestLazyDeadlineUnarmed(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	c := newLazyDeadline(parent, time.Hour)
	if got := c.Value(ctxKey{}); got != "v" {
		t.Errorf("Value: got %v, want v", got)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err: got %v, want nil", err)
	}
	if d, ok := c.Deadline(); !ok || time.Until(d) < 59*time.Minute {
		t.Errorf("Deadline: got %v %v, want about an hour from now", d, ok)
	}
	if c.armed.Load() != nil {
		t.Errorf("armed without anyone waiting")
	}
	c.stop()
	if err := c.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err after stop: got %v, want context.Canceled", err)
	}
	select {
	case <-c.Done():
	default:
		t.Errorf("Done after stop: not closed")
	}
}

func TestLazyDeadlineExpires(t *testing.T) {
	c := newLazyDeadline(context.Background(), 20*time.Millisecond)
	defer c.stop()
	child, cancel := context.WithCancel(c) // attaches to the armed context
	defer cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the child did not end at the deadline")
	}
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err: got %v, want DeadlineExceeded", err)
	}
	if cause := context.Cause(c); !errors.Is(cause, errTimedOut) {
		t.Errorf("Cause: got %v, want errTimedOut", cause)
	}
}

func TestLazyDeadlinePassedUnarmed(t *testing.T) {
	c := newLazyDeadline(context.Background(), -time.Second) // already past, nobody waiting
	defer c.stop()
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err: got %v, want DeadlineExceeded", err)
	}
	if cause := context.Cause(c); !errors.Is(cause, errTimedOut) {
		t.Errorf("Cause: got %v, want errTimedOut", cause)
	}
}

func TestLazyDeadlineParent(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), time.Minute)
	c := newLazyDeadline(parent, time.Hour)
	defer c.stop()
	if d, _ := c.Deadline(); time.Until(d) > 2*time.Minute {
		t.Errorf("Deadline: got %v, want the parent's earlier one", d)
	}
	cancel()
	if err := c.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err: got %v, want the parent's Canceled", err)
	}
	if cause := context.Cause(c); errors.Is(cause, errTimedOut) {
		t.Errorf("Cause: got %v, want the parent's", cause)
	}
	<-c.Done()
}

func TestLazyDeadlineConcurrent(t *testing.T) {
	for range 100 {
		c := newLazyDeadline(context.Background(), time.Hour)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { <-c.Done() })
		}
		wg.Go(c.stop)
		wg.Wait() // every waiter sees the stop, armed before or after it
		if err := c.Err(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Err: got %v, want context.Canceled", err)
		}
	}
}
