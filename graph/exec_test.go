package graph_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
)

const allFields = `s b i i8 i16 i32 i64 u u8 u16 u32 u64 f32 f64 t d raw any js m c mood p l lp
	addr { street zip } addrP { street zip } addrs { street zip } opt old`

func TestEchoLiterals(t *testing.T) {
	h := server(t, mustSchema(t, newKitchenApp()), true)
	q := `{ echo(
		s: "héllo \"q\"\n", b: true, i: -2147483648, i8: -128, i16: 32767, i32: 2147483647,
		i64: 9223372036854775807, u: 2147483647, u8: 255, u16: 65535, u32: 4294967295,
		u64: 18446744073709551615, f32: 1.5, f64: 1e-7, t: "2024-02-29T12:30:00.123+01:00",
		d: "1m30s", raw: "aGk=", any: {a: [1, "x", null]}, js: [true], m: {one: 1, two: 2},
		c: GREEN, mood: "sad", p: "pointed", l: "single", lp: [1, null, 3],
		addr: {street: "Main St 1", zip: "12345"}, addrP: {street: "Side"}, addrs: [{street: "A"}, {street: "B", zip: "54321"}],
		opt: "", old: "legacy"
	) { ` + allFields + ` } }`
	got := post(t, h, q, nil)
	if got.Errors != nil {
		t.Fatalf("errors: %+v", got.Errors)
	}
	want := `{"echo":{"s":"héllo \"q\"\n","b":true,"i":-2147483648,"i8":-128,"i16":32767,"i32":2147483647,
		"i64":9223372036854775807,"u":2147483647,"u8":255,"u16":65535,"u32":4294967295,
		"u64":18446744073709551615,"f32":1.5,"f64":1e-7,"t":"2024-02-29T12:30:00.123+01:00",
		"d":90000000000,"raw":"aGk=","any":{"a":[1,"x",null]},"js":[true],"m":{"one":1,"two":2},
		"c":"GREEN","mood":"sad","p":"pointed","l":["single"],"lp":[1,null,3],
		"addr":{"street":"Main St 1","zip":"12345"},"addrP":{"street":"Side","zip":null},
		"addrs":[{"street":"A","zip":null},{"street":"B","zip":"54321"}],"opt":null,"old":"legacy"}}`
	// Compare numbers textually: uint64 max does not survive float64.
	if diff := cmp.Diff(strings.Join(strings.Fields(want), ""), strings.Join(strings.Fields(string(got.Data)), "")); diff != "" {
		t.Errorf("data differs (-want +got):\n%s", diff)
	}
}

func TestEchoVariables(t *testing.T) {
	h := server(t, mustSchema(t, newKitchenApp()), true)
	q := `query Echo($s: String, $i64: Int64, $u64: Uint64, $t: Time, $d: Duration, $raw: Bytes, $any: JSON,
		$m: JSON, $c: Color, $l: [String!], $lp: [Int], $addr: AddressInput, $addrs: [AddressInput!], $f64: Float) {
		echo(s: $s, i64: $i64, u64: $u64, t: $t, d: $d, raw: $raw, any: $any, m: $m, c: $c, l: $l, lp: $lp,
			addr: $addr, addrs: $addrs, f64: $f64) { s i64 u64 t d raw any m c l lp addr { street zip } addrs { street } f64 }
	}`
	vars := map[string]any{
		"s": "from vars", "i64": "-42", "u64": json.Number("18446744073709551615"), "t": "2024-01-02T03:04:05Z",
		"d": 1500, "raw": "AAEC", "any": map[string]any{"k": []any{1.5, true}}, "m": map[string]any{"x": 3},
		"c": "BLUE", "l": "solo", "lp": []any{nil, 2}, "addr": map[string]any{"street": "V", "zip": "11111"},
		"addrs": map[string]any{"street": "only"}, "f64": 2,
	}
	got := post(t, h, q, vars)
	if got.Errors != nil {
		t.Fatalf("errors: %+v", got.Errors)
	}
	want := `{"echo":{"s":"from vars","i64":-42,"u64":18446744073709551615,"t":"2024-01-02T03:04:05Z","d":1500,` +
		`"raw":"AAEC","any":{"k":[1.5,true]},"m":{"x":3},"c":"BLUE","l":["solo"],"lp":[null,2],` +
		`"addr":{"street":"V","zip":"11111"},"addrs":[{"street":"only"}],"f64":2}}`
	if diff := cmp.Diff(want, string(got.Data)); diff != "" {
		t.Errorf("data differs (-want +got):\n%s", diff)
	}
}

func TestInvalidArguments(t *testing.T) {
	h := server(t, mustSchema(t, newKitchenApp()), true)
	tests := []struct {
		name       string
		give       string
		vars       map[string]any
		wantCode   string
		wantFields []string
	}{
		{name: "int64 literal too large", give: `{ echo(i64: 9223372036854775808, c: RED) { s } }`, wantCode: "INVALID_ARGUMENT", wantFields: []string{"i64"}},
		{name: "int variable beyond 32 bits", give: `query($i: Int) { echo(i: $i, c: RED) { s } }`, vars: map[string]any{"i": 1 << 40}, wantCode: "INVALID_ARGUMENT", wantFields: []string{"i"}},
		{name: "uint8 out of range", give: `{ echo(u8: 256, c: RED) { s } }`, wantCode: "INVALID_ARGUMENT", wantFields: []string{"u8"}},
		{name: "enum value by variable", give: `query($c: Color) { echo(c: $c) { s } }`, vars: map[string]any{"c": "red"}, wantCode: "INVALID_ARGUMENT", wantFields: []string{"c"}},
		{name: "bad time", give: `{ echo(t: "yesterday", c: RED) { s } }`, wantCode: "INVALID_ARGUMENT", wantFields: []string{"t"}},
		{name: "bad base64 and duration", give: `{ echo(raw: "%%%", d: "soon", c: RED) { s } }`, wantCode: "INVALID_ARGUMENT", wantFields: []string{"d", "raw"}},
		{name: "nested list element", give: `query($a: [AddressInput!]) { echo(addrs: $a, c: RED) { s } }`, vars: map[string]any{"a": []any{map[string]any{"street": "x"}, map[string]any{"street": 5}}}, wantCode: "INVALID_ARGUMENT", wantFields: []string{"addrs[1].street"}},
		{name: "validation", give: `mutation { create(title: "x", address: {street: "s", zip: "1"}, tags: ["a","b","c","d"]) { id } }`, wantCode: "INVALID_ARGUMENT", wantFields: []string{"title", "address.zip", "tags"}},
		{name: "unknown argument", give: `{ echo(nope: 1) { s } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown field", give: `{ echo { nope } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "missing required", give: `mutation { create(title: "abc") { id } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := post(t, h, tt.give, tt.vars)
			if len(got.Errors) == 0 {
				t.Fatalf("no error; data %s", got.Data)
			}
			e := got.Errors[0]
			if code := e.Extensions["code"]; code != tt.wantCode {
				t.Fatalf("code %v, want %s (%+v)", code, tt.wantCode, got.Errors)
			}
			var fields []string
			if vs, ok := e.Extensions["violations"].([]any); ok {
				for _, v := range vs {
					fields = append(fields, v.(map[string]any)["field"].(string))
				}
			}
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("violations (-want +got):\n%s\n%+v", diff, e)
			}
		})
	}
}

func TestErrorsAndPartialResults(t *testing.T) {
	h := server(t, mustSchema(t, newKitchenApp()), true)
	got := post(t, h, `{
		a: fail(code: "NOT_FOUND") { ok }
		b: tree { name }
		c: fail(code: "plain") { ok }
		d: fail(code: "panic") { ok }
		e: fail(code: "failed_precondition") { ok }
	}`, nil)
	if diff := cmp.Diff(`{"a":null,"b":{"name":"root"},"c":null,"d":null,"e":null}`, string(got.Data)); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	want := []gqlError{
		{Message: "failed with NOT_FOUND", Path: []any{"a"}, Locations: []any{map[string]any{"line": 2.0, "column": 3.0}},
			Extensions: map[string]any{"code": "NOT_FOUND", "details": map[string]any{"code": "NOT_FOUND"}}},
		{Message: "internal error", Path: []any{"c"}, Locations: []any{map[string]any{"line": 4.0, "column": 3.0}},
			Extensions: map[string]any{"code": "INTERNAL"}},
		{Message: "internal error", Path: []any{"d"}, Locations: []any{map[string]any{"line": 5.0, "column": 3.0}},
			Extensions: map[string]any{"code": "INTERNAL"}},
		{Message: "failed with failed_precondition", Path: []any{"e"}, Locations: []any{map[string]any{"line": 6.0, "column": 3.0}},
			Extensions: map[string]any{"code": "FAILED_PRECONDITION", "details": map[string]any{"code": "failed_precondition"}}},
	}
	if diff := cmp.Diff(want, got.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestNullBubbling(t *testing.T) {
	h := server(t, mustSchema(t, newKitchenApp()), true)
	got := post(t, h, `{ big { lenient { n label } } }`, nil)
	if diff := cmp.Diff(`{"big":{"lenient":[{"n":1,"label":"one"},null,null,{"n":3,"label":"three"}]}}`, string(got.Data)); diff != "" {
		t.Errorf("lenient (-want +got):\n%s", diff)
	}
	wantErr := []gqlError{{
		Message:    "Int cannot represent non 32-bit signed integer value: 1099511627776",
		Path:       []any{"big", "lenient", 1.0, "n"},
		Locations:  []any{map[string]any{"line": 1.0, "column": 19.0}},
		Extensions: map[string]any{"code": "INTERNAL"},
	}}
	if diff := cmp.Diff(wantErr, got.Errors); diff != "" {
		t.Errorf("lenient errors (-want +got):\n%s", diff)
	}
	// A non-null list element nulls the list, which nulls big.
	got = post(t, h, `{ big { strict { label n } } t: tree { name } }`, nil)
	if diff := cmp.Diff(`{"big":null,"t":{"name":"root"}}`, string(got.Data)); diff != "" {
		t.Errorf("strict (-want +got):\n%s", diff)
	}
	if len(got.Errors) != 1 || cmp.Diff([]any{"big", "strict", 1.0, "n"}, got.Errors[0].Path) != "" {
		t.Errorf("strict errors: %+v", got.Errors)
	}
	// The zero value of an enum is not a value of the enum.
	got = post(t, h, `{ echo(s: "x") { s c } }`, nil)
	if string(got.Data) != `{"echo":null}` || len(got.Errors) != 1 || got.Errors[0].Message != `Enum Color cannot represent value ""` {
		t.Errorf("enum zero value: %s %+v", got.Data, got.Errors)
	}
}

func TestSelections(t *testing.T) {
	h := server(t, mustSchema(t, newKitchenApp()), true)
	tests := []struct {
		name string
		give string
		vars map[string]any
		want string
	}{
		{
			name: "aliases and typename",
			give: `{ x: tree { n: name __typename children { name } } y: tree { name } __typename }`,
			want: `{"x":{"n":"root","__typename":"Node","children":[{"name":"a"},{"name":"b"}]},"y":{"name":"root"},"__typename":"Query"}`,
		},
		{
			name: "fragments",
			give: `query { tree { ...N children { ... on Node { name } children { ...N } } } }
				fragment N on Node { name }`,
			want: `{"tree":{"name":"root","children":[{"name":"a","children":null},{"name":"b","children":[{"name":"b1"}]}]}}`,
		},
		{
			name: "merged fields",
			give: `{ tree { name children { name } ... { children { children { name } } } } }`,
			want: `{"tree":{"name":"root","children":[{"name":"a","children":null},{"name":"b","children":[{"name":"b1"}]}]}}`,
		},
		{
			name: "skip and include literals",
			give: `{ tree { name @skip(if: true) children @include(if: false) { name } __typename } }`,
			want: `{"tree":{"__typename":"Node"}}`,
		},
		{
			name: "skip by variable (true)",
			give: `query($s: Boolean!) { tree { name @skip(if: $s) children { name } } }`,
			vars: map[string]any{"s": true},
			want: `{"tree":{"children":[{"name":"a"},{"name":"b"}]}}`,
		},
		{
			name: "skip by variable (false)",
			give: `query($s: Boolean!) { tree { name @skip(if: $s) children { name } } }`,
			vars: map[string]any{"s": false},
			want: `{"tree":{"name":"root","children":[{"name":"a"},{"name":"b"}]}}`,
		},
		{
			name: "include root field by variable",
			give: `query($i: Boolean!) { tree @include(if: $i) { name } big { lenient { label } } }`,
			vars: map[string]any{"i": false},
			want: `{"big":{"lenient":[{"label":"one"},{"label":"huge"},null,{"label":"three"}]}}`,
		},
		{
			name: "defer is delivered inline",
			give: `{ tree { ... @defer { name } } }`,
			want: `{"tree":{"name":"root"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Twice: the second run is served from the plan cache.
			for range 2 {
				got := post(t, h, tt.give, tt.vars)
				if got.Errors != nil {
					t.Fatalf("errors: %+v", got.Errors)
				}
				if diff := cmp.Diff(tt.want, string(got.Data)); diff != "" {
					t.Fatalf("data (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestMiddlewareOncePerOperationField(t *testing.T) {
	var appCalls, rootCalls, fieldCalls atomic.Int32
	var seen []string
	a := newKitchenApp(app.Use(func(next app.Handler) app.Handler {
		return func(ctx context.Context, call *app.Call) (any, error) {
			appCalls.Add(1)
			seen = append(seen, call.Protocol.String()+" "+call.Route+" "+call.Metadata.Get("X-Tenant"))
			return next(ctx, call)
		}
	}))
	s := mustSchema(t, a)
	srv := handler.New(s.Executable())
	srv.AddTransport(transport.POST{})
	srv.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		rootCalls.Add(1)
		return next(ctx)
	})
	srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
		fieldCalls.Add(1)
		fc := graphql.GetFieldContext(ctx)
		if fc.Object != "Query" || !fc.IsResolver || fc.Field.Name != "tree" && fc.Args["s"] != "x" {
			t.Errorf("field context %+v", fc)
		}
		return next(ctx)
	})
	got := post(t, srv, `{ a: tree { name children { name children { name } } } b: echo(s: "x", c: RED) { s addrs { street } } __typename }`, nil, "X-Tenant", "acme")
	if got.Errors != nil {
		t.Fatalf("errors: %+v", got.Errors)
	}
	if n := appCalls.Load(); n != 2 {
		t.Errorf("app middleware ran %d times, want 2", n)
	}
	if n := rootCalls.Load(); n != 2 {
		t.Errorf("root field middleware ran %d times, want 2", n)
	}
	if n := fieldCalls.Load(); n != 2 {
		t.Errorf("field middleware ran %d times, want 2 (nested fields are plain data)", n)
	}
	if diff := cmp.Diff([]string{"graphql Query.tree acme", "graphql Query.echo acme"}, seen); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestMiddlewareReplacesResult(t *testing.T) {
	s := mustSchema(t, newKitchenApp())
	srv := handler.New(s.Executable())
	srv.AddTransport(transport.POST{})
	srv.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		if graphql.GetRootFieldContext(ctx).Field.Alias == "blocked" {
			graphql.AddError(ctx, gqlerror.Errorf("blocked by policy"))
			return graphql.Null
		}
		return next(ctx)
	})
	got := post(t, srv, `{ blocked: tree { name } open: tree { name } }`, nil)
	if diff := cmp.Diff(`{"blocked":null,"open":{"name":"root"}}`, string(got.Data)); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if len(got.Errors) != 1 || got.Errors[0].Message != "blocked by policy" {
		t.Errorf("errors: %+v", got.Errors)
	}
}

func TestIntrospectionDisabled(t *testing.T) {
	h := server(t, mustSchema(t, newHelloApp()), false)
	got := post(t, h, `{ __schema { queryType { name } } __typename }`, nil)
	if string(got.Data) != `{"__schema":null,"__typename":"Query"}` {
		t.Errorf("data %s", got.Data)
	}
	if len(got.Errors) != 1 || got.Errors[0].Message != "introspection disabled" {
		t.Errorf("errors %+v", got.Errors)
	}
}

func TestIntrospectionType(t *testing.T) {
	h := server(t, mustSchema(t, newKitchenApp()), true)
	got := post(t, h, `{
		c: __type(name: "Color") { kind name description enumValues { name } fields { name } ofType { name } }
		v: __type(name: "Values") { fields(includeDeprecated: false) { name } }
		o: __type(name: "Values") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } }
		n: __type(name: "Nope") { name }
	}`, nil)
	if got.Errors != nil {
		t.Fatalf("errors: %+v", got.Errors)
	}
	var data struct {
		C json.RawMessage
		V struct{ Fields []struct{ Name string } }
		O struct {
			Fields []struct {
				Name              string
				IsDeprecated      bool
				DeprecationReason *string
			}
		}
		N json.RawMessage
	}
	if err := json.Unmarshal(got.Data, &data); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"kind":"ENUM","name":"Color","description":"A primary colour.","enumValues":[{"name":"RED"},{"name":"GREEN"},{"name":"BLUE"}],"fields":null,"ofType":null}`, string(data.C)); diff != "" {
		t.Errorf("Color (-want +got):\n%s", diff)
	}
	for _, f := range data.V.Fields {
		if f.Name == "old" {
			t.Errorf("deprecated field listed without includeDeprecated")
		}
	}
	last := data.O.Fields[len(data.O.Fields)-1]
	if last.Name != "old" || !last.IsDeprecated || last.DeprecationReason == nil || *last.DeprecationReason != "use s" {
		t.Errorf("deprecated field: %+v", last)
	}
	if string(data.N) != "null" {
		t.Errorf("unknown type: %s", data.N)
	}
}

func TestErrorFor(t *testing.T) {
	for _, c := range app.Codes() {
		if c == app.CodeOK {
			continue
		}
		got := graph.ErrorFor(app.NewError(c, "msg"))
		if got.Extensions["code"] != c.Upper() || got.Message != "msg" {
			t.Errorf("%v: %+v", c, got)
		}
	}
	tests := []struct {
		give error
		want string
	}{
		{give: context.Canceled, want: "CANCELED"},
		{give: context.DeadlineExceeded, want: "DEADLINE_EXCEEDED"},
		{give: json.Unmarshal([]byte("{"), new(any)), want: "INTERNAL"},
	}
	for _, tt := range tests {
		if got := graph.ErrorFor(tt.give).Extensions["code"]; got != tt.want {
			t.Errorf("%v: got %v, want %s", tt.give, got, tt.want)
		}
	}
	v := graph.ErrorFor(app.InvalidArgument("bad", app.FieldViolation{Field: "a", Description: "b"}))
	if diff := cmp.Diff([]app.FieldViolation{{Field: "a", Description: "b"}}, v.Extensions["violations"]); diff != "" {
		t.Errorf("violations: %s", diff)
	}
}

func TestHello(t *testing.T) {
	srv := handler.New(mustSchema(t, newHelloApp()).Executable())
	srv.AddTransport(transport.POST{})
	srv.Use(extension.Introspection{})
	got := post(t, srv, `{ hello(name: "Ada") { message } }`, nil)
	if string(got.Data) != `{"hello":{"message":"Hello, Ada!"}}` || got.Errors != nil {
		t.Errorf("got %s %+v", got.Data, got.Errors)
	}
}
