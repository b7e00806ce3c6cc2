package grpc_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	afgrpc "github.com/allframe-go/allframe/transport/grpc"
)

type StoreIn struct {
	Title string   `json:"title"`
	File  app.File `json:"file"`
}

// newFilesApp serves "store", which sends the uploaded file back as a
// download (app.Blob).
func newFilesApp() *app.App {
	a := app.New(app.Name("files"))
	app.Command(a, "store", func(_ context.Context, in StoreIn) (app.Blob, error) {
		rc, err := in.File.Open()
		if err != nil {
			return app.Blob{}, err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if int64(len(b)) != in.File.Size() {
			return app.Blob{}, app.NewError(app.CodeInternal, "size mismatch")
		}
		return app.Blob{ContentType: in.File.ContentType, Filename: in.Title + "/" + in.File.Name, Content: b}, err
	})
	return a
}

func binaryData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestFileMessages(t *testing.T) {
	proto, err := afgrpc.ProtoFile(newFilesApp())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"message File {",
		"string name = 1;",
		"string content_type = 2;",
		"bytes content = 3;",
		"File file = 2;",
		"rpc Store(StoreRequest) returns (StoreResponse);",
		"bytes content = 4;",
	} {
		if !strings.Contains(proto, want) {
			t.Errorf(".proto lacks %q:\n%s", want, proto)
		}
	}
}

// TestFileRoundTrip sends a file as protobuf bytes with the Go client and
// gets it back byte-identical.
func TestFileRoundTrip(t *testing.T) {
	conn, _ := serve(t, newFilesApp())
	give := binaryData(3 << 20) // NULs and every byte value, under the 4 MiB message limit
	var file, req []byte
	file = protowire.AppendTag(file, 1, protowire.BytesType)
	file = protowire.AppendString(file, "data.bin")
	file = protowire.AppendTag(file, 2, protowire.BytesType)
	file = protowire.AppendString(file, "application/x-test")
	file = protowire.AppendTag(file, 3, protowire.BytesType)
	file = protowire.AppendBytes(file, give)
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendString(req, "dir")
	req = protowire.AppendTag(req, 2, protowire.BytesType)
	req = protowire.AppendBytes(req, file)

	var res []byte
	if err := conn.Invoke(context.Background(), "/files.v1.FilesService/Store", &req, &res, grpc.ForceCodec(rawCodec{})); err != nil {
		t.Fatal(err)
	}
	got := map[protowire.Number][]byte{}
	for len(res) > 0 {
		num, typ, n := protowire.ConsumeTag(res)
		if n < 0 || typ != protowire.BytesType {
			t.Fatalf("bad response field %d type %d", num, typ)
		}
		res = res[n:]
		v, m := protowire.ConsumeBytes(res)
		if m < 0 {
			t.Fatal("bad response bytes")
		}
		got[num], res = v, res[m:]
	}
	if string(got[1]) != "application/x-test" || string(got[2]) != "dir/data.bin" {
		t.Errorf("Blob contentType %q, filename %q", got[1], got[2])
	}
	if !bytes.Equal(got[4], give) {
		t.Errorf("content came back with %d bytes, not the %d sent", len(got[4]), len(give))
	}

	// Over the message limit: resource_exhausted, not a buffered monster.
	big := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), protowire.AppendBytes(protowire.AppendTag(nil, 3, protowire.BytesType), binaryData(5<<20)))
	err := conn.Invoke(context.Background(), "/files.v1.FilesService/Store", &big, &res, grpc.ForceCodec(rawCodec{}))
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("5 MiB file = %v; want ResourceExhausted", err)
	}
}

// TestGrpcurlFile sends a file with grpcurl through server reflection.
func TestGrpcurlFile(t *testing.T) {
	grpcurl, err := exec.LookPath("grpcurl")
	if err != nil {
		testenv.Missing(t, "grpcurl not on PATH (go install github.com/fullstorydev/grpcurl/cmd/grpcurl@latest)")
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := newFilesApp()
	a.Mount(afgrpc.New(afgrpc.WithListener(lis)))
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	give := binaryData(70000)
	req, err := json.Marshal(map[string]any{"title": "t", "file": map[string]any{"name": "a.bin", "contentType": "application/x-test", "content": give}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, grpcurl, "-plaintext", "-d", "@", lis.Addr().String(), "files.v1.FilesService/Store") //nolint:gosec // G204: grpcurl with test arguments
	cmd.Stdin = bytes.NewReader(req)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("grpcurl: %v\n%s", err, out)
	}
	var got struct {
		ContentType, Filename, Content string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("grpcurl output %q: %v", out, err)
	}
	content, err := base64.StdEncoding.DecodeString(got.Content)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{got.ContentType, got.Filename}, []string{"application/x-test", "t/a.bin"}); diff != "" {
		t.Errorf("grpcurl Blob (-got +want):\n%s", diff)
	}
	if !bytes.Equal(content, give) {
		t.Errorf("grpcurl round trip: %d bytes back, not the %d sent", len(content), len(give))
	}
}
