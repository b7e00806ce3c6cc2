package di_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/consolefx"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/restfx"
	"github.com/allframe-go/allframe/di/telemetryfx"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// TestConsoleModule serves the console under fx with ALLFRAME_CONSOLE=on
// and no OTEL_* variable: the recorder alone turns tracing on, so a REST
// call's trace shows; with the variable unset, nothing is mounted.
func TestConsoleModule(t *testing.T) {
	for _, tt := range []struct {
		give string
		want int // status of GET /_console/api/traces
	}{{"on", http.StatusOK}, {"", http.StatusNotFound}} {
		t.Run("ALLFRAME_CONSOLE="+tt.give, func(t *testing.T) {
			t.Setenv("ALLFRAME_CONSOLE", tt.give)
			t.Setenv(app.AdminTokenEnv, "")
			var host *httpserver.Host
			fxa := fxtest.New(t,
				di.Module(app.Name("hello"), app.DrainDelay(0)),
				telemetryfx.Module(), consolefx.Module(),
				httpfx.Module(httpserver.WithAddr("127.0.0.1:0")), restfx.Module(),
				fx.Provide(NewGreeter), fx.Invoke(register), fx.Populate(&host),
				di.QuietLogger(),
			)
			fxa.RequireStart()
			defer fxa.RequireStop()
			base := "http://" + host.Addr().String()
			resp, err := http.Get(base + "/hello/Ada")
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			resp, err = http.Get(base + "/_console/api/traces?operation=hello")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("traces: %d %s", resp.StatusCode, body)
			}
			if tt.want != http.StatusOK {
				return
			}
			var got struct{ Traces []struct{ Operation, Protocol string } }
			if err := json.Unmarshal(body, &got); err != nil || len(got.Traces) != 1 || got.Traces[0].Protocol != "rest" {
				t.Errorf("traces = %s (%v)", body, err)
			}
		})
	}
}
