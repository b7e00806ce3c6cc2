package connect

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
)

// gRPC-Web's text mode (application/grpc-web-text) is the binary protocol
// with base64 bodies, for clients that cannot read binary responses as a
// stream (XHR). vanguard speaks the binary mode only, so textHandler
// decodes text requests to binary on the way in and encodes the responses
// on the way out.

const (
	grpcWebText = "application/grpc-web-text"
	grpcWeb     = "application/grpc-web"
)

// serveText serves a gRPC-Web text request through next as a binary one.
func serveText(next http.Handler, w http.ResponseWriter, r *http.Request, suffix string) {
	r = r.Clone(r.Context())
	r.Header.Set("Content-Type", grpcWeb+suffix)
	r.Header.Del("Content-Length")
	r.ContentLength = -1
	r.Body = &textBody{body: r.Body}
	tw := &textWriter{w: w}
	defer tw.finish()
	next.ServeHTTP(tw, r)
}

// textBody decodes a base64 request body. Text-mode clients may send
// several padded base64 chunks one after another, so it decodes each
// 4-character group on its own.
type textBody struct {
	body io.ReadCloser
	in   [4096]byte
	n    int    // undecoded bytes in in
	out  []byte // decoded bytes not yet read
	dec  [3072]byte
	err  error
}

func (b *textBody) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		k, err := b.body.Read(b.in[b.n:])
		b.n += k
		whole := b.n / 4 * 4
		o := 0
		for i := 0; i < whole; i += 4 {
			m, derr := base64.StdEncoding.Decode(b.dec[o:], b.in[i:i+4])
			if derr != nil {
				b.err = errors.New("grpc-web-text: request body is not base64")
				break
			}
			o += m
		}
		b.n = copy(b.in[:], b.in[whole:b.n])
		b.out = b.dec[:o]
		if err != nil && b.err == nil {
			if errors.Is(err, io.EOF) && b.n != 0 {
				err = errors.New("grpc-web-text: request body ends inside a base64 group")
			}
			b.err = err
		}
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

func (b *textBody) Close() error { return b.body.Close() }

// textWriter base64-encodes a gRPC-Web response. Bytes that do not fill a
// 3-byte group wait for the next write; a flush (each streamed message)
// ends the current base64 chunk with its padding, so the client can decode
// what it has received, and the next chunk starts fresh.
type textWriter struct {
	w           http.ResponseWriter
	carry       [3]byte
	nc          int
	buf         []byte
	wroteHeader bool
}

func (t *textWriter) Header() http.Header { return t.w.Header() }

func (t *textWriter) WriteHeader(code int) {
	if t.wroteHeader {
		return
	}
	t.wroteHeader = true
	h := t.w.Header()
	if suffix, ok := strings.CutPrefix(h.Get("Content-Type"), grpcWeb); ok && !strings.HasPrefix(suffix, "-text") {
		h.Set("Content-Type", grpcWebText+suffix)
	}
	h.Del("Content-Length")
	t.w.WriteHeader(code)
}

func (t *textWriter) Write(p []byte) (int, error) {
	t.WriteHeader(http.StatusOK)
	n := len(p)
	if t.nc > 0 {
		k := copy(t.carry[t.nc:], p)
		t.nc += k
		p = p[k:]
		if t.nc < 3 {
			return n, nil
		}
		if err := t.emit(t.carry[:3]); err != nil {
			return 0, err
		}
		t.nc = 0
	}
	whole := len(p) / 3 * 3
	if whole > 0 {
		if err := t.emit(p[:whole]); err != nil {
			return 0, err
		}
	}
	t.nc = copy(t.carry[:], p[whole:])
	return n, nil
}

// emit writes src, whole 3-byte groups or the padded end of a chunk, as
// base64.
func (t *textWriter) emit(src []byte) error {
	t.buf = base64.StdEncoding.AppendEncode(t.buf[:0], src)
	_, err := t.w.Write(t.buf)
	return err
}

// endChunk writes the bytes waiting for a full group, padded.
func (t *textWriter) endChunk() error {
	if t.nc == 0 {
		return nil
	}
	err := t.emit(t.carry[:t.nc])
	t.nc = 0
	return err
}

// Flush ends the current base64 chunk and flushes the response.
func (t *textWriter) Flush() {
	if t.endChunk() == nil {
		_ = http.NewResponseController(t.w).Flush()
	}
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (t *textWriter) Unwrap() http.ResponseWriter { return t.w }

func (t *textWriter) finish() { _ = t.endChunk() }
