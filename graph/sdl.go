package graph

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/allframe-go/allframe/app"
)

// Names of the custom scalars the schema declares when a registered type
// needs them.
const (
	scalarTime     = "Time"
	scalarDuration = "Duration"
	scalarBytes    = "Bytes"
	scalarJSON     = "JSON"
	scalarInt64    = "Int64"
	scalarUint64   = "Uint64"
	scalarUpload   = "Upload"
)

var scalarDocs = map[string]string{
	scalarTime:     "An instant in time: an RFC 3339 string such as \"2006-01-02T15:04:05Z\" (fractional seconds allowed).",
	scalarDuration: "A span of time as an integer number of nanoseconds. Inputs also accept a Go duration string such as \"1m30s\".",
	scalarBytes:    "Binary data as a standard base64 string (RFC 4648 §4, padded).",
	scalarJSON:     "Any JSON value.",
	scalarInt64:    "A signed 64-bit integer, written as a JSON number; inputs also accept a decimal string. JavaScript clients lose precision beyond ±2^53.",
	scalarUint64:   "An unsigned 64-bit integer, written as a JSON number; inputs also accept a decimal string. JavaScript clients lose precision beyond 2^53.",
	scalarUpload:   "A file sent as a part of a multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec).",
}

// scalarOrder fixes the order scalars are declared in the SDL.
var scalarOrder = []string{scalarTime, scalarDuration, scalarBytes, scalarJSON, scalarInt64, scalarUint64, scalarUpload}

// placeholderField is declared on object types that have no fields of their
// own (GraphQL requires at least one): it always resolves to true.
const placeholderField = "ok"

const placeholderDoc = "Always true: the type has no other fields."

var nameRE = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]*$`)

// validName reports whether s is a GraphQL name not reserved for
// introspection.
func validName(s string) bool { return nameRE.MatchString(s) && !strings.HasPrefix(s, "__") }

// validEnum reports whether every value of an enum type is a valid GraphQL
// enum value; enums that are not are exposed as String.
func validEnum(t *app.Type) bool {
	if len(t.Enum) == 0 || t.Name == "" {
		return false
	}
	for _, v := range t.Enum {
		if !validName(v) || v == "true" || v == "false" || v == "null" {
			return false
		}
	}
	return true
}

// isEnum reports whether t is exposed as a GraphQL enum.
func isEnum(t *app.Type) bool { return t.Kind == app.KindString && validEnum(t) }

// intScalar returns the GraphQL scalar of an integer type: Int for Go int,
// uint and every integer type of at most 16 bits or int32 (int and uint
// are range-checked against Int's 32 bits), Int64 for int64 and uint32,
// Uint64 for uint64.
func intScalar(t *app.Type) string {
	switch t.Go.Kind() {
	case reflect.Int, reflect.Uint, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return "Int"
	case reflect.Int64, reflect.Uint32:
		return scalarInt64
	default:
		return scalarUint64
	}
}

// leafName returns the GraphQL name of a scalar or enum type, or "" for
// structs, slices and pointers.
func leafName(t *app.Type) string {
	switch t.Kind {
	case app.KindBool:
		return "Boolean"
	case app.KindInt, app.KindUint:
		return intScalar(t)
	case app.KindFloat:
		return "Float"
	case app.KindString:
		if isEnum(t) {
			return t.Name
		}
		return "String"
	case app.KindBytes:
		return scalarBytes
	case app.KindTime:
		return scalarTime
	case app.KindDuration:
		return scalarDuration
	case app.KindAny, app.KindMap:
		return scalarJSON
	}
	return ""
}

// outputNullable reports whether an output field is nullable: pointers,
// interfaces (JSON), sum types not marked validate:"required" and
// omitempty/omitzero fields are; everything else is non-null (nil slices
// are written as [] and nil maps as {}). A required sum type is a non-null
// union: a handler returning no variant there is a field error.
func outputNullable(f *app.Field) bool {
	return f.Omittable() || f.Type.Kind == app.KindPointer || f.Type.Kind == app.KindAny || (f.Type.Kind == app.KindOneOf && !f.Required)
}

// elemNullable reports whether list elements of type t are nullable: a sum
// type's element may be a nil interface.
func elemNullable(t *app.Type) bool {
	return t.Kind == app.KindPointer || t.Kind == app.KindAny || t.Kind == app.KindOneOf
}

// inputName is the GraphQL name of the input object for struct type t.
func inputName(t *app.Type) string { return t.Name + "Input" }

// sdlBuilder writes the SDL of an App's registry.
type sdlBuilder struct {
	a *app.App
	// owners maps each declared GraphQL type name to a description of what
	// declared it, to report clashes.
	owners  map[string]string
	queue   []queued
	queued  map[queued]bool
	scalars map[string]bool
	// inputFields caches the representable fields of input structs.
	inputFields map[*app.Type][]*app.Field
}

type queued struct {
	t     *app.Type
	input bool
}

// buildSDL returns the SDL text for a's operations.
func buildSDL(a *app.App) (string, error) {
	b := &sdlBuilder{
		a:           a,
		owners:      map[string]string{},
		queued:      map[queued]bool{},
		scalars:     map[string]bool{},
		inputFields: map[*app.Type][]*app.Field{},
	}
	for _, n := range []string{"Int", "Float", "String", "Boolean", "ID"} {
		b.owners[n] = "the built-in scalar " + n
	}
	var roots [3]strings.Builder
	rootNames := [3]string{"Query", "Mutation", "Subscription"}
	for _, n := range rootNames {
		b.owners[n] = "the " + n + " root type"
	}
	for _, op := range a.Operations() {
		i := 0
		switch op.Kind {
		case app.OpCommand:
			i = 1
		case app.OpStream:
			i = 2
		}
		if err := b.rootField(&roots[i], op); err != nil {
			return "", err
		}
	}
	var out strings.Builder
	for i, n := range rootNames {
		if i > 0 && roots[i].Len() == 0 {
			continue
		}
		fmt.Fprintf(&out, "type %s {\n", n)
		if roots[i].Len() == 0 {
			writeDesc(&out, "  ", "Always true: the service has no query operations.")
			out.WriteString("  " + placeholderField + ": Boolean!\n")
		}
		out.WriteString(roots[i].String())
		out.WriteString("}\n\n")
	}
	for len(b.queue) > 0 {
		q := b.queue[0]
		b.queue = b.queue[1:]
		var err error
		switch {
		case q.input && q.t.Kind == app.KindOneOf:
			err = b.oneOfInput(&out, q.t)
		case q.input:
			err = b.inputType(&out, q.t)
		case q.t.Kind == app.KindOneOf:
			err = b.union(&out, q.t)
		case q.t.Kind == app.KindStruct:
			err = b.objectType(&out, q.t)
		default:
			b.enumType(&out, q.t)
		}
		if err != nil {
			return "", err
		}
	}
	for _, s := range scalarOrder {
		if b.scalars[s] {
			writeDesc(&out, "", scalarDocs[s])
			fmt.Fprintf(&out, "scalar %s\n\n", s)
		}
	}
	return strings.TrimSuffix(out.String(), "\n"), nil
}

// claim records that what declares the GraphQL type name, failing on a clash.
func (b *sdlBuilder) claim(name, what string) error {
	if !validName(name) {
		return fmt.Errorf("%s: %q is not a valid GraphQL type name", what, name)
	}
	if prev, ok := b.owners[name]; ok && prev != what {
		return fmt.Errorf("type name %q clashes: used by %s and %s", name, prev, what)
	}
	b.owners[name] = what
	return nil
}

func (b *sdlBuilder) enqueue(t *app.Type, input bool) error {
	q := queued{t: t, input: input}
	if b.queued[q] {
		return nil
	}
	var name, what string
	switch {
	case input:
		name, what = inputName(t), "the input of Go type "+t.Go.String()
	case t.Kind == app.KindOneOf:
		name, what = t.Name, "sum type "+t.Go.String()
	case t.Kind == app.KindStruct:
		name, what = t.Name, "Go type "+t.Go.String()
	default:
		name, what = t.Name, "enum "+t.Go.String()
	}
	if err := b.claim(name, what); err != nil {
		return err
	}
	b.queued[q] = true
	b.queue = append(b.queue, q)
	return nil
}

func (b *sdlBuilder) scalar(name string) error {
	if b.scalars[name] {
		return nil
	}
	if err := b.claim(name, "the scalar "+name); err != nil {
		return err
	}
	b.scalars[name] = true
	return nil
}

// ref returns the GraphQL type of a value of t (without the outer "!").
func (b *sdlBuilder) ref(t *app.Type, input bool) (string, error) {
	t = t.Deref()
	if input && t.IsFile() {
		return scalarUpload, b.scalar(scalarUpload)
	}
	switch t.Kind {
	case app.KindStruct, app.KindOneOf:
		if err := b.enqueue(t, input); err != nil {
			return "", err
		}
		if input {
			return inputName(t), nil
		}
		return t.Name, nil
	case app.KindSlice:
		elem, err := b.ref(t.Elem, input)
		if err != nil {
			return "", err
		}
		if !elemNullable(t.Elem) {
			elem += "!"
		}
		return "[" + elem + "]", nil
	}
	name := leafName(t)
	switch {
	case name == "":
		return "", fmt.Errorf("unsupported type %s", t.Go)
	case isEnum(t):
		if err := b.enqueue(t, false); err != nil {
			return "", err
		}
	case scalarDocs[name] != "":
		if err := b.scalar(name); err != nil {
			return "", err
		}
	}
	return name, nil
}

func (b *sdlBuilder) rootField(w *strings.Builder, op *app.Operation) error {
	desc := op.Description
	if desc == "" {
		desc = op.Summary
	}
	writeDesc(w, "  ", desc)
	w.WriteString("  " + op.Name)
	if err := b.args(w, op.Input, "  "); err != nil {
		return fmt.Errorf("operation %s: %w", op.Name, err)
	}
	out, err := b.ref(op.Output, false)
	if err != nil {
		return fmt.Errorf("operation %s: %w", op.Name, err)
	}
	w.WriteString(": " + out)
	writeDeprecated(w, op.Deprecated)
	w.WriteString("\n")
	return nil
}

// args writes the argument list of a root field built from the input struct.
func (b *sdlBuilder) args(w *strings.Builder, in *app.Type, indent string) error {
	fields := inputFieldsOf(in, b.inputFields)
	if len(fields) == 0 {
		return nil
	}
	documented := false
	for _, f := range fields {
		documented = documented || f.Doc != "" || f.Required && f.Deprecated != ""
	}
	if !documented {
		// Short form: hello(name: String!)
		var line strings.Builder
		line.WriteString("(")
		for i, f := range fields {
			if i > 0 {
				line.WriteString(", ")
			}
			if err := b.inputValue(&line, in, f, ""); err != nil {
				return err
			}
		}
		w.WriteString(strings.ReplaceAll(line.String(), "\n", "") + ")")
		return nil
	}
	w.WriteString("(\n")
	for _, f := range fields {
		if err := b.inputValue(w, in, f, indent+"  "); err != nil {
			return err
		}
	}
	w.WriteString(indent + ")")
	return nil
}

// inputValue writes one argument or input field.
func (b *sdlBuilder) inputValue(w *strings.Builder, owner *app.Type, f *app.Field, indent string) error {
	if !validName(f.Name) {
		return fmt.Errorf("field %s.%s: JSON name %q is not a valid GraphQL name", owner.Go, f.GoName, f.Name)
	}
	typ, err := b.ref(f.Type, true)
	if err != nil {
		return fmt.Errorf("field %s.%s: %w", owner.Go, f.GoName, err)
	}
	doc := f.Doc
	if f.Required {
		typ += "!"
		if f.Deprecated != "" {
			// Required arguments cannot carry @deprecated.
			doc = strings.TrimSpace(doc + "\n\nDeprecated: " + deprecationReason(f.Deprecated))
		}
	}
	writeDesc(w, indent, doc)
	w.WriteString(indent + f.Name + ": " + typ)
	if !f.Required {
		writeDeprecated(w, f.Deprecated)
	}
	w.WriteString("\n")
	return nil
}

// inputFieldsOf returns the fields of input struct t that GraphQL can
// express, caching the result in memo: fields whose struct type has no
// representable field are left out, as GraphQL has no empty input objects.
// Types being computed count as representable, so recursive types terminate.
func inputFieldsOf(t *app.Type, memo map[*app.Type][]*app.Field) []*app.Field {
	if fs, ok := memo[t]; ok {
		return fs
	}
	memo[t] = t.Fields // optimistic while recursing
	var out []*app.Field
	for _, f := range t.Fields {
		base := f.Type.Deref()
		for base.Kind == app.KindSlice {
			base = base.Elem.Deref()
		}
		if base.Kind == app.KindStruct && len(inputFieldsOf(base, memo)) == 0 {
			continue
		}
		out = append(out, f)
	}
	memo[t] = out
	return out
}

func (b *sdlBuilder) objectType(w *strings.Builder, t *app.Type) error {
	writeDesc(w, "", t.Doc)
	w.WriteString("type " + t.Name + " {\n")
	if len(t.Fields) == 0 {
		writeDesc(w, "  ", placeholderDoc)
		w.WriteString("  " + placeholderField + ": Boolean!\n")
	}
	for _, f := range t.Fields {
		if !validName(f.Name) {
			return fmt.Errorf("field %s.%s: JSON name %q is not a valid GraphQL name", t.Go, f.GoName, f.Name)
		}
		typ, err := b.ref(f.Type, false)
		if err != nil {
			return fmt.Errorf("field %s.%s: %w", t.Go, f.GoName, err)
		}
		if !outputNullable(f) {
			typ += "!"
		}
		writeDesc(w, "  ", f.Doc)
		w.WriteString("  " + f.Name + ": " + typ)
		writeDeprecated(w, f.Deprecated)
		w.WriteString("\n")
	}
	w.WriteString("}\n\n")
	return nil
}

func (b *sdlBuilder) inputType(w *strings.Builder, t *app.Type) error {
	fields := inputFieldsOf(t, b.inputFields)
	writeDesc(w, "", t.Doc)
	w.WriteString("input " + inputName(t) + " {\n")
	for _, f := range fields {
		if err := b.inputValue(w, t, f, "  "); err != nil {
			return err
		}
	}
	w.WriteString("}\n\n")
	return nil
}

// union writes an output sum type as a union of its variants' object types.
func (b *sdlBuilder) union(w *strings.Builder, t *app.Type) error {
	names := make([]string, len(t.OneOf.Variants))
	for i, v := range t.OneOf.Variants {
		if err := b.enqueue(v.Type, false); err != nil {
			return fmt.Errorf("sum type %s: %w", t.Go, err)
		}
		names[i] = v.Type.Name
	}
	writeDesc(w, "", t.Doc)
	w.WriteString("union " + t.Name + " = " + strings.Join(names, " | ") + "\n\n")
	return nil
}

// oneOfInput writes an input sum type as a @oneOf input object (the OneOf
// Input Objects RFC): one nullable field per variant, named after it, of
// which exactly one must be set.
func (b *sdlBuilder) oneOfInput(w *strings.Builder, t *app.Type) error {
	doc := t.Doc
	if doc == "" {
		doc = "Exactly one of: " + strings.Join(t.OneOf.Names(), ", ") + "."
	}
	writeDesc(w, "", doc)
	w.WriteString("input " + inputName(t) + " @oneOf {\n")
	for _, v := range t.OneOf.Variants {
		if len(inputFieldsOf(v.Type, b.inputFields)) == 0 {
			return fmt.Errorf("sum type %s: variant %s has no field GraphQL input can carry", t.Go, v.Type.Go)
		}
		typ, err := b.ref(v.Type, true)
		if err != nil {
			return fmt.Errorf("sum type %s: %w", t.Go, err)
		}
		w.WriteString("  " + v.Name + ": " + typ + "\n")
	}
	w.WriteString("}\n\n")
	return nil
}

func (b *sdlBuilder) enumType(w *strings.Builder, t *app.Type) {
	writeDesc(w, "", t.Doc)
	w.WriteString("enum " + t.Name + " {\n")
	for _, v := range t.Enum {
		w.WriteString("  " + v + "\n")
	}
	w.WriteString("}\n\n")
}

// deprecationReason turns a `deprecated` tag into a reason; "true" means
// deprecated without a reason.
func deprecationReason(tag string) string {
	if tag == "true" {
		return "No longer supported"
	}
	return tag
}

func writeDeprecated(w *strings.Builder, tag string) {
	if tag == "" {
		return
	}
	w.WriteString(" @deprecated(reason: " + quote(deprecationReason(tag)) + ")")
}

// writeDesc writes a description: a block string when it spans lines, a
// quoted string otherwise.
func writeDesc(w *strings.Builder, indent, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if !strings.Contains(s, "\n") {
		w.WriteString(indent + quote(s) + "\n")
		return
	}
	w.WriteString(indent + `"""` + "\n")
	for line := range strings.SplitSeq(strings.ReplaceAll(s, `"""`, `\"""`), "\n") {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			w.WriteString("\n")
			continue
		}
		w.WriteString(indent + line + "\n")
	}
	w.WriteString(indent + `"""` + "\n")
}

// quote returns s as a GraphQL string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
