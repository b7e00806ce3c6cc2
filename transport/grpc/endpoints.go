package grpc

import (
	"net"
	"strconv"

	"github.com/allframe-go/allframe/app"
)

var _ app.EndpointDescriber = (*Transport)(nil)

// Protocols implements app.EndpointDescriber: gRPC at its address and,
// with WithHTTPProtocols, Connect on the HTTP host's root. None before
// Prepare.
func (t *Transport) Protocols() []app.ProtocolInfo {
	t.mu.Lock()
	s, web := t.schema, t.web != nil
	t.mu.Unlock()
	if s == nil {
		return nil
	}
	out := []app.ProtocolInfo{{Protocol: "grpc", Addr: t.dialAddr(), Service: s.pkg + "." + s.service}}
	if web {
		out = append(out, app.ProtocolInfo{Protocol: "connect"})
	}
	return out
}

// Endpoints implements app.EndpointDescriber: op's method on gRPC and,
// with WithHTTPProtocols, its Connect path.
func (t *Transport) Endpoints(op *app.Operation) []app.Endpoint {
	t.mu.Lock()
	s, web := t.schema, t.web != nil
	t.mu.Unlock()
	if s == nil {
		return nil
	}
	for _, ms := range s.methods {
		if ms.op != op {
			continue
		}
		stream := op.Kind == app.OpStream
		out := []app.Endpoint{{Protocol: "grpc", Method: ms.fullMethod, Addr: t.dialAddr(), ServerStream: stream}}
		if web {
			out = append(out, app.Endpoint{Protocol: "connect", Path: ms.fullMethod, ServerStream: stream})
		}
		return out
	}
	return nil
}

// dialAddr is the bound address as a client on this machine dials it: an
// unspecified host (every interface) becomes 127.0.0.1; "" before Start.
func (t *Transport) dialAddr() string {
	a, ok := t.Addr().(*net.TCPAddr)
	if !ok {
		if addr := t.Addr(); addr != nil {
			return addr.String()
		}
		return ""
	}
	if a.IP == nil || a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
	}
	return a.String()
}
