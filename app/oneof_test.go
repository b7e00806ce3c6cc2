package app_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/app"
)

type Pet interface{ pet() }

type Dog struct {
	Name string `json:"name"`
}

type Cat struct {
	Lives int `json:"lives" validate:"max=9"`
}

type Fish struct {
	Kind string `json:"kind"`
}

func (Dog) pet()  {}
func (*Cat) pet() {}
func (Fish) pet() {}

type Owner interface{ owner() }

func (Dog) owner() {}

func TestDeclareOneOf(t *testing.T) {
	ts := app.NewTypes()
	st, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Dog](), app.Variant[*Cat]().Number(7), app.Variant[Fish]().Named("goldfish"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind != app.KindOneOf || st.Name != "Pet" || st.OneOf.Discriminator != "type" {
		t.Errorf("got %v %s %q", st.Kind, st.Name, st.OneOf.Discriminator)
	}
	type want struct {
		name    string
		number  int
		pointer bool
	}
	var got []want
	for _, v := range st.OneOf.Variants {
		got = append(got, want{v.Name, v.Number, v.Pointer})
		if v.Type.VariantOf() != v || v.Sum != st {
			t.Errorf("variant %s is not linked to its type and sum", v.Name)
		}
	}
	if w := []want{{"dog", 1, false}, {"cat", 7, true}, {"goldfish", 8, false}}; !reflect.DeepEqual(got, w) {
		t.Errorf("variants %v, want %v", got, w)
	}
	if other, err := ts.Of(reflect.TypeFor[Pet]()); err != nil || other != st {
		t.Errorf("Of(Pet) = %v, %v; want the declared sum type", other, err)
	}
}

func TestDeclareOneOfErrors(t *testing.T) {
	tests := []struct {
		name string
		give func(ts *app.Types) error
		want string
	}{
		{name: "not an interface", give: func(ts *app.Types) error {
			_, err := ts.DeclareOneOf(reflect.TypeFor[Dog](), app.Variant[Dog]())
			return err
		}, want: "must be an interface type"},
		{name: "not implementing", give: func(ts *app.Types) error {
			_, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Cat]())
			return err
		}, want: "variant app_test.Cat does not implement it"},
		{name: "not a struct", give: func(ts *app.Types) error {
			_, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Pet]())
			return err
		}, want: "must be a struct or a pointer to a struct"},
		{name: "same struct twice", give: func(ts *app.Types) error {
			_, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Fish](), app.Variant[*Fish]().Named("fish2"))
			return err
		}, want: "already a variant"},
		{name: "duplicate number", give: func(ts *app.Types) error {
			_, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Dog]().Number(2), app.Variant[*Cat]().Number(2))
			return err
		}, want: "share proto number 2"},
		{name: "declared twice", give: func(ts *app.Types) error {
			if _, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Dog]()); err != nil {
				return err
			}
			_, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Dog]())
			return err
		}, want: "declared twice"},
		{name: "variant of two sums", give: func(ts *app.Types) error {
			if _, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Dog]()); err != nil {
				return err
			}
			_, err := ts.DeclareOneOf(reflect.TypeFor[Owner](), app.Variant[Dog]())
			return err
		}, want: "already a variant of app_test.Pet"},
		{name: "bad discriminator", give: func(ts *app.Types) error {
			_, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Dog](), app.Discriminator("$type"))
			return err
		}, want: `discriminator "$type"`},
		{name: "discriminator clash", give: func(ts *app.Types) error {
			_, err := ts.DeclareOneOf(reflect.TypeFor[Pet](), app.Variant[Dog](), app.Discriminator("name"))
			return err
		}, want: `field Name named like the discriminator "name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give(app.NewTypes())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestUndeclaredInterfaceIsRefused(t *testing.T) {
	type In struct {
		P Pet `json:"p"`
	}
	_, err := app.NewTypes().Of(reflect.TypeFor[In]())
	if err == nil || !strings.Contains(err.Error(), "app.OneOf") {
		t.Errorf("got %v, want an error pointing at app.OneOf", err)
	}
}

type adoptIn struct {
	Pet Pet `json:"pet" validate:"required"`
}

type adoptOut struct {
	Pet Pet `json:"pet"`
}

func TestOneOfInvokeJSON(t *testing.T) {
	a := app.New()
	app.OneOf[Pet](a, app.Variant[Dog](), app.Variant[*Cat]())
	app.Command(a, "adopt", func(_ context.Context, in adoptIn) (adoptOut, error) { return adoptOut(in), nil })
	tests := []struct{ give, want, wantErr string }{
		{give: `{"pet":{"type":"cat","lives":3}}`, want: `{"pet":{"type":"cat","lives":3}}`},
		{give: `{"pet":{"name":"Rex","type":"dog"}}`, want: `{"pet":{"type":"dog","name":"Rex"}}`},
		{give: `{"pet":{"type":"cat","lives":10}}`, wantErr: "pet.lives"},
		{give: `{"pet":{"type":"cow"}}`, wantErr: "pet.type"},
		{give: `{}`, wantErr: "pet"},
	}
	for _, tt := range tests {
		got, err := a.InvokeJSON(context.Background(), "adopt", []byte(tt.give))
		if tt.wantErr != "" {
			e := app.ErrorFrom(err)
			if e.Code != app.CodeInvalidArgument || len(e.Violations) == 0 || e.Violations[0].Field != tt.wantErr {
				t.Errorf("%s: got %v, want invalid_argument naming %s", tt.give, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: got %s, %v; want %s", tt.give, got, err, tt.want)
		}
	}
}

func TestOneOfMisdeclaredPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "app_test.Owner") {
			t.Errorf("recovered %v, want a panic naming the type", r)
		}
	}()
	a := app.New()
	app.OneOf[Owner](a) // no variants
}

type page[T any] struct {
	Items []T  `json:"items"`
	More  bool `json:"more"`
}

type named[T any] struct {
	Items []T `json:"items"`
}

func (named[T]) SchemaName() string { return reflect.TypeFor[T]().Name() + "Listing" }

type badName struct{}

func (badName) SchemaName() string { return "a-b" }

func TestGenericSchemaNames(t *testing.T) {
	ts := app.NewTypes()
	tests := []struct {
		give reflect.Type
		want string
	}{
		// Two instantiations of one generic type in one registry read as
		// English by default; SchemaName overrides.
		{give: reflect.TypeFor[page[Dog]](), want: "DogPage"},
		{give: reflect.TypeFor[page[Fish]](), want: "FishPage"},
		{give: reflect.TypeFor[named[Dog]](), want: "DogListing"},
		{give: reflect.TypeFor[named[Fish]](), want: "FishListing"},
	}
	for _, tt := range tests {
		typ, err := ts.Of(tt.give)
		if err != nil {
			t.Fatal(err)
		}
		if typ.Name != tt.want {
			t.Errorf("%s: name %q, want %q", tt.give, typ.Name, tt.want)
		}
	}
	if _, err := ts.Of(reflect.TypeFor[badName]()); err == nil || !strings.Contains(err.Error(), `SchemaName "a-b"`) {
		t.Errorf("invalid SchemaName: got %v", err)
	}
}
