package graphql

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/textproto"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
	"github.com/allframe-go/allframe/transport/graphql/internal/graphiql"
)

// server holds the handlers of one schema: the GraphQL endpoint and the
// SDL document.
type server struct {
	cfg        config
	schema     *graph.Schema
	gql        *handler.Server
	playground *graphiql.Handler // nil when disabled
	sdl        []byte
	streams    tracker
}

func newServer(a *app.App, cfg config) (*server, error) {
	if !strings.HasPrefix(cfg.path, "/") {
		return nil, fmt.Errorf("graphql: path %q must start with /", cfg.path)
	}
	if cfg.sdlPath != "" && (!strings.HasPrefix(cfg.sdlPath, "/") || cfg.sdlPath == cfg.path) {
		return nil, fmt.Errorf("graphql: SDL path %q must start with / and differ from %q", cfg.sdlPath, cfg.path)
	}
	schema, err := graph.New(a, graph.WithPlanCacheSize(cfg.queryCacheSize))
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, schema: schema, sdl: []byte(schema.SDL() + "\n")}
	if cfg.playground {
		s.playground = graphiql.New(a.Name()+" GraphiQL", cfg.path)
	}

	srv := handler.New(schema.Executable())
	readLimit := cfg.maxBodyBytes
	if readLimit <= 0 {
		readLimit = -1
	}
	srv.AddTransport(transport.Websocket{
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{OriginPatterns: cfg.originPatterns}},
		KeepAlivePingInterval: cfg.keepAlive, // graphql-ws
		PingPongInterval:      cfg.keepAlive, // graphql-transport-ws
		MissingPongOk:         true,
		InitFunc:              initPayloadMetadata,
		PayloadReadLimit:      &readLimit,
	})
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: cfg.keepAlive})
	srv.AddTransport(transport.Options{AllowedMethods: []string{"OPTIONS", "GET", "POST"}})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postTransport{maxBody: cfg.maxBodyBytes})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: cfg.maxBodyBytes, MaxMemory: uploadMemory})
	var queryCache graphql.Cache[*ast.QueryDocument]
	if cfg.queryCacheSize > 0 {
		queryCache = lru.New[*ast.QueryDocument](cfg.queryCacheSize)
		srv.SetQueryCache(queryCache)
	}
	if cfg.apqCacheSize > 0 {
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](cfg.apqCacheSize)})
	}
	// After the persisted query extension, which fills in the query.
	srv.Use(documentLimits{
		cache:             queryCache,
		maxTokens:         cfg.maxTokens,
		maxSelections:     cfg.maxSelections,
		maxDepth:          cfg.maxDepth,
		maxComplexity:     cfg.complexityLimit,
		maxMutationFields: cfg.maxMutations,
	})
	if cfg.maxTokens > 0 {
		srv.SetParserTokenLimit(cfg.maxTokens)
	}
	if cfg.maxErrors > 0 {
		srv.Use(errorLimit{max: cfg.maxErrors})
	}
	if cfg.introspection {
		srv.Use(extension.Introspection{})
	}
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		a.Logger().ErrorContext(ctx, "panic in GraphQL execution", "panic", v, "stack", string(debug.Stack()))
		return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": app.CodeInternal.Upper()}}
	})
	s.gql = srv
	return s, nil
}

// ServeHTTP routes the endpoint, GraphiQL's assets and the SDL path, for
// Handler.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == s.cfg.path:
		s.serveGraphQL(w, r)
	case s.playground != nil && strings.HasPrefix(r.URL.Path, graphiql.AssetPrefix(s.cfg.path)):
		s.playground.ServeAsset(w, r)
	case r.URL.Path == s.cfg.sdlPath:
		if s.cfg.sdlPath == "" {
			http.NotFound(w, r)
			return
		}
		s.serveSDL(w, r)
	default:
		http.NotFound(w, r)
	}
}

// serveGraphQL serves the endpoint: GraphiQL for browsers, otherwise
// gqlgen's server with the transports configured in newServer.
func (s *server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && s.playground != nil && r.Header.Get("Upgrade") == "" &&
		strings.Contains(r.Header.Get("Accept"), "text/html"):
		s.playground.ServePage(w, r)
		return
	case isMultipart(r):
		if !s.allowUpload(w, r) {
			return
		}
	case r.Method == http.MethodPost && r.Header.Get("Upgrade") == "" && !strings.Contains(r.Header.Get("Accept"), "text/event-stream"):
		// The POST transport adds the request details itself.
		s.gql.ServeHTTP(w, r)
		return
	}
	streaming := r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
	if r.Method == http.MethodGet && !validUTF8Query(w, r.URL.RawQuery) {
		return
	}
	ctx := r.Context()
	ri := &graph.RequestInfo{Peer: r.RemoteAddr, Metadata: r.Header}
	if streaming {
		var done func()
		var ok bool
		ctx, done, ok = s.streams.begin(ctx)
		if !ok {
			http.Error(w, `{"errors":[{"message":"the server is shutting down"}]}`, http.StatusServiceUnavailable)
			return
		}
		defer done()
		if r.Body != nil && s.cfg.maxBodyBytes > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.maxBodyBytes)
		}
		if r.Method == http.MethodPost && r.Body != nil && !validUTF8Body(w, r) {
			return
		}
	} else {
		ri.ResponseHeader = w.Header()
	}
	s.gql.ServeHTTP(w, r.WithContext(graph.WithRequestInfo(ctx, ri)))
}

func (s *server) serveSDL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodGet {
		_, _ = w.Write(s.sdl)
	}
}

// initPayloadMetadata makes the string values of a WebSocket
// connection_init payload visible as metadata, over the upgrade request's
// headers: browsers cannot set headers on WebSockets, so clients send
// e.g. {"Authorization": "Bearer …"} there.
func initPayloadMetadata(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	ri := graph.RequestInfoFrom(ctx)
	if ri == nil || len(payload) == 0 {
		return ctx, nil, nil
	}
	md := http.Header{}
	if h, ok := ri.Metadata.(http.Header); ok {
		md = h.Clone()
	}
	for k, v := range maps.All(payload) {
		if s, ok := v.(string); ok {
			md.Set(textproto.CanonicalMIMEHeaderKey(k), s)
		}
	}
	merged := *ri
	merged.Metadata = md
	return graph.WithRequestInfo(ctx, &merged), nil, nil
}
