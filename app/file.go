package app

import (
	"bytes"
	"io"
	"reflect"
)

// File is an uploaded file, usable as an input field (File, *File or
// []File). Every protocol fills it:
//
//   - REST: a part of a multipart/form-data body (Name and ContentType from
//     the part), or an application/octet-stream body when the input has one
//     File field (Name from the filename of Content-Disposition). Large
//     files are spooled to disk, never held whole in memory; read them with
//     Open, during the handler call only.
//   - gRPC: a message {name, contentType, content} with the content as
//     protobuf bytes.
//   - GraphQL and JSON bodies: an object {name, contentType, content} with
//     the content in base64.
//
// Content holds the bytes when the protocol delivered them in memory (gRPC,
// GraphQL, JSON); it is nil for a REST upload, whose bytes Open streams.
// Handlers should read with Open, which works in every case.
type File struct {
	// Name is the client's file name, without any directory; may be empty.
	Name string `json:"name,omitempty" doc:"The file name the client sent"`
	// ContentType is the media type the client declared; may be empty.
	ContentType string `json:"contentType,omitempty" doc:"The media type the client declared"`
	// Content is the file's bytes when delivered in memory.
	Content []byte `json:"content,omitempty" doc:"The file's bytes"`

	size int64
	open func() (io.ReadCloser, error)
}

// NewFile returns a File whose content is read by open, of size bytes.
// Transports use it for content they spooled; the file is only valid while
// the call that received it runs.
func NewFile(name, contentType string, size int64, open func() (io.ReadCloser, error)) File {
	return File{Name: name, ContentType: contentType, size: size, open: open}
}

// Size is the length of the file's content in bytes.
func (f File) Size() int64 {
	if f.open != nil {
		return f.size
	}
	return int64(len(f.Content))
}

// Open opens the file's content for reading; the caller closes it.
func (f File) Open() (io.ReadCloser, error) {
	if f.open != nil {
		return f.open()
	}
	return io.NopCloser(bytes.NewReader(f.Content)), nil
}

// Blob is a binary response: an operation whose output type is Blob answers
// REST with the raw bytes, its Content-Type and a Content-Disposition that
// names Filename; gRPC with a message {contentType, filename, content} with
// the content as protobuf bytes; GraphQL with an object whose content is
// base64.
type Blob struct {
	// ContentType is the media type of Content. Default:
	// application/octet-stream.
	ContentType string `json:"contentType,omitempty" doc:"The media type of the content"`
	// Filename, when set, makes REST send Content-Disposition: attachment
	// with this file name; Inline sends it as inline instead.
	Filename string `json:"filename,omitempty" doc:"The file name to save the content as"`
	// Inline asks a browser to display the content rather than save it.
	Inline bool `json:"inline,omitempty" doc:"Display rather than download"`
	// Content is the response body.
	Content []byte `json:"content,omitempty" doc:"The content"`
}

var (
	fileType = reflect.TypeFor[File]()
	blobType = reflect.TypeFor[Blob]()
)

// IsFile reports whether t is the schema of File.
func (t *Type) IsFile() bool { return t != nil && t.Go == fileType }

// IsBlob reports whether t is the schema of Blob.
func (t *Type) IsBlob() bool { return t != nil && t.Go == blobType }

// MaxBodyBytes limits the request body of the operation on REST (uploads
// included), below the HTTP host's limit, which applies first. Default: the
// REST transport's limit (rest.WithMaxBodyBytes).
func MaxBodyBytes(n int64) OpOption { return func(op *Operation) { op.MaxBodyBytes = n } }
