package main

import (
	"context"
	"fmt"
	"strings"

	grpcgo "google.golang.org/grpc"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// streamClient reads a server stream one message at a time (grpcjson's
// Stream returns only at the end, and these streams never end): the
// method's descriptors come from server reflection, messages are dynamic
// and printed as protojson — a client independent of the server's codec.
type streamClient struct {
	st  grpcgo.ClientStream
	out protoreflect.MessageDescriptor
}

// newStreamClient calls method ("pkg.Service/Method") with the JSON input.
func newStreamClient(ctx context.Context, conn *grpcgo.ClientConn, method, input string) (*streamClient, error) {
	svc, name, _ := strings.Cut(method, "/")
	md, err := resolveMethod(ctx, conn, svc, name)
	if err != nil {
		return nil, err
	}
	req := dynamicpb.NewMessage(md.Input())
	if err := protojson.Unmarshal([]byte(input), req); err != nil {
		return nil, err
	}
	st, err := conn.NewStream(ctx, &grpcgo.StreamDesc{ServerStreams: true}, "/"+method)
	if err != nil {
		return nil, err
	}
	if err := st.SendMsg(req); err != nil {
		return nil, err
	}
	if err := st.CloseSend(); err != nil {
		return nil, err
	}
	return &streamClient{st: st, out: md.Output()}, nil
}

// recv returns the next message as protojson.
func (c *streamClient) recv() (string, error) {
	m := dynamicpb.NewMessage(c.out)
	if err := c.st.RecvMsg(m); err != nil {
		return "", err
	}
	b, err := protojson.Marshal(m)
	return string(b), err
}

// resolveMethod finds a method's descriptor through server reflection.
func resolveMethod(ctx context.Context, conn *grpcgo.ClientConn, service, method string) (protoreflect.MethodDescriptor, error) {
	rc, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.CloseSend() }()
	if err := rc.Send(&rpb.ServerReflectionRequest{
		MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: service},
	}); err != nil {
		return nil, err
	}
	resp, err := rc.Recv()
	if err != nil {
		return nil, err
	}
	fdr := resp.GetFileDescriptorResponse()
	if fdr == nil {
		return nil, fmt.Errorf("reflection: %v", resp.GetErrorResponse())
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
			fd, err := protoregistry.GlobalFiles.FindFileByPath(name) // well-known types
			if err != nil {
				return fmt.Errorf("reflection: missing %s", name)
			}
			return files.RegisterFile(fd)
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
	d, err := files.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return nil, err
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is not a service", service)
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		return nil, fmt.Errorf("no method %s/%s", service, method)
	}
	return md, nil
}
