package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
)

// JSONInputError turns an encoding/json decoding error of an operation's
// input into an invalid_argument Error a client can act on: the offset of
// a syntax error, or the field and the JSON type it must have. what names
// the input in messages and is the field of a type error at the top level
// ("body" for REST, "arguments" for MCP tool calls). Transports that
// decode JSON input call it, so every one words these errors alike.
func JSONInputError(err error, what string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return InvalidArgument(fmt.Sprintf("malformed JSON %s at offset %d: %s", what, se.Offset, se.Error()))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = what
		}
		desc := "must be " + jsonTypeName(te.Type)
		return InvalidArgument("invalid "+field+": "+desc, FieldViolation{Field: field, Description: desc})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return InvalidArgument("malformed JSON " + what + ": unexpected end of input")
	}
	return InvalidArgument("malformed JSON " + what + ": " + err.Error())
}

// jsonTypeName says which JSON value a Go type takes, for messages.
func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}
