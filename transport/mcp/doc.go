// Package mcp serves an App's operations as Model Context Protocol tools,
// on the official Go SDK (github.com/modelcontextprotocol/go-sdk), so that
// AI agents call the handlers REST, GraphQL and gRPC already serve, with
// the same validation, middleware, errors and traces.
//
// Each exposed operation is one tool named after it: its description is
// the operation's (or its summary), its input schema is the object schema
// of the input type and its output schema that of the output type, built
// by the same JSON Schema builder as the OpenAPI document (path, query
// and header fields are plain properties; every definition under $defs
// is the OpenAPI component of the same name). Queries and streams are
// hinted read-only and idempotent; commands neither, and destructive
// unless WithNonDestructive says otherwise.
//
// Nothing is exposed until chosen: WithAll (every operation but admin
// ones), WithTags, WithOperations (the only way to expose an admin
// operation, which still passes the App's admin authorizer). Choices add
// up.
//
// A tool call runs Operation.Handle with an app.Call whose Protocol is
// "mcp" (Protocol): the admin gate, the App's middleware (auth, rate
// limits, tracing) and validation run as on every protocol. Over
// streamable HTTP the call's Metadata are the HTTP request's headers (so
// Authorization and API-key headers authenticate tool calls, and
// traceparent continues a trace) and Peer and HTTPRequest are set; over
// stdio there are no headers. Every failure is a tool result with isError
// set whose text is the JSON document of ErrorBody
// ({"code":"invalid_argument","message":…,"violations":[…]}), so a model
// sees it and can correct its arguments; an unknown tool is a JSON-RPC
// error.
//
// A stream operation's tool collects the items the stream sends and
// returns them as {"items":[…],"complete":bool} when the stream ends,
// after 100 items or after 5 seconds (WithStreamLimits); when the client
// sends a progress token, each item also arrives at once as a progress
// notification whose message is the item's JSON.
//
// Transports:
//
//   - New returns an app.Transport that mounts streamable HTTP at /mcp on
//     the App's HTTP host (httpserver), next to REST and GraphQL. It runs
//     stateless: every POST carries its messages and answers them, as a
//     JSON-RPC response or an event stream when progress notifications
//     precede the result; no session outlives a request, so any replica
//     behind a load balancer answers any request, and GET (the standalone
//     event stream) is refused with 405. The SDK's DNS-rebinding check
//     refuses a request that reached a loopback address with a foreign
//     Host header.
//   - ServeStdio serves one client on standard input and output, as a
//     local agent runs a tool server it starts as a command.
//   - Handler and NewServer give the HTTP handler and the SDK server
//     alone, for tests and for any other SDK transport.
package mcp
