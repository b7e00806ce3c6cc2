package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/rest"
)

type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64"`
}

type HelloOut struct {
	Message string `json:"message"`
}

type Line struct {
	SKU   string  `json:"sku" validate:"required"`
	Qty   int32   `json:"qty" validate:"gte=1"`
	Price float64 `json:"price"`
}

type Order struct {
	ID       int64            `json:"id"`
	Customer string           `json:"customer" validate:"required,min=2"`
	Lines    []Line           `json:"lines" validate:"max=5,dive"`
	Labels   map[string]int32 `json:"labels"`
	Note     *string          `json:"note"`
	At       time.Time        `json:"at"`
	Blob     []byte           `json:"blob"`
	Paid     bool             `json:"paid"`
	Big      uint64           `json:"big"`
}

type OrderOut struct {
	Order Order   `json:"order"`
	Total float64 `json:"total"`
	Count int     `json:"count"`
}

type FailIn struct {
	Code string `json:"code"`
}

type Empty struct{}

type CountIn struct {
	N int32 `json:"n" validate:"lte=20"`
}

type Tick struct {
	I    int32  `json:"i"`
	Name string `json:"name"`
}

func newApp() *app.App {
	a := app.New(app.Name("conf"))
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"))
	app.Command(a, "placeOrder", func(_ context.Context, in Order) (OrderOut, error) {
		out := OrderOut{Order: in, Count: len(in.Lines)}
		for _, l := range in.Lines {
			out.Total += float64(l.Qty) * l.Price
		}
		out.Order.ID = 42
		return out, nil
	})
	app.Command(a, "fail", func(_ context.Context, in FailIn) (Empty, error) {
		if in.Code == "panic" {
			panic("boom")
		}
		if in.Code == "plain" {
			return Empty{}, errors.New("secret")
		}
		c, _ := app.ParseCode(in.Code)
		return Empty{}, app.NewError(c, "failed: "+in.Code)
	})
	app.Stream(a, "count", func(_ context.Context, in CountIn, send func(Tick) error) error {
		for i := range in.N {
			if err := send(Tick{I: i, Name: "t" + strconv.Itoa(int(i))}); err != nil {
				return err
			}
		}
		return nil
	})
	return a
}

// result is what a protocol returned, normalised.
type result struct {
	Out        any
	Items      []any
	Code       string
	Violations []string
}

type protocol interface {
	call(t *testing.T, op *app.Operation, input string) result
}

// ---- REST ----

type restClient struct{ h http.Handler }

func (c restClient) call(t *testing.T, op *app.Operation, input string) result {
	var req *http.Request
	var in map[string]any
	_ = json.Unmarshal([]byte(input), &in)
	switch {
	case op.Name == "hello":
		name, _ := in["name"].(string)
		req = httptest.NewRequest("GET", "/hello/"+name, nil)
	case op.Kind == app.OpCommand:
		req = httptest.NewRequest("POST", op.HTTPPath, strings.NewReader(input))
		req.Header.Set("Content-Type", "application/json")
	default:
		q := []string{}
		for k, v := range in {
			q = append(q, k+"="+fmt.Sprint(v))
		}
		req = httptest.NewRequest("GET", op.HTTPPath+"?"+strings.Join(q, "&"), nil)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		var p rest.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("REST %s: %d %s", op.Name, rec.Code, rec.Body)
		}
		if want := rest.StatusCode(mustCode(p.Code)); rec.Code != want {
			t.Errorf("REST %s: status %d for %s; want %d", op.Name, rec.Code, p.Code, want)
		}
		var fields []string
		for _, v := range p.Violations {
			fields = append(fields, v.Field)
		}
		return result{Code: p.Code, Violations: fields}
	}
	if op.Kind == app.OpStream {
		var items []any
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				items = append(items, normalize(decodeJSON(t, data)))
			}
		}
		return result{Items: items}
	}
	return result{Out: normalize(decodeJSON(t, rec.Body.String()))}
}

func mustCode(s string) app.Code {
	c, _ := app.ParseCode(s)
	return c
}

// ---- gRPC ----

type grpcClient struct{ c *grpcjson.Client }

func (c grpcClient) call(t *testing.T, op *app.Operation, input string) result {
	method := "conf.v1.ConfService/" + app.PascalName(op.Name)
	if op.Kind == app.OpStream {
		items, err := c.c.Stream(context.Background(), method, input)
		if err != nil {
			return grpcError(err)
		}
		var out []any
		for _, it := range items {
			out = append(out, normalize(decodeJSON(t, it)))
		}
		return result{Items: out}
	}
	out, err := c.c.Call(context.Background(), method, input)
	if err != nil {
		return grpcError(err)
	}
	return result{Out: normalize(decodeJSON(t, out))}
}

func grpcError(err error) result {
	st := status.Convert(err)
	r := result{Code: app.Code(st.Code()).String()}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				r.Violations = append(r.Violations, v.GetField())
			}
		}
	}
	return r
}

// ---- GraphQL ----

type graphqlClient struct{ h http.Handler }

func (c graphqlClient) call(t *testing.T, op *app.Operation, input string) result {
	var in map[string]any
	if err := json.Unmarshal([]byte(input), &in); err != nil {
		t.Fatal(err)
	}
	kind := map[app.OpKind]string{app.OpQuery: "query", app.OpCommand: "mutation", app.OpStream: "subscription"}[op.Kind]
	args := ""
	if len(in) > 0 {
		keys := make([]string, 0, len(in))
		for k := range in {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+": "+gqlLiteral(in[k]))
		}
		args = "(" + strings.Join(parts, ", ") + ")"
	}
	sel := selection(op.Output)
	query := kind + " { " + op.Name + args + sel + " }"
	body, _ := json.Marshal(map[string]string{"query": query})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if op.Kind == app.OpStream {
		req.Header.Set("Accept", "text/event-stream")
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	if op.Kind == app.OpStream {
		var items []any
		var errRes *result
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok || strings.TrimSpace(data) == "" {
				continue
			}
			var resp gqlResponse
			if err := json.Unmarshal([]byte(data), &resp); err != nil {
				continue
			}
			if len(resp.Errors) > 0 {
				r := resp.errResult()
				errRes = &r
				continue
			}
			items = append(items, normalize(resp.Data[op.Name]))
		}
		if errRes != nil {
			return *errRes
		}
		return result{Items: items}
	}
	var resp gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("GraphQL %s: %d %s", op.Name, rec.Code, rec.Body)
	}
	if len(resp.Errors) > 0 {
		return resp.errResult()
	}
	return result{Out: normalize(resp.Data[op.Name])}
}

type gqlResponse struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code       string               `json:"code"`
			Violations []app.FieldViolation `json:"violations"`
		} `json:"extensions"`
	} `json:"errors"`
}

func (r gqlResponse) errResult() result {
	e := r.Errors[0]
	res := result{Code: mustCode(e.Extensions.Code).String()}
	for _, v := range e.Extensions.Violations {
		res.Violations = append(res.Violations, v.Field)
	}
	return res
}

func gqlLiteral(v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+": "+gqlLiteral(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		var parts []string
		for _, e := range v {
			parts = append(parts, gqlLiteral(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func selection(t *app.Type) string {
	t = t.Deref()
	switch t.Kind {
	case app.KindSlice:
		return selection(t.Elem)
	case app.KindStruct:
		parts := []string{"__typename"}
		for _, f := range t.Fields {
			parts = append(parts, f.Name+selection(f.Type))
		}
		return " { " + strings.Join(parts, " ") + " }"
	}
	return ""
}

// ---- in process ----

type inProcess struct{ a *app.App }

func (c inProcess) call(t *testing.T, op *app.Operation, input string) result {
	out, err := c.a.InvokeJSON(context.Background(), op.Name, []byte(input))
	if err != nil {
		e := app.ErrorFrom(err)
		var fields []string
		for _, v := range e.Violations {
			fields = append(fields, v.Field)
		}
		return result{Code: e.Code.String(), Violations: fields}
	}
	if op.Kind == app.OpStream {
		var items []any
		for _, it := range decodeJSON(t, string(out)).([]any) {
			items = append(items, normalize(it))
		}
		return result{Items: items}
	}
	return result{Out: normalize(decodeJSON(t, string(out)))}
}

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

// normalize makes protocol renderings comparable: numbers (and numeric
// strings, as protojson renders 64-bit integers) become float64, and zero
// values (absent, null, "", 0, false, empty lists and objects) disappear,
// since protobuf does not distinguish them from absence.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if k == "__typename" {
				continue
			}
			if n := normalize(e); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(v) == 0 {
			return nil
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	case json.Number:
		f, _ := v.Float64()
		if f == 0 {
			return nil
		}
		return f
	case float64:
		if v == 0 {
			return nil
		}
		return v
	case string:
		if v == "" || v == "0001-01-01T00:00:00Z" { // zero time.Time is an unset Timestamp in protobuf
			return nil
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
		return v
	case bool:
		if !v {
			return nil
		}
		return v
	}
	return v
}

func TestConformance(t *testing.T) {
	a := newApp()
	restH, err := rest.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	gqlH, err := graphql.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	gt := grpc.New(grpc.WithListener(lis))
	if err := gt.Prepare(a); err != nil {
		t.Fatal(err)
	}
	if err := gt.Start(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = gt.Stop(context.Background()) }()
	conn, err := grpcgo.NewClient("passthrough:///bufconn",
		grpcgo.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	gc, err := grpcjson.New(context.Background(), conn, "conf.v1.ConfService")
	if err != nil {
		t.Fatal(err)
	}
	protocols := map[string]protocol{
		"rest":      restClient{restH},
		"grpc":      grpcClient{gc},
		"graphql":   graphqlClient{gqlH},
		"inprocess": inProcess{a},
	}
	names := []string{"inprocess", "rest", "grpc", "graphql"}

	tests := []struct {
		name  string
		op    string
		input string
		want  result // checked against in-process; the others must equal it
		// skip names protocols that reject the input before the operation
		// runs, by their own rules (a REST path without its parameter is
		// another route; GraphQL validates required arguments itself).
		skip []string
	}{
		{name: "hello", op: "hello", input: `{"name":"Ada"}`, want: result{Out: map[string]any{"message": "Hello, Ada!"}}},
		{name: "hello unicode", op: "hello", input: `{"name":"Grüße"}`, want: result{Out: map[string]any{"message": "Hello, Grüße!"}}},
		{name: "hello too long", op: "hello", input: `{"name":"` + strings.Repeat("x", 65) + `"}`, want: result{Code: "invalid_argument", Violations: []string{"name"}}},
		{name: "hello missing", op: "hello", input: `{}`, want: result{Code: "invalid_argument", Violations: []string{"name"}}, skip: []string{"rest", "graphql"}},
		{name: "order full", op: "placeOrder", input: `{"customer":"Bob","lines":[{"sku":"A","qty":2,"price":1.5},{"sku":"B","qty":1,"price":10}],"labels":{"gift":1,"rush":2},"note":"leave at door","at":"2026-01-02T03:04:05Z","blob":"AQID","paid":true,"big":1234567890123}`},
		{name: "order minimal", op: "placeOrder", input: `{"customer":"Bo"}`},
		{name: "order invalid", op: "placeOrder", input: `{"customer":"B","lines":[{"sku":"","qty":0}]}`, want: result{Code: "invalid_argument", Violations: []string{"customer", "lines[0].sku", "lines[0].qty"}}},
		{name: "fail not_found", op: "fail", input: `{"code":"not_found"}`, want: result{Code: "not_found"}},
		{name: "fail failed_precondition", op: "fail", input: `{"code":"failed_precondition"}`, want: result{Code: "failed_precondition"}},
		{name: "fail aborted", op: "fail", input: `{"code":"aborted"}`, want: result{Code: "aborted"}},
		{name: "fail permission_denied", op: "fail", input: `{"code":"permission_denied"}`, want: result{Code: "permission_denied"}},
		{name: "fail unauthenticated", op: "fail", input: `{"code":"unauthenticated"}`, want: result{Code: "unauthenticated"}},
		{name: "fail plain error", op: "fail", input: `{"code":"plain"}`, want: result{Code: "internal"}},
		{name: "fail panic", op: "fail", input: `{"code":"panic"}`, want: result{Code: "internal"}},
		{name: "stream", op: "count", input: `{"n":3}`},
		{name: "stream empty", op: "count", input: `{"n":0}`},
		{name: "stream invalid", op: "count", input: `{"n":99}`, want: result{Code: "invalid_argument", Violations: []string{"n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := a.Operation(tt.op)
			results := map[string]result{}
			for _, n := range names {
				if !slices.Contains(tt.skip, n) {
					results[n] = protocols[n].call(t, op, tt.input)
				}
			}
			base := results["inprocess"]
			if tt.want.Code != "" || tt.want.Out != nil {
				if diff := cmp.Diff(base, tt.want); diff != "" {
					t.Errorf("in-process result (-got +want):\n%s", diff)
				}
			}
			if tt.want.Code == "" && base.Code != "" {
				t.Fatalf("in-process failed: %+v", base)
			}
			for _, n := range names[1:] {
				if slices.Contains(tt.skip, n) {
					continue
				}
				if diff := cmp.Diff(results[n], base); diff != "" {
					t.Errorf("%s differs from in-process (-%s +inprocess):\n%s", n, n, diff)
				}
			}
		})
	}
}
