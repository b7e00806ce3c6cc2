package graphql

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/graph"
)

// postTransport serves GraphQL over HTTP POST with a JSON body, as gqlgen's
// transport.POST does (same content negotiation, status codes and
// executor calls), with a leaner request decoder and response writer, a
// body size limit, the request details the executor hands to middleware,
// and a clear error for subscriptions, which need a streaming transport.
type postTransport struct {
	maxBody int64
}

var _ graphql.Transport = postTransport{}

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

var (
	contentTypeJSON            = []string{mediaJSON}
	contentTypeGraphQLResponse = []string{mediaGraphQLResponse}
)

// Supports reports whether r is a POST of JSON that is not a WebSocket
// upgrade.
func (postTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Upgrade") == "" && isJSON(r.Header.Get("Content-Type"))
}

func isJSON(contentType string) bool {
	if contentType == mediaJSON || strings.HasPrefix(contentType, mediaJSON+";") {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == mediaJSON
}

// responseMedia picks the response media type from Accept as gqlgen does:
// application/json unless the client asks for
// application/graphql-response+json, or accepts neither.
func responseMedia(accept string) string {
	if accept == "" || accept == mediaJSON || accept == "*/*" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Do serves one request.
func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := responseMedia(r.Header.Get("Accept"))
	if media == mediaJSON {
		w.Header()["Content-Type"] = contentTypeJSON
	} else {
		w.Header()["Content-Type"] = contentTypeGraphQLResponse
	}
	ri := &graph.RequestInfo{Peer: r.RemoteAddr, Metadata: r.Header, ResponseHeader: w.Header()}
	ctx := graph.WithRequestInfo(r.Context(), ri)
	start := graphql.Now()

	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<16 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	buf.Reset()
	if err := readBody(buf, r.Body, t.maxBody); err != nil {
		status := http.StatusBadRequest
		msg := "could not read the request body"
		if errors.Is(err, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
			msg = err.Error()
		}
		writeError(w, status, exec.DispatchError(ctx, gqlerror.List{{Message: msg}}), buf)
		return
	}
	params := &graphql.RawParams{}
	if err := decodeParams(buf.Bytes(), params); err != nil {
		writeError(w, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{{Message: "json request body could not be decoded: " + err.Error()}}), buf)
		return
	}
	if !utf8.Valid(buf.Bytes()) {
		writeError(w, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{invalidUTF8Body(buf.Bytes())}), buf)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs == nil && rc.Operation.Operation == ast.Subscription {
		err := gqlerror.ErrorPosf(rc.Operation.Position, "subscriptions need a streaming transport: a WebSocket (graphql-transport-ws) or Server-Sent Events (Accept: text/event-stream)")
		errcode.Set(err, errcode.ValidationFailed)
		errs = gqlerror.List{err}
	}
	if errs != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if media == mediaGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		writeError(w, status, exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs), buf)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	buf.Reset()
	writeResponse(w, responses(ctx), buf)
}

var errTooLarge = errors.New("the request body is too large")

// readBody reads at most limit bytes (no limit if limit <= 0) of body into buf.
func readBody(buf *bytes.Buffer, body io.Reader, limit int64) error {
	if body == nil {
		return nil
	}
	if limit <= 0 {
		_, err := buf.ReadFrom(body)
		return err
	}
	n, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	if err != nil {
		return err
	}
	if n > limit {
		return errTooLarge
	}
	return nil
}

func writeError(w http.ResponseWriter, status int, resp *graphql.Response, buf *bytes.Buffer) {
	w.WriteHeader(status)
	buf.Reset()
	writeResponse(w, resp, buf)
}

// writeResponse writes resp as gqlgen's transports do (the same members
// in the same order).
func writeResponse(w io.Writer, resp *graphql.Response, buf *bytes.Buffer) {
	if resp == nil {
		resp = &graphql.Response{}
	}
	buf.WriteByte('{')
	if len(resp.Errors) > 0 {
		buf.WriteString(`"errors":`)
		appendJSON(buf, resp.Errors)
		buf.WriteByte(',')
	}
	buf.WriteString(`"data":`)
	// Data comes from package graph's executor, which writes valid JSON by
	// construction (strings escaped, numbers formatted, JSON values through
	// encoding/json), and no extension installed by this package rewrites
	// it; so it is copied without the re-scan gqlgen's writer does.
	if d := resp.Data; len(d) < 2 || d[0] != '{' || d[len(d)-1] != '}' {
		buf.WriteString("null")
	} else {
		buf.Write(d)
	}
	if resp.Label != "" {
		buf.WriteString(`,"label":`)
		appendJSON(buf, resp.Label)
	}
	if resp.Path != nil {
		buf.WriteString(`,"path":`)
		appendJSON(buf, resp.Path)
	}
	if resp.HasNext != nil {
		buf.WriteString(`,"hasNext":`)
		appendJSON(buf, *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		buf.WriteString(`,"extensions":`)
		appendJSON(buf, resp.Extensions)
	}
	buf.WriteByte('}')
	_, _ = w.Write(buf.Bytes())
}

func appendJSON(buf *bytes.Buffer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte("null")
	}
	buf.Write(b)
}

// decodeParams decodes a GraphQL-over-HTTP request body, as
// encoding/json with UseNumber would into graphql.RawParams, without
// reflection for the common members: query and operationName are read
// directly, variables and extensions (when not null) through encoding/json.
func decodeParams(body []byte, p *graphql.RawParams) error {
	if !json.Valid(body) {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return err
		}
		return errors.New("invalid JSON")
	}
	s := scanner{b: body}
	s.space()
	if !s.consume('{') {
		return errors.New("the body must be a JSON object")
	}
	s.space()
	if s.consume('}') {
		return nil
	}
	for {
		s.space()
		key, err := s.str()
		if err != nil {
			return err
		}
		s.space()
		s.consume(':')
		s.space()
		start := s.i
		s.skip()
		val := body[start:s.i]
		switch key {
		case "query":
			if p.Query, err = stringValue(val, key); err != nil {
				return err
			}
		case "operationName":
			if p.OperationName, err = stringValue(val, key); err != nil {
				return err
			}
		case "variables":
			if p.Variables, err = objectValue(val, key); err != nil {
				return err
			}
		case "extensions":
			if p.Extensions, err = objectValue(val, key); err != nil {
				return err
			}
		}
		s.space()
		if s.consume('}') {
			return nil
		}
		s.consume(',')
	}
}

func stringValue(val []byte, key string) (string, error) {
	if string(val) == "null" {
		return "", nil
	}
	if len(val) == 0 || val[0] != '"' {
		return "", errors.New(key + " must be a string")
	}
	if bytes.IndexByte(val, '\\') < 0 {
		return string(val[1 : len(val)-1]), nil
	}
	var s string
	err := json.Unmarshal(val, &s)
	return s, err
}

func objectValue(val []byte, key string) (map[string]any, error) {
	if string(val) == "null" {
		return nil, nil
	}
	if len(val) == 0 || val[0] != '{' {
		return nil, errors.New(key + " must be an object")
	}
	m := map[string]any{}
	if string(val) == "{}" {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(val))
	dec.UseNumber()
	err := dec.Decode(&m)
	return m, err
}

// scanner walks JSON already checked to be valid.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) consume(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string (a member name).
func (s *scanner) str() (string, error) {
	start := s.i
	s.skipString()
	return stringValue(s.b[start:s.i], "a member name")
}

func (s *scanner) skipString() {
	s.i++ // opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return
		default:
			s.i++
		}
	}
}

// skip moves past one value.
func (s *scanner) skip() {
	if s.i >= len(s.b) {
		return
	}
	switch s.b[s.i] {
	case '"':
		s.skipString()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				s.skipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return
				}
			}
			s.i++
		}
	default: // number, true, false, null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			s.i++
		}
	}
}
