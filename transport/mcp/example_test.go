package mcp_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/mcp"
)

type GreetIn struct {
	Name string `json:"name" validate:"required,max=64" doc:"Who to greet"`
}

type GreetOut struct {
	Message string `json:"message"`
}

// Every query and command becomes a tool; an MCP client of the Go SDK
// lists and calls them. With the HTTP host, mount mcp.New(mcp.WithAll())
// next to the other transports instead: a.Run(httpserver.New(),
// rest.New(), mcp.New(mcp.WithAll())) serves the tools at /mcp.
func ExampleHandler() {
	a := app.New(app.Name("greeter"))
	app.Query(a, "greet", func(_ context.Context, in GreetIn) (GreetOut, error) {
		return GreetOut{Message: "Hello, " + in.Name}, nil
	}, app.Describe("Greets someone."))

	h, err := mcp.Handler(a, mcp.WithAll())
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx := context.Background()
	client := sdk.NewClient(&sdk.Implementation{Name: "example", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		panic(err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		panic(err)
	}
	for _, t := range tools.Tools {
		fmt.Println(t.Name, "-", t.Description, "read-only:", t.Annotations.ReadOnlyHint)
	}
	for _, args := range []map[string]any{{"name": "Ada"}, {}} {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "greet", Arguments: args})
		if err != nil {
			panic(err)
		}
		fmt.Println(res.IsError, res.Content[0].(*sdk.TextContent).Text)
	}
	// Output:
	// greet - Greets someone. read-only: true
	// false {"message":"Hello, Ada"}
	// true {"code":"invalid_argument","message":"invalid name: is required","violations":[{"field":"name","description":"is required"}]}
}
