package grpc_test

import (
	"bytes"
	"context"
	"net"
	"reflect"
	"runtime"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/allframe-go/allframe/app"
	afgrpc "github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/internal/hellopb"
	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
)

// generatedHello is the same hello handler written against the
// protoc-generated server interface, with the checks the framework's
// `validate:"required,max=64"` tag makes.
type generatedHello struct {
	hellopb.UnimplementedHelloServiceServer
}

func (generatedHello) Hello(_ context.Context, in *hellopb.HelloRequest) (*hellopb.HelloResponse, error) {
	if in.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "invalid name: is required")
	}
	if utf8.RuneCountInString(in.GetName()) > 64 {
		return nil, status.Error(codes.InvalidArgument, "invalid name: must be at most 64 characters")
	}
	return &hellopb.HelloResponse{Message: "Hello, " + in.GetName() + "!"}, nil
}

// benchServers starts the framework's hello and the generated server on
// listeners made by listen and returns a client of each.
func benchServers(b *testing.B, listen func() (net.Listener, func(context.Context, string) (net.Conn, error))) (framework, generated hellopb.HelloServiceClient) {
	b.Helper()
	dial := func(target string, dialer func(context.Context, string) (net.Conn, error)) hellopb.HelloServiceClient {
		opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
		if dialer != nil {
			opts = append(opts, grpc.WithContextDialer(dialer))
		}
		conn, err := grpc.NewClient(target, opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = conn.Close() })
		return hellopb.NewHelloServiceClient(conn)
	}

	lis, dialer := listen()
	a := newHelloApp()
	a.Mount(afgrpc.New(afgrpc.WithListener(lis)))
	if err := a.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Stop(ctx)
	})
	framework = dial("passthrough:///"+lis.Addr().String(), dialer)

	lis, dialer = listen()
	srv := grpc.NewServer()
	hellopb.RegisterHelloServiceServer(srv, generatedHello{})
	go func() { _ = srv.Serve(lis) }()
	b.Cleanup(srv.Stop)
	generated = dial("passthrough:///"+lis.Addr().String(), dialer)
	return framework, generated
}

func tcp() (net.Listener, func(context.Context, string) (net.Conn, error)) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	return lis, nil
}

func inMemory() (net.Listener, func(context.Context, string) (net.Conn, error)) {
	lis := bufconn.Listen(1 << 20)
	return lis, func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }
}

// BenchmarkHello compares the framework's gRPC hello with the
// protoc-generated grpc-go server running the same handler, in the same
// run, through the same generated client. Run with -count to interleave
// pairs: go test -run '^$' -bench Hello -benchmem -count 6 ./transport/grpc/
func BenchmarkHello(b *testing.B) {
	for _, transport := range []struct {
		name   string
		listen func() (net.Listener, func(context.Context, string) (net.Conn, error))
	}{{"tcp", tcp}, {"bufconn", inMemory}} {
		framework, generated := benchServers(b, transport.listen)
		for _, server := range []struct {
			name   string
			client hellopb.HelloServiceClient
		}{{"framework", framework}, {"generated", generated}} {
			b.Run(transport.name+"/"+server.name, func(b *testing.B) {
				ctx := context.Background()
				req := &hellopb.HelloRequest{Name: "Ada"}
				b.ReportAllocs()
				for b.Loop() {
					resp, err := server.client.Hello(ctx, req)
					if err != nil || resp.GetMessage() != "Hello, Ada!" {
						b.Fatal(resp, err)
					}
				}
			})
		}
	}
}

// BenchmarkHelloInterleaved alternates blocks of calls to the framework's
// hello and to the generated server inside one benchmark, so that load
// from other processes hits both alike, and reports the time and
// allocations per call of each and their ratio:
// go test -run '^$' -bench HelloInterleaved -benchtime 20000x ./transport/grpc/
func BenchmarkHelloInterleaved(b *testing.B) {
	for _, transport := range []struct {
		name   string
		listen func() (net.Listener, func(context.Context, string) (net.Conn, error))
	}{{"tcp", tcp}, {"bufconn", inMemory}} {
		b.Run(transport.name, func(b *testing.B) {
			framework, generated := benchServers(b, transport.listen)
			clients := [2]hellopb.HelloServiceClient{framework, generated}
			ctx := context.Background()
			req := &hellopb.HelloRequest{Name: "Ada"}
			call := func(c hellopb.HelloServiceClient) {
				if resp, err := c.Hello(ctx, req); err != nil || resp.GetMessage() != "Hello, Ada!" {
					b.Fatal(resp, err)
				}
			}
			for range 200 { // warm up both connections
				call(framework)
				call(generated)
			}
			const block = 50
			var elapsed [2]time.Duration
			var mallocs [2]uint64
			var calls [2]int
			var ms runtime.MemStats
			b.ResetTimer()
			for i := 0; i < b.N; i += block {
				// ABBA order: neither side always runs first.
				which := (i / block) % 2
				if (i/block/2)%2 == 1 {
					which = 1 - which
				}
				runtime.ReadMemStats(&ms)
				before := ms.Mallocs
				start := time.Now()
				for range block {
					call(clients[which])
				}
				elapsed[which] += time.Since(start)
				runtime.ReadMemStats(&ms)
				mallocs[which] += ms.Mallocs - before
				calls[which] += block
			}
			if calls[0] == 0 || calls[1] == 0 {
				return
			}
			fw := float64(elapsed[0].Nanoseconds()) / float64(calls[0])
			gen := float64(elapsed[1].Nanoseconds()) / float64(calls[1])
			b.ReportMetric(fw, "framework-ns/call")
			b.ReportMetric(gen, "generated-ns/call")
			b.ReportMetric(fw/gen, "time-ratio")
			b.ReportMetric(float64(mallocs[0])/float64(calls[0]), "framework-allocs/call")
			b.ReportMetric(float64(mallocs[1])/float64(calls[1]), "generated-allocs/call")
		})
	}
}

// BenchmarkHelloParallel is BenchmarkHello with concurrent calls.
func BenchmarkHelloParallel(b *testing.B) {
	framework, generated := benchServers(b, tcp)
	for _, server := range []struct {
		name   string
		client hellopb.HelloServiceClient
	}{{"framework", framework}, {"generated", generated}} {
		b.Run(server.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := &hellopb.HelloRequest{Name: "Ada"}
				for pb.Next() {
					if _, err := server.client.Hello(context.Background(), req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkHandle is the framework's per-call cost without gRPC: what
// Operation.Handle adds (middleware chain, validation, context).
func BenchmarkHandle(b *testing.B) {
	a := newHelloApp()
	op := a.Operation("hello")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		call := &app.Call{Protocol: app.ProtocolGRPC, Input: &HelloIn{Name: "Ada"}}
		if _, err := op.Handle(ctx, call); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCodec compares the codec's plans with protobuf-go's generated
// code on the same messages: hello, and a profile using every mapping.
func BenchmarkCodec(b *testing.B) {
	a := newHelloApp()
	compiler := wire.NewCompiler()
	plan := func(t *app.Type) *wire.Message {
		m, err := compiler.Compile(t)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	nick, age := "ace", int32(7)
	profile := &Profile{
		ID: "p1", Nickname: &nick, Age: &age, Mood: "grumpy", Tags: []string{"a", "b", "c"}, Scores: []int64{1, 2, 3},
		Labels: map[string]string{"x": "1", "y": "2"}, Home: &Address{Street: "Main", City: "Oslo"}, Work: Address{City: "Bergen"},
		Friends: []Address{{Street: "x"}, {City: "y"}}, Born: time.Date(1990, 1, 2, 3, 4, 5, 6, time.UTC), Timeout: time.Second,
		Extra: map[string]any{"k": 1.5}, Avatar: []byte("png"), Ratio: 0.5, Weight: 70, Active: true, Visits: 10, Level: 3,
		Moods: map[string]Mood{"mon": "happy"}, CreatedBy: "me",
	}
	cases := []struct {
		name string
		plan *wire.Message
		goV  any
		pbV  proto.Message
	}{
		{"hello", plan(a.Operation("hello").Input), &HelloIn{Name: "Ada"}, &hellopb.HelloRequest{Name: "Ada"}},
		{"profile", plan(a.Operation("updateProfile").Input), profile, nil},
	}
	for _, c := range cases {
		data, err := c.plan.Marshal(c.goV)
		if err != nil {
			b.Fatal(err)
		}
		pbV := c.pbV
		if pbV == nil {
			pbV = &hellopb.UpdateProfileRequest{}
			if err := proto.Unmarshal(data, pbV); err != nil {
				b.Fatal(err)
			}
		}
		if want, err := (proto.MarshalOptions{Deterministic: true}).Marshal(pbV); err != nil || !bytes.Equal(want, data) {
			b.Fatalf("%s: codec and protobuf-go encode differently: %v", c.name, err)
		}
		goType := reflect.TypeOf(c.goV).Elem()
		b.Run(c.name+"/marshal/codec", func(b *testing.B) {
			b.ReportAllocs()
			var e wire.Encoder
			p := reflect.ValueOf(c.goV).UnsafePointer()
			buf := make([]byte, 0, 1024)
			for b.Loop() {
				n, err := c.plan.Size(p, &e)
				if err != nil || len(c.plan.Append(buf[:0], p, &e)) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/marshal/protobuf-go", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 1024)
			opts := proto.MarshalOptions{Deterministic: true, UseCachedSize: true}
			for b.Loop() {
				n := proto.Size(pbV)
				if out, err := opts.MarshalAppend(buf[:0], pbV); err != nil || len(out) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/unmarshal/codec", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v := reflect.New(goType)
				if err := c.plan.Unmarshal(data, v.UnsafePointer()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/unmarshal/protobuf-go", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := pbV.ProtoReflect().New().Interface()
				if err := proto.Unmarshal(data, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
