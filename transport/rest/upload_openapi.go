package rest

import (
	"github.com/allframe-go/allframe/app"
)

func binarySchema() obj { return obj{"type": "string", "format": "binary"} }

// uploadContent declares the multipart/form-data form of an input with
// File fields (files as binary parts, other fields as form values) and, for
// a single File, the raw application/octet-stream body.
func (b *specBuilder) uploadContent(op *app.Operation, up *uploadPlan, content obj) {
	props := obj{}
	form := obj{"type": "object", "properties": props}
	var required []any
	enc := obj{}
	for _, f := range op.Input.Fields {
		if f.In != app.SourceDefault {
			continue
		}
		if f.Required {
			required = append(required, f.Name)
		}
		props[f.Name] = schemaTree(b.js.Property(f))
	}
	if len(required) > 0 {
		form["required"] = required
	}
	for _, fb := range up.files {
		s := omitEmpty(obj{"type": "string", "format": "binary", "description": fb.field.Doc})
		if fb.many {
			s = omitEmpty(obj{"type": "array", "items": binarySchema(), "description": fb.field.Doc})
		}
		props[fb.field.Name] = s
		enc[fb.field.Name] = obj{"contentType": "application/octet-stream"}
	}
	for _, f := range up.jsonFields {
		enc[f.Name] = obj{"contentType": "application/json"}
	}
	mt := obj{"schema": form}
	if len(enc) > 0 {
		mt["encoding"] = enc
	}
	content["multipart/form-data"] = mt
	if up.raw {
		content["application/octet-stream"] = obj{"schema": binarySchema()}
	}
}

// blobResponse declares a raw binary response with its Content-Disposition.
func blobResponse(ok obj) {
	ok["description"] = "The raw content, with the Content-Type the operation chose"
	ok["content"] = obj{"application/octet-stream": obj{"schema": binarySchema()}}
	headers, _ := ok["headers"].(obj)
	if headers == nil {
		headers = obj{}
		ok["headers"] = headers
	}
	headers["Content-Disposition"] = obj{
		"description": "attachment or inline, with the file name",
		"schema":      obj{"type": "string"},
	}
}
