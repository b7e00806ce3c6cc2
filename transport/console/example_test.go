package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/console"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

// The console next to REST, its recorder turning tracing on without any
// exporter: a call shows in the console's metrics and traces.
func Example() {
	c := console.New()
	tel, err := telemetry.New(context.Background(), telemetry.Config{}, telemetry.WithSpanProcessor(c.SpanProcessor()))
	if err != nil {
		panic(err)
	}
	a := app.New(app.Name("hello"), app.Logger(slog.New(slog.DiscardHandler)))
	tel.Install(a)
	app.Query(a, "hello", func(_ context.Context, in helloIn) (helloOut, error) {
		return helloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"))
	host := httpserver.New()
	a.Mount(host, rest.New(), c) // a.Run(host, rest.New(), c) in a service
	h, err := host.Handler(a)
	if err != nil {
		panic(err)
	}

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/hello/Ada", nil))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/_console/api/traces", nil))
	var traces struct {
		Traces []struct{ Name, Operation, Protocol, Status string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &traces); err != nil {
		panic(err)
	}
	for _, t := range traces.Traces {
		fmt.Println(t.Name, t.Operation, t.Protocol, t.Status)
	}
	// Output:
	// GET /hello/{name} hello rest ok
}
