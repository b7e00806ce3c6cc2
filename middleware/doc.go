// Package middleware provides neutral app.Middleware written once for
// every protocol (REST, GraphQL, gRPC, SSE and streams alike): auth, rate
// limits, timeouts and recovery, one file per concern, as chi's
// middleware package keeps them. Each maps its failures to the neutral
// codes of app, which every transport renders in its own way (401/403/429
// problem+json, UNAUTHENTICATED/PERMISSION_DENIED/RESOURCE_EXHAUSTED,
// GraphQL extensions.code).
//
// It imports app (and the libraries a concern needs, each in its own
// file), never a transport, echo, gqlgen or grpc.
package middleware
