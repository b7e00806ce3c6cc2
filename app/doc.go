// Package app provides the protocol-neutral core of AllFrame: the App and its
// registry of operations, typed handler registration, the type schema that
// feeds every schema emitter (OpenAPI, GraphQL SDL, protobuf descriptors),
// the neutral error type and codes, validation, middleware over a neutral
// Call, an in-process call API and the lifecycle that starts and stops
// transports.
//
// Package app imports no transport library: transports (REST, gRPC, GraphQL)
// adapt to it through the Transport interface.
package app
