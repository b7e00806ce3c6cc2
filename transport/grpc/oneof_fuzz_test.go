package grpc

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
)

// Sum types round-trip identically through the protobuf wire codec,
// protobuf-go (dynamicpb over the served descriptor) and JSON (the
// compiled encoder and app.JSONDecoder).

type fzPay interface{ isFzPay() }

type fzCard struct {
	Last4 string   `json:"last4"`
	Exp   int32    `json:"exp"`
	Tags  []string `json:"tags"`
}

type fzWallet struct {
	Provider string `json:"provider"`
	Inner    fzPay  `json:"inner"` // a sum inside a variant
}

type fzNone struct{}

func (fzCard) isFzPay()    {}
func (*fzWallet) isFzPay() {}
func (fzNone) isFzPay()    {}

type fzDoc struct {
	Method  fzPay   `json:"method"`
	History []fzPay `json:"history"`
	Next    *fzDoc  `json:"next"`
}

type oneOfHarness struct {
	typ  *app.Type
	plan *wire.Message
	md   protoreflect.MessageDescriptor
	dec  *app.JSONDecoder
	enc  jsonenc.Func
}

func newOneOfHarness(t testing.TB) *oneOfHarness {
	t.Helper()
	a := app.New(app.Name("fz"))
	app.OneOf[fzPay](a, app.Variant[fzCard]().Named("card"), app.Variant[*fzWallet]().Named("wallet").Number(5), app.Variant[fzNone]().Named("none"))
	app.Command(a, "echo", func(_ context.Context, in fzDoc) (fzDoc, error) { return in, nil })
	s, err := buildSchema(a)
	if err != nil {
		t.Fatal(err)
	}
	typ := a.Operation("echo").Input
	plan, err := wire.NewCompiler().Compile(typ)
	if err != nil {
		t.Fatal(err)
	}
	return &oneOfHarness{typ: typ, plan: plan, md: s.file.Messages().ByName("EchoRequest"), dec: app.NewJSONDecoder(typ), enc: jsonenc.Compile(typ)}
}

// randomPay returns a random variant; nil only where allowNil (list
// elements have no presence in protobuf, so they are never nil).
func randomPay(r *rand.Rand, depth int, allowNil bool) fzPay {
	switch r.IntN(4) {
	case 0:
		c := fzCard{Last4: validString(r), Exp: r.Int32()}
		for range r.IntN(3) {
			c.Tags = append(c.Tags, validString(r))
		}
		return c
	case 1:
		w := &fzWallet{Provider: validString(r)}
		if depth < 3 {
			w.Inner = randomPay(r, depth+1, true)
		}
		return w
	case 2:
		return fzNone{}
	}
	if allowNil {
		return nil
	}
	return fzNone{}
}

func randomDoc(r *rand.Rand, depth int) *fzDoc {
	d := &fzDoc{Method: randomPay(r, depth, true)}
	for range r.IntN(4) {
		d.History = append(d.History, randomPay(r, depth, false))
	}
	if depth < 2 && r.IntN(3) == 0 {
		d.Next = randomDoc(r, depth+1)
	}
	return d
}

func (h *oneOfHarness) check(t *testing.T, v *fzDoc) {
	b, err := h.plan.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back fzDoc
	if err := h.plan.Unmarshal(b, unsafe.Pointer(&back)); err != nil { //nolint:gosec // G103: the codec's API takes a pointer to the Go value
		t.Fatalf("decoding own output % x: %v", b, err)
	}
	if diff := cmp.Diff(&back, v, cmp.AllowUnexported()); diff != "" {
		t.Fatalf("wire round trip (-got +want):\n%s", diff)
	}
	// protobuf-go reads the oneofs the codec wrote, and what it writes
	// back decodes to the same value.
	pb := dynamicpb.NewMessage(h.md)
	if err := proto.Unmarshal(b, pb); err != nil {
		t.Fatalf("protobuf-go rejects % x: %v", b, err)
	}
	checkMembers(t, pb, v)
	b2, err := proto.MarshalOptions{Deterministic: true}.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b2, b) {
		t.Errorf("protobuf-go re-encodes differently:\ncodec       % x\nprotobuf-go % x", b, b2)
	}
	// JSON: the compiled encoder's output decodes to the same value.
	j, err := h.enc(nil, unsafe.Pointer(v)) //nolint:gosec // G103: compiled encoders take an unsafe.Pointer by design
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON fzDoc
	if err := h.dec.Decode(j, &fromJSON); err != nil {
		t.Fatalf("decoding %s: %v", j, err)
	}
	if diff := cmp.Diff(&fromJSON, v, cmp.AllowUnexported()); diff != "" {
		t.Fatalf("JSON round trip of %s (-got +want):\n%s", j, diff)
	}
}

// checkMembers checks that protobuf-go sees, for the method field, the
// oneof member named after the Go value's variant.
func checkMembers(t *testing.T, pb *dynamicpb.Message, v *fzDoc) {
	t.Helper()
	fd := pb.Descriptor().Fields().ByName("method")
	want := map[reflect.Type]protoreflect.Name{
		reflect.TypeFor[fzCard](): "card", reflect.TypeFor[*fzWallet](): "wallet", reflect.TypeFor[fzNone](): "none",
	}[reflect.TypeOf(v.Method)]
	if !pb.Has(fd) {
		if v.Method != nil {
			t.Errorf("protobuf-go sees no method; want %s", want)
		}
		return
	}
	m := pb.Get(fd).Message()
	member := m.WhichOneof(m.Descriptor().Oneofs().ByName("value"))
	if member == nil || member.Name() != want {
		t.Errorf("protobuf-go sees member %v, want %s", member, want)
	}
}

func FuzzOneOfRoundTrip(f *testing.F) {
	h := newOneOfHarness(f)
	for seed := range uint64(50) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		h.check(t, randomDoc(rand.New(rand.NewPCG(seed, seed^0x5eed)), 0))
	})
}

func TestOneOfWireErrors(t *testing.T) {
	h := newOneOfHarness(t)
	tests := []struct {
		name string
		give []byte
	}{
		{name: "no member", give: []byte{0x0a, 0x00}},                       // method: {}
		{name: "unknown member only", give: []byte{0x0a, 0x02, 0x38, 0x01}}, // method: {7: 1}
		{name: "list element without member", give: []byte{0x12, 0x00}},     // history: [{}]
	}
	for _, tt := range tests {
		var d fzDoc
		err := h.plan.Unmarshal(tt.give, unsafe.Pointer(&d)) //nolint:gosec // G103: the codec's API takes a pointer to the Go value
		var fe *wire.FieldError
		if err == nil || !asFieldError(err, &fe) {
			t.Errorf("%s: got %v, want a field error", tt.name, err)
		}
	}
}

func asFieldError(err error, fe **wire.FieldError) bool { return errors.As(err, fe) }

// validString is randomString made valid UTF-8, which protobuf strings must be.
func validString(r *rand.Rand) string { return strings.ToValidUTF8(randomString(r), "?") }
