package graphql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
)

// Request bodies and query strings must be valid UTF-8, as gRPC requires of
// its strings: encoding/json (and gqlgen's decoders) would replace invalid
// bytes with U+FFFD, so a handler would store text the client never sent.
// The check is utf8.Valid on the raw request; only when it fails does the
// code below find what to name in the error.

const mustBeUTF8 = "must be valid UTF-8"

// invalidUTF8Body names the first member of a JSON request body (known to
// be valid JSON but not valid UTF-8) that holds invalid UTF-8.
func invalidUTF8Body(body []byte) *gqlerror.Error {
	s := scanner{b: body}
	s.space()
	if !s.consume('{') {
		return invalidUTF8Member("the request body")
	}
	for s.i < len(s.b) {
		s.space()
		if s.consume('}') {
			break
		}
		keyStart := s.i
		s.skipString()
		key := rawString(body[keyStart:s.i])
		s.space()
		s.consume(':')
		s.space()
		start := s.i
		s.skip()
		val := body[start:s.i]
		switch {
		case !utf8.ValidString(key):
			return invalidUTF8Member("a member name of the request body")
		case utf8.Valid(val):
		case key == "query" && len(val) > 0 && val[0] == '"':
			return invalidUTF8Query(rawString(val))
		case key == "variables":
			return invalidUTF8Variable(val)
		default:
			return invalidUTF8Member(key)
		}
		s.space()
		s.consume(',')
	}
	return invalidUTF8Member("the request body")
}

func invalidUTF8Member(name string) *gqlerror.Error {
	return graph.ErrorFor(app.InvalidArgument("invalid "+name+": "+mustBeUTF8, app.FieldViolation{Field: name, Description: mustBeUTF8}))
}

// invalidUTF8Variable names the variable (and the path inside it) of the
// first string or member name in vars, a JSON object, that is not valid
// UTF-8, with the path ["variable", name, ...] gqlparser gives variable
// errors.
func invalidUTF8Variable(vars []byte) *gqlerror.Error {
	path := ast.Path{ast.PathName("variable")}
	path = invalidJSONPath(&scanner{b: vars}, path)
	var field strings.Builder
	for i, p := range path[1:] {
		switch p := p.(type) {
		case ast.PathName:
			if i > 0 {
				field.WriteByte('.')
			}
			field.WriteString(strings.ToValidUTF8(string(p), "\uFFFD"))
		case ast.PathIndex:
			field.WriteString("[" + strconv.Itoa(int(p)) + "]")
		}
	}
	name := field.String()
	err := graph.ErrorFor(app.InvalidArgument("invalid variable "+name+": "+mustBeUTF8, app.FieldViolation{Field: name, Description: mustBeUTF8}))
	err.Path = path
	return err
}

// invalidJSONPath appends to path the path of the first invalid string
// or member name in the JSON value at s.
func invalidJSONPath(s *scanner, path ast.Path) ast.Path {
	s.space()
	if s.i >= len(s.b) {
		return path
	}
	switch s.b[s.i] {
	case '{':
		s.i++
		for s.i < len(s.b) {
			s.space()
			if s.consume('}') {
				return path
			}
			start := s.i
			s.skipString()
			key := rawString(s.b[start:s.i])
			if !utf8.ValidString(key) {
				return append(path, ast.PathName(key))
			}
			s.space()
			s.consume(':')
			s.space()
			start = s.i
			s.skip()
			if !utf8.Valid(s.b[start:s.i]) {
				return invalidJSONPath(&scanner{b: s.b[start:s.i]}, append(path, ast.PathName(key)))
			}
			s.space()
			s.consume(',')
		}
	case '[':
		s.i++
		for i := 0; s.i < len(s.b); i++ {
			s.space()
			if s.consume(']') {
				return path
			}
			start := s.i
			s.skip()
			if !utf8.Valid(s.b[start:s.i]) {
				return invalidJSONPath(&scanner{b: s.b[start:s.i]}, append(path, ast.PathIndex(i)))
			}
			s.space()
			s.consume(',')
		}
	}
	return path
}

// invalidUTF8Query names the argument (or variable default, or directive
// argument) whose string value holds the first invalid byte of query, or
// its line and column when the byte is elsewhere (a comment, a name).
func invalidUTF8Query(query string) *gqlerror.Error {
	off := 0
	for off < len(query) {
		r, w := utf8.DecodeRuneInString(query[off:])
		if r == utf8.RuneError && w == 1 {
			break
		}
		off += w
	}
	// gqlparser positions count runes, an invalid byte as one.
	at := utf8.RuneCountInString(query[:off])
	f := utf8Finder{at: at}
	if doc, err := parser.ParseQuery(&ast.Source{Input: query}); err == nil {
		f.document(doc)
	}
	if f.found == nil {
		line := 1 + strings.Count(query[:off], "\n")
		col := 1 + utf8.RuneCountInString(query[strings.LastIndexByte(query[:off], '\n')+1:off])
		err := graph.ErrorFor(app.InvalidArgument("invalid query: "+mustBeUTF8, app.FieldViolation{Field: "query", Description: mustBeUTF8}))
		err.Locations = []gqlerror.Location{{Line: line, Column: col}}
		return err
	}
	err := graph.ErrorFor(app.InvalidArgument(fmt.Sprintf("invalid %s: %s (in %s)", f.path, mustBeUTF8, f.owner),
		app.FieldViolation{Field: f.path, Description: mustBeUTF8}))
	err.Locations = []gqlerror.Location{{Line: f.found.Line, Column: f.found.Column}}
	return err
}

// utf8Finder finds the string value of a document at a rune offset.
type utf8Finder struct {
	at    int
	found *ast.Position
	owner string // e.g. `field "openAccount"`
	path  string // e.g. "owner" or "input.lines[0].sku"
}

func (f *utf8Finder) document(doc *ast.QueryDocument) {
	for _, op := range doc.Operations {
		for _, v := range op.VariableDefinitions {
			if f.value(v.DefaultValue, v.Variable) {
				f.owner = "the default of variable $" + v.Variable
				return
			}
		}
		f.directives(op.Directives)
		f.selections(op.SelectionSet)
	}
	for _, fr := range doc.Fragments {
		f.directives(fr.Directives)
		f.selections(fr.SelectionSet)
	}
}

func (f *utf8Finder) selections(set ast.SelectionSet) {
	for _, sel := range set {
		if f.found != nil {
			return
		}
		switch sel := sel.(type) {
		case *ast.Field:
			if f.arguments(sel.Arguments) {
				f.owner = "field " + strconv.Quote(sel.Name)
				return
			}
			f.directives(sel.Directives)
			f.selections(sel.SelectionSet)
		case *ast.InlineFragment:
			f.directives(sel.Directives)
			f.selections(sel.SelectionSet)
		case *ast.FragmentSpread:
			f.directives(sel.Directives)
		}
	}
}

func (f *utf8Finder) directives(list ast.DirectiveList) {
	for _, d := range list {
		if f.found == nil && f.arguments(d.Arguments) {
			f.owner = "directive @" + d.Name
		}
	}
}

func (f *utf8Finder) arguments(args ast.ArgumentList) bool {
	for _, a := range args {
		if f.value(a.Value, a.Name) {
			return true
		}
	}
	return false
}

// value reports whether v, or a value inside it, is the string at f.at,
// and records its path.
func (f *utf8Finder) value(v *ast.Value, path string) bool {
	if v == nil {
		return false
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		if p := v.Position; p != nil && p.Start <= f.at && f.at < p.End {
			f.found, f.path = p, path
			return true
		}
	case ast.ListValue:
		for i, c := range v.Children {
			if f.value(c.Value, path+"["+strconv.Itoa(i)+"]") {
				return true
			}
		}
	case ast.ObjectValue:
		for _, c := range v.Children {
			if f.value(c.Value, path+"."+c.Name) {
				return true
			}
		}
	}
	return false
}

// rawString unquotes a JSON string as encoding/json does, except that
// bytes that are not valid UTF-8 are kept, not replaced with U+FFFD.
func rawString(q []byte) string {
	if len(q) < 2 || q[0] != '"' {
		return ""
	}
	q = q[1 : len(q)-1]
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c != '\\' || i+1 >= len(q) {
			b.WriteByte(c)
			continue
		}
		i++
		switch q[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := hex4(q[i+1:])
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(q) && q[i+1] == '\\' && q[i+2] == 'u' {
				if r2 := utf16.DecodeRune(r, hex4(q[i+3:])); r2 != utf8.RuneError {
					r = r2
					i += 6
				}
			}
			b.WriteRune(r)
		default: // '"', '\\', '/'
			b.WriteByte(q[i])
		}
	}
	return b.String()
}

// hex4 decodes four hex digits (valid JSON guarantees them).
func hex4(b []byte) rune {
	if len(b) < 4 {
		return utf8.RuneError
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 16)
	if err != nil {
		return utf8.RuneError
	}
	return rune(n)
}

// validUTF8Query checks the parameters of a GET request (query,
// operationName, variables, extensions); when one is not valid UTF-8 it
// answers 400 with an INVALID_ARGUMENT error naming it and reports false.
func validUTF8Query(w http.ResponseWriter, rawQuery string) bool {
	if utf8.ValidString(rawQuery) && !strings.Contains(rawQuery, "%") {
		return true // nothing percent-encoded: the parameters are substrings
	}
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return true // gqlgen's GET transport reports it
	}
	for _, name := range []string{"query", "operationName", "variables", "extensions"} {
		v := params.Get(name)
		if utf8.ValidString(v) {
			continue
		}
		var gqlErr *gqlerror.Error
		switch {
		case name == "query":
			gqlErr = invalidUTF8Query(v)
		case name == "variables" && json.Valid([]byte(v)):
			gqlErr = invalidUTF8Variable([]byte(v))
		default:
			gqlErr = invalidUTF8Member(name)
		}
		writeInvalidUTF8(w, gqlErr)
		return false
	}
	return true
}

// validUTF8Body checks the body of a streaming (SSE) POST, which gqlgen's
// transport decodes; when it is valid JSON but not valid UTF-8 it answers
// 400 with an INVALID_ARGUMENT error naming the member and reports false.
// Otherwise r.Body is replaced with what was read (and any read error,
// e.g. the body limit, for the transport to report).
func validUTF8Body(w http.ResponseWriter, r *http.Request) bool {
	b, err := io.ReadAll(r.Body)
	if err == nil && !utf8.Valid(b) && json.Valid(b) {
		writeInvalidUTF8(w, invalidUTF8Body(b))
		return false
	}
	var rest io.Reader = bytes.NewReader(b)
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	}
	r.Body = io.NopCloser(rest)
	return true
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func writeInvalidUTF8(w http.ResponseWriter, err *gqlerror.Error) {
	w.Header()["Content-Type"] = contentTypeJSON
	w.WriteHeader(http.StatusBadRequest)
	writeResponse(w, &graphql.Response{Errors: gqlerror.List{err}}, new(bytes.Buffer))
}
