package grpc_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/allframe-go/allframe/app"
	afgrpc "github.com/allframe-go/allframe/transport/grpc"
)

type PaymentMethod interface{ isPaymentMethod() }

type Card struct {
	Last4 string `json:"last4" validate:"len=4"`
}

type Wallet struct {
	Provider string `json:"provider"`
}

func (Card) isPaymentMethod()    {}
func (*Wallet) isPaymentMethod() {}

type PayIn struct {
	Method  PaymentMethod   `json:"method" validate:"required"`
	Backup  PaymentMethod   `json:"backup,omitempty"`
	History []PaymentMethod `json:"history,omitempty"`
}

type PayOut struct {
	Method  PaymentMethod   `json:"method"`
	Backup  PaymentMethod   `json:"backup"`
	History []PaymentMethod `json:"history"`
}

func newPayApp() *app.App {
	a := app.New(app.Name("pay"))
	app.OneOf[PaymentMethod](a, app.Variant[Card](), app.Variant[*Wallet]())
	app.Command(a, "pay", func(_ context.Context, in PayIn) (PayOut, error) { return PayOut(in), nil })
	app.Stream(a, "methods", func(_ context.Context, _ struct{}, send func(PayOut) error) error {
		for _, m := range []PaymentMethod{Card{Last4: "4242"}, &Wallet{Provider: "apple"}} {
			if err := send(PayOut{Method: m}); err != nil {
				return err
			}
		}
		return nil
	})
	return a
}

const wantPayProto = `
// One of: card, wallet.
message PaymentMethod {
  oneof value {
    Card card = 1;
    Wallet wallet = 2;
  }
}
`

// payFile compiles the exported .proto with protoc when it is installed,
// checks it equals the runtime descriptor, and returns the descriptor.
func payFile(t *testing.T, conn *grpc.ClientConn) protoreflect.FileDescriptor {
	t.Helper()
	runtime := reflectFile(t, conn, "pay.v1.PayService")
	text, err := afgrpc.ProtoFile(newPayApp())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, wantPayProto) {
		t.Errorf("exported .proto lacks the oneof message %s:\n%s", wantPayProto, text)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "pay", "v1", "pay.proto")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	set := filepath.Join(dir, "set.pb")
	runProtoc(t, "-I", dir, "--descriptor_set_out="+set, "pay/v1/pay.proto")
	raw, err := os.ReadFile(set)
	if err != nil {
		t.Fatal(err)
	}
	var fds descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &fds); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(runtime, fds.File[0], protocmp.Transform()); diff != "" {
		t.Errorf("runtime descriptor differs from protoc's (-runtime +protoc):\n%s", diff)
	}
	fd, err := protodesc.NewFile(fds.File[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestOneOfGRPC round-trips every variant, as a field, an optional field
// and list elements, with messages protobuf-go builds from the descriptor.
func TestOneOfGRPC(t *testing.T) {
	conn, _ := serve(t, newPayApp())
	fd := payFile(t, conn)
	req := fd.Messages().ByName("PayRequest")
	resp := fd.Messages().ByName("PayResponse")
	ctx := context.Background()
	tests := []struct{ give, want string }{
		{
			give: `{"method":{"card":{"last4":"4242"}}}`,
			want: `{"method":{"card":{"last4":"4242"}}}`,
		},
		{
			give: `{"method":{"wallet":{"provider":"apple"}},"backup":{"card":{"last4":"1111"}},"history":[{"wallet":{}},{"card":{"last4":"0000"}}]}`,
			want: `{"method":{"wallet":{"provider":"apple"}},"backup":{"card":{"last4":"1111"}},"history":[{"wallet":{}},{"card":{"last4":"0000"}}]}`,
		},
	}
	for _, tt := range tests {
		in := dynamicpb.NewMessage(req)
		if err := protojson.Unmarshal([]byte(tt.give), in); err != nil {
			t.Fatal(err)
		}
		out := dynamicpb.NewMessage(resp)
		if err := conn.Invoke(ctx, "/pay.v1.PayService/Pay", in, out); err != nil {
			t.Fatalf("%s: %v", tt.give, err)
		}
		want := dynamicpb.NewMessage(resp)
		if err := protojson.Unmarshal([]byte(tt.want), want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(out, want, protocmp.Transform()); diff != "" {
			t.Errorf("%s (-got +want):\n%s", tt.give, diff)
		}
	}

	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/pay.v1.PayService/Methods")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SendMsg(dynamicpb.NewMessage(fd.Messages().ByName("MethodsRequest"))); err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		m := dynamicpb.NewMessage(fd.Messages().ByName("MethodsResponse"))
		if err := stream.RecvMsg(m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, err := protojson.MarshalOptions{}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.ReplaceAll(string(b), " ", ""))
	}
	wantItems := []string{`{"method":{"card":{"last4":"4242"}}}`, `{"method":{"wallet":{"provider":"apple"}}}`}
	if diff := cmp.Diff(got, wantItems); diff != "" {
		t.Errorf("stream (-got +want):\n%s", diff)
	}
}

func TestOneOfGRPCBadInput(t *testing.T) {
	conn, _ := serve(t, newPayApp())
	fd := payFile(t, conn)
	req := fd.Messages().ByName("PayRequest")
	tests := []struct{ give, wantField string }{
		{give: `{"method":{}}`, wantField: "method"},
		{give: `{"method":{"card":{"last4":"42"}}}`, wantField: "method.last4"},
		{give: `{}`, wantField: "method"},
		{give: `{"method":{"card":{"last4":"4242"}},"history":[{"card":{"last4":"1234"}},{}]}`, wantField: "history"},
	}
	for _, tt := range tests {
		in := dynamicpb.NewMessage(req)
		if err := protojson.Unmarshal([]byte(tt.give), in); err != nil {
			t.Fatal(err)
		}
		out := dynamicpb.NewMessage(fd.Messages().ByName("PayResponse"))
		err := conn.Invoke(context.Background(), "/pay.v1.PayService/Pay", in, out)
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument {
			t.Errorf("%s: got %v %q, want InvalidArgument", tt.give, st.Code(), st.Message())
			continue
		}
		v := badRequest(t, st)
		if len(v) == 0 || v[0].GetField() != tt.wantField {
			t.Errorf("%s: violations %v, want one naming %s", tt.give, v, tt.wantField)
		}
	}
}
