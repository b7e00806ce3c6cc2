package app

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"unicode"
	"unsafe"
)

// KindOneOf is a sum type: an interface type whose values are one of the
// variants declared with OneOf. Type.OneOf describes it.
const KindOneOf TypeKind = 64

// OneOfType describes a sum type: the discriminator and the variants.
//
// In JSON a variant is an object whose discriminator property (written
// first) holds the variant's wire name; in OpenAPI the sum is a oneOf with a
// discriminator; in GraphQL it is a union (output) or a @oneOf input object
// (input); in protobuf it is a message holding one oneof whose members are
// the variants' messages.
type OneOfType struct {
	// Discriminator is the JSON property naming the variant ("type").
	Discriminator string
	// Variants in declaration order.
	Variants []*VariantType
}

// VariantType is one variant of a sum type.
type VariantType struct {
	// Name is the wire name: the discriminator value in JSON, the field of
	// the GraphQL @oneOf input and the member of the protobuf oneof.
	Name string
	// Number is the protobuf field number of the member in the oneof: the
	// explicit number, else the next one after the highest used so far in
	// declaration order (append variants to keep numbers stable).
	Number int
	// Type is the variant's struct type.
	Type *Type
	// Pointer is true when the variant's Go type is a pointer to Type.Go.
	Pointer bool
	// Sum is the sum type the variant belongs to.
	Sum *Type

	goType reflect.Type   // Type.Go or a pointer to it: what the interface holds
	itab   unsafe.Pointer // the interface's type word for goType
	copyIn bool           // values of goType may be stored in the interface word itself
}

// VariantOf returns the variant of the struct type t when t is declared as
// the variant of a sum type, else nil. A variant struct always carries its
// discriminator in JSON, wherever it appears.
func (t *Type) VariantOf() *VariantType { return t.variant }

// GoType returns the Go type the interface holds for v: Type.Go, or a
// pointer to it.
func (v *VariantType) GoType() reflect.Type { return v.goType }

// Variant returns the variant of the interface value at p (a pointer to a
// value of the sum type's Go type) and a pointer to its struct, or nil and
// nil for a nil interface. The struct pointer is nil for a nil pointer
// variant. The pointer must not be used to modify the value.
func (o *OneOfType) Variant(p unsafe.Pointer) (*VariantType, unsafe.Pointer) {
	words := (*[2]unsafe.Pointer)(p)
	if words[0] == nil {
		return nil, nil
	}
	for _, v := range o.Variants {
		if v.itab != words[0] {
			continue
		}
		if v.Pointer {
			return v, words[1]
		}
		if v.copyIn {
			// A struct of one pointer-shaped field is stored in the data
			// word itself.
			return v, unsafe.Pointer(&words[1]) //nolint:gosec // G103: the word holds the struct itself (directIface)
		}
		return v, words[1]
	}
	return nil, nil
}

// VariantFor returns the variant whose Go type is rt, or nil.
func (o *OneOfType) VariantFor(rt reflect.Type) *VariantType {
	for _, v := range o.Variants {
		if v.goType == rt {
			return v
		}
	}
	return nil
}

// ByName returns the variant with the wire name, or nil.
func (o *OneOfType) ByName(name string) *VariantType {
	for _, v := range o.Variants {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Names returns the wire names of the variants in declaration order.
func (o *OneOfType) Names() []string {
	names := make([]string, len(o.Variants))
	for i, v := range o.Variants {
		names[i] = v.Name
	}
	return names
}

// New allocates a zero value of the variant and returns it as a value
// assignable to the sum type, plus a pointer to its struct for decoders to
// fill in.
func (v *VariantType) New() (reflect.Value, unsafe.Pointer) {
	ptr := reflect.New(v.Type.Go)
	if v.Pointer {
		return ptr, ptr.UnsafePointer()
	}
	return ptr.Elem(), ptr.UnsafePointer()
}

// Store sets the interface at p (a pointer to a value of the sum type's Go
// type) to val, a value from New.
func (v *VariantType) Store(p unsafe.Pointer, val reflect.Value) {
	reflect.NewAt(v.Sum.Go, p).Elem().Set(val)
}

// OneOfOption is an argument of OneOf: a variant (Variant) or a setting
// (Discriminator).
type OneOfOption interface{ applyOneOf(*oneOfDecl) }

type oneOfDecl struct {
	discriminator string
	variants      []VariantDef
}

// VariantDef declares one variant of a sum type; see Variant.
type VariantDef struct {
	rt     reflect.Type
	name   string
	number int
}

func (v VariantDef) applyOneOf(d *oneOfDecl) { d.variants = append(d.variants, v) }

// Variant declares V, a struct or a pointer to a struct implementing the sum
// type's interface, as a variant. Its wire name defaults to the struct's
// name with a lower-case first letter ("Card" → "card").
func Variant[V any]() VariantDef { return VariantDef{rt: reflect.TypeFor[V]()} }

// Named sets the variant's wire name (letters, digits and underscores,
// starting with a letter). Default: the struct's name with a lower-case
// first letter.
func (v VariantDef) Named(name string) VariantDef { v.name = name; return v }

// Number sets the variant's protobuf field number in the oneof. Default:
// the next number after the highest one used so far in declaration order.
func (v VariantDef) Number(n int) VariantDef { v.number = n; return v }

type discriminatorOption string

func (o discriminatorOption) applyOneOf(d *oneOfDecl) { d.discriminator = string(o) }

// Discriminator sets the JSON property that names the variant. Default:
// "type".
func Discriminator(property string) OneOfOption { return discriminatorOption(property) }

var wireNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// OneOf declares the interface type I as a sum type of the given variants,
// so that I may appear in inputs and outputs (as a field, list element,
// optional field or stream item). Declare it before registering the
// operations that use it. It panics on a mis-declaration (no variants, a
// variant that does not implement I or is not a struct, two variants with
// one wire name or protobuf number, a variant field named like the
// discriminator), as Query does.
//
//	app.OneOf[PaymentMethod](a, app.Variant[Card](), app.Variant[*Wallet]())
func OneOf[I any](a *App, opts ...OneOfOption) *Type {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.frozen {
		panic(fmt.Sprintf("allframe: sum type %s declared after the app started", reflect.TypeFor[I]()))
	}
	t, err := a.types.DeclareOneOf(reflect.TypeFor[I](), opts...)
	if err != nil {
		panic("allframe: " + err.Error())
	}
	return t
}

// DeclareOneOf declares the interface type iface as a sum type; see OneOf.
func (ts *Types) DeclareOneOf(iface reflect.Type, opts ...OneOfOption) (*Type, error) {
	if iface.Kind() != reflect.Interface || iface.NumMethod() == 0 {
		return nil, fmt.Errorf("sum type %s must be an interface type with at least one method", iface)
	}
	if _, ok := ts.byGo[iface]; ok {
		return nil, fmt.Errorf("sum type %s declared twice", iface)
	}
	d := oneOfDecl{discriminator: "type"}
	for _, o := range opts {
		o.applyOneOf(&d)
	}
	if !wireNameRE.MatchString(d.discriminator) {
		return nil, fmt.Errorf("sum type %s: discriminator %q must be letters, digits and underscores", iface, d.discriminator)
	}
	if len(d.variants) == 0 {
		return nil, fmt.Errorf("sum type %s has no variants", iface)
	}
	name, err := ts.name(iface, "")
	if err != nil {
		return nil, err
	}
	t := &Type{Kind: KindOneOf, Name: name, Go: iface, OneOf: &OneOfType{Discriminator: d.discriminator}}
	// Register before the variants: a variant may contain its own sum.
	ts.byGo[iface] = t
	ok := false
	defer func() {
		if !ok {
			delete(ts.byGo, iface)
			delete(ts.names, name)
		}
	}()
	names := map[string]bool{}
	numbers := map[int]string{}
	for _, vd := range d.variants {
		rt := vd.rt
		if !rt.Implements(iface) {
			return nil, fmt.Errorf("sum type %s: variant %s does not implement it", iface, rt)
		}
		st, ptr := rt, false
		if st.Kind() == reflect.Pointer {
			st, ptr = st.Elem(), true
		}
		if st.Kind() != reflect.Struct {
			return nil, fmt.Errorf("sum type %s: variant %s must be a struct or a pointer to a struct", iface, rt)
		}
		vt, err := ts.of(st, "")
		if err != nil {
			return nil, fmt.Errorf("sum type %s: variant %s: %w", iface, rt, err)
		}
		wire := vd.name
		if wire == "" {
			r := []rune(vt.Name)
			r[0] = unicode.ToLower(r[0])
			wire = string(r)
		}
		if !wireNameRE.MatchString(wire) {
			return nil, fmt.Errorf("sum type %s: variant %s: wire name %q must be letters, digits and underscores, starting with a letter", iface, rt, wire)
		}
		if names[wire] {
			return nil, fmt.Errorf("sum type %s: two variants named %q", iface, wire)
		}
		names[wire] = true
		if f := vt.Field(d.discriminator); f != nil {
			return nil, fmt.Errorf("sum type %s: variant %s has a field %s named like the discriminator %q", iface, rt, f.GoName, d.discriminator)
		}
		if slices.ContainsFunc(t.OneOf.Variants, func(o *VariantType) bool { return o.Type == vt }) {
			return nil, fmt.Errorf("sum type %s: %s is already a variant of it (by value or by pointer, not both)", iface, st)
		}
		if vt.variant != nil {
			return nil, fmt.Errorf("sum type %s: %s is already a variant of %s", iface, vt.Go, vt.variant.Sum.Go)
		}
		if vd.number != 0 {
			if vd.number < 1 || vd.number > 536870911 || vd.number >= 19000 && vd.number <= 19999 {
				return nil, fmt.Errorf("sum type %s: variant %s: invalid proto field number %d", iface, rt, vd.number)
			}
			if prev, dup := numbers[vd.number]; dup {
				return nil, fmt.Errorf("sum type %s: variants %s and %s share proto number %d", iface, prev, wire, vd.number)
			}
			numbers[vd.number] = wire
		}
		holder := reflect.New(iface)
		holder.Elem().Set(reflect.Zero(rt))
		words := (*[2]unsafe.Pointer)(holder.UnsafePointer())
		v := &VariantType{
			Name: wire, Number: vd.number, Type: vt, Pointer: ptr, Sum: t,
			goType: rt, itab: words[0],
			copyIn: !ptr && directIface(st),
		}
		t.OneOf.Variants = append(t.OneOf.Variants, v)
	}
	next := 1
	for _, v := range t.OneOf.Variants {
		if v.Number != 0 {
			next = max(next, v.Number+1)
			continue
		}
		for numbers[next] != "" || next >= 19000 && next <= 19999 {
			next++
		}
		v.Number = next
		numbers[next] = v.Name
		next++
	}
	for _, v := range t.OneOf.Variants {
		v.Type.variant = v
	}
	ts.order = append(ts.order, t)
	ok = true
	return t, nil
}

// HasOneOf reports whether a value of t may hold a sum type anywhere.
func (t *Type) HasOneOf() bool { return hasOneOf(t, map[*Type]bool{}) }

func hasOneOf(t *Type, seen map[*Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind {
	case KindOneOf:
		return true
	case KindPointer, KindSlice, KindMap:
		return hasOneOf(t.Elem, seen)
	case KindStruct:
		for _, f := range t.Fields {
			if hasOneOf(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// directIface reports whether the runtime stores values of rt in an
// interface's data word itself rather than behind a pointer to a copy.
func directIface(rt reflect.Type) bool {
	switch rt.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Struct:
		return rt.NumField() == 1 && directIface(rt.Field(0).Type)
	case reflect.Array:
		return rt.Len() == 1 && directIface(rt.Elem())
	}
	return false
}
