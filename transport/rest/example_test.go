package rest_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/rest"
)

type EchoIn struct {
	Text string `json:"text" path:"text" validate:"max=10"`
}

type EchoOut struct {
	Text string `json:"text"`
}

// Handler serves an App over REST in process (here with httptest): the
// operation, its OpenAPI document, docs and problem+json errors.
func ExampleHandler() {
	a := app.New(app.Name("echo"))
	app.Query(a, "echo", func(_ context.Context, in EchoIn) (EchoOut, error) {
		return EchoOut(in), nil
	}, app.HTTP("GET", "/echo/{text}"))
	h, err := rest.Handler(a)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, path := range []string{"/echo/hi", "/echo/far-too-long-text", "/nope"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ", resp.Header.Get("Content-Type"), " ", string(body))
		if resp.StatusCode != 200 {
			fmt.Println()
		}
	}
	// Output:
	// 200 application/json {"text":"hi"}
	// 400 application/problem+json {"type":"about:blank","title":"Bad Request","status":400,"detail":"invalid text: must be at most 10 characters","instance":"/echo/far-too-long-text","code":"invalid_argument","violations":[{"field":"text","description":"must be at most 10 characters"}]}
	// 404 application/problem+json {"type":"about:blank","title":"Not Found","status":404,"detail":"no route for GET /nope","instance":"/nope","code":"not_found"}
}
