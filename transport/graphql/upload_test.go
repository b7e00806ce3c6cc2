package graphql_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	graphql "github.com/allframe-go/allframe/transport/graphql"
)

type StoreIn struct {
	Title string   `json:"title"`
	File  app.File `json:"file"`
}

type ManyIn struct {
	Files []app.File `json:"files"`
}

type ManyOut struct {
	Names []string `json:"names"`
	Sizes []int64  `json:"sizes"`
}

func newUploadServer(t testing.TB, opts ...graphql.Option) *httptest.Server {
	t.Helper()
	a := app.New(app.Name("files"))
	app.Command(a, "store", func(_ context.Context, in StoreIn) (app.Blob, error) {
		rc, err := in.File.Open()
		if err != nil {
			return app.Blob{}, err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return app.Blob{ContentType: in.File.ContentType, Filename: in.Title + "/" + in.File.Name, Content: b}, err
	})
	app.Command(a, "many", func(_ context.Context, in ManyIn) (ManyOut, error) {
		out := ManyOut{Names: []string{}, Sizes: []int64{}}
		for _, f := range in.Files {
			out.Names, out.Sizes = append(out.Names, f.Name), append(out.Sizes, f.Size())
		}
		return out, nil
	})
	h, err := graphql.Handler(a, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func binaryData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

type upload struct {
	key, filename, contentType string
	data                       []byte
}

// multipartRequest builds a request of the GraphQL multipart request spec:
// operations, map, then the files.
func multipartRequest(t testing.TB, operations string, fileMap map[string][]string, files ...upload) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	m, err := json.Marshal(fileMap)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range [][2]string{{"operations", operations}, {"map", string(m)}} {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := map[string][]string{
			"Content-Disposition": {`form-data; name="` + f.key + `"; filename="` + f.filename + `"`},
			"Content-Type":        {f.contentType},
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

type storeData struct {
	Store struct {
		ContentType, Filename, Content string
	}
}

func TestUploadSDL(t *testing.T) {
	srv := newUploadServer(t)
	_, _, sdl := do(t, http.MethodGet, srv.URL+"/schema.graphql", "", "")
	for _, want := range []string{"scalar Upload", "file: Upload)", "files: [Upload!]"} {
		if !strings.Contains(sdl, want) {
			t.Errorf("SDL lacks %q:\n%s", want, sdl)
		}
	}
	if strings.Contains(sdl, "FileInput") {
		t.Errorf("SDL declares FileInput; want the Upload scalar:\n%s", sdl)
	}
}

func TestMultipartUpload(t *testing.T) {
	srv := newUploadServer(t, graphql.WithMaxBodyBytes(8<<20))
	const store = `{"query":"mutation($file: Upload!) { store(title: \"t\", file: $file) { contentType filename content } }","variables":{"file":null}}`
	for _, give := range [][]byte{binaryData(1000), binaryData(3 << 20)} { // in memory, and spooled to disk
		ct, body := multipartRequest(t, store, map[string][]string{"0": {"variables.file"}},
			upload{key: "0", filename: "a.bin", contentType: "application/x-test", data: give})
		status, _, raw := do(t, http.MethodPost, srv.URL+"/graphql", ct, string(body))
		var resp struct {
			Data   storeData
			Errors []gqlError
		}
		if err := json.Unmarshal([]byte(raw), &resp); err != nil {
			t.Fatalf("%d %.200s: %v", status, raw, err)
		}
		if status != 200 || len(resp.Errors) > 0 {
			t.Fatalf("upload of %d bytes = %d %+v", len(give), status, resp.Errors)
		}
		got, err := base64.StdEncoding.DecodeString(resp.Data.Store.Content)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, give) || resp.Data.Store.Filename != "t/a.bin" || resp.Data.Store.ContentType != "application/x-test" {
			t.Errorf("upload of %d bytes came back as %d bytes, %q %q", len(give), len(got), resp.Data.Store.Filename, resp.Data.Store.ContentType)
		}
	}

	const many = `{"query":"mutation($files: [Upload!]!) { many(files: $files) { names sizes } }","variables":{"files":[null,null]}}`
	ct, body := multipartRequest(t, many, map[string][]string{"0": {"variables.files.0"}, "1": {"variables.files.1"}},
		upload{key: "0", filename: "x", contentType: "text/plain", data: []byte("xx")},
		upload{key: "1", filename: "y", contentType: "text/plain", data: []byte("yyy")})
	status, _, raw := do(t, http.MethodPost, srv.URL+"/graphql", ct, string(body))
	if want := `{"data":{"many":{"names":["x","y"],"sizes":[2,3]}}}`; status != 200 || raw != want {
		t.Errorf("many = %d %s; want %s", status, raw, want)
	}
}

func TestUploadBadInput(t *testing.T) {
	srv := newUploadServer(t, graphql.WithMaxBodyBytes(1<<20))
	// A JSON request cannot carry an Upload.
	_, resp := query(t, srv, `mutation($file: Upload!) { store(title: "t", file: $file) { content } }`, map[string]any{"file": "aGk="})
	if len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, "must be a file") || resp.Errors[0].Extensions["code"] != "INVALID_ARGUMENT" {
		t.Errorf("Upload in JSON: %+v; want one invalid_argument naming a file", resp.Errors)
	}
	// Over the body limit.
	const store = `{"query":"mutation($file: Upload!) { store(title: \"t\", file: $file) { content } }","variables":{"file":null}}`
	ct, body := multipartRequest(t, store, map[string][]string{"0": {"variables.file"}}, upload{key: "0", filename: "a", contentType: "x/y", data: binaryData(2 << 20)})
	status, _, raw := do(t, http.MethodPost, srv.URL+"/graphql", ct, string(body))
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(raw, "RESOURCE_EXHAUSTED") {
		t.Errorf("over the limit = %d %s; want 413", status, raw)
	}
	// A map naming a file that is not sent.
	ct, body = multipartRequest(t, store, map[string][]string{"0": {"variables.file"}})
	status, _, raw = do(t, http.MethodPost, srv.URL+"/graphql", ct, string(body))
	if status != http.StatusUnprocessableEntity {
		t.Errorf("missing file part = %d %s; want 422", status, raw)
	}
}

// TestCurlMultipart sends a file with curl, as the spec's README does.
func TestCurlMultipart(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		testenv.Missing(t, "curl not on PATH (apt-get install curl)")
	}
	srv := newUploadServer(t)
	give := binaryData(100000)
	path := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(path, give, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), curl, "-sS", "--max-time", "30", srv.URL+"/graphql", //nolint:gosec // G204: curl with test arguments
		"-F", `operations={"query":"mutation($file: Upload!) { store(title: \"c\", file: $file) { filename content } }","variables":{"file":null}}`,
		"-F", `map={"0":["variables.file"]}`,
		"-F", "0=@"+path).Output()
	if err != nil {
		t.Fatalf("curl: %v %s", err, out)
	}
	var resp struct{ Data storeData }
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("%.300s: %v", out, err)
	}
	got, err := base64.StdEncoding.DecodeString(resp.Data.Store.Content)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{resp.Data.Store.Filename, len(got), bytes.Equal(got, give)}, []any{"c/f.bin", len(give), true}); diff != "" {
		t.Errorf("curl upload (-got +want):\n%s", diff)
	}
}
