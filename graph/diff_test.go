package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/graph"
	"github.com/allframe-go/allframe/graph/internal/gqlgendiff"
)

// The differential test runs the same requests against package graph's
// runtime executor and against a gqlgen-generated server for the same
// schema (graph/internal/gqlgendiff, whose resolvers call the same
// operations), both behind the same gqlgen handler, and requires the same
// HTTP status, the same data and the same errors: paths, locations,
// extensions and messages, up to the wording differences normaliseError
// lists. Errors are compared as a set: neither gqlgen nor the GraphQL
// specification orders them.
//
// The requests are a table of hand-written cases plus diffGenerated
// requests from queryGen (go test), and FuzzDifferential mutates them:
//
//	go test -run '^$' -fuzz FuzzDifferential -fuzztime 1m ./graph/

// diffGenerated is how many generated requests go test runs.
const diffGenerated = 400

// diffPair is the two servers under comparison.
type diffPair struct {
	runtime, gqlgen http.Handler
}

func newDiffPair(t testing.TB) *diffPair {
	t.Helper()
	a := gqlgendiff.NewApp()
	s, err := graph.New(a)
	if err != nil {
		t.Fatal(err)
	}
	return &diffPair{
		runtime: gqlgendiff.Serve(s.Executable()),
		gqlgen:  gqlgendiff.NewServer(a),
	}
}

// diffResponse is a response decoded for comparison.
type diffResponse struct {
	Status int
	Data   any
	Errors []diffError
}

type diffError struct {
	Message    string
	Path       string
	Locations  string
	Extensions map[string]any
}

func serveDiff(t testing.TB, h http.Handler, body []byte) diffResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var raw struct {
		Data   any `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Path       []any          `json:"path"`
			Locations  []any          `json:"locations"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
	resp := diffResponse{Status: w.Code, Data: raw.Data}
	for _, e := range raw.Errors {
		path, _ := json.Marshal(e.Path)
		locs, _ := json.Marshal(e.Locations)
		resp.Errors = append(resp.Errors, normaliseError(diffError{Message: e.Message, Path: string(path), Locations: string(locs), Extensions: e.Extensions}))
	}
	slices.SortFunc(resp.Errors, func(a, b diffError) int {
		return strings.Compare(a.Path+"\x00"+a.Message, b.Path+"\x00"+b.Message)
	})
	return resp
}

// Known wording differences, normalised on both sides to one text:
var (
	// A value outside its enum in an output position. Package graph says
	// `Enum Color cannot represent value "PURPLE"` (graphql-js's wording, code
	// INTERNAL); gqlgen, whose marshaler returns null for it in a non-null
	// list item, says `cannot return null for non-null element of field
	// Shape.colors (Color): the marshaler returned null for a non-nil value`
	// with no code and no locations (the specification says an error
	// "should" have locations, §7.1.2). Both are the field error the
	// specification requires (result coercion of an enum, §3.9), at the
	// same path; the message, code and locations are not compared.
	enumRuntime = regexp.MustCompile(`^Enum (\w+) cannot represent value ".*"$`)
	enumGqlgen  = regexp.MustCompile(`^cannot return null for non-null (?:element of )?field \w+\.\w+ \((\w+)!?\): the marshaler returned null for a non-nil value$`)
)

func normaliseError(e diffError) diffError {
	for _, re := range []*regexp.Regexp{enumRuntime, enumGqlgen} {
		if m := re.FindStringSubmatch(e.Message); m != nil {
			e.Message = "<" + m[1] + " cannot represent the value>"
			e.Extensions, e.Locations = nil, ""
		}
	}
	return e
}

// check runs one request on both servers and reports any difference.
func (p *diffPair) check(t testing.TB, query string, vars map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	p.checkBody(t, body)
}

func (p *diffPair) checkBody(t testing.TB, body []byte) {
	t.Helper()
	got := serveDiff(t, p.runtime, body)
	want := serveDiff(t, p.gqlgen, body)
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("runtime executor and gqlgen differ on %s (-runtime +gqlgen):\n%s", body, diff)
	}
}

func TestDiffSchemaMatchesGqlgenSchema(t *testing.T) {
	s, err := graph.New(gqlgendiff.NewApp())
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("internal", "gqlgendiff", "schema.graphqls"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.SDL()+"\n", string(want)); diff != "" {
		t.Errorf("graph/internal/gqlgendiff/schema.graphqls differs from the schema graph derives; copy the SDL there and regenerate (-graph +file):\n%s", diff)
	}
}

// diffCases are the hand-written requests: each names what it exercises.
var diffCases = []struct {
	name  string
	query string
	vars  map[string]any
}{
	{"scalars and enums", `{ shapes(count: 3) { total strict { id name color alt tags weight round } } }`, nil},
	{"nulls in nested lists", `{ shapes(count: 4, ids: [1, 2, 3, 7]) { lenient { id } grid { shapes { id scores matrix { cells } } } } }`, nil},
	{"aliases", `{ a: shapes(count: 2) { x: total y: strict { z: id } } b: shapes(count: 1, seed: 2) { total } }`, nil},
	{"__typename", `{ __typename shapes(count: 1) { __typename strict { __typename kids { __typename id } } } }`, nil},
	{"named fragments", `query { shapes(count: 3) { strict { ...S child { ...S } } } } fragment S on Shape { id color ...T } fragment T on Shape { tags }`, nil},
	{"inline fragments", `{ shapes(count: 2) { ... on ShapesOut { total } ... { strict { ... on Shape { id } } } } }`, nil},
	{"skip and include", `query($yes: Boolean!, $no: Boolean = false) { shapes(count: 2) { total @skip(if: $yes) strict @include(if: $yes) { id @include(if: $no) name ... @skip(if: $no) { color } } } }`, map[string]any{"yes": true}},
	{"variables with defaults", `query($n: Int = 3, $c: Color = GREEN) { shapes(count: $n, color: $c) { echo { count color } strict { color } } }`, nil},
	{"variables set to null", `query($n: Int = 3, $c: Color = GREEN) { shapes(count: $n, color: $c) { echo { count color } } }`, map[string]any{"n": nil, "c": nil}},
	{"list variables", `query($ids: [Int!], $names: [String]) { shapes(ids: $ids, names: $names) { echo { ids names } } }`, map[string]any{"ids": []any{1, 2}, "names": []any{"a", nil, "b"}}},
	{"list coercion of one value", `query($ids: [Int!]) { shapes(ids: $ids, names: "one") { echo { ids names } } }`, map[string]any{"ids": 5}},
	{"input objects", `query($f: FilterInput) { shapes(filter: $f) { echo { filter { colors min names exact inner { colors min inner { min } } } } } }`,
		map[string]any{"f": map[string]any{"colors": []any{"RED", "BLUE"}, "min": 2, "names": []any{nil, "x"}, "inner": map[string]any{"colors": "GREEN", "exact": nil}}}},
	{"input object literal with variables", `query($m: Int, $e: Boolean) { shapes(filter: {min: $m, exact: $e, colors: [RED], inner: {names: ["a", null]}}) { echo { filter { min exact colors inner { names } } } } }`, map[string]any{"m": 4}},
	{"resolver error", `{ ok: shapes(count: 1) { total } bad: shapes(seed: 13) { total } }`, nil},
	{"validation error", `{ shapes(count: 21) { total } shape(id: 0) { id } }`, nil},
	{"error in a non-null item bubbles to the root field", `{ shapes(count: 3, bad: 2) { total strict { id color } } }`, nil},
	{"error in a nullable item is null in place", `{ shapes(count: 3, bad: 2) { total lenient { id color } } }`, nil},
	{"error in a nullable field", `{ shapes(count: 4, bad: 2) { strict { id alt } } }`, nil},
	{"error in a non-null item of a scalar list", `{ shapes(count: 4, bad: 1) { lenient { id colors } } }`, nil},
	{"errors in several items", `{ shapes(count: 8, bad: 1) { lenient { id color alt colors } } }`, nil},
	{"errors in several non-null items", `{ shapes(count: 8, bad: 1) { strict { id color alt colors } } }`, nil},
	{"errors deep in nested lists", `{ shapes(ids: [10, 11, 21], bad: 11) { grid { shapes { id color kids { id color } child { color } } } } }`, nil},
	{"error under an alias and a fragment", `{ s: shape(id: 4, bad: 4) { ...C } t: shape(id: 5, bad: 4) { ...C } } fragment C on Shape { c: color a: alt }`, nil},
	{"mutation", `mutation($c: Color!) { paint(color: $c, ids: [1, -1, 2]) { color shapes { id color } } }`, map[string]any{"c": "BLUE"}},
	{"mutation validation error", `mutation { paint(color: RED, ids: []) { color } }`, nil},
	{"non-null variable missing", `query($n: Int!) { shapes(count: $n) { total } }`, nil},
	{"null for a non-null argument", `query($id: Int!) { shape(id: $id) { id } }`, map[string]any{"id": nil}},
	{"null in a non-null list item", `query($ids: [Int!]) { shapes(ids: $ids) { total } }`, map[string]any{"ids": []any{1, nil}}},
	{"bad enum variable", `query($c: Color) { shapes(color: $c) { total } }`, map[string]any{"c": "PURPLE"}},
}

// gqlgenDeviations are requests on which gqlgen departs from the GraphQL
// specification, so it is no reference: each names the rule, and the
// runtime executor's errors (path and normalised message) must be want.
var gqlgenDeviations = []struct {
	name  string
	query string
	vars  map[string]any
	rule  string
	want  []string
}{
	{"Int out of range literal", `{ shapes(count: 2147483648) { total } }`, nil, int32Rule,
		[]string{`["shapes"] invalid count: must be an integer between -2147483648 and 2147483647`}},
	{"Int out of range variable", `query($n: Int) { shapes(count: $n) { total } }`, map[string]any{"n": int64(1) << 40}, int32Rule,
		[]string{`["shapes"] invalid count: must be an integer between -2147483648 and 2147483647`}},
	{"enum value outside the enum in a nullable list item", `{ shape(id: 1, bad: 999) { maybe } }`, nil, enumRule,
		[]string{`["shape","maybe",2] <Color cannot represent the value>`}},
}

func TestDifferential(t *testing.T) {
	p := newDiffPair(t)
	for _, tt := range diffCases {
		t.Run(tt.name, func(t *testing.T) {
			p.check(t, tt.query, tt.vars)
		})
	}
	s, err := graph.New(gqlgendiff.NewApp())
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(diffGenerated) {
		req := newQueryGen(s.AST(), seed).request()
		t.Run(fmt.Sprintf("generated/%d", seed), func(t *testing.T) {
			p.check(t, req.Query, req.Variables)
		})
	}
}

// int32Rule is where gqlgen departs from the specification on Int: it
// binds Int to Go's int and accepts any 64-bit value, where Int is a signed
// 32-bit integer and input coercion must reject a value outside that range
// (GraphQL spec, October 2021, §3.5.1 Int, "Input Coercion"). Package graph
// rejects it with invalid_argument. Requests holding a number of ten or
// more digits are left out of the fuzzer's comparison for this reason.
const int32Rule = "§3.5.1 Int: input coercion rejects a value outside 32 bits"

// enumRule is where gqlgen departs from the specification on an enum
// value it cannot serialise in a nullable position: its marshaler's null is
// written without an error, where result coercion must raise a field error
// (§3.9 Enums, "Result Coercion"; §6.4.3 CompleteValue). Package graph
// reports it. Requests holding gqlgendiff.NullableItemBad (999), which
// plants such values, are left out of the fuzzer's comparison.
const enumRule = "§3.9 Enums: a value outside the enum is a field error, also in a nullable position"

var (
	longNumber      = regexp.MustCompile(`[0-9]{10}`)
	nullableItemBad = strconv.Itoa(gqlgendiff.NullableItemBad)
)

func TestGqlgenDeviations(t *testing.T) {
	p := newDiffPair(t)
	for _, tt := range gqlgenDeviations {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]any{"query": tt.query, "variables": tt.vars})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range serveDiff(t, p.runtime, body).Errors {
				got = append(got, e.Path+" "+e.Message)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("runtime executor errors (-got +want):\n%s", diff)
			}
			// Proof that gqlgen still departs here; when it stops, move the
			// case to diffCases.
			if gq := serveDiff(t, p.gqlgen, body); cmp.Equal(gq.Errors, serveDiff(t, p.runtime, body).Errors) {
				t.Errorf("gqlgen now answers as the runtime executor does (%s): move %q to diffCases", tt.rule, tt.name)
			}
		})
	}
}

func FuzzDifferential(f *testing.F) {
	add := func(query string, vars map[string]any) {
		b, err := json.Marshal(vars)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(query, string(b))
	}
	for _, tt := range diffCases {
		add(tt.query, tt.vars)
	}
	s, err := graph.New(gqlgendiff.NewApp())
	if err != nil {
		f.Fatal(err)
	}
	for seed := range uint64(100) {
		req := newQueryGen(s.AST(), seed).request()
		add(req.Query, req.Variables)
	}
	p := newDiffPair(f)
	f.Fuzz(func(t *testing.T, query, vars string) {
		if !json.Valid([]byte(vars)) {
			return
		}
		if longNumber.MatchString(query) || longNumber.MatchString(vars) {
			t.Skip(int32Rule)
		}
		if strings.Contains(query, nullableItemBad) || strings.Contains(vars, nullableItemBad) {
			t.Skip(enumRule)
		}
		body, err := json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(vars)})
		if err != nil {
			t.Fatal(err)
		}
		p.checkBody(t, body)
	})
}
