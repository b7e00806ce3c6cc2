package app

// Endpoint says how one operation is called on one protocol, for tools
// that call operations without importing the transports (the developer
// console, generated docs). Only the fields of its Protocol are set.
type Endpoint struct {
	// Protocol is "rest", "graphql", "grpc", "connect" or "mcp".
	Protocol string `json:"protocol"`

	// Method and Path are the HTTP method and path template (REST), or the
	// full gRPC method name "/pkg.Service/Method" (gRPC: Method; Connect:
	// Path).
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// PathParams, QueryParams and HeaderParams name the input fields bound
	// from the path, the query string and headers, by their wire names
	// (REST); Body says whether the other fields travel as a JSON body.
	PathParams   []string `json:"pathParams,omitempty"`
	QueryParams  []string `json:"queryParams,omitempty"`
	HeaderParams []string `json:"headerParams,omitempty"`
	Body         bool     `json:"body,omitempty"`
	// SSE is set for a REST stream served as Server-Sent Events;
	// ServerStream for a server-streaming gRPC / Connect method.
	SSE          bool `json:"-"`
	ServerStream bool `json:"-"`

	// OperationType ("query", "mutation", "subscription"), Field, Document
	// and Variables describe the GraphQL call: Document is a complete
	// request selecting every output field; Variables is "fields" when the
	// variables are the input's fields (one argument per field), "input"
	// when they are {"input": value}.
	OperationType string `json:"operationType,omitempty"`
	Field         string `json:"field,omitempty"`
	Document      string `json:"document,omitempty"`
	Variables     string `json:"variables,omitempty"`

	// Addr is the gRPC listen address (host:port), once known.
	Addr string `json:"addr,omitempty"`

	// Tool is the MCP tool name.
	Tool string `json:"tool,omitempty"`
}

// ProtocolInfo describes one protocol a transport serves, for the same
// tools: where it is reached.
type ProtocolInfo struct {
	// Protocol is "rest", "graphql", "grpc", "connect" or "mcp".
	Protocol string
	// Base is the URL path prefix of REST and Connect routes ("" for the
	// root); Path the GraphQL or MCP endpoint path.
	Base, Path string
	// WebSocket says whether GraphQL subscriptions are served over
	// WebSocket (graphql-transport-ws).
	WebSocket bool
	// Addr and Service are the gRPC listen address and service name.
	Addr, Service string
}

// EndpointDescriber is implemented by the transports that serve operations
// (REST, GraphQL, gRPC with Connect, MCP), so that tools can show how to
// call every operation on every protocol. Transports answer after the App
// has started.
type EndpointDescriber interface {
	// Protocols returns the protocols the transport serves.
	Protocols() []ProtocolInfo
	// Endpoints returns how op is called on each of those protocols; none
	// when the transport does not serve op.
	Endpoints(op *Operation) []Endpoint
}
