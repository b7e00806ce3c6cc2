package rest

import (
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/allframe-go/allframe/app"
)

func binarySchema() *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "binary"})
}

// uploadContent declares the multipart/form-data form of an input with
// File fields (files as binary parts, other fields as form values) and, for
// a single File, the raw application/octet-stream body.
func (b *specBuilder) uploadContent(op *app.Operation, up *uploadPlan, content openapi3.Content) {
	form := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{}}
	enc := map[string]*openapi3.Encoding{}
	for _, f := range op.Input.Fields {
		if f.In != app.SourceDefault {
			continue
		}
		if f.Required {
			form.Required = append(form.Required, f.Name)
		}
		form.Properties[f.Name] = toOpenAPI(b.js.Property(f))
	}
	for _, fb := range up.files {
		s := &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "binary", Description: fb.field.Doc}
		if fb.many {
			s = &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: binarySchema(), Description: fb.field.Doc}
		}
		form.Properties[fb.field.Name] = openapi3.NewSchemaRef("", s)
		enc[fb.field.Name] = &openapi3.Encoding{ContentType: "application/octet-stream"}
	}
	for _, f := range up.jsonFields {
		enc[f.Name] = &openapi3.Encoding{ContentType: "application/json"}
	}
	content["multipart/form-data"] = &openapi3.MediaType{Schema: openapi3.NewSchemaRef("", form), Encoding: enc}
	if up.raw {
		content["application/octet-stream"] = &openapi3.MediaType{Schema: binarySchema()}
	}
}

// blobResponse declares a raw binary response with its Content-Disposition.
func blobResponse(ok *openapi3.Response) {
	ok.WithDescription("The raw content, with the Content-Type the operation chose").
		WithContent(openapi3.Content{"application/octet-stream": &openapi3.MediaType{Schema: binarySchema()}})
	if ok.Headers == nil {
		ok.Headers = openapi3.Headers{}
	}
	ok.Headers["Content-Disposition"] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
		Description: "attachment or inline, with the file name",
		Schema:      openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}}),
	}}}
}
