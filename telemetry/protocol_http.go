package telemetry

import (
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// httpConventions are the HTTP server semantic conventions of REST calls
// (app.ProtocolHTTP): a SERVER span "GET /hello/{name}", the http.* and
// url.* attributes, http.response.status_code and the
// http.server.request.duration metric.
type httpConventions struct {
	hist metric.Float64Histogram
	// status maps a code to the HTTP status answered: WithHTTPStatus, or
	// nil to take the HTTP host's for calls that carry their request.
	status func(app.Code) int
}

func newHTTPConventions(m *middleware) httpConventions {
	return httpConventions{hist: m.httpDur, status: m.httpStatus}
}

func (httpConventions) routeKey(k routeKey, call *app.Call, req *http.Request) routeKey {
	k.route = call.Route
	if k.route == "" {
		k.route = call.Operation.HTTPPath
	}
	k.method = call.Operation.HTTPMethod
	if req != nil {
		k.method = req.Method
		k.scheme = "http"
		if req.TLS != nil {
			k.scheme = "https"
		}
	}
	return k
}

func (c httpConventions) route(k routeKey, r *protoRoute) {
	method, original := k.method, ""
	if !knownMethod(method) {
		method, original = "_OTHER", k.method
	}
	r.name = method + " " + k.route
	if method == "_OTHER" {
		r.name = "HTTP " + k.route
	}
	r.base = []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(method), semconv.HTTPRouteKey.String(k.route)}
	if k.scheme != "" {
		r.base = append(r.base, semconv.URLSchemeKey.String(k.scheme))
	}
	r.start = append(r.start, r.base...)
	if original != "" {
		r.start = append(r.start, semconv.HTTPRequestMethodOriginalKey.String(original))
	}
	r.hist = c.hist
	status := c.status
	if status == nil && k.scheme != "" {
		// The call carries its request: the HTTP host answered it, with
		// its one code→status mapping.
		status = httpserver.StatusCode
	}
	if status == nil {
		return
	}
	r.result = func(code app.Code, res *codeResult) {
		st := status(code)
		res.isError = st >= 500
		res.errorType = strconv.Itoa(st)
		res.span = append(res.span, semconv.HTTPResponseStatusCodeKey.Int(st))
		res.metric = append(res.metric, semconv.HTTPResponseStatusCodeKey.Int(st))
	}
}

func (httpConventions) callAttributes(attrs []attribute.KeyValue, call *app.Call, req *http.Request) []attribute.KeyValue {
	attrs = appendHTTPClient(attrs, call)
	if req != nil {
		attrs = append(attrs, semconv.URLPathKey.String(req.URL.Path))
		attrs = appendHTTPServer(attrs, req)
	}
	return attrs
}

// appendHTTPClient appends the client address (the first X-Forwarded-For
// hop, else the peer) and the user agent of a call that came over HTTP.
func appendHTTPClient(attrs []attribute.KeyValue, call *app.Call) []attribute.KeyValue {
	client := ""
	if xff := call.Metadata.Get("X-Forwarded-For"); xff != "" {
		client, _, _ = strings.Cut(xff, ",")
		client = strings.TrimSpace(client)
	} else if host, _, ok := splitHostPort(call.Peer); ok {
		client = host
	}
	if client != "" {
		attrs = append(attrs, semconv.ClientAddressKey.String(client))
	}
	if ua := call.Metadata.Get("User-Agent"); ua != "" {
		attrs = append(attrs, semconv.UserAgentOriginalKey.String(ua))
	}
	return attrs
}

// appendHTTPServer appends the server address and port the request was
// sent to and its HTTP version.
func appendHTTPServer(attrs []attribute.KeyValue, req *http.Request) []attribute.KeyValue {
	if host, port, ok := splitHostPort(req.Host); ok {
		attrs = append(attrs, semconv.ServerAddressKey.String(host))
		if port == 0 {
			port = 80
			if req.TLS != nil {
				port = 443
			}
		}
		attrs = append(attrs, semconv.ServerPortKey.Int(port))
	}
	return append(attrs, semconv.NetworkProtocolVersionKey.String(protoVersion(req)))
}

// knownMethod reports whether m is a method the HTTP semantic conventions
// record as is; others become "_OTHER".
func knownMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodConnect, http.MethodOptions, http.MethodTrace, http.MethodPatch, "QUERY":
		return true
	}
	return false
}

func protoVersion(r *http.Request) string {
	switch {
	case r.ProtoMajor == 1 && r.ProtoMinor == 1:
		return "1.1"
	case r.ProtoMajor == 2 && r.ProtoMinor == 0:
		return "2"
	case r.ProtoMajor == 3 && r.ProtoMinor == 0:
		return "3"
	}
	return strconv.Itoa(r.ProtoMajor) + "." + strconv.Itoa(r.ProtoMinor)
}
