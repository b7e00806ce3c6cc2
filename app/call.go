package app

import (
	"context"
	"net/http"
	"strings"
)

// Protocol names the transport a call arrived on. It is an open set of
// short lower-case names, as connect-go's Peer.Protocol is: the constants
// below are the protocols of this module's transports, and a transport
// elsewhere names its own (e.g. "mcp"). Code that treats
// protocols differently (telemetry's conventions, the admin gate) keys on
// the name and has a generic case for names it does not know. The zero
// Protocol is not in-process: a call that names no protocol is treated as
// arriving from the network.
type Protocol string

// The protocols of this module's transports.
const (
	// ProtocolInProcess is a call made in process (Invoke, InvokeJSON).
	ProtocolInProcess Protocol = "inprocess"
	// ProtocolHTTP is a REST call (and its SSE streams).
	ProtocolHTTP Protocol = "http"
	// ProtocolGRPC is a gRPC call.
	ProtocolGRPC Protocol = "grpc"
	// ProtocolConnect is a Connect protocol call (JSON or binary) to the
	// gRPC service, on the HTTP port.
	ProtocolConnect Protocol = "connect"
	// ProtocolGRPCWeb is a gRPC-Web call (binary or text) to the gRPC
	// service, on the HTTP port.
	ProtocolGRPCWeb Protocol = "grpc-web"
	// ProtocolGraphQL is one operation (root field) of a GraphQL request.
	ProtocolGraphQL Protocol = "graphql"
)

// String returns the protocol's name, "unknown" for the zero Protocol.
func (p Protocol) String() string {
	if p == "" {
		return "unknown"
	}
	return string(p)
}

// Metadata is read access to a call's incoming headers or metadata. Keys are
// case-insensitive. http.Header satisfies it directly; other transports
// adapt their own types without copying.
type Metadata interface {
	Get(key string) string
	Values(key string) []string
}

// HeaderSetter lets a handler or middleware set response headers/metadata.
// http.Header satisfies it.
type HeaderSetter interface {
	Set(key, value string)
}

// MapMetadata is a simple Metadata for in-process calls and tests. Keys are
// stored lower-cased.
type MapMetadata map[string][]string

// Get returns the first value of key.
func (m MapMetadata) Get(key string) string {
	if v := m[strings.ToLower(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns every value of key.
func (m MapMetadata) Values(key string) []string { return m[strings.ToLower(key)] }

// Set replaces the values of key.
func (m MapMetadata) Set(key, value string) { m[strings.ToLower(key)] = []string{value} }

type emptyMetadata struct{}

func (emptyMetadata) Get(string) string      { return "" }
func (emptyMetadata) Values(string) []string { return nil }

// NoMetadata is an empty Metadata.
var NoMetadata Metadata = emptyMetadata{}

type discardHeaders struct{}

func (discardHeaders) Set(string, string) {}

// Call is the protocol-neutral view of one operation call that middleware
// and handlers see. Transports fill it; it is valid until the call returns.
type Call struct {
	// Operation being called.
	Operation *Operation
	// Protocol the call arrived on.
	Protocol Protocol
	// Metadata holds the incoming headers (HTTP) or metadata (gRPC).
	Metadata Metadata
	// ResponseHeader sets outgoing headers/metadata; never nil inside Handle.
	ResponseHeader HeaderSetter
	// Peer is the remote address, when known.
	Peer string
	// Input points to the decoded input value (*In).
	Input any
	// InputErr is set by a transport that could not decode the input; the
	// call then fails with invalid_argument after middleware has seen it.
	InputErr error
	// Send delivers one item of a stream (a *Out, valid only during Send).
	// Set by transports for stream operations only.
	Send func(item any) error
	// Route is the protocol-level route (e.g. the HTTP path template).
	Route string
	// Cursor may be set by a stream handler just before it sends an item,
	// to name the position a client resumes after (e.g. an event's global
	// position). REST uses it as the SSE event id, so a reconnecting
	// client's Last-Event-ID (in Metadata) means the same thing; without
	// it the id counts items from 1.
	Cursor string
	// Subject names the authenticated caller (a token's subject, an API
	// key's owner), set by auth middleware; "" for an anonymous call. The
	// CQRS module records it with the events the call appends.
	Subject string
	// HTTPRequest is the HTTP request the call arrived in (REST and
	// GraphQL), for middleware that needs more than the neutral fields.
	// Read-only; never read its body.
	HTTPRequest *http.Request

	logged bool // the call's failure has been logged (see Operation.guard)
}

// Handler is the neutral, untyped form of an operation handler that
// middleware wraps. For queries and commands it returns the output (*Out);
// for streams it returns (nil, err) when the stream ends, having sent items
// through call.Send.
type Handler func(ctx context.Context, call *Call) (any, error)

// Middleware wraps a Handler. It runs identically on every protocol.
type Middleware func(next Handler) Handler

type callKey struct{}

// CallFrom returns the Call a handler runs in, or nil outside a call.
func CallFrom(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// WithCall returns a context carrying call.
func WithCall(ctx context.Context, call *Call) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}
