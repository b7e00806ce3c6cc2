package connect

import (
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"connectrpc.com/vanguard"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc"
)

// Protocols adds Connect and gRPC-Web to a gRPC transport (see
// grpc.WithHTTPProtocols).
type Protocols struct {
	maxMessage uint32
}

var _ grpc.HTTPProtocols = (*Protocols)(nil)

// Option configures Protocols.
type Option func(*Protocols)

// WithMaxMessageBytes bounds the size of one request or response message
// that has to be converted (JSON to protobuf and back, or decompressed);
// a larger one fails with resource_exhausted. The HTTP host's body limit
// bounds requests first. Default: 4 MiB, grpc-go's default receive limit.
func WithMaxMessageBytes(n uint32) Option {
	return func(p *Protocols) {
		if n > 0 {
			p.maxMessage = n
		}
	}
}

// New returns the Connect and gRPC-Web protocols for grpc.WithHTTPProtocols.
func New(opts ...Option) *Protocols {
	p := &Protocols{maxMessage: 4 << 20}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Handler implements grpc.HTTPProtocols: a vanguard transcoder that turns
// Connect and gRPC-Web calls of services into gRPC calls of grpcServer,
// with binary protobuf as the only codec towards the server.
func (p *Protocols) Handler(grpcServer http.Handler, services []protoreflect.ServiceDescriptor) (http.Handler, error) {
	vs := make([]*vanguard.Service, len(services))
	for i, sd := range services {
		// Descriptors not in the global registry (the App's) get a
		// resolver of dynamic messages built from their file.
		vs[i] = vanguard.NewServiceWithSchema(sd, grpcServer)
	}
	tc, err := vanguard.NewTranscoder(vs, vanguard.WithCodec(newJSONCodec), vanguard.WithDefaultServiceOptions(
		vanguard.WithTargetProtocols(vanguard.ProtocolGRPC),
		// The server's codec reads protobuf only: JSON is converted.
		vanguard.WithTargetCodecs(vanguard.CodecProto),
		vanguard.WithMaxMessageBufferBytes(p.maxMessage),
		// The server has no compressors registered (grpc-go registers
		// gzip globally, by import): requests are decompressed here.
		vanguard.WithNoTargetCompression(),
	))
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return &handler{next: tc}, nil
}

// Protocol implements grpc.HTTPProtocols: gRPC-Web for application/grpc-web
// content (binary or text), Connect for the rest.
func (p *Protocols) Protocol(r *http.Request) app.Protocol {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc-web") {
		return app.ProtocolGRPCWeb
	}
	return app.ProtocolConnect
}

// handler adapts requests that vanguard would not take as Connect or
// gRPC-Web before handing them to it.
type handler struct{ next http.Handler }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if suffix, ok := strings.CutPrefix(ct, grpcWebText); ok {
		serveText(h.next, w, r, suffix)
		return
	}
	if r.Header.Get("Connect-Protocol-Version") == "" && isConnectUnary(ct) {
		// The specification lets clients leave the header out (curl users
		// do); vanguard would take such a request for REST. These paths
		// serve no REST, so the request is Connect.
		r.Header.Set("Connect-Protocol-Version", "1")
	}
	h.next.ServeHTTP(w, r)
}

// isConnectUnary reports whether ct is a Connect unary content type:
// application/json or application/proto, with parameters.
func isConnectUnary(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return mt == "application/json" || mt == "application/proto"
}

// jsonCodec is vanguard's JSON codec, with a request that does not decode
// reported as invalid_argument (vanguard reports it as unknown), as the
// gRPC transport reports malformed protobuf.
type jsonCodec struct{ *vanguard.JSONCodec }

func newJSONCodec(res vanguard.TypeResolver) vanguard.Codec {
	return jsonCodec{vanguard.NewJSONCodec(res)}
}

// Unmarshal implements vanguard.Codec.
func (c jsonCodec) Unmarshal(data []byte, msg proto.Message) error {
	if err := c.JSONCodec.Unmarshal(data, msg); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("malformed JSON request: %w", err))
	}
	return nil
}
