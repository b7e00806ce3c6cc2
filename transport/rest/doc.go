// Package rest provides the REST transport of AllFrame: an echo v4 router
// that serves every registered operation as a JSON endpoint (queries as GET
// with query parameters, commands as POST with a JSON body, streams as
// Server-Sent Events), an OpenAPI 3.1 document generated from the type
// schema (/openapi.json, /openapi.yaml), an embedded Swagger UI (/docs)
// and RFC 9457 problem+json errors for
// everything that goes wrong, unknown routes and wrong methods included.
//
// An operation whose input has app.File fields (File, *File, []File) also
// takes multipart/form-data: each file is a part named by the field's JSON
// name, every other body field a form value (scalars as in a query string,
// lists as repeated values, anything else as JSON text). With a single
// File field it also takes the file as the raw body (application/octet-stream
// or any media type but JSON and form-urlencoded), its name from the
// filename of Content-Disposition, the other fields from query parameters.
// Files above 1 MiB (WithUploadMemory) are spooled to temporary files,
// removed when the handler returns; bodies over the host's limit, the
// transport's (WithMaxBodyBytes) or the operation's (app.MaxBodyBytes) get
// 413. An operation that returns app.Blob answers with its raw bytes,
// Content-Type and Content-Disposition. The OpenAPI document declares both.
//
// It owns the REST routes, the OpenAPI document and the docs page, and
// mounts them on the HTTP host (transport/httpserver) as its fallback
// router; the host owns the listener, health and limits. It imports app,
// the host, the shared codecs (internal/jsonenc, internal/jsonschema,
// internal/gzasset) and echo — never gRPC, gqlgen, graph or another
// transport, and no OpenAPI or YAML library: the document is a JSON tree
// written by encoding/json and a small YAML writer (yaml.go), and the tests
// validate it with kin-openapi and compare the YAML with go.yaml.in/yaml's.
package rest
