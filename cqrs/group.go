package cqrs

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/allframe-go/allframe/app"
	"go.opentelemetry.io/otel/trace"
)

// maxGroup bounds how many commands on one instance are decided together.
const maxGroup = 256

// Commands on one aggregate instance are combined. A command joins the
// instance's queue; if no command is leading, it leads: it takes the queued
// commands (itself first), decides each in order on the state the previous
// ones produced, appends all their events with one request, and hands the
// lead to the first command queued meanwhile. Each command sees exactly the
// state it would have seen running alone after the ones before it, so the
// outcome equals running them one at a time — only the commit (and, with
// the SQLite store, the sync) is shared: a hot instance is no longer
// bounded by one commit per command. A conflict re-decides the whole group
// on fresh state.

// pending is one command waiting on, or being run by, its instance's
// queue.
type pending[S any] struct {
	ctx     context.Context
	decide  func(context.Context, State[S]) ([]any, error)
	respond respondFunc[S]
	sc      *scope

	signal chan struct{} // closed when done, or when this command must lead
	lead   bool          // set (under the queue lock) before signal closes to hand over the lead
	taken  bool          // a leader took it into a group

	// Results.
	st       State[S]
	err      error
	panicked bool
	panicVal any

	// Per attempt.
	events   []EventData
	idem     *IdempotencyRecord
	next     State[S]
	decided  bool // has a result for this attempt (error or no events)
	appendSp trace.Span
}

type instanceQueue[S any] struct {
	items []*pending[S]
}

type commandQueues[S any] struct {
	mu sync.Mutex
	m  map[string]*instanceQueue[S]
}

// run queues p for instance id and returns once it has run (leading a
// group if it is first).
func (a *Aggregate[S]) run(id string, p *pending[S]) {
	qs := &a.queues
	qs.mu.Lock()
	if qs.m == nil {
		qs.m = map[string]*instanceQueue[S]{}
	}
	q := qs.m[id]
	first := q == nil
	if first {
		q = &instanceQueue[S]{}
		qs.m[id] = q
		p.lead = true
	}
	q.items = append(q.items, p)
	qs.mu.Unlock()
	if !first {
		// p.lead is written under the lock before signal closes, so it
		// is read only after signal (or under the lock).
		select {
		case <-p.signal:
		case <-p.ctx.Done():
			qs.mu.Lock()
			if !p.lead && !p.taken {
				for i, it := range q.items {
					if it == p {
						q.items = append(q.items[:i], q.items[i+1:]...)
						break
					}
				}
				qs.mu.Unlock()
				p.st, p.err = State[S]{ID: id}, p.ctx.Err()
				return
			}
			qs.mu.Unlock()
			<-p.signal
		}
		if !p.lead {
			return // done by another leader
		}
	}
	a.leadGroup(id, q, p)
}

// leadGroup runs the queued commands of q as one group (self among them),
// then passes the lead on.
func (a *Aggregate[S]) leadGroup(id string, q *instanceQueue[S], self *pending[S]) {
	qs := &a.queues
	qs.mu.Lock()
	limit := maxGroup
	if !a.flat {
		// A state holding maps, slices or pointers is shared by the
		// states a group derives from it: each command would see (and
		// return) the effects of the later ones. Such aggregates run one
		// command at a time.
		limit = 1
	}
	n := 0
	for n < len(q.items) && n < limit {
		it := q.items[n]
		it.taken = true
		n++
		if it.sc.claim != nil {
			// One idempotency record per append: a command with a key
			// closes the group, so that the record's position is its own.
			break
		}
	}
	group := make([]*pending[S], n)
	copy(group, q.items[:n])
	q.items = append(q.items[:0], q.items[n:]...)
	qs.mu.Unlock()

	completed := false
	defer func() {
		// Whatever happens in the group — even a panic outside decide (in
		// apply while loading, in the store) or runtime.Goexit — every
		// member gets an outcome and the lead moves on, so the instance
		// never stays without a leader.
		if !completed {
			r := recover()
			a.cache.remove(id)
			for _, it := range group {
				if r != nil {
					it.panicked, it.panicVal = true, r
				} else {
					it.st, it.err = State[S]{ID: id}, errGroupAborted
				}
			}
		}
		a.handOver(id, q, group, self)
	}()
	a.runGroup(id, group)
	completed = true
}

// errGroupAborted is the outcome of commands whose group's leader exited
// (runtime.Goexit) before finishing it.
var errGroupAborted = errors.New("cqrs: the command's group was abandoned (runtime.Goexit in another command)")

// handOver signals the group's members that their results are ready and
// passes the lead to the first queued command.
func (a *Aggregate[S]) handOver(id string, q *instanceQueue[S], group []*pending[S], self *pending[S]) {
	qs := &a.queues
	qs.mu.Lock()
	for _, it := range group {
		if it != self {
			close(it.signal)
		}
	}
	if len(q.items) > 0 {
		next := q.items[0]
		next.lead = true
		close(next.signal)
	} else {
		delete(qs.m, id)
	}
	qs.mu.Unlock()
}

// runGroup decides the group's commands in order and appends their events
// together, retrying conflicts on fresh state; it sets every command's
// result.
func (a *Aggregate[S]) runGroup(id string, group []*pending[S]) {
	live := group
	// The group's own work (load, append) must not fail because one
	// caller went away; each command's decide still sees its own context.
	ctx := context.WithoutCancel(group[0].ctx)
	for attempt := 1; len(live) > 0; {
		st, err := a.current(id, live)
		if err != nil {
			failAll(live, st, err)
			return
		}
		state := st
		restart := false
		var events []EventData
		var idem *IdempotencyRecord
		var writers []*pending[S]
		for _, p := range live {
			p.decided, p.events, p.idem = false, nil, nil
			if err := p.ctx.Err(); err != nil {
				p.st, p.err, p.decided = state, err, true
				continue
			}
			err := a.decideOne(p, state, attempt)
			switch {
			case p.panicked:
				restart = true
			case err != nil || len(p.events) == 0:
				p.st, p.err, p.decided = state, err, true
			default:
				if p.idem != nil {
					idem = p.idem
				}
				events = append(events, p.events...)
				writers = append(writers, p)
				state = p.next
			}
			if restart {
				break
			}
		}
		if restart {
			// apply or decide panicked, perhaps halfway through changing a
			// state shared with the cache: drop the panicking command and
			// run the others again on a fresh load.
			a.cache.remove(id)
			live = without(live, func(p *pending[S]) bool { return p.panicked })
			continue
		}
		if len(writers) == 0 {
			return // every command has its result
		}
		req := AppendRequest{Stream: a.Stream(id), StreamType: a.typ, ExpectedVersion: st.Version, Events: events, Idempotency: idem}
		if a.snapEvery > 0 && state.Version/a.snapEvery > st.Version/a.snapEvery {
			snap, err := a.snapshot(state.Value)
			if err != nil {
				failAll(live, st, err)
				return
			}
			req.Snapshot = snap
		}
		res, err := a.appendGroup(ctx, id, req, writers)
		if err == nil {
			// Events are contiguous: version v is at FirstPosition+v-st.Version-1.
			at := func(v int64) int64 { return res.FirstPosition + v - st.Version - 1 }
			for _, p := range live {
				switch {
				case p.decided:
					if p.st.Version > st.Version {
						p.st.Position = at(p.st.Version)
					}
				case !p.panicked:
					p.next.Position = at(p.next.Version)
					p.st, p.err = p.next, nil
					p.sc.wrote(p.next.Position, p.idem != nil)
				}
			}
			state.Position = res.LastPosition
			a.cache.put(id, state)
			return
		}
		a.cache.remove(id) // the states share maps and slices with the cached one
		var de *DuplicateError
		if idem != nil && errors.As(err, &de) {
			// The command with the key was recorded by another process:
			// it replays; the others run again without it.
			for _, p := range writers {
				if p.idem != nil {
					p.st, p.err, p.decided = st, err, true
					live = without(live, func(q *pending[S]) bool { return q == p })
					break
				}
			}
			continue
		}
		var ce *ConflictError
		if !errors.As(err, &ce) {
			failAll(live, st, err)
			return
		}
		if attempt > a.bus.retries {
			failAll(live, st, app.WrapError(app.CodeAborted, fmt.Sprintf("%s %s was modified concurrently %d times; gave up", a.typ, id, attempt), err).
				WithDetail("stream", ce.Stream).WithDetail("attempts", attempt))
			return
		}
		if err := a.bus.sleepBackoff(ctx, attempt); err != nil {
			failAll(live, st, err)
			return
		}
		attempt++
	}
}

// decideOne runs p's decide on state and prepares its events into p
// (p.next, p.events, p.idem), recovering a panic into p.
func (a *Aggregate[S]) decideOne(p *pending[S], state State[S], attempt int) (err error) {
	p.next, p.events, p.idem = state, nil, nil
	defer func() {
		if r := recover(); r != nil {
			p.panicked, p.panicVal = true, r
		}
	}()
	dctx, span := a.bus.tracer.Start(p.ctx, "cqrs.decide "+a.typ, a.spanAttrs(state.ID), trace.WithAttributes(attrAttempt.Int(attempt), attrVersion.Int64(state.Version)))
	events, err := p.decide(dctx, state)
	span.SetAttributes(attrEvents.Int(len(events)))
	endSpan(span, err)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		if p.respond != nil {
			_, err = p.respond(state)
		}
		return err
	}
	if err := a.prepare(p, state, events); err != nil {
		p.events = nil
		if !a.flat {
			// prepare may have applied some of the events to maps the
			// cached state shares before failing.
			a.cache.remove(state.ID)
		}
		return err
	}
	return nil
}

// appendGroup appends the group's events. Each command gets an append span
// of its own, and its events carry that span's trace context, so traces
// follow each command's data.
func (a *Aggregate[S]) appendGroup(ctx context.Context, id string, req AppendRequest, writers []*pending[S]) (AppendResult, error) {
	off := 0
	for _, p := range writers {
		pctx, span := a.bus.tracer.Start(p.ctx, "cqrs.append "+a.typ, a.spanAttrs(id),
			trace.WithSpanKind(trace.SpanKindProducer),
			trace.WithAttributes(attrStream.String(req.Stream), attrEvents.Int(len(p.events)), attrVersion.Int64(req.ExpectedVersion)))
		p.appendSp = span
		if parent, state := traceContext(pctx); parent != "" {
			for i := off; i < off+len(p.events); i++ {
				req.Events[i].Metadata.TraceParent, req.Events[i].Metadata.TraceState = parent, state
			}
		}
		off += len(p.events)
	}
	res, err := a.bus.store.Append(ctx, req)
	for _, p := range writers {
		if err == nil {
			p.appendSp.SetAttributes(attrPosition.Int64(res.LastPosition))
		}
		endSpan(p.appendSp, err)
		p.appendSp = nil
	}
	return res, err
}

// failAll gives every command of live the group's failure: decisions made
// on a state that was not appended do not stand either.
func failAll[S any](live []*pending[S], st State[S], err error) {
	for _, p := range live {
		p.st, p.err = st, err
	}
}

func without[S any](ps []*pending[S], drop func(*pending[S]) bool) []*pending[S] {
	out := make([]*pending[S], 0, len(ps))
	for _, p := range ps {
		if !drop(p) {
			out = append(out, p)
		}
	}
	return out
}

// Queued returns how many commands on instance id are waiting for their
// turn (not counting a group being run): a gauge of contention.
func (a *Aggregate[S]) Queued(id string) int {
	a.queues.mu.Lock()
	defer a.queues.mu.Unlock()
	if q := a.queues.m[id]; q != nil {
		return len(q.items)
	}
	return 0
}
