// Package rest provides the REST transport of AllFrame: an echo v4 router
// that serves every registered operation as a JSON endpoint (queries as GET
// with query parameters, commands as POST with a JSON body, streams as
// Server-Sent Events), an OpenAPI 3.1 document generated from the type
// schema (/openapi.json, /openapi.yaml), an embedded Swagger UI (/docs)
// and RFC 9457 problem+json errors for
// everything that goes wrong, unknown routes and wrong methods included.
//
// It owns the REST routes, the OpenAPI document and the docs page, and
// mounts them on the HTTP host (transport/httpserver) as its fallback
// router; the host owns the listener, health and limits. It imports app,
// the host, the shared codecs (internal/jsonenc, internal/jsonschema),
// echo and kin-openapi — never gRPC, gqlgen, graph or another transport.
package rest
