// Package httpfx provides the fx module of AllFrame's HTTP host
// (transport/httpserver), which REST, GraphQL, schema exports, metrics and
// gRPC over h2c mount on. It imports the host and di only.
package httpfx
