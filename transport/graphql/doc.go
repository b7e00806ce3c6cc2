// Package graphql serves an App's operations over GraphQL, through gqlgen's
// handler package and the runtime schema of package graph: queries as
// Query fields, commands as Mutation fields, streams as Subscription
// fields. No SDL is written by hand and no code is generated.
//
// Mount it with the REST transport, which owns the HTTP server:
//
//	a.Run(rest.New(), graphql.New())
//
// or serve Handler anywhere an http.Handler fits. The endpoint (default
// /graphql) takes:
//
//   - POST with a JSON body (application/json or
//     application/graphql-response+json responses, as gqlgen negotiates);
//   - GET with query, operationName, variables and extensions parameters
//     (queries only);
//   - WebSocket upgrades speaking graphql-transport-ws (and the legacy
//     graphql-ws); string values of the connection_init payload are visible
//     to middleware as metadata, over the upgrade request's headers;
//   - POST with Accept: text/event-stream for Server-Sent Events;
//   - POST of multipart/form-data following the GraphQL multipart request
//     spec (operations, map and file parts) for app.File inputs, which the
//     schema declares as the Upload scalar; requests above 1 MiB are spooled
//     to temporary files, and the body limit (WithMaxBodyBytes, 1 MiB by
//     default: raise it for uploads) answers 413;
//   - GET from a browser (Accept: text/html): the GraphiQL page, whose
//     scripts and styles are embedded in the binary and served under
//     <endpoint>/assets/ (cached for good: their names carry the version),
//     so it works offline.
//
// Subscriptions need WebSocket or SSE; a plain POST of a subscription is a
// request error. GET /schema.graphql serves the SDL, which describes the
// same schema as introspection.
//
// Parsed documents are kept in an LRU query cache and automatic persisted
// queries are supported. Document limits (tokens, selections, depth,
// complexity, mutation root fields; see WithMaxTokens) are checked on the
// parsed document before validation, in linear time, once per cached
// document: a document over a limit fails like any invalid document (HTTP
// 422, extensions.code GRAPHQL_VALIDATION_FAILED) and nothing runs.
// Responses carry at most 100 errors (WithMaxErrors) and one that counts
// the rest. Request bodies, query strings and variables must be valid
// UTF-8: invalid bytes fail the request with HTTP 400 and extensions.code
// INVALID_ARGUMENT naming the argument or variable, instead of reaching
// handlers as U+FFFD. Operation errors carry extensions.code (e.g.
// INVALID_ARGUMENT, NOT_FOUND) and field violations; a failing operation field is null while
// its siblings keep their data.
//
// Every operation field runs the App's middleware chain once, with
// call.Protocol app.ProtocolGraphQL, the request headers as metadata and
// call.Route "Query.<name>" (or Mutation, Subscription); handlers may set
// response headers on POST and GET.
//
// Package graphql owns GraphQL over HTTP, WebSocket and SSE and its limits,
// mounted on the HTTP host; it imports app, graph, the host and gqlgen,
// never echo, gRPC or another transport.
package graphql
