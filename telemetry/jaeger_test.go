package telemetry_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/jaegertest"
	"github.com/allframe-go/allframe/telemetry"
)

// TestJaeger sends spans through telemetry configured only by OTEL_*
// environment variables to a real Jaeger and reads them back through its
// query API (see internal/testkit/jaegertest for when it runs).
func TestJaeger(t *testing.T) {
	j := jaegertest.Start(t)

	// Configure telemetry purely from the environment, as a user would.
	service := "allframe-jaeger-" + randomHex(t, 4)
	t.Setenv("OTEL_SERVICE_NAME", service)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", j.OTLPEndpoint)
	t.Setenv("OTEL_METRICS_EXPORTER", "prometheus") // Jaeger takes no metrics
	cfg, err := telemetry.ConfigFromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tel, err := telemetry.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, tel.Middleware(telemetry.WithHTTPStatus(statusCode)))

	type sent struct {
		name          string // span name Jaeger shows as the operation
		trace, parent string // the caller's trace and span ids
	}
	var calls []sent
	for _, build := range []func(tp string) fakeCall{
		func(tp string) fakeCall { return httpCall("Ada", http.Header{"Traceparent": {tp}}) },
		func(tp string) fakeCall { return grpcCall("Ada", tp) },
		func(tp string) fakeCall { return graphqlCall("hello", &HelloIn{Name: "Ada"}, tp) },
	} {
		traceID, spanID := randomHex(t, 16), randomHex(t, 8)
		fc := build("00-" + traceID + "-" + spanID + "-01")
		if _, err := serve(ctx, a, fc); err != nil {
			t.Fatal(err)
		}
		name := map[app.Protocol]string{app.ProtocolHTTP: "GET /hello/{name}", app.ProtocolGRPC: "hello.v1.HelloService/Hello", app.ProtocolGraphQL: "query hello"}[fc.proto]
		calls = append(calls, sent{name: name, trace: traceID, parent: spanID})
	}
	if err := tel.Shutdown(ctx); err != nil { // flushes
		t.Fatalf("shutdown: %v", err)
	}

	// Read the traces back: every span under our service, a child of its
	// caller's span.
	var got []sent
	jaegertest.WaitFor(t, 30*time.Second, func() error {
		spans, err := j.Spans(service)
		if err != nil {
			return err
		}
		got = nil
		for _, sp := range spans {
			if sp.Service == service {
				got = append(got, sent{name: sp.Name, trace: sp.TraceID, parent: sp.ParentID})
			}
		}
		if len(got) < len(calls) {
			return fmt.Errorf("jaeger has %d spans of %s, want %d", len(got), service, len(calls))
		}
		return nil
	})
	byTrace := func(s []sent) map[string]sent {
		m := map[string]sent{}
		for _, x := range s {
			m[x.trace] = x
		}
		return m
	}
	if diff := cmp.Diff(byTrace(got), byTrace(calls), cmp.AllowUnexported(sent{})); diff != "" {
		t.Errorf("spans in jaeger by trace id (-got +want):\n%s", diff)
	}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
