package di_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/restfx"
	"github.com/allframe-go/allframe/di/telemetryfx"
	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/httpserver"
)

func TestTelemetryMetricsOnRESTPort(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXPORTER", "prometheus")
	var tr *httpserver.Host
	fxa := fxtest.New(t,
		di.Module(app.Name("hello"), app.DrainDelay(0)),
		telemetryfx.Module(),
		httpfx.Module(httpserver.WithAddr("127.0.0.1:0")), restfx.Module(),
		fx.Provide(NewGreeter),
		fx.Invoke(register),
		fx.Populate(&tr),
		di.QuietLogger(),
	)
	fxa.RequireStart()
	defer fxa.RequireStop()
	base := "http://" + tr.Addr().String()
	for range 3 {
		resp, err := http.Get(base + "/hello/Ada")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var found bool
	for line := range strings.SplitSeq(string(body), "\n") {
		if strings.HasPrefix(line, "allframe_operation_duration_seconds_count{") &&
			strings.Contains(line, `operation="hello"`) && strings.Contains(line, `protocol="http"`) &&
			strings.HasSuffix(line, " 3") {
			found = true
		}
	}
	if resp.StatusCode != 200 || !found {
		t.Errorf("/metrics = %d; want a count of 3 hello calls over http in:\n%s", resp.StatusCode, body)
	}
}

func TestRequestLogsCarryTraceIDs(t *testing.T) {
	var buf syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	t.Setenv("OTEL_TRACES_EXPORTER", "console")
	var tr *httpserver.Host
	fxa := fxtest.New(t,
		di.Module(app.Name("hello"), app.DrainDelay(0)),
		telemetryfx.Module(telemetry.WithConsoleWriter(io.Discard)),
		telemetryfx.RequestLogging(),
		httpfx.Module(httpserver.WithAddr("127.0.0.1:0")), restfx.Module(),
		fx.Provide(NewGreeter),
		fx.Invoke(register),
		fx.Populate(&tr),
		di.QuietLogger(),
	)
	fxa.RequireStart()
	req, _ := http.NewRequest("GET", "http://"+tr.Addr().String()+"/hello/Ada", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fxa.RequireStop()
	var found bool
	for line := range strings.SplitSeq(buf.String(), "\n") {
		if strings.Contains(line, `"operation":"hello"`) && strings.Contains(line, `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) && strings.Contains(line, `"span_id":"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no request log record with the caller's trace id in:\n%s", buf.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
