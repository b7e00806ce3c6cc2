package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/allframe-go/allframe/cqrs/outbox"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultTimeout bounds the wait for each message's acknowledgement.
const DefaultTimeout = 5 * time.Second

// Header names the Publisher sets besides jetstream.MsgIDHeader
// (Nats-Msg-Id, the message id) and the message's own headers.
const (
	HeaderKey     = "Outbox-Key"
	HeaderTime    = "Outbox-Time" // RFC 3339 with nanoseconds
	HeaderStream  = "Outbox-Stream"
	HeaderVersion = "Outbox-Version"
)

// Publisher publishes messages to NATS JetStream, one at a time, in
// order, each acknowledged by the stream before the next. It implements
// outbox.Publisher.
type Publisher struct {
	js      jetstream.JetStream
	subject func(outbox.Message) string
	timeout time.Duration
	expect  string
}

var _ outbox.Publisher = (*Publisher)(nil)

// Option configures a Publisher.
type Option func(*Publisher)

// WithSubject sets the subject of each message. Default: its Topic.
func WithSubject(f func(outbox.Message) string) Option {
	return func(p *Publisher) { p.subject = f }
}

// WithTimeout bounds the wait for each acknowledgement. Default:
// DefaultTimeout (5s).
func WithTimeout(d time.Duration) Option { return func(p *Publisher) { p.timeout = d } }

// WithExpectStream makes JetStream reject messages whose subject is not
// bound to the stream called name. Default: any stream.
func WithExpectStream(name string) Option { return func(p *Publisher) { p.expect = name } }

// New returns a Publisher on js.
func New(js jetstream.JetStream, opts ...Option) *Publisher {
	p := &Publisher{js: js, subject: func(m outbox.Message) string { return m.Topic }, timeout: DefaultTimeout}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Publish implements outbox.Publisher: it publishes each message with
// Nats-Msg-Id set to the message id and waits for its PubAck. JetStream
// drops a message whose id it has seen within the stream's duplicate
// window (StreamConfig.Duplicates, 2 minutes by default) and acknowledges
// it as a duplicate, so a redelivery by the relay is stored once. A
// message NATS refuses as malformed (payload too large, invalid subject)
// fails permanently (outbox.ErrPermanent).
func (p *Publisher) Publish(ctx context.Context, msgs []outbox.Message) error {
	for i, m := range msgs {
		if err := p.publish(ctx, m); err != nil {
			return &outbox.PublishError{Index: i, Err: err}
		}
	}
	return nil
}

func (p *Publisher) publish(ctx context.Context, m outbox.Message) error {
	msg := nats.NewMsg(p.subject(m))
	msg.Data = m.Payload
	for k, v := range m.Headers {
		msg.Header.Set(k, v)
	}
	if m.Key != "" {
		msg.Header.Set(HeaderKey, m.Key)
	}
	if !m.Time.IsZero() {
		msg.Header.Set(HeaderTime, m.Time.UTC().Format(time.RFC3339Nano))
	}
	if m.Stream != "" {
		msg.Header.Set(HeaderStream, m.Stream)
		msg.Header.Set(HeaderVersion, strconv.FormatInt(m.Version, 10))
	}
	opts := []jetstream.PublishOpt{jetstream.WithMsgID(m.ID)}
	if p.expect != "" {
		opts = append(opts, jetstream.WithExpectStream(p.expect))
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if _, err := p.js.PublishMsg(ctx, msg, opts...); err != nil {
		err = fmt.Errorf("nats: publish %s to %q: %w", m.ID, msg.Subject, err)
		if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrBadSubject) || errors.Is(err, jetstream.ErrInvalidSubject) {
			return outbox.Permanent(err)
		}
		return err
	}
	return nil
}
