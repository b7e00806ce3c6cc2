package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/allframe-go/allframe/cqrs"
	"go.opentelemetry.io/otel/propagation"
)

// DefaultBatchSize is the default number of messages handed to one
// Publish call.
const DefaultBatchSize = 100

// Relay publishes the integration messages of the log: the Message events
// and the domain events mapped with Map, in log order, through a
// Publisher. It is a projection of the Bus (named "outbox-<name>"), so the
// Bus starts and stops it, Projections.Status reports its position, lag
// and last error, and Projections.WaitFor waits until it has published up
// to a position.
type Relay struct {
	name       string
	bus        *cqrs.Bus
	pub        Publisher
	maps       map[string]mapper
	batch      int
	deadLetter func(ctx context.Context, msg Message, err error) error
}

type mapper func(ev cqrs.Event, data any) (Message, error)

// Option configures a Relay.
type Option func(*config)

type config struct {
	batch      int
	maps       []mapping
	deadLetter func(ctx context.Context, msg Message, err error) error
}

type mapping struct {
	typ reflect.Type // the event type
	f   mapper
}

// Map publishes every event of type E (registered in the Bus's Registry)
// as the message f returns for it; f gets the decoded (upcast) event and
// its envelope, and usually builds the message with NewMessage from an
// integration contract of its own. The message's ID defaults to the
// event's id, its Time to the event's. Return a Message with an empty
// Topic to publish nothing for an event; an error stops the relay (state
// failed) until a fixed mapping is deployed. Default: only Message events
// are published.
//
//	outbox.Map(func(ev Deposited, e cqrs.Event) (outbox.Message, error) {
//		return outbox.NewMessage("bank.deposited", e.Stream, DepositV1{Account: e.Stream, Amount: ev.Amount})
//	})
func Map[E any](f func(ev E, meta cqrs.Event) (Message, error)) Option {
	return func(c *config) {
		c.maps = append(c.maps, mapping{typ: reflect.TypeFor[E](), f: func(ev cqrs.Event, data any) (Message, error) {
			return f(data.(E), ev)
		}})
	}
}

// WithBatchSize sets how many messages at most are handed to one Publish
// call; the checkpoint is saved after each acknowledged call. Default:
// DefaultBatchSize (100).
func WithBatchSize(n int) Option { return func(c *config) { c.batch = n } }

// WithDeadLetter sets where messages go that the publisher rejects
// permanently (an error matching ErrPermanent in a *PublishError): the
// relay calls f with the message and the error and moves on to the next
// message; an error from f stops the relay as a publishing error does.
// Default: none — a rejected message stops the relay, which reports
// state failed with the error and retries it with backoff until the
// receiver accepts it (order is never given up silently).
func WithDeadLetter(f func(ctx context.Context, msg Message, err error) error) Option {
	return func(c *config) { c.deadLetter = f }
}

// New returns the relay name of bus, publishing through pub, and adds it
// to the Bus's projections (it runs while the App is started). It
// registers Message in the Bus's Registry (see Register). It panics on a
// programming error: an empty name, a nil publisher, a mapped type that is
// not registered or mapped twice.
func New(bus *cqrs.Bus, name string, pub Publisher, opts ...Option) *Relay {
	if name == "" {
		panic("outbox: relay without a name")
	}
	if pub == nil {
		panic("outbox: relay " + name + " without a publisher")
	}
	c := config{batch: DefaultBatchSize}
	for _, o := range opts {
		o(&c)
	}
	reg := bus.Registry()
	Register(reg)
	r := &Relay{name: "outbox-" + name, bus: bus, pub: pub, maps: map[string]mapper{}, batch: max(c.batch, 1), deadLetter: c.deadLetter}
	for _, m := range c.maps {
		typ, _, ok := "", 0, false
		if m.typ.Kind() == reflect.Struct {
			typ, _, ok = reg.Name(reflect.Zero(m.typ).Interface())
		}
		switch {
		case !ok:
			panic(fmt.Sprintf("outbox: relay %s: mapped event type %s is not a registered event struct", name, m.typ))
		case typ == EventType:
			panic(fmt.Sprintf("outbox: relay %s: Message events are published as they are; do not map them", name))
		case r.maps[typ] != nil:
			panic(fmt.Sprintf("outbox: relay %s: event type %s mapped twice", name, typ))
		}
		r.maps[typ] = m.f
	}
	bus.Projections().Add(cqrs.Leased(&projector{r: r}, bus.Store())) // one active relay across replicas where the store leases
	return r
}

// Name returns the name of the relay's projection, "outbox-<name>", for
// Projections.Status, WaitFor and Rebuild (which publishes the whole log
// again, with the same message IDs).
func (r *Relay) Name() string { return r.name }

// Status returns the relay's projection status: its position (the last
// event handled, every message up to it acknowledged), the lag behind the
// log's head, and the state, with the last error while it fails.
func (r *Relay) Status(ctx context.Context) (cqrs.ProjectionStatus, error) {
	all, err := r.bus.Projections().Status(ctx)
	if err != nil {
		return cqrs.ProjectionStatus{}, err
	}
	for _, st := range all {
		if st.Name == r.name {
			return st, nil
		}
	}
	return cqrs.ProjectionStatus{}, fmt.Errorf("outbox: relay %s is not registered", r.name)
}

// projector runs the relay as a projection, keeping the relay's methods
// out of its API.
type projector struct{ r *Relay }

var _ cqrs.Projector = (*projector)(nil)

// Name implements cqrs.Projector.
func (p *projector) Name() string { return p.r.name }

// Kind tells tools the projection is an outbox (see cqrs.Projections.Kind).
func (p *projector) Kind() string { return "outbox" }

// Checkpoint implements cqrs.Projector.
func (p *projector) Checkpoint(ctx context.Context) (int64, error) {
	return p.r.bus.Store().LoadCheckpoint(ctx, p.r.name)
}

// Reset implements cqrs.Projector: the next run publishes the log again
// from the start.
func (p *projector) Reset(ctx context.Context) error {
	return p.r.bus.Store().SaveCheckpoint(ctx, p.r.name, 0)
}

// outgoing is a message being published with the end of its span.
type outgoing struct {
	msg Message
	end func(error)
}

// Apply implements cqrs.Projector: it publishes the messages of events in
// batches and saves the checkpoint after each acknowledged one.
func (p *projector) Apply(ctx context.Context, events []cqrs.Event, position int64) error {
	r := p.r
	var out []outgoing
	defer func() {
		for _, o := range out {
			o.end(errors.New("not published"))
		}
	}()
	for _, ev := range events {
		msg, ok, err := r.message(ev)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		sctx, end := cqrs.EventSpan(ctx, ev)
		addHeaders(sctx, &msg, ev)
		out = append(out, outgoing{msg: msg, end: end})
	}
	for len(out) > 0 {
		chunk := out[:min(len(out), r.batch)]
		n, err := r.publish(ctx, chunk)
		out = out[n:]
		if err != nil && (n == 0 || ctx.Err() != nil) {
			return err
		}
		// A failure after progress is retried at once: the Bus's backoff
		// grows only while the relay makes none.
	}
	return r.bus.Store().SaveCheckpoint(ctx, r.name, position)
}

// publish publishes chunk and returns how many messages of it are done
// (acknowledged or dead-lettered), their checkpoint saved and their spans
// ended.
func (r *Relay) publish(ctx context.Context, chunk []outgoing) (int, error) {
	msgs := make([]Message, len(chunk))
	for i := range chunk {
		msgs[i] = chunk[i].msg
	}
	done := 0
	err := r.pub.Publish(ctx, msgs)
	var pe *PublishError
	switch {
	case err == nil:
		done = len(msgs)
	case !errors.As(err, &pe) || pe.Index < 0 || pe.Index >= len(msgs):
		err = fmt.Errorf("publish %d messages from %s: %w", len(msgs), msgs[0].ID, err)
	default:
		done = pe.Index
		failed := msgs[done]
		err = fmt.Errorf("publish message %s (topic %s, position %d): %w", failed.ID, failed.Topic, failed.Position, pe.Err)
		if errors.Is(pe.Err, ErrPermanent) && r.deadLetter != nil {
			if dlErr := r.deadLetter(ctx, failed, pe.Err); dlErr != nil {
				err = fmt.Errorf("dead-letter message %s (%w): %w", failed.ID, pe.Err, dlErr)
			} else {
				chunk[done].end(err)
				chunk[done].end = func(error) {}
				done, err = done+1, nil
			}
		}
	}
	if done > 0 {
		if serr := r.save(ctx, msgs[done-1]); serr != nil {
			return 0, errors.Join(err, serr)
		}
	}
	for _, o := range chunk[:done] {
		o.end(nil)
	}
	return done, err
}

// save records the position of msg as the checkpoint: every message up to
// it is done. (A message comes from one event, so nothing at or before
// its position is left to publish.)
func (r *Relay) save(ctx context.Context, msg Message) error {
	return r.bus.Store().SaveCheckpoint(ctx, r.name, msg.Position)
}

// message returns the message that ev carries or is mapped to, if any.
func (r *Relay) message(ev cqrs.Event) (Message, bool, error) {
	var msg Message
	switch f := r.maps[ev.Type]; {
	case ev.Type == EventType:
		if err := json.Unmarshal(ev.Data, &msg); err != nil {
			return Message{}, false, fmt.Errorf("decode message at position %d: %w", ev.Position, err)
		}
	case f != nil:
		data, err := r.bus.Registry().Decode(ev)
		if err != nil {
			return Message{}, false, err
		}
		if msg, err = f(ev, data); err != nil {
			return Message{}, false, fmt.Errorf("map %s at position %d: %w", ev.Type, ev.Position, err)
		}
	default:
		return Message{}, false, nil
	}
	if msg.Topic == "" {
		return Message{}, false, nil
	}
	if msg.ID == "" {
		msg.ID = ev.ID
	}
	if msg.Time.IsZero() {
		msg.Time = ev.Time
	}
	msg.Stream, msg.Version, msg.Position = ev.Stream, ev.Version, ev.Position
	return msg, true, nil
}

// addHeaders adds the trace context of ctx (the publish span) and the
// event's correlation and causation ids to msg's headers, unless set.
func addHeaders(ctx context.Context, msg *Message, ev cqrs.Event) {
	add := map[string]string{}
	propagation.TraceContext{}.Inject(ctx, propagation.MapCarrier(add))
	if add["traceparent"] == "" && ev.Metadata.TraceParent != "" {
		add["traceparent"], add["tracestate"] = ev.Metadata.TraceParent, ev.Metadata.TraceState
	}
	add[HeaderCorrelationID] = ev.Metadata.CorrelationID
	add[HeaderCausationID] = ev.Metadata.CausationID
	h := make(map[string]string, len(msg.Headers)+len(add))
	for k, v := range add {
		if v != "" {
			h[k] = v
		}
	}
	for k, v := range msg.Headers {
		h[k] = v
	}
	if len(h) > 0 {
		msg.Headers = h
	}
}
