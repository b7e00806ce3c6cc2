package grpc

import (
	"reflect"

	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
)

// codec is the server's codec, installed with grpc.ForceServerCodecV2 on
// this server only. It encodes the operations' Go values with their wire
// plans and hands every other message (health, reflection) to the
// standard proto codec. It is never registered globally.
type codec struct {
	proto encoding.CodecV2
	// outputs maps *Out types to their plans, for responses that server
	// interceptors return as typed values.
	outputs map[reflect.Type]*wire.Message
}

var _ encoding.CodecV2 = (*codec)(nil)

func newCodec(outputs map[reflect.Type]*wire.Message) *codec {
	return &codec{proto: encoding.GetCodecV2(proto.Name), outputs: outputs}
}

// Marshal implements encoding.CodecV2.
func (c *codec) Marshal(v any) (mem.BufferSlice, error) {
	if st, ok := v.(*callState); ok {
		return st.marshal()
	}
	if m, ok := c.outputs[reflect.TypeOf(v)]; ok {
		b, err := m.Marshal(v)
		if err != nil {
			return nil, err
		}
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	return c.proto.Marshal(v)
}

// Unmarshal implements encoding.CodecV2. A request that does not decode
// is recorded on the call (see callState.decode), not returned: grpc would
// turn the error into an internal one, and middleware must see the call.
func (c *codec) Unmarshal(data mem.BufferSlice, v any) error {
	st, ok := v.(*callState)
	if !ok {
		return c.proto.Unmarshal(data, v)
	}
	switch len(data) {
	case 0:
		st.decode(nil)
	case 1:
		st.decode(data[0].ReadOnlyData())
	default:
		buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
		defer buf.Free()
		st.decode(buf.ReadOnlyData())
	}
	return nil
}

// Name implements encoding.CodecV2. The content subtype stays "proto".
func (c *codec) Name() string { return proto.Name }
