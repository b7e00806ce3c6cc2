// Package grpcjson is a small grpcurl-like client for tests: it learns a
// server's services through gRPC reflection (v1) and calls methods with
// JSON input and output via dynamicpb and protojson — an independent client
// that shares no code with the server's codec.
package grpcjson

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Client calls methods of a server discovered through reflection.
type Client struct {
	conn  *grpc.ClientConn
	files *protoregistry.Files
}

// New resolves service (e.g. "hello.v1.HelloService") through reflection.
func New(ctx context.Context, conn *grpc.ClientConn, service string) (*Client, error) {
	stream, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = stream.CloseSend() }()
	if err := stream.Send(&rpb.ServerReflectionRequest{
		MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: service},
	}); err != nil {
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	fdr := resp.GetFileDescriptorResponse()
	if fdr == nil {
		return nil, fmt.Errorf("grpcjson: reflection: %v", resp.GetErrorResponse())
	}
	fdps := map[string]*descriptorpb.FileDescriptorProto{}
	for _, b := range fdr.FileDescriptorProto {
		fdp := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(b, fdp); err != nil {
			return nil, err
		}
		fdps[fdp.GetName()] = fdp
	}
	files := new(protoregistry.Files)
	var add func(name string) error
	add = func(name string) error {
		if _, err := files.FindFileByPath(name); err == nil {
			return nil
		}
		fdp, ok := fdps[name]
		if !ok {
			if fd, err := protoregistry.GlobalFiles.FindFileByPath(name); err == nil {
				return files.RegisterFile(fd) // well-known types
			}
			return fmt.Errorf("grpcjson: missing dependency %s", name)
		}
		for _, dep := range fdp.GetDependency() {
			if err := add(dep); err != nil {
				return err
			}
		}
		fd, err := protodesc.NewFile(fdp, files)
		if err != nil {
			return err
		}
		return files.RegisterFile(fd)
	}
	for name := range fdps {
		if err := add(name); err != nil {
			return nil, err
		}
	}
	return &Client{conn: conn, files: files}, nil
}

// Method returns the descriptor of a method ("pkg.Service/Method"), for
// clients of other protocols that need the server's schema.
func (c *Client) Method(full string) (protoreflect.MethodDescriptor, error) {
	svc, name, ok := strings.Cut(strings.TrimPrefix(full, "/"), "/")
	if !ok {
		return nil, fmt.Errorf("grpcjson: method %q is not Service/Method", full)
	}
	d, err := c.files.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return nil, err
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("grpcjson: %s is not a service", svc)
	}
	md := sd.Methods().ByName(protoreflect.Name(name))
	if md == nil {
		return nil, fmt.Errorf("grpcjson: no method %s", full)
	}
	return md, nil
}

var marshal = protojson.MarshalOptions{UseProtoNames: false, EmitUnpopulated: false}

// Call invokes a unary method with a JSON request and returns the JSON
// response (protojson, camelCase names). md is sent as metadata.
func (c *Client) Call(ctx context.Context, method, input string, md ...string) (string, error) {
	m, err := c.Method(method)
	if err != nil {
		return "", err
	}
	req := dynamicpb.NewMessage(m.Input())
	if err := protojson.Unmarshal([]byte(input), req); err != nil {
		return "", fmt.Errorf("grpcjson: request: %w", err)
	}
	resp := dynamicpb.NewMessage(m.Output())
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	if err := c.conn.Invoke(ctx, "/"+string(m.Parent().FullName())+"/"+string(m.Name()), req, resp); err != nil {
		return "", err
	}
	b, err := marshal.Marshal(resp)
	return string(b), err
}

// StreamReader reads a server stream one message at a time.
type StreamReader struct {
	st  grpc.ClientStream
	out protoreflect.MessageDescriptor
}

// Open invokes a server-streaming method and returns a reader of its
// responses, for streams that do not end by themselves.
func (c *Client) Open(ctx context.Context, method, input string, md ...string) (*StreamReader, error) {
	m, err := c.Method(method)
	if err != nil {
		return nil, err
	}
	req := dynamicpb.NewMessage(m.Input())
	if err := protojson.Unmarshal([]byte(input), req); err != nil {
		return nil, fmt.Errorf("grpcjson: request: %w", err)
	}
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	desc := &grpc.StreamDesc{ServerStreams: true}
	st, err := c.conn.NewStream(ctx, desc, "/"+string(m.Parent().FullName())+"/"+string(m.Name()))
	if err != nil {
		return nil, err
	}
	if err := st.SendMsg(req); err != nil {
		return nil, err
	}
	if err := st.CloseSend(); err != nil {
		return nil, err
	}
	return &StreamReader{st: st, out: m.Output()}, nil
}

// Recv returns the next response as protojson, or io.EOF at the end.
func (r *StreamReader) Recv() (string, error) {
	resp := dynamicpb.NewMessage(r.out)
	if err := r.st.RecvMsg(resp); err != nil {
		return "", err
	}
	b, err := marshal.Marshal(resp)
	return string(b), err
}

// Stream invokes a server-streaming method and returns every response.
func (c *Client) Stream(ctx context.Context, method, input string, md ...string) ([]string, error) {
	r, err := c.Open(ctx, method, input, md...)
	if err != nil {
		return nil, err
	}
	var out []string
	for {
		msg, err := r.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		out = append(out, msg)
	}
}
