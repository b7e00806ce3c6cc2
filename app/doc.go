// Package app provides the protocol-neutral core of AllFrame: the App and its
// registry of operations, typed handler registration, the type schema that
// feeds every schema emitter (OpenAPI, GraphQL SDL, protobuf descriptors),
// the neutral error type and codes, validation, middleware over a neutral
// Call, an in-process call API and the lifecycle that starts and stops
// transports.
//
// Operations marked Admin (operator operations such as cqrs's projection
// rebuild) are gated before anything else runs: over the network a call
// must pass the App's AdminAuth — by default, carry "Authorization: Bearer
// $ALLFRAME_ADMIN_TOKEN" — or it is refused with permission_denied on every
// protocol; with the variable unset every such call is refused. In-process
// calls always run.
//
// Package app imports no transport library: transports (REST, gRPC, GraphQL)
// adapt to it through the Transport interface.
package app
