package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
	"github.com/allframe-go/allframe/graph/graphtest"
)

func TestSDLGolden(t *testing.T) {
	tests := []struct {
		give *app.App
		want string
	}{
		{give: newHelloApp(), want: "hello.graphql"},
		{give: newKitchenApp(), want: "kitchen.graphql"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			s := mustSchema(t, tt.give)
			golden(t, tt.want, s.SDL()+"\n")
			if s.AST().Query == nil || s.AST().Types["Query"] == nil {
				t.Fatalf("AST has no Query type")
			}
		})
	}
}

func TestSDLMapping(t *testing.T) {
	s := mustSchema(t, newKitchenApp())
	def := s.AST().Types["Values"]
	tests := []struct {
		give string
		want string
	}{
		{give: "s", want: "String!"},
		{give: "i", want: "Int!"},
		{give: "i8", want: "Int!"},
		{give: "i32", want: "Int!"},
		{give: "i64", want: "Int64!"},
		{give: "u", want: "Int!"},
		{give: "u16", want: "Int!"},
		{give: "u32", want: "Int64!"},
		{give: "u64", want: "Uint64!"},
		{give: "f32", want: "Float!"},
		{give: "t", want: "Time!"},
		{give: "d", want: "Duration!"},
		{give: "raw", want: "Bytes!"},
		{give: "any", want: "JSON"},
		{give: "js", want: "JSON"},
		{give: "m", want: "JSON!"},
		{give: "c", want: "Color!"},
		{give: "mood", want: "String!"},
		{give: "p", want: "String"},
		{give: "l", want: "[String!]!"},
		{give: "lp", want: "[Int]!"},
		{give: "addr", want: "Address!"},
		{give: "addrP", want: "Address"},
		{give: "addrs", want: "[Address!]!"},
		{give: "opt", want: "String"},
	}
	for _, tt := range tests {
		f := def.Fields.ForName(tt.give)
		if f == nil {
			t.Errorf("Values.%s missing", tt.give)
			continue
		}
		if got := f.Type.String(); got != tt.want {
			t.Errorf("Values.%s: got %s, want %s", tt.give, got, tt.want)
		}
	}
	echo := s.AST().Query.Fields.ForName("echo")
	if got := echo.Arguments.ForName("addrs").Type.String(); got != "[AddressInput!]" {
		t.Errorf("echo(addrs): got %s, want [AddressInput!]", got)
	}
	create := s.AST().Mutation.Fields.ForName("create")
	tests2 := []struct {
		give string
		want string
	}{
		{give: "title", want: "String!"},
		{give: "address", want: "AddressInput!"},
		{give: "tags", want: "[String!]"},
	}
	for _, tt := range tests2 {
		if got := create.Arguments.ForName(tt.give).Type.String(); got != tt.want {
			t.Errorf("create(%s): got %s, want %s", tt.give, got, tt.want)
		}
	}
	if create.Arguments.ForName("nothing") != nil {
		t.Errorf("create(nothing:) is an empty input struct and must be left out")
	}
	if got := s.AST().Subscription.Fields.ForName("ticks").Type.String(); got != "Tick" {
		t.Errorf("Subscription.ticks: got %s, want Tick", got)
	}
}

// Clash is named like a root type.
type Query struct {
	X int `json:"x"`
}

// Time clashes with the Time scalar.
type Time struct {
	At time.Time `json:"at"`
}

// Point is used as input and output; PointInput clashes with its input.
type Point struct {
	X int `json:"x"`
}

// PointInput is an output type named like Point's input object.
type PointInput struct {
	P Point `json:"p"`
}

// BadName has a JSON name that is not a GraphQL name.
type BadName struct {
	UserID string `json:"user-id"`
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		give func(a *app.App)
		want string
	}{
		{
			name: "root type clash",
			give: func(a *app.App) {
				app.Query(a, "q", func(context.Context, Empty) (Query, error) { return Query{}, nil })
			},
			want: `type name "Query" clashes: used by the Query root type and Go type graph_test.Query`,
		},
		{
			name: "scalar clash",
			give: func(a *app.App) {
				app.Query(a, "q", func(context.Context, Empty) (Time, error) { return Time{}, nil })
			},
			want: `type name "Time" clashes`,
		},
		{
			name: "input name clash",
			give: func(a *app.App) {
				app.Query(a, "q", func(context.Context, PointInput) (PointInput, error) { return PointInput{}, nil })
			},
			want: `type name "PointInput" clashes: used by the input of Go type graph_test.Point and Go type graph_test.PointInput`,
		},
		{
			name: "invalid field name",
			give: func(a *app.App) {
				app.Query(a, "q", func(context.Context, Empty) (BadName, error) { return BadName{}, nil })
			},
			want: `JSON name "user-id" is not a valid GraphQL name`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := app.New()
			tt.give(a)
			_, err := graph.New(a)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNoQueries(t *testing.T) {
	a := app.New()
	app.Command(a, "do", func(context.Context, Empty) (Empty, error) { return Empty{}, nil })
	s := mustSchema(t, a)
	h := server(t, s, true)
	got := post(t, h, `{ ok __typename }`, nil)
	if diff := cmp.Diff(`{"ok":true,"__typename":"Query"}`, string(got.Data)); diff != "" || got.Errors != nil {
		t.Errorf("query: %s %+v", diff, got.Errors)
	}
	got = post(t, h, `mutation { do { ok __typename } }`, nil)
	if diff := cmp.Diff(`{"do":{"ok":true,"__typename":"Empty"}}`, string(got.Data)); diff != "" || got.Errors != nil {
		t.Errorf("mutation: %s %+v", diff, got.Errors)
	}
}

func TestIntrospectionMatchesSDL(t *testing.T) {
	for _, a := range []*app.App{newHelloApp(), newKitchenApp()} {
		t.Run(a.Name(), func(t *testing.T) {
			s := mustSchema(t, a)
			got := post(t, server(t, s, true), graphtest.IntrospectionQuery, nil)
			if got.Errors != nil {
				t.Fatalf("introspection errors: %+v", got.Errors)
			}
			fromIntrospection, err := graphtest.SDLFromIntrospection(got.Data)
			if err != nil {
				t.Fatal(err)
			}
			fromSDL, err := graphtest.Format(s.SDL())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fromSDL, fromIntrospection); diff != "" {
				t.Errorf("introspection differs from the SDL (-sdl +introspection):\n%s", diff)
			}
		})
	}
}
