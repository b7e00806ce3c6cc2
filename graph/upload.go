package graph

import (
	"io"
	"unsafe"

	"github.com/99designs/gqlgen/graphql"

	"github.com/allframe-go/allframe/app"
)

// codeUpload decodes the Upload scalar (an app.File input). It is declared
// here, after every output code, because only inputs have it.
const codeUpload code = 255

// decodeUpload stores the file of a multipart request (a graphql.Upload
// that the multipart transport put in the variables) as the app.File at p.
func decodeUpload(p unsafe.Pointer, v any) *inputError {
	u, ok := v.(graphql.Upload)
	if !ok {
		if pu, isPtr := v.(*graphql.Upload); isPtr && pu != nil {
			u, ok = *pu, true
		}
	}
	if !ok || u.File == nil {
		return invalid("must be a file: send it as a part of a multipart request and map it to this variable")
	}
	open := func() (io.ReadCloser, error) {
		if _, err := u.File.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return io.NopCloser(u.File), nil
	}
	*(*app.File)(p) = app.NewFile(u.Filename, u.ContentType, u.Size, open)
	return nil
}
