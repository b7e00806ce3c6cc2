package grpc_test

import (
	"context"
	"slices"
	"testing"
	"time"

	afgrpc "github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/internal/hellopb"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func TestHealthCheck(t *testing.T) {
	a := newHelloApp()
	conn, _ := serve(t, a)
	client := healthpb.NewHealthClient(conn)
	check := func(service string) (healthpb.HealthCheckResponse_ServingStatus, codes.Code) {
		resp, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: service})
		return resp.GetStatus(), status.Code(err)
	}
	type result struct {
		Status healthpb.HealthCheckResponse_ServingStatus
		Code   codes.Code
	}
	tests := []struct {
		give  string
		ready bool
		want  result
	}{
		{give: "", ready: true, want: result{healthpb.HealthCheckResponse_SERVING, codes.OK}},
		{give: "hello.v1.HelloService", ready: true, want: result{healthpb.HealthCheckResponse_SERVING, codes.OK}},
		{give: "other.v1.OtherService", ready: true, want: result{healthpb.HealthCheckResponse_UNKNOWN, codes.NotFound}},
		{give: "", ready: false, want: result{healthpb.HealthCheckResponse_NOT_SERVING, codes.OK}},
		{give: "hello.v1.HelloService", ready: false, want: result{healthpb.HealthCheckResponse_NOT_SERVING, codes.OK}},
	}
	for _, tt := range tests {
		a.SetReady(tt.ready)
		st, code := check(tt.give)
		if got := (result{st, code}); got != tt.want {
			t.Errorf("Check(%q) ready=%v = %v, want %v", tt.give, tt.ready, got, tt.want)
		}
	}
	a.SetReady(true)
	list, err := client.List(context.Background(), &healthpb.HealthListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, v := range list.GetStatuses() {
		got[k] = v.GetStatus().String()
	}
	if diff := cmp.Diff(got, map[string]string{"": "SERVING", "hello.v1.HelloService": "SERVING"}); diff != "" {
		t.Error(diff)
	}
}

func TestHealthWatchFollowsReadinessAndStop(t *testing.T) {
	a := newHelloApp()
	conn, tr := serve(t, a, afgrpc.WithHealthInterval(10*time.Millisecond))
	stream, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	next := func() string {
		resp, err := stream.Recv()
		if err != nil {
			return "error: " + status.Code(err).String()
		}
		return resp.GetStatus().String()
	}
	var got []string
	got = append(got, next())
	a.SetReady(false)
	got = append(got, next())
	a.SetReady(true)
	got = append(got, next())
	// Stopping the transport ends the watch (so graceful stop is not held
	// up by watchers) after a last NOT_SERVING.
	stopped := make(chan error, 1)
	go func() { stopped <- tr.Stop(context.Background()) }()
	got = append(got, next())
	if _, err := stream.Recv(); err == nil {
		t.Error("watch still open after stop")
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("stop: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("graceful stop held up by a health watch")
	}
	if diff := cmp.Diff(got, []string{"SERVING", "NOT_SERVING", "SERVING", "NOT_SERVING"}); diff != "" {
		t.Error(diff)
	}
}

// TestH2C serves gRPC on the HTTP host's port (h2c), next to the host's
// own routes.
func TestH2C(t *testing.T) {
	a := newHelloApp()
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	a.Mount(host)
	serve(t, a, afgrpc.WithH2C())
	if got := host.Routes(); !slices.Contains(got, "POST /hello.v1.HelloService/*") || !slices.Contains(got, "GET /service.proto") {
		t.Errorf("host routes = %v", got)
	}
	conn, err := grpc.NewClient(host.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := hellopb.NewHelloServiceClient(conn).Hello(context.Background(), &hellopb.HelloRequest{Name: "h2c"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetMessage() != "Hello, h2c!" {
		t.Errorf("message %q", resp.GetMessage())
	}
	h, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health over h2c = %v, %v", h.GetStatus(), err)
	}
}
