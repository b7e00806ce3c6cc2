// Package jsonschema builds JSON Schema (draft 2020-12) from AllFrame's type
// schema (app.Type): one builder for every emitter that describes JSON
// values — the REST transport's OpenAPI 3.1 components today, MCP tool
// schemas and Connect tomorrow. Named types (structs and enums) become
// definitions referenced by $ref; validate-tag limits, docs and
// deprecations come from app.Field, where they are parsed once.
//
// It imports only app and the standard library: never a transport, a
// protocol or OpenAPI library, or graph. Emitters convert its Schema to
// their own types.
package jsonschema
