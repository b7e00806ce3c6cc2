package grpc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	afgrpc "github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
	"github.com/allframe-go/allframe/transport/rest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// outcome is what a call returned, in neutral terms.
type outcome struct {
	Output     any
	Code       app.Code
	Message    string
	Violations []app.FieldViolation
}

// TestSameResultsOverRESTAndGRPC sends the same inputs over REST and gRPC
// and checks the outputs and errors are the same.
func TestSameResultsOverRESTAndGRPC(t *testing.T) {
	a := newHelloApp()
	conn, _ := serve(t, a)
	h, err := rest.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	nick := "ace"
	profile := Profile{
		ID: "p1", Nickname: &nick, Mood: "in-between", Tags: []string{"a", "b"}, Scores: []int64{-1, 1 << 40},
		Labels: map[string]string{"k": "v"}, Home: &Address{Street: "Main"}, Work: Address{City: "Oslo"},
		Friends: []Address{{Street: "x"}}, Born: time.Date(1815, 12, 10, 0, 0, 0, 5, time.UTC), Timeout: 1500 * time.Millisecond,
		Extra: map[string]any{"list": []any{1.5, "x", true, nil}}, Avatar: []byte{1, 2, 3}, Ratio: 0.25, Weight: 1.5,
		Active: true, Visits: 42, Level: 7, Moods: map[string]Mood{"mon": "happy"}, CreatedBy: "me",
	}
	tests := []struct {
		op   string
		give any
		want any // zero output value to decode into
	}{
		{op: "hello", give: HelloIn{Name: "Ada"}, want: HelloOut{}},
		{op: "hello", give: HelloIn{Name: ""}, want: HelloOut{}},
		{op: "hello", give: HelloIn{Name: strings.Repeat("ü", 65)}, want: HelloOut{}},
		{op: "fail", give: FailIn{Code: "not_found"}, want: Empty{}},
		{op: "fail", give: FailIn{Code: "invalid_argument"}, want: Empty{}},
		{op: "fail", give: FailIn{Code: "permission_denied"}, want: Empty{}},
		{op: "fail", give: FailIn{Code: "boom"}, want: Empty{}},
		{op: "updateProfile", give: profile, want: ProfileOut{}},
		{op: "updateProfile", give: Profile{}, want: ProfileOut{}},
		{op: "greetings", give: GreetingsIn{Name: "Bo", Count: 3}, want: Greeting{}},
		{op: "greetings", give: GreetingsIn{Name: "Bo", Count: -1}, want: Greeting{}},
	}
	for _, tt := range tests {
		op := a.Operation(tt.op)
		viaREST := callREST(t, srv.URL, op, tt.give, reflect.TypeOf(tt.want))
		viaGRPC := callGRPC(t, conn, op, tt.give, reflect.TypeOf(tt.want))
		if diff := cmp.Diff(viaGRPC, viaREST, cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(0)); diff != "" {
			t.Errorf("%s(%+v): gRPC and REST differ (-gRPC +REST):\n%s", tt.op, tt.give, diff)
		}
		t.Logf("%s: code %v %q, output %+v", tt.op, viaGRPC.Code, viaGRPC.Message, viaGRPC.Output)
	}
}

func callREST(t *testing.T, base string, op *app.Operation, in any, outType reflect.Type) outcome {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var req *http.Request
	if op.HTTPMethod == http.MethodGet {
		var fields map[string]any
		if err := json.Unmarshal(body, &fields); err != nil {
			t.Fatal(err)
		}
		q := url.Values{}
		for k, v := range fields {
			b, _ := json.Marshal(v)
			q.Set(k, strings.Trim(string(b), `"`))
		}
		req, err = http.NewRequest(http.MethodGet, base+op.HTTPPath+"?"+q.Encode(), nil)
	} else {
		req, err = http.NewRequest(op.HTTPMethod, base+op.HTTPPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode >= 400 {
		var p rest.Problem
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatalf("%s: %v: %s", op.Name, err, raw)
		}
		code, _ := app.ParseCode(p.Code)
		return outcome{Code: code, Message: p.Detail, Violations: p.Violations}
	}
	if op.Kind != app.OpStream {
		out := reflect.New(outType)
		if err := json.Unmarshal(raw, out.Interface()); err != nil {
			t.Fatalf("%s: %v: %s", op.Name, err, raw)
		}
		return outcome{Output: out.Elem().Interface()}
	}
	items := reflect.MakeSlice(reflect.SliceOf(outType), 0, 0)
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		out := reflect.New(outType)
		if err := json.Unmarshal([]byte(data), out.Interface()); err != nil {
			t.Fatalf("%s: %v: %s", op.Name, err, data)
		}
		items = reflect.Append(items, out.Elem())
	}
	return outcome{Output: items.Interface()}
}

// callGRPC calls op with the transport's own codec on both ends, so the
// comparison is of Go values.
func callGRPC(t *testing.T, conn *grpc.ClientConn, op *app.Operation, in any, outType reflect.Type) outcome {
	t.Helper()
	compiler := wire.NewCompiler()
	inPlan, err := compiler.Compile(op.Input)
	if err != nil {
		t.Fatal(err)
	}
	outPlan, err := compiler.Compile(op.Output)
	if err != nil {
		t.Fatal(err)
	}
	inV := reflect.New(reflect.TypeOf(in))
	inV.Elem().Set(reflect.ValueOf(in))
	body, err := inPlan.Marshal(inV.Interface())
	if err != nil {
		t.Fatal(err)
	}
	method := "/hello.v1.HelloService/" + app.PascalName(op.Name)
	decode := func(raw []byte) reflect.Value {
		out := reflect.New(outType)
		if err := outPlan.UnmarshalValue(raw, out.Interface()); err != nil {
			t.Fatal(err)
		}
		return out.Elem()
	}
	var res outcome
	if op.Kind != app.OpStream {
		var raw []byte
		err = conn.Invoke(context.Background(), method, &body, &raw, grpc.ForceCodec(rawCodec{}))
		if err == nil {
			res.Output = decode(raw).Interface()
		}
	} else {
		items := reflect.MakeSlice(reflect.SliceOf(outType), 0, 0)
		var stream grpc.ClientStream
		stream, err = conn.NewStream(context.Background(), &grpc.StreamDesc{ServerStreams: true}, method, grpc.ForceCodec(rawCodec{}))
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.SendMsg(&body); err != nil {
			t.Fatal(err)
		}
		_ = stream.CloseSend()
		for {
			var raw []byte
			if err = stream.RecvMsg(&raw); err != nil {
				break
			}
			items = reflect.Append(items, decode(raw))
		}
		if errors.Is(err, io.EOF) {
			err = nil
			res.Output = items.Interface()
		}
	}
	if err != nil {
		st := status.Convert(err)
		res.Code, res.Message = app.Code(st.Code()), st.Message()
		if afgrpc.Code(res.Code) != st.Code() {
			t.Errorf("status code %v does not map back", st.Code())
		}
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					res.Violations = append(res.Violations, app.FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
				}
			}
		}
	}
	return res
}
