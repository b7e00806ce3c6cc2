package mcp_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/transport/mcp"
)

// openAPIDoc is the part of /openapi.json the comparison reads.
type openAPIDoc struct {
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name        string         `json:"name"`
		In          string         `json:"in"`
		Required    bool           `json:"required"`
		Description string         `json:"description"`
		Schema      map[string]any `json:"schema"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

// TestInputSchemasMatchOpenAPI checks every tool's input schema against the
// same operation in the service's /openapi.json: each body property equals
// the request body's, each parameter's schema (and description) equals
// the property of the same name, required fields agree, and every
// definition the tool refers to equals the OpenAPI component of that name
// (output schemas' definitions too).
func TestInputSchemasMatchOpenAPI(t *testing.T) {
	s := startService(t, mcp.WithAll())
	cs := connect(t, s, nil, nil)
	resp, err := http.Get(s.base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	err = json.NewDecoder(resp.Body).Decode(&doc)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]openAPIOp{}
	for _, item := range doc.Paths {
		for _, op := range item {
			ops[op.OperationID] = op
		}
	}
	// component returns an OpenAPI schema with its refs in the $defs form.
	component := func(name string) any {
		c, ok := doc.Components.Schemas[name]
		if !ok {
			t.Fatalf("no component %s in /openapi.json", name)
		}
		return rewriteRefs(c)
	}
	checked := 0
	for tool, err := range cs.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		op, ok := ops[tool.Name]
		if !ok {
			t.Fatalf("tool %s has no operation in /openapi.json", tool.Name)
		}
		in := tool.InputSchema.(map[string]any)
		if in["type"] != "object" || in["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: input schema root %v, want a 2020-12 object", tool.Name, in)
		}
		props, _ := in["properties"].(map[string]any)
		required := strs(in["required"])
		seen := map[string]bool{}
		if op.RequestBody != nil {
			body := op.RequestBody.Content["application/json"].Schema
			if ref, ok := body["$ref"].(string); ok {
				body = doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
			}
			for name, want := range body["properties"].(map[string]any) {
				seen[name] = true
				if diff := cmp.Diff(props[name], rewriteRefs(want)); diff != "" {
					t.Errorf("%s: property %s differs from the request body's (-tool +openapi):\n%s", tool.Name, name, diff)
				}
			}
			for _, r := range strs(body["required"]) {
				if !slices.Contains(required, r) {
					t.Errorf("%s: %s is required in the request body, not in the tool's input", tool.Name, r)
				}
			}
		}
		for _, p := range op.Parameters {
			prop, ok := props[p.Name].(map[string]any)
			if !ok {
				t.Errorf("%s: parameter %s (%s) is no property of the tool's input", tool.Name, p.Name, p.In)
				continue
			}
			seen[p.Name] = true
			prop = cloneMap(prop)
			desc, _ := prop["description"].(string)
			delete(prop, "description")
			if diff := cmp.Diff(prop, rewriteRefs(p.Schema)); diff != "" {
				t.Errorf("%s: property %s differs from the %s parameter's schema (-tool +openapi):\n%s", tool.Name, p.Name, p.In, diff)
			}
			if desc != p.Description {
				t.Errorf("%s: property %s described %q, parameter %q", tool.Name, p.Name, desc, p.Description)
			}
			if p.In != "path" && p.Required != slices.Contains(required, p.Name) {
				t.Errorf("%s: parameter %s required=%v, tool input disagrees", tool.Name, p.Name, p.Required)
			}
		}
		for name := range props {
			if !seen[name] {
				t.Errorf("%s: property %s is in neither the request body nor the parameters", tool.Name, name)
			}
		}
		for _, schema := range []any{tool.InputSchema, tool.OutputSchema} {
			defs, _ := schema.(map[string]any)["$defs"].(map[string]any)
			for name, def := range defs {
				if diff := cmp.Diff(def, component(name)); diff != "" {
					t.Errorf("%s: definition %s differs from the OpenAPI component (-tool +openapi):\n%s", tool.Name, name, diff)
				}
			}
		}
		if out := tool.OutputSchema.(map[string]any); tool.Name == "getAccount" {
			// The output schema is the response's component, inline.
			want := component("Account")
			if diff := cmp.Diff(withoutKeys(out, "$schema", "$defs"), want); diff != "" {
				t.Errorf("getAccount: output schema differs from the response's component (-tool +openapi):\n%s", diff)
			}
		}
		checked++
	}
	if checked != 6 {
		t.Errorf("checked %d tools, want 6", checked)
	}
}

// rewriteRefs returns v with OpenAPI component refs rewritten to the
// $defs refs of a standalone schema.
func rewriteRefs(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if s, ok := e.(string); ok && k == "$ref" {
				e = strings.Replace(s, "#/components/schemas/", "#/$defs/", 1)
			}
			out[k] = rewriteRefs(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = rewriteRefs(e)
		}
		return out
	}
	return v
}

func strs(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		out = append(out, e.(string))
	}
	return out
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func withoutKeys(m map[string]any, keys ...string) map[string]any {
	out := cloneMap(m)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}
