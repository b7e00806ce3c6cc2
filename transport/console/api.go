package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonschema"
)

// api returns the JSON API's handler, behind the admin authorizer when
// auth is required (see authRequired).
func (c *Console) api(a *app.App) http.Handler {
	mux := http.NewServeMux()
	get := func(p string, h func(http.ResponseWriter, *http.Request)) {
		mux.HandleFunc("GET "+apiPath+p, h)
	}
	get("info", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, c.info(a)) })
	get("operations", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"operations": operations(a)})
	})
	get("traces", c.traces)
	get("traces/{traceId}", c.traceDetail(a))
	get("metrics", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"windowSeconds": WindowSeconds, "series": c.rec.Metrics()})
	})
	get("streams", c.streams)
	get("streams/{stream...}", c.stream)
	get("events", c.events)
	get("projections", c.projections)
	mux.HandleFunc("POST "+apiPath+"projections/{name}/rebuild", c.rebuild)
	get("sagas", c.sagas)
	get("idempotency", c.idempotency)
	mux.HandleFunc(apiPath, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, app.NewError(app.CodeNotFound, "no console API "+r.Method+" "+r.URL.Path))
	})
	return authorize(a, mux)
}

// info is GET api/info.
func (c *Console) info(a *app.App) map[string]any {
	protocols := map[string]any{"rest": nil, "graphql": nil, "grpc": nil, "connect": nil, "mcp": nil}
	for _, d := range describers(a) {
		for _, p := range d.Protocols() {
			switch p.Protocol {
			case "rest", "connect":
				protocols[p.Protocol] = map[string]any{"base": p.Base}
			case "graphql":
				protocols[p.Protocol] = map[string]any{"path": p.Path, "ws": p.WebSocket}
			case "grpc":
				protocols[p.Protocol] = map[string]any{"addr": p.Addr, "service": p.Service}
			case "mcp":
				protocols[p.Protocol] = map[string]any{"path": p.Path}
			}
		}
	}
	return map[string]any{
		"service": a.Name(), "version": a.Version(), "console": Path,
		"auth": authRequired(a), "protocols": protocols,
		"cqrs": c.currentBus() != nil, "traceLink": c.traceURL,
	}
}

func describers(a *app.App) []app.EndpointDescriber {
	var out []app.EndpointDescriber
	for _, t := range a.Transports() {
		if d, ok := t.(app.EndpointDescriber); ok {
			out = append(out, d)
		}
	}
	return out
}

// operationView is one entry of GET api/operations.
type operationView struct {
	Name        string             `json:"name"`
	Kind        string             `json:"kind"`
	Description string             `json:"description"`
	Admin       bool               `json:"admin"`
	Deprecated  bool               `json:"deprecated"`
	Input       *jsonschema.Schema `json:"input"`
	Output      *jsonschema.Schema `json:"output"`
	Endpoints   []map[string]any   `json:"endpoints"`
}

func operations(a *app.App) []operationView {
	ds := describers(a)
	ops := a.Operations()
	out := make([]operationView, 0, len(ops))
	for _, op := range ops {
		b := jsonschema.NewBuilder("#/$defs/")
		for _, o := range ops {
			b.MarkInput(o.Input)
		}
		in, outS := b.Inline(op.Input), b.Inline(op.Output)
		in.SchemaURI, in.Defs = jsonschema.Draft, b.Defs()
		outS.SchemaURI, outS.Defs = jsonschema.Draft, b.Defs()
		desc := op.Description
		if desc == "" {
			desc = op.Summary
		}
		v := operationView{
			Name: op.Name, Kind: op.Kind.String(), Description: desc, Admin: op.Admin,
			Deprecated: op.Deprecated != "", Input: in, Output: outS, Endpoints: []map[string]any{},
		}
		for _, d := range ds {
			for _, e := range d.Endpoints(op) {
				v.Endpoints = append(v.Endpoints, endpointJSON(e))
			}
		}
		out = append(out, v)
	}
	return out
}

// endpointJSON shapes an endpoint as the API documents it, per protocol.
func endpointJSON(e app.Endpoint) map[string]any {
	m := map[string]any{"protocol": e.Protocol}
	list := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	switch e.Protocol {
	case "rest":
		stream := ""
		if e.SSE {
			stream = "sse"
		}
		m["method"], m["path"], m["pathParams"], m["queryParams"], m["headerParams"], m["body"], m["stream"] =
			e.Method, e.Path, list(e.PathParams), list(e.QueryParams), list(e.HeaderParams), e.Body, stream
	case "graphql":
		m["operationType"], m["field"], m["document"], m["variables"] = e.OperationType, e.Field, e.Document, e.Variables
	case "grpc":
		m["method"], m["addr"], m["stream"] = e.Method, e.Addr, e.ServerStream
	case "connect":
		m["path"], m["stream"] = e.Path, e.ServerStream
	case "mcp":
		m["tool"] = e.Tool
	default:
		m["method"], m["path"] = e.Method, e.Path
	}
	return m
}

// queryInt reads an integer query parameter in [lo, hi], def when absent.
func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, *app.Error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, app.NewError(app.CodeInvalidArgument, "query parameter "+name+" must be an integer from "+
			strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10))
	}
	return n, nil
}

// oneOf checks an enumerated query parameter.
func oneOf(r *http.Request, name string, allowed ...string) (string, *app.Error) {
	s := r.URL.Query().Get(name)
	if s == "" || slices.Contains(allowed, s) {
		return s, nil
	}
	return "", app.NewError(app.CodeInvalidArgument, "query parameter "+name+" must be one of "+strings.Join(allowed, ", "))
}
