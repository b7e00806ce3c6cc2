package connect_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	connectgo "connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/connect"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type HelloIn struct {
	Name string `json:"name" validate:"required,max=64"`
}

type HelloOut struct {
	Message  string `json:"message"`
	Protocol string `json:"protocol"`
}

type CountIn struct {
	To     int32 `json:"to" validate:"min=0,max=100"`
	FailAt int32 `json:"failAt"`
}

type Tick struct {
	N        int32  `json:"n"`
	Big      int64  `json:"big"`
	Protocol string `json:"protocol"`
}

type FailIn struct {
	Code string `json:"code"`
}

type FailOut struct{}

const service = "greeter.v1.GreeterService"

// newApp returns the test service: a query, a stream and a command that
// fails with the code it is given, each reporting the protocol its
// middleware saw.
func newApp() *app.App {
	a := app.New(app.Name("greeter"), app.Logger(slog.New(slog.DiscardHandler)))
	app.Query(a, "hello", func(ctx context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!", Protocol: app.CallFrom(ctx).Protocol.String()}, nil
	}, app.HTTP(http.MethodGet, "/hello"))
	app.Stream(a, "count", func(ctx context.Context, in CountIn, send func(Tick) error) error {
		p := app.CallFrom(ctx).Protocol.String()
		for n := int32(1); n <= in.To; n++ {
			if n == in.FailAt {
				return app.Errorf(app.CodeAborted, "stopped at %d", n)
			}
			// Beyond 2^53: JSON carries int64 as a string.
			if err := send(Tick{N: n, Big: int64(n) * 1e16, Protocol: p}); err != nil {
				return err
			}
		}
		return nil
	})
	app.Command(a, "fail", func(_ context.Context, in FailIn) (FailOut, error) {
		c, ok := app.ParseCode(in.Code)
		if !ok {
			return FailOut{}, errors.New("boom: a secret cause")
		}
		if c == app.CodeInvalidArgument {
			return FailOut{}, app.InvalidArgument("bad code", app.FieldViolation{Field: "code", Description: "is bad"})
		}
		return FailOut{}, app.NewError(c, "failed with "+in.Code)
	})
	return a
}

// server is a running test service with Connect and gRPC-Web on its HTTP
// port.
type server struct {
	base   string // "http://127.0.0.1:port"
	schema *grpcjson.Client
	http   *http.Client // HTTP/1.1, as a browser's fetch may be
}

// serveOption is a grpc.Option, or withHost's setup of the HTTP host.
type serveOption any

// withHost runs f on the HTTP host before the App starts, to mount more.
type withHost func(*httpserver.Host)

func serve(t *testing.T, opts ...serveOption) *server {
	t.Helper()
	a := newApp()
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	gopts := []grpc.Option{grpc.WithAddr("127.0.0.1:0"), grpc.WithHTTPProtocols(connect.New())}
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.Option:
			gopts = append(gopts, o)
		case withHost:
			o(host)
		}
	}
	g := grpc.New(gopts...)
	a.Mount(host, rest.New(), g)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	// The client learns the schema as any client would: gRPC reflection.
	conn, err := grpcgo.NewClient(g.Addr().String(), grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	schema, err := grpcjson.New(context.Background(), conn, service)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &server{base: "http://" + host.Addr().String(), schema: schema, http: &http.Client{Transport: tr}}
}

func (s *server) method(t *testing.T, name string) protoreflect.MethodDescriptor {
	t.Helper()
	md, err := s.schema.Method(service + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// client returns a connect-go client of a method with dynamic messages.
func (s *server) client(t *testing.T, name string, opts ...connectgo.ClientOption) (*connectgo.Client[dynamicpb.Message, dynamicpb.Message], protoreflect.MethodDescriptor) {
	t.Helper()
	md := s.method(t, name)
	opts = append(opts, connectgo.WithSchema(md), connectgo.WithResponseInitializer(func(spec connectgo.Spec, msg any) error {
		m, ok := msg.(*dynamicpb.Message)
		if !ok {
			return fmt.Errorf("response is %T", msg)
		}
		*m = *dynamicpb.NewMessage(spec.Schema.(protoreflect.MethodDescriptor).Output())
		return nil
	}))
	return connectgo.NewClient[dynamicpb.Message, dynamicpb.Message](s.http, s.base+"/"+service+"/"+string(md.Name()), opts...), md
}

func message(t *testing.T, desc protoreflect.MessageDescriptor, js string) *dynamicpb.Message {
	t.Helper()
	m := dynamicpb.NewMessage(desc)
	if err := protojson.Unmarshal([]byte(js), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func jsonOf(t *testing.T, m proto.Message) string {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return compact(t, string(b))
}

// compact returns JSON with its object keys sorted and no spaces
// (protojson's spacing is deliberately unstable).
func compact(t *testing.T, js string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("%v: %s", err, js)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// clientProtocols are the connect-go client settings every test runs
// with, and the protocol the server's middleware must see for them.
var clientProtocols = []struct {
	name string
	opts []connectgo.ClientOption
	want app.Protocol
}{
	{name: "connect+proto", want: app.ProtocolConnect},
	{name: "connect+json", opts: []connectgo.ClientOption{connectgo.WithProtoJSON()}, want: app.ProtocolConnect},
	{name: "connect+json+gzip", opts: []connectgo.ClientOption{connectgo.WithProtoJSON(), connectgo.WithSendGzip()}, want: app.ProtocolConnect},
	{name: "grpc-web+proto", opts: []connectgo.ClientOption{connectgo.WithGRPCWeb()}, want: app.ProtocolGRPCWeb},
	{name: "grpc-web+json", opts: []connectgo.ClientOption{connectgo.WithGRPCWeb(), connectgo.WithProtoJSON()}, want: app.ProtocolGRPCWeb},
}

func TestUnary(t *testing.T) {
	s := serve(t)
	for _, p := range clientProtocols {
		t.Run(p.name, func(t *testing.T) {
			c, md := s.client(t, "Hello", p.opts...)
			resp, err := c.CallUnary(context.Background(), connectgo.NewRequest(message(t, md.Input(), `{"name":"Ada"}`)))
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf(`{"message":"Hello, Ada!","protocol":%q}`, p.want)
			if got := jsonOf(t, resp.Msg); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestServerStream(t *testing.T) {
	s := serve(t)
	for _, p := range clientProtocols {
		t.Run(p.name, func(t *testing.T) {
			c, md := s.client(t, "Count", p.opts...)
			stream, err := c.CallServerStream(context.Background(), connectgo.NewRequest(message(t, md.Input(), `{"to":3}`)))
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			var got []string
			for stream.Receive() {
				got = append(got, jsonOf(t, stream.Msg()))
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			var want []string
			for n := 1; n <= 3; n++ {
				want = append(want, fmt.Sprintf(`{"big":"%d0000000000000000","n":%d,"protocol":%q}`, n, n, p.want))
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// TestStreamError checks that an error ending a stream after items reaches
// the client with its code, after the items.
func TestStreamError(t *testing.T) {
	s := serve(t)
	for _, p := range clientProtocols {
		t.Run(p.name, func(t *testing.T) {
			c, md := s.client(t, "Count", p.opts...)
			stream, err := c.CallServerStream(context.Background(), connectgo.NewRequest(message(t, md.Input(), `{"to":5,"failAt":3}`)))
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			var items int
			for stream.Receive() {
				items++
			}
			if got := connectgo.CodeOf(stream.Err()); items != 2 || got != connectgo.CodeAborted {
				t.Errorf("got %d items then %v (%v), want 2 then aborted", items, got, stream.Err())
			}
		})
	}
}

// TestErrors calls a command failing with every neutral code over every
// protocol: the client sees the Connect code with the same name, the
// message, and field violations as a google.rpc.BadRequest detail.
func TestErrors(t *testing.T) {
	s := serve(t)
	for _, p := range clientProtocols {
		t.Run(p.name, func(t *testing.T) {
			c, md := s.client(t, "Fail", p.opts...)
			for _, code := range app.Codes() {
				if code == app.CodeOK {
					continue
				}
				_, err := c.CallUnary(context.Background(), connectgo.NewRequest(message(t, md.Input(), fmt.Sprintf(`{"code":%q}`, code))))
				var ce *connectgo.Error
				if !errors.As(err, &ce) {
					t.Fatalf("%s: got %v, want a Connect error", code, err)
				}
				wantMsg := "failed with " + code.String()
				if code == app.CodeInvalidArgument {
					wantMsg = "bad code"
				}
				if ce.Code().String() != code.String() || ce.Message() != wantMsg {
					t.Errorf("%s: got %s %q, want %s %q", code, ce.Code(), ce.Message(), code, wantMsg)
				}
			}
			_, err := c.CallUnary(context.Background(), connectgo.NewRequest(message(t, md.Input(), `{"code":"invalid_argument"}`)))
			var ce *connectgo.Error
			if !errors.As(err, &ce) || len(ce.Details()) != 1 {
				t.Fatalf("got %v, want one detail", err)
			}
			v, derr := ce.Details()[0].Value()
			br, ok := v.(*errdetails.BadRequest)
			if derr != nil || !ok || len(br.GetFieldViolations()) != 1 || br.GetFieldViolations()[0].GetField() != "code" {
				t.Errorf("detail %v %v, want a BadRequest on code", v, derr)
			}
			// An error without a code is internal and keeps its cause.
			_, err = c.CallUnary(context.Background(), connectgo.NewRequest(message(t, md.Input(), `{"code":"nope"}`)))
			if !errors.As(err, &ce) || ce.Code() != connectgo.CodeInternal || ce.Message() != "internal error" {
				t.Errorf("got %v, want internal: internal error", err)
			}
			// Validation runs as on every protocol.
			hello, hmd := s.client(t, "Hello", p.opts...)
			_, err = hello.CallUnary(context.Background(), connectgo.NewRequest(message(t, hmd.Input(), `{}`)))
			if connectgo.CodeOf(err) != connectgo.CodeInvalidArgument {
				t.Errorf("Hello({}) = %v, want invalid_argument", err)
			}
		})
	}
}

// post sends a raw HTTP request, as curl or fetch would.
func (s *server) post(t *testing.T, path, contentType, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// TestConnectJSONOverPlainHTTP is the Connect protocol as curl speaks it:
// a JSON POST, and errors as JSON with the HTTP status the Connect
// specification gives each code.
func TestConnectJSONOverPlainHTTP(t *testing.T) {
	s := serve(t)
	status, _, body := s.post(t, "/"+service+"/Hello", "application/json", `{"name":"curl"}`)
	if status != http.StatusOK || compact(t, body) != `{"message":"Hello, curl!","protocol":"connect"}` {
		t.Errorf("Hello: %d %s", status, body)
	}
	tests := []struct {
		give       app.Code
		wantStatus int
	}{
		{give: app.CodeCanceled, wantStatus: 499},
		{give: app.CodeUnknown, wantStatus: 500},
		{give: app.CodeInvalidArgument, wantStatus: 400},
		{give: app.CodeDeadlineExceeded, wantStatus: 504},
		{give: app.CodeNotFound, wantStatus: 404},
		{give: app.CodeAlreadyExists, wantStatus: 409},
		{give: app.CodePermissionDenied, wantStatus: 403},
		{give: app.CodeResourceExhausted, wantStatus: 429},
		{give: app.CodeFailedPrecondition, wantStatus: 400},
		{give: app.CodeAborted, wantStatus: 409},
		{give: app.CodeOutOfRange, wantStatus: 400},
		{give: app.CodeUnimplemented, wantStatus: 501},
		{give: app.CodeInternal, wantStatus: 500},
		{give: app.CodeUnavailable, wantStatus: 503},
		{give: app.CodeDataLoss, wantStatus: 500},
		{give: app.CodeUnauthenticated, wantStatus: 401},
	}
	if len(tests) != len(app.Codes())-1 {
		t.Fatalf("%d codes tested, app has %d besides ok", len(tests), len(app.Codes())-1)
	}
	for _, tt := range tests {
		status, _, body := s.post(t, "/"+service+"/Fail", "application/json", fmt.Sprintf(`{"code":%q}`, tt.give))
		var got struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%s: %d %s: %v", tt.give, status, body, err)
		}
		if status != tt.wantStatus || got.Code != tt.give.String() {
			t.Errorf("%s: got %d %q, want %d %q (%s)", tt.give, status, got.Code, tt.wantStatus, tt.give, body)
		}
	}
	// A body that is not JSON of the message is invalid_argument.
	status, _, body = s.post(t, "/"+service+"/Hello", "application/json", `{"name":42}`)
	if status != http.StatusBadRequest || !strings.Contains(body, `"code":"invalid_argument"`) {
		t.Errorf("bad JSON: %d %s", status, body)
	}
	// grpc.health.v1 is served too, for a browser's readiness check.
	status, _, body = s.post(t, "/grpc.health.v1.Health/Check", "application/json", `{}`)
	if status != http.StatusOK || compact(t, body) != `{"status":"SERVING"}` {
		t.Errorf("health: %d %s", status, body)
	}
}

// frame is one gRPC-Web frame: flags and payload.
type frame struct {
	trailer bool
	data    []byte
}

func frames(t *testing.T, b []byte) []frame {
	t.Helper()
	var out []frame
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("truncated frame header %x", b)
		}
		n := binary.BigEndian.Uint32(b[1:5])
		if uint32(len(b)-5) < n {
			t.Fatalf("truncated frame: %d of %d bytes", len(b)-5, n)
		}
		out = append(out, frame{trailer: b[0]&0x80 != 0, data: b[5 : 5+n]})
		b = b[5+n:]
	}
	return out
}

// decodeText decodes a gRPC-Web text body, which may be several padded
// base64 chunks, one 4-character group at a time.
func decodeText(t *testing.T, s string) []byte {
	t.Helper()
	if len(s)%4 != 0 {
		t.Fatalf("text body of %d characters", len(s))
	}
	var out []byte
	for i := 0; i < len(s); i += 4 {
		b, err := base64.StdEncoding.DecodeString(s[i : i+4])
		if err != nil {
			t.Fatalf("text body: %v", err)
		}
		out = append(out, b...)
	}
	return out
}

// TestGRPCWebText sends gRPC-Web text requests (base64, as the grpc-web
// client's default mode sends them) and reads the base64 responses.
func TestGRPCWebText(t *testing.T) {
	s := serve(t)
	request := func(name, js string) string {
		b, err := proto.Marshal(message(t, s.method(t, name).Input(), js))
		if err != nil {
			t.Fatal(err)
		}
		f := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(b)))
		// Two padded chunks, as a client streaming its body may send.
		f = append(f, b...)
		return base64.StdEncoding.EncodeToString(f[:4]) + base64.StdEncoding.EncodeToString(f[4:])
	}
	tests := []struct {
		name, give string
		want       []string // data frames as JSON
		wantStatus string
	}{
		{name: "Hello", give: `{"name":"text"}`, want: []string{`{"message":"Hello, text!","protocol":"grpc-web"}`}, wantStatus: "0"},
		{name: "Count", give: `{"to":2}`, want: []string{
			`{"big":"10000000000000000","n":1,"protocol":"grpc-web"}`, `{"big":"20000000000000000","n":2,"protocol":"grpc-web"}`,
		}, wantStatus: "0"},
		{name: "Count", give: `{"to":3,"failAt":2}`, want: []string{`{"big":"10000000000000000","n":1,"protocol":"grpc-web"}`}, wantStatus: "10"},
		{name: "Hello", give: `{}`, wantStatus: "3"},
	}
	for _, tt := range tests {
		status, h, body := s.post(t, "/"+service+"/"+tt.name, "application/grpc-web-text", request(tt.name, tt.give), "Accept", "application/grpc-web-text")
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/grpc-web-text") {
			t.Fatalf("%s %s: %d %s %q", tt.name, tt.give, status, h.Get("Content-Type"), body)
		}
		var got []string
		grpcStatus := h.Get("Grpc-Status") // a trailers-only response
		for _, f := range frames(t, decodeText(t, body)) {
			if f.trailer {
				for line := range strings.Lines(string(f.data)) {
					if v, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(line)), "grpc-status:"); ok {
						grpcStatus = strings.TrimSpace(v)
					}
				}
				continue
			}
			m := dynamicpb.NewMessage(s.method(t, tt.name).Output())
			if err := proto.Unmarshal(f.data, m); err != nil {
				t.Fatal(err)
			}
			got = append(got, jsonOf(t, m))
		}
		if diff := cmp.Diff(got, tt.want); diff != "" || grpcStatus != tt.wantStatus {
			t.Errorf("%s %s: status %s, want %s; items (-got +want):\n%s", tt.name, tt.give, grpcStatus, tt.wantStatus, diff)
		}
	}
	// Not base64: the call fails, it does not reach the handler.
	status, h, body := s.post(t, "/"+service+"/Hello", "application/grpc-web-text", "!!!!", "Accept", "application/grpc-web-text")
	if st := h.Get("Grpc-Status"); status == http.StatusOK && (st == "" || st == "0") && !strings.Contains(strings.ToLower(string(decodeText(t, body))), "grpc-status:") {
		t.Errorf("a body that is not base64: %d %v %q", status, h, body)
	}
}

// TestNativeGRPCNeedsH2C checks that Connect does not open the HTTP port
// to native gRPC unless WithH2C asks for it, and that both together serve
// all three protocols on one port.
func TestNativeGRPCNeedsH2C(t *testing.T) {
	s := serve(t)
	status, _, _ := s.post(t, "/"+service+"/Hello", "application/grpc", "")
	if status != http.StatusUnsupportedMediaType {
		t.Errorf("native gRPC on the HTTP port without WithH2C: %d, want 415", status)
	}

	s = serve(t, grpc.WithH2C())
	conn, err := grpcgo.NewClient(strings.TrimPrefix(s.base, "http://"), grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	native, err := grpcjson.New(context.Background(), conn, service) // reflection over h2c too
	if err != nil {
		t.Fatal(err)
	}
	out, err := native.Call(context.Background(), service+"/Hello", `{"name":"h2c"}`)
	if err != nil || compact(t, out) != `{"message":"Hello, h2c!","protocol":"grpc"}` {
		t.Errorf("gRPC over h2c: %s %v", out, err)
	}
	status, _, body := s.post(t, "/"+service+"/Hello", "application/json", `{"name":"Ada"}`)
	if status != http.StatusOK || compact(t, body) != `{"message":"Hello, Ada!","protocol":"connect"}` {
		t.Errorf("Connect next to h2c: %d %s", status, body)
	}
}

// TestNeedsHTTPHost checks that Connect without an HTTP host is a startup
// error naming what to add, never a silent no-op.
func TestNeedsHTTPHost(t *testing.T) {
	a := newApp()
	a.Mount(grpc.New(grpc.WithAddr("127.0.0.1:0"), grpc.WithHTTPProtocols(connect.New())))
	err := a.Start(context.Background())
	if err == nil {
		_ = a.Stop(context.Background())
		t.Fatal("started without an HTTP host")
	}
	if !strings.Contains(err.Error(), "httpserver.New()") {
		t.Errorf("error %q does not say what to add", err)
	}
}
