package jsonschema

import (
	"math"

	"github.com/allframe-go/allframe/app"
)

// Builder builds the schemas of app.Types and collects the definitions of
// the named types they refer to. It is not safe for concurrent use; build
// schemas at startup.
//
// Fields of types reachable from an input (see MarkInput) are required only
// when `validate:"required"`; fields of other (output) types are required
// unless they are pointers or omittable (omitempty, omitzero), because the
// server always writes them.
type Builder struct {
	refPrefix string
	defs      map[string]*Schema
	inputs    map[*app.Type]bool
	building  map[*app.Type]bool
}

// NewBuilder returns a builder whose $refs are refPrefix followed by the
// definition's name: "#/$defs/" for a standalone document,
// "#/components/schemas/" for OpenAPI.
func NewBuilder(refPrefix string) *Builder {
	return &Builder{refPrefix: refPrefix, defs: map[string]*Schema{}, inputs: map[*app.Type]bool{}, building: map[*app.Type]bool{}}
}

// MarkInput marks t and every type reachable from it as input types. Mark
// every input before building any schema.
func (b *Builder) MarkInput(t *app.Type) {
	if t == nil || b.inputs[t] {
		return
	}
	b.inputs[t] = true
	switch t.Kind {
	case app.KindStruct:
		for _, f := range t.Fields {
			b.MarkInput(f.Type)
		}
	case app.KindSlice, app.KindMap, app.KindPointer:
		b.MarkInput(t.Elem)
	case app.KindOneOf:
		for _, v := range t.OneOf.Variants {
			b.MarkInput(v.Type)
		}
	}
}

// Defs returns the definitions built so far, by name. The map is the
// builder's own.
func (b *Builder) Defs() map[string]*Schema { return b.defs }

// Define adds a definition under name, built by build, unless name is
// already defined; it returns a $ref to it.
func (b *Builder) Define(name string, build func() *Schema) *Schema {
	if _, ok := b.defs[name]; !ok {
		b.defs[name] = build()
	}
	return b.Ref(name)
}

// Ref returns a $ref to the definition name.
func (b *Builder) Ref(name string) *Schema { return &Schema{Ref: b.refPrefix + name} }

// Document returns a standalone schema of t: a $ref to t's definition (or
// t's schema) with every definition it needs under $defs. The builder's
// refPrefix must be "#/$defs/".
func (b *Builder) Document(t *app.Type) *Schema {
	s := b.Schema(t)
	s.SchemaURI = Draft
	s.Defs = b.defs
	return s
}

// Schema returns a $ref for named types (defining them on first use) and
// an inline schema otherwise; pointers add null.
func (b *Builder) Schema(t *app.Type) *Schema {
	if t.Name != "" && (t.Kind == app.KindStruct || t.Kind == app.KindOneOf || len(t.Enum) > 0) {
		b.define(t)
		return b.Ref(t.Name)
	}
	if t.Kind == app.KindPointer {
		inner := b.Schema(t.Elem)
		if inner.Ref != "" {
			return &Schema{AnyOf: []*Schema{inner, {Type: []string{"null"}}}}
		}
		if len(inner.Type) > 0 { // any JSON value already includes null
			inner.withNull()
		}
		return inner
	}
	return b.Inline(t)
}

func (b *Builder) define(t *app.Type) {
	if _, ok := b.defs[t.Name]; ok || b.building[t] {
		return
	}
	b.building[t] = true
	var s *Schema
	if t.Kind == app.KindStruct {
		s = b.Object(t, nil)
	} else {
		s = b.Inline(t)
	}
	b.defs[t.Name] = s
	delete(b.building, t)
}

// Inline returns the schema of t itself, never a $ref to it (types inside
// it may still be refs).
func (b *Builder) Inline(t *app.Type) *Schema {
	types := func(ts ...string) []string { return ts }
	switch t.Kind {
	case app.KindBool:
		return &Schema{Type: types("boolean")}
	case app.KindInt:
		s := &Schema{Type: types("integer")}
		switch t.Bits {
		case 8, 16:
			lo, hi := -math.Pow(2, float64(t.Bits-1)), math.Pow(2, float64(t.Bits-1))-1
			s.Minimum, s.Maximum, s.Format = &lo, &hi, "int32"
		case 32:
			s.Format = "int32"
		default:
			s.Format = "int64"
		}
		return s
	case app.KindUint:
		zero := 0.0
		s := &Schema{Type: types("integer"), Minimum: &zero}
		switch t.Bits {
		case 8, 16, 32:
			hi := math.Pow(2, float64(t.Bits)) - 1
			s.Maximum = &hi
			s.Format = "int64"
			if t.Bits < 32 {
				s.Format = "int32"
			}
		default:
			s.Format = "uint64"
		}
		return s
	case app.KindFloat:
		if t.Bits == 32 {
			return &Schema{Type: types("number"), Format: "float"}
		}
		return &Schema{Type: types("number"), Format: "double"}
	case app.KindString:
		s := &Schema{Type: types("string"), Description: t.Doc}
		for _, v := range t.Enum {
			s.Enum = append(s.Enum, v)
		}
		return s
	case app.KindBytes:
		return &Schema{Type: types("string", "null"), ContentEncoding: "base64", Format: "byte"}
	case app.KindTime:
		return &Schema{Type: types("string"), Format: "date-time"}
	case app.KindDuration:
		return &Schema{Type: types("integer"), Format: "int64", Description: "Duration in nanoseconds"}
	case app.KindAny:
		return &Schema{Description: "Any JSON value"}
	case app.KindSlice:
		return &Schema{Type: types("array", "null"), Items: b.Schema(t.Elem)}
	case app.KindMap:
		s := &Schema{Type: types("object", "null"), AdditionalProperties: b.Schema(t.Elem)}
		if t.Key.Kind == app.KindInt || t.Key.Kind == app.KindUint {
			s.PropertyNames = &Schema{Type: types("string"), Pattern: `^-?[0-9]+$`}
		}
		return s
	case app.KindPointer:
		return b.Schema(t)
	case app.KindStruct:
		return b.Object(t, nil)
	case app.KindOneOf:
		return b.oneOf(t)
	}
	return &Schema{}
}

// oneOf returns the schema of sum type t: a oneOf of its variants' schemas
// with a discriminator mapping each wire name to its variant. Each variant's
// object schema holds the discriminator as a required const property.
func (b *Builder) oneOf(t *app.Type) *Schema {
	s := &Schema{Description: t.Doc, Discriminator: &Discriminator{PropertyName: t.OneOf.Discriminator, Mapping: map[string]string{}}}
	for _, v := range t.OneOf.Variants {
		ref := b.Schema(v.Type)
		s.OneOf = append(s.OneOf, ref)
		s.Discriminator.Mapping[v.Name] = ref.Ref
	}
	return s
}

// Object returns the object schema of struct t with the fields keep
// accepts (all when keep is nil).
func (b *Builder) Object(t *app.Type, keep func(*app.Field) bool) *Schema {
	s := &Schema{Type: []string{"object"}, Description: t.Doc, Properties: map[string]*Schema{}}
	if v := t.VariantOf(); v != nil {
		d := v.Sum.OneOf.Discriminator
		s.Properties[d] = &Schema{Type: []string{"string"}, Const: v.Name}
		s.Required = append(s.Required, d)
	}
	for _, f := range t.Fields {
		if keep != nil && !keep(f) {
			continue
		}
		s.Properties[f.Name] = b.Property(f)
		if f.Required || !b.inputs[t] && !f.Omittable() && f.Type.Kind != app.KindPointer && f.Type.Kind != app.KindOneOf {
			s.Required = append(s.Required, f.Name)
		}
	}
	return s
}

// Property returns the schema of field f: its type's schema with f's doc,
// deprecation and constraints (a $ref gets them through allOf, a sum
// type's through anyOf).
func (b *Builder) Property(f *app.Field) *Schema {
	p := b.Schema(f.Type)
	if f.Type.Kind == app.KindOneOf && !f.Required {
		p = &Schema{AnyOf: []*Schema{p, {Type: []string{"null"}}}} // a nil interface
	}
	if f.Doc == "" && f.Deprecated == "" && f.Constraints.IsZero() {
		return p
	}
	switch {
	case p.Ref != "" && f.Type.Kind == app.KindOneOf:
		// Not allOf: around a sum with a discriminator, allOf reads as
		// inheriting from it (openapi-typescript then drops the
		// discriminator from the union), as the nullable form's anyOf does not.
		p = &Schema{AnyOf: []*Schema{p}}
	case p.Ref != "":
		p = &Schema{AllOf: []*Schema{p}}
	}
	p.Description = f.Doc
	p.Deprecated = f.Deprecated != ""
	ApplyConstraints(p, f.Constraints)
	return p
}

// sizeBound converts a length or item-count bound to its unsigned form. A
// negative bound (from a tag such as validate:"lt=0") becomes 0 rather
// than wrapping around to 2^64-1.
func sizeBound(n int) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}

// ApplyConstraints sets the limits of c on s.
func ApplyConstraints(s *Schema, c app.Constraints) {
	if c.MinLength != nil {
		s.MinLength = sizeBound(*c.MinLength)
	}
	if c.MaxLength != nil {
		v := sizeBound(*c.MaxLength)
		s.MaxLength = &v
	}
	if c.Minimum != nil {
		v := *c.Minimum
		if c.ExclusiveMinimum {
			s.ExclusiveMinimum = &v
		} else {
			s.Minimum = &v
		}
	}
	if c.Maximum != nil {
		v := *c.Maximum
		if c.ExclusiveMaximum {
			s.ExclusiveMaximum = &v
		} else {
			s.Maximum = &v
		}
	}
	if c.MinItems != nil {
		s.MinItems = sizeBound(*c.MinItems)
	}
	if c.MaxItems != nil {
		v := sizeBound(*c.MaxItems)
		s.MaxItems = &v
	}
	if c.Pattern != "" {
		s.Pattern = c.Pattern
	}
	if len(c.Enum) > 0 {
		s.Enum = nil
		for _, e := range c.Enum {
			s.Enum = append(s.Enum, e)
		}
	}
	if c.Format != "" {
		s.Format = c.Format
	}
}
