// Package grpc provides the gRPC transport of AllFrame: every operation
// registered in an app.App served over gRPC, built at startup from the same
// type schema that feeds the other protocols. No .proto is written by hand
// and no code generator runs.
//
//	a := app.New(app.Name("hello"))
//	app.Query(a, "hello", hello)
//	a.Run(rest.New(), grpc.New())
//
// serves hello.v1.HelloService/Hello on ALLFRAME_GRPC_ADDR (default :9090).
//
// # Service
//
// One service per App: package "<name>.v1" and service "<Name>Service"
// (see ProtoPackage and ServiceName). Each operation is a method named in
// PascalCase ("hello" → Hello) taking <Method>Request and returning
// <Method>Response (the request and response names buf's and Google's API
// guidelines ask for); queries and commands are unary, streams are
// server-streaming. Nested structs are messages named by their schema
// name, enums get a 0 <ENUM>_UNSPECIFIED value, field numbers are the
// schema's stable app.Field.Number and json_name is the JSON field name.
// time.Time is google.protobuf.Timestamp, time.Duration
// google.protobuf.Duration, pointers to scalars are proto3 optional fields,
// and any or json.RawMessage is google.protobuf.Value (any JSON value,
// where Struct would allow only objects). ProtoFile prints the service as
// .proto source that protoc compiles to the same descriptors; the running
// transport serves it at GET /service.proto on the App's HTTP port.
// Files are messages too: an app.File input is File {name, content_type,
// bytes content}, an app.Blob output {content_type, filename, inline,
// bytes content}; a file travels whole in one message, within the message
// limits (WithMaxRecvMsgSize, WithMaxSendMsgSize: 4 MiB by default).
//
// # Calls
//
// A codec scoped to this server (grpc.ForceServerCodecV2, never registered
// globally) encodes and decodes Go values directly to and from the
// protobuf wire format with plans compiled at startup; health and
// reflection messages go to the standard proto codec. Each call runs
// Operation.Handle, so the App's middleware, validation and errors are the
// same as on every other protocol. Middleware sees the incoming metadata as
// Call.Metadata, can set response headers through Call.ResponseHeader, and
// gets the peer address and the full method name as Call.Route. Deadlines
// and cancellation reach the handler's context.
//
// Errors map through Code to gRPC status codes; field violations travel as
// a google.rpc.BadRequest detail and Error.Details as a
// google.protobuf.Struct detail. A request that is not valid protobuf for
// its message fails with InvalidArgument (after middleware has seen the
// call).
//
// Server reflection (v1 and v1alpha) answers from a private registry of the
// descriptors, so grpcurl, grpcui, Postman and ghz work, and
// grpc.health.v1.Health reports the App's readiness for "" and for the
// service.
//
// # On the HTTP port
//
// WithH2C also serves native gRPC on the HTTP host's port (h2c), and
// WithHTTPProtocols serves the service over more protocols there:
// WithHTTPProtocols(connect.New()) (package transport/grpc/connect) adds
// the Connect protocol and gRPC-Web, for browsers, translated to calls of
// the same server, so middleware, validation and errors are the same;
// Call.Protocol tells them apart ("connect", "grpc-web").
//
// Package grpc owns the gRPC server, descriptors and wire codec; it imports
// app, the HTTP host (for h2c and /service.proto) and grpc-go, never echo,
// gqlgen or another transport.
package grpc
