package graphql_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/allframe-go/allframe/app"
	graphql "github.com/allframe-go/allframe/transport/graphql"
)

func ExampleHandler() {
	type GreetIn struct {
		Name string `json:"name" validate:"required,max=64"`
	}
	type GreetOut struct {
		Message string `json:"message"`
	}
	a := app.New()
	app.Query(a, "greet", func(_ context.Context, in GreetIn) (GreetOut, error) {
		return GreetOut{Message: "Hello, " + in.Name + "!"}, nil
	})
	h, err := graphql.Handler(a)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/graphql", "application/json",
		strings.NewReader(`{"query": "{ greet(name: \"Ada\") { message } }"}`))
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, string(body))
	// Output:
	// 200 {"data":{"greet":{"message":"Hello, Ada!"}}}
}
