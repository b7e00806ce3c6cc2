package console_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/console"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/connect"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/mcp"
	"github.com/allframe-go/allframe/transport/rest"
)

type Shape interface{ isShape() }

type Circle struct {
	Radius float64 `json:"radius"`
}

type Square struct {
	Side float64 `json:"side"`
}

func (Circle) isShape() {}
func (Square) isShape() {}

type DrawIn struct {
	Name  string `json:"name" validate:"required"`
	Shape Shape  `json:"shape"`
}

type DrawOut struct {
	Name   string   `json:"name"`
	Shape  Shape    `json:"shape"`
	Tags   []string `json:"tags"`
	Nested struct {
		Depth int `json:"depth"`
	} `json:"nested"`
}

// TestOperationsEveryProtocol serves one operation on REST, GraphQL, gRPC,
// Connect and MCP and checks that api/info and api/operations describe
// each, and that the UI's recipe works: the GraphQL document with the form
// value as variables, and a Connect call on the path given.
func TestOperationsEveryProtocol(t *testing.T) {
	a := app.New(app.Name("shapes"), app.Logger(slog.New(slog.DiscardHandler)), app.DrainDelay(0))
	app.OneOf[Shape](a, app.Variant[Circle](), app.Variant[Square]())
	app.Command(a, "draw", func(_ context.Context, in DrawIn) (DrawOut, error) {
		out := DrawOut{Name: in.Name, Shape: in.Shape, Tags: []string{"x"}}
		out.Nested.Depth = 1
		return out, nil
	})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	glis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.Mount(httpserver.New(httpserver.WithListener(lis)), rest.New(rest.WithDocs(false)), graphql.New(),
		grpc.New(grpc.WithListener(glis), grpc.WithHTTPProtocols(connect.New())), mcp.New(mcp.WithAll()), console.New())
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Stop(ctx)
	})
	base := "http://" + lis.Addr().String()
	s := &service{base: base}

	var info struct {
		Protocols map[string]map[string]any
	}
	s.getJSON(t, "info", &info)
	if info.Protocols["grpc"]["addr"] != glis.Addr().String() || info.Protocols["grpc"]["service"] != "shapes.v1.ShapesService" ||
		info.Protocols["graphql"]["path"] != "/graphql" || info.Protocols["mcp"]["path"] != "/mcp" || info.Protocols["connect"] == nil || info.Protocols["rest"] == nil {
		t.Errorf("protocols = %v", info.Protocols)
	}

	var ops struct {
		Operations []struct {
			Name      string
			Input     map[string]any
			Output    map[string]any
			Endpoints []map[string]any
		}
	}
	s.getJSON(t, "operations", &ops)
	if len(ops.Operations) != 1 {
		t.Fatalf("operations = %+v", ops)
	}
	op := ops.Operations[0]
	if defs, _ := op.Input["$defs"].(map[string]any); defs == nil || !strings.Contains(mustJSON(t, op.Input), `"#/$defs/`) {
		t.Errorf("input schema is not self-contained with $defs: %s", mustJSON(t, op.Input))
	}
	byProto := map[string]map[string]any{}
	for _, e := range op.Endpoints {
		byProto[e["protocol"].(string)] = e
	}
	if len(byProto) != 5 {
		t.Fatalf("endpoints = %v", op.Endpoints)
	}
	if byProto["grpc"]["method"] != "/shapes.v1.ShapesService/Draw" || byProto["connect"]["path"] != "/shapes.v1.ShapesService/Draw" ||
		byProto["mcp"]["tool"] != "draw" || byProto["rest"]["path"] != "/draw" {
		t.Errorf("endpoints = %v", byProto)
	}

	// The UI fills the document's variables with the form value as is.
	gq := byProto["graphql"]
	if gq["variables"] != "fields" || gq["operationType"] != "mutation" {
		t.Fatalf("graphql endpoint = %v", gq)
	}
	form := map[string]any{"name": "c1", "shape": map[string]any{"circle": map[string]any{"radius": 2}}}
	body := mustJSON(t, map[string]any{"query": gq["document"], "variables": form})
	code, _, b := do(t, http.MethodPost, base+"/graphql", body)
	var res struct {
		Data struct {
			Draw map[string]any `json:"draw"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(b, &res); code != http.StatusOK || err != nil || len(res.Errors) > 0 {
		t.Fatalf("GraphQL %s: %d %s", gq["document"], code, b)
	}
	draw := res.Data.Draw
	shape, _ := draw["shape"].(map[string]any)
	if draw["name"] != "c1" || shape["__typename"] != "Circle" || shape["radius"] != 2.0 || mustJSON(t, draw["nested"]) != `{"depth":1}` {
		t.Errorf("GraphQL data = %s (document %s)", b, gq["document"])
	}

	// Connect: POST JSON on the path.
	code, _, b = do(t, http.MethodPost, base+byProto["connect"]["path"].(string), `{"name":"s1","shape":{"square":{"side":3}}}`)
	if code != http.StatusOK || !strings.Contains(string(b), `"s1"`) {
		t.Errorf("Connect: %d %s", code, b)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
