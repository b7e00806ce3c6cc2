// Package graph provides the GraphQL schema of an App's registry and a
// runtime executor for it, served by gqlgen's handler package.
//
// New derives the schema from the registry — no SDL written by hand and no
// code generation: queries become fields of Query, commands of Mutation and
// streams of Subscription; the fields of an operation's input struct become
// the field's arguments and its output struct an object type. The SDL is
// built as text and loaded with gqlparser, so name clashes and invalid
// names are reported by New, at startup.
//
// # Type mapping
//
//   - bool → Boolean, string → String, float32/float64 → Float.
//   - int8, int16, int32, uint8, uint16 → Int. Go int and uint map to Int
//     too, as Go code uses them for small counts; a value outside Int's
//     32 bits is a field error on output and an invalid argument on input.
//     int64 and uint32 → Int64, uint64 → Uint64: custom scalars written as
//     JSON numbers (inputs also accept decimal strings).
//   - Named string types implementing app.Enum → enums (String when a value
//     is not a valid GraphQL name).
//   - time.Time → Time (RFC 3339), time.Duration → Duration (nanoseconds;
//     inputs also accept "1m30s"), []byte → Bytes (base64), any,
//     json.RawMessage and maps → JSON.
//   - Slices → lists whose elements are non-null unless they are pointers
//     or interfaces.
//   - Structs → object types named after the Go type for outputs, input
//     objects named <Name>Input for nested inputs. Input structs without
//     fields GraphQL can express are left out; output structs without
//     fields get a placeholder field "ok: Boolean!" that is always true.
//
// Nullability: an argument or input field is non-null when it is
// `validate:"required"`. An output field is nullable when it is a pointer,
// an interface or tagged omitempty/omitzero, whose empty value is then
// written as null (GraphQL has no absent fields); every other output field
// is non-null, and nil slices and maps are written as [] and {}. Operation
// fields are nullable, so a failing operation does not void its siblings.
//
// Descriptions come from the operation's Description (or Summary), `doc`
// tags and Doc() methods; `deprecated` tags and app.Deprecated become
// @deprecated (required arguments cannot carry it, so the reason goes into
// their description).
//
// # Execution
//
// Schema.Executable implements graphql.ExecutableSchema. Each operation
// field of a request runs the operation's handler chain once (see
// Executable); root fields run one after the other in document order.
// Output values are written straight into the response buffer by plans
// compiled per type at startup and per document on first use, then
// memoised. Errors carry extensions.code (e.g. "INVALID_ARGUMENT", see
// ErrorFor) and null bubbles to the nearest nullable position; the fields
// and list items next to a failed non-null one are still completed, so
// their errors are reported too (as gqlgen does; the differential test in
// diff_test.go checks the executor against a gqlgen-generated server). @defer is
// accepted and ignored: deferred fragments are delivered in the initial
// response. A subscription yields one response per item of the stream.
//
// Package graph owns the GraphQL schema and executor built from the registry
// (gqlgen's convention for a graph/ folder); it never imports a transport,
// net/http serving code or the HTTP host: transport/graphql serves it.
package graph
