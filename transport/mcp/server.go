package mcp

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
)

// Protocol is the app.Protocol of tool calls, over stdio and streamable
// HTTP alike: middleware and telemetry see "mcp".
const Protocol app.Protocol = "mcp"

// server is the SDK server of an App's tools with the handlers that run
// them. done ends every call in flight when the transport stops.
type server struct {
	app   *app.App
	cfg   config
	sdk   *sdk.Server
	tools []string
	done  context.Context //nolint:containedctx // the transport's lifetime, not a request's: cancelled by Stop
	stop  context.CancelFunc
}

// newServer builds the tools cfg selects from a's registry.
func newServer(a *app.App, cfg config) (*server, error) {
	ops, err := selected(a, &cfg)
	if err != nil {
		return nil, err
	}
	name, version := cfg.name, cfg.version
	if name == "" {
		name = a.Name()
	}
	if name == "" {
		name = "allframe"
	}
	if version == "" {
		version = a.Version()
	}
	s := &server{app: a, cfg: cfg}
	s.done, s.stop = context.WithCancel(context.Background())
	s.sdk = sdk.NewServer(&sdk.Implementation{Name: name, Version: version}, &sdk.ServerOptions{
		Instructions: a.Description(),
		Logger:       sdkLogger(a),
		Capabilities: &sdk.ServerCapabilities{Tools: &sdk.ToolCapabilities{}},
	})
	for _, op := range ops {
		t, err := newTool(a, op, &cfg)
		if err != nil {
			return nil, err
		}
		s.sdk.AddTool(t, s.handler(op))
		s.tools = append(s.tools, op.Name)
	}
	if len(ops) == 0 {
		a.Logger().Warn("mcp: no operation is exposed as a tool; select some with mcp.WithAll, WithTags or WithOperations")
	}
	return s, nil
}

type requestKey struct{}

// withRequest keeps the HTTP request that carries MCP messages in ctx, for
// the call's Peer and HTTPRequest.
func withRequest(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, r)))
	})
}

// handler runs op for each call of its tool: it decodes the arguments and
// calls op.Handle (admin gate, middleware, validation, handler) with an
// app.Call whose Protocol is "mcp" and whose Metadata are the headers of
// the HTTP request (none over stdio), so auth and tracing work as on
// every protocol.
func (s *server) handler(op *app.Operation) sdk.ToolHandler {
	decode := decodeArguments
	if op.Input.HasOneOf() { // encoding/json cannot decode into a sum type
		dec := app.NewJSONDecoder(op.Input)
		decode = func(args json.RawMessage, in any) error { return decodeSumArguments(args, in, dec) }
	}
	marshal := json.Marshal
	if op.Output.HasOneOf() { // encoding/json would leave out the discriminator
		enc, outT := jsonenc.Compile(op.Output), reflect.PointerTo(op.Output.Go)
		marshal = func(v any) ([]byte, error) {
			if reflect.TypeOf(v) != outT {
				return json.Marshal(v)
			}
			return enc(nil, reflect.ValueOf(v).UnsafePointer())
		}
	}
	return func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(s.done, cancel)()
		in := op.NewInput()
		call := &app.Call{Protocol: Protocol, Input: in, Route: op.Name}
		if req.Extra != nil && req.Extra.Header != nil {
			call.Metadata = req.Extra.Header
		}
		if r, ok := ctx.Value(requestKey{}).(*http.Request); ok {
			call.HTTPRequest, call.Peer = r, r.RemoteAddr
		}
		var args json.RawMessage
		if req.Params != nil {
			args = req.Params.Arguments
		}
		if err := decode(args, in); err != nil {
			call.InputErr = err
		}
		if op.Kind == app.OpStream {
			return s.stream(ctx, op, call, req, marshal)
		}
		out, err := op.Handle(ctx, call)
		if err != nil {
			return toolError(err), nil
		}
		return result(out, marshal)
	}
}

// result is a successful call's result: the output as structured content
// and, for clients that read only text, as JSON text content.
func result(out any, marshal func(any) ([]byte, error)) (*sdk.CallToolResult, error) {
	b, err := marshal(out)
	if err != nil {
		return toolError(app.WrapError(app.CodeInternal, "internal error", err)), nil
	}
	return &sdk.CallToolResult{
		Content:           []sdk.Content{&sdk.TextContent{Text: string(b)}},
		StructuredContent: json.RawMessage(b),
	}, nil
}

// streamResult is the structured result of a stream tool.
type streamResult struct {
	Items    []json.RawMessage `json:"items"`
	Complete bool              `json:"complete"`
}

// stream runs a stream operation, collecting its items until it ends, the
// item limit is reached or the window has passed; with a progress token
// each item is also sent as a progress notification (its message is the
// item's JSON) as soon as it comes.
func (s *server) stream(ctx context.Context, op *app.Operation, call *app.Call, req *sdk.CallToolRequest, marshal func(any) ([]byte, error)) (*sdk.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.streamWindow)
	defer cancel()
	var token any
	if req.Params != nil {
		token = req.Params.GetProgressToken()
	}
	res := streamResult{Items: []json.RawMessage{}}
	full := false
	call.Send = func(item any) error {
		b, err := marshal(item)
		if err != nil {
			return err
		}
		res.Items = append(res.Items, b)
		if token != nil && req.Session != nil {
			if err := req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{
				ProgressToken: token, Progress: float64(len(res.Items)), Message: string(b),
			}); err != nil {
				return err
			}
		}
		if len(res.Items) >= s.cfg.streamMax {
			full = true
			cancel()
			return context.Canceled
		}
		return nil
	}
	_, err := op.Handle(ctx, call)
	switch {
	case full, ctx.Err() != nil:
		// Cut by a limit, by Stop or by the client (who then sees
		// nothing): the items so far, incomplete, whatever the handler
		// returned on seeing its context end.
	case err == nil:
		res.Complete = true
	default:
		return toolError(err), nil
	}
	return result(&res, json.Marshal)
}

// quietHandler passes on the records of level warn and above: the SDK logs
// every stateless request's session at info.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(attrs)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}

// sdkLogger is the App's logger for the SDK, warnings and errors only.
func sdkLogger(a *app.App) *slog.Logger { return slog.New(quietHandler{a.Logger().Handler()}) }
