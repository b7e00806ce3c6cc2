package connect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"strings"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/connect"
	"github.com/allframe-go/allframe/transport/httpserver"
)

type GreetIn struct {
	Name string `json:"name" validate:"required"`
}

type GreetOut struct {
	Message string `json:"message"`
}

// A Connect call with JSON is a plain POST to the gRPC method's path on the
// HTTP port, as curl or a browser's fetch sends it.
func ExampleNew() {
	a := app.New(app.Name("greeter"), app.Logger(slog.New(slog.DiscardHandler)))
	app.Query(a, "greet", func(_ context.Context, in GreetIn) (GreetOut, error) {
		return GreetOut{Message: "Hello, " + in.Name + "!"}, nil
	})
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	a.Mount(host, grpc.New(grpc.WithAddr("127.0.0.1:0"), grpc.WithHTTPProtocols(connect.New())))
	if err := a.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	defer func() { _ = a.Stop(context.Background()) }()

	for _, body := range []string{`{"name":"Ada"}`, `{}`} {
		resp, err := http.Post("http://"+host.Addr().String()+"/greeter.v1.GreeterService/Greet", "application/json", strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		var out struct{ Message, Code string }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			log.Fatal(err)
		}
		_ = resp.Body.Close()
		fmt.Println(resp.StatusCode, out.Code, out.Message)
	}
	// Output:
	// 200  Hello, Ada!
	// 400 invalid_argument invalid name: is required
}
