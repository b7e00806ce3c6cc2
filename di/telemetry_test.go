package di_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/transport/rest"
)

func TestTelemetryMetricsOnRESTPort(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXPORTER", "prometheus")
	var tr *rest.Transport
	fxa := fxtest.New(t,
		di.Module(app.Name("hello")),
		di.Telemetry(),
		di.REST(rest.WithAddr("127.0.0.1:0")),
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
