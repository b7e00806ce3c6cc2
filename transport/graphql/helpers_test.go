package graphql_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/allframe-go/allframe/app"
	graphql "github.com/allframe-go/allframe/transport/graphql"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type HelloIn struct {
	Name string `json:"name" validate:"required,max=64" doc:"Who to greet"`
}

type HelloOut struct {
	Message string `json:"message" doc:"The greeting"`
}

type WhoAmIOut struct {
	Tenant string `json:"tenant"`
	Peer   bool   `json:"peer"`
	Route  string `json:"route"`
}

type Empty struct{}

// Shape is an enum.
type Shape string

func (Shape) EnumValues() []string { return []string{"CIRCLE", "SQUARE"} }

// Doc documents Shape.
func (Shape) Doc() string { return "A shape.\nDrawn \"carefully\"." }

type DescribeIn struct {
	Shape   Shape          `json:"shape" validate:"required" doc:"Which shape"`
	Since   *time.Time     `json:"since"`
	Filters map[string]int `json:"filters" deprecated:"use shape"`
	Size    int64          `json:"size"`
}

type DescribeOut struct {
	Shape   Shape     `json:"shape"`
	Sides   []int     `json:"sides"`
	At      time.Time `json:"at"`
	Raw     []byte    `json:"raw,omitempty"`
	Extra   any       `json:"extra"`
	Legacy  string    `json:"legacy" deprecated:"true"`
	Comment string    `json:"comment" doc:"Free text\n\nwith \"quotes\" and a blank line"`
}

type RenameIn struct {
	ID   int    `json:"id" validate:"required,min=1"`
	Name string `json:"name" validate:"required,max=8"`
}

type RenameOut struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type TicksIn struct {
	N       int  `json:"n" validate:"min=0,max=100"`
	Forever bool `json:"forever"`
}

type Tick struct {
	Seq    int    `json:"seq"`
	Tenant string `json:"tenant"`
}

type Tree struct {
	Name  string  `json:"name"`
	Child *Tree   `json:"child"`
	Kids  []*Tree `json:"kids"`
}

// newApp registers the operations the transport tests use.
func newApp(t testing.TB) *app.App {
	t.Helper()
	a := app.New(app.Name("testsvc"), app.Logger(slog.New(slog.DiscardHandler)))
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.Describe("Greets someone"))
	app.Query(a, "whoami", func(ctx context.Context, _ Empty) (WhoAmIOut, error) {
		call := app.CallFrom(ctx)
		call.ResponseHeader.Set("X-Served-By", "graphql")
		return WhoAmIOut{Tenant: call.Metadata.Get("X-Tenant"), Peer: call.Peer != "", Route: call.Route}, nil
	})
	app.Query(a, "tree", func(context.Context, Empty) (Tree, error) {
		return Tree{Name: "a", Child: &Tree{Name: "b", Child: &Tree{Name: "c"}}}, nil
	})
	app.Query(a, "describe", func(_ context.Context, in DescribeIn) (DescribeOut, error) {
		return DescribeOut{Shape: in.Shape, Sides: []int{4}}, nil
	}, app.Deprecated("use hello"))
	app.Command(a, "rename", func(_ context.Context, in RenameIn) (RenameOut, error) {
		return RenameOut(in), nil
	})
	app.Stream(a, "ticks", func(ctx context.Context, in TicksIn, send func(Tick) error) error {
		tenant := app.CallFrom(ctx).Metadata.Get("X-Tenant")
		for i := range in.N {
			if err := send(Tick{Seq: i + 1, Tenant: tenant}); err != nil {
				return err
			}
		}
		if in.Forever {
			<-ctx.Done()
			return ctx.Err()
		}
		if in.N == 13 {
			return app.NewError(app.CodeAborted, "unlucky thirteen")
		}
		return nil
	})
	return a
}

func newServer(t testing.TB, opts ...graphql.Option) *httptest.Server {
	t.Helper()
	h, err := graphql.Handler(newApp(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do sends a request and returns the status, headers and body.
func do(t testing.TB, method, target, contentType, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(b)
}

// query POSTs a GraphQL request.
func query(t testing.TB, srv *httptest.Server, q string, vars map[string]any, header ...string) (int, response) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	status, _, raw := do(t, http.MethodPost, srv.URL+"/graphql", "application/json", string(body), header...)
	var resp response
	if err := json.Unmarshal([]byte(raw), &resp); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return status, resp
}

func getURL(srv *httptest.Server, q string) string {
	return srv.URL + "/graphql?query=" + url.QueryEscape(q)
}
