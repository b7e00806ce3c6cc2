// Package connect serves an App's gRPC service over the Connect protocol
// and gRPC-Web on the App's HTTP port, so browsers and other HTTP/1.1
// clients call the same methods gRPC clients do, with no proxy:
//
//	a.Run(httpserver.New(), rest.New(), grpc.New(grpc.WithHTTPProtocols(connect.New())))
//
// serves POST /hello.v1.HelloService/Hello to Connect clients
// (connectrpc.com/connect, @connectrpc/connect-web, curl with JSON) and
// gRPC-Web clients (@connectrpc/connect-web's gRPC-Web transport, grpc-web)
// next to REST on the HTTP host.
//
// # Protocols
//
// Connect: unary calls with application/json or application/proto bodies
// and server streams with application/connect+json or
// application/connect+proto, gzip compression, Connect-Timeout-Ms, and
// errors in the Connect format ({"code":"not_found","message":…,
// "details":[…]}) with the HTTP status Connect's specification assigns to
// each code. gRPC-Web: binary (application/grpc-web+proto) and text
// (application/grpc-web-text, base64), unary and server streaming, with
// the status in the trailers frame. JSON is the canonical protobuf JSON
// mapping (protojson) of the service's descriptors, whose json_name is each
// field's JSON name: field names match REST's, 64-bit integers are strings,
// enums their value names.
//
// Every call is translated to a gRPC call of the transport's own server by
// connectrpc.com/vanguard, from the runtime descriptors (dynamic messages,
// no generated code), so it runs the same method, middleware, validation
// and error mapping as a gRPC call: the codes are the same neutral codes
// mapped once to gRPC, which Connect shares. A binary call is relayed
// without being decoded; only JSON is converted. Middleware sees
// Call.Protocol "connect" (app.ProtocolConnect) or "grpc-web"
// (app.ProtocolGRPCWeb), the request headers as Call.Metadata, and the
// full method as Call.Route.
//
// grpc.health.v1.Health is served the same way, so a browser can check
// readiness over Connect. Server reflection is bidirectional streaming,
// which neither protocol carries over HTTP/1.1; it stays on the gRPC port.
//
// The package is separate from transport/grpc so that a service that does
// not use Connect or gRPC-Web links neither vanguard nor connect-go.
package connect
