package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/rest"
)

// A sum type on every protocol: as an input field, an optional field, list
// elements, an output field and in stream items.

type PaymentMethod interface{ isPaymentMethod() }

type Card struct {
	Last4 string `json:"last4" validate:"len=4"`
	Exp   int32  `json:"exp"`
}

type Wallet struct {
	Provider string `json:"provider" validate:"required"`
}

func (Card) isPaymentMethod()    {}
func (*Wallet) isPaymentMethod() {}

type PayIn struct {
	Method  PaymentMethod   `json:"method" validate:"required"`
	Backup  PaymentMethod   `json:"backup,omitempty"`
	History []PaymentMethod `json:"history,omitempty" validate:"dive"`
}

type PayOut struct {
	Method  PaymentMethod   `json:"method"`
	Backup  PaymentMethod   `json:"backup"`
	History []PaymentMethod `json:"history"`
}

func newOneOfApp() *app.App {
	a := app.New(app.Name("conf"))
	app.OneOf[PaymentMethod](a, app.Variant[Card](), app.Variant[*Wallet]())
	app.Command(a, "pay", func(_ context.Context, in PayIn) (PayOut, error) { return PayOut(in), nil })
	app.Stream(a, "methods", func(_ context.Context, in PayIn, send func(PayOut) error) error {
		for _, m := range append([]PaymentMethod{in.Method}, in.History...) {
			if err := send(PayOut{Method: m}); err != nil {
				return err
			}
		}
		return nil
	}, app.HTTP("POST", "/methods")) // a sum type cannot be a query parameter
	return a
}

// sumFields are the fields of PayIn and PayOut that hold the sum type.
var sumFields = []string{"method", "backup", "history"}

// eachSum applies f to every sum value in the object o (REST's shape).
func eachSum(o any, f func(any) any) any {
	m, ok := o.(map[string]any)
	if !ok {
		return o
	}
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for _, k := range sumFields {
		switch v := out[k].(type) {
		case nil:
		case []any:
			l := make([]any, len(v))
			for i, e := range v {
				l[i] = f(e)
			}
			out[k] = l
		default:
			out[k] = f(v)
		}
	}
	return out
}

// keyed turns {"type":"card","last4":"1"} into {"card":{"last4":"1"}}: the
// shape of the protobuf oneof in protojson and of the GraphQL @oneOf input.
func keyed(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	name, ok := m["type"].(string)
	if !ok {
		return m
	}
	rest := map[string]any{}
	for k, e := range m {
		if k != "type" {
			rest[k] = e
		}
	}
	return map[string]any{name: rest}
}

// tagged is the inverse of keyed.
func tagged(v any) any {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return v
	}
	for name, e := range m {
		out := map[string]any{"type": name}
		if fm, ok := e.(map[string]any); ok {
			for k, x := range fm {
				out[k] = x
			}
		}
		return out
	}
	return v
}

// typenames maps GraphQL __typename to the variant's wire name.
func typenames(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, e := range m {
		if k == "__typename" {
			k, e = "type", map[any]string{"Card": "card", "Wallet": "wallet"}[e]
		}
		out[k] = e
	}
	return out
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type oneOfServers struct {
	a         *app.App
	rest, gql http.Handler
	grpc      *grpcjson.Client
}

func newOneOfServers(t testing.TB) *oneOfServers {
	a := newOneOfApp()
	restH, err := rest.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	gqlH, err := graphql.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	gt := grpc.New(grpc.WithListener(lis))
	if err := gt.Prepare(a); err != nil {
		t.Fatal(err)
	}
	if err := gt.Start(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gt.Stop(context.Background()) })
	conn, err := grpcgo.NewClient("passthrough:///bufconn",
		grpcgo.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	gc, err := grpcjson.New(context.Background(), conn, "conf.v1.ConfService")
	if err != nil {
		t.Fatal(err)
	}
	return &oneOfServers{a: a, rest: restH, gql: gqlH, grpc: gc}
}

// call runs op with input (REST's JSON shape) over each protocol and
// returns the results in REST's shape; in process, InvokeJSON takes and
// returns REST's shape too.
func (s *oneOfServers) call(t *testing.T, op, input string) map[string]result {
	in := decodeJSON(t, input)
	isStream := op == "methods"
	res := map[string]result{"inprocess": inProcess{s.a}.call(t, s.a.Operation(op), input)}

	// REST: the JSON body with the discriminator; streams as SSE.
	var req *http.Request
	if isStream {
		req = httptest.NewRequest("POST", "/methods", strings.NewReader(input))
	} else {
		req = httptest.NewRequest("POST", "/pay", strings.NewReader(input))
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.rest.ServeHTTP(rec, req)
	switch {
	case rec.Code != 200:
		var p rest.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("REST: %d %s", rec.Code, rec.Body)
		}
		r := result{Code: p.Code}
		for _, v := range p.Violations {
			r.Violations = append(r.Violations, v.Field)
		}
		res["rest"] = r
	case isStream:
		var items []any
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				items = append(items, normalize(decodeJSON(t, data)))
			}
		}
		res["rest"] = result{Items: items}
	default:
		res["rest"] = result{Out: normalize(decodeJSON(t, rec.Body.String()))}
	}

	// gRPC: protojson of the oneof, {"card":{...}}.
	method := "conf.v1.ConfService/Pay"
	grpcIn := asJSON(t, eachSum(in, keyed))
	if isStream {
		items, err := s.grpc.Stream(context.Background(), "conf.v1.ConfService/Methods", grpcIn)
		if err != nil {
			res["grpc"] = grpcError(err)
		} else {
			var out []any
			for _, it := range items {
				out = append(out, normalize(eachSum(decodeJSON(t, it), tagged)))
			}
			res["grpc"] = result{Items: out}
		}
	} else if out, err := s.grpc.Call(context.Background(), method, grpcIn); err != nil {
		res["grpc"] = grpcError(err)
	} else {
		res["grpc"] = result{Out: normalize(eachSum(decodeJSON(t, out), tagged))}
	}

	// GraphQL: the @oneOf input in variables, the union with fragments.
	const sel = `{ __typename ... on Card { last4 exp } ... on Wallet { provider } }`
	kind, field := "mutation", "pay"
	if isStream {
		kind, field = "subscription", "methods"
	}
	query := kind + `($method: PaymentMethodInput!, $backup: PaymentMethodInput, $history: [PaymentMethodInput]) {
		` + field + `(method: $method, backup: $backup, history: $history) { method ` + sel + ` backup ` + sel + ` history ` + sel + ` } }`
	body, err := json.Marshal(map[string]any{"query": query, "variables": eachSum(in, keyed)})
	if err != nil {
		t.Fatal(err)
	}
	req = httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if isStream {
		req.Header.Set("Accept", "text/event-stream")
	}
	rec = httptest.NewRecorder()
	s.gql.ServeHTTP(rec, req)
	var resps []gqlResponse
	if isStream {
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok || strings.TrimSpace(data) == "" {
				continue
			}
			var r gqlResponse
			if err := json.Unmarshal([]byte(data), &r); err == nil {
				resps = append(resps, r)
			}
		}
	} else {
		var r gqlResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("GraphQL: %d %s", rec.Code, rec.Body)
		}
		resps = append(resps, r)
	}
	var gr result
	for _, r := range resps {
		if len(r.Errors) > 0 {
			gr = r.errResult()
			break
		}
		v := normalize(eachSum(r.Data[field], typenames))
		if isStream {
			gr.Items = append(gr.Items, v)
		} else {
			gr.Out = v
		}
	}
	res["graphql"] = gr
	return res
}

func TestOneOfConformance(t *testing.T) {
	s := newOneOfServers(t)
	card := map[string]any{"type": "card", "last4": float64(4242), "exp": float64(1230)} // normalize reads numeric strings as numbers
	wallet := map[string]any{"type": "wallet", "provider": "apple"}
	tests := []struct {
		name  string
		op    string
		input string
		want  result
		// skip names protocols that reject the input before the operation
		// runs, by their own rules (GraphQL validates required arguments
		// and input fields itself).
		skip []string
	}{
		{
			name: "card", op: "pay", input: `{"method":{"type":"card","last4":"4242","exp":1230}}`,
			want: result{Out: map[string]any{"method": card}},
		},
		{
			name: "every position", op: "pay",
			input: `{"method":{"type":"wallet","provider":"apple"},"backup":{"type":"card","last4":"4242","exp":1230},"history":[{"type":"card","last4":"4242","exp":1230},{"type":"wallet","provider":"apple"}]}`,
			want:  result{Out: map[string]any{"method": wallet, "backup": card, "history": []any{card, wallet}}},
		},
		{
			name: "stream items", op: "methods",
			input: `{"method":{"type":"wallet","provider":"apple"},"history":[{"type":"card","last4":"4242","exp":1230}]}`,
			want:  result{Items: []any{map[string]any{"method": wallet}, map[string]any{"method": card}}},
		},
		{
			name: "variant validation", op: "pay", input: `{"method":{"type":"card","last4":"42"}}`,
			want: result{Code: "invalid_argument", Violations: []string{"method.last4"}},
		},
		{
			name: "pointer variant validation", op: "pay", input: `{"method":{"type":"card","last4":"4242"},"history":[{"type":"wallet"}]}`,
			want: result{Code: "invalid_argument", Violations: []string{"history[0].provider"}},
			skip: []string{"graphql"},
		},
		{
			name: "missing", op: "pay", input: `{}`,
			want: result{Code: "invalid_argument", Violations: []string{"method"}},
			skip: []string{"graphql"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.call(t, tt.op, tt.input)
			for _, p := range []string{"inprocess", "rest", "grpc", "graphql"} {
				if slices.Contains(tt.skip, p) {
					if got[p].Code == "" {
						t.Errorf("%s accepted the input: %+v", p, got[p])
					}
					continue
				}
				if diff := cmp.Diff(got[p], tt.want); diff != "" {
					t.Errorf("%s (-got +want):\n%s", p, diff)
				}
			}
		})
	}
}

// TestOneOfConformanceNoVariant: a sum value naming no variant is
// invalid_argument on every protocol, each naming the field in its own
// shape (REST the missing discriminator property).
func TestOneOfConformanceNoVariant(t *testing.T) {
	s := newOneOfServers(t)
	got := s.call(t, "pay", `{"method":{}}`)
	want := map[string]result{
		"inprocess": {Code: "invalid_argument", Violations: []string{"method.type"}},
		"rest":      {Code: "invalid_argument", Violations: []string{"method.type"}},
		"grpc":      {Code: "invalid_argument", Violations: []string{"method"}},
		"graphql":   {Code: "invalid_argument", Violations: []string{"method"}},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

// randomMethod returns a random valid variant in REST's JSON shape.
func randomMethod(r *rand.Rand) map[string]any {
	const alphabet = "abcXYZ019 é☃\"\\/<>"
	str := func(n int) string {
		rs := []rune(alphabet)
		var b strings.Builder
		for range n {
			b.WriteRune(rs[r.IntN(len(rs))])
		}
		return b.String()
	}
	if r.IntN(2) == 0 {
		return map[string]any{"type": "card", "last4": str(4), "exp": r.Int32() - r.Int32()}
	}
	return map[string]any{"type": "wallet", "provider": str(1 + r.IntN(12))}
}

// FuzzOneOfProtocols is the sum types' differential round trip across
// protocols (issue 20): a random valid PayIn, sent as REST JSON (the
// discriminator), protojson → protobuf wire (the oneof), GraphQL variables
// (the @oneOf input) and in process, comes back identically from every
// protocol — REST JSON, the gRPC wire codec's output read by protobuf-go's
// protojson, the GraphQL union selected with fragments and __typename, and
// the in-process JSON — and equal to what was sent.
//
//	go test -run '^$' -fuzz FuzzOneOfProtocols -fuzztime 60s ./internal/conformance/
func FuzzOneOfProtocols(f *testing.F) {
	for seed := range uint64(24) {
		f.Add(seed)
	}
	s := newOneOfServers(f)
	f.Fuzz(func(t *testing.T, seed uint64) {
		r := rand.New(rand.NewPCG(seed, seed^0x0e0f))
		in := map[string]any{"method": randomMethod(r)}
		if r.IntN(2) == 0 {
			in["backup"] = randomMethod(r)
		}
		var history []any
		for range r.IntN(4) {
			history = append(history, randomMethod(r))
		}
		if history != nil {
			in["history"] = history
		}
		input := asJSON(t, in)
		want := result{Out: normalize(decodeJSON(t, input))}
		got := s.call(t, "pay", input)
		for _, p := range []string{"inprocess", "rest", "grpc", "graphql"} {
			if diff := cmp.Diff(got[p], want); diff != "" {
				t.Errorf("%s of %s (-got +want):\n%s", p, input, diff)
			}
		}
	})
}
