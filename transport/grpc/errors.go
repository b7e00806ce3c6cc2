package grpc

import (
	"encoding/json"

	"github.com/allframe-go/allframe/app"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// ErrorDomain is the domain of the google.rpc.ErrorInfo detail that
// carries an error's reason.
const ErrorDomain = "allframe"

// Code maps a neutral error code to its gRPC status code. The numbering is
// the same; the mapping is still spelled out so that it is checked.
func Code(c app.Code) codes.Code {
	switch c {
	case app.CodeOK:
		return codes.OK
	case app.CodeCanceled:
		return codes.Canceled
	case app.CodeUnknown:
		return codes.Unknown
	case app.CodeInvalidArgument:
		return codes.InvalidArgument
	case app.CodeDeadlineExceeded:
		return codes.DeadlineExceeded
	case app.CodeNotFound:
		return codes.NotFound
	case app.CodeAlreadyExists:
		return codes.AlreadyExists
	case app.CodePermissionDenied:
		return codes.PermissionDenied
	case app.CodeResourceExhausted:
		return codes.ResourceExhausted
	case app.CodeFailedPrecondition:
		return codes.FailedPrecondition
	case app.CodeAborted:
		return codes.Aborted
	case app.CodeOutOfRange:
		return codes.OutOfRange
	case app.CodeUnimplemented:
		return codes.Unimplemented
	case app.CodeInternal:
		return codes.Internal
	case app.CodeUnavailable:
		return codes.Unavailable
	case app.CodeDataLoss:
		return codes.DataLoss
	case app.CodeUnauthenticated:
		return codes.Unauthenticated
	}
	return codes.Unknown
}

// appCode maps a gRPC status code back to the neutral code with the same
// number; a code outside the canonical set is unknown.
func appCode(c codes.Code) app.Code {
	if c > codes.Unauthenticated {
		return app.CodeUnknown
	}
	return app.Code(c)
}

// Status converts an error returned by an operation into a gRPC status:
// the mapped code, the client-safe message, field violations as a
// google.rpc.BadRequest detail, Error.Reason as a google.rpc.ErrorInfo
// (domain "allframe"), Error.RetryAfter as a google.rpc.RetryInfo and
// Error.Details as a google.protobuf.Struct detail.
func Status(err error) *status.Status {
	e := app.ErrorFrom(err)
	if e == nil {
		return status.New(codes.OK, "")
	}
	st := status.New(Code(e.Code), e.Message)
	var details []protoadapt.MessageV1
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		details = append(details, br)
	}
	if e.Reason != "" {
		details = append(details, &errdetails.ErrorInfo{Reason: e.Reason, Domain: ErrorDomain})
	}
	if e.RetryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(e.RetryAfter)})
	}
	if len(e.Details) > 0 {
		if s, err := detailsStruct(e.Details); err == nil {
			details = append(details, s)
		}
	}
	if len(details) == 0 {
		return st
	}
	if withDetails, err := st.WithDetails(details...); err == nil {
		return withDetails
	}
	return st
}

// detailsStruct converts Error.Details, which transports serialise as JSON,
// to a Struct through JSON, so every protocol shows the same values.
func detailsStruct(d map[string]any) (*structpb.Struct, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return structpb.NewStruct(m)
}
