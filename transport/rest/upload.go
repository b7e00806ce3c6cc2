package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/labstack/echo/v4"

	"github.com/allframe-go/allframe/app"
)

// DefaultUploadMemory is how much of an upload is kept in memory before
// the rest is spooled to a temporary file (WithUploadMemory).
const DefaultUploadMemory = 1 << 20

// WithUploadMemory sets how many bytes of uploaded files a request keeps in
// memory; larger uploads are spooled to temporary files, removed when the
// handler returns. Default: 1 MiB (DefaultUploadMemory).
func WithUploadMemory(n int64) Option { return func(o *options) { o.uploadMemory = n } }

// fileBinder sets one app.File, *app.File or []app.File input field.
type fileBinder struct {
	field  *app.Field
	offset uintptr
	ptr    bool // *app.File
	many   bool // []app.File
}

func (b *fileBinder) set(base unsafe.Pointer, files []app.File) {
	p := unsafe.Add(base, b.offset)
	switch {
	case b.many:
		*(*[]app.File)(p) = files
	case b.ptr:
		f := files[0]
		*(**app.File)(p) = &f
	default:
		*(*app.File)(p) = files[0]
	}
}

// uploadPlan is the compiled binding of an input with File fields from a
// multipart/form-data body, or from a raw body (application/octet-stream)
// when there is exactly one File field.
type uploadPlan struct {
	files []fileBinder
	// values binds the scalar body fields from form values (multipart) or
	// query parameters (raw body); jsonFields are the other body fields,
	// each sent as the JSON text of one form value or query parameter.
	values     bindPlan
	jsonFields []*app.Field
	raw        bool // one File field, not a list: a raw body is accepted
}

var (
	fileType      = reflect.TypeFor[app.File]()
	filePtrType   = reflect.TypeFor[*app.File]()
	fileSliceType = reflect.TypeFor[[]app.File]()
)

// compileUploadPlan returns the upload binding of op's body fields, or nil
// when none of them is a file.
func compileUploadPlan(op *app.Operation, bodyFields []*app.Field) (*uploadPlan, error) {
	up := &uploadPlan{}
	for _, f := range bodyFields {
		switch f.Type.Go {
		case fileType:
			up.files = append(up.files, fileBinder{field: f, offset: f.Offset})
			continue
		case filePtrType:
			up.files = append(up.files, fileBinder{field: f, offset: f.Offset, ptr: true})
			continue
		case fileSliceType:
			up.files = append(up.files, fileBinder{field: f, offset: f.Offset, many: true})
			continue
		}
		if t := f.Type.Deref(); t.IsFile() || t.Kind == app.KindSlice && t.Elem.Deref().IsFile() {
			return nil, fmt.Errorf("operation %q: field %s: an uploaded file is an app.File, *app.File or []app.File", op.Name, f.GoName)
		}
		if b, err := compileParam(f, app.SourceQuery, f.Name); err == nil {
			up.values.params = append(up.values.params, b)
		} else {
			up.jsonFields = append(up.jsonFields, f)
		}
	}
	if len(up.files) == 0 {
		return nil, nil
	}
	up.raw = len(up.files) == 1 && !up.files[0].many
	return up, nil
}

// release undoes what decoding an upload left behind (temporary files).
type release func()

// decodeUpload fills in from a multipart/form-data or raw body. The
// returned release removes spooled files; call it when the handler is done.
func (t *Transport) decodeUpload(c echo.Context, up *uploadPlan, limit int64, mediaType string, params map[string]string, in any) (release, error) {
	r := c.Request()
	body := http.MaxBytesReader(c.Response(), r.Body, limit)
	base := reflect.ValueOf(in).UnsafePointer()
	if mediaType == "multipart/form-data" {
		if params["boundary"] == "" {
			return nil, app.InvalidArgument("multipart/form-data needs a boundary parameter")
		}
		form, err := multipart.NewReader(body, params["boundary"]).ReadForm(t.opts.uploadMemory)
		if err != nil {
			return nil, multipartError(err)
		}
		done := func() { _ = form.RemoveAll() }
		if err := up.bindForm(base, form, in); err != nil {
			done()
			return nil, err
		}
		return done, nil
	}
	if !up.raw || mediaType == "application/x-www-form-urlencoded" {
		return nil, app.InvalidArgument("Content-Type must be multipart/form-data, application/json or, for a single file, the file's own")
	}
	name := ""
	if cd := r.Header.Get("Content-Disposition"); cd != "" {
		if _, p, err := mime.ParseMediaType(cd); err == nil {
			name = p["filename"]
		}
	}
	f, done, err := spool(body, t.opts.uploadMemory, name, mediaType)
	if err != nil {
		return nil, err
	}
	up.files[0].set(base, []app.File{f})
	if err := up.bindValues(base, c.QueryParams(), in); err != nil {
		done()
		return nil, err
	}
	return done, nil
}

func (up *uploadPlan) bindForm(base unsafe.Pointer, form *multipart.Form, in any) error {
	for i := range up.files {
		b := &up.files[i]
		var files []app.File
		for _, fh := range form.File[b.field.Name] {
			files = append(files, app.NewFile(fh.Filename, fh.Header.Get("Content-Type"), fh.Size, func() (io.ReadCloser, error) { return fh.Open() }))
		}
		for _, v := range form.Value[b.field.Name] { // a part without a file name
			files = append(files, app.File{Content: []byte(v)})
		}
		switch {
		case len(files) == 0:
			continue
		case len(files) > 1 && !b.many:
			desc := "must be one file"
			return app.InvalidArgument("invalid "+b.field.Name+": "+desc, app.FieldViolation{Field: b.field.Name, Description: desc})
		}
		b.set(base, files)
	}
	return up.bindValues(base, form.Value, in)
}

// bindValues binds the body fields that are not files from vals.
func (up *uploadPlan) bindValues(base unsafe.Pointer, vals url.Values, in any) error {
	if v := up.values.bind(base, nil, nil, vals); len(v) > 0 {
		return app.InvalidArgument("invalid "+v[0].Field+": "+v[0].Description, v...)
	}
	rv := reflect.ValueOf(in).Elem()
	for _, f := range up.jsonFields {
		s, ok := vals[f.Name]
		if !ok || len(s) == 0 {
			continue
		}
		if err := json.Unmarshal([]byte(s[0]), rv.FieldByIndex(f.Index).Addr().Interface()); err != nil {
			desc := "must be JSON"
			return app.InvalidArgument("invalid "+f.Name+": "+desc, app.FieldViolation{Field: f.Name, Description: desc})
		}
	}
	return nil
}

func multipartError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return errTooLarge
	}
	return app.WrapError(app.CodeInvalidArgument, "malformed multipart/form-data body", err)
}

// spool reads a raw body into a File: in memory up to mem bytes, else into
// a temporary file that the returned release removes.
func spool(body io.Reader, mem int64, name, contentType string) (app.File, release, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(body, mem+1)); err != nil {
		return app.File{}, nil, bodyReadError(err)
	}
	if int64(buf.Len()) <= mem {
		b := buf.Bytes()
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		return app.NewFile(name, contentType, int64(len(b)), open), func() {}, nil
	}
	tmp, err := os.CreateTemp("", "allframe-upload-")
	if err != nil {
		return app.File{}, nil, app.WrapError(app.CodeInternal, "internal error", err)
	}
	path := tmp.Name()
	done := func() { _ = os.Remove(path) }
	n, err := io.Copy(tmp, io.MultiReader(&buf, body))
	if cerr := tmp.Close(); err == nil && cerr != nil {
		done()
		return app.File{}, nil, app.WrapError(app.CodeInternal, "internal error", cerr)
	}
	if err != nil {
		done()
		var werr *os.PathError
		if errors.As(err, &werr) {
			return app.File{}, nil, app.WrapError(app.CodeInternal, "internal error", err)
		}
		return app.File{}, nil, bodyReadError(err)
	}
	open := func() (io.ReadCloser, error) { return os.Open(path) } //nolint:gosec // G304: path is our own temporary file
	return app.NewFile(name, contentType, n, open), done, nil
}

// writeBlob writes b as a raw response with its Content-Type and, when it
// names a file, Content-Disposition.
func writeBlob(w http.ResponseWriter, b *app.Blob) error {
	h := w.Header()
	ct := b.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	disp := "attachment"
	if b.Inline {
		disp = "inline"
	}
	if b.Filename != "" {
		if v := mime.FormatMediaType(disp, map[string]string{"filename": b.Filename}); v != "" {
			disp = v
		}
	}
	if b.Filename != "" || !b.Inline {
		h.Set("Content-Disposition", disp)
	}
	h.Set("Content-Length", strconv.Itoa(len(b.Content)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b.Content)
	return err
}
