package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./examples/hello -update to create it)", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("%s changed (-got +want); run with -update if intended:\n%s", path, diff)
	}
}

type server struct {
	http string
	grpc *grpcjson.Client
}

func start(t *testing.T) server {
	t.Helper()
	var rt *httpserver.Host
	var gt *grpc.Transport
	t.Setenv("ALLFRAME_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("ALLFRAME_GRPC_ADDR", "127.0.0.1:0")
	fxa := fxtest.New(t, options(
		di.Options(app.DrainDelay(0)),
		fx.Populate(&rt, &gt),
	))
	fxa.RequireStart()
	t.Cleanup(fxa.RequireStop)
	conn, err := grpcgo.NewClient(gt.Addr().String(), grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := grpcjson.New(context.Background(), conn, "hello.v1.HelloService")
	if err != nil {
		t.Fatal(err)
	}
	return server{http: "http://" + rt.Addr().String(), grpc: c}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func graphql(t *testing.T, base, query string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHelloOnEveryProtocol(t *testing.T) {
	s := start(t)
	long := strings.Repeat("a", 65)

	if code, body := get(t, s.http+"/hello/Ada"); code != 200 || body != "{\"message\":\"Hello, Ada!\"}\n" {
		t.Errorf("REST: %d %q", code, body)
	}
	code, body := get(t, s.http+"/hello/"+long)
	var p rest.Problem
	_ = json.Unmarshal([]byte(body), &p)
	if code != 400 || p.Code != "invalid_argument" || len(p.Violations) != 1 || p.Violations[0].Field != "name" {
		t.Errorf("REST long name: %d %s", code, body)
	}

	out, err := s.grpc.Call(context.Background(), "hello.v1.HelloService/Hello", `{"name":"Ada"}`)
	if err != nil || out != `{"message":"Hello, Ada!"}` {
		t.Errorf("gRPC: %s %v", out, err)
	}
	_, err = s.grpc.Call(context.Background(), "hello.v1.HelloService/Hello", `{"name":"`+long+`"}`)
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("gRPC long name: %v", err)
	}

	if code, body := graphql(t, s.http, `{ hello(name: "Ada") { message } }`); code != 200 || body != `{"data":{"hello":{"message":"Hello, Ada!"}}}` {
		t.Errorf("GraphQL: %d %s", code, body)
	}
	code, body = graphql(t, s.http, `{ hello(name: "`+long+`") { message } }`)
	if code != 200 || !strings.Contains(body, `"code":"INVALID_ARGUMENT"`) {
		t.Errorf("GraphQL long name: %d %s", code, body)
	}
}

func TestSchemasGolden(t *testing.T) {
	s := start(t)
	for _, tt := range []struct{ path, file string }{
		{"/openapi.json", "openapi.json"},
		{"/schema.graphql", "schema.graphql"},
		{"/service.proto", "service.proto"},
	} {
		code, body := get(t, s.http+tt.path)
		if code != 200 {
			t.Fatalf("GET %s = %d", tt.path, code)
		}
		golden(t, tt.file, []byte(body))
	}
}
