package mcp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonschema"
)

// selected returns the operations cfg exposes, in registration order, and
// fails on a name WithOperations gives that a does not register.
func selected(a *app.App, cfg *config) ([]*app.Operation, error) {
	for _, n := range cfg.names {
		if a.Operation(n) == nil {
			return nil, fmt.Errorf("mcp: WithOperations(%q): the app registers no such operation", n)
		}
	}
	for _, lists := range [][]string{cfg.nonDestructive, cfg.idempotent} {
		for _, n := range lists {
			if op := a.Operation(n); op == nil || op.Kind != app.OpCommand {
				return nil, fmt.Errorf("mcp: WithNonDestructive/WithIdempotent(%q): the app registers no such command", n)
			}
		}
	}
	var ops []*app.Operation
	for _, op := range a.Operations() {
		if cfg.selects(op.Name, op.Tags, op.Admin) {
			ops = append(ops, op)
		}
	}
	return ops, nil
}

// newTool describes op as a tool: its name, title and description, the
// JSON Schemas of its input and output, and the hints of its kind.
func newTool(a *app.App, op *app.Operation, cfg *config) (*sdk.Tool, error) {
	in, err := json.Marshal(inputSchema(a, op))
	if err != nil {
		return nil, fmt.Errorf("mcp: input schema of %s: %w", op.Name, err)
	}
	out, err := json.Marshal(outputSchema(a, op))
	if err != nil {
		return nil, fmt.Errorf("mcp: output schema of %s: %w", op.Name, err)
	}
	return &sdk.Tool{
		Name:         op.Name,
		Title:        op.Summary,
		Description:  description(op),
		InputSchema:  json.RawMessage(in),
		OutputSchema: json.RawMessage(out),
		Annotations:  annotations(op, cfg),
	}, nil
}

// description is the operation's description (its summary when it has
// none), with the stream contract and any deprecation appended.
func description(op *app.Operation) string {
	d := op.Description
	if d == "" {
		d = op.Summary
	}
	var parts []string
	if d != "" {
		parts = append(parts, d)
	}
	if op.Kind == app.OpStream {
		parts = append(parts, "A stream: the result collects its items in items (bounded in number and time; complete is false when the stream was still open). "+
			"With a progress token, each item also arrives as a progress notification whose message is the item's JSON.")
	}
	if op.Deprecated != "" {
		parts = append(parts, "Deprecated: "+op.Deprecated)
	}
	return strings.Join(parts, "\n\n")
}

// annotations are the behaviour hints of op's kind: queries and streams
// read only (and so idempotent), commands neither, and destructive unless
// cfg marks them otherwise.
func annotations(op *app.Operation, cfg *config) *sdk.ToolAnnotations {
	if op.Kind != app.OpCommand {
		return &sdk.ToolAnnotations{Title: op.Summary, ReadOnlyHint: true, IdempotentHint: true}
	}
	destructive := !slices.Contains(cfg.nonDestructive, op.Name)
	return &sdk.ToolAnnotations{
		Title:           op.Summary,
		DestructiveHint: &destructive,
		IdempotentHint:  slices.Contains(cfg.idempotent, op.Name),
	}
}

// builder returns a JSON Schema builder for a standalone document that
// treats the types of every operation's input as inputs, exactly as the
// OpenAPI document does, so that every definition is the same as the
// OpenAPI component of the same name.
func builder(a *app.App) *jsonschema.Builder {
	b := jsonschema.NewBuilder("#/$defs/")
	for _, op := range a.Operations() {
		b.MarkInput(op.Input)
	}
	return b
}

// inputSchema is the schema of op's arguments: the object schema of its
// input type inline (MCP wants "type": "object" at the root), with the
// definitions it refers to. Path, query and header fields are properties
// like the others.
func inputSchema(a *app.App, op *app.Operation) *jsonschema.Schema {
	b := builder(a)
	s := b.Inline(op.Input)
	s.SchemaURI, s.Defs = jsonschema.Draft, b.Defs()
	return s
}

// outputSchema is the schema of the structured result: op's output type,
// or for a stream the collected items and whether the stream ended.
func outputSchema(a *app.App, op *app.Operation) *jsonschema.Schema {
	b := builder(a)
	var s *jsonschema.Schema
	if op.Kind == app.OpStream {
		s = &jsonschema.Schema{
			Type: []string{"object"},
			Properties: map[string]*jsonschema.Schema{
				"items": {Type: []string{"array"}, Items: b.Schema(op.Output),
					Description: "The items the stream sent, in order"},
				"complete": {Type: []string{"boolean"},
					Description: "Whether the stream ended; false when a limit cut it short"},
			},
			Required: []string{"items", "complete"},
		}
	} else {
		s = b.Inline(op.Output)
	}
	s.SchemaURI, s.Defs = jsonschema.Draft, b.Defs()
	return s
}
