package grpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// method serves one operation as one gRPC method.
type method struct {
	op      *app.Operation
	route   string // full method name, "/hello.v1.HelloService/Hello"
	in, out *wire.Message
	outType unsafe.Pointer // type word of *Out, to check what Handle returns
	zeroOut unsafe.Pointer // a zero Out, encoded for a nil *Out
	peers   *peerCache
	encs    *sync.Pool // of *wire.Encoder, shared by the transport's methods
	web     bool       // HTTPProtocols may translate calls: read the protocol from the context
	// stopping ends when the transport stops; server streams end with it.
	stopping context.Context
}

// callState is everything one call needs, in one allocation: the neutral
// Call, the adapters it points to (pointer conversions of the state
// itself) and the response's buffer slice. The codec
// receives it as the request and response "message", so decoding and
// encoding run the operation's plans without a lookup.
type callState struct {
	call   app.Call
	ctx    context.Context // the call's context, kept like http.Request keeps its own
	m      *method
	in     unsafe.Pointer // the decoded input (*In)
	out    any            // the output to encode (*Out)
	inErr  error          // decode failure, reported through call.InputErr
	outP   unsafe.Pointer // the output's struct, once sized
	size   int            // its encoded size
	stream bool
	enc    *wire.Encoder // from m.encs between sizing and encoding
	sb     mem.SliceBuffer
	bufs   [1]mem.Buffer
}

func newCallState(ctx context.Context, m *method, stream bool) *callState {
	st := &callState{ctx: ctx, m: m, stream: stream}
	st.call.Protocol = app.ProtocolGRPC
	if m.web {
		st.call.Protocol = protocolFrom(ctx)
	}
	st.call.Metadata = (*incomingMetadata)(st)
	st.call.ResponseHeader = (*responseHeader)(st)
	st.call.Route = m.route
	st.call.Peer = m.peers.of(ctx)
	input := m.op.NewInput()
	st.call.Input = input
	st.in = (*eface)(unsafe.Pointer(&input)).data //nolint:gosec // G103: the data word of the interface holding *In (see eface)
	return st
}

// eface is the layout of an interface{} value.
type eface struct {
	typ, data unsafe.Pointer
}

// unary is the grpc.MethodHandler of a query or command.
func (m *method) unary(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) { //nolint:revive // context-as-argument: grpc.MethodHandler's signature
	st := newCallState(ctx, m, false)
	if err := dec(st); err != nil {
		return nil, err
	}
	st.call.InputErr = st.inErr
	if interceptor == nil {
		out, err := m.op.Handle(ctx, &st.call)
		if err != nil {
			return nil, Status(err).Err()
		}
		st.out = out
		if err := st.sizeOutput(); err != nil {
			m.op.App().Logger().ErrorContext(ctx, "grpc: cannot encode the output", "operation", m.op.Name, "error", err)
			return nil, Status(app.WrapError(app.CodeInternal, "internal error", err)).Err()
		}
		return st, nil
	}
	// Server interceptors see the typed input and output; the codec
	// encodes the output by its type.
	info := &grpc.UnaryServerInfo{Server: srv, FullMethod: m.route}
	return interceptor(ctx, st.call.Input, info, func(ctx context.Context, _ any) (any, error) {
		out, err := m.op.Handle(ctx, &st.call)
		if err != nil {
			return nil, Status(err).Err()
		}
		return out, nil
	})
}

// serverStream is the grpc.StreamHandler of a stream operation.
func (m *method) serverStream(_ any, ss grpc.ServerStream) error {
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	defer context.AfterFunc(m.stopping, cancel)()
	st := newCallState(ctx, m, true)
	if err := ss.RecvMsg(st); err != nil {
		return err
	}
	st.call.InputErr = st.inErr
	st.call.Send = func(item any) error {
		st.out = item
		if err := st.sizeOutput(); err != nil {
			// The handler gets an internal error (logged by the App with
			// this cause); the client only sees "internal error".
			return app.WrapError(app.CodeInternal, "internal error", err)
		}
		if err := ss.SendMsg(st); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return app.WrapError(appCode(status.Code(err)), "stream send failed", err)
		}
		return nil
	}
	_, err := m.op.Handle(ctx, &st.call)
	if m.stopping.Err() != nil && ss.Context().Err() == nil {
		// Cut by Stop, not ended by the handler or the client: a status
		// that tells the client to resume elsewhere, never a bare OK
		// (which would say the stream is complete).
		return status.Error(codes.Unavailable, "the server is shutting down")
	}
	if err != nil {
		return Status(err).Err()
	}
	return nil
}

// decode runs the input plan; failures become the call's InputErr so
// middleware still sees the call.
func (st *callState) decode(b []byte) {
	if err := st.m.in.Unmarshal(b, st.in); err != nil {
		st.inErr = decodeError(err)
	}
}

func decodeError(err error) *app.Error {
	var fe *wire.FieldError
	if errors.As(err, &fe) {
		return app.InvalidArgument("malformed protobuf request: "+err.Error(),
			app.FieldViolation{Field: fe.Path, Description: fe.Err.Error()})
	}
	return app.InvalidArgument("malformed protobuf request: " + err.Error())
}

// sizeOutput checks the output's type and measures its encoding, so
// that a value protobuf cannot carry fails before gRPC sees it.
func (st *callState) sizeOutput() error {
	m := st.m
	ef := (*eface)(unsafe.Pointer(&st.out)) //nolint:gosec // G103: type and data words of the handler's output (see eface)
	if ef.typ != m.outType {
		return fmt.Errorf("operation %s returned %T, want *%s", m.op.Name, st.out, m.op.Output.Go)
	}
	p := ef.data
	if p == nil {
		p = m.zeroOut
	}
	e := m.encs.Get().(*wire.Encoder)
	n, err := m.out.Size(p, e)
	if err != nil {
		m.encs.Put(e)
		return fmt.Errorf("operation %s output: %w", m.op.Name, err)
	}
	st.outP, st.size, st.enc = p, n, e
	return nil
}

// marshal encodes the output sized by sizeOutput with the operation's
// plan, into an exact buffer or, from 1 KiB, one of grpc's pooled buffers.
// A unary call's buffer slice lives in the call state: no allocation
// besides the bytes.
func (st *callState) marshal() (mem.BufferSlice, error) {
	m := st.m
	if st.outP == nil {
		if err := st.sizeOutput(); err != nil {
			return nil, err
		}
	}
	p, n, e := st.outP, st.size, st.enc
	st.outP, st.enc = nil, nil
	defer m.encs.Put(e)
	if n == 0 {
		return nil, nil
	}
	if !mem.IsBelowBufferPoolingThreshold(n) {
		pool := mem.DefaultBufferPool()
		buf := pool.Get(n)
		b := m.out.Append((*buf)[:0], p, e)
		if len(b) != n {
			pool.Put(buf)
			return nil, sizeMismatch(m, n, len(b))
		}
		*buf = b
		if st.stream {
			return mem.BufferSlice{mem.NewBuffer(buf, pool)}, nil
		}
		st.bufs[0] = mem.NewBuffer(buf, pool)
		return st.bufs[:], nil
	}
	b := m.out.Append(make([]byte, 0, n), p, e)
	if len(b) != n {
		return nil, sizeMismatch(m, n, len(b))
	}
	if st.stream {
		// Items of a stream may still be queued when the next one is
		// encoded: each gets its own buffer.
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	st.sb = b
	st.bufs[0] = &st.sb
	return st.bufs[:], nil
}

func sizeMismatch(m *method, sized, wrote int) error {
	return fmt.Errorf("operation %s output: encoded %d bytes, sized %d", m.op.Name, wrote, sized)
}

// incomingMetadata is the call's view of the incoming gRPC metadata. It
// reads the metadata grpc attached to the context in place, copying only
// the values asked for.
type incomingMetadata callState

// Get returns the first value of key (case-insensitive).
func (md *incomingMetadata) Get(key string) string {
	if v := md.Values(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns the values of key (case-insensitive).
func (md *incomingMetadata) Values(key string) []string {
	return metadata.ValueFromIncomingContext(md.ctx, strings.ToLower(key))
}

// responseHeader sets gRPC response header metadata. Headers set after a
// stream has sent its first item are dropped, as gRPC sends headers once.
type responseHeader callState

// Set sets header key (lower-cased, as gRPC requires) to value.
func (h *responseHeader) Set(key, value string) {
	_ = grpc.SetHeader(h.ctx, metadata.Pairs(key, value))
}

// peerCache remembers the formatted remote address of recent connections:
// gRPC attaches one *peer.Peer per connection to every call's context, so
// formatting it once per connection keeps calls free of allocations.
type peerCache struct {
	slots [64]atomic.Pointer[peerEntry]
}

type peerEntry struct {
	p    *peer.Peer
	addr string
}

func (c *peerCache) of(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	h := uintptr(unsafe.Pointer(p)) //nolint:gosec // G103: the address only picks a cache slot; it is never turned back into a pointer
	slot := &c.slots[(h>>4^h>>10)%uintptr(len(c.slots))]
	if e := slot.Load(); e != nil && e.p == p {
		return e.addr
	}
	addr := p.Addr.String()
	slot.Store(&peerEntry{p: p, addr: addr})
	return addr
}

// typeWord returns the type word an interface holding a value of type t has.
func typeWord(t reflect.Type) unsafe.Pointer {
	v := reflect.New(t).Elem().Interface()
	return (*eface)(unsafe.Pointer(&v)).typ //nolint:gosec // G103: the type word of an interface (see eface)
}
