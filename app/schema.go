package app

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// TypeKind classifies a Type in the schema model.
type TypeKind uint8

// The kinds of the type schema. Every emitter (OpenAPI, GraphQL, protobuf)
// handles each of them.
const (
	KindInvalid  TypeKind = iota
	KindBool              // bool
	KindInt               // int, int8 … int64 (Bits says which)
	KindUint              // uint, uint8 … uint64 (Bits says which)
	KindFloat             // float32, float64 (Bits says which)
	KindString            // string, or a named string type (Enum set for enums)
	KindBytes             // []byte: base64 in JSON, bytes in protobuf
	KindTime              // time.Time: RFC 3339 in JSON, Timestamp in protobuf
	KindDuration          // time.Duration: nanoseconds in JSON, Duration in protobuf
	KindStruct            // a struct with Fields
	KindSlice             // a slice of Elem
	KindMap               // a map from Key to Elem
	KindPointer           // a pointer to Elem: optional, explicit presence
	KindAny               // any / json.RawMessage: arbitrary JSON
)

var typeKindNames = [...]string{"invalid", "bool", "int", "uint", "float", "string", "bytes", "time", "duration", "struct", "slice", "map", "pointer", "any"}

func (k TypeKind) String() string {
	if k == KindOneOf {
		return "oneof"
	}
	if int(k) < len(typeKindNames) {
		return typeKindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Enum is implemented by named string types whose values form a closed set.
// Such types become enums in every schema (OpenAPI enum, GraphQL enum,
// protobuf enum numbered by position starting at 1, with 0 reserved for the
// unspecified value), and values outside the set fail validation. Append new
// values at the end: protobuf numbers follow the order.
type Enum interface {
	EnumValues() []string
}

// Type is the schema model of one Go type, built once at registration and
// shared by every schema emitter and transport codec.
type Type struct {
	Kind TypeKind
	// Name is a schema-wide unique name for structs and enums ("HelloIn"),
	// empty for other kinds.
	Name string
	// Go is the Go type this describes.
	Go reflect.Type
	// Bits is the size of numeric kinds (8, 16, 32, 64).
	Bits int
	// Fields of a struct, in declaration order (embedded structs flattened).
	Fields []*Field
	// Elem is the element of slices, maps and pointers.
	Elem *Type
	// Key is the key of maps (a string, int or uint kind).
	Key *Type
	// Enum holds the values of an enum (a named string type implementing Enum).
	Enum []string
	// Doc describes the type (from a Doc() string method on the type).
	Doc string
	// OneOf describes a sum type (KindOneOf); see OneOf.
	OneOf *OneOfType

	variant *VariantType // set on a struct declared as a variant of a sum type
}

// Deref returns the pointed-to type of a pointer type, else t.
func (t *Type) Deref() *Type {
	for t.Kind == KindPointer {
		t = t.Elem
	}
	return t
}

// IsScalar reports whether t is a scalar (not struct, slice, map, pointer, any).
func (t *Type) IsScalar() bool {
	switch t.Kind {
	case KindStruct, KindSlice, KindMap, KindPointer, KindAny:
		return false
	}
	return true
}

// Field returns the field with the given JSON name, or nil.
func (t *Type) Field(name string) *Field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Source says where the REST transport binds a field from.
type Source uint8

// Field sources. Every field is a plain field on gRPC and GraphQL; the
// source only matters for REST.
const (
	SourceDefault Source = iota // body for commands, query for queries and streams
	SourcePath                  // `path:"name"`
	SourceQuery                 // `query:"name"`
	SourceHeader                // `header:"X-Name"`
)

// Field is one field of a struct Type.
type Field struct {
	// Name is the JSON name (as encoding/json would use), the GraphQL field
	// name and the protobuf json_name.
	Name string
	// GoName is the Go field name.
	GoName string
	// Index is the reflect index path (embedded structs are flattened).
	Index []int
	// Offset is the byte offset of the field from the start of the struct.
	Offset uintptr
	// Number is the protobuf field number: the `proto:"N"` tag, else the
	// next number after the highest one used so far in declaration order.
	// Numbers never change while fields are only appended; the golden
	// .proto of each example makes any renumbering a visible diff.
	Number int
	Type   *Type
	// Doc from the `doc` tag.
	Doc string
	// Deprecated holds the reason from the `deprecated` tag ("true" is
	// allowed); empty when the field is not deprecated.
	Deprecated string
	// Required is true for `validate:"required"`.
	Required bool
	// OmitEmpty is the json tag's omitempty option: encoding/json leaves
	// the field out when it holds false, 0, a nil pointer or interface, or
	// an empty string, slice or map.
	OmitEmpty bool
	// OmitZero is the json tag's omitzero option: encoding/json leaves the
	// field out when it holds its zero value (or its IsZero method says so).
	OmitZero bool
	// Quoted is the json tag's string option on a field where encoding/json
	// honours it (a bool, number or string, or a pointer to one): the value
	// is written as a JSON string holding its JSON encoding.
	Quoted bool
	// In is the REST binding source and Param its name there.
	In    Source
	Param string
	// Validate is the raw `validate` tag; Rules holds it parsed.
	Validate string
	// Rules are the comma-separated rules of the validate tag, in order.
	Rules []Rule
	// Constraints are the limits of Rules (up to the first dive) and the
	// `pattern` tag that schemas can express.
	Constraints Constraints

	pattern   string // the explicit `pattern` tag, checked by the App
	patternRE *regexp.Regexp
}

// Omittable reports whether encoding/json may leave the field out of an
// object (omitempty or omitzero), so schemas must not mark it required.
func (f *Field) Omittable() bool { return f.OmitEmpty || f.OmitZero }

// Rule is one rule of a `validate` tag (go-playground/validator syntax):
// "max=64" is Rule{Tag: "max", Param: "64"}.
type Rule struct {
	Tag, Param string
}

// parseRules splits a validate tag into its rules.
func parseRules(tag string) []Rule {
	if tag == "" {
		return nil
	}
	var rules []Rule
	for r := range strings.SplitSeq(tag, ",") {
		name, param, _ := strings.Cut(r, "=")
		rules = append(rules, Rule{Tag: name, Param: param})
	}
	return rules
}

// jsonTag is a field's json tag, parsed by encoding/json's rules.
type jsonTag struct {
	name                      string // the JSON name; "" with a usable tag name absent
	skip                      bool   // `json:"-"`
	omitEmpty, omitZero, quot bool
}

// parseJSONTag parses sf's json tag as encoding/json does: a tag name that
// encoding/json would reject is ignored (the Go name is used), and the
// string option counts only on the kinds it applies to.
func parseJSONTag(sf reflect.StructField) jsonTag {
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return jsonTag{skip: true}
	}
	name, opts, _ := strings.Cut(tag, ",")
	if !validTagName(name) {
		name = ""
	}
	jt := jsonTag{name: name}
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		switch o {
		case "omitempty":
			jt.omitEmpty = true
		case "omitzero":
			jt.omitZero = true
		case "string":
			ft := sf.Type
			if ft.Name() == "" && ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64, reflect.String:
				jt.quot = true
			}
		}
	}
	return jt
}

// validTagName mirrors encoding/json's rule for usable tag names.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// Constraints are the validation limits of a field, reflected into schemas.
// Nil pointers mean "no limit".
type Constraints struct {
	MinLength, MaxLength *int
	Minimum, Maximum     *float64
	ExclusiveMinimum     bool
	ExclusiveMaximum     bool
	MinItems, MaxItems   *int
	Pattern              string
	// Enum restricts a scalar to values (from `validate:"oneof=…"`).
	Enum []string
	// Format is a JSON Schema format: email, uri, uuid, ipv4, ipv6, hostname.
	Format string
}

// IsZero reports whether no constraint is set.
func (c Constraints) IsZero() bool {
	return c.MinLength == nil && c.MaxLength == nil && c.Minimum == nil && c.Maximum == nil &&
		c.MinItems == nil && c.MaxItems == nil && c.Pattern == "" && len(c.Enum) == 0 && c.Format == ""
}

// Types builds and caches Type models and assigns schema-wide unique names.
// The App owns one; it is not safe for concurrent use during registration.
type Types struct {
	byGo  map[reflect.Type]*Type
	names map[string]reflect.Type
	order []*Type // named types in first-seen order
}

// NewTypes returns an empty type registry.
func NewTypes() *Types {
	return &Types{byGo: map[reflect.Type]*Type{}, names: map[string]reflect.Type{}}
}

// Named returns every named type (structs and enums) in first-seen order.
func (ts *Types) Named() []*Type { return ts.order }

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	rawJSONType  = reflect.TypeFor[json.RawMessage]()
	enumIface    = reflect.TypeFor[Enum]()
	docIface     = reflect.TypeFor[interface{ Doc() string }]()

	schemaNamerIface = reflect.TypeFor[SchemaNamer]()
)

// SchemaNamer is implemented by types that name themselves in every schema
// (OpenAPI, GraphQL, protobuf), overriding the Go name: generic types
// especially, whose default name joins the type and its arguments
// ("Page[Account]" is "AccountPage"):
//
//	func (Page[T]) SchemaName() string { return reflect.TypeFor[T]().Name() + "Page" }
//
// The method is called on the zero value, once, at registration.
type SchemaNamer interface {
	SchemaName() string
}

// Of returns the Type model of rt, building it (once) if needed.
func (ts *Types) Of(rt reflect.Type) (*Type, error) {
	return ts.of(rt, "")
}

func (ts *Types) of(rt reflect.Type, hint string) (*Type, error) {
	if t, ok := ts.byGo[rt]; ok {
		return t, nil
	}
	t := &Type{Go: rt}
	switch rt {
	case timeType:
		t.Kind = KindTime
	case durationType:
		t.Kind = KindDuration
		t.Bits = 64
	case rawJSONType:
		t.Kind = KindAny
	}
	if t.Kind != KindInvalid {
		ts.byGo[rt] = t
		return t, nil
	}
	switch rt.Kind() {
	case reflect.Bool:
		t.Kind = KindBool
	case reflect.Int, reflect.Int64:
		t.Kind, t.Bits = KindInt, 64
	case reflect.Int8, reflect.Int16, reflect.Int32:
		t.Kind, t.Bits = KindInt, rt.Bits()
	case reflect.Uint, reflect.Uint64:
		t.Kind, t.Bits = KindUint, 64
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		t.Kind, t.Bits = KindUint, rt.Bits()
	case reflect.Float32, reflect.Float64:
		t.Kind, t.Bits = KindFloat, rt.Bits()
	case reflect.String:
		t.Kind = KindString
		if rt.Implements(enumIface) {
			vals := reflect.Zero(rt).Interface().(Enum).EnumValues()
			if len(vals) == 0 {
				return nil, fmt.Errorf("enum %s has no values", rt)
			}
			t.Enum = slices.Clone(vals)
			name, err := ts.name(rt, hint)
			if err != nil {
				return nil, err
			}
			t.Name = name
			ts.order = append(ts.order, t)
		}
	case reflect.Interface:
		if rt.NumMethod() != 0 {
			return nil, fmt.Errorf("unsupported interface type %s (only any, or a sum type declared with app.OneOf before use)", rt)
		}
		t.Kind = KindAny
	case reflect.Slice:
		if rt.Elem().Kind() == reflect.Uint8 {
			t.Kind = KindBytes
			break
		}
		t.Kind = KindSlice
		ts.byGo[rt] = t
		elem, err := ts.of(rt.Elem(), hint+"Item")
		if err != nil {
			delete(ts.byGo, rt)
			return nil, err
		}
		if elem.Kind == KindSlice {
			delete(ts.byGo, rt)
			return nil, fmt.Errorf("unsupported type %s: nested slices cannot be represented in protobuf; wrap the inner slice in a struct", rt)
		}
		t.Elem = elem
		return t, nil
	case reflect.Map:
		t.Kind = KindMap
		ts.byGo[rt] = t
		switch rt.Key().Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Bool:
		default:
			delete(ts.byGo, rt)
			return nil, fmt.Errorf("unsupported map key type %s in %s", rt.Key(), rt)
		}
		key, err := ts.of(rt.Key(), hint+"Key")
		if err != nil {
			delete(ts.byGo, rt)
			return nil, err
		}
		elem, err := ts.of(rt.Elem(), hint+"Value")
		if err != nil {
			delete(ts.byGo, rt)
			return nil, err
		}
		if elem.Kind == KindSlice || elem.Kind == KindMap {
			delete(ts.byGo, rt)
			return nil, fmt.Errorf("unsupported type %s: map values cannot be lists or maps in protobuf; wrap them in a struct", rt)
		}
		t.Key, t.Elem = key, elem
		return t, nil
	case reflect.Pointer:
		t.Kind = KindPointer
		ts.byGo[rt] = t
		elem, err := ts.of(rt.Elem(), hint)
		if err != nil {
			delete(ts.byGo, rt)
			return nil, err
		}
		if elem.Kind == KindPointer {
			delete(ts.byGo, rt)
			return nil, fmt.Errorf("unsupported type %s: pointer to pointer", rt)
		}
		t.Elem = elem
		return t, nil
	case reflect.Struct:
		t.Kind = KindStruct
		name, err := ts.name(rt, hint)
		if err != nil {
			return nil, err
		}
		t.Name = name
		ts.byGo[rt] = t // before fields: recursive types refer to themselves
		ts.order = append(ts.order, t)
		if err := ts.fields(t, rt, nil, 0); err != nil {
			delete(ts.byGo, rt)
			return nil, err
		}
		if err := numberFields(t); err != nil {
			delete(ts.byGo, rt)
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported type %s", rt)
	}
	if rt.Implements(docIface) {
		t.Doc = reflect.Zero(rt).Interface().(interface{ Doc() string }).Doc()
	}
	ts.byGo[rt] = t
	return t, nil
}

// name returns a unique schema name for a named or anonymous Go type.
func (ts *Types) name(rt reflect.Type, hint string) (string, error) {
	base := sanitizeName(rt.Name())
	if rt.Implements(schemaNamerIface) {
		base = reflect.Zero(rt).Interface().(SchemaNamer).SchemaName()
		if !wireNameRE.MatchString(base) {
			return "", fmt.Errorf("%s: SchemaName %q must be ASCII letters, digits and underscores, starting with a letter", rt, base)
		}
		if prev, ok := ts.names[base]; ok && prev != rt {
			return "", fmt.Errorf("%s: SchemaName %q is already the name of %s", rt, base, prev)
		}
	}
	if base == "" {
		base = hint
	}
	if base == "" {
		base = "Anonymous"
	}
	name := base
	if prev, ok := ts.names[name]; ok && prev != rt {
		// Same Go name from another package: prefix the package name.
		pkg := rt.PkgPath()
		if i := strings.LastIndex(pkg, "/"); i >= 0 {
			pkg = pkg[i+1:]
		}
		name = exportName(sanitizeName(pkg)) + base
		for i := 2; ; i++ {
			if prev, ok := ts.names[name]; !ok || prev == rt {
				break
			}
			name = exportName(sanitizeName(pkg)) + base + strconv.Itoa(i)
		}
	}
	ts.names[name] = rt
	return name, nil
}

// sanitizeName turns "Page[github.com/x/y.Item]" into "PageItem".
func sanitizeName(s string) string {
	if i := strings.IndexByte(s, '['); i >= 0 {
		// A generic instantiation reads as English: the type arguments,
		// then the generic type (Page[Account] → AccountPage,
		// Pair[Key, Value] → KeyValuePair).
		args := strings.TrimSuffix(s[i+1:], "]")
		var b strings.Builder
		for a := range strings.SplitSeq(args, ",") {
			a = strings.TrimSpace(a)
			if j := strings.LastIndexAny(a, "./"); j >= 0 {
				a = a[j+1:]
			}
			b.WriteString(exportName(sanitizeName(a)))
		}
		b.WriteString(exportName(s[:i]))
		s = b.String()
	}
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func exportName(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (ts *Types) fields(t *Type, rt reflect.Type, index []int, offset uintptr) error {
	for i := range rt.NumField() {
		sf := rt.Field(i)
		jt := parseJSONTag(sf)
		if jt.skip {
			continue
		}
		jname := jt.name
		if sf.Anonymous && jname == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Struct && ft != timeType {
				if err := ts.fields(t, ft, append(slices.Clone(index), i), offset+sf.Offset); err != nil {
					return err
				}
				continue
			}
			if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
				return fmt.Errorf("%s: embedded pointer %s is not supported; embed the struct by value", rt, sf.Name)
			}
		}
		if !sf.IsExported() {
			continue
		}
		if jname == "" {
			jname = sf.Name
		}
		f := &Field{
			Name:       jname,
			GoName:     sf.Name,
			Index:      append(slices.Clone(index), i),
			Offset:     offset + sf.Offset,
			Doc:        sf.Tag.Get("doc"),
			Deprecated: sf.Tag.Get("deprecated"),
			OmitEmpty:  jt.omitEmpty,
			OmitZero:   jt.omitZero,
			Quoted:     jt.quot,
			Validate:   sf.Tag.Get("validate"),
		}
		f.Rules = parseRules(f.Validate)
		if n := sf.Tag.Get("proto"); n != "" {
			num, err := strconv.Atoi(n)
			if err != nil || num < 1 || num > 536870911 || num >= 19000 && num <= 19999 {
				return fmt.Errorf("%s.%s: invalid proto field number %q", rt, sf.Name, n)
			}
			f.Number = num
		}
		switch {
		case sf.Tag.Get("path") != "":
			f.In, f.Param = SourcePath, sf.Tag.Get("path")
		case sf.Tag.Get("query") != "":
			f.In, f.Param = SourceQuery, sf.Tag.Get("query")
		case sf.Tag.Get("header") != "":
			f.In, f.Param = SourceHeader, sf.Tag.Get("header")
		}
		ft, err := ts.of(sf.Type, t.Name+sf.Name)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", rt, sf.Name, err)
		}
		f.Type = ft
		if err := parseConstraints(f, sf.Tag.Get("pattern")); err != nil {
			return fmt.Errorf("%s.%s: %w", rt, sf.Name, err)
		}
		if t.Field(f.Name) != nil {
			return fmt.Errorf("%s: duplicate field name %q", rt, f.Name)
		}
		t.Fields = append(t.Fields, f)
	}
	return nil
}

func numberFields(t *Type) error {
	used := map[int]string{}
	for _, f := range t.Fields {
		if f.Number == 0 {
			continue
		}
		if prev, ok := used[f.Number]; ok {
			return fmt.Errorf("%s: fields %s and %s share proto number %d", t.Go, prev, f.GoName, f.Number)
		}
		used[f.Number] = f.GoName
	}
	next := 1
	for _, f := range t.Fields {
		if f.Number != 0 {
			next = max(next, f.Number+1)
			continue
		}
		for used[next] != "" || next >= 19000 && next <= 19999 {
			next++
		}
		if next > 536870911 {
			return fmt.Errorf("%s.%s: no protobuf field number left after %d; tag it with proto:\"N\"", t.Go, f.GoName, next-1)
		}
		f.Number = next
		used[next] = f.GoName
		next++
	}
	return nil
}

// parseConstraints reads the validate tag (go-playground/validator syntax,
// up to the first "dive") and the pattern tag into f.Constraints.
func parseConstraints(f *Field, pattern string) error {
	c := &f.Constraints
	if pattern != "" {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return fmt.Errorf("invalid pattern %q: %w", pattern, err)
		}
		c.Pattern = pattern
		f.pattern, f.patternRE = pattern, re
	}
	if len(f.Rules) == 0 {
		return nil
	}
	base := f.Type.Deref()
	isNum := base.Kind == KindInt || base.Kind == KindUint || base.Kind == KindFloat || base.Kind == KindDuration
	isList := base.Kind == KindSlice || base.Kind == KindMap
	for _, rule := range f.Rules {
		name, arg := rule.Tag, rule.Param
		switch name {
		case "dive":
			return nil
		case "required":
			f.Required = true
		case "min", "max", "len", "gt", "gte", "lt", "lte":
			n, err := strconv.ParseFloat(arg, 64)
			if err != nil {
				continue // a cross-field or unusual rule; validator still checks it
			}
			ni := int(n)
			switch {
			case isNum:
				switch name {
				case "min", "gte":
					c.Minimum = &n
				case "max", "lte":
					c.Maximum = &n
				case "gt":
					c.Minimum, c.ExclusiveMinimum = &n, true
				case "lt":
					c.Maximum, c.ExclusiveMaximum = &n, true
				case "len":
					c.Minimum, c.Maximum = &n, &n
				}
			case isList:
				switch name {
				case "min", "gte":
					c.MinItems = &ni
				case "max", "lte":
					c.MaxItems = &ni
				case "gt":
					ni++
					c.MinItems = &ni
				case "lt":
					ni--
					c.MaxItems = &ni
				case "len":
					c.MinItems, c.MaxItems = &ni, &ni
				}
			case base.Kind == KindString || base.Kind == KindBytes:
				switch name {
				case "min", "gte":
					c.MinLength = &ni
				case "max", "lte":
					c.MaxLength = &ni
				case "gt":
					ni++
					c.MinLength = &ni
				case "lt":
					ni--
					c.MaxLength = &ni
				case "len":
					c.MinLength, c.MaxLength = &ni, &ni
				}
			}
		case "oneof":
			c.Enum = strings.Fields(arg)
		case "email":
			c.Format = "email"
		case "url", "uri", "http_url":
			c.Format = "uri"
		case "uuid", "uuid4", "uuid_rfc4122", "uuid4_rfc4122":
			c.Format = "uuid"
		case "ipv4":
			c.Format = "ipv4"
		case "ipv6":
			c.Format = "ipv6"
		case "hostname", "hostname_rfc1123":
			c.Format = "hostname"
		case "alpha":
			setPattern(c, "^[a-zA-Z]*$")
		case "alphanum":
			setPattern(c, "^[a-zA-Z0-9]*$")
		case "numeric":
			setPattern(c, "^[-+]?[0-9]+(?:\\.[0-9]+)?$")
		case "lowercase":
			setPattern(c, "^[^A-Z]*$")
		case "uppercase":
			setPattern(c, "^[^a-z]*$")
		}
	}
	return nil
}

func setPattern(c *Constraints, p string) {
	if c.Pattern == "" {
		c.Pattern = p
	}
}
