package conformance

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

type OpenIn struct {
	Owner string `json:"owner" validate:"required"`
	Note  string `json:"note"`
}

type OpenOut struct {
	Owner string `json:"owner"`
}

// hostileApp has one command that counts how often it ran, so a test can
// tell a refused request from one that was applied.
func hostileApp(runs *atomic.Int64) *app.App {
	a := app.New(app.Name("hostile"))
	app.Command(a, "open", func(_ context.Context, in OpenIn) (OpenOut, error) {
		runs.Add(1)
		return OpenOut{Owner: in.Owner}, nil
	}, app.HTTP("POST", "/accounts"))
	return a
}

// TestRESTRefusesTrailingDataAndInvalidUTF8 sends bodies a hostile client
// would: the command must be refused with 400 problem+json and never run.
func TestRESTRefusesTrailingDataAndInvalidUTF8(t *testing.T) {
	var runs atomic.Int64
	a := hostileApp(&runs)
	host := httpserver.New()
	a.Mount(host, rest.New())
	h, err := host.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		give      string
		wantField string
		wantMsg   string
	}{
		{name: "closing braces then garbage", give: `{"owner":"ada"}}}}xyz garbage`, wantMsg: "after top-level value"},
		{name: "a second value", give: `{"owner":"ada"}] {"owner":"eve"}`, wantMsg: "after top-level value"},
		{name: "two objects", give: `{"owner":"ada"} {"owner":"eve"}`, wantMsg: "after top-level value"},
		{name: "invalid UTF-8", give: "{\"owner\":\"\xff\xfe\xc3\x28\"}", wantField: "owner", wantMsg: "valid UTF-8"},
		{name: "invalid UTF-8 in a later field", give: "{\"owner\":\"ada\",\"note\":\"ok \xc3\x28\"}", wantField: "note", wantMsg: "valid UTF-8"},
		{name: "no JSON", give: `owner=ada`, wantMsg: "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/accounts", strings.NewReader(tt.give))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var p rest.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 400 || p.Code != "invalid_argument" {
				t.Fatalf("got %d %s; want 400 invalid_argument problem+json", rec.Code, rec.Body)
			}
			if !strings.Contains(p.Detail, tt.wantMsg) {
				t.Errorf("detail %q; want it to mention %q", p.Detail, tt.wantMsg)
			}
			if tt.wantField != "" && (len(p.Violations) != 1 || p.Violations[0].Field != tt.wantField) {
				t.Errorf("violations %+v; want one naming %q", p.Violations, tt.wantField)
			}
		})
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("the command ran %d times for refused bodies", n)
	}
	req := httptest.NewRequest(http.MethodPost, "/accounts", strings.NewReader(`{"owner":"Grüße 😀"} `+"\n"))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Grüße 😀") || runs.Load() != 1 {
		t.Errorf("valid body with trailing whitespace = %d %s", rec.Code, rec.Body)
	}
}

// rawCodec sends and receives protobuf bytes as they are, so a test can
// send what protobuf-go would refuse to marshal.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(b []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), b...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// TestGRPCRefusesInvalidUTF8 is the gRPC side of the one UTF-8 rule: the
// same bytes get INVALID_ARGUMENT naming the field, and nothing runs.
func TestGRPCRefusesInvalidUTF8(t *testing.T) {
	var runs atomic.Int64
	a := hostileApp(&runs)
	lis := bufconn.Listen(1 << 20)
	gt := grpc.New(grpc.WithListener(lis))
	a.Mount(gt)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(context.Background()) }()
	conn, err := grpcgo.NewClient("passthrough:///bufconn",
		grpcgo.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msg := protowire.AppendTag(nil, 1, protowire.BytesType)
	msg = protowire.AppendBytes(msg, []byte("\xff\xfe\xc3\x28"))
	var out []byte
	err = conn.Invoke(context.Background(), "/hostile.v1.HostileService/Open", &msg, &out, grpcgo.ForceCodec(rawCodec{}))
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("code %v (%v); want InvalidArgument", st.Code(), err)
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	if len(fields) != 1 || fields[0] != "owner" || !strings.Contains(st.Message(), "UTF-8") {
		t.Errorf("message %q, fields %v; want the owner field named and UTF-8 mentioned", st.Message(), fields)
	}
	if runs.Load() != 0 {
		t.Error("the command ran")
	}
}

// TestOversizedBodyRefusedOnEveryHTTPProtocol: a body declared over the
// host's limit gets 413 problem+json on REST and GraphQL alike, before the
// client sends it (no 100 Continue), and nothing runs.
func TestOversizedBodyRefusedOnEveryHTTPProtocol(t *testing.T) {
	var runs atomic.Int64
	a := hostileApp(&runs)
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithMaxBodyBytes(1<<20))
	a.Mount(host, rest.New(), graphql.New())
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(context.Background()) }()
	for _, path := range []string{"/accounts", "/graphql"} {
		conn, err := net.Dial("tcp", host.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", path, 50<<20)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("Content-Type") != rest.ProblemContentType {
			t.Errorf("POST %s with 50 MB declared: %d %s; want 413 problem+json first (no 100 Continue)", path, resp.StatusCode, body)
		}
	}
	if runs.Load() != 0 {
		t.Error("the command ran")
	}
}

// TestGraphQLRefusesInvalidUTF8 is the GraphQL side of the one UTF-8 rule.
func TestGraphQLRefusesInvalidUTF8(t *testing.T) {
	var runs atomic.Int64
	a := hostileApp(&runs)
	h, err := graphql.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	body := "{\"query\":\"mutation { open(owner: \\\"\xff\xfe\\\") { owner } }\"}"
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), "INVALID_ARGUMENT") || !strings.Contains(rec.Body.String(), "owner") {
		t.Errorf("got %d %s; want INVALID_ARGUMENT naming owner", rec.Code, rec.Body)
	}
	if runs.Load() != 0 {
		t.Error("the command ran")
	}
}
