package grpc

import (
	"context"
	"net"
	"testing"
	"unicode/utf8"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc/internal/hellopb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

type benchHelloIn struct {
	Name string `json:"name" validate:"required,max=64"`
}

type benchHelloOut struct {
	Message string `json:"message"`
}

type benchGenerated struct {
	hellopb.UnimplementedHelloServiceServer
}

func (benchGenerated) Hello(_ context.Context, in *hellopb.HelloRequest) (*hellopb.HelloResponse, error) {
	if in.GetName() == "" || utf8.RuneCountInString(in.GetName()) > 64 {
		return nil, status.Error(codes.InvalidArgument, "invalid name")
	}
	return &hellopb.HelloResponse{Message: "Hello, " + in.GetName() + "!"}, nil
}

// BenchmarkDispatch measures what the server does per unary call besides
// HTTP/2: decode, handler dispatch, encode; the framework's method handler
// and codec against the protoc-generated handler with grpc's proto codec.
func BenchmarkDispatch(b *testing.B) {
	a := app.New(app.Name("hello"))
	app.Query(a, "hello", func(_ context.Context, in benchHelloIn) (benchHelloOut, error) {
		return benchHelloOut{Message: "Hello, " + in.Name + "!"}, nil
	})
	tr := New()
	if err := tr.Prepare(a); err != nil {
		b.Fatal(err)
	}
	m := tr.methods[0]
	c := newCodec(nil)
	protoCodec := encoding.GetCodecV2("proto")
	ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}})
	req := mem.BufferSlice{mem.SliceBuffer([]byte("\x0a\x03Ada"))}

	b.Run("framework", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := m.unary(tr, ctx, func(v any) error { return c.Unmarshal(req, v) }, nil)
			if err != nil {
				b.Fatal(err)
			}
			data, err := c.Marshal(out)
			if err != nil || data.Len() != 13 {
				b.Fatal(err)
			}
			data.Free()
		}
	})
	gen := hellopb.HelloService_ServiceDesc.Methods[0].Handler
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := gen(benchGenerated{}, ctx, func(v any) error { return protoCodec.Unmarshal(req, v) }, nil)
			if err != nil {
				b.Fatal(err)
			}
			data, err := protoCodec.Marshal(out)
			if err != nil || data.Len() != 13 {
				b.Fatal(err)
			}
			data.Free()
		}
	})
	_ = tr.Stop(context.Background())
}
