package grpc_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
	afgrpc "github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/internal/hellopb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/descriptorpb"
)

var update = flag.Bool("update", false, "rewrite testdata/hello.proto and internal/hellopb from the hello test app")

const (
	protoPath  = "hello/v1/hello.proto"
	helloPBPkg = "github.com/allframe-go/allframe/transport/grpc/internal/hellopb"
)

// TestProtoGolden guards the exported .proto of the hello test app: any
// change to the schema is a visible diff.
func TestProtoGolden(t *testing.T) {
	got, err := afgrpc.ProtoFile(newHelloApp())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "hello.proto")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, string(want)); diff != "" {
		t.Errorf("exported .proto differs from %s (-got +want), run go test -update:\n%s", golden, diff)
	}
}

// protoc returns the path of protoc, skipping the test without it.
func protoc(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("protoc")
	if err != nil {
		testenv.Missing(t, "protoc is not installed (apt-get install protobuf-compiler); CI installs it")
	}
	return p
}

// plugins returns protoc-gen-go, built from the protobuf module go.mod
// already requires (so its version is pinned), and protoc-gen-go-grpc
// v1.6.2 from PATH: it lives in its own module, which as a tool must not
// enter the framework's go.mod. .ci/run installs it with
// `go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2`.
func plugins(t *testing.T) (goPlugin, grpcPlugin string) {
	t.Helper()
	grpcPlugin, err := exec.LookPath("protoc-gen-go-grpc")
	if err != nil {
		testenv.Missing(t, "protoc-gen-go-grpc is not on PATH (go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2); CI installs it")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir, "google.golang.org/protobuf/cmd/protoc-gen-go") //nolint:gosec // G204: builds the pinned protoc-gen-go into a temp dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build protoc-gen-go: %v\n%s", err, out)
	}
	return filepath.Join(dir, "protoc-gen-go"), grpcPlugin
}

// writeProto exports the hello app's .proto into a fresh include directory.
func writeProto(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, filepath.FromSlash(protoPath))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := afgrpc.WriteProto(newHelloApp(), path); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runProtoc runs protoc and fails on any output: protoc must compile the
// exported file without warnings.
func runProtoc(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(protoc(t), args...) //nolint:gosec // G204: protoc from PATH, arguments built by the test
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("protoc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("protoc printed warnings:\n%s", out)
	}
}

// versionLine matches the tool versions in generated headers, which vary
// with the protoc a machine has, not with the schema.
var versionLine = regexp.MustCompile(`(?m)^// (\s*protoc\s+v?[0-9.]+|- protoc\s+v?[0-9.]+|\s*protoc\s+\(unknown\))$`)

func normalize(b []byte) string {
	return versionLine.ReplaceAllString(string(b), "// protoc <version>")
}

// TestGeneratedCodeUpToDate regenerates internal/hellopb from the exported
// .proto and fails if the checked-in code differs.
func TestGeneratedCodeUpToDate(t *testing.T) {
	include := writeProto(t)
	goPlugin, grpcPlugin := plugins(t)
	out := t.TempDir()
	m := "M" + protoPath + "=" + helloPBPkg
	runProtoc(t, "-I", include,
		"--plugin=protoc-gen-go="+goPlugin, "--plugin=protoc-gen-go-grpc="+grpcPlugin,
		"--go_out="+out, "--go_opt=paths=source_relative", "--go_opt="+m,
		"--go-grpc_out="+out, "--go-grpc_opt=paths=source_relative", "--go-grpc_opt="+m,
		protoPath)
	for _, name := range []string{"hello.pb.go", "hello_grpc.pb.go"} {
		got, err := os.ReadFile(filepath.Join(out, "hello", "v1", name))
		if err != nil {
			t.Fatal(err)
		}
		checkedIn := filepath.Join("internal", "hellopb", name)
		if *update {
			if err := os.WriteFile(checkedIn, got, 0o644); err != nil { //nolint:gosec // G703: -update rewrites the checked-in generated file
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(checkedIn)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(normalize(got), normalize(want)); diff != "" {
			t.Errorf("%s is stale (-regenerated +checked in), run go test -update:\n%s", checkedIn, diff)
		}
	}
}

// TestProtocDescriptorEqualsRuntime compiles the exported .proto with
// protoc and checks that the descriptor equals the one the server serves
// through reflection.
func TestProtocDescriptorEqualsRuntime(t *testing.T) {
	include := writeProto(t)
	set := filepath.Join(t.TempDir(), "set.pb")
	runProtoc(t, "-I", include, "--descriptor_set_out="+set, protoPath)
	raw, err := os.ReadFile(set)
	if err != nil {
		t.Fatal(err)
	}
	var fds descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &fds); err != nil {
		t.Fatal(err)
	}
	if len(fds.File) != 1 {
		t.Fatalf("descriptor set has %d files, want 1", len(fds.File))
	}
	want := fds.File[0]

	conn, _ := serve(t, newHelloApp())
	got := reflectFile(t, conn, "hello.v1.HelloService")
	if diff := cmp.Diff(got, want, protocmp.Transform()); diff != "" {
		t.Errorf("runtime descriptor differs from protoc's (-runtime +protoc):\n%s", diff)
	}
	// The checked-in generated code was built from the same descriptor.
	gen := protodesc.ToFileDescriptorProto(hellopb.File_hello_v1_hello_proto)
	gen.Options = nil // go_package is set by the M flag only in generated code
	if diff := cmp.Diff(gen, want, protocmp.Transform()); diff != "" {
		t.Errorf("hellopb descriptor differs from protoc's (-hellopb +protoc):\n%s", diff)
	}
}

// TestGeneratedClient calls the framework server with the client protoc
// generated from the exported .proto.
func TestGeneratedClient(t *testing.T) {
	conn, _ := serve(t, newHelloApp())
	client := hellopb.NewHelloServiceClient(conn)
	ctx := context.Background()

	resp, err := client.Hello(ctx, &hellopb.HelloRequest{Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(resp, &hellopb.HelloResponse{Message: "Hello, Ada!"}, protocmp.Transform()); diff != "" {
		t.Error(diff)
	}

	stream, err := client.Greetings(ctx, &hellopb.GreetingsRequest{Name: "Bo", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		g, err := stream.Recv()
		if err != nil {
			break
		}
		got = append(got, g.GetMessage())
	}
	if diff := cmp.Diff(got, []string{"Hello #0, Bo!", "Hello #1, Bo!", "Hello #2, Bo!"}); diff != "" {
		t.Error(diff)
	}
}

// TestProtocEdgeCases compiles the .proto of an app that uses every
// mapping and naming edge case (clashing field and enum names, keywords,
// lower-case and recursive types, a message named like a map entry,
// explicit field numbers) and checks protoc's descriptor against the
// runtime one.
func TestProtocEdgeCases(t *testing.T) {
	a := afgrpc.EdgeApp()
	dir := t.TempDir()
	path := filepath.Join(dir, "edge", "v1", "edge.proto")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := afgrpc.WriteProto(a, path); err != nil {
		t.Fatal(err)
	}
	set := filepath.Join(t.TempDir(), "set.pb")
	runProtoc(t, "-I", dir, "--descriptor_set_out="+set, "edge/v1/edge.proto")
	raw, err := os.ReadFile(set)
	if err != nil {
		t.Fatal(err)
	}
	var fds descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &fds); err != nil {
		t.Fatal(err)
	}
	conn, _ := serve(t, a)
	got := reflectFile(t, conn, "edge.v1.EdgeService")
	if diff := cmp.Diff(got, fds.File[0], protocmp.Transform()); diff != "" {
		text, _ := os.ReadFile(path)
		t.Errorf("runtime descriptor differs from protoc's (-runtime +protoc):\n%s\n%s", diff, text)
	}
}
