package rest

import (
	"net/http"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// StatusCode maps a neutral code to its HTTP status; it is
// httpserver.StatusCode, kept here for REST users.
func StatusCode(c app.Code) int { return httpserver.StatusCode(c) }

// ProblemContentType is the media type of error responses (RFC 9457).
const ProblemContentType = httpserver.ProblemContentType

// Problem is an RFC 9457 problem document (httpserver.Problem).
type Problem = httpserver.Problem

// NewProblem builds the problem document for a neutral error.
func NewProblem(e *app.Error, instance string) *Problem { return httpserver.NewProblem(e, instance) }

func writeProblem(w http.ResponseWriter, r *http.Request, e *app.Error) {
	httpserver.WriteProblem(w, r, e)
}
