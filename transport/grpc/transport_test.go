package grpc_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	afgrpc "github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/internal/hellopb"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestUnary(t *testing.T) {
	conn, _ := serve(t, newHelloApp())
	client := hellopb.NewHelloServiceClient(conn)
	tests := []struct {
		give     string
		want     string
		wantCode codes.Code
	}{
		{give: "Ada", want: "Hello, Ada!"},
		{give: "Grace Hopper", want: "Hello, Grace Hopper!"},
		{give: "", wantCode: codes.InvalidArgument},
		{give: strings.Repeat("x", 65), wantCode: codes.InvalidArgument},
	}
	for _, tt := range tests {
		resp, err := client.Hello(context.Background(), &hellopb.HelloRequest{Name: tt.give})
		if got := status.Code(err); got != tt.wantCode || resp.GetMessage() != tt.want {
			t.Errorf("Hello(%q) = %q, %v; want %q, %v", tt.give, resp.GetMessage(), got, tt.want, tt.wantCode)
		}
	}
}

func TestValidationBadRequest(t *testing.T) {
	conn, _ := serve(t, newHelloApp())
	_, err := hellopb.NewHelloServiceClient(conn).Hello(context.Background(), &hellopb.HelloRequest{Name: strings.Repeat("é", 65)})
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument || st.Message() != "invalid name: must be at most 64 characters" {
		t.Fatalf("got %v %q, want InvalidArgument with the violation", st.Code(), st.Message())
	}
	want := []*errdetails.BadRequest_FieldViolation{{Field: "name", Description: "must be at most 64 characters"}}
	if diff := cmp.Diff(badRequest(t, st), want, protocmp.Transform()); diff != "" {
		t.Error(diff)
	}
}

func badRequest(t *testing.T, st *status.Status) []*errdetails.BadRequest_FieldViolation {
	t.Helper()
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			return br.GetFieldViolations()
		}
	}
	t.Fatalf("status %v has no BadRequest detail (details %v)", st, st.Details())
	return nil
}

func TestErrors(t *testing.T) {
	conn, _ := serve(t, newHelloApp())
	client := hellopb.NewHelloServiceClient(conn)
	tests := []struct {
		give        string
		wantCode    codes.Code
		wantMessage string
		wantDetail  string // the "code" entry of the Struct detail
	}{
		{give: "not_found", wantCode: codes.NotFound, wantMessage: "failed with not_found", wantDetail: "not_found"},
		{give: "ALREADY_EXISTS", wantCode: codes.AlreadyExists, wantMessage: "failed with ALREADY_EXISTS", wantDetail: "ALREADY_EXISTS"},
		{give: "unauthenticated", wantCode: codes.Unauthenticated, wantMessage: "failed with unauthenticated", wantDetail: "unauthenticated"},
		{give: "unavailable", wantCode: codes.Unavailable, wantMessage: "failed with unavailable", wantDetail: "unavailable"},
		{give: "invalid_argument", wantCode: codes.InvalidArgument, wantMessage: "bad things"},
		// An error without a code is internal and never leaks its cause.
		{give: "boom", wantCode: codes.Internal, wantMessage: "internal error"},
	}
	for _, tt := range tests {
		_, err := client.Fail(context.Background(), &hellopb.FailRequest{Code: tt.give})
		st := status.Convert(err)
		var detail string
		for _, d := range st.Details() {
			if s, ok := d.(*structpb.Struct); ok {
				detail = s.GetFields()["code"].GetStringValue()
			}
		}
		if st.Code() != tt.wantCode || st.Message() != tt.wantMessage || detail != tt.wantDetail {
			t.Errorf("Fail(%q) = %v %q detail %q; want %v %q detail %q", tt.give, st.Code(), st.Message(), detail, tt.wantCode, tt.wantMessage, tt.wantDetail)
		}
	}
	_, err := client.Fail(context.Background(), &hellopb.FailRequest{Code: "invalid_argument"})
	want := []*errdetails.BadRequest_FieldViolation{{Field: "code", Description: "is bad"}}
	if diff := cmp.Diff(badRequest(t, status.Convert(err)), want, protocmp.Transform()); diff != "" {
		t.Error(diff)
	}
}

func TestCodeMapping(t *testing.T) {
	tests := []struct {
		give app.Code
		want codes.Code
	}{
		{give: app.CodeOK, want: codes.OK},
		{give: app.CodeCanceled, want: codes.Canceled},
		{give: app.CodeUnknown, want: codes.Unknown},
		{give: app.CodeInvalidArgument, want: codes.InvalidArgument},
		{give: app.CodeDeadlineExceeded, want: codes.DeadlineExceeded},
		{give: app.CodeNotFound, want: codes.NotFound},
		{give: app.CodeAlreadyExists, want: codes.AlreadyExists},
		{give: app.CodePermissionDenied, want: codes.PermissionDenied},
		{give: app.CodeResourceExhausted, want: codes.ResourceExhausted},
		{give: app.CodeFailedPrecondition, want: codes.FailedPrecondition},
		{give: app.CodeAborted, want: codes.Aborted},
		{give: app.CodeOutOfRange, want: codes.OutOfRange},
		{give: app.CodeUnimplemented, want: codes.Unimplemented},
		{give: app.CodeInternal, want: codes.Internal},
		{give: app.CodeUnavailable, want: codes.Unavailable},
		{give: app.CodeDataLoss, want: codes.DataLoss},
		{give: app.CodeUnauthenticated, want: codes.Unauthenticated},
		{give: app.Code(200), want: codes.Unknown},
	}
	covered := map[app.Code]bool{}
	for _, tt := range tests {
		covered[tt.give] = true
		if got := afgrpc.Code(tt.give); got != tt.want {
			t.Errorf("Code(%v) = %v, want %v", tt.give, got, tt.want)
		}
	}
	for _, c := range app.Codes() {
		if !covered[c] {
			t.Errorf("code %v is missing from the table", c)
		}
		// The names agree too: INVALID_ARGUMENT is InvalidArgument.
		if got := strings.ReplaceAll(c.Upper(), "_", ""); !strings.EqualFold(got, afgrpc.Code(c).String()) {
			t.Errorf("%s maps to %s", c.Upper(), afgrpc.Code(c))
		}
	}
}

func TestMetadataReachesMiddleware(t *testing.T) {
	rec := &recorder{}
	conn, _ := serve(t, newHelloApp(app.Use(rec.middleware)))
	client := hellopb.NewHelloServiceClient(conn)

	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-user", "ada")
	var header metadata.MD
	out, err := client.Whoami(ctx, &hellopb.WhoamiRequest{}, grpc.Header(&header))
	if err != nil {
		t.Fatal(err)
	}
	want := &hellopb.WhoamiResponse{User: "ada", Peer: "bufconn", Route: "/hello.v1.HelloService/Whoami", Agents: 1}
	if diff := cmp.Diff(out, want, protocmp.Transform()); diff != "" {
		t.Error(diff)
	}
	if got := header.Get("x-served-by"); len(got) != 1 || got[0] != "allframe" {
		t.Errorf("response header x-served-by = %v, want [allframe]", got)
	}
	if diff := cmp.Diff(rec.seen(), []string{"grpc whoami /hello.v1.HelloService/Whoami user=ada"}); diff != "" {
		t.Error(diff)
	}

	// Middleware can refuse a call on any protocol.
	ctx = metadata.AppendToOutgoingContext(context.Background(), "x-deny", "1")
	_, err = client.Hello(ctx, &hellopb.HelloRequest{Name: "Ada"})
	if st := status.Convert(err); st.Code() != codes.PermissionDenied || st.Message() != "denied by middleware" {
		t.Errorf("denied call = %v %q, want PermissionDenied", st.Code(), st.Message())
	}
}

func TestDeadlineAndCancelReachHandler(t *testing.T) {
	a := app.New(app.Name("slow"))
	seen := make(chan error, 2)
	entered := make(chan struct{}, 2) // a call reached the handler
	app.Query(a, "wait", func(ctx context.Context, _ Empty) (Empty, error) {
		entered <- struct{}{}
		if _, ok := ctx.Deadline(); !ok {
			seen <- errors.New("no deadline")
		}
		<-ctx.Done()
		seen <- ctx.Err()
		return Empty{}, ctx.Err()
	})
	conn, _ := serve(t, a)
	invoke := func(ctx context.Context) error {
		return conn.Invoke(ctx, "/slow.v1.SlowService/Wait", &hellopb.WhoamiRequest{}, &hellopb.WhoamiResponse{})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := invoke(ctx); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("call = %v, want DeadlineExceeded", err)
	}
	// The server's own timer or the client's cancellation, whichever
	// comes first, ends the handler's ctx.
	if err := <-seen; !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Errorf("handler saw %v, want its ctx to end", err)
	}
	<-entered

	// Cancelled once the call is in the handler.
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	go func() { <-entered; cancel() }()
	if err := invoke(ctx); status.Code(err) != codes.Canceled {
		t.Errorf("call = %v, want Canceled", err)
	}
	if err := <-seen; !errors.Is(err, context.Canceled) {
		t.Errorf("handler saw %v, want its ctx canceled", err)
	}
}

func TestServerStreaming(t *testing.T) {
	conn, _ := serve(t, newHelloApp())
	client := hellopb.NewHelloServiceClient(conn)
	tests := []struct {
		give     *hellopb.GreetingsRequest
		want     int
		wantCode codes.Code
	}{
		{give: &hellopb.GreetingsRequest{Name: "Ada", Count: 5}, want: 5},
		{give: &hellopb.GreetingsRequest{Name: "Ada", Count: 0}, want: 0},
		{give: &hellopb.GreetingsRequest{Name: "Ada", Count: 200}, want: 200},
		{give: &hellopb.GreetingsRequest{Name: "", Count: 1}, wantCode: codes.InvalidArgument},
		{give: &hellopb.GreetingsRequest{Name: "Ada", Count: 1001}, wantCode: codes.InvalidArgument},
	}
	for _, tt := range tests {
		stream, err := client.Greetings(context.Background(), tt.give)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			g, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				err = nil
			}
			if err != nil || g == nil {
				if got := status.Code(err); got != tt.wantCode {
					t.Errorf("Greetings(%v) ended with %v, want %v", tt.give, err, tt.wantCode)
				}
				break
			}
			if g.GetIndex() != int32(n) {
				t.Errorf("item %d has index %d", n, g.GetIndex())
			}
			n++
		}
		if n != tt.want {
			t.Errorf("Greetings(%v) sent %d items, want %d", tt.give, n, tt.want)
		}
	}
}

func TestStreamClientGoneStopsHandler(t *testing.T) {
	a := app.New(app.Name("ticker"))
	done := make(chan error, 1)
	app.Stream(a, "ticks", func(_ context.Context, _ Empty, send func(Greeting) error) error {
		for i := int32(0); ; i++ {
			if err := send(Greeting{Index: i}); err != nil {
				done <- err
				return err
			}
		}
	})
	conn, _ := serve(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	desc := &grpc.StreamDesc{StreamName: "Ticks", ServerStreams: true}
	stream, err := conn.NewStream(ctx, desc, "/ticker.v1.TickerService/Ticks")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SendMsg(&hellopb.WhoamiRequest{}); err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	for range 3 {
		if err := stream.RecvMsg(&hellopb.GreetingsResponse{}); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	select {
	case err := <-done:
		if app.CodeOf(err) != app.CodeCanceled {
			t.Errorf("send failed with %v (code %v), want canceled", err, app.CodeOf(err))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler kept sending after the client left")
	}
}

func TestProfileRoundTrip(t *testing.T) {
	conn, _ := serve(t, newHelloApp())
	nick := "ace"
	age := int32(0) // explicit presence: zero is still sent
	extra, err := structpb.NewValue(map[string]any{"k": []any{1.5, "x", true, nil}})
	if err != nil {
		t.Fatal(err)
	}
	in := &hellopb.UpdateProfileRequest{
		Id: "p1", Nickname: &nick, Age: &age, Mood: hellopb.Mood_MOOD_IN_BETWEEN,
		Tags: []string{"a", "", "ü"}, Scores: []int64{-1, 0, 1 << 40},
		Labels:  map[string]string{"b": "2", "a": "1", "": "empty"},
		Home:    &hellopb.Address{Street: "Main"},
		Work:    &hellopb.Address{City: "Oslo"},
		Friends: []*hellopb.Address{{Street: "x"}, {}},
		Born:    timestamppb.New(time.Date(1815, 12, 10, 1, 2, 3, 4, time.UTC)),
		Seen:    timestamppb.New(time.Unix(0, 0)),
		Timeout: durationpb.New(-1500 * time.Millisecond),
		Extra:   extra, Avatar: []byte{0, 1, 2}, Ratio: math.Copysign(0, -1), Weight: 1.25, Active: true,
		Visits: 1 << 63, Level: 255, Moods: map[string]hellopb.Mood{"mon": hellopb.Mood_MOOD_HAPPY, "tue": hellopb.Mood_MOOD_UNSPECIFIED},
		OldName: "old", CreatedBy: "me", //nolint:staticcheck // SA1019: the deprecated field must still round-trip
	}
	out, err := hellopb.NewHelloServiceClient(conn).UpdateProfile(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := &hellopb.Profile{
		Id: in.Id, Nickname: in.Nickname, Age: in.Age, Mood: in.Mood, Tags: in.Tags, Scores: in.Scores,
		Labels: in.Labels, Home: in.Home, Work: in.Work, Friends: in.Friends, Born: in.Born, Seen: in.Seen,
		Timeout: in.Timeout, Extra: in.Extra, Avatar: in.Avatar, Ratio: in.Ratio, Weight: in.Weight,
		Active: in.Active, Visits: in.Visits, Level: in.Level, Moods: in.Moods, OldName: in.OldName, CreatedBy: in.CreatedBy, //nolint:staticcheck // SA1019: the deprecated field must still round-trip
	}
	if diff := cmp.Diff(out.GetProfile(), want, protocmp.Transform()); diff != "" {
		t.Errorf("profile (-got +want):\n%s", diff)
	}
	if r := out.GetProfile().GetRatio(); !math.Signbit(r) { // cmp treats -0 and 0 as equal
		t.Errorf("ratio = %v, want -0", r)
	}
	if got := out.GetUpdated().AsTime(); !got.Equal(time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)) {
		t.Errorf("updated = %v", got)
	}

	// Values the Go type cannot hold fail as InvalidArgument naming the field.
	_, err = hellopb.NewHelloServiceClient(conn).UpdateProfile(context.Background(), &hellopb.UpdateProfileRequest{Id: "p", Level: 256})
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "level") {
		t.Errorf("level 256 = %v %q, want InvalidArgument about level", st.Code(), st.Message())
	}
	_, err = hellopb.NewHelloServiceClient(conn).UpdateProfile(context.Background(), &hellopb.UpdateProfileRequest{Id: "p", Mood: 9})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "mood") {
		t.Errorf("mood 9 = %v %q, want InvalidArgument about mood", st.Code(), st.Message())
	}
}

// rawCodec sends bytes as they are, to test what the server does with
// malformed messages.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func TestMalformedRequests(t *testing.T) {
	rec := &recorder{}
	conn, _ := serve(t, newHelloApp(app.Use(rec.middleware)))
	tests := []struct {
		give     []byte
		wantCode codes.Code
		wantMsg  string
	}{
		{give: []byte{0x0a, 0x03, 'A', 'd', 'a'}, wantCode: codes.OK},
		{give: []byte{0x0a, 0x05, 'A'}, wantCode: codes.InvalidArgument, wantMsg: "malformed protobuf request: name: cannot parse invalid wire-format data"},
		{give: []byte{0x0a, 0x02, 0xff, 0xfe}, wantCode: codes.InvalidArgument, wantMsg: "malformed protobuf request: name: string field contains invalid UTF-8"},
		{give: []byte{0x80}, wantCode: codes.InvalidArgument, wantMsg: "malformed protobuf request: cannot parse invalid wire-format data"},
		{give: []byte{0x00, 0x01}, wantCode: codes.InvalidArgument, wantMsg: "malformed protobuf request: cannot parse invalid wire-format data"},
		{give: []byte{0x0c}, wantCode: codes.InvalidArgument, wantMsg: "malformed protobuf request: cannot parse invalid wire-format data"},
		{give: []byte{0x0f}, wantCode: codes.InvalidArgument, wantMsg: "malformed protobuf request: cannot parse invalid wire-format data"},
		// Unknown fields are skipped; a known field with the wrong wire
		// type is skipped like an unknown one, as protobuf-go does.
		{give: []byte{0x10, 0x01, 0x0a, 0x03, 'A', 'd', 'a', 0x0d, 1, 2, 3, 4}, wantCode: codes.OK},
		{give: []byte{0x08, 0x01}, wantCode: codes.InvalidArgument, wantMsg: "invalid name: is required"},
	}
	for _, tt := range tests {
		var out []byte
		in := tt.give
		err := conn.Invoke(context.Background(), "/hello.v1.HelloService/Hello", &in, &out, grpc.ForceCodec(rawCodec{}))
		st := status.Convert(err)
		if st.Code() != tt.wantCode || st.Message() != tt.wantMsg {
			t.Errorf("Hello(% x) = %v %q, want %v %q", tt.give, st.Code(), st.Message(), tt.wantCode, tt.wantMsg)
		}
	}
	if got := len(rec.seen()); got != len(tests) {
		t.Errorf("middleware saw %d calls, want %d (malformed calls too)", got, len(tests))
	}
	_, err := hellopb.NewHelloServiceClient(conn).Hello(context.Background(), &hellopb.HelloRequest{Name: "still fine"})
	if err != nil {
		t.Errorf("server broken after malformed requests: %v", err)
	}
}

func TestServiceProtoEndpoint(t *testing.T) {
	a := newHelloApp()
	host := httpserver.New()
	a.Mount(host)
	serve(t, a)
	h, err := host.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/service.proto", nil))
	want, err := afgrpc.ProtoFile(newHelloApp())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rr.Body.String(), want); diff != "" {
		t.Error(diff)
	}
	if ct := rr.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
}

func TestUnaryInterceptorSeesTypedValues(t *testing.T) {
	var seen []string
	icpt := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		resp, err := h(ctx, req)
		if in, ok := req.(*HelloIn); ok {
			seen = append(seen, info.FullMethod+" "+in.Name)
		}
		if out, ok := resp.(*HelloOut); ok {
			seen = append(seen, out.Message)
		}
		return resp, err
	}
	conn, _ := serve(t, newHelloApp(), afgrpc.WithServerOptions(grpc.UnaryInterceptor(icpt)))
	resp, err := hellopb.NewHelloServiceClient(conn).Hello(context.Background(), &hellopb.HelloRequest{Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetMessage() != "Hello, Ada!" {
		t.Errorf("message %q", resp.GetMessage())
	}
	if diff := cmp.Diff(seen, []string{"/hello.v1.HelloService/Hello Ada", "Hello, Ada!"}); diff != "" {
		t.Error(diff)
	}
}

func TestListenTCPAndGracefulStop(t *testing.T) {
	a := newHelloApp()
	release := make(chan struct{})
	started := make(chan struct{})
	app.Query(a, "block", func(context.Context, Empty) (Empty, error) {
		close(started)
		<-release
		return Empty{}, nil
	})
	tr := afgrpc.New(afgrpc.WithAddr("127.0.0.1:0"))
	if tr.Addr() != nil {
		t.Error("Addr before Start is not nil")
	}
	a.Mount(tr)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := tr.Addr().String()
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("Addr() = %s", addr)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := hellopb.NewHelloServiceClient(conn).Whoami(context.Background(), &hellopb.WhoamiRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if host, _, err := net.SplitHostPort(resp.GetPeer()); err != nil || host != "127.0.0.1" {
		t.Errorf("peer %q, want 127.0.0.1:port", resp.GetPeer())
	}

	// An in-flight call finishes during a graceful stop.
	result := make(chan error, 1)
	go func() {
		result <- conn.Invoke(context.Background(), "/hello.v1.HelloService/Block", &hellopb.WhoamiRequest{}, &hellopb.WhoamiResponse{})
	}()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- tr.Stop(context.Background()) }()
	// Release the call once the stop is under way: the listener is closed.
	testenv.Eventually(t, 5*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	})
	close(release)
	if err := <-result; err != nil {
		t.Errorf("in-flight call: %v", err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("stop: %v", err)
	}
	if err := a.Stop(context.Background()); err != nil {
		t.Errorf("app stop: %v", err)
	}
}

func TestStopCutShortByContext(t *testing.T) {
	a := app.New(app.Name("stuck"))
	started := make(chan struct{})
	app.Query(a, "stuck", func(ctx context.Context, _ Empty) (Empty, error) {
		close(started)
		<-ctx.Done()
		return Empty{}, ctx.Err()
	})
	conn, tr := serve(t, a)
	go func() {
		_ = conn.Invoke(context.Background(), "/stuck.v1.StuckService/Stuck", &hellopb.WhoamiRequest{}, &hellopb.WhoamiResponse{})
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := tr.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v, want it cut short by the deadline", err)
	}
}

// TestStopEndsServerStreams: streams never end by themselves, so Stop
// ends them (the handler's ctx ends) and the client gets UNAVAILABLE, a
// status that says to resume elsewhere, instead of graceful stop waiting
// for them until its deadline and then breaking the connection.
func TestStopEndsServerStreams(t *testing.T) {
	a := app.New(app.Name("ticker"))
	handlerErr := make(chan error, 1)
	app.Stream(a, "ticks", func(ctx context.Context, _ Empty, send func(Greeting) error) error {
		if err := send(Greeting{Index: 0}); err != nil {
			return err
		}
		<-ctx.Done()
		handlerErr <- ctx.Err()
		return ctx.Err()
	})
	conn, tr := serve(t, a)
	stream, err := conn.NewStream(context.Background(), &grpc.StreamDesc{ServerStreams: true}, "/ticker.v1.TickerService/Ticks")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SendMsg(&hellopb.WhoamiRequest{}); err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	if err := stream.RecvMsg(&hellopb.GreetingsResponse{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Stop(ctx); err != nil {
		t.Errorf("Stop = %v, want a graceful stop that does not wait for the stream", err)
	}
	if err := <-handlerErr; !errors.Is(err, context.Canceled) {
		t.Errorf("handler's ctx ended with %v, want canceled", err)
	}
	err = stream.RecvMsg(&hellopb.GreetingsResponse{})
	if st := status.Convert(err); st.Code() != codes.Unavailable || st.Message() != "the server is shutting down" {
		t.Errorf("stream ended with %v, want UNAVAILABLE \"the server is shutting down\"", err)
	}
}

func TestOutputsProtobufCannotCarryAreInternalErrors(t *testing.T) {
	a := app.New(app.Name("bad"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	app.Query(a, "utf8", func(context.Context, Empty) (HelloOut, error) {
		return HelloOut{Message: "bad \xff"}, nil
	})
	app.Stream(a, "items", func(_ context.Context, _ Empty, send func(HelloOut) error) error {
		if err := send(HelloOut{Message: "fine"}); err != nil {
			return err
		}
		return send(HelloOut{Message: "bad \xff"})
	})
	// Middleware that swaps the output for a value of another type.
	swap := func(next app.Handler) app.Handler {
		return func(ctx context.Context, c *app.Call) (any, error) {
			out, err := next(ctx, c)
			if c.Operation.Name == "swapped" {
				return &Greeting{}, err
			}
			return out, err
		}
	}
	a.Use(swap)
	app.Query(a, "swapped", func(context.Context, Empty) (HelloOut, error) { return HelloOut{Message: "x"}, nil })
	conn, _ := serve(t, a)

	for _, method := range []string{"/bad.v1.BadService/Utf8", "/bad.v1.BadService/Swapped"} {
		err := conn.Invoke(context.Background(), method, &hellopb.WhoamiRequest{}, &hellopb.HelloResponse{})
		if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
			t.Errorf("%s = %v %q, want Internal without the cause", method, st.Code(), st.Message())
		}
	}
	stream, err := conn.NewStream(context.Background(), &grpc.StreamDesc{ServerStreams: true}, "/bad.v1.BadService/Items")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SendMsg(&hellopb.WhoamiRequest{}); err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	var first hellopb.HelloResponse
	if err := stream.RecvMsg(&first); err != nil || first.GetMessage() != "fine" {
		t.Fatalf("first item = %q, %v", first.GetMessage(), err)
	}
	err = stream.RecvMsg(&hellopb.HelloResponse{})
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Errorf("bad item = %v %q, want Internal without the cause", st.Code(), st.Message())
	}
}
