package grpc

import (
	"context"
	"time"

	"github.com/allframe-go/allframe/app"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// healthServer is grpc.health.v1.Health reporting the App's readiness for
// the whole server ("") and for the App's service.
type healthServer struct {
	healthpb.UnimplementedHealthServer
	app      *app.App
	service  string // full service name, "hello.v1.HelloService"
	interval time.Duration
	stopping <-chan struct{}
}

func (h *healthServer) status(service string) (healthpb.HealthCheckResponse_ServingStatus, bool) {
	if service != "" && service != h.service {
		return healthpb.HealthCheckResponse_SERVICE_UNKNOWN, false
	}
	select {
	case <-h.stopping:
		return healthpb.HealthCheckResponse_NOT_SERVING, true
	default:
	}
	if h.app.Ready() {
		return healthpb.HealthCheckResponse_SERVING, true
	}
	return healthpb.HealthCheckResponse_NOT_SERVING, true
}

// Check implements grpc.health.v1.Health.
func (h *healthServer) Check(_ context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	st, ok := h.status(req.GetService())
	if !ok {
		return nil, status.Errorf(codes.NotFound, "unknown service %q", req.GetService())
	}
	return &healthpb.HealthCheckResponse{Status: st}, nil
}

// List implements grpc.health.v1.Health.
func (h *healthServer) List(context.Context, *healthpb.HealthListRequest) (*healthpb.HealthListResponse, error) {
	out := &healthpb.HealthListResponse{Statuses: map[string]*healthpb.HealthCheckResponse{}}
	for _, name := range []string{"", h.service} {
		st, _ := h.status(name)
		out.Statuses[name] = &healthpb.HealthCheckResponse{Status: st}
	}
	return out, nil
}

// Watch implements grpc.health.v1.Health: it sends the status, then every
// change, checking readiness each interval. It ends with NOT_SERVING when
// the transport stops, so graceful shutdown is not held up by watchers.
func (h *healthServer) Watch(req *healthpb.HealthCheckRequest, stream grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	ticker := time.NewTicker(h.interval)
	defer ticker.Stop()
	last := healthpb.HealthCheckResponse_ServingStatus(-1)
	for {
		st, _ := h.status(req.GetService())
		if st != last {
			if err := stream.Send(&healthpb.HealthCheckResponse{Status: st}); err != nil {
				return err
			}
			last = st
		}
		select {
		case <-stream.Context().Done():
			return status.FromContextError(stream.Context().Err()).Err()
		case <-h.stopping:
			if last != healthpb.HealthCheckResponse_NOT_SERVING && last != healthpb.HealthCheckResponse_SERVICE_UNKNOWN {
				return stream.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_NOT_SERVING})
			}
			return nil
		case <-ticker.C:
		}
	}
}
