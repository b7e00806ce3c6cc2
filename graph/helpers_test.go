package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

// Hello is the hello world of the examples.
type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64" doc:"Who to greet"`
}

type HelloOut struct {
	Message string `json:"message" doc:"The greeting"`
}

func hello(_ context.Context, in HelloIn) (HelloOut, error) {
	return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
}

func newHelloApp(opts ...app.Option) *app.App {
	a := app.New(append([]app.Option{app.Name("hello"), app.Version("1.0.0")}, opts...)...)
	app.Query(a, "hello", hello, app.HTTP("GET", "/hello/{name}"), app.Describe("Greets someone"))
	return a
}

// Color is a valid GraphQL enum.
type Color string

func (Color) EnumValues() []string { return []string{"RED", "GREEN", "BLUE"} }

// Doc documents Color.
func (Color) Doc() string { return "A primary colour." }

// Mood has values that are not GraphQL names, so it is exposed as String.
type Mood string

func (Mood) EnumValues() []string { return []string{"very-happy", "sad"} }

// Address is a nested struct used as input and output.
type Address struct {
	Street string `json:"street" doc:"Street and number"`
	Zip    string `json:"zip,omitempty" validate:"omitempty,len=5"`
}

// Doc documents Address.
func (Address) Doc() string { return "A postal address." }

// Values holds one field of every kind; echo returns its input.
type Values struct {
	S     string          `json:"s"`
	B     bool            `json:"b"`
	I     int             `json:"i"`
	I8    int8            `json:"i8"`
	I16   int16           `json:"i16"`
	I32   int32           `json:"i32"`
	I64   int64           `json:"i64"`
	U     uint            `json:"u"`
	U8    uint8           `json:"u8"`
	U16   uint16          `json:"u16"`
	U32   uint32          `json:"u32"`
	U64   uint64          `json:"u64"`
	F32   float32         `json:"f32"`
	F64   float64         `json:"f64"`
	T     time.Time       `json:"t"`
	D     time.Duration   `json:"d"`
	Raw   []byte          `json:"raw"`
	Any   any             `json:"any"`
	JS    json.RawMessage `json:"js"`
	M     map[string]int  `json:"m"`
	C     Color           `json:"c" doc:"Colour of the thing"`
	Mood  Mood            `json:"mood"`
	P     *string         `json:"p"`
	L     []string        `json:"l"`
	LP    []*int          `json:"lp"`
	Addr  Address         `json:"addr"`
	AddrP *Address        `json:"addrP"`
	Addrs []Address       `json:"addrs"`
	Opt   string          `json:"opt,omitempty"`
	Old   string          `json:"old" deprecated:"use s"`
}

// Node is recursive.
type Node struct {
	Name     string  `json:"name"`
	Children []*Node `json:"children,omitempty"`
}

// BigItem has an int that may not fit GraphQL's Int.
type BigItem struct {
	N     int    `json:"n"`
	Label string `json:"label"`
}

// BigOut has a strict and a lenient list.
type BigOut struct {
	Strict  []BigItem  `json:"strict"`
	Lenient []*BigItem `json:"lenient"`
}

// FailIn names the code to fail with.
type FailIn struct {
	Code string `json:"code" validate:"required"`
}

// CreateIn is a command input with a nested required struct.
type CreateIn struct {
	Title   string   `json:"title" validate:"required,min=3"`
	Address *Address `json:"address" validate:"required"`
	Tags    []string `json:"tags" validate:"max=3"`
	Legacy  string   `json:"legacy" deprecated:"true"`
	Nothing struct{} `json:"nothing"`
}

// CreateOut is the result of create.
type CreateOut struct {
	ID    int      `json:"id"`
	Title string   `json:"title"`
	Where *Address `json:"where"`
}

// Empty has no fields.
type Empty struct{}

// TicksIn configures ticks.
type TicksIn struct {
	N int `json:"n" validate:"min=0,max=100"`
}

// Tick is one item of ticks.
type Tick struct {
	Seq int `json:"seq"`
}

// newKitchenApp registers operations covering every type kind, errors and
// streams.
func newKitchenApp(opts ...app.Option) *app.App {
	quiet := app.Logger(slog.New(slog.DiscardHandler))
	a := app.New(append([]app.Option{app.Name("kitchen"), quiet}, opts...)...)
	app.Query(a, "echo", func(_ context.Context, in Values) (Values, error) { return in, nil },
		app.Describe("Returns its input.\nEvery kind of value, one field each."))
	app.Query(a, "tree", func(_ context.Context, _ Empty) (Node, error) {
		return Node{Name: "root", Children: []*Node{{Name: "a"}, {Name: "b", Children: []*Node{{Name: "b1"}}}}}, nil
	}, app.Summary("A small tree"))
	app.Query(a, "big", func(_ context.Context, _ Empty) (BigOut, error) {
		items := []BigItem{{N: 1, Label: "one"}, {N: 1 << 40, Label: "huge"}, {N: 3, Label: "three"}}
		return BigOut{Strict: items, Lenient: []*BigItem{&items[0], &items[1], nil, &items[2]}}, nil
	})
	app.Query(a, "fail", func(_ context.Context, in FailIn) (Empty, error) {
		switch in.Code {
		case "panic":
			panic("boom")
		case "plain":
			return Empty{}, errors.New("db password is hunter2")
		}
		code, ok := app.ParseCode(in.Code)
		if !ok {
			return Empty{}, app.NewError(app.CodeInvalidArgument, "unknown code "+in.Code)
		}
		return Empty{}, app.NewError(code, "failed with "+in.Code).WithDetail("code", in.Code)
	}, app.Deprecated("use something else"))
	app.Command(a, "create", func(_ context.Context, in CreateIn) (CreateOut, error) {
		return CreateOut{ID: 7, Title: in.Title, Where: in.Address}, nil
	}, app.Describe("Creates a thing"))
	app.Stream(a, "ticks", func(_ context.Context, in TicksIn, send func(Tick) error) error {
		for i := range in.N {
			if err := send(Tick{Seq: i + 1}); err != nil {
				return err
			}
		}
		if in.N == 13 {
			return app.NewError(app.CodeAborted, "unlucky")
		}
		return nil
	})
	return a
}

// server serves s with gqlgen's handler the way transport/graphql does,
// minus the transport's own extras.
func server(t testing.TB, s *graph.Schema, introspection bool) http.Handler {
	t.Helper()
	srv := handler.New(s.Executable())
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](100))
	if introspection {
		srv.Use(extension.Introspection{})
	}
	return srv
}

func mustSchema(t testing.TB, a *app.App, opts ...graph.Option) *graph.Schema {
	t.Helper()
	s, err := graph.New(a, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Locations  []any          `json:"locations,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// post runs query with vars and returns the decoded response.
func post(t testing.TB, h http.Handler, query string, vars map[string]any, header ...string) response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var resp response
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
	return resp
}
