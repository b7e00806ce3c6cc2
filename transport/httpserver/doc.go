// Package httpserver provides AllFrame's HTTP host: the one listener that
// every HTTP-borne protocol (REST, GraphQL, docs, schema exports, metrics,
// gRPC over h2c) mounts on, with health and readiness, server timeouts,
// body limits and graceful drain, and the one mapping of neutral error codes
// to HTTP statuses and RFC 9457 problem documents.
//
// It imports app and net/http only: never echo, gqlgen or grpc.
package httpserver
