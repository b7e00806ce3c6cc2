// Command baseline serves one of the baselines of package baseline (or
// gqlgen's server of package gqlgenbench) on -addr:
//
//	baseline -impl echo|nethttp|chi|huma|gqlgen|grpc|connect -addr 127.0.0.1:18100
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"

	"github.com/allframe-go/allframe/bench/baseline"
	"github.com/allframe-go/allframe/bench/gqlgenbench"
	"github.com/allframe-go/allframe/bench/internal/stats"
	"github.com/allframe-go/allframe/bench/workload/benchpb"
	"github.com/allframe-go/allframe/bench/workload/benchpb/benchpbconnect"
)

func main() {
	impl := flag.String("impl", "", "echo, nethttp, chi, huma, gqlgen, grpc or connect")
	addr := flag.String("addr", "127.0.0.1:18100", "listen address")
	flag.Parse()
	if err := stats.Serve(); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	var h http.Handler
	switch *impl {
	case "echo":
		h = baseline.Echo()
	case "nethttp":
		h = baseline.NetHTTP()
	case "chi":
		h = baseline.Chi()
	case "huma":
		h = baseline.Huma()
	case "gqlgen":
		mux := http.NewServeMux()
		mux.Handle("/graphql", gqlgenbench.NewServer())
		h = mux
	case "connect":
		mux := http.NewServeMux()
		mux.Handle(benchpbconnect.NewBenchServiceHandler(baseline.ConnectServer{}))
		h = mux
	case "grpc":
		s := grpc.NewServer()
		benchpb.RegisterBenchServiceServer(s, baseline.GRPCServer{})
		log.Fatal(s.Serve(ln))
	default:
		log.Fatalf("unknown -impl %q", *impl)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true) // gRPC clients of connect-go speak h2c
	log.Fatal(srv.Serve(ln))
}
