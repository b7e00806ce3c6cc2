package grpc_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// reflectCall sends one request on a v1 reflection stream.
func reflectCall(t *testing.T, conn *grpc.ClientConn, req *reflectionv1.ServerReflectionRequest) *reflectionv1.ServerReflectionResponse {
	t.Helper()
	stream, err := reflectionv1.NewServerReflectionClient(conn).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stream.CloseSend() }()
	if err := stream.Send(req); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if e := resp.GetErrorResponse(); e != nil {
		t.Fatalf("reflection error %d: %s", e.GetErrorCode(), e.GetErrorMessage())
	}
	return resp
}

// reflectFile returns the descriptor of the file declaring symbol, as the
// server's reflection service describes it.
func reflectFile(t *testing.T, conn *grpc.ClientConn, symbol string) *descriptorpb.FileDescriptorProto {
	t.Helper()
	resp := reflectCall(t, conn, &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: symbol},
	})
	files := resp.GetFileDescriptorResponse().GetFileDescriptorProto()
	if len(files) == 0 {
		t.Fatalf("no file for %s", symbol)
	}
	var fd descriptorpb.FileDescriptorProto
	if err := proto.Unmarshal(files[0], &fd); err != nil {
		t.Fatal(err)
	}
	return &fd
}

func TestReflectionList(t *testing.T) {
	conn, _ := serve(t, newHelloApp())
	want := []string{
		"grpc.health.v1.Health",
		"grpc.reflection.v1.ServerReflection",
		"grpc.reflection.v1alpha.ServerReflection",
		"hello.v1.HelloService",
	}

	resp := reflectCall(t, conn, &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{},
	})
	var got []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		got = append(got, s.GetName())
	}
	slices.Sort(got)
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("v1 list (-got +want):\n%s", diff)
	}

	// v1alpha, which older tools (ghz, older grpcurl) use.
	stream, err := reflectionv1alpha.NewServerReflectionClient(conn).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionv1alpha.ServerReflectionRequest{ //nolint:staticcheck // SA1019: v1alpha is served on purpose for older tools
		MessageRequest: &reflectionv1alpha.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	alpha, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	got = got[:0]
	for _, s := range alpha.GetListServicesResponse().GetService() { //nolint:staticcheck // SA1019: v1alpha is served on purpose for older tools
		got = append(got, s.GetName()) //nolint:staticcheck // SA1019: v1alpha is served on purpose for older tools
	}
	slices.Sort(got)
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("v1alpha list (-got +want):\n%s", diff)
	}
}

// TestReflectionDescribe resolves the service the way grpcurl describe
// does: the file containing the symbol, then its imports by name, then
// builds descriptors from them.
func TestReflectionDescribe(t *testing.T) {
	conn, _ := serve(t, newHelloApp())
	file := reflectFile(t, conn, "hello.v1.HelloService")
	files := new(protoregistry.Files)
	for _, dep := range file.GetDependency() {
		resp := reflectCall(t, conn, &reflectionv1.ServerReflectionRequest{
			MessageRequest: &reflectionv1.ServerReflectionRequest_FileByFilename{FileByFilename: dep},
		})
		var fd descriptorpb.FileDescriptorProto
		if err := proto.Unmarshal(resp.GetFileDescriptorResponse().GetFileDescriptorProto()[0], &fd); err != nil {
			t.Fatal(err)
		}
		d, err := protodesc.NewFile(&fd, files)
		if err != nil {
			t.Fatal(err)
		}
		if err := files.RegisterFile(d); err != nil {
			t.Fatal(err)
		}
	}
	fd, err := protodesc.NewFile(file, files)
	if err != nil {
		t.Fatal(err)
	}
	svc := fd.Services().ByName("HelloService")
	if svc == nil {
		t.Fatal("no HelloService")
	}
	var methods []string
	for i := range svc.Methods().Len() {
		m := svc.Methods().Get(i)
		methods = append(methods, string(m.Name())+"("+string(m.Input().Name())+")->"+streamMark(m)+string(m.Output().Name()))
	}
	want := []string{
		"Hello(HelloRequest)->HelloResponse",
		"Greetings(GreetingsRequest)->stream GreetingsResponse",
		"UpdateProfile(UpdateProfileRequest)->UpdateProfileResponse",
		"Fail(FailRequest)->FailResponse",
		"Whoami(WhoamiRequest)->WhoamiResponse",
		"Slow(SlowRequest)->SlowResponse",
		"Hey(HeyRequest)->HeyResponse",
	}
	if diff := cmp.Diff(methods, want); diff != "" {
		t.Errorf("methods (-got +want):\n%s", diff)
	}
	// Describe a message, as `grpcurl describe hello.v1.Profile` does.
	resp := reflectCall(t, conn, &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "hello.v1.Profile"},
	})
	if len(resp.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
		t.Fatal("no file for hello.v1.Profile")
	}
	profile := fd.Messages().ByName("Profile")
	nick := profile.Fields().ByName("nickname")
	if !nick.HasPresence() || nick.JSONName() != "nickname" || nick.Kind() != protoreflect.StringKind {
		t.Errorf("nickname = presence %v, json %q, kind %v; want optional string nickname", nick.HasPresence(), nick.JSONName(), nick.Kind())
	}
	if got := profile.Fields().ByName("old_name").JSONName(); got != "old_name" {
		t.Errorf("old_name json name = %q, want old_name", got)
	}
	if got := string(profile.Fields().ByName("born").Message().FullName()); got != "google.protobuf.Timestamp" {
		t.Errorf("born is %s, want google.protobuf.Timestamp", got)
	}
	if got := profile.Fields().ByNumber(30).Name(); got != "created_by" {
		t.Errorf("field 30 = %s, want created_by", got)
	}
}

func streamMark(m protoreflect.MethodDescriptor) string {
	if m.IsStreamingServer() {
		return "stream "
	}
	return ""
}
