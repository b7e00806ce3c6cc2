package mcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/mcp"
)

func toolNames(t *testing.T, cs *sdk.ClientSession) []string {
	t.Helper()
	var names []string
	for tool, err := range cs.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

func TestSelection(t *testing.T) {
	tests := []struct {
		name string
		give []mcp.Option
		want []string
	}{
		{name: "default none", want: nil},
		{name: "all but admin", give: []mcp.Option{mcp.WithAll()},
			want: []string{"accountEvents", "debugState", "deposit", "getAccount", "listAccounts", "openAccount"}},
		{name: "by tag", give: []mcp.Option{mcp.WithTags("money")}, want: []string{"deposit"}},
		{name: "admin tag is not enough", give: []mcp.Option{mcp.WithTags(app.AdminTag)}, want: nil},
		{name: "explicit list, admin included", give: []mcp.Option{mcp.WithOperations("purge", "getAccount")},
			want: []string{"getAccount", "purge"}},
		{name: "union", give: []mcp.Option{mcp.WithTags("internal"), mcp.WithOperations("deposit")},
			want: []string{"debugState", "deposit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startService(t, tt.give...)
			cs := connect(t, s, nil, nil)
			got := toolNames(t, cs)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("tools (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(s.mcp.Tools(), tt.want, cmp.Transformer("sort", func(in []string) []string {
				out := slices.Clone(in)
				slices.Sort(out)
				return out
			})); diff != "" {
				t.Errorf("Transport.Tools (-got +want):\n%s", diff)
			}
		})
	}
}

func TestUnknownOperationIsAStartupError(t *testing.T) {
	for _, opt := range []mcp.Option{mcp.WithOperations("nope"), mcp.WithNonDestructive("getAccount")} {
		_, err := mcp.Handler(newApp(), opt)
		if err == nil {
			t.Fatal("got no error for an option naming no such operation (or command)")
		}
	}
}

func TestToolDescriptions(t *testing.T) {
	s := startService(t, mcp.WithAll(), mcp.WithNonDestructive("openAccount"))
	cs := connect(t, s, nil, nil)
	res := cs.InitializeResult()
	if res.ServerInfo.Name != "bank" || res.ServerInfo.Version != "1.2.3" || res.Instructions != "Test bank" {
		t.Errorf("server info %+v, instructions %q; want bank 1.2.3, Test bank", res.ServerInfo, res.Instructions)
	}
	tools := map[string]*sdk.Tool{}
	for tool, err := range cs.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		tools[tool.Name] = tool
	}
	type hints struct {
		ReadOnly, Idempotent bool
		Destructive          *bool
	}
	yes, no := true, false
	tests := []struct {
		give      string
		wantHints hints
		wantTitle string
		wantDesc  string
	}{
		{give: "getAccount", wantHints: hints{ReadOnly: true, Idempotent: true}, wantDesc: "Returns an account and its balance."},
		{give: "listAccounts", wantHints: hints{ReadOnly: true, Idempotent: true}},
		{give: "deposit", wantHints: hints{Destructive: &yes}},
		{give: "openAccount", wantHints: hints{Destructive: &no}, wantTitle: "Open an account", wantDesc: "Open an account"},
	}
	for _, tt := range tests {
		tool := tools[tt.give]
		if tool == nil {
			t.Fatalf("no tool %s", tt.give)
		}
		got := hints{tool.Annotations.ReadOnlyHint, tool.Annotations.IdempotentHint, tool.Annotations.DestructiveHint}
		if diff := cmp.Diff(got, tt.wantHints); diff != "" {
			t.Errorf("%s hints (-got +want):\n%s", tt.give, diff)
		}
		if tool.Title != tt.wantTitle || tool.Description != tt.wantDesc {
			t.Errorf("%s: title %q, description %q; want %q, %q", tt.give, tool.Title, tool.Description, tt.wantTitle, tt.wantDesc)
		}
		if tool.OutputSchema == nil {
			t.Errorf("%s has no output schema", tt.give)
		}
	}
	if d := tools["accountEvents"].Description; !strings.Contains(d, "progress notification") {
		t.Errorf("the stream tool's description does not say how it streams: %q", d)
	}
}

// callTool calls name with args and returns the result.
func callTool(t *testing.T, cs *sdk.ClientSession, name string, args any) *sdk.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return res
}

// decodeResult decodes a successful result's structured content, checking
// that its text content holds the same JSON.
func decodeResult[T any](t *testing.T, res *sdk.CallToolResult) T {
	t.Helper()
	var out T
	if res.IsError {
		t.Fatalf("call failed: %s", text(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	var fromText T
	if err := json.Unmarshal([]byte(text(res)), &fromText); err != nil {
		t.Fatalf("text content is not the output's JSON: %v", err)
	}
	if diff := cmp.Diff(fromText, out); diff != "" {
		t.Errorf("text content differs from structured content (-text +structured):\n%s", diff)
	}
	return out
}

func text(res *sdk.CallToolResult) string {
	if len(res.Content) != 1 {
		return ""
	}
	tc, _ := res.Content[0].(*sdk.TextContent)
	if tc == nil {
		return ""
	}
	return tc.Text
}

// toolErr decodes a failed result's error document.
func toolErr(t *testing.T, res *sdk.CallToolResult) mcp.ErrorBody {
	t.Helper()
	if !res.IsError {
		t.Fatalf("call succeeded, want an error: %s", text(res))
	}
	if res.StructuredContent != nil {
		t.Errorf("error result has structured content %v; it must not (it would fail the output schema)", res.StructuredContent)
	}
	var e mcp.ErrorBody
	if err := json.Unmarshal([]byte(text(res)), &e); err != nil {
		t.Fatalf("error text %q is not an error document: %v", text(res), err)
	}
	return e
}

func TestCallTools(t *testing.T) {
	s := startService(t, mcp.WithAll(), mcp.WithOperations("purge"))
	anon := connect(t, s, nil, nil)
	keyed := connect(t, s, http.Header{"X-Api-Key": {apiKey}}, nil)

	acc := decodeResult[Account](t, callTool(t, anon, "openAccount", map[string]any{
		"owner": "ada", "address": map[string]any{"city": "London"}}))
	if acc.Owner != "ada" || acc.Address == nil || acc.Address.City != "London" || acc.ID == "" {
		t.Fatalf("openAccount returned %+v", acc)
	}

	// Auth middleware reads the HTTP headers of the MCP request.
	if e := toolErr(t, callTool(t, anon, "deposit", map[string]any{"id": acc.ID, "amount": 100})); e.Code != "unauthenticated" {
		t.Errorf("deposit without a key: code %q, want unauthenticated", e.Code)
	}
	got := decodeResult[Account](t, callTool(t, keyed, "deposit", map[string]any{"id": acc.ID, "amount": 100}))
	if got.Balance != 100 {
		t.Errorf("balance after deposit %d, want 100", got.Balance)
	}
	// The same balance over REST.
	resp, err := http.Get(s.base + "/accounts/" + acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var viaREST Account
	err = json.NewDecoder(resp.Body).Decode(&viaREST)
	_ = resp.Body.Close()
	if err != nil || viaREST.Balance != 100 {
		t.Errorf("REST reports balance %d (%v), want 100", viaREST.Balance, err)
	}

	tests := []struct {
		name     string
		give     map[string]any
		tool     string
		wantCode string
		wantVio  []app.FieldViolation
	}{
		{name: "validation", tool: "deposit", give: map[string]any{"id": acc.ID, "amount": 0},
			wantCode: "invalid_argument", wantVio: []app.FieldViolation{{Field: "amount"}}},
		{name: "wrong type", tool: "deposit", give: map[string]any{"id": acc.ID, "amount": "ten"},
			wantCode: "invalid_argument", wantVio: []app.FieldViolation{{Field: "amount"}}},
		{name: "missing required", tool: "openAccount", give: map[string]any{},
			wantCode: "invalid_argument", wantVio: []app.FieldViolation{{Field: "owner"}}},
		{name: "nested", tool: "openAccount", give: map[string]any{"owner": "bob", "address": map[string]any{"street": "x"}},
			wantCode: "invalid_argument", wantVio: []app.FieldViolation{{Field: "address.city"}}},
		{name: "business error", tool: "getAccount", give: map[string]any{"id": "acc-missing"}, wantCode: "not_found"},
		{name: "business error after auth", tool: "deposit", give: map[string]any{"id": "acc-missing", "amount": 5}, wantCode: "not_found"},
		{name: "admin refused", tool: "purge", give: map[string]any{}, wantCode: "permission_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := toolErr(t, callTool(t, keyed, tt.tool, tt.give))
			if e.Code != tt.wantCode || e.Message == "" {
				t.Errorf("code %q message %q, want code %s and a message", e.Code, e.Message, tt.wantCode)
			}
			var fields []app.FieldViolation
			for _, v := range e.Violations {
				if v.Description == "" {
					t.Errorf("violation of %s has no description", v.Field)
				}
				fields = append(fields, app.FieldViolation{Field: v.Field})
			}
			if diff := cmp.Diff(fields, tt.wantVio); diff != "" {
				t.Errorf("violations (-got +want):\n%s", diff)
			}
		})
	}

	admin := connect(t, s, http.Header{"Authorization": {"Bearer admin-secret"}}, nil)
	if res := callTool(t, admin, "purge", map[string]any{}); res.IsError {
		t.Errorf("purge with the admin token: %s", text(res))
	}
}

func TestUnknownToolIsAProtocolError(t *testing.T) {
	s := startService(t, mcp.WithTags("money"))
	cs := connect(t, s, nil, nil)
	_, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "getAccount", Arguments: map[string]any{"id": "x"}})
	if err == nil {
		t.Fatal("calling a tool that is not exposed succeeded")
	}
}
