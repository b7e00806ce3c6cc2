package httpserver

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CORS is the host's cross-origin resource sharing policy, for browsers
// calling REST and GraphQL from pages of other origins. It is explicit:
// nothing is allowed that is not listed.
type CORS struct {
	// AllowedOrigins lists the origins pages may call from, as
	// scheme://host[:port] (e.g. "https://app.example.com"). A host may
	// start with "*." to allow its subdomains ("https://*.example.com",
	// not example.com itself). "*" allows every origin, but not with
	// AllowCredentials. "null" is refused: sandboxed and file pages share
	// it. Required.
	AllowedOrigins []string
	// AllowedMethods lists the methods allowed. Default: GET, HEAD, POST.
	AllowedMethods []string
	// AllowedHeaders lists the request headers a page may send beyond
	// the CORS-safelisted ones (e.g. "Authorization", "X-API-Key"); "*"
	// allows any. Default: Content-Type.
	AllowedHeaders []string
	// ExposedHeaders lists the response headers scripts may read beyond
	// the CORS-safelisted ones (e.g. "Retry-After"). Default: none.
	ExposedHeaders []string
	// AllowCredentials lets pages send cookies and HTTP authentication and
	// read the answers. It cannot be combined with the origin "*".
	// Default: false.
	AllowCredentials bool
	// MaxAge is how long a browser may cache a preflight answer, in whole
	// seconds. Default: 0, not sent (browsers then cache for 5 seconds).
	MaxAge time.Duration
}

// WithCORS answers cross-origin requests on every route of the host
// (REST, GraphQL, schema exports) by policy c: preflight requests
// (OPTIONS with Access-Control-Request-Method) are answered by the host
// itself, 204 with the allowed methods and headers, or 403 problem+json
// naming what the policy refuses; other requests from an allowed origin
// get Access-Control-Allow-Origin and pass on. An invalid policy (no
// origin, "*" with credentials, a malformed origin) is an error from the
// App's Start. Default: no CORS headers; browsers then refuse
// cross-origin calls.
func WithCORS(c CORS) Option {
	return func(h *Host) {
		cp, err := compileCORS(c)
		h.cors, h.corsErr = cp, err
	}
}

// cors is a compiled CORS policy.
type cors struct {
	anyOrigin   bool
	origins     map[string]bool // "scheme://host[:port]", lower case
	subdomains  []originPattern
	methods     map[string]bool
	allowMethod string
	anyHeader   bool
	headers     map[string]bool // canonical names
	expose      string
	credentials bool
	maxAge      string
}

// originPattern matches "scheme://<one or more labels>suffix".
type originPattern struct{ scheme, suffix string }

func compileCORS(c CORS) (*cors, error) {
	p := &cors{
		origins:     map[string]bool{},
		methods:     map[string]bool{},
		headers:     map[string]bool{},
		credentials: c.AllowCredentials,
	}
	if len(c.AllowedOrigins) == 0 {
		return nil, errors.New("httpserver: WithCORS needs at least one allowed origin")
	}
	for _, o := range c.AllowedOrigins {
		o = strings.ToLower(strings.TrimSpace(o))
		switch o {
		case "*":
			if c.AllowCredentials {
				return nil, errors.New(`httpserver: WithCORS: the origin "*" cannot be combined with AllowCredentials; list the origins`)
			}
			p.anyOrigin = true
		case "null":
			return nil, errors.New(`httpserver: WithCORS: the origin "null" is shared by sandboxed and local pages; it cannot be allowed`)
		default:
			scheme, host, ok := strings.Cut(o, "://")
			if !ok || scheme == "" || host == "" || strings.ContainsAny(host, "/?#@ ") || strings.Contains(host[1:], "*") {
				return nil, fmt.Errorf("httpserver: WithCORS: origin %q: want scheme://host[:port], e.g. https://app.example.com", o)
			}
			if suffix, ok := strings.CutPrefix(host, "*"); ok {
				if !strings.HasPrefix(suffix, ".") || len(suffix) < 2 {
					return nil, fmt.Errorf("httpserver: WithCORS: origin %q: a wildcard must be a whole label, as in https://*.example.com", o)
				}
				p.subdomains = append(p.subdomains, originPattern{scheme: scheme, suffix: suffix})
				continue
			}
			p.origins[o] = true
		}
	}
	methods := c.AllowedMethods
	if len(methods) == 0 {
		methods = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	}
	for i, m := range methods {
		m = strings.ToUpper(strings.TrimSpace(m))
		if m == "" || m == "*" {
			return nil, fmt.Errorf("httpserver: WithCORS: method %q: list the methods", methods[i])
		}
		if !p.methods[m] {
			p.methods[m] = true
			p.allowMethod += ", " + m
		}
	}
	p.allowMethod = p.allowMethod[2:]
	headers := c.AllowedHeaders
	if len(headers) == 0 {
		headers = []string{"Content-Type"}
	}
	for _, h := range headers {
		h = strings.TrimSpace(h)
		if h == "*" {
			p.anyHeader = true
			continue
		}
		p.headers[http.CanonicalHeaderKey(h)] = true
	}
	p.expose = strings.Join(c.ExposedHeaders, ", ")
	if s := int64(c.MaxAge / time.Second); s > 0 {
		p.maxAge = strconv.FormatInt(s, 10)
	}
	return p, nil
}

func (p *cors) allowOrigin(origin string) bool {
	if p.anyOrigin {
		return true
	}
	origin = strings.ToLower(origin)
	if p.origins[origin] {
		return true
	}
	scheme, host, ok := strings.Cut(origin, "://")
	if !ok {
		return false
	}
	for _, sp := range p.subdomains {
		if scheme == sp.scheme && len(host) > len(sp.suffix) && strings.HasSuffix(host, sp.suffix) &&
			!strings.ContainsAny(host[:len(host)-len(sp.suffix)], ":/") {
			return true
		}
	}
	return false
}

// serve applies the policy to r: it answers a preflight request itself
// (returning true), and adds the headers of an allowed cross-origin
// request, which the host then routes.
func (p *cors) serve(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	reqMethod := r.Header.Get("Access-Control-Request-Method")
	preflight := r.Method == http.MethodOptions && reqMethod != ""
	if preflight {
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	if origin == "" {
		return false
	}
	if !p.allowOrigin(origin) {
		if preflight {
			WriteStatusProblem(w, r, http.StatusForbidden, "CORS: origin "+origin+" is not allowed")
			return true
		}
		return false // no CORS headers: the browser keeps the answer from the page
	}
	if p.anyOrigin && !p.credentials {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if !preflight {
		if p.expose != "" {
			h.Set("Access-Control-Expose-Headers", p.expose)
		}
		return false
	}
	if !p.methods[reqMethod] {
		p.refuse(w, r, "method "+reqMethod)
		return true
	}
	var asked []string
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			if !p.anyHeader && !p.headers[http.CanonicalHeaderKey(name)] {
				p.refuse(w, r, "header "+name)
				return true
			}
			asked = append(asked, strings.ToLower(name))
		}
	}
	h.Set("Access-Control-Allow-Methods", p.allowMethod)
	if len(asked) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(slices.Compact(asked), ", "))
	}
	if p.maxAge != "" {
		h.Set("Access-Control-Max-Age", p.maxAge)
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// refuse answers a preflight request the policy does not allow, without
// the allow headers already set.
func (p *cors) refuse(w http.ResponseWriter, r *http.Request, what string) {
	h := w.Header()
	h.Del("Access-Control-Allow-Origin")
	h.Del("Access-Control-Allow-Credentials")
	WriteStatusProblem(w, r, http.StatusForbidden, "CORS: "+what+" is not allowed")
}
