package mcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/allframe-go/allframe/transport/mcp"
)

type streamOut struct {
	Items    []Event `json:"items"`
	Complete bool    `json:"complete"`
}

// progress records the progress notifications a client receives.
type progress struct {
	mu    sync.Mutex
	items []Event
}

func (p *progress) handler(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
	var e Event
	if err := json.Unmarshal([]byte(req.Params.Message), &e); err != nil {
		panic(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.items = append(p.items, e)
}

func (p *progress) got() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.items...)
}

func TestStreamTool(t *testing.T) {
	s := startService(t, mcp.WithAll(), mcp.WithStreamLimits(3, 300*time.Millisecond))
	var p progress
	cs := connect(t, s, http.Header{"X-Api-Key": {apiKey}}, &sdk.ClientOptions{ProgressNotificationHandler: p.handler})
	acc := decodeResult[Account](t, callTool(t, cs, "openAccount", map[string]any{"owner": "ada"}))
	for i := range 4 {
		decodeResult[Account](t, callTool(t, cs, "deposit", map[string]any{"id": acc.ID, "amount": 10 * (i + 1)}))
	}
	all := []Event{{1, 10}, {2, 20}, {3, 30}, {4, 40}}

	tests := []struct {
		name  string
		give  map[string]any
		token bool
		want  streamOut
	}{
		{name: "ended", give: map[string]any{"id": acc.ID, "after": 2}, want: streamOut{Items: all[2:], Complete: true}},
		{name: "item limit", give: map[string]any{"id": acc.ID}, want: streamOut{Items: all[:3]}},
		{name: "window", give: map[string]any{"id": acc.ID, "after": 3, "live": true}, want: streamOut{Items: all[3:]}},
		{name: "progress", give: map[string]any{"id": acc.ID, "after": 1}, token: true, want: streamOut{Items: all[1:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := &sdk.CallToolParams{Name: "accountEvents", Arguments: tt.give}
			if tt.token {
				params.SetProgressToken("tok-1")
			}
			res, err := cs.CallTool(t.Context(), params)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeResult[streamOut](t, res)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("result (-got +want):\n%s", diff)
			}
		})
	}
	// The client handles notifications apart from responses: they may
	// reach the handler after the result.
	testenv.Eventually(t, 5*time.Second, func() bool { return len(p.got()) == 3 })
	if diff := cmp.Diff(p.got(), all[1:]); diff != "" {
		t.Errorf("progress notifications (-got +want):\n%s", diff)
	}

	e := toolErr(t, callTool(t, cs, "accountEvents", map[string]any{"id": ""}))
	if e.Code != "invalid_argument" {
		t.Errorf("invalid stream input: code %q, want invalid_argument", e.Code)
	}
}

// TestStopEndsStreamTools checks that stopping the App ends a stream tool
// call in flight at once (its context ends) instead of draining for the
// whole window, and the client gets what was collected, incomplete.
func TestStopEndsStreamTools(t *testing.T) {
	s := startService(t, mcp.WithAll(), mcp.WithStreamLimits(10, time.Minute))
	cs := connect(t, s, nil, nil)
	acc := decodeResult[Account](t, callTool(t, cs, "openAccount", map[string]any{"owner": "ada"}))
	type reply struct {
		res *sdk.CallToolResult
		err error
	}
	done := make(chan reply, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "accountEvents",
			Arguments: map[string]any{"id": acc.ID, "live": true}})
		done <- reply{res, err}
	}()
	// Wait until the call is in flight: the stop hook runs once, for it.
	time.Sleep(100 * time.Millisecond) //nolint:forbidigo // no signal from inside the SDK's server; a late start only makes the test pass trivially
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.app.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop took %v with a stream tool in flight", d)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("the call in flight failed: %v", r.err)
	}
	if got := decodeResult[streamOut](t, r.res); got.Complete {
		t.Errorf("a stream ended by Stop reports complete: %+v", got)
	}
}
