package main

import (
	"encoding/json"
	"slices"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPAgentSeesTheSameBank: with ALLFRAME_MCP=on the bank serves its
// operations as MCP tools at /mcp. An MCP client (the official SDK's)
// lists them, deposits through a tool, and every other protocol reports
// the balance the tool returned.
func TestMCPAgentSeesTheSameBank(t *testing.T) {
	t.Setenv("ALLFRAME_MCP", "on")
	s := start(t, sqliteURL(t))
	client := sdk.NewClient(&sdk.Implementation{Name: "bank-test", Version: "1"}, nil)
	cs, err := client.Connect(t.Context(), &sdk.StreamableClientTransport{Endpoint: s.http + "/mcp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cs.Close() }()

	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	for _, want := range []string{"openAccount", "deposit", "withdraw", "getAccount", "listAccounts", "transfer"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools %v lack %s", names, want)
		}
	}
	if slices.Contains(names, "rebuildProjection") {
		t.Error("an admin operation is a tool without being named")
	}

	call := func(name string, args map[string]any) Account {
		t.Helper()
		res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError {
			t.Fatalf("%s: tool error %v", name, res.Content)
		}
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			t.Fatal(err)
		}
		var acc Account
		if err := json.Unmarshal(b, &acc); err != nil {
			t.Fatalf("%s: %s: %v", name, b, err)
		}
		return acc
	}
	opened := call("openAccount", map[string]any{"owner": "agent"})
	deposited := call("deposit", map[string]any{"id": opened.ID, "amount": 4200})
	if deposited.Balance != 4200 || deposited.Owner != "agent" {
		t.Fatalf("deposit tool returned %+v", deposited)
	}
	s.wantAccount(t, deposited) // REST, gRPC, Connect and GraphQL agree

	res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: "deposit", Arguments: map[string]any{"id": opened.ID, "amount": 0}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError {
		t.Errorf("a zero deposit through the tool succeeded: %v", res.Content)
	}
}
