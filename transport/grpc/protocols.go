package grpc

import (
	"context"
	"net/http"
	"strings"

	"github.com/allframe-go/allframe/app"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// HTTPProtocols serves the gRPC service over more protocols on the HTTP
// host's port, by translating their calls to gRPC calls of the server.
// Package transport/grpc/connect implements it for the Connect protocol
// and gRPC-Web; it lives apart so that a service that does not use them
// links none of their code.
type HTTPProtocols interface {
	// Handler returns the handler of the services' paths on the HTTP host.
	// It serves its protocols by calling grpcServer, an HTTP/2 gRPC
	// handler; native gRPC requests never reach it.
	Handler(grpcServer http.Handler, services []protoreflect.ServiceDescriptor) (http.Handler, error)
	// Protocol names the protocol of a request Handler serves: the
	// Call.Protocol the App's middleware sees for its call.
	Protocol(r *http.Request) app.Protocol
}

// WithHTTPProtocols also serves the App's service (and grpc.health.v1) over
// the protocols p adds, on the HTTP host's port, which must be mounted:
//
//	grpc.New(grpc.WithHTTPProtocols(connect.New()))
//
// serves Connect and gRPC-Web. Native gRPC stays on the gRPC port unless
// WithH2C is also given. Default: none.
func WithHTTPProtocols(p HTTPProtocols) Option { return func(t *Transport) { t.web = p } }

// protocolKey is the context key of the protocol a call arrived on when an
// HTTPProtocols handler translated it to gRPC.
type protocolKey struct{}

// protocolFrom returns the protocol httpMount recorded in ctx, or gRPC.
func protocolFrom(ctx context.Context) app.Protocol {
	if p, ok := ctx.Value(protocolKey{}).(app.Protocol); ok && p != "" {
		return p
	}
	return app.ProtocolGRPC
}

// httpMount serves the service paths on the HTTP host when HTTPProtocols
// are set: native gRPC goes to the server (with WithH2C) and every other
// request to the protocols' handler, with its protocol in the context.
type httpMount struct {
	grpc      http.Handler // nil without WithH2C
	web       http.Handler
	protocols HTTPProtocols
}

func (m *httpMount) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isGRPC(r.Header.Get("Content-Type")) {
		if m.grpc == nil {
			http.Error(w, "gRPC is served on the gRPC port; grpc.WithH2C also serves it here", http.StatusUnsupportedMediaType)
			return
		}
		m.grpc.ServeHTTP(w, r)
		return
	}
	ctx := context.WithValue(r.Context(), protocolKey{}, m.protocols.Protocol(r))
	m.web.ServeHTTP(w, r.WithContext(ctx))
}

// isGRPC reports whether a request's content type is native gRPC's
// ("application/grpc", "application/grpc+proto" …, not gRPC-Web's).
func isGRPC(contentType string) bool {
	rest, ok := strings.CutPrefix(contentType, "application/grpc")
	return ok && (rest == "" || rest[0] == '+' || rest[0] == ';')
}
