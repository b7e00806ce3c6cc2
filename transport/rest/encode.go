package rest

import (
	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
)

// encodeFunc is a compiled JSON encoder (see internal/jsonenc).
type encodeFunc = jsonenc.Func

// encoderFor compiles the JSON encoder of t when a route is built. The
// encoder lives in that route's handler, so it is per App, nothing is
// cached across Apps, and no reflection is left for the request.
func encoderFor(t *app.Type) encodeFunc { return jsonenc.Compile(t) }
