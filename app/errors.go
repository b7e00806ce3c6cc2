package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Code is a protocol-neutral error code. The set and the numbering are the
// canonical ones gRPC and Connect use, so transports map them losslessly.
type Code uint8

// The canonical codes. CodeOK is the absence of an error.
const (
	CodeOK                 Code = 0
	CodeCanceled           Code = 1
	CodeUnknown            Code = 2
	CodeInvalidArgument    Code = 3
	CodeDeadlineExceeded   Code = 4
	CodeNotFound           Code = 5
	CodeAlreadyExists      Code = 6
	CodePermissionDenied   Code = 7
	CodeResourceExhausted  Code = 8
	CodeFailedPrecondition Code = 9
	CodeAborted            Code = 10
	CodeOutOfRange         Code = 11
	CodeUnimplemented      Code = 12
	CodeInternal           Code = 13
	CodeUnavailable        Code = 14
	CodeDataLoss           Code = 15
	CodeUnauthenticated    Code = 16
)

var codeNames = [...]string{
	CodeOK:                 "ok",
	CodeCanceled:           "canceled",
	CodeUnknown:            "unknown",
	CodeInvalidArgument:    "invalid_argument",
	CodeDeadlineExceeded:   "deadline_exceeded",
	CodeNotFound:           "not_found",
	CodeAlreadyExists:      "already_exists",
	CodePermissionDenied:   "permission_denied",
	CodeResourceExhausted:  "resource_exhausted",
	CodeFailedPrecondition: "failed_precondition",
	CodeAborted:            "aborted",
	CodeOutOfRange:         "out_of_range",
	CodeUnimplemented:      "unimplemented",
	CodeInternal:           "internal",
	CodeUnavailable:        "unavailable",
	CodeDataLoss:           "data_loss",
	CodeUnauthenticated:    "unauthenticated",
}

var codeUpper = [...]string{
	CodeOK:                 "OK",
	CodeCanceled:           "CANCELED",
	CodeUnknown:            "UNKNOWN",
	CodeInvalidArgument:    "INVALID_ARGUMENT",
	CodeDeadlineExceeded:   "DEADLINE_EXCEEDED",
	CodeNotFound:           "NOT_FOUND",
	CodeAlreadyExists:      "ALREADY_EXISTS",
	CodePermissionDenied:   "PERMISSION_DENIED",
	CodeResourceExhausted:  "RESOURCE_EXHAUSTED",
	CodeFailedPrecondition: "FAILED_PRECONDITION",
	CodeAborted:            "ABORTED",
	CodeOutOfRange:         "OUT_OF_RANGE",
	CodeUnimplemented:      "UNIMPLEMENTED",
	CodeInternal:           "INTERNAL",
	CodeUnavailable:        "UNAVAILABLE",
	CodeDataLoss:           "DATA_LOSS",
	CodeUnauthenticated:    "UNAUTHENTICATED",
}

// Codes lists every code, CodeOK first; useful for exhaustive mapping tests.
func Codes() []Code {
	out := make([]Code, 0, len(codeNames))
	for c := range codeNames {
		out = append(out, Code(c))
	}
	return out
}

// String returns the code in snake case, e.g. "invalid_argument".
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code_%d", uint8(c))
}

// Upper returns the code in upper snake case, e.g. "INVALID_ARGUMENT", the
// form gRPC status names and GraphQL extensions use.
func (c Code) Upper() string {
	if int(c) < len(codeUpper) {
		return codeUpper[c]
	}
	return fmt.Sprintf("CODE_%d", uint8(c))
}

// ParseCode parses the snake or upper snake form of a code.
func ParseCode(s string) (Code, bool) {
	for i := range codeNames {
		if codeNames[i] == s || codeUpper[i] == s {
			return Code(i), true
		}
	}
	return CodeUnknown, false
}

// FieldViolation describes one invalid input field. Field is the JSON path of
// the field (e.g. "name" or "items[2].qty").
type FieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// Error is the one error type every handler, middleware and transport speaks.
// Message is safe to show to clients; the cause (see Unwrap) is not.
type Error struct {
	Code       Code
	Message    string
	Violations []FieldViolation
	// Details carries optional structured, client-safe data (e.g. the
	// current version on a conflict). Transports serialise it as JSON.
	Details map[string]any
	// Reason optionally refines Code with a stable upper snake case name
	// (google.rpc.ErrorInfo's reason), e.g. "RATE_LIMITED" or "TIMEOUT".
	// GraphQL shows it as extensions.code in place of the code's name;
	// REST adds it to the problem document; gRPC sends an ErrorInfo.
	Reason string
	// RetryAfter, when positive, says how long the client should wait
	// before retrying (rate limits, overload): REST sends Retry-After
	// (whole seconds, rounded up) and retryAfterMs, gRPC a
	// google.rpc.RetryInfo, GraphQL extensions.retryAfterMs.
	RetryAfter time.Duration
	cause      error
}

// NewError returns an error with a code and a client-safe message.
func NewError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf returns an error with a code and a formatted client-safe message.
// A %w verb records the cause (reachable with errors.Is/As) without changing
// the message shown to clients.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), cause: errors.Unwrap(err)}
}

// WrapError returns an error with a code and message whose cause is err.
func WrapError(code Code, message string, err error) *Error {
	return &Error{Code: code, Message: message, cause: err}
}

// InvalidArgument returns an invalid_argument error with field violations.
func InvalidArgument(message string, violations ...FieldViolation) *Error {
	return &Error{Code: CodeInvalidArgument, Message: message, Violations: violations}
}

// Error implements error.
func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code.String() + ": " + e.Message + ": " + e.cause.Error()
	}
	return e.Code.String() + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.cause }

// WithDetail returns e with a detail added.
func (e *Error) WithDetail(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// CodeOf returns the code of err: CodeOK for nil, the code of an *Error in
// its chain, canceled/deadline_exceeded for context errors, else internal.
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	return ErrorFrom(err).Code
}

var internalMessage = "internal error"

// ErrorFrom converts any error to an *Error, once, at the edge: an *Error in
// the chain is returned as is; context.Canceled and DeadlineExceeded become
// canceled and deadline_exceeded; anything else becomes internal with a
// generic message and err as the (never shown) cause.
func ErrorFrom(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, context.Canceled):
		return &Error{Code: CodeCanceled, Message: "request canceled", cause: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: CodeDeadlineExceeded, Message: "deadline exceeded", cause: err}
	}
	return &Error{Code: CodeInternal, Message: internalMessage, cause: err}
}

// PanicError is the cause recorded when a handler panics.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }
