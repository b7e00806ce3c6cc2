package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/allframe-go/allframe/cqrs"
)

// EventType is the registered event name of Message in the log.
const EventType = "outbox.Message"

// Message is an integration message: what a relay hands to its Publisher.
// As an event (returned by a decide function next to the domain events) it
// is stored in the log with its Topic, Key, Payload and Headers; the relay
// fills in the rest from the event that carries it.
type Message struct {
	// ID identifies the message for consumers' deduplication: the same
	// message carries the same ID on every delivery. The relay sets it to
	// the id of the event it comes from when empty.
	ID string `json:"id,omitempty"`
	// Topic is where the message goes (a NATS subject, a webhook event
	// name). A message with an empty Topic is not published.
	Topic string `json:"topic"`
	// Key is the message's partition or entity key (an aggregate id), for
	// consumers that order or group by it.
	Key string `json:"key,omitempty"`
	// Payload is the message body, JSON.
	Payload json.RawMessage `json:"payload,omitempty"`
	// Headers travel with the message. The relay adds traceparent and
	// tracestate (the W3C trace context of its publish span, a child of
	// the request that appended the event), correlation-id and causation-id
	// (from the event's metadata), unless they are set.
	Headers map[string]string `json:"headers,omitempty"`
	// Time is when the event was recorded; set by the relay when zero.
	Time time.Time `json:"time,omitzero"`
	// Stream, Version and Position locate the source event in the log; set
	// by the relay. Version orders the messages of one stream.
	Stream   string `json:"stream,omitempty"`
	Version  int64  `json:"version,omitempty"`
	Position int64  `json:"position,omitempty"`
}

// Header names the relay sets (besides traceparent and tracestate).
const (
	HeaderCorrelationID = "correlation-id"
	HeaderCausationID   = "causation-id"
)

// NewMessage returns a message to topic with key whose payload is payload
// encoded as JSON, to return from a decide function next to the domain
// events it goes with: it is appended with them, atomically, and
// published by every relay of the Bus.
//
//	msg, err := outbox.NewMessage("bank.deposits", st.ID, DepositV1{Account: st.ID, Amount: in.Amount})
//	if err != nil {
//		return nil, err
//	}
//	return []any{Deposited{Amount: in.Amount}, msg}, nil
func NewMessage(topic, key string, payload any) (Message, error) {
	if topic == "" {
		return Message{}, errors.New("outbox: message without a topic")
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return Message{}, fmt.Errorf("outbox: encode payload of %s: %w", topic, err)
	}
	return Message{Topic: topic, Key: key, Payload: data}, nil
}

// WithHeader returns a copy of m with header k set to v.
func (m Message) WithHeader(k, v string) Message {
	h := make(map[string]string, len(m.Headers)+1)
	for hk, hv := range m.Headers {
		h[hk] = hv
	}
	h[k] = v
	m.Headers = h
	return m
}

// Register registers Message in reg as EventType (schema version 1) unless
// it is registered. New calls it; a process that emits messages without
// running a relay calls it before its first command.
func Register(reg *cqrs.Registry) {
	if _, _, ok := reg.Name(Message{}); !ok {
		cqrs.RegisterEvent[Message](reg, EventType, 1)
	}
}

// Publisher delivers messages to a broker or endpoint.
type Publisher interface {
	// Publish delivers msgs in order and returns nil once every one is
	// acknowledged. When it fails part way it returns a *PublishError with
	// the index of the first message not acknowledged (a plain error means
	// none may be taken as acknowledged); an error matching ErrPermanent
	// means retrying will not help. The relay publishes the messages from
	// the first unacknowledged one again, with the same IDs.
	Publish(ctx context.Context, msgs []Message) error
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, msgs []Message) error

var _ Publisher = PublisherFunc(nil)

// Publish implements Publisher.
func (f PublisherFunc) Publish(ctx context.Context, msgs []Message) error { return f(ctx, msgs) }

// ErrPermanent is matched by errors that retrying does not fix (a webhook
// answering 400); see Permanent and WithDeadLetter.
var ErrPermanent = errors.New("outbox: permanent failure")

// Permanent marks err as permanent: errors.Is(Permanent(err), ErrPermanent)
// holds, and errors.Is and errors.As see err too.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string        { return e.err.Error() }
func (e *permanentError) Unwrap() error        { return e.err }
func (e *permanentError) Is(target error) bool { return target == ErrPermanent }

// PublishError reports that Publish delivered the messages before Index
// and failed on the message at Index.
type PublishError struct {
	// Index is the position in the slice given to Publish of the first
	// message not acknowledged.
	Index int
	// Err is why it was not.
	Err error
}

func (e *PublishError) Error() string {
	return fmt.Sprintf("outbox: message %d not published: %v", e.Index, e.Err)
}

// Unwrap returns Err.
func (e *PublishError) Unwrap() error { return e.Err }
