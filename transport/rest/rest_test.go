package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

type Color string

func (Color) EnumValues() []string { return []string{"red", "green", "blue"} }

type Address struct {
	Street string `json:"street" validate:"required"`
	City   string `json:"city,omitempty"`
}

type CreateItemIn struct {
	Shop    string            `json:"shop" path:"shop"`
	Token   string            `json:"token" header:"X-Token"`
	Name    string            `json:"name" validate:"required,min=2,max=20" doc:"Item name"`
	Price   float64           `json:"price" validate:"gt=0"`
	Qty     int32             `json:"qty" validate:"gte=0,lte=1000"`
	Color   Color             `json:"color,omitempty"`
	Tags    []string          `json:"tags,omitempty" validate:"max=3"`
	Attrs   map[string]string `json:"attrs,omitempty"`
	Ship    *Address          `json:"ship,omitempty"`
	Note    *string           `json:"note,omitempty"`
	SKU     string            `json:"sku,omitempty" pattern:"^[A-Z]{3}-[0-9]+$"`
	Created time.Time         `json:"created,omitzero"`
}

type Item struct {
	ID      int64             `json:"id"`
	Shop    string            `json:"shop"`
	Name    string            `json:"name"`
	Price   float64           `json:"price"`
	Qty     int32             `json:"qty"`
	Color   Color             `json:"color"`
	Tags    []string          `json:"tags"`
	Attrs   map[string]string `json:"attrs"`
	Ship    *Address          `json:"ship"`
	Note    *string           `json:"note"`
	Token   string            `json:"token"`
	Created time.Time         `json:"created"`
}

type ListIn struct {
	Limit  int      `json:"limit" query:"limit" validate:"omitempty,min=1,max=100"`
	Colors []Color  `json:"colors" query:"color"`
	Active *bool    `json:"active" query:"active"`
	Since  Duration `json:"since" query:"since"`
}

type Duration = time.Duration

type ListOut struct {
	Items []Item `json:"items"`
	Limit int    `json:"limit"`
	Count int    `json:"count"`
}

type FailIn struct {
	Code string `json:"code" path:"code"`
}

type Empty struct{}

type TickIn struct {
	N    int  `json:"n" query:"n" validate:"min=0,max=50"`
	Fail bool `json:"fail" query:"fail"`
}

type Tick struct {
	I int `json:"i"`
}

func newShop(t testing.TB) *app.App {
	t.Helper()
	a := app.New(app.Name("shop"), app.Version("1.2.3"), app.Description("A test shop"))
	app.Command(a, "createItem", func(_ context.Context, in CreateItemIn) (Item, error) {
		return Item{ID: 7, Shop: in.Shop, Name: in.Name, Price: in.Price, Qty: in.Qty, Color: in.Color,
			Tags: in.Tags, Attrs: in.Attrs, Ship: in.Ship, Note: in.Note, Token: in.Token, Created: in.Created}, nil
	}, app.HTTP("POST", "/shops/{shop}/items"), app.Tags("items"))
	app.Query(a, "listItems", func(_ context.Context, in ListIn) (ListOut, error) {
		out := ListOut{Limit: in.Limit, Items: []Item{}}
		for i, c := range in.Colors {
			out.Items = append(out.Items, Item{ID: int64(i), Color: c, Tags: []string{}, Attrs: map[string]string{}})
		}
		out.Count = len(out.Items)
		if in.Active != nil && !*in.Active {
			out.Count = -1
		}
		if in.Since > 0 {
			out.Count = int(in.Since / time.Second)
		}
		return out, nil
	})
	app.Command(a, "fail", func(_ context.Context, in FailIn) (Empty, error) {
		if in.Code == "panic" {
			panic("secret panic value")
		}
		if in.Code == "plain" {
			return Empty{}, errors.New("db password leaked")
		}
		c, ok := app.ParseCode(in.Code)
		if !ok {
			return Empty{}, app.NewError(app.CodeInvalidArgument, "unknown code")
		}
		return Empty{}, app.NewError(c, "failed with "+in.Code)
	}, app.HTTP("POST", "/fail/{code}"))
	app.Stream(a, "ticks", func(_ context.Context, in TickIn, send func(Tick) error) error {
		for i := range in.N {
			if err := send(Tick{I: i}); err != nil {
				return err
			}
		}
		if in.Fail {
			return app.NewError(app.CodeAborted, "ticks aborted")
		}
		return nil
	})
	return a
}

// client sends requests to an in-process server and checks every response
// against the served OpenAPI document.
type client struct {
	t      testing.TB
	h      http.Handler
	router routers.Router
}

func newClient(t testing.TB, a *app.App) *client {
	t.Helper()
	if len(a.Transports()) == 0 {
		a.Mount(httpserver.New(), rest.New())
	}
	host, err := httpserver.Find(a, "test")
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("served spec invalid: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, h: h, router: router}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, target, body string, hdr ...string) response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	c.validate(req, res)
	return res
}

// validate checks a response against the served spec (openapi3filter).
func (c *client) validate(req *http.Request, res response) {
	c.t.Helper()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		// Not an operation (unknown route, wrong method): must be a problem.
		if ct := res.header.Get("Content-Type"); ct != rest.ProblemContentType {
			c.t.Errorf("%s %s: non-operation response has Content-Type %q", req.Method, req.URL, ct)
		}
		return
	}
	if strings.HasPrefix(res.header.Get("Content-Type"), "text/event-stream") {
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.status,
		Header:                 res.header,
		Body:                   io.NopCloser(bytes.NewReader(res.body)),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.t.Errorf("%s %s → %d %s: response does not match the spec: %v", req.Method, req.URL, res.status, res.body, err)
	}
}

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func TestCommandBinding(t *testing.T) {
	c := newClient(t, newShop(t))
	res := c.do("POST", "/shops/acme/items",
		`{"name":"Mug","price":9.5,"qty":3,"color":"blue","tags":["a"],"attrs":{"k":"v"},"ship":{"street":"Main"},"note":"hi","created":"2026-01-02T03:04:05Z","shop":"ignored"}`,
		"X-Token", "tok")
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	got := decode[Item](t, res.body)
	note := "hi"
	want := Item{ID: 7, Shop: "acme", Name: "Mug", Price: 9.5, Qty: 3, Color: "blue", Tags: []string{"a"},
		Attrs: map[string]string{"k": "v"}, Ship: &Address{Street: "Main"}, Note: &note, Token: "tok",
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Error(diff)
	}
}

func TestQueryBinding(t *testing.T) {
	c := newClient(t, newShop(t))
	tests := []struct {
		give      string
		wantCount int
		wantLimit int
		wantItems int
	}{
		{give: "/listItems", wantCount: 0},
		{give: "/listItems?limit=5&color=red&color=blue", wantCount: 2, wantLimit: 5, wantItems: 2},
		{give: "/listItems?active=false", wantCount: -1},
		{give: "/listItems?since=90s", wantCount: 90},
		{give: "/listItems?since=3000000000", wantCount: 3},
	}
	for _, tt := range tests {
		res := c.do("GET", tt.give, "")
		if res.status != 200 {
			t.Errorf("%s: status %d %s", tt.give, res.status, res.body)
			continue
		}
		got := decode[ListOut](t, res.body)
		if got.Count != tt.wantCount || got.Limit != tt.wantLimit || len(got.Items) != tt.wantItems {
			t.Errorf("%s = %+v; want count %d limit %d items %d", tt.give, got, tt.wantCount, tt.wantLimit, tt.wantItems)
		}
	}
}

func TestBadInput(t *testing.T) {
	c := newClient(t, newShop(t))
	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		header     []string
		wantStatus int
		wantCode   string
		wantFields []string
	}{
		{name: "missing required", method: "POST", target: "/shops/a/items", body: `{"price":1}`, wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"name"}},
		{name: "too short and bad price", method: "POST", target: "/shops/a/items", body: `{"name":"x","price":0}`, wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"name", "price"}},
		{name: "nested required", method: "POST", target: "/shops/a/items", body: `{"name":"ok","price":1,"ship":{}}`, wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"ship.street"}},
		{name: "enum", method: "POST", target: "/shops/a/items", body: `{"name":"ok","price":1,"color":"pink"}`, wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"color"}},
		{name: "pattern", method: "POST", target: "/shops/a/items", body: `{"name":"ok","price":1,"sku":"abc"}`, wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"sku"}},
		{name: "too many tags", method: "POST", target: "/shops/a/items", body: `{"name":"ok","price":1,"tags":["a","b","c","d"]}`, wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"tags"}},
		{name: "malformed JSON", method: "POST", target: "/shops/a/items", body: `{"name":`, wantStatus: 400, wantCode: "invalid_argument"},
		{name: "syntax error", method: "POST", target: "/shops/a/items", body: `{"name" 1}`, wantStatus: 400, wantCode: "invalid_argument"},
		{name: "wrong JSON type", method: "POST", target: "/shops/a/items", body: `{"name":"ok","price":"free"}`, wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"price"}},
		{name: "trailing data", method: "POST", target: "/shops/a/items", body: `{"name":"ok","price":1} {}`, wantStatus: 400, wantCode: "invalid_argument"},
		{name: "wrong content type", method: "POST", target: "/shops/a/items", body: `name=x`, header: []string{"Content-Type", "text/plain"}, wantStatus: 400, wantCode: "invalid_argument"},
		{name: "bad int query", method: "GET", target: "/listItems?limit=lots", wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"limit"}},
		{name: "query out of range", method: "GET", target: "/listItems?limit=1000", wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"limit"}},
		{name: "bad enum query", method: "GET", target: "/listItems?color=pink", wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"colors[0]"}},
		{name: "bad bool query", method: "GET", target: "/listItems?active=maybe", wantStatus: 400, wantCode: "invalid_argument", wantFields: []string{"active"}},
		{name: "unknown route", method: "GET", target: "/nope", wantStatus: 404, wantCode: "not_found"},
		{name: "wrong method", method: "DELETE", target: "/listItems", wantStatus: 405, wantCode: "unimplemented"},
		{name: "wrong method with params", method: "GET", target: "/shops/a/items", wantStatus: 405, wantCode: "unimplemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := tt.header
			res := c.do(tt.method, tt.target, tt.body, hdr...)
			if res.status != tt.wantStatus {
				t.Errorf("status = %d; want %d (%s)", res.status, tt.wantStatus, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != rest.ProblemContentType {
				t.Errorf("Content-Type = %q", ct)
			}
			p := decode[rest.Problem](t, res.body)
			if p.Code != tt.wantCode || p.Status != tt.wantStatus || p.Detail == "" {
				t.Errorf("problem = %+v; want code %s", p, tt.wantCode)
			}
			var fields []string
			for _, v := range p.Violations {
				fields = append(fields, v.Field)
			}
			if diff := cmp.Diff(fields, tt.wantFields); diff != "" {
				t.Errorf("violations (-got +want):\n%s", diff)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	h, err := rest.Handler(newShop(t), rest.WithMaxBodyBytes(64))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/shops/a/items", strings.NewReader(`{"name":"`+strings.Repeat("x", 100)+`"}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || rec.Header().Get("Content-Type") != rest.ProblemContentType {
		t.Errorf("got %d %s %s; want 413 problem", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

func TestErrorCodes(t *testing.T) {
	c := newClient(t, newShop(t))
	for _, code := range app.Codes() {
		if code == app.CodeOK {
			continue
		}
		res := c.do("POST", "/fail/"+code.String(), "")
		if res.status != rest.StatusCode(code) {
			t.Errorf("%s: status %d; want %d", code, res.status, rest.StatusCode(code))
		}
		p := decode[rest.Problem](t, res.body)
		if p.Code != code.String() || p.Detail != "failed with "+code.String() {
			t.Errorf("%s: problem %+v", code, p)
		}
	}
	for _, give := range []string{"panic", "plain"} {
		res := c.do("POST", "/fail/"+give, "")
		p := decode[rest.Problem](t, res.body)
		if res.status != 500 || p.Code != "internal" || p.Detail != "internal error" {
			t.Errorf("%s: got %d %+v; want 500 internal with a generic message", give, res.status, p)
		}
		if bytes.Contains(res.body, []byte("secret")) || bytes.Contains(res.body, []byte("password")) {
			t.Errorf("%s: internals leaked: %s", give, res.body)
		}
	}
}

func TestStatusCodeMapping(t *testing.T) {
	want := map[app.Code]int{
		app.CodeOK: 200, app.CodeCanceled: 499, app.CodeUnknown: 500, app.CodeInvalidArgument: 400,
		app.CodeDeadlineExceeded: 504, app.CodeNotFound: 404, app.CodeAlreadyExists: 409,
		app.CodePermissionDenied: 403, app.CodeResourceExhausted: 429, app.CodeFailedPrecondition: 400,
		app.CodeAborted: 409, app.CodeOutOfRange: 400, app.CodeUnimplemented: 501, app.CodeInternal: 500,
		app.CodeUnavailable: 503, app.CodeDataLoss: 500, app.CodeUnauthenticated: 401,
	}
	for _, code := range app.Codes() {
		w, ok := want[code]
		if !ok {
			t.Errorf("code %s has no expected status in this table", code)
			continue
		}
		if got := rest.StatusCode(code); got != w {
			t.Errorf("StatusCode(%s) = %d; want %d", code, got, w)
		}
	}
	if len(want) != len(app.Codes()) {
		t.Errorf("table has %d codes, app has %d", len(want), len(app.Codes()))
	}
}

func TestStreamSSE(t *testing.T) {
	c := newClient(t, newShop(t))
	res := c.do("GET", "/ticks?n=3", "")
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("got %d %s", res.status, res.header.Get("Content-Type"))
	}
	want := "id: 1\ndata: {\"i\":0}\n\nid: 2\ndata: {\"i\":1}\n\nid: 3\ndata: {\"i\":2}\n\n"
	if diff := cmp.Diff(string(res.body), want); diff != "" {
		t.Error(diff)
	}
	res = c.do("GET", "/ticks?n=1&fail=true", "")
	if !strings.Contains(string(res.body), "event: error\ndata: {") || !strings.Contains(string(res.body), `"code":"aborted"`) {
		t.Errorf("failing stream body = %q", res.body)
	}
	res = c.do("GET", "/ticks?n=99", "")
	if res.status != 400 || res.header.Get("Content-Type") != rest.ProblemContentType {
		t.Errorf("invalid stream input: got %d %s", res.status, res.body)
	}
}

func TestStreamOverRealServer(t *testing.T) {
	h, err := rest.Handler(newShop(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/ticks?n=2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `data: {"i":1}`) {
		t.Errorf("body = %q", body)
	}
}

func TestHealthAndDocs(t *testing.T) {
	a := newShop(t)
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	a.Mount(host, rest.New())
	c := newClient(t, a)
	res := c.do("GET", "/readyz", "")
	if res.status != 503 {
		t.Errorf("readyz before start = %d; want 503", res.status)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + host.Addr().String()
	for _, tt := range []struct {
		give       string
		wantStatus int
		wantBody   string
	}{
		{give: "/healthz", wantStatus: 200, wantBody: `"ok"`},
		{give: "/readyz", wantStatus: 200, wantBody: `"ready"`},
		{give: "/docs/", wantStatus: 200, wantBody: "swagger-ui"},
		{give: "/docs/swagger-initializer.js", wantStatus: 200, wantBody: "../openapi.json"},
		{give: "/docs/swagger-ui-bundle.js", wantStatus: 200, wantBody: "SwaggerUIBundle"},
		{give: "/openapi.yaml", wantStatus: 200, wantBody: "openapi: 3.1.0"},
		{give: "/openapi.json", wantStatus: 200, wantBody: `"openapi": "3.1.0"`},
	} {
		resp, err := http.Get(base + tt.give)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
			t.Errorf("GET %s = %d (%.80q); want %d containing %q", tt.give, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
		}
	}
}

func TestNeedsHost(t *testing.T) {
	a := newShop(t)
	a.Mount(rest.New())
	err := a.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "httpserver.New()") {
		t.Fatalf("Start without a host = %v; want an error naming httpserver.New()", err)
	}
}

func TestMiddlewareSeesHTTPCalls(t *testing.T) {
	var got []string
	a := newShop(t)
	a.Use(func(next app.Handler) app.Handler {
		return func(ctx context.Context, c *app.Call) (any, error) {
			got = append(got, c.Protocol.String()+" "+c.Operation.Name+" "+c.Route+" "+c.Metadata.Get("x-user"))
			if c.Metadata.Get("x-user") == "" {
				return nil, app.NewError(app.CodeUnauthenticated, "who are you?")
			}
			return next(ctx, c)
		}
	})
	c := newClient(t, a)
	res := c.do("GET", "/listItems", "")
	if res.status != 401 {
		t.Errorf("status %d; want 401", res.status)
	}
	res = c.do("GET", "/listItems", "", "X-User", "ada")
	if res.status != 200 {
		t.Errorf("status %d; want 200", res.status)
	}
	res = c.do("POST", "/shops/a/items", `{"name":`, "X-User", "ada")
	if res.status != 400 {
		t.Errorf("status %d; want 400", res.status)
	}
	want := []string{"http listItems /listItems ", "http listItems /listItems ada", "http createItem /shops/{shop}/items ada"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Error(diff)
	}
}

func TestStreamCursorIsSSEID(t *testing.T) {
	a := app.New(app.Name("cursor"))
	app.Stream(a, "events", func(ctx context.Context, _ TickIn, send func(Tick) error) error {
		after, _ := strconv.Atoi(app.CallFrom(ctx).Metadata.Get("Last-Event-ID"))
		for pos := after + 1; pos <= 3; pos++ {
			app.CallFrom(ctx).Cursor = strconv.Itoa(pos * 10)
			if err := send(Tick{I: pos}); err != nil {
				return err
			}
		}
		return nil
	})
	c := newClient(t, a)
	res := c.do("GET", "/events", "")
	want := "id: 10\ndata: {\"i\":1}\n\nid: 20\ndata: {\"i\":2}\n\nid: 30\ndata: {\"i\":3}\n\n"
	if diff := cmp.Diff(string(res.body), want); diff != "" {
		t.Error(diff)
	}
	res = c.do("GET", "/events", "", "Last-Event-ID", "2")
	if diff := cmp.Diff(string(res.body), "id: 30\ndata: {\"i\":3}\n\n"); diff != "" {
		t.Error(diff)
	}
}

func TestMiddlewareMayReplaceOutput(t *testing.T) {
	a := app.New(app.Name("swap"))
	app.Query(a, "hello", func(context.Context, Empty) (Empty, error) { return Empty{}, nil },
		app.With(func(next app.Handler) app.Handler {
			return func(ctx context.Context, c *app.Call) (any, error) {
				if _, err := next(ctx, c); err != nil {
					return nil, err
				}
				return map[string]string{"replaced": "yes"}, nil
			}
		}))
	h, err := rest.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/hello", nil))
	if rec.Code != 200 || rec.Body.String() != "{\"replaced\":\"yes\"}\n" {
		t.Errorf("got %d %q", rec.Code, rec.Body)
	}
}
