package conformance

import (
	"context"
	"testing"

	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

// TestGRPCOnHTTPPort serves gRPC on the HTTP host's port (h2c) when
// the user opts in with grpc.WithH2C, next to REST on the same listener.
func TestGRPCOnHTTPPort(t *testing.T) {
	a := newApp()
	rt := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	a.Mount(grpc.New(grpc.WithH2C(), grpc.WithAddr("127.0.0.1:0")), rt, rest.New())
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	conn, err := grpcgo.NewClient(rt.Addr().String(), grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := grpcjson.New(context.Background(), conn, "conf.v1.ConfService")
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Call(context.Background(), "conf.v1.ConfService/Hello", `{"name":"h2c"}`)
	if err != nil || out != `{"message":"Hello, h2c!"}` {
		t.Errorf("gRPC over the HTTP port: %s %v", out, err)
	}
}
