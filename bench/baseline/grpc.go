package baseline

import (
	"context"
	"errors"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/allframe-go/allframe/bench/workload"
	"github.com/allframe-go/allframe/bench/workload/benchpb"
	"github.com/allframe-go/allframe/bench/workload/benchpb/benchpbconnect"
)

// errInvalidName is hello's validation failure, checked by hand as a
// user of generated code does.
var errInvalidName = errors.New("invalid name: must be 1 to 64 characters")

func validName(name string) bool {
	return name != "" && utf8.RuneCountInString(name) <= 64
}

func pbItems(out workload.ItemsOut) *benchpb.ItemsResponse {
	items := make([]*benchpb.Item, len(out.Items))
	for i, it := range out.Items {
		items[i] = &benchpb.Item{
			Id: int64(it.ID), Name: it.Name, Price: it.Price, InStock: it.InStock, Tags: it.Tags,
			Owner: &benchpb.Owner{Id: int64(it.Owner.ID), Name: it.Owner.Name, Email: it.Owner.Email},
		}
	}
	return &benchpb.ItemsResponse{Items: items}
}

func pbUser(u workload.User) *benchpb.CreateUserResponse {
	return &benchpb.CreateUserResponse{Id: u.ID, Name: u.Name, Email: u.Email, Age: int64(u.Age), Country: u.Country, Plan: u.Plan}
}

// GRPCServer is the workload on protoc-generated grpc-go code.
type GRPCServer struct {
	benchpb.UnimplementedBenchServiceServer
}

var _ benchpb.BenchServiceServer = GRPCServer{}

// Hello implements hello.
func (GRPCServer) Hello(ctx context.Context, in *benchpb.HelloRequest) (*benchpb.HelloResponse, error) {
	if !validName(in.GetName()) {
		return nil, status.Error(codes.InvalidArgument, errInvalidName.Error())
	}
	out, _ := workload.Hello(ctx, workload.HelloIn{Name: in.GetName()})
	return &benchpb.HelloResponse{Message: out.Message}, nil
}

// CreateUser implements createUser (the REST workloads validate it; over
// gRPC it is not measured).
func (GRPCServer) CreateUser(ctx context.Context, in *benchpb.CreateUserRequest) (*benchpb.CreateUserResponse, error) {
	out, _ := workload.CreateUser(ctx, workload.CreateUserIn{Name: in.GetName(), Email: in.GetEmail(), Age: int(in.GetAge()), Country: in.GetCountry(), Plan: in.GetPlan()})
	return pbUser(out), nil
}

// Items implements items.
func (GRPCServer) Items(ctx context.Context, in *benchpb.ItemsRequest) (*benchpb.ItemsResponse, error) {
	if in.GetCount() < 0 || in.GetCount() > 100 {
		return nil, status.Error(codes.InvalidArgument, "invalid count")
	}
	out, _ := workload.Items(ctx, workload.ItemsIn{Count: int(in.GetCount())})
	return pbItems(out), nil
}

// Ticks implements ticks.
func (GRPCServer) Ticks(in *benchpb.TicksRequest, stream grpc.ServerStreamingServer[benchpb.TicksResponse]) error {
	return workload.Ticks(stream.Context(), workload.TicksIn{Count: int(in.GetCount())}, func(t workload.Tick) error {
		return stream.Send(&benchpb.TicksResponse{Seq: int64(t.Seq), Label: t.Label})
	})
}

// ConnectServer is the workload on connect-go generated code.
type ConnectServer struct{}

var _ benchpbconnect.BenchServiceHandler = ConnectServer{}

// Hello implements hello.
func (ConnectServer) Hello(ctx context.Context, req *connect.Request[benchpb.HelloRequest]) (*connect.Response[benchpb.HelloResponse], error) {
	if !validName(req.Msg.GetName()) {
		return nil, connect.NewError(connect.CodeInvalidArgument, errInvalidName)
	}
	out, _ := workload.Hello(ctx, workload.HelloIn{Name: req.Msg.GetName()})
	return connect.NewResponse(&benchpb.HelloResponse{Message: out.Message}), nil
}

// CreateUser implements createUser.
func (ConnectServer) CreateUser(ctx context.Context, req *connect.Request[benchpb.CreateUserRequest]) (*connect.Response[benchpb.CreateUserResponse], error) {
	in := req.Msg
	out, _ := workload.CreateUser(ctx, workload.CreateUserIn{Name: in.GetName(), Email: in.GetEmail(), Age: int(in.GetAge()), Country: in.GetCountry(), Plan: in.GetPlan()})
	return connect.NewResponse(pbUser(out)), nil
}

// Items implements items.
func (ConnectServer) Items(ctx context.Context, req *connect.Request[benchpb.ItemsRequest]) (*connect.Response[benchpb.ItemsResponse], error) {
	if c := req.Msg.GetCount(); c < 0 || c > 100 {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("invalid count"))
	}
	out, _ := workload.Items(ctx, workload.ItemsIn{Count: int(req.Msg.GetCount())})
	return connect.NewResponse(pbItems(out)), nil
}

// Ticks implements ticks.
func (ConnectServer) Ticks(ctx context.Context, req *connect.Request[benchpb.TicksRequest], stream *connect.ServerStream[benchpb.TicksResponse]) error {
	return workload.Ticks(ctx, workload.TicksIn{Count: int(req.Msg.GetCount())}, func(t workload.Tick) error {
		return stream.Send(&benchpb.TicksResponse{Seq: int64(t.Seq), Label: t.Label})
	})
}
