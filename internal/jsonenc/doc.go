// Package jsonenc provides AllFrame's JSON encoding machinery, shared by
// every transport that writes JSON (REST, SSE, GraphQL, and later MCP and
// Connect): scalar appenders, the omitempty/omitzero checks of a field, the
// compiled encoder that turns an app.Type into a plan of append functions
// reading fields by offset, and pooled buffers to encode responses into.
// All of it produces exactly the bytes encoding/json produces with HTML
// escaping off; differential tests compare them.
//
// It reads JSON-tag facts from app.Field and never parses struct tags
// itself. It imports only app and the standard library: never a transport,
// a protocol library or graph.
package jsonenc
