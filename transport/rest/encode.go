package rest

import "github.com/allframe-go/allframe/internal/jsonenc"

// encodeFunc is a compiled JSON encoder (see internal/jsonenc). Each
// handler build compiles its routes' encoders into one jsonenc.Encoders
// cache, so they are per App, shared by routes with one output type, and
// no reflection is left for the request.
type encodeFunc = jsonenc.Func
