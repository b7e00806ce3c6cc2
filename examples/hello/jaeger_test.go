package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/internal/testkit/jaegertest"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// TestJaegerEveryProtocol is the "done when", automated: the hello
// service, configured only by OTEL_* variables, is called over REST, gRPC
// and GraphQL with a traceparent; each call appears in a real Jaeger as a
// SERVER span of service "hello", a child of the caller's span.
//
//	telemetry/testdata/jaeger.sh -run TestJaegerEveryProtocol ./examples/hello/
func TestJaegerEveryProtocol(t *testing.T) {
	j := jaegertest.Start(t)
	service := "hello-" + randomHex(t, 4)
	t.Setenv("OTEL_SERVICE_NAME", service)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", j.OTLPEndpoint)
	t.Setenv("OTEL_METRICS_EXPORTER", "prometheus") // Jaeger takes traces only; metrics on /metrics

	var rt *httpserver.Host
	var gt *grpc.Transport
	t.Setenv("ALLFRAME_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("ALLFRAME_GRPC_ADDR", "127.0.0.1:0")
	fxa := fxtest.New(t, options(
		di.Options(app.DrainDelay(0)),
		fx.Populate(&rt, &gt),
	))
	fxa.RequireStart()
	base := "http://" + rt.Addr().String()
	conn, err := grpcgo.NewClient(gt.Addr().String(), grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	gc, err := grpcjson.New(context.Background(), conn, "hello.v1.HelloService")
	if err != nil {
		t.Fatal(err)
	}

	type span struct{ Name, Trace, Parent string }
	var want []span
	call := func(name string, do func(traceparent string) error) {
		trace, parent := randomHex(t, 16), randomHex(t, 8)
		if err := do("00-" + trace + "-" + parent + "-01"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want = append(want, span{Name: name, Trace: trace, Parent: parent})
	}
	call("GET /hello/{name}", func(tp string) error {
		req, _ := http.NewRequest("GET", base+"/hello/Ada", nil)
		req.Header.Set("traceparent", tp)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		return err
	})
	call("hello.v1.HelloService/Hello", func(tp string) error {
		_, err := gc.Call(context.Background(), "hello.v1.HelloService/Hello", `{"name":"Ada"}`, "traceparent", tp)
		return err
	})
	call("query hello", func(tp string) error {
		req, _ := http.NewRequest("POST", base+"/graphql", strings.NewReader(`{"query":"{ hello(name: \"Ada\") { message } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("traceparent", tp)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		return err
	})
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, proto := range []string{"http", "grpc", "graphql"} {
		line := ""
		for l := range strings.SplitSeq(string(metrics), "\n") {
			if strings.HasPrefix(l, "allframe_operation_duration_seconds_count{") && strings.Contains(l, `operation="hello"`) && strings.Contains(l, `protocol="`+proto+`"`) {
				line = l
			}
		}
		if !strings.HasSuffix(line, " 1") {
			t.Errorf("/metrics has no count of 1 hello call over %s (line %q)", proto, line)
		}
	}
	fxa.RequireStop() // drains, then flushes the exporter

	var got []span
	jaegertest.WaitFor(t, 30*time.Second, func() error {
		spans, err := j.Spans(service)
		if err != nil {
			return err
		}
		got = got[:0]
		for _, s := range spans {
			if s.Tags["span.kind"] == "server" {
				got = append(got, span{Name: s.Name, Trace: s.TraceID, Parent: s.ParentID})
			}
		}
		if len(got) < len(want) {
			return fmt.Errorf("jaeger has %d server spans of %s, want %d", len(got), service, len(want))
		}
		return nil
	})
	byTrace := func(s []span) map[string]span {
		m := map[string]span{}
		for _, x := range s {
			m[x.Trace] = x
		}
		return m
	}
	if diff := cmp.Diff(byTrace(got), byTrace(want)); diff != "" {
		t.Errorf("server spans in Jaeger by trace id (-got +want):\n%s", diff)
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
