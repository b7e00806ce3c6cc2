// Command bankload deposits into the accounts of a running examples/bank
// over one protocol — REST, GraphQL or gRPC — with the same Go client
// code around each (net/http with keep-alive, grpc-go with a bytes codec
// and hand-encoded messages), so the client costs about the same on every
// protocol and the server's CPU per deposit can be compared:
//
//	bankload -proto rest|graphql|grpc -http 127.0.0.1:18290 -grpc 127.0.0.1:18291 -ids ids.txt -c 32 -d 5s
//
// It prints one JSON line: requests (successful), errors, seconds, p50_ms, p99_ms.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawCodec passes pre-encoded protobuf bytes through, so the gRPC client
// does no more marshalling work than the HTTP ones.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

var _ encoding.CodecV2 = rawCodec{}

type result struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
}

func main() {
	proto := flag.String("proto", "rest", "rest, graphql or grpc")
	httpAddr := flag.String("http", "127.0.0.1:18290", "the bank's HTTP address")
	grpcAddr := flag.String("grpc", "127.0.0.1:18291", "the bank's gRPC address")
	idsFile := flag.String("ids", "ids.txt", "account ids, one a line")
	conns := flag.Int("c", 32, "concurrent clients (one connection each)")
	dur := flag.Duration("d", 5*time.Second, "duration")
	flag.Parse()

	ids, err := readLines(*idsFile)
	if err != nil || len(ids) == 0 {
		log.Fatalf("bankload: no account ids in %s: %v", *idsFile, err)
	}
	var deposit func(ctx context.Context, c int, id string) error
	switch *proto {
	case "rest", "graphql":
		deposit = httpDeposit(*proto, *httpAddr, *conns)
	case "grpc":
		deposit, err = grpcDeposit(*grpcAddr, *conns)
		if err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("bankload: unknown -proto %q", *proto)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	lat := make([][]time.Duration, *conns)
	errs := make([]int, *conns)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range *conns {
		wg.Go(func() {
			l := make([]time.Duration, 0, 1<<16)
			for i := c; ctx.Err() == nil; i++ {
				t0 := time.Now()
				if err := deposit(context.Background(), c, ids[i%len(ids)]); err != nil {
					errs[c]++
					continue
				}
				l = append(l, time.Since(t0))
			}
			lat[c] = l
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	r := result{Seconds: elapsed.Seconds()}
	for c := range *conns {
		all = append(all, lat[c]...)
		r.Errors += errs[c]
	}
	slices.Sort(all)
	r.Requests = len(all)
	if len(all) > 0 {
		r.P50ms = float64(all[len(all)/2]) / 1e6
		r.P99ms = float64(all[len(all)*99/100]) / 1e6
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
}

func httpDeposit(proto, addr string, conns int) func(context.Context, int, string) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	return func(ctx context.Context, _ int, id string) error {
		var req *http.Request
		var err error
		if proto == "rest" {
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/accounts/"+id+"/deposit", bytes.NewReader([]byte(`{"amount":1}`)))
		} else {
			body := `{"query":"mutation D($id: String!, $amount: Int64) { deposit(id: $id, amount: $amount) { balance } }","variables":{"id":"` + id + `","amount":1}}`
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/graphql", bytes.NewReader([]byte(body)))
		}
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"errors"`)) {
			return fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		return nil
	}
}

func grpcDeposit(addr string, conns int) (func(context.Context, int, string) error, error) {
	// One connection per client, as the HTTP clients have.
	ccs := make([]*grpc.ClientConn, conns)
	for c := range conns {
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{})))
		if err != nil {
			return nil, err
		}
		ccs[c] = cc
	}
	return func(ctx context.Context, c int, id string) error {
		// bank.v1.DepositRequest{id = 1, amount = 2}
		in := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), id)
		in = protowire.AppendVarint(protowire.AppendTag(in, 2, protowire.VarintType), 1)
		var out []byte
		return ccs[c].Invoke(ctx, "/bank.v1.BankService/Deposit", &in, &out)
	}, nil
}

func readLines(name string) ([]string, error) {
	f, err := os.Open(name) //nolint:gosec // the file named on the command line
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if s.Text() != "" {
			lines = append(lines, s.Text())
		}
	}
	return lines, s.Err()
}
