package httpserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/allframe-go/allframe/app"
)

// StatusCode maps a neutral code to its HTTP status, following the
// canonical Google API / Connect mapping. It is the one place
// AllFrame maps codes to HTTP statuses: REST, GraphQL-over-HTTP errors
// outside an operation and telemetry (http.response.status_code) use it.
func StatusCode(c app.Code) int {
	switch c {
	case app.CodeOK:
		return http.StatusOK
	case app.CodeCanceled:
		return 499 // client closed request
	case app.CodeUnknown:
		return http.StatusInternalServerError
	case app.CodeInvalidArgument:
		return http.StatusBadRequest
	case app.CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	case app.CodeNotFound:
		return http.StatusNotFound
	case app.CodeAlreadyExists:
		return http.StatusConflict
	case app.CodePermissionDenied:
		return http.StatusForbidden
	case app.CodeResourceExhausted:
		return http.StatusTooManyRequests
	case app.CodeFailedPrecondition:
		return http.StatusBadRequest
	case app.CodeAborted:
		return http.StatusConflict
	case app.CodeOutOfRange:
		return http.StatusBadRequest
	case app.CodeUnimplemented:
		return http.StatusNotImplemented
	case app.CodeInternal:
		return http.StatusInternalServerError
	case app.CodeUnavailable:
		return http.StatusServiceUnavailable
	case app.CodeDataLoss:
		return http.StatusInternalServerError
	case app.CodeUnauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// CodeForStatus maps an HTTP status produced outside any operation (router
// 404/405, body too large) to a neutral code for the problem document.
func CodeForStatus(status int) app.Code {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return app.CodeInvalidArgument
	case http.StatusNotFound:
		return app.CodeNotFound
	case http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return app.CodeUnimplemented
	case http.StatusUnauthorized:
		return app.CodeUnauthenticated
	case http.StatusForbidden:
		return app.CodePermissionDenied
	case http.StatusTooManyRequests:
		return app.CodeResourceExhausted
	case http.StatusServiceUnavailable:
		return app.CodeUnavailable
	case http.StatusGatewayTimeout, http.StatusRequestTimeout:
		return app.CodeDeadlineExceeded
	}
	if status < 500 {
		return app.CodeInvalidArgument
	}
	return app.CodeInternal
}

// ProblemContentType is the media type of error responses (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem document with AllFrame's extension members:
// the neutral code, its reason (e.g. "RATE_LIMITED"), the time to wait
// before retrying, field violations and details.
type Problem struct {
	Type         string               `json:"type"`
	Title        string               `json:"title"`
	Status       int                  `json:"status"`
	Detail       string               `json:"detail,omitempty"`
	Instance     string               `json:"instance,omitempty"`
	Code         string               `json:"code"`
	Reason       string               `json:"reason,omitempty"`
	RetryAfterMS int64                `json:"retryAfterMs,omitempty"`
	Violations   []app.FieldViolation `json:"violations,omitempty"`
	Details      map[string]any       `json:"details,omitempty"`
}

// NewProblem builds the problem document for a neutral error.
func NewProblem(e *app.Error, instance string) *Problem {
	status := StatusCode(e.Code)
	return &Problem{
		Type:         "about:blank",
		Title:        StatusText(status),
		Status:       status,
		Detail:       e.Message,
		Instance:     instance,
		Code:         e.Code.String(),
		Reason:       e.Reason,
		RetryAfterMS: ceilDiv(e.RetryAfter, time.Millisecond),
		Violations:   e.Violations,
		Details:      e.Details,
	}
}

// RetryAfterSeconds is the Retry-After value for d: whole seconds, rounded
// up, so a client that waits that long finds a token; 0 when d is not
// positive.
func RetryAfterSeconds(d time.Duration) int64 { return ceilDiv(d, time.Second) }

func ceilDiv(d, unit time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + unit - 1) / unit)
}

// StatusText is http.StatusText, plus 499 Client Closed Request.
func StatusText(status int) string {
	if status == 499 {
		return "Client Closed Request"
	}
	return http.StatusText(status)
}

// WriteProblem writes e as problem+json with X-Content-Type-Options:
// nosniff, and Retry-After when e says when to retry.
func WriteProblem(w http.ResponseWriter, r *http.Request, e *app.Error) {
	if s := RetryAfterSeconds(e.RetryAfter); s > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(s, 10))
	}
	writeProblemDoc(w, NewProblem(e, r.URL.Path))
}

// WriteStatusProblem writes a problem document for a status produced
// outside any operation (no route, method not allowed, body too large),
// with the neutral code CodeForStatus gives it and msg as its detail.
func WriteStatusProblem(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := NewProblem(app.NewError(CodeForStatus(status), msg), r.URL.Path)
	p.Status, p.Title = status, StatusText(status)
	writeProblemDoc(w, p)
}

func writeProblemDoc(w http.ResponseWriter, p *Problem) {
	b, err := json.Marshal(p)
	if err != nil { // cannot happen for these field types; stay safe
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"code":"internal"}`)
		p.Status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}
