package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/outbox"
	"github.com/allframe-go/allframe/cqrs/outbox/webhook"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 10 * time.Second

// receiver is a webhook endpoint that answers each request with the status
// answer returns (2xx: accepted) and records the accepted messages.
type receiver struct {
	srv    *httptest.Server
	answer func(n int, m outbox.Message) int // n counts requests from 1

	mu       sync.Mutex
	requests int
	accepted []outbox.Message
	headers  []http.Header
}

func newReceiver(t *testing.T, answer func(n int, m outbox.Message) int) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		var m outbox.Message
		if err == nil {
			err = json.Unmarshal(body, &m)
		}
		if err != nil || req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("bad request %s %q: %v", req.Method, body, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.requests++
		n := r.requests
		r.mu.Unlock()
		code := http.StatusOK
		if r.answer != nil {
			code = r.answer(n, m)
		}
		if code == 0 { // drop the connection
			panic(http.ErrAbortHandler)
		}
		if code >= 200 && code < 300 {
			r.mu.Lock()
			r.accepted = append(r.accepted, m)
			r.headers = append(r.headers, req.Header.Clone())
			r.mu.Unlock()
		}
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, "answer %d", code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) publisher(opts ...webhook.Option) *webhook.Publisher {
	opts = append([]webhook.Option{webhook.WithClient(r.srv.Client()), webhook.WithBackoff(time.Millisecond, 4*time.Millisecond)}, opts...)
	return webhook.New(r.srv.URL, opts...)
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

func msg(i int) outbox.Message {
	return outbox.Message{ID: fmt.Sprintf("id-%d", i), Topic: "t", Key: "k", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), Version: int64(i)}
}

func TestStatusCodes(t *testing.T) {
	tests := []struct {
		give      int
		permanent bool // else retried, then accepted
	}{
		{give: 200}, {give: 201}, {give: 204},
		{give: 408}, {give: 429}, {give: 500}, {give: 502}, {give: 503}, {give: 504},
		{give: 0}, // connection dropped
		{give: 400, permanent: true}, {give: 401, permanent: true}, {give: 403, permanent: true},
		{give: 404, permanent: true}, {give: 409, permanent: true}, {give: 422, permanent: true},
		{give: 301, permanent: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.give), func(t *testing.T) {
			r := newReceiver(t, func(n int, _ outbox.Message) int {
				if n == 1 {
					return tt.give
				}
				return http.StatusOK
			})
			err := r.publisher().Publish(context.Background(), []outbox.Message{msg(1)})
			ok := tt.give >= 200 && tt.give < 300
			wantRequests := map[bool]int{true: 1, false: 2}[ok || tt.permanent]
			if got := r.count(); got != wantRequests {
				t.Errorf("%d requests, want %d", got, wantRequests)
			}
			if tt.permanent {
				var se *webhook.StatusError
				var pe *outbox.PublishError
				if !errors.Is(err, outbox.ErrPermanent) || !errors.As(err, &se) || se.Code != tt.give ||
					!errors.As(err, &pe) || pe.Index != 0 || !strings.Contains(err.Error(), fmt.Sprintf("answer %d", tt.give)) {
					t.Errorf("error %v: want a permanent *StatusError %d at index 0 with the answer", err, tt.give)
				}
				return
			}
			if err != nil {
				t.Errorf("error %v, want the message accepted", err)
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	r := newReceiver(t, func(_ int, m outbox.Message) int {
		if m.ID == "id-2" {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	err := r.publisher(webhook.WithRetries(2)).Publish(context.Background(), []outbox.Message{msg(1), msg(2), msg(3)})
	var pe *outbox.PublishError
	if !errors.As(err, &pe) || pe.Index != 1 || errors.Is(err, outbox.ErrPermanent) || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("error %v: want a retryable PublishError at index 1 after 3 attempts", err)
	}
	if got := r.count(); got != 4 {
		t.Errorf("%d requests, want 1 + 3", got)
	}
}

func TestRetryAfterIsBounded(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	start := time.Now()
	if err := webhook.New(srv.URL, webhook.WithClient(srv.Client()), webhook.WithBackoff(time.Millisecond, 10*time.Millisecond)).
		Publish(context.Background(), []outbox.Message{msg(1)}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second || calls.Load() != 2 {
		t.Errorf("%d calls in %v: want 2, the Retry-After bounded by the maximum backoff", calls.Load(), d)
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if calls.Add(1) == 1 {
			select { // hang until the client gives up
			case <-req.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handler
	p := webhook.New(srv.URL, webhook.WithClient(srv.Client()), webhook.WithTimeout(50*time.Millisecond), webhook.WithBackoff(time.Millisecond, time.Millisecond))
	if err := p.Publish(context.Background(), []outbox.Message{msg(1)}); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

func TestCanceled(t *testing.T) {
	r := newReceiver(t, func(int, outbox.Message) int { return http.StatusBadGateway })
	ctx, cancel := context.WithCancel(context.Background())
	r.answer = func(n int, _ outbox.Message) int {
		if n == 2 {
			cancel()
		}
		return http.StatusBadGateway
	}
	err := r.publisher(webhook.WithRetries(1000)).Publish(ctx, []outbox.Message{msg(1)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestHeadersAndSignature(t *testing.T) {
	secret := []byte("s3cret")
	r := newReceiver(t, nil)
	at := time.Unix(1700000000, 0)
	p := r.publisher(webhook.WithSecret(secret), webhook.WithHeader("Authorization", "Bearer x"), webhook.WithClock(func() time.Time { return at }))
	m := msg(1)
	m.Headers = map[string]string{"tenant": "acme"}
	m.Time = at.UTC()
	if err := p.Publish(context.Background(), []outbox.Message{m}); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if diff := cmp.Diff(r.accepted, []outbox.Message{m}); diff != "" {
		t.Errorf("body (-got +want):\n%s", diff)
	}
	h := r.headers[0]
	for k, want := range map[string]string{
		webhook.HeaderIdempotencyKey: "id-1", webhook.HeaderID: "id-1", webhook.HeaderTimestamp: "1700000000", "Authorization": "Bearer x",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	body, _ := json.Marshal(m)
	if err := webhook.Verify(secret, h, body); err != nil {
		t.Errorf("Verify: %v", err)
	}
	rotated := h.Clone()
	rotated.Set(webhook.HeaderSignature, "v1,AAAA "+h.Get(webhook.HeaderSignature))
	if err := webhook.Verify(secret, rotated, body); err != nil {
		t.Errorf("Verify with two signatures: %v", err)
	}
	tests := []struct {
		name   string
		secret []byte
		header func(http.Header)
		body   []byte
	}{
		{"wrong secret", []byte("other"), nil, body},
		{"tampered body", secret, nil, append(slices.Clone(body[:len(body)-1]), ' ', '}')},
		{"other id", secret, func(h http.Header) { h.Set(webhook.HeaderID, "id-2") }, body},
		{"other time", secret, func(h http.Header) { h.Set(webhook.HeaderTimestamp, "1700000001") }, body},
		{"no signature", secret, func(h http.Header) { h.Del(webhook.HeaderSignature) }, body},
		{"other version", secret, func(h http.Header) {
			h.Set(webhook.HeaderSignature, "v2,"+strings.TrimPrefix(h.Get(webhook.HeaderSignature), "v1,"))
		}, body},
	}
	for _, tt := range tests {
		hh := h.Clone()
		if tt.header != nil {
			tt.header(hh)
		}
		if err := webhook.Verify(tt.secret, hh, tt.body); !errors.Is(err, webhook.ErrSignature) {
			t.Errorf("%s: Verify = %v, want ErrSignature", tt.name, err)
		}
	}
}

// Deposited is the domain event the relay tests publish.
type Deposited struct {
	Amount int64 `json:"amount"`
}

type relayFixture struct {
	bus   *cqrs.Bus
	relay *outbox.Relay
}

func newRelay(t *testing.T, pub outbox.Publisher, opts ...outbox.Option) *relayFixture {
	t.Helper()
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	a := app.New(app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	bus := cqrs.NewBus(a, store, reg, cqrs.WithProjectionRetry(time.Millisecond))
	opts = append(opts, outbox.Map(func(ev Deposited, e cqrs.Event) (outbox.Message, error) {
		return outbox.NewMessage("bank.deposited", e.Stream, ev)
	}))
	f := &relayFixture{bus: bus, relay: outbox.New(bus, "webhook", pub, opts...)}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return f
}

func (f *relayFixture) deposit(t *testing.T, stream string, amount int64) int64 {
	t.Helper()
	ed, err := f.bus.Registry().Encode(Deposited{Amount: amount})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.bus.Store().Append(context.Background(), cqrs.AppendRequest{Stream: stream, StreamType: "account", ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{ed}})
	if err != nil {
		t.Fatal(err)
	}
	return res.LastPosition
}

// A receiver that fails, drops connections and flaps: every deposit of
// several concurrent writers arrives, in log order, redeliveries carrying
// the same id and body.
func TestRelayToFlappingReceiver(t *testing.T) {
	r := newReceiver(t, func(n int, _ outbox.Message) int {
		switch n % 7 {
		case 1:
			return http.StatusServiceUnavailable
		case 3:
			return 0 // connection dropped
		}
		return http.StatusOK
	})
	// Also lose acknowledgements: the receiver accepts (records) the
	// message but answers 500, so it comes again.
	var lost atomic.Int32
	inner := r.srv.Config.Handler
	r.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK && lost.Add(1)%5 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(rec.Code)
	})
	f := newRelay(t, r.publisher(webhook.WithRetries(1)), outbox.WithBatchSize(7))
	const writers, each = 4, 25
	var wg sync.WaitGroup
	var last atomic.Int64
	for w := range writers {
		wg.Go(func() {
			for i := 1; i <= each; i++ {
				pos := f.deposit(t, fmt.Sprintf("account-%d", w), int64(i))
				for {
					old := last.Load()
					if pos <= old || last.CompareAndSwap(old, pos) {
						break
					}
				}
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := f.bus.Projections().WaitFor(ctx, last.Load(), f.relay.Name()); err != nil {
		st, _ := f.relay.Status(context.Background())
		t.Fatalf("relay: %v (%+v)", err, st)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	first := map[string]outbox.Message{}
	var order []outbox.Message // first deliveries
	var dups int
	for _, m := range r.accepted {
		if prev, ok := first[m.ID]; ok {
			dups++
			if diff := cmp.Diff(m, prev); diff != "" {
				t.Errorf("redelivery of %s differs (-again +first):\n%s", m.ID, diff)
			}
			continue
		}
		first[m.ID] = m
		order = append(order, m)
	}
	if len(order) != writers*each {
		t.Fatalf("%d distinct messages delivered, want %d", len(order), writers*each)
	}
	if dups == 0 {
		t.Error("no redeliveries: the receiver's lost acknowledgements were not exercised")
	}
	if !slices.IsSortedFunc(order, func(a, b outbox.Message) int { return int(a.Position - b.Position) }) {
		t.Error("first deliveries out of log order")
	}
	versions := map[string]int64{}
	for _, m := range order {
		if m.Version != versions[m.Stream]+1 {
			t.Errorf("stream %s: version %d after %d", m.Stream, m.Version, versions[m.Stream])
		}
		versions[m.Stream] = m.Version
		var d Deposited
		if err := json.Unmarshal(m.Payload, &d); err != nil || d.Amount != m.Version {
			t.Errorf("message %s payload %s, want amount %d", m.ID, m.Payload, m.Version)
		}
	}
	t.Logf("%d requests, %d accepted, %d redelivered", r.requests, len(r.accepted), dups)
}

// A receiver that rejects a message: the relay stops on it (status failed
// with the receiver's answer) and resumes once the receiver accepts it;
// with a dead letter it goes on at once.
func TestRelayRejected(t *testing.T) {
	var accept atomic.Bool
	r := newReceiver(t, func(_ int, m outbox.Message) int {
		if string(m.Payload) == `{"amount":2}` && !accept.Load() {
			return http.StatusUnprocessableEntity
		}
		return http.StatusOK
	})
	f := newRelay(t, r.publisher())
	f.deposit(t, "account-a", 1)
	f.deposit(t, "account-a", 2)
	last := f.deposit(t, "account-a", 3)
	var st cqrs.ProjectionStatus
	testenv.Eventually(t, wait, func() bool {
		st, _ = f.relay.Status(context.Background())
		return st.State == cqrs.StateFailed && st.Position == last-2 // the position as of the last retry
	})
	if !strings.Contains(st.Error, "422 Unprocessable Entity: answer 422") {
		t.Errorf("status %+v: want failed after the first message with the receiver's answer", st)
	}
	accept.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := f.bus.Projections().WaitFor(ctx, last, f.relay.Name()); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var got []string
	for _, m := range r.accepted {
		got = append(got, string(m.Payload))
	}
	if diff := cmp.Diff(got, []string{`{"amount":1}`, `{"amount":2}`, `{"amount":3}`}); diff != "" {
		t.Errorf("delivered (-got +want):\n%s", diff)
	}
}

func TestRelayDeadLetter(t *testing.T) {
	r := newReceiver(t, func(_ int, m outbox.Message) int {
		if string(m.Payload) == `{"amount":2}` {
			return http.StatusBadRequest
		}
		return http.StatusOK
	})
	dead := make(chan outbox.Message, 1)
	f := newRelay(t, r.publisher(), outbox.WithDeadLetter(func(_ context.Context, m outbox.Message, err error) error {
		var se *webhook.StatusError
		if !errors.As(err, &se) || se.Code != http.StatusBadRequest {
			t.Errorf("dead letter error %v, want the 400", err)
		}
		dead <- m
		return nil
	}))
	f.deposit(t, "account-a", 1)
	f.deposit(t, "account-a", 2)
	last := f.deposit(t, "account-a", 3)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := f.bus.Projections().WaitFor(ctx, last, f.relay.Name()); err != nil {
		t.Fatal(err)
	}
	if m := <-dead; string(m.Payload) != `{"amount":2}` {
		t.Errorf("dead letter %+v", m)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.accepted) != 2 || string(r.accepted[1].Payload) != `{"amount":3}` {
		t.Errorf("accepted %+v, want amounts 1 and 3", r.accepted)
	}
}
