package app

import (
	"context"
	"net/http"
)

type httpRequestKey struct{}

// WithHTTPRequest returns ctx carrying the HTTP request a call arrived in.
// HTTP-based transports (REST, GraphQL) set it on the ctx they pass to
// Operation.Handle so that middleware such as telemetry can read the URL
// path and scheme, the host, the user agent and the protocol version,
// which the neutral Call does not carry.
func WithHTTPRequest(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, httpRequestKey{}, r)
}

// HTTPRequestFrom returns the HTTP request set by WithHTTPRequest, or nil
// when the call did not arrive over HTTP or the transport did not set it.
// Middleware must treat it as read-only and must not read its body.
func HTTPRequestFrom(ctx context.Context) *http.Request {
	if c := CallFrom(ctx); c != nil && c.HTTPRequest != nil {
		return c.HTTPRequest
	}
	r, _ := ctx.Value(httpRequestKey{}).(*http.Request)
	return r
}
