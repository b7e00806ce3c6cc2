// Package jaegertest runs a real Jaeger (v1.76.0, the all-in-one v2 binary)
// for integration tests and reads traces back through its query API.
// Tests using it run only when ALLFRAME_JAEGER_TEST=1 and JAEGER_BIN names
// the binary; telemetry/testdata/jaeger.sh builds one outside the module
// and runs them.
package jaegertest

import (
	"bytes"
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
)

// config runs Jaeger v2 with in-memory storage, the OTLP/HTTP receiver and
// the query API, all on 127.0.0.1, and no self-telemetry port.
const config = `service:
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

// Jaeger is a running Jaeger.
type Jaeger struct {
	// OTLPEndpoint is the OTLP/HTTP endpoint for OTEL_EXPORTER_OTLP_ENDPOINT.
	OTLPEndpoint string
	// QueryURL is the base URL of the query API.
	QueryURL string
}

// Start starts Jaeger for the test, or skips the test naming what is
// missing. Jaeger is killed at cleanup.
func Start(t testing.TB) *Jaeger {
	t.Helper()
	if os.Getenv("ALLFRAME_JAEGER_TEST") != "1" {
		t.Skip("needs ALLFRAME_JAEGER_TEST=1 and JAEGER_BIN=<jaeger v1.76.0 binary>; run telemetry/testdata/jaeger.sh")
	}
	bin := os.Getenv("JAEGER_BIN")
	if bin == "" {
		t.Fatal("ALLFRAME_JAEGER_TEST=1 but JAEGER_BIN is empty: set it to a jaeger v1.76.0 binary (telemetry/testdata/jaeger.sh builds one)")
	}
	otlpPort, queryPort, queryGRPCPort := freePort(t), freePort(t), freePort(t)
	cfgPath := filepath.Join(t.TempDir(), "jaeger.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, config, queryPort, queryGRPCPort, otlpPort), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "--config", "file:"+cfgPath) //nolint:gosec // G204: runs the Jaeger binary the test environment names in JAEGER_BIN
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start jaeger: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("jaeger output:\n%s", out.String())
		}
	})
	j := &Jaeger{
		OTLPEndpoint: "http://127.0.0.1:" + strconv.Itoa(otlpPort),
		QueryURL:     "http://127.0.0.1:" + strconv.Itoa(queryPort),
	}
	WaitFor(t, 60*time.Second, func() error {
		if err := dial(otlpPort); err != nil {
			return err
		}
		_, err := j.get("/api/services")
		return err
	})
	return j
}

// Span is one span as Jaeger stores it.
type Span struct {
	Service   string
	Name      string
	TraceID   string
	SpanID    string
	ParentID  string // the CHILD_OF reference, if any
	Tags      map[string]any
	StartTime int64
}

// Spans returns the spans of service found in Jaeger (up to 100 traces).
func (j *Jaeger) Spans(service string) ([]Span, error) {
	body, err := j.get("/api/traces?service=" + service + "&limit=100&lookback=1h")
	if err != nil {
		return nil, err
	}
	var out []Span
	for _, tr := range body.Data {
		for _, s := range tr.Spans {
			sp := Span{Service: tr.Processes[s.ProcessID].ServiceName, Name: s.OperationName, TraceID: s.TraceID,
				SpanID: s.SpanID, Tags: map[string]any{}, StartTime: s.StartTime}
			for _, ref := range s.References {
				if ref.RefType == "CHILD_OF" {
					sp.ParentID = ref.SpanID
				}
			}
			for _, tag := range s.Tags {
				sp.Tags[tag.Key] = tag.Value
			}
			out = append(out, sp)
		}
	}
	return out, nil
}

type traces struct {
	Data []struct {
		Spans []struct {
			TraceID       string `json:"traceID"`
			SpanID        string `json:"spanID"`
			OperationName string `json:"operationName"`
			ProcessID     string `json:"processID"`
			StartTime     int64  `json:"startTime"`
			References    []struct {
				RefType string `json:"refType"`
				SpanID  string `json:"spanID"`
			} `json:"references"`
			Tags []struct {
				Key   string `json:"key"`
				Value any    `json:"value"`
			} `json:"tags"`
		} `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
		} `json:"processes"`
	} `json:"data"`
}

func (j *Jaeger) get(path string) (*traces, error) {
	resp, err := http.Get(j.QueryURL + path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }() // read-only body: a close error changes nothing
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	var out traces
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	return &out, nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

func dial(port int) error {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// WaitFor retries f every 200ms until it succeeds or limit passes.
func WaitFor(t testing.TB, limit time.Duration, f func() error) {
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
