package mcpfx_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/mcpfx"
	"github.com/allframe-go/allframe/di/restfx"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type HelloIn struct {
	Name string `json:"name" validate:"required"`
}

type HelloOut struct {
	Message string `json:"message"`
}

func register(a *app.App) {
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "hello " + in.Name}, nil
	})
}

func TestEnabled(t *testing.T) {
	tests := []struct {
		give    string
		want    bool
		wantErr bool
	}{
		{give: "", want: false},
		{give: "off", want: false},
		{give: "0", want: false},
		{give: "on", want: true},
		{give: "ON", want: true},
		{give: "true", want: true},
		{give: "1", want: true},
		{give: "yes please", wantErr: true},
	}
	for _, tt := range tests {
		got, err := mcpfx.Enabled(func(string) string { return tt.give })
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("Enabled(%q) = %v, %v; want %v, error %v", tt.give, got, err, tt.want, tt.wantErr)
		}
	}
}

// start runs an fx service with the HTTP host, REST, a hello query and
// the MCP module, and returns the host.
func start(t *testing.T) *httpserver.Host {
	t.Helper()
	var host *httpserver.Host
	fxa := fxtest.New(t,
		di.Module(app.Name("mcpfx"), app.DrainDelay(0), app.Logger(slog.New(slog.DiscardHandler))),
		httpfx.Module(httpserver.WithAddr("127.0.0.1:0")),
		restfx.Module(),
		mcpfx.Module(mcp.WithAll()),
		fx.Invoke(register),
		fx.Populate(&host),
		fx.NopLogger,
	)
	fxa.RequireStart()
	t.Cleanup(fxa.RequireStop)
	return host
}

func TestModuleOn(t *testing.T) {
	t.Setenv(mcpfx.EnvMCP, "on")
	host := start(t)
	if !slices.Contains(host.Routes(), "* /mcp") {
		t.Fatalf("routes %v, want /mcp", host.Routes())
	}
	// A tools/call over streamable HTTP, as any MCP client sends it.
	req, err := http.NewRequest(http.MethodPost, "http://"+host.Addr().String()+"/mcp",
		strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hello","arguments":{"name":"fx"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /mcp: %v %s", err, body)
	}
	_, data, ok := strings.Cut(string(body), "data: ")
	if !ok {
		t.Fatalf("no event data in %s", body)
	}
	var msg struct {
		Result struct {
			StructuredContent HelloOut `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(data), &msg); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	if got := msg.Result.StructuredContent.Message; got != "hello fx" {
		t.Errorf("hello over MCP = %q, want hello fx", got)
	}
}

func TestModuleOff(t *testing.T) {
	t.Setenv(mcpfx.EnvMCP, "")
	host := start(t)
	if routes := host.Routes(); slices.Contains(routes, "* /mcp") || len(routes) == 0 {
		t.Errorf("routes %v with %s unset, want REST's and no /mcp", routes, mcpfx.EnvMCP)
	}
	var mt *mcp.Transport
	err := fx.New(fx.NopLogger, mcpfx.Module(), fx.Populate(&mt)).Err()
	if err == nil {
		t.Error("the module provides a transport while off")
	}
}

func TestModuleRefusesABadValue(t *testing.T) {
	t.Setenv(mcpfx.EnvMCP, "maybe")
	err := fx.New(fx.NopLogger, mcpfx.Module()).Err()
	if err == nil || !strings.Contains(err.Error(), mcpfx.EnvMCP) {
		t.Errorf("err = %v, want one naming %s", err, mcpfx.EnvMCP)
	}
}
