package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/allframe-go/allframe/cqrs/outbox"
)

// Defaults of the Publisher options.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultRetries    = 5
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 10 * time.Second
)

// Header names the Publisher sets on every request (with the message's
// id in each of the first three).
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderID             = "Webhook-Id"
	HeaderTimestamp      = "Webhook-Timestamp"
	HeaderSignature      = "Webhook-Signature"
)

// Publisher posts each message as JSON to one URL, one request at a time,
// in order. It implements outbox.Publisher.
type Publisher struct {
	url        string
	client     *http.Client
	timeout    time.Duration
	retries    int
	minBackoff time.Duration
	maxBackoff time.Duration
	secret     []byte
	header     http.Header
	now        func() time.Time
}

var _ outbox.Publisher = (*Publisher)(nil)

// Option configures a Publisher.
type Option func(*Publisher)

// WithClient sets the HTTP client. Default: a client of its own with no
// overall timeout (each attempt is bounded by WithTimeout).
func WithClient(c *http.Client) Option { return func(p *Publisher) { p.client = c } }

// WithTimeout bounds each attempt (connect, request and response). Default:
// DefaultTimeout (10s).
func WithTimeout(d time.Duration) Option { return func(p *Publisher) { p.timeout = d } }

// WithRetries sets how many times a message is retried after a retryable
// failure (a transport error, a timeout, 408, 429 or 5xx) before Publish
// gives up on it; the relay then retries from it later. Default:
// DefaultRetries (5).
func WithRetries(n int) Option { return func(p *Publisher) { p.retries = max(n, 0) } }

// WithBackoff sets the delays between retries: attempt k waits a random
// duration between half and all of minimum·2^k, at most maximum (or the
// response's Retry-After, within maximum). Default: DefaultMinBackoff
// (100ms) to DefaultMaxBackoff (10s).
func WithBackoff(minimum, maximum time.Duration) Option {
	return func(p *Publisher) { p.minBackoff, p.maxBackoff = max(minimum, 0), max(maximum, minimum, 0) }
}

// WithSecret signs every request with HMAC-SHA256 under secret, as the
// Standard Webhooks specification does: Webhook-Signature is "v1," and the
// base64 MAC of "<Webhook-Id>.<Webhook-Timestamp>.<body>". Receivers check
// it with Verify. Default: unsigned.
func WithSecret(secret []byte) Option { return func(p *Publisher) { p.secret = bytes.Clone(secret) } }

// WithHeader adds a header to every request (an Authorization, say).
// Default: none.
func WithHeader(key, value string) Option {
	return func(p *Publisher) { p.header.Add(key, value) }
}

// WithClock sets the clock of the Webhook-Timestamp header. Default:
// time.Now.
func WithClock(now func() time.Time) Option { return func(p *Publisher) { p.now = now } }

// New returns a Publisher that posts to url.
func New(url string, opts ...Option) *Publisher {
	p := &Publisher{
		url: url, client: &http.Client{}, timeout: DefaultTimeout, retries: DefaultRetries,
		minBackoff: DefaultMinBackoff, maxBackoff: DefaultMaxBackoff, header: http.Header{}, now: time.Now,
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Publish implements outbox.Publisher: it posts each message in turn and
// moves to the next once the receiver answers 2xx. A message that still
// fails after the retries, or that the receiver rejects (another 4xx:
// permanent, matching outbox.ErrPermanent), ends Publish with an
// *outbox.PublishError at its index.
//
// The body is the message as JSON: {"id", "topic", "key", "payload",
// "headers", "time", "stream", "version", "position"}.
func (p *Publisher) Publish(ctx context.Context, msgs []outbox.Message) error {
	for i, m := range msgs {
		if err := p.send(ctx, m); err != nil {
			return &outbox.PublishError{Index: i, Err: err}
		}
	}
	return nil
}

// send posts m until it is acknowledged, rejected, or out of retries.
func (p *Publisher) send(ctx context.Context, m outbox.Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return outbox.Permanent(fmt.Errorf("webhook: encode message %s: %w", m.ID, err))
	}
	for attempt := 0; ; attempt++ {
		wait, err := p.attempt(ctx, m.ID, body)
		if err == nil || errors.Is(err, outbox.ErrPermanent) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= p.retries {
			return fmt.Errorf("webhook: gave up after %d attempts: %w", attempt+1, err)
		}
		d := p.backoff(attempt)
		if wait > 0 {
			d = min(wait, p.maxBackoff)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff returns a random delay between half and all of
// minBackoff·2^attempt, at most maxBackoff.
func (p *Publisher) backoff(attempt int) time.Duration {
	d := min(p.minBackoff<<min(attempt, 30), p.maxBackoff)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1) //nolint:gosec // jitter needs no cryptographic randomness
}

// attempt posts body once. It returns nil on 2xx, a permanent error on a
// rejection, else a retryable error and the delay the receiver asked for
// (Retry-After), if any.
func (p *Publisher) attempt(ctx context.Context, id string, body []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return 0, outbox.Permanent(fmt.Errorf("webhook: %w", err))
	}
	for k, vs := range p.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotencyKey, id)
	req.Header.Set(HeaderID, id)
	ts := strconv.FormatInt(p.now().Unix(), 10)
	req.Header.Set(HeaderTimestamp, ts)
	if p.secret != nil {
		req.Header.Set(HeaderSignature, "v1,"+sign(p.secret, id, ts, body))
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook: post %s: %w", id, err)
	}
	defer func() { _ = resp.Body.Close() }()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return 0, nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return retryAfter(resp.Header.Get("Retry-After")), &StatusError{Code: code, Body: string(snippet)}
	default:
		return 0, outbox.Permanent(&StatusError{Code: code, Body: string(snippet)})
	}
}

// retryAfter parses a Retry-After header in seconds (0 when absent or a
// date).
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// StatusError is a response other than 2xx.
type StatusError struct {
	Code int
	// Body is the start of the response body.
	Body string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("webhook: %d %s", e.Code, http.StatusText(e.Code))
	if b := strings.TrimSpace(e.Body); b != "" {
		msg += ": " + b
	}
	return msg
}

func sign(secret []byte, id, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ErrSignature is returned by Verify for a request that is not signed
// with the secret.
var ErrSignature = errors.New("webhook: invalid signature")

// Verify checks, for a receiver, that a request carrying body and header h
// was signed with secret (see WithSecret). Webhook-Signature may hold
// several space-separated signatures (during a secret rotation); one must
// match. Receivers should also reject old Webhook-Timestamp values, to
// refuse replays.
func Verify(secret []byte, h http.Header, body []byte) error {
	want := sign(secret, h.Get(HeaderID), h.Get(HeaderTimestamp), body)
	for _, sig := range strings.Fields(h.Get(HeaderSignature)) {
		v, mac, ok := strings.Cut(sig, ",")
		if ok && v == "v1" && hmac.Equal([]byte(mac), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}
