package mcp

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/app"
)

// ErrorBody is the JSON document that the text content of a failed tool
// call (isError true) holds: the neutral code, the client-safe message,
// the invalid fields and any details, as on every other protocol.
type ErrorBody struct {
	// Code is the neutral code in snake case, e.g. "invalid_argument".
	Code string `json:"code"`
	// Message is the client-safe message.
	Message string `json:"message"`
	// Violations name the invalid input fields (JSON paths).
	Violations []app.FieldViolation `json:"violations,omitempty"`
	// Details carries the error's structured, client-safe details.
	Details map[string]any `json:"details,omitempty"`
}

// toolError maps err to a tool result with isError set, the one mapping
// of codes to MCP: every code is a tool error (which the model sees and
// can act on), never a JSON-RPC error, and carries the code by name. An
// error without a code is internal with a generic message (ErrorFrom);
// its cause is never shown.
//
// The error document is the text content, not structuredContent: a tool
// declares the schema of its output, and clients (the TypeScript SDK's
// among them) check structuredContent against it even on errors.
func toolError(err error) *sdk.CallToolResult {
	e := app.ErrorFrom(err)
	body := ErrorBody{Code: e.Code.String(), Message: e.Message, Violations: e.Violations, Details: e.Details}
	b, merr := json.Marshal(body)
	if merr != nil { // a detail that does not encode: keep what does
		body.Details = nil
		b, _ = json.Marshal(body)
	}
	return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: string(b)}}}
}

// decodeArguments decodes a tool call's arguments, one JSON object, into
// in (a *In); absent arguments leave the zero input. Errors name the
// field, as the REST transport's do, and invalid UTF-8 is refused rather
// than stored as U+FFFD, as every transport refuses it.
func decodeArguments(args json.RawMessage, in any) error {
	if len(args) == 0 || string(args) == "null" {
		return nil
	}
	if !utf8.Valid(args) { // encoding/json would store U+FFFD
		const desc = "must be valid UTF-8"
		return app.InvalidArgument("invalid arguments: "+desc, app.FieldViolation{Field: "arguments", Description: desc})
	}
	if err := json.Unmarshal(args, in); err != nil {
		return argumentsError(err)
	}
	return nil
}

// decodeSumArguments is decodeArguments for inputs holding a sum type,
// which dec (compiled from the input type) decodes.
func decodeSumArguments(args json.RawMessage, in any, dec *app.JSONDecoder) error {
	if len(args) == 0 || string(args) == "null" || !utf8.Valid(args) || !json.Valid(args) {
		return decodeArguments(args, in)
	}
	if err := dec.Decode(args, in); err != nil {
		var ae *app.Error
		if errors.As(err, &ae) {
			return err
		}
		return argumentsError(err)
	}
	return nil
}

func argumentsError(err error) error { return app.JSONInputError(err, "arguments") }
