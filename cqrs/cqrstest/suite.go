package cqrstest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Open returns a new, empty store for one test and registers its cleanup
// (closing it) with tb.Cleanup.
type Open func(tb testing.TB) cqrs.Store

// Run runs every conformance test against stores from open.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		run  func(*testing.T, Open)
	}{
		{"AppendAndRead", testAppendAndRead},
		{"ExpectedVersion", testExpectedVersion},
		{"InvalidRequests", testInvalidRequests},
		{"DuplicateEventID", testDuplicateEventID},
		{"AppendCopiesInput", testAppendCopiesInput},
		{"CanceledContext", testCanceledContext},
		{"EventIDs", testEventIDs},
		{"ReadAllPagingAndFilters", testReadAllPagingAndFilters},
		{"ConcurrentAppendsOneStream", testConcurrentOneStream},
		{"ConcurrentAppendsManyStreams", testConcurrentManyStreams},
		{"SubscribeCatchUpThenLive", testSubscribeCatchUpThenLive},
		{"SubscribeFromPositionWithFilter", testSubscribeFiltered},
		{"SubscribeHandlerError", testSubscribeHandlerError},
		{"SlowSubscriberDoesNotBlockWriters", testSlowSubscriber},
		{"Snapshots", testSnapshots},
		{"SnapshotWithAppend", testSnapshotWithAppend},
		{"Checkpoints", testCheckpoints},
		{"IdempotencyRecords", testIdempotencyRecords},
		{"IdempotencyWithAppend", testIdempotencyWithAppend},
		{"Listers", testListers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open) })
	}
}

const waitTimeout = 10 * time.Second

// Event returns an event of type typ with a JSON payload.
func Event(typ, data string) cqrs.EventData {
	return cqrs.EventData{Type: typ, SchemaVersion: 1, Data: []byte(data)}
}

// Append appends events to stream at expected and fails tb on error.
func Append(tb testing.TB, s cqrs.EventStore, stream string, expected int64, events ...cqrs.EventData) cqrs.AppendResult {
	tb.Helper()
	res, err := s.Append(context.Background(), cqrs.AppendRequest{Stream: stream, StreamType: "test", ExpectedVersion: expected, Events: events})
	if err != nil {
		tb.Fatalf("append to %s at %d: %v", stream, expected, err)
	}
	return res
}

func readAll(tb testing.TB, s cqrs.EventStore) []cqrs.Event {
	tb.Helper()
	var out []cqrs.Event
	var after int64
	for {
		evs, err := s.ReadAll(context.Background(), after, 100, cqrs.Filter{})
		if err != nil {
			tb.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Position
	}
}

// summary is the comparable part of an event.
type summary struct {
	Stream  string
	Version int64
	Type    string
	Data    string
}

func summarize(evs []cqrs.Event) []summary {
	out := make([]summary, len(evs))
	for i, e := range evs {
		out[i] = summary{e.Stream, e.Version, e.Type, string(e.Data)}
	}
	return out
}

func testAppendAndRead(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	md := cqrs.Metadata{
		CorrelationID: "corr-1", CausationID: "cause-1", IdempotencyKey: "key-1",
		TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", TraceState: "vendor=x",
		User: map[string]string{"tenant": "acme"},
	}
	explicit := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	res, err := s.Append(ctx, cqrs.AppendRequest{
		Stream: "account-1", StreamType: "account", ExpectedVersion: cqrs.NoStream,
		Events: []cqrs.EventData{
			{Type: "Opened", SchemaVersion: 2, Data: []byte(`{"owner":"ada"}`), Metadata: md},
			{Type: "Deposited", Data: []byte(`{"amount":5}`), Time: explicit},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, cqrs.AppendResult{StreamVersion: 2, FirstPosition: res.FirstPosition, LastPosition: res.FirstPosition + 1}); diff != "" || res.FirstPosition < 1 {
		t.Errorf("append result %+v (-got +want):\n%s", res, diff)
	}
	Append(t, s, "account-2", cqrs.NoStream, Event("Opened", `{"owner":"bob"}`))
	got, err := s.ReadStream(ctx, "account-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("ReadStream returned %d events, want 2", len(got))
	}
	want := []cqrs.Event{
		{Stream: "account-1", StreamType: "account", Version: 1, Position: res.FirstPosition, Type: "Opened", SchemaVersion: 2, Data: []byte(`{"owner":"ada"}`), Metadata: md},
		{Stream: "account-1", StreamType: "account", Version: 2, Position: res.FirstPosition + 1, Type: "Deposited", SchemaVersion: 1, Data: []byte(`{"amount":5}`), Time: explicit},
	}
	if diff := cmp.Diff(got, want, cmpopts.IgnoreFields(cqrs.Event{}, "ID", "Time"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ReadStream (-got +want):\n%s", diff)
	}
	if got[0].ID == "" || got[0].ID == got[1].ID {
		t.Errorf("event ids %q, %q: want distinct, non-empty", got[0].ID, got[1].ID)
	}
	if got[0].Time.Before(before) || got[0].Time.After(time.Now().Add(time.Second)) {
		t.Errorf("store-assigned time %v is not now", got[0].Time)
	}
	if !got[1].Time.Equal(explicit) {
		t.Errorf("explicit time = %v, want %v", got[1].Time, explicit)
	}
	after, err := s.ReadStream(ctx, "account-1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summarize(after), []summary{{"account-1", 2, "Deposited", `{"amount":5}`}}); diff != "" {
		t.Errorf("ReadStream after 1 (-got +want):\n%s", diff)
	}
	for _, tt := range []struct {
		give  string
		after int64
		wantN int
	}{
		{give: "account-1", after: 2, wantN: 0},
		{give: "account-1", after: 99, wantN: 0},
		{give: "no-such-stream", after: 0, wantN: 0},
	} {
		evs, err := s.ReadStream(ctx, tt.give, tt.after)
		if err != nil || len(evs) != tt.wantN {
			t.Errorf("ReadStream(%q, %d) = %d events, %v; want %d, nil", tt.give, tt.after, len(evs), err, tt.wantN)
		}
	}
	head, err := s.Head(ctx)
	if err != nil || head != res.LastPosition+1 {
		t.Errorf("Head = %d, %v; want %d", head, err, res.LastPosition+1)
	}
}

func testExpectedVersion(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	Append(t, s, "s-2", cqrs.NoStream, Event("A", `{}`), Event("A", `{}`))
	tests := []struct {
		stream      string
		give        int64
		wantErr     bool
		wantActual  int64
		wantVersion int64
	}{
		{stream: "s-new", give: cqrs.NoStream, wantVersion: 1},
		{stream: "s-2", give: cqrs.NoStream, wantErr: true, wantActual: 2},
		{stream: "s-2", give: 1, wantErr: true, wantActual: 2},
		{stream: "s-2", give: 3, wantErr: true, wantActual: 2},
		{stream: "s-2", give: 2, wantVersion: 3},
		{stream: "s-2", give: cqrs.AnyVersion, wantVersion: 4},
		{stream: "s-2", give: cqrs.StreamExists, wantVersion: 5},
		{stream: "s-missing", give: cqrs.StreamExists, wantErr: true, wantActual: 0},
		{stream: "s-missing", give: 1, wantErr: true, wantActual: 0},
		{stream: "s-any", give: cqrs.AnyVersion, wantVersion: 1},
	}
	for _, tt := range tests {
		head0, _ := s.Head(ctx)
		res, err := s.Append(ctx, cqrs.AppendRequest{Stream: tt.stream, ExpectedVersion: tt.give, Events: []cqrs.EventData{Event("A", `{}`)}})
		var ce *cqrs.ConflictError
		switch {
		case tt.wantErr && !errors.As(err, &ce):
			t.Errorf("append %s at %d: err %v, want a *ConflictError", tt.stream, tt.give, err)
		case tt.wantErr:
			if diff := cmp.Diff(*ce, cqrs.ConflictError{Stream: tt.stream, Expected: tt.give, Actual: tt.wantActual}); diff != "" {
				t.Errorf("conflict (-got +want):\n%s", diff)
			}
			if !errors.Is(err, cqrs.ErrConflict) {
				t.Errorf("errors.Is(%v, ErrConflict) = false", err)
			}
			if head, _ := s.Head(ctx); head != head0 {
				t.Errorf("failed append moved head from %d to %d", head0, head)
			}
		case err != nil:
			t.Errorf("append %s at %d: %v", tt.stream, tt.give, err)
		case res.StreamVersion != tt.wantVersion:
			t.Errorf("append %s at %d: version %d, want %d", tt.stream, tt.give, res.StreamVersion, tt.wantVersion)
		}
	}
}

func testInvalidRequests(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	tests := []struct {
		name string
		give cqrs.AppendRequest
	}{
		{"empty stream", cqrs.AppendRequest{Events: []cqrs.EventData{Event("A", `{}`)}}},
		{"no events", cqrs.AppendRequest{Stream: "s"}},
		{"event without type", cqrs.AppendRequest{Stream: "s", Events: []cqrs.EventData{{Data: []byte(`{}`)}}}},
		{"negative schema version", cqrs.AppendRequest{Stream: "s", Events: []cqrs.EventData{{Type: "A", SchemaVersion: -1}}}},
		{"bad expected version", cqrs.AppendRequest{Stream: "s", ExpectedVersion: -7, Events: []cqrs.EventData{Event("A", `{}`)}}},
		{"idempotency without key", cqrs.AppendRequest{Stream: "s", Events: []cqrs.EventData{Event("A", `{}`)}, Idempotency: &cqrs.IdempotencyRecord{Scope: "op"}}},
	}
	for _, tt := range tests {
		_, err := s.Append(ctx, tt.give)
		if !errors.Is(err, cqrs.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
		}
	}
	if head, err := s.Head(ctx); err != nil || head != 0 {
		t.Errorf("invalid appends wrote: head = %d, %v", head, err)
	}
}

func testDuplicateEventID(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	id := cqrs.NewID()
	e := Event("A", `{}`)
	e.ID = id
	Append(t, s, "s-1", cqrs.NoStream, e)
	got, _ := s.ReadStream(ctx, "s-1", 0)
	if len(got) != 1 || got[0].ID != id {
		t.Fatalf("explicit id not kept: %+v", got)
	}
	for _, tt := range []struct {
		name string
		give []cqrs.EventData
	}{
		{"existing id", []cqrs.EventData{Event("B", `{}`), e}},
		{"repeated within the append", func() []cqrs.EventData {
			a, b := Event("B", `{}`), Event("B", `{}`)
			a.ID, b.ID = "dup-1", "dup-1"
			return []cqrs.EventData{a, b}
		}()},
	} {
		_, err := s.Append(ctx, cqrs.AppendRequest{Stream: "s-2", ExpectedVersion: cqrs.AnyVersion, Events: tt.give})
		if !errors.Is(err, cqrs.ErrDuplicateID) {
			t.Errorf("%s: err = %v, want ErrDuplicateID", tt.name, err)
		}
	}
	if evs, _ := s.ReadStream(ctx, "s-2", 0); len(evs) != 0 {
		t.Errorf("a failed append wrote %d events", len(evs))
	}
	// The store still works after the failures.
	Append(t, s, "s-2", cqrs.NoStream, Event("C", `{}`))
}

func testAppendCopiesInput(t *testing.T, open Open) {
	s := open(t)
	data := []byte(`{"n":1}`)
	user := map[string]string{"k": "v"}
	e := Event("A", "")
	e.Data, e.Metadata.User = data, user
	Append(t, s, "s", cqrs.NoStream, e)
	copy(data, `{"n":9}`)
	user["k"] = "changed"
	got, err := s.ReadStream(context.Background(), "s", 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("ReadStream = %v, %v", got, err)
	}
	if string(got[0].Data) != `{"n":1}` || got[0].Metadata.User["k"] != "v" {
		t.Errorf("store shares the caller's buffers: data %s, user %v", got[0].Data, got[0].Metadata.User)
	}
}

func testCanceledContext(t *testing.T, open Open) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Append(ctx, cqrs.AppendRequest{Stream: "s", Events: []cqrs.EventData{Event("A", `{}`)}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("append with canceled ctx: %v, want context.Canceled", err)
	}
	if head, _ := s.Head(context.Background()); head != 0 {
		t.Errorf("append with canceled ctx wrote: head %d", head)
	}
	err = s.Subscribe(ctx, 0, cqrs.Filter{}, func([]cqrs.Event) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("subscribe with canceled ctx: %v, want context.Canceled", err)
	}
}

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func testEventIDs(t *testing.T, open Open) {
	s := open(t)
	for i := range 50 {
		Append(t, s, fmt.Sprintf("s-%d", i%5), cqrs.AnyVersion, Event("A", `{}`), Event("B", `{}`))
	}
	evs := readAll(t, s)
	if len(evs) != 100 {
		t.Fatalf("read %d events, want 100", len(evs))
	}
	for i, e := range evs {
		if !uuidV7.MatchString(e.ID) {
			t.Fatalf("event id %q is not a UUIDv7", e.ID)
		}
		if i > 0 && e.ID <= evs[i-1].ID {
			t.Fatalf("ids not time-ordered: %s at position %d after %s", e.ID, e.Position, evs[i-1].ID)
		}
	}
}

func testReadAllPagingAndFilters(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	for i := range 30 {
		stream, typ := fmt.Sprintf("a-%d", i%3), "account"
		if i%2 == 1 {
			stream, typ = fmt.Sprintf("o-%d", i%3), "order"
		}
		_, err := s.Append(ctx, cqrs.AppendRequest{Stream: stream, StreamType: typ, ExpectedVersion: cqrs.AnyVersion,
			Events: []cqrs.EventData{Event(fmt.Sprintf("E%d", i%4), fmt.Sprintf(`{"i":%d}`, i))}})
		if err != nil {
			t.Fatal(err)
		}
	}
	all := readAll(t, s)
	if len(all) != 30 {
		t.Fatalf("read %d events, want 30", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Position <= all[i-1].Position {
			t.Fatalf("positions not increasing: %d after %d", all[i].Position, all[i-1].Position)
		}
	}
	page, err := s.ReadAll(ctx, all[9].Position, 5, cqrs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summarize(page), summarize(all[10:15])); diff != "" {
		t.Errorf("page after the 10th event (-got +want):\n%s", diff)
	}
	if evs, err := s.ReadAll(ctx, all[29].Position, 10, cqrs.Filter{}); err != nil || len(evs) != 0 {
		t.Errorf("ReadAll past the head = %d events, %v", len(evs), err)
	}
	filters := []cqrs.Filter{
		{Streams: []string{"a-0"}},
		{Streams: []string{"a-0", "o-1"}},
		{StreamTypes: []string{"order"}},
		{EventTypes: []string{"E1", "E2"}},
		{StreamTypes: []string{"account"}, EventTypes: []string{"E0"}},
		{Streams: []string{"a-1"}, EventTypes: []string{"E3"}},
		{Streams: []string{"nope"}},
	}
	for _, f := range filters {
		var want []cqrs.Event
		for i := range all {
			if f.Match(&all[i]) && all[i].Position > all[4].Position {
				want = append(want, all[i])
			}
		}
		var got []cqrs.Event
		after := all[4].Position
		for {
			evs, err := s.ReadAll(ctx, after, 2, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) > 2 {
				t.Fatalf("filter %+v: limit 2 returned %d events", f, len(evs))
			}
			if len(evs) == 0 {
				break
			}
			got = append(got, evs...)
			after = evs[len(evs)-1].Position
		}
		if diff := cmp.Diff(summarize(got), summarize(want), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("filter %+v (-got +want):\n%s", f, diff)
		}
	}
}

func testConcurrentOneStream(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	const workers, attempts = 8, 25
	var wins, conflicts atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range attempts {
				evs, err := s.ReadStream(ctx, "hot", 0)
				if err != nil {
					t.Error(err)
					return
				}
				_, err = s.Append(ctx, cqrs.AppendRequest{Stream: "hot", ExpectedVersion: int64(len(evs)),
					Events: []cqrs.EventData{Event("Inc", fmt.Sprintf(`{"w":%d,"i":%d}`, w, i))}})
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, cqrs.ErrConflict):
					conflicts.Add(1)
				default:
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	evs, err := s.ReadStream(ctx, "hot", 0)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(evs)) != wins.Load() || wins.Load()+conflicts.Load() != workers*attempts {
		t.Fatalf("%d events, %d wins, %d conflicts of %d attempts", len(evs), wins.Load(), conflicts.Load(), workers*attempts)
	}
	for i, e := range evs {
		if e.Version != int64(i+1) || i > 0 && e.Position <= evs[i-1].Position {
			t.Fatalf("event %d: version %d position %d (previous position %d)", i, e.Version, e.Position, evs[max(i-1, 0)].Position)
		}
	}
}

func testConcurrentManyStreams(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	const workers, appends = 16, 30
	results := make([][]cqrs.AppendResult, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			stream := fmt.Sprintf("w-%d", w)
			for i := range appends {
				res, err := s.Append(ctx, cqrs.AppendRequest{Stream: stream, ExpectedVersion: int64(2 * i),
					Events: []cqrs.EventData{Event("A", fmt.Sprintf(`{"i":%d}`, i)), Event("B", fmt.Sprintf(`{"i":%d}`, i))}})
				if err != nil {
					t.Error(err)
					return
				}
				results[w] = append(results[w], res)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all := readAll(t, s)
	if len(all) != workers*appends*2 {
		t.Fatalf("read %d events, want %d", len(all), workers*appends*2)
	}
	byPos := map[int64]cqrs.Event{}
	for i, e := range all {
		if i > 0 && e.Position <= all[i-1].Position {
			t.Fatalf("positions not increasing: %d after %d", e.Position, all[i-1].Position)
		}
		byPos[e.Position] = e
	}
	head, _ := s.Head(ctx)
	if head != all[len(all)-1].Position {
		t.Errorf("Head = %d, last position %d", head, all[len(all)-1].Position)
	}
	for w, rs := range results {
		stream := fmt.Sprintf("w-%d", w)
		for i, r := range rs {
			want := []summary{{stream, int64(2*i + 1), "A", fmt.Sprintf(`{"i":%d}`, i)}, {stream, int64(2*i + 2), "B", fmt.Sprintf(`{"i":%d}`, i)}}
			got := summarize([]cqrs.Event{byPos[r.FirstPosition], byPos[r.LastPosition]})
			if r.LastPosition != r.FirstPosition+1 || r.StreamVersion != int64(2*i+2) {
				t.Fatalf("result %+v of append %d to %s", r, i, stream)
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Fatalf("append %d to %s: events at its positions (-got +want):\n%s", i, stream, diff)
			}
		}
	}
}

// collector gathers subscription batches.
type collector struct {
	mu      sync.Mutex
	events  []cqrs.Event
	batches []int
	notify  chan struct{}
}

func newCollector() *collector { return &collector{notify: make(chan struct{}, 1)} }

func (c *collector) handle(evs []cqrs.Event) error {
	c.mu.Lock()
	c.events = append(c.events, evs...)
	c.batches = append(c.batches, len(evs))
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
	return nil
}

func (c *collector) waitFor(tb testing.TB, n int) []cqrs.Event {
	tb.Helper()
	deadline := time.After(waitTimeout)
	for {
		c.mu.Lock()
		got := slices.Clone(c.events)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-c.notify:
		case <-deadline:
			tb.Fatalf("subscription delivered %d events, want %d", len(got), n)
		}
	}
}

func subscribe(tb testing.TB, s cqrs.EventStore, after int64, f cqrs.Filter, h func([]cqrs.Event) error) (stop func() error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Subscribe(ctx, after, f, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(waitTimeout):
				err = errors.New("subscription did not end after cancel")
			}
		})
		return err
	}
	tb.Cleanup(func() { _ = stop() })
	return stop
}

func testSubscribeCatchUpThenLive(t *testing.T, open Open) {
	s := open(t)
	for i := range 5 {
		Append(t, s, "s-1", int64(i), Event("A", fmt.Sprintf(`{"i":%d}`, i)))
	}
	c := newCollector()
	stop := subscribe(t, s, 0, cqrs.Filter{}, c.handle)
	c.waitFor(t, 5)
	for i := range 5 {
		Append(t, s, fmt.Sprintf("s-%d", 2+i%2), cqrs.AnyVersion, Event("B", fmt.Sprintf(`{"i":%d}`, i)))
	}
	got := c.waitFor(t, 10)
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribe returned %v after cancel, want context.Canceled", err)
	}
	if diff := cmp.Diff(summarize(got), summarize(readAll(t, s))); diff != "" {
		t.Errorf("subscription (-got +want):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Position <= got[i-1].Position {
			t.Fatalf("subscription out of order: %d after %d", got[i].Position, got[i-1].Position)
		}
	}
}

func testSubscribeFiltered(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	appendTyped := func(stream, streamType, typ string) {
		t.Helper()
		if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: stream, StreamType: streamType, ExpectedVersion: cqrs.AnyVersion,
			Events: []cqrs.EventData{Event(typ, `{}`)}}); err != nil {
			t.Fatal(err)
		}
	}
	appendTyped("acc-1", "account", "Opened")
	appendTyped("acc-1", "account", "Deposited")
	appendTyped("ord-1", "order", "Placed")
	from, _ := s.Head(ctx)
	appendTyped("acc-2", "account", "Opened")
	filter := cqrs.Filter{StreamTypes: []string{"account"}, EventTypes: []string{"Deposited", "Withdrawn"}}
	c := newCollector()
	subscribe(t, s, 1, filter, c.handle)
	c.waitFor(t, 1) // the catch-up Deposited
	for range 600 { // more than one read batch of events that do not match
		appendTyped("ord-2", "order", "Deposited")
	}
	appendTyped("acc-2", "account", "Withdrawn")
	appendTyped("acc-1", "account", "Deposited")
	got := c.waitFor(t, 3)
	want := []summary{{"acc-1", 2, "Deposited", `{}`}, {"acc-2", 2, "Withdrawn", `{}`}, {"acc-1", 3, "Deposited", `{}`}}
	if diff := cmp.Diff(summarize(got), want); diff != "" {
		t.Errorf("filtered subscription (-got +want):\n%s", diff)
	}
	c2 := newCollector()
	subscribe(t, s, from, cqrs.Filter{Streams: []string{"acc-2"}}, c2.handle)
	got = c2.waitFor(t, 2)
	if diff := cmp.Diff(summarize(got), []summary{{"acc-2", 1, "Opened", `{}`}, {"acc-2", 2, "Withdrawn", `{}`}}); diff != "" {
		t.Errorf("stream subscription from %d (-got +want):\n%s", from, diff)
	}
}

func testSubscribeHandlerError(t *testing.T, open Open) {
	s := open(t)
	Append(t, s, "s", cqrs.NoStream, Event("A", `{}`))
	boom := errors.New("boom")
	done := make(chan error, 1)
	go func() {
		done <- s.Subscribe(context.Background(), 0, cqrs.Filter{}, func([]cqrs.Event) error { return boom })
	}()
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Errorf("Subscribe returned %v, want the handler's error", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Subscribe did not return the handler's error")
	}
}

func testSlowSubscriber(t *testing.T, open Open) {
	s := open(t)
	release := make(chan struct{})
	c := newCollector()
	var maxBatch atomic.Int64
	first := make(chan struct{})
	var once sync.Once
	Append(t, s, "s", cqrs.NoStream, Event("A", `{}`))
	subscribe(t, s, 0, cqrs.Filter{}, func(evs []cqrs.Event) error {
		once.Do(func() { close(first); <-release })
		if n := int64(len(evs)); n > maxBatch.Load() {
			maxBatch.Store(n)
		}
		return c.handle(evs)
	})
	select {
	case <-first:
	case <-time.After(waitTimeout):
		t.Fatal("subscription did not start")
	}
	// The subscriber is blocked; writers must not be: every append
	// completes while it stays blocked (a store that made writers wait for
	// readers would never finish this loop before release). The bound only
	// turns such a deadlock into a failure; it is generous because 1,500
	// sequential durable commits take seconds on a loaded machine.
	const n = 1500
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			if _, err := s.Append(context.Background(), cqrs.AppendRequest{Stream: "s", ExpectedVersion: int64(i + 1), Events: []cqrs.EventData{Event("A", fmt.Sprintf(`{"i":%d}`, i))}}); err != nil {
				t.Errorf("append %d: %v", i, err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("appends did not finish while a subscriber was blocked")
	}
	close(release)
	got := c.waitFor(t, n+1)
	if len(got) != n+1 {
		t.Errorf("got %d events, want %d", len(got), n+1)
	}
	for i, e := range got {
		if e.Version != int64(i+1) {
			t.Fatalf("event %d has version %d", i, e.Version)
		}
	}
	if m := maxBatch.Load(); m > cqrs.DefaultReadLimit {
		t.Errorf("a batch held %d events: the store read ahead more than %d", m, cqrs.DefaultReadLimit)
	}
}

func testSnapshots(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	if _, ok, err := s.LoadSnapshot(ctx, "s"); ok || err != nil {
		t.Fatalf("LoadSnapshot of nothing = %v, %v", ok, err)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	save := func(v int64, data string) {
		t.Helper()
		if err := s.SaveSnapshot(ctx, cqrs.Snapshot{Stream: "s", Version: v, Position: 10 * v, SchemaVersion: 2, Data: []byte(data), Time: at}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		give     int64
		giveData string
		want     int64
		wantData string
	}{
		{give: 3, giveData: `{"v":3}`, want: 3, wantData: `{"v":3}`},
		{give: 2, giveData: `{"v":2}`, want: 3, wantData: `{"v":3}`}, // older never replaces newer
		{give: 5, giveData: `{"v":5}`, want: 5, wantData: `{"v":5}`},
	}
	for _, tt := range tests {
		save(tt.give, tt.giveData)
		got, ok, err := s.LoadSnapshot(ctx, "s")
		if err != nil || !ok {
			t.Fatalf("LoadSnapshot = %v, %v", ok, err)
		}
		want := cqrs.Snapshot{Stream: "s", Version: tt.want, Position: 10 * tt.want, SchemaVersion: 2, Data: []byte(tt.wantData), Time: at}
		if diff := cmp.Diff(got, want, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
			t.Errorf("after saving version %d (-got +want):\n%s", tt.give, diff)
		}
	}
	if _, ok, _ := s.LoadSnapshot(ctx, "other"); ok {
		t.Error("snapshot leaked to another stream")
	}
}

func testSnapshotWithAppend(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	Append(t, s, "s", cqrs.NoStream, Event("A", `{}`))
	res, err := s.Append(ctx, cqrs.AppendRequest{Stream: "s", ExpectedVersion: 1,
		Events: []cqrs.EventData{Event("A", `{}`), Event("A", `{}`)}, Snapshot: &cqrs.Snapshot{SchemaVersion: 1, Data: []byte(`{"n":3}`)}})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.LoadSnapshot(ctx, "s")
	if err != nil || !ok {
		t.Fatalf("LoadSnapshot = %v, %v", ok, err)
	}
	want := cqrs.Snapshot{Stream: "s", Version: 3, Position: res.LastPosition, SchemaVersion: 1, Data: []byte(`{"n":3}`)}
	if diff := cmp.Diff(got, want, cmpopts.IgnoreFields(cqrs.Snapshot{}, "Time")); diff != "" {
		t.Errorf("snapshot saved with append (-got +want):\n%s", diff)
	}
	_, err = s.Append(ctx, cqrs.AppendRequest{Stream: "s", ExpectedVersion: 1,
		Events: []cqrs.EventData{Event("A", `{}`)}, Snapshot: &cqrs.Snapshot{SchemaVersion: 1, Data: []byte(`{"n":"stale"}`)}})
	if !errors.Is(err, cqrs.ErrConflict) {
		t.Fatalf("stale append: %v, want a conflict", err)
	}
	got, _, _ = s.LoadSnapshot(ctx, "s")
	if string(got.Data) != `{"n":3}` {
		t.Errorf("a failed append saved its snapshot: %s", got.Data)
	}
}

func testCheckpoints(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	if pos, err := s.LoadCheckpoint(ctx, "p1"); pos != 0 || err != nil {
		t.Fatalf("LoadCheckpoint of nothing = %d, %v", pos, err)
	}
	steps := []struct {
		name string
		give int64
	}{{"p1", 5}, {"p2", 7}, {"p1", 9}}
	want := map[string]int64{}
	for _, st := range steps {
		if err := s.SaveCheckpoint(ctx, st.name, st.give); err != nil {
			t.Fatal(err)
		}
		want[st.name] = st.give
		for name, w := range want {
			if got, err := s.LoadCheckpoint(ctx, name); got != w || err != nil {
				t.Errorf("LoadCheckpoint(%s) = %d, %v; want %d", name, got, err, w)
			}
		}
	}
	if err := s.SaveCheckpoint(ctx, "", 1); !errors.Is(err, cqrs.ErrInvalid) {
		t.Errorf("SaveCheckpoint with no name: %v, want ErrInvalid", err)
	}
}

func testIdempotencyRecords(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	if _, ok, err := s.LoadIdempotency(ctx, "deposit", "k1"); ok || err != nil {
		t.Fatalf("LoadIdempotency of nothing = %v, %v", ok, err)
	}
	old := time.Now().Add(-48 * time.Hour)
	first := cqrs.IdempotencyRecord{Scope: "deposit", Key: "k1", RequestHash: "h1", Response: []byte(`{"balance":5}`), Position: 3, Time: old}
	got, inserted, err := s.SaveIdempotency(ctx, first)
	if err != nil || !inserted {
		t.Fatalf("first SaveIdempotency = %v, %v", inserted, err)
	}
	opt := cmpopts.EquateApproxTime(time.Millisecond)
	if diff := cmp.Diff(got, first, opt); diff != "" {
		t.Errorf("inserted record (-got +want):\n%s", diff)
	}
	second := first
	second.RequestHash, second.Response, second.Time = "h2", []byte(`{"balance":9}`), time.Time{}
	got, inserted, err = s.SaveIdempotency(ctx, second)
	if err != nil || inserted {
		t.Fatalf("second SaveIdempotency = %v, %v; want not inserted", inserted, err)
	}
	if diff := cmp.Diff(got, first, opt); diff != "" {
		t.Errorf("second save returned (-got +want):\n%s", diff)
	}
	loaded, ok, err := s.LoadIdempotency(ctx, "deposit", "k1")
	if err != nil || !ok {
		t.Fatalf("LoadIdempotency = %v, %v", ok, err)
	}
	if diff := cmp.Diff(loaded, first, opt); diff != "" {
		t.Errorf("loaded record (-got +want):\n%s", diff)
	}
	other := cqrs.IdempotencyRecord{Scope: "withdraw", Key: "k1", RequestHash: "h3"}
	if _, inserted, err := s.SaveIdempotency(ctx, other); err != nil || !inserted {
		t.Errorf("same key in another scope: inserted %v, %v", inserted, err)
	}
	n, err := s.PurgeIdempotency(ctx, time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Errorf("PurgeIdempotency = %d, %v; want 1", n, err)
	}
	if _, ok, _ := s.LoadIdempotency(ctx, "deposit", "k1"); ok {
		t.Error("purged record still there")
	}
	if _, ok, _ := s.LoadIdempotency(ctx, "withdraw", "k1"); !ok {
		t.Error("purge removed a recent record")
	}
}

func testIdempotencyWithAppend(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	rec := &cqrs.IdempotencyRecord{Scope: "deposit", Key: "k", RequestHash: "h", Response: []byte(`{"ok":true}`)}
	res, err := s.Append(ctx, cqrs.AppendRequest{Stream: "s", ExpectedVersion: cqrs.NoStream, Events: []cqrs.EventData{Event("A", `{}`), Event("A", `{}`)}, Idempotency: rec})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.LoadIdempotency(ctx, "deposit", "k")
	if err != nil || !ok {
		t.Fatalf("record written with the append: %v, %v", ok, err)
	}
	want := cqrs.IdempotencyRecord{Scope: "deposit", Key: "k", RequestHash: "h", Response: []byte(`{"ok":true}`), Position: res.LastPosition}
	if diff := cmp.Diff(got, want, cmpopts.IgnoreFields(cqrs.IdempotencyRecord{}, "Time")); diff != "" || got.Time.IsZero() {
		t.Errorf("record (-got +want):\n%s (time %v)", diff, got.Time)
	}
	dupRec := &cqrs.IdempotencyRecord{Scope: "deposit", Key: "k", RequestHash: "h2"}
	_, err = s.Append(ctx, cqrs.AppendRequest{Stream: "s2", ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{Event("A", `{}`)}, Idempotency: dupRec})
	var de *cqrs.DuplicateError
	if !errors.As(err, &de) || !errors.Is(err, cqrs.ErrDuplicate) {
		t.Fatalf("append with a used key: %v, want a *DuplicateError", err)
	}
	if diff := cmp.Diff(de.Record, got, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Errorf("duplicate carries (-got +want):\n%s", diff)
	}
	if head, _ := s.Head(ctx); head != res.LastPosition {
		t.Errorf("a duplicate append wrote events: head %d, want %d", head, res.LastPosition)
	}
	// A conflicting append does not record its key.
	_, err = s.Append(ctx, cqrs.AppendRequest{Stream: "s", ExpectedVersion: 1, Events: []cqrs.EventData{Event("A", `{}`)},
		Idempotency: &cqrs.IdempotencyRecord{Scope: "deposit", Key: "k-conflict", RequestHash: "h"}})
	if !errors.Is(err, cqrs.ErrConflict) {
		t.Fatalf("stale append: %v", err)
	}
	if _, ok, _ := s.LoadIdempotency(ctx, "deposit", "k-conflict"); ok {
		t.Error("a failed append recorded its idempotency key")
	}
}
