package grpc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc"
)

func TestLimitsFromEnvRefused(t *testing.T) {
	tests := []struct {
		env, give string
	}{
		{"ALLFRAME_GRPC_MAX_RECV_BYTES", "-1"},
		{"ALLFRAME_GRPC_MAX_SEND_BYTES", "4MiB"},
		{"ALLFRAME_GRPC_MAX_CONCURRENT_STREAMS", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv(tt.env, tt.give)
			a := app.New(app.Name("conf"))
			app.Query(a, "hello", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
			err := grpc.New().Prepare(a)
			if err == nil || !strings.Contains(err.Error(), tt.env) {
				t.Errorf("Prepare = %v; want an error naming %s", err, tt.env)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		t.Setenv("ALLFRAME_GRPC_MAX_RECV_BYTES", "1024")
		a := app.New(app.Name("conf"))
		app.Query(a, "hello", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
		if err := grpc.New().Prepare(a); err != nil {
			t.Error(err)
		}
	})
}

// TestStatusReasonAndRetryInfo: Error.Reason and RetryAfter become an
// ErrorInfo and a RetryInfo detail.
func TestStatusReasonAndRetryInfo(t *testing.T) {
	e := app.NewError(app.CodeResourceExhausted, "slow down")
	e.Reason, e.RetryAfter = "RATE_LIMITED", 1500*time.Millisecond
	var info *errdetails.ErrorInfo
	var retry *errdetails.RetryInfo
	for _, d := range grpc.Status(e).Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			info = d
		case *errdetails.RetryInfo:
			retry = d
		}
	}
	if info.GetReason() != "RATE_LIMITED" || info.GetDomain() != grpc.ErrorDomain || retry.GetRetryDelay().AsDuration() != 1500*time.Millisecond {
		t.Errorf("details ErrorInfo %v, RetryInfo %v", info, retry)
	}
}
