package telemetry_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
)

// jaegerConfig runs Jaeger v2 with in-memory storage, the OTLP/HTTP
// receiver and the query API, all on 127.0.0.1, and no self-telemetry
// port.
const jaegerConfig = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: mem
    http:
      endpoint: 127.0.0.1:%d
    grpc:
      endpoint: 127.0.0.1:%d
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`

// TestJaeger sends spans through telemetry configured only by OTEL_*
// environment variables to a real Jaeger and reads them back through its
// query API. It runs when ALLFRAME_JAEGER_TEST=1 and JAEGER_BIN names a
// Jaeger v1.76.0 binary; telemetry/testdata/jaeger.sh builds one and runs
// this test.
func TestJaeger(t *testing.T) {
	if os.Getenv("ALLFRAME_JAEGER_TEST") != "1" {
		t.Skip("needs ALLFRAME_JAEGER_TEST=1 and JAEGER_BIN=<jaeger v1.76.0 binary>; run telemetry/testdata/jaeger.sh")
	}
	bin := os.Getenv("JAEGER_BIN")
	if bin == "" {
		t.Fatal("ALLFRAME_JAEGER_TEST=1 but JAEGER_BIN is empty: set it to a jaeger v1.76.0 binary (telemetry/testdata/jaeger.sh builds one)")
	}
	otlpPort, queryPort, queryGRPCPort := freePort(t), freePort(t), freePort(t)
	cfgPath := filepath.Join(t.TempDir(), "jaeger.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, jaegerConfig, queryPort, queryGRPCPort, otlpPort), 0o600); err != nil {
		t.Fatal(err)
	}
	var jaegerLog bytes.Buffer
	cmd := exec.Command(bin, "--config", "file:"+cfgPath)
	cmd.Stdout, cmd.Stderr = &jaegerLog, &jaegerLog
	if err := cmd.Start(); err != nil {
		t.Fatalf("start jaeger: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("jaeger output:\n%s", jaegerLog.String())
		}
	})
	query := "http://127.0.0.1:" + strconv.Itoa(queryPort)
	waitFor(t, 60*time.Second, func() error {
		if err := dial(otlpPort); err != nil {
			return err
		}
		_, err := getJSON(query + "/api/services")
		return err
	})

	// Configure telemetry purely from the environment, as a user would.
	service := "allframe-jaeger-" + randomHex(t, 4)
	t.Setenv("OTEL_SERVICE_NAME", service)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:"+strconv.Itoa(otlpPort))
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
	waitFor(t, 30*time.Second, func() error {
		body, err := getJSON(query + "/api/traces?service=" + service + "&limit=20&lookback=1h")
		if err != nil {
			return err
		}
		got = nil
		for _, tr := range body.Data {
			for _, s := range tr.Spans {
				if tr.Processes[s.ProcessID].ServiceName != service {
					continue
				}
				parent := ""
				for _, ref := range s.References {
					if ref.RefType == "CHILD_OF" {
						parent = ref.SpanID
					}
				}
				got = append(got, sent{name: s.OperationName, trace: s.TraceID, parent: parent})
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

// jaegerTraces is the part of Jaeger's /api/traces answer the test reads.
type jaegerTraces struct {
	Data []struct {
		Spans []struct {
			TraceID       string `json:"traceID"`
			SpanID        string `json:"spanID"`
			OperationName string `json:"operationName"`
			ProcessID     string `json:"processID"`
			References    []struct {
				RefType string `json:"refType"`
				SpanID  string `json:"spanID"`
			} `json:"references"`
		} `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
		} `json:"processes"`
	} `json:"data"`
}

func getJSON(url string) (*jaegerTraces, error) {
	resp, err := http.Get(url) //nolint:gosec // test-local URL on 127.0.0.1
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var out jaegerTraces
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return &out, nil
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func dial(port int) error {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

func waitFor(t *testing.T, limit time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v: %v", limit, err)
		}
		time.Sleep(200 * time.Millisecond)
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
