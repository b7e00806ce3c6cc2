// Package conformance holds the cross-protocol conformance suite: each
// scenario runs through REST, gRPC and GraphQL (and in process) against one
// App, and the normalised results must be equal.
//
// It is a test kit, not production code: only its tests import it, and it
// may import every transport.
package conformance
