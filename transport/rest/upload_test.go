package rest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

type UploadIn struct {
	Title string   `json:"title" validate:"max=20"`
	Tags  []string `json:"tags,omitempty"`
	Meta  *Address `json:"meta,omitempty"`
	File  app.File `json:"file" doc:"The document"`
}

type UploadOut struct {
	Title       string   `json:"title"`
	Tags        []string `json:"tags"`
	Meta        *Address `json:"meta"`
	Name        string   `json:"name"`
	ContentType string   `json:"contentType"`
	Size        int64    `json:"size"`
	Read        int64    `json:"read"`
	SHA256      string   `json:"sha256"`
	OnDisk      bool     `json:"onDisk"`
}

type ManyIn struct {
	Files []app.File `json:"files"`
}

type ManyOut struct {
	Names []string `json:"names"`
	Sizes []int64  `json:"sizes"`
}

type EchoFileIn struct {
	File   *app.File `json:"file"`
	Inline bool      `json:"inline" query:"inline"`
}

func digest(f app.File) (n int64, sum string, onDisk bool, err error) {
	rc, err := f.Open()
	if err != nil {
		return 0, "", false, err
	}
	defer rc.Close()
	_, onDisk = rc.(*os.File)
	h := sha256.New()
	n, err = io.Copy(h, rc)
	return n, hex.EncodeToString(h.Sum(nil)), onDisk, err
}

// newUploads returns an App with upload and download operations; the host
// allows 8 MiB bodies, the "small" operation 1 KiB.
func newUploads(t testing.TB, hostOpts ...httpserver.Option) (*app.App, *httpserver.Host) {
	t.Helper()
	a := app.New(app.Name("files"))
	upload := func(_ context.Context, in UploadIn) (UploadOut, error) {
		n, sum, onDisk, err := digest(in.File)
		return UploadOut{
			Title: in.Title, Tags: in.Tags, Meta: in.Meta, Name: in.File.Name, ContentType: in.File.ContentType,
			Size: in.File.Size(), Read: n, SHA256: sum, OnDisk: onDisk,
		}, err
	}
	app.Command(a, "upload", upload)
	app.Command(a, "small", upload, app.MaxBodyBytes(1024))
	app.Command(a, "many", func(_ context.Context, in ManyIn) (ManyOut, error) {
		out := ManyOut{Names: []string{}, Sizes: []int64{}}
		for _, f := range in.Files {
			out.Names, out.Sizes = append(out.Names, f.Name), append(out.Sizes, f.Size())
		}
		return out, nil
	})
	app.Command(a, "echo", func(_ context.Context, in EchoFileIn) (app.Blob, error) {
		if in.File == nil {
			return app.Blob{}, app.InvalidArgument("file is required")
		}
		rc, err := in.File.Open()
		if err != nil {
			return app.Blob{}, err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return app.Blob{ContentType: in.File.ContentType, Filename: in.File.Name, Inline: in.Inline, Content: b}, err
	})
	host := httpserver.New(append([]httpserver.Option{httpserver.WithAddr("127.0.0.1:0"), httpserver.WithMaxBodyBytes(8 << 20)}, hostOpts...)...)
	a.Mount(host, rest.New(rest.WithMaxBodyBytes(8<<20)))
	return a, host
}

// binaryData returns n bytes with NULs, high bytes and CR/LF runs (what
// breaks text handling and multipart boundaries).
func binaryData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	for i := 0; i+4 < n; i += 997 {
		copy(b[i:], "\r\n--")
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

type part struct {
	name, filename, contentType string
	data                        []byte
}

func multipartBody(t testing.TB, parts ...part) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		var pw io.Writer
		var err error
		if p.filename == "" {
			pw, err = w.CreateFormField(p.name)
		} else {
			h := make(map[string][]string)
			h["Content-Disposition"] = []string{`form-data; name="` + p.name + `"; filename="` + p.filename + `"`}
			h["Content-Type"] = []string{p.contentType}
			pw, err = w.CreatePart(h)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func send(t testing.TB, h http.Handler, target, contentType string, body []byte, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	return response{status: rec.status, header: rec.header, body: rec.body.Bytes()}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func handlerOf(t testing.TB, a *app.App, host *httpserver.Host) http.Handler {
	t.Helper()
	h, err := host.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestMultipartUpload(t *testing.T) {
	a, host := newUploads(t)
	h := handlerOf(t, a, host)
	small, large := binaryData(1000), binaryData(3<<20) // large > the 1 MiB memory threshold
	tests := []struct {
		name string
		give []byte
		want UploadOut
	}{
		{name: "small binary with NULs", give: small, want: UploadOut{Size: 1000, Read: 1000, SHA256: sha(small)}},
		{name: "large spooled to disk", give: large, want: UploadOut{Size: 3 << 20, Read: 3 << 20, SHA256: sha(large), OnDisk: true}},
		{name: "empty", give: []byte{}, want: UploadOut{SHA256: sha(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := multipartBody(t,
				part{name: "title", data: []byte("report")},
				part{name: "tags", data: []byte("a")},
				part{name: "tags", data: []byte("b")},
				part{name: "meta", data: []byte(`{"street":"Main St"}`)},
				part{name: "file", filename: "../../etc/r\u00e9port.bin", contentType: "application/x-test", data: tt.give},
			)
			res := send(t, h, "/upload", ct, body)
			if res.status != http.StatusOK {
				t.Fatalf("status = %d %s; want 200", res.status, res.body)
			}
			want := tt.want
			want.Title, want.Tags, want.Meta = "report", []string{"a", "b"}, &Address{Street: "Main St"}
			want.Name, want.ContentType = "r\u00e9port.bin", "application/x-test"
			if diff := cmp.Diff(decode[UploadOut](t, res.body), want); diff != "" {
				t.Errorf("upload (-got +want):\n%s", diff)
			}
		})
	}
}

func TestMultipartBadInput(t *testing.T) {
	a, host := newUploads(t)
	h := handlerOf(t, a, host)
	file := part{name: "file", filename: "a", contentType: "text/plain", data: []byte("x")}
	tests := []struct {
		name       string
		give       []part
		wantStatus int
		wantDetail string
	}{
		{name: "two files for one", give: []part{file, file}, wantStatus: 400, wantDetail: "file: must be one file"},
		{name: "meta not JSON", give: []part{file, {name: "meta", data: []byte("{")}}, wantStatus: 400, wantDetail: "meta: must be JSON"},
		{name: "validation on form field", give: []part{file, {name: "title", data: []byte(strings.Repeat("x", 21))}}, wantStatus: 400, wantDetail: "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := multipartBody(t, tt.give...)
			res := send(t, h, "/upload", ct, body)
			if res.status != tt.wantStatus || !strings.Contains(string(res.body), tt.wantDetail) {
				t.Errorf("status = %d %s; want %d containing %q", res.status, res.body, tt.wantStatus, tt.wantDetail)
			}
			if ct := res.header.Get("Content-Type"); ct != rest.ProblemContentType {
				t.Errorf("Content-Type = %q; want problem+json", ct)
			}
		})
	}
	res := send(t, h, "/upload", "multipart/form-data; boundary=x", []byte("garbage"))
	if res.status != 400 {
		t.Errorf("malformed multipart = %d %s; want 400", res.status, res.body)
	}
	res = send(t, h, "/upload", "multipart/form-data", []byte("garbage"))
	if res.status != 400 || !strings.Contains(string(res.body), "boundary") {
		t.Errorf("no boundary = %d %s; want 400 naming the boundary", res.status, res.body)
	}
	res = send(t, h, "/upload", "application/x-www-form-urlencoded", []byte("file=x"))
	if res.status != 400 || !strings.Contains(string(res.body), "multipart/form-data") {
		t.Errorf("form-urlencoded = %d %s; want 400", res.status, res.body)
	}
	res = send(t, h, "/many", "application/octet-stream", []byte("x"))
	if res.status != 400 || !strings.Contains(string(res.body), "multipart/form-data") {
		t.Errorf("raw body for a list of files = %d %s; want 400", res.status, res.body)
	}
}

func TestMultipartMany(t *testing.T) {
	a, host := newUploads(t)
	ct, body := multipartBody(t,
		part{name: "files", filename: "a.txt", contentType: "text/plain", data: []byte("aa")},
		part{name: "files", filename: "b.bin", contentType: "application/octet-stream", data: binaryData(5)},
	)
	res := send(t, handlerOf(t, a, host), "/many", ct, body)
	want := ManyOut{Names: []string{"a.txt", "b.bin"}, Sizes: []int64{2, 5}}
	if diff := cmp.Diff(decode[ManyOut](t, res.body), want); res.status != 200 || diff != "" {
		t.Errorf("many = %d (-got +want):\n%s", res.status, diff)
	}
}

func TestRawUpload(t *testing.T) {
	a, host := newUploads(t)
	h := handlerOf(t, a, host)
	for _, give := range [][]byte{binaryData(10), binaryData(2 << 20)} {
		res := send(t, h, "/upload?title=raw&tags=x&meta=%7B%22street%22%3A%22S%22%7D", "application/octet-stream", give,
			"Content-Disposition", `attachment; filename="data.bin"`)
		want := UploadOut{
			Title: "raw", Tags: []string{"x"}, Meta: &Address{Street: "S"}, Name: "data.bin", ContentType: "application/octet-stream",
			Size: int64(len(give)), Read: int64(len(give)), SHA256: sha(give), OnDisk: len(give) > rest.DefaultUploadMemory,
		}
		if diff := cmp.Diff(decode[UploadOut](t, res.body), want); res.status != 200 || diff != "" {
			t.Errorf("raw upload of %d bytes = %d (-got +want):\n%s", len(give), res.status, diff)
		}
	}
	// Any media type but JSON is a raw file for a single-File input.
	res := send(t, h, "/upload", "image/png", []byte("\x89PNG"))
	if got := decode[UploadOut](t, res.body); res.status != 200 || got.ContentType != "image/png" || got.Size != 4 {
		t.Errorf("image/png upload = %d %+v", res.status, got)
	}
}

func TestJSONUploadStillWorks(t *testing.T) {
	a, host := newUploads(t)
	give := binaryData(300)
	body, _ := json.Marshal(map[string]any{"title": "j", "file": map[string]any{"name": "j.bin", "content": give}})
	res := send(t, handlerOf(t, a, host), "/upload", "application/json", body)
	want := UploadOut{Title: "j", Name: "j.bin", Size: 300, Read: 300, SHA256: sha(give)}
	if diff := cmp.Diff(decode[UploadOut](t, res.body), want); res.status != 200 || diff != "" {
		t.Errorf("JSON upload = %d %s (-got +want):\n%s", res.status, res.body, diff)
	}
}

func TestUploadTooLarge(t *testing.T) {
	a, host := newUploads(t, httpserver.WithMaxBodyBytes(1<<20))
	h := handlerOf(t, a, host)
	ct, body := multipartBody(t, part{name: "file", filename: "big", contentType: "x/y", data: binaryData(2 << 20)})
	tests := []struct {
		name   string
		target string
		body   []byte
		length bool // send the Content-Length (else chunked)
	}{
		{name: "host limit by Content-Length", target: "/upload", body: body, length: true},
		{name: "host limit while reading", target: "/upload", body: body},
		{name: "operation limit by Content-Length", target: "/small", body: body[:4096], length: true},
		{name: "operation limit while reading", target: "/small", body: body[:4096]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rd io.Reader = bytes.NewReader(tt.body)
			if !tt.length {
				rd = io.MultiReader(rd) // hides the length: chunked
			}
			req, err := http.NewRequest(http.MethodPost, tt.target, rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ct)
			rec := &recorder{header: http.Header{}}
			h.ServeHTTP(rec, req)
			if rec.status != http.StatusRequestEntityTooLarge || rec.header.Get("Content-Type") != rest.ProblemContentType {
				t.Errorf("status = %d %q %s; want 413 problem+json", rec.status, rec.header.Get("Content-Type"), rec.body.Bytes())
			}
		})
	}
}

func TestDownload(t *testing.T) {
	a, host := newUploads(t)
	h := handlerOf(t, a, host)
	give := binaryData(5000)
	ct, body := multipartBody(t, part{name: "file", filename: "r\u00e9sum\u00e9.pdf", contentType: "application/pdf", data: give})
	res := send(t, h, "/echo", ct, body)
	if res.status != 200 || !bytes.Equal(res.body, give) {
		t.Fatalf("download = %d, %d bytes; want 200 and the %d bytes sent", res.status, len(res.body), len(give))
	}
	wantHdr := map[string]string{
		"Content-Type":           "application/pdf",
		"Content-Disposition":    "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf",
		"Content-Length":         "5000",
		"X-Content-Type-Options": "nosniff",
	}
	for k, v := range wantHdr {
		if got := res.header.Get(k); got != v {
			t.Errorf("%s = %q; want %q", k, got, v)
		}
	}
	res = send(t, h, "/echo?inline=true", "text/plain", []byte("hi"), "Content-Disposition", `attachment; filename="a.txt"`)
	if got := res.header.Get("Content-Disposition"); got != `inline; filename=a.txt` || string(res.body) != "hi" {
		t.Errorf("inline download: Content-Disposition %q, body %q", got, res.body)
	}
	res = send(t, h, "/echo", "application/json", []byte(`{}`))
	if res.status != 400 || res.header.Get("Content-Type") != rest.ProblemContentType {
		t.Errorf("download error = %d %q; want a 400 problem", res.status, res.header.Get("Content-Type"))
	}
}

func TestUploadOpenAPI(t *testing.T) {
	a, _ := newUploads(t)
	doc := loadOpenAPI(t, a)
	js, err := json.Marshal(doc.Paths.Value("/upload").Post.RequestBody.Value.Content)
	if err != nil {
		t.Fatal(err)
	}
	var content map[string]any
	if err := json.Unmarshal(js, &content); err != nil {
		t.Fatal(err)
	}
	form := content["multipart/form-data"].(map[string]any)
	props := form["schema"].(map[string]any)["properties"].(map[string]any)
	if diff := cmp.Diff(props["file"], map[string]any{"type": "string", "format": "binary", "description": "The document"}); diff != "" {
		t.Errorf("file part (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(form["encoding"], map[string]any{
		"file": map[string]any{"contentType": "application/octet-stream"},
		"meta": map[string]any{"contentType": "application/json"},
	}); diff != "" {
		t.Errorf("encoding (-got +want):\n%s", diff)
	}
	if _, ok := content["application/octet-stream"]; !ok {
		t.Errorf("single-file upload does not declare application/octet-stream: %s", js)
	}
	if _, ok := content["application/json"]; !ok {
		t.Errorf("upload lost its JSON body: %s", js)
	}
	many := doc.Paths.Value("/many").Post.RequestBody.Value.Content
	if _, ok := many["application/octet-stream"]; ok {
		t.Error("a list of files declares a raw body")
	}
	if got := many["multipart/form-data"].Schema.Value.Properties["files"].Value.Items.Value.Format; got != "binary" {
		t.Errorf("files items format = %q; want binary", got)
	}
	ok := doc.Paths.Value("/echo").Post.Responses.Value("200").Value
	if ok.Content["application/octet-stream"] == nil || ok.Headers["Content-Disposition"] == nil {
		t.Errorf("download response: content %v, headers %v", ok.Content, ok.Headers)
	}
}

// TestCurl sends files with real curl -F and --data-binary to a listening
// server, then downloads them back.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		testenv.Missing(t, "curl not on PATH (apt-get install curl)")
	}
	a, host := newUploads(t, httpserver.WithMaxBodyBytes(4<<20))
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	base := "http://" + host.Addr().String()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(args ...string) []byte {
		t.Helper()
		out, err := exec.CommandContext(t.Context(), curl, append([]string{"-sS", "--max-time", "30"}, args...)...).Output() //nolint:gosec // G204: curl with test arguments
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		return out
	}
	small, large := binaryData(4096), binaryData(3<<20)
	smallPath, largePath := write("small.bin", small), write("large.bin", large)
	overPath := write("over.bin", binaryData(5<<20))

	for _, tt := range []struct {
		path string
		want []byte
	}{{smallPath, small}, {largePath, large}} {
		out := run("-F", "title=t", "-F", "file=@"+tt.path+";type=application/x-bin", base+"/upload")
		got := decode[UploadOut](t, out)
		if got.SHA256 != sha(tt.want) || got.Size != int64(len(tt.want)) || got.OnDisk != (len(tt.want) > rest.DefaultUploadMemory) {
			t.Errorf("curl -F %s: %+v; want %d bytes, sha %s", filepath.Base(tt.path), got, len(tt.want), sha(tt.want))
		}
		// Round trip: upload and download back byte-identical.
		dl := filepath.Join(dir, "dl-"+filepath.Base(tt.path))
		hdr := run("-F", "file=@"+tt.path+";type=application/x-bin", "-D", "-", "-o", dl, base+"/echo")
		back, err := os.ReadFile(dl)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, tt.want) {
			t.Errorf("curl round trip of %s: %d bytes back, not identical", filepath.Base(tt.path), len(back))
		}
		if !strings.Contains(string(hdr), "Content-Disposition: attachment; filename="+filepath.Base(tt.path)) {
			t.Errorf("download headers:\n%s", hdr)
		}
	}
	out := run("--data-binary", "@"+smallPath, "-H", "Content-Type: application/octet-stream", base+"/upload?title=raw")
	if got := decode[UploadOut](t, out); got.SHA256 != sha(small) || got.Title != "raw" {
		t.Errorf("curl --data-binary: %+v", got)
	}
	out = run("-F", "file=@"+overPath, "-w", "\n%{http_code} %{content_type}", base+"/upload")
	if !strings.HasSuffix(string(out), "\n413 "+rest.ProblemContentType) || !strings.Contains(string(out), `"status":413`) {
		t.Errorf("over the limit: %s; want 413 problem+json", out)
	}
}
