package cqrs

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/allframe-go/allframe/app"
)

// EventStream registers a stream operation (Server-Sent Events on REST, a
// subscription on GraphQL, a server stream on gRPC) that sends the events
// selected by open: first those after its position (catch-up), then new
// ones as they are committed (live), until the client goes away. view turns
// each event and its decoded payload into an output item, or skips it
// (false). Events of types missing from the Registry are skipped. A
// Last-Event-ID in the call's metadata (a position) resumes after it.
// Sending blocks while the client is slow: the store reads ahead one
// batch, no more. Each sent event is a span linked to the trace context
// recorded with the event.
func EventStream[In, Out any](b *Bus, name string, open func(ctx context.Context, in In) (filter Filter, after int64, err error), view func(ev Event, data any) (Out, bool), opts ...app.OpOption) *app.Operation {
	return app.Stream(b.app, name, func(ctx context.Context, in In, send func(Out) error) error {
		filter, after, err := open(ctx, in)
		if err != nil {
			return err
		}
		if call := app.CallFrom(ctx); call != nil {
			if p, err := ParseToken(call.Metadata.Get(MetaLastEventID)); err == nil && p > after {
				after = p
			}
		}
		cons := withConsumer(ctx, &consumer{tracer: b.tracer, name: "subscription " + name})
		err = b.store.Subscribe(ctx, after, filter, func(evs []Event) error {
			for _, ev := range evs {
				data, err := b.reg.Decode(ev)
				if errors.Is(err, ErrUnknownEvent) {
					continue
				}
				if err != nil {
					return err
				}
				out, ok := view(ev, data)
				if !ok {
					continue
				}
				if call := app.CallFrom(ctx); call != nil {
					call.Cursor = strconv.FormatInt(ev.Position, 10) // the SSE id a client resumes after
				}
				_, end := EventSpan(cons, ev)
				err = send(out)
				end(err)
				if err != nil {
					return err
				}
			}
			return nil
		})
		if ctx.Err() != nil {
			return nil // the client went away: a normal end
		}
		return edgeError(err)
	}, opts...)
}

// EventMessage is a generic output item for event streams: the envelope
// and the payload in its current schema (after upcasting).
type EventMessage struct {
	ID            string          `json:"id"`
	Stream        string          `json:"stream"`
	StreamType    string          `json:"streamType,omitempty"`
	Version       int64           `json:"version"`
	Position      int64           `json:"position"`
	Type          string          `json:"type"`
	Time          time.Time       `json:"time"`
	Data          json.RawMessage `json:"data"`
	CorrelationID string          `json:"correlationId,omitempty"`
	CausationID   string          `json:"causationId,omitempty"`
}

// Message is a view for EventStream that renders every event as an
// EventMessage.
func Message(ev Event, data any) (EventMessage, bool) {
	payload, err := json.Marshal(data)
	if err != nil {
		payload = ev.Data
	}
	return EventMessage{
		ID: ev.ID, Stream: ev.Stream, StreamType: ev.StreamType, Version: ev.Version, Position: ev.Position,
		Type: ev.Type, Time: ev.Time, Data: payload,
		CorrelationID: ev.Metadata.CorrelationID, CausationID: ev.Metadata.CausationID,
	}, true
}
