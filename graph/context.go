package graph

import (
	"context"

	"github.com/allframe-go/allframe/app"
)

// RequestInfo carries what a transport knows about the request beyond
// gqlgen's operation context. All fields are optional.
type RequestInfo struct {
	// Peer is the remote address.
	Peer string
	// Metadata replaces the request headers as the calls' metadata (e.g.
	// headers merged with a WebSocket connection_init payload). Default:
	// the operation context's headers.
	Metadata app.Metadata
	// ResponseHeader receives headers that handlers set; nil discards them
	// (streams, whose headers are sent before the first item).
	ResponseHeader app.HeaderSetter
}

type requestInfoKey struct{}

// WithRequestInfo returns a context carrying ri for the executor.
func WithRequestInfo(ctx context.Context, ri *RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

// RequestInfoFrom returns the RequestInfo of ctx, or nil.
func RequestInfoFrom(ctx context.Context) *RequestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return ri
}
