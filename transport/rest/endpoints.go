package rest

import (
	"net/http"

	"github.com/allframe-go/allframe/app"
)

var _ app.EndpointDescriber = (*Transport)(nil)

// Protocols implements app.EndpointDescriber: REST at the host's root.
func (t *Transport) Protocols() []app.ProtocolInfo {
	return []app.ProtocolInfo{{Protocol: "rest"}}
}

// Endpoints implements app.EndpointDescriber: op's route and where each
// input field goes, as the router binds it (see compileBindPlan).
func (t *Transport) Endpoints(op *app.Operation) []app.Endpoint {
	e := app.Endpoint{Protocol: "rest", Method: op.HTTPMethod, Path: op.HTTPPath, SSE: op.Kind == app.OpStream}
	bodyMethod := op.HTTPMethod == http.MethodPost || op.HTTPMethod == http.MethodPut ||
		op.HTTPMethod == http.MethodPatch || op.HTTPMethod == http.MethodDelete
	for _, f := range op.Input.Fields {
		switch f.In {
		case app.SourcePath:
			e.PathParams = append(e.PathParams, f.Param)
		case app.SourceQuery:
			e.QueryParams = append(e.QueryParams, f.Param)
		case app.SourceHeader:
			e.HeaderParams = append(e.HeaderParams, f.Param)
		default:
			if bodyMethod {
				e.Body = true
			} else {
				e.QueryParams = append(e.QueryParams, f.Name)
			}
		}
	}
	for _, h := range op.Headers {
		e.HeaderParams = append(e.HeaderParams, h.Name)
	}
	return []app.Endpoint{e}
}
