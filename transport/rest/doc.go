// Package rest provides the REST transport of AllFrame: an echo v4 server
// that serves every registered operation as a JSON endpoint (queries as GET
// with query parameters, commands as POST with a JSON body, streams as
// Server-Sent Events), an OpenAPI 3.1 document generated from the type
// schema (/openapi.json, /openapi.yaml), an embedded Swagger UI (/docs),
// health endpoints (/healthz, /readyz) and RFC 9457 problem+json errors for
// everything that goes wrong, unknown routes and wrong methods included.
//
// The REST transport owns the App's HTTP server: extra routes mounted with
// app.App.HandleHTTP (GraphQL, schema exports, metrics) are served on it.
package rest
