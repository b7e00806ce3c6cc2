// Package wire encodes Go values to the protobuf wire format and decodes them
// back, following per-type plans compiled once from the app type schema.
//
// It is the codec behind the gRPC transport: no generated code, no
// reflection per field on the hot path, no intermediate protobuf messages.
// A plan reads and writes struct fields at their byte offsets
// (app.Field.Offset) and dispatches through function pointers chosen at
// compile time, the way protobuf-go's own fast path does.
//
// Mapping (the same one the descriptors in package grpc declare, see Shape):
//
//   - bool, int8…int32, int/int64, uint8…uint32, uint/uint64, float32,
//     float64, string and []byte map to bool, int32, int64, uint32, uint64,
//     float, double, string and bytes; named string types with enum values
//     (app.Enum) map to an enum whose number is the value's position plus
//     one, 0 meaning the empty string.
//   - Structs map to messages. A struct held by value is always encoded (an
//     empty message when zero); a nil pointer to a struct is absent.
//   - Pointers to scalars are proto3 optional fields (explicit presence).
//   - time.Time maps to google.protobuf.Timestamp and time.Duration to
//     google.protobuf.Duration. A singular time.Time field holding the zero
//     time is absent on the wire and an absent field decodes to the zero
//     time; inside lists and maps every element is encoded. Decoded times are
//     in UTC.
//   - any and json.RawMessage map to google.protobuf.Value (arbitrary JSON).
//     A nil any or an empty RawMessage is absent. Go values that are not
//     plain JSON values (structs, typed maps and slices) are converted
//     through encoding/json.
//   - Slices map to repeated fields (numeric ones packed) and maps to proto
//     maps. nil elements of lists and map values encode as their zero value.
//
// Encoding is deterministic (map entries are sorted by key) and
// byte-identical to protobuf-go's deterministic encoding of the same values.
// Decoding follows protobuf-go: unknown fields and known fields with an
// unexpected wire type are skipped, packed and unpacked repeated fields are
// both accepted, strings must be valid UTF-8, the last value of a singular
// field wins and repeated occurrences of a message field merge. Values the
// Go type cannot hold (an enum number without a value, 300 for an int8, an
// invalid Timestamp) fail with an error wrapping ErrUnrepresentable.
//
// Package wire owns the protobuf wire format of app.Types and imports only
// app and protobuf's wire helpers: never grpc-go's server or a transport.
package wire
