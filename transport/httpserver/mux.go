package httpserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/allframe-go/allframe/app"
)

// mux dispatches on the mount table: exact paths by map lookup, then
// prefixes (longest first), then the fallback. Every request passes the
// host's CORS policy, body limit and body timeout first.
type mux struct {
	exact       map[string][]*route
	prefixes    []*route
	fallback    http.Handler
	maxBody     int64
	bodyTimeout time.Duration
	cors        *cors // nil: no CORS
}

func newMux(a *app.App, routes []*route, fallback *route, cfg Config) (*mux, error) {
	m := &mux{exact: map[string][]*route{}, maxBody: cfg.MaxBodyBytes, bodyTimeout: cfg.BodyTimeout}
	health := []*route{
		{method: http.MethodGet, path: "/healthz", handler: http.HandlerFunc(healthz), by: "httpserver"},
		{method: http.MethodGet, path: "/readyz", handler: readyz(a), by: "httpserver"},
	}
	seen := map[string]*route{}
	for _, r := range append(health, routes...) {
		if r.path == "*" {
			return nil, fmt.Errorf("httpserver: %s and %s both mount a fallback route; only one may", fallback.by, r.by)
		}
		if !strings.HasPrefix(r.path, "/") {
			return nil, fmt.Errorf("httpserver: %s mounts %q: a path must start with /", r.by, r.path)
		}
		key := r.method + " " + r.path
		if r.prefix {
			key += "*"
		}
		if prev := seen[key]; prev != nil {
			return nil, fmt.Errorf("httpserver: %s and %s both mount %s %s", prev.by, r.by, methodName(r.method), r.path)
		}
		if prev := seen[" "+strings.TrimPrefix(key, r.method+" ")]; prev != nil && r.method != "" {
			return nil, fmt.Errorf("httpserver: %s mounts every method on %s, which %s also mounts for %s", prev.by, r.path, r.by, r.method)
		}
		seen[key] = r
		if r.prefix {
			m.prefixes = append(m.prefixes, r)
		} else {
			m.exact[r.path] = append(m.exact[r.path], r)
		}
	}
	slices.SortStableFunc(m.prefixes, func(x, y *route) int { return len(y.path) - len(x.path) })
	if fallback != nil {
		m.fallback = fallback.handler
	} else {
		m.fallback = http.HandlerFunc(notFound)
	}
	return m, nil
}

func methodName(m string) string {
	if m == "" {
		return "every method on"
	}
	return m
}

func (m *mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.cors != nil && m.cors.serve(w, r) {
		return // a preflight request, answered
	}
	if r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > m.maxBody {
			// Refuse on the declared length, before reading: no 100 Continue
			// is sent, so the client never starts sending the body.
			writeTooLarge(w, r, m.maxBody)
			return
		}
		r.Body = m.limitBody(w, r)
	}
	if rs, ok := m.exact[r.URL.Path]; ok {
		if h := pick(rs, r.Method); h != nil {
			h.ServeHTTP(w, r)
			return
		}
		if m.fallback != nil && !allMethodsHost(rs) {
			// The path may also be a REST route with another method.
			m.fallback.ServeHTTP(w, r)
			return
		}
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(r.URL.Path, p.path) && (p.method == "" || p.method == r.Method) {
			p.handler.ServeHTTP(w, r)
			return
		}
	}
	m.fallback.ServeHTTP(w, r)
}

func pick(rs []*route, method string) http.Handler {
	for _, r := range rs {
		if r.method == "" || r.method == method || (method == http.MethodHead && r.method == http.MethodGet) {
			return r.handler
		}
	}
	return nil
}

func allMethodsHost(rs []*route) bool {
	for _, r := range rs {
		if r.method == "" {
			return true
		}
	}
	return false
}

// limitBody bounds the body's size (a chunked body stops at the limit
// with *http.MaxBytesError) and the time to read it: a read deadline set
// now is lifted once the body has been read to its end, so streams that
// outlive their request body are not cut.
func (m *mux) limitBody(w http.ResponseWriter, r *http.Request) io.ReadCloser {
	body := http.MaxBytesReader(w, r.Body, m.maxBody)
	if m.bodyTimeout <= 0 {
		return body
	}
	// One allocation: the controller lives inside the body (the pointer
	// NewResponseController returns is inlined away).
	b := &deadlineBody{ReadCloser: body, rc: *http.NewResponseController(w), left: r.ContentLength}
	if err := b.rc.SetReadDeadline(time.Now().Add(m.bodyTimeout)); err != nil {
		return body // the connection does not support deadlines (e.g. a test recorder)
	}
	return b
}

// deadlineBody lifts the read deadline when the body has been read.
type deadlineBody struct {
	io.ReadCloser
	rc   http.ResponseController
	left int64 // bytes still expected; -1 when unknown (chunked)
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.left > 0 {
		b.left -= int64(n)
	}
	if !b.done && (b.left == 0 || errors.Is(err, io.EOF)) {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

func readyz(a *app.App) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a == nil || !a.Ready() {
			WriteProblem(w, r, app.NewError(app.CodeUnavailable, "not ready"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
}

func notFound(w http.ResponseWriter, r *http.Request) {
	WriteProblem(w, r, app.NewError(app.CodeNotFound, "no route for "+r.Method+" "+r.URL.Path))
}

func writeTooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	WriteStatusProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: the limit is %d bytes", limit))
}
