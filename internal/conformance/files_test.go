package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
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

type KeepIn struct {
	Note string   `json:"note"`
	File app.File `json:"file" validate:"required"`
}

// blob is what every protocol answers for the keep operation.
type blob struct {
	ContentType, Filename string
	Content               []byte
}

// TestFilesRoundTrip uploads one binary file over REST (multipart), GraphQL
// (the multipart request spec) and gRPC (bytes), and checks each returns it
// byte-identical with the same name and type.
func TestFilesRoundTrip(t *testing.T) {
	a := app.New(app.Name("conf"))
	app.Command(a, "keep", func(_ context.Context, in KeepIn) (app.Blob, error) {
		rc, err := in.File.Open()
		if err != nil {
			return app.Blob{}, err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return app.Blob{ContentType: in.File.ContentType, Filename: in.Note + "-" + in.File.Name, Content: b}, err
	})
	const limit = 4 << 20
	restH, err := rest.Handler(a, rest.WithMaxBodyBytes(limit))
	if err != nil {
		t.Fatal(err)
	}
	gqlH, err := graphql.Handler(a, graphql.WithMaxBodyBytes(limit))
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
	grpcC, err := grpcjson.New(context.Background(), conn, "conf.v1.ConfService")
	if err != nil {
		t.Fatal(err)
	}

	give := make([]byte, 3<<20) // above the 1 MiB spool threshold of REST and GraphQL
	for i := range give {
		give[i] = byte(i * 31 / 7)
	}
	want := blob{ContentType: "application/x-test", Filename: "n-f.bin", Content: give}
	post := func(h http.Handler, target, ct string, body []byte) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %.300s", target, rec.Code, rec.Body.Bytes())
		}
		return rec
	}
	form := func(fileKey string, fields ...string) (string, []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for i := 0; i+1 < len(fields); i += 2 {
			_ = w.WriteField(fields[i], fields[i+1])
		}
		pw, err := w.CreatePart(map[string][]string{
			"Content-Disposition": {`form-data; name="` + fileKey + `"; filename="f.bin"`},
			"Content-Type":        {"application/x-test"},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write(give)
		_ = w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}

	got := map[string]blob{}
	{
		ct, body := form("file", "note", "n")
		rec := post(restH, "/keep", ct, body)
		_, params, err := mime.ParseMediaType(rec.Header().Get("Content-Disposition"))
		if err != nil {
			t.Fatal(err)
		}
		got["rest"] = blob{ContentType: rec.Header().Get("Content-Type"), Filename: params["filename"], Content: rec.Body.Bytes()}
	}
	{
		ct, body := form("0",
			"operations", `{"query":"mutation($f: Upload!) { keep(note: \"n\", file: $f) { contentType filename content } }","variables":{"f":null}}`,
			"map", `{"0":["variables.f"]}`)
		var resp struct {
			Data struct{ Keep blob }
		}
		if err := json.Unmarshal(post(gqlH, "/graphql", ct, body).Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		got["graphql"] = resp.Data.Keep // Content is base64 in JSON: decoded by encoding/json
	}
	{
		in, _ := json.Marshal(map[string]any{"note": "n", "file": map[string]any{"name": "f.bin", "contentType": "application/x-test", "content": give}})
		out, err := grpcC.Call(context.Background(), "conf.v1.ConfService/Keep", string(in))
		if err != nil {
			t.Fatal(err)
		}
		var b blob
		if err := json.Unmarshal([]byte(out), &b); err != nil {
			t.Fatal(err)
		}
		got["grpc"] = b
	}
	for proto, b := range got {
		if !bytes.Equal(b.Content, give) {
			t.Errorf("%s: %d bytes back, not identical to the %d sent", proto, len(b.Content), len(give))
		}
		b.Content, want.Content = nil, nil
		if diff := cmp.Diff(b, want); diff != "" {
			t.Errorf("%s (-got +want):\n%s", proto, diff)
		}
	}
}
