package middleware_test

import (
	"context"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

func TestMaxStreams(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	stream := func(_ context.Context, call *app.Call) (any, error) {
		if call.Operation.Kind != app.OpStream || call.Protocol == app.ProtocolInProcess {
			return nil, nil
		}
		started <- struct{}{}
		<-release
		return nil, nil
	}
	h := middleware.MaxStreams(3, middleware.StreamsPer(2, middleware.PeerKey))(stream)
	results := make(chan error, 10)
	open := func(peer string) {
		go func() {
			_, err := h(context.Background(), &app.Call{Operation: tailOp, Protocol: app.ProtocolGRPC, Peer: peer})
			results <- err
		}()
	}
	refused := func(peer string) {
		t.Helper()
		_, err := h(context.Background(), &app.Call{Operation: tailOp, Protocol: app.ProtocolGRPC, Peer: peer})
		if e := app.ErrorFrom(err); e.Code != app.CodeResourceExhausted || e.Reason != middleware.ReasonTooManyStreams {
			t.Errorf("stream from %s: %v; want TOO_MANY_STREAMS", peer, err)
		}
	}
	open("a:1")
	open("a:1")
	<-started
	<-started
	refused("a:1") // two per connection
	open("b:1")
	<-started
	refused("c:1") // three in total
	// Queries and in-process streams are not counted.
	if _, err := h(context.Background(), &app.Call{Operation: queryOp, Protocol: app.ProtocolGRPC, Peer: "c:1"}); err != nil {
		t.Errorf("query: %v", err)
	}
	if _, err := h(context.Background(), &app.Call{Operation: tailOp, Protocol: app.ProtocolInProcess}); err != nil {
		t.Errorf("in process: %v", err)
	}
	close(release)
	for range 3 {
		if err := <-results; err != nil {
			t.Errorf("stream: %v", err)
		}
	}
	// Ended streams free their places (release stays closed).
	for range 3 {
		open("a:1")
		<-started
		if err := <-results; err != nil {
			t.Errorf("stream after the others ended: %v", err)
		}
	}
}
