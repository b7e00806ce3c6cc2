package grpc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	// The well-known types the descriptors import must be in the global
	// registry, which resolves them.
	_ "google.golang.org/protobuf/types/known/durationpb"
	_ "google.golang.org/protobuf/types/known/structpb"
	_ "google.golang.org/protobuf/types/known/timestamppb"
)

// schema is the protobuf view of an App: one file with one service whose
// methods are the App's operations.
type schema struct {
	pkg     string // "hello.v1"
	service string // "HelloService"
	proto   *descriptorpb.FileDescriptorProto
	file    protoreflect.FileDescriptor
	docs    map[string]string // element full name → comment
	methods []*methodSchema
}

// methodSchema links one operation to its method.
type methodSchema struct {
	op         *app.Operation
	name       string // "Hello"
	fullMethod string // "/hello.v1.HelloService/Hello"
}

// wellKnownFiles maps the well-known messages to the files declaring them.
var wellKnownFiles = map[protoreflect.FullName]string{
	wire.Timestamp: "google/protobuf/timestamp.proto",
	wire.Duration:  "google/protobuf/duration.proto",
	wire.Value:     "google/protobuf/struct.proto",
}

// ProtoPackage returns the protobuf package of an App called name:
// the name in lower snake case with a ".v1" suffix ("hello" → "hello.v1").
func ProtoPackage(name string) string { return snakeIdent(name) + ".v1" }

// ServiceName returns the protobuf service of an App called name: the name
// in PascalCase with a "Service" suffix unless it already has one
// ("hello" → "HelloService").
func ServiceName(name string) string {
	var b strings.Builder
	upper := true
	for _, r := range name {
		switch {
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			if upper && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			if b.Len() == 0 && r >= '0' && r <= '9' {
				b.WriteByte('X')
			}
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	s := b.String()
	if s == "" {
		s = "App"
	}
	if !strings.HasSuffix(s, "Service") {
		s += "Service"
	}
	return s
}

// snakeIdent turns a name into a lower snake case protobuf identifier.
func snakeIdent(name string) string {
	s := app.SnakeName(name)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r == '_':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r >= '0' && r <= '9':
			if b.Len() == 0 {
				b.WriteByte('x')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "app"
	}
	return b.String()
}

// upperSnake turns a name into an UPPER_SNAKE_CASE protobuf identifier part.
func upperSnake(name string) string { return strings.ToUpper(snakeIdent(name)) }

// buildSchema builds the descriptors of a's operations. Errors name the
// operation and type protobuf cannot represent.
func buildSchema(a *app.App) (*schema, error) {
	b := &builder{
		pkg:     ProtoPackage(a.Name()),
		service: ServiceName(a.Name()),
		docs:    map[string]string{},
		claims:  map[string]claim{},
		imports: map[string]bool{},
		queued:  map[*app.Type]bool{},
	}
	ops := a.Operations()
	if len(ops) == 0 {
		return nil, fmt.Errorf("grpc: app %q has no operations to serve", a.Name())
	}
	if err := b.claim(b.service, claim{what: "the service"}); err != nil {
		return nil, fmt.Errorf("grpc: %w", err)
	}
	svc := &descriptorpb.ServiceDescriptorProto{Name: proto.String(b.service)}
	b.doc(b.pkg+"."+b.service, a.Description())
	s := &schema{pkg: b.pkg, service: b.service, docs: b.docs}
	for _, op := range ops {
		name := app.PascalName(op.Name)
		req, resp := name+"Request", name+"Response"
		if err := b.claim(req, claim{what: "the request of operation " + op.Name, typ: op.Input}); err != nil {
			return nil, fmt.Errorf("grpc: %w", err)
		}
		if err := b.claim(resp, claim{what: "the response of operation " + op.Name, typ: op.Output}); err != nil {
			return nil, fmt.Errorf("grpc: %w", err)
		}
		m := &descriptorpb.MethodDescriptorProto{
			Name:       proto.String(name),
			InputType:  proto.String("." + b.pkg + "." + req),
			OutputType: proto.String("." + b.pkg + "." + resp),
		}
		if op.Kind == app.OpStream {
			m.ServerStreaming = proto.Bool(true)
		}
		if op.Deprecated != "" {
			m.Options = &descriptorpb.MethodOptions{Deprecated: proto.Bool(true)}
		}
		svc.Method = append(svc.Method, m)
		doc := op.Description
		if doc == "" {
			doc = op.Summary
		}
		if op.Deprecated != "" {
			doc = strings.TrimSpace(doc + "\n\nDeprecated: " + op.Deprecated)
		}
		b.doc(b.pkg+"."+b.service+"."+name, doc)
		s.methods = append(s.methods, &methodSchema{op: op, name: name, fullMethod: "/" + b.pkg + "." + b.service + "/" + name})
	}
	for _, op := range ops {
		name := app.PascalName(op.Name)
		if err := b.message(name+"Request", op.Input, "The input of "+name+"."); err != nil {
			return nil, fmt.Errorf("grpc: operation %s: %w", op.Name, err)
		}
		if err := b.message(name+"Response", op.Output, "The output of "+name+"."); err != nil {
			return nil, fmt.Errorf("grpc: operation %s: %w", op.Name, err)
		}
	}
	for i := 0; i < len(b.queue); i++ {
		t := b.queue[i]
		var err error
		switch t.Kind {
		case app.KindStruct:
			err = b.message(t.Name, t, t.Doc)
		case app.KindOneOf:
			err = b.oneOf(t)
		default:
			err = b.enum(t)
		}
		if err != nil {
			return nil, fmt.Errorf("grpc: %w", err)
		}
	}
	deps := make([]string, 0, len(b.imports))
	for f := range b.imports {
		deps = append(deps, f)
	}
	slices.Sort(deps)
	base := snakeIdent(a.Name())
	s.proto = &descriptorpb.FileDescriptorProto{
		Name:        proto.String(strings.ReplaceAll(b.pkg, ".", "/") + "/" + base + ".proto"),
		Package:     proto.String(b.pkg),
		Dependency:  deps,
		MessageType: b.messages,
		EnumType:    b.enums,
		Service:     []*descriptorpb.ServiceDescriptorProto{svc},
		Syntax:      proto.String("proto3"),
	}
	fd, err := protodesc.NewFile(s.proto, protoregistry.GlobalFiles)
	if err != nil {
		return nil, fmt.Errorf("grpc: invalid descriptors for %s: %w", s.proto.GetName(), err)
	}
	s.file = fd
	return s, nil
}

// claim records who owns a package-level name.
type claim struct {
	what string
	typ  *app.Type // the Go type a message or enum describes
}

type builder struct {
	pkg, service string
	docs         map[string]string
	claims       map[string]claim
	imports      map[string]bool
	queued       map[*app.Type]bool
	queue        []*app.Type
	messages     []*descriptorpb.DescriptorProto
	enums        []*descriptorpb.EnumDescriptorProto
	emitted      map[string]bool
}

func (b *builder) claim(name string, c claim) error {
	if prev, ok := b.claims[name]; ok {
		if c.typ != nil && prev.typ == c.typ {
			return nil
		}
		return fmt.Errorf("protobuf name %s.%s is used by both %s and %s; rename one of them", b.pkg, name, prev.what, c.what)
	}
	b.claims[name] = c
	return nil
}

func (b *builder) doc(fullName, doc string) {
	if doc = strings.TrimSpace(doc); doc != "" {
		b.docs[fullName] = doc
	}
}

// ref queues a named struct or enum for emission and returns its full name.
func (b *builder) ref(t *app.Type) (string, error) {
	if !b.queued[t] {
		what := "Go type " + t.Go.String()
		if err := b.claim(t.Name, claim{what: what, typ: t}); err != nil {
			return "", err
		}
		b.queued[t] = true
		b.queue = append(b.queue, t)
	}
	return "." + b.pkg + "." + t.Name, nil
}

// message emits a message called name with the fields of struct t.
func (b *builder) message(name string, t *app.Type, doc string) error {
	if b.emitted == nil {
		b.emitted = map[string]bool{}
	}
	if b.emitted[name] {
		return nil
	}
	b.emitted[name] = true
	full := b.pkg + "." + name
	b.doc(full, doc)
	msg := &descriptorpb.DescriptorProto{Name: proto.String(name)}
	used := map[string]bool{}  // field names, folded the way protoc compares them
	names := map[string]bool{} // field and oneof names, for synthetic oneofs
	var optional []*descriptorpb.FieldDescriptorProto
	for _, f := range t.Fields {
		fd, err := b.field(full, msg, f, used)
		if err != nil {
			return fmt.Errorf("%s field %s: %w", t.Go, f.GoName, err)
		}
		names[fd.GetName()] = true
		if fd.GetProto3Optional() {
			optional = append(optional, fd)
		}
		msg.Field = append(msg.Field, fd)
		fdoc := f.Doc
		if f.Deprecated != "" && f.Deprecated != "true" {
			fdoc = strings.TrimSpace(fdoc + "\n\nDeprecated: " + f.Deprecated)
		}
		b.doc(full+"."+fd.GetName(), fdoc)
	}
	// Synthetic oneofs of proto3 optional fields, named as protoc names them.
	for _, fd := range optional {
		oneof := fd.GetName()
		if !strings.HasPrefix(oneof, "_") {
			oneof = "_" + oneof
		}
		for names[oneof] {
			oneof = "X" + oneof
		}
		names[oneof] = true
		fd.OneofIndex = proto.Int32(int32(len(msg.OneofDecl))) //nolint:gosec // G115: one oneof per field, and fields are numbered in int32
		msg.OneofDecl = append(msg.OneofDecl, &descriptorpb.OneofDescriptorProto{Name: proto.String(oneof)})
	}
	b.messages = append(b.messages, msg)
	return nil
}

// fieldName derives the protobuf field name from the JSON name: lower
// snake case, unique within the message the way protoc compares names
// (case-insensitively, ignoring underscores); a clash gets the field
// number as suffix.
func fieldName(f *app.Field, used map[string]bool) string {
	name := snakeIdent(f.Name)
	fold := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	for used[fold(name)] {
		name += "_" + strconv.Itoa(f.Number)
	}
	used[fold(name)] = true
	return name
}

func (b *builder) field(msgFull string, msg *descriptorpb.DescriptorProto, f *app.Field, used map[string]bool) (*descriptorpb.FieldDescriptorProto, error) {
	shape, err := wire.ShapeOf(f.Type)
	if err != nil {
		return nil, err
	}
	fd := &descriptorpb.FieldDescriptorProto{
		Name:     proto.String(fieldName(f, used)),
		Number:   proto.Int32(int32(f.Number)), //nolint:gosec // G115: field numbers are proto tags (at most 2^29-1) or counted on from them
		Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
		JsonName: proto.String(f.Name),
	}
	if f.Deprecated != "" {
		fd.Options = &descriptorpb.FieldOptions{Deprecated: proto.Bool(true)}
	}
	switch shape.Cardinality {
	case wire.Optional:
		fd.Proto3Optional = proto.Bool(true)
	case wire.Repeated:
		fd.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	case wire.Map:
		fd.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		entry := mapEntryName(fd.GetName())
		key := &descriptorpb.FieldDescriptorProto{
			Name: proto.String("key"), Number: proto.Int32(1), JsonName: proto.String("key"),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
		}
		val := &descriptorpb.FieldDescriptorProto{
			Name: proto.String("value"), Number: proto.Int32(2), JsonName: proto.String("value"),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
		}
		if err := b.setType(key, shape.Key); err != nil {
			return nil, err
		}
		if err := b.setType(val, shape.Value); err != nil {
			return nil, err
		}
		msg.NestedType = append(msg.NestedType, &descriptorpb.DescriptorProto{
			Name:    proto.String(entry),
			Field:   []*descriptorpb.FieldDescriptorProto{key, val},
			Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
		})
		fd.Type = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
		fd.TypeName = proto.String("." + msgFull + "." + entry)
		return fd, nil
	}
	return fd, b.setType(fd, shape.Value)
}

var scalarTypes = map[protoreflect.Kind]descriptorpb.FieldDescriptorProto_Type{
	protoreflect.BoolKind:   descriptorpb.FieldDescriptorProto_TYPE_BOOL,
	protoreflect.Int32Kind:  descriptorpb.FieldDescriptorProto_TYPE_INT32,
	protoreflect.Int64Kind:  descriptorpb.FieldDescriptorProto_TYPE_INT64,
	protoreflect.Uint32Kind: descriptorpb.FieldDescriptorProto_TYPE_UINT32,
	protoreflect.Uint64Kind: descriptorpb.FieldDescriptorProto_TYPE_UINT64,
	protoreflect.FloatKind:  descriptorpb.FieldDescriptorProto_TYPE_FLOAT,
	protoreflect.DoubleKind: descriptorpb.FieldDescriptorProto_TYPE_DOUBLE,
	protoreflect.StringKind: descriptorpb.FieldDescriptorProto_TYPE_STRING,
	protoreflect.BytesKind:  descriptorpb.FieldDescriptorProto_TYPE_BYTES,
}

func (b *builder) setType(fd *descriptorpb.FieldDescriptorProto, e wire.Elem) error {
	switch e.Kind {
	case protoreflect.EnumKind:
		name, err := b.ref(e.Type)
		if err != nil {
			return err
		}
		fd.Type, fd.TypeName = descriptorpb.FieldDescriptorProto_TYPE_ENUM.Enum(), proto.String(name)
	case protoreflect.MessageKind:
		fd.Type = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
		if e.WellKnown != "" {
			b.imports[wellKnownFiles[e.WellKnown]] = true
			fd.TypeName = proto.String("." + string(e.WellKnown))
			return nil
		}
		name, err := b.ref(e.Type)
		if err != nil {
			return err
		}
		fd.TypeName = proto.String(name)
	default:
		t, ok := scalarTypes[e.Kind]
		if !ok {
			return fmt.Errorf("no protobuf type for kind %s", e.Kind)
		}
		fd.Type = t.Enum()
	}
	return nil
}

// mapEntryName is protoc's name for the entry message of a map field:
// "foo_bar" → "FooBarEntry".
func mapEntryName(field string) string {
	var b strings.Builder
	upper := true
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case c == '_':
			upper = true
		case upper:
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			upper = false
		default:
			b.WriteByte(c)
		}
	}
	return b.String() + "Entry"
}

// enum emits the enum of a named string type: 0 is <ENUM>_UNSPECIFIED,
// value i is numbered i+1 (the order app.Enum documents).
func (b *builder) enum(t *app.Type) error {
	prefix := upperSnake(t.Name)
	full := b.pkg + "." + t.Name
	b.doc(full, t.Doc)
	ed := &descriptorpb.EnumDescriptorProto{Name: proto.String(t.Name)}
	add := func(name string, num int32) error {
		// Enum values are scoped like siblings of the enum: package level.
		if err := b.claim(name, claim{what: "a value of enum " + t.Name}); err != nil {
			return err
		}
		ed.Value = append(ed.Value, &descriptorpb.EnumValueDescriptorProto{Name: proto.String(name), Number: proto.Int32(num)})
		return nil
	}
	if err := add(prefix+"_UNSPECIFIED", 0); err != nil {
		return err
	}
	for i, v := range t.Enum {
		if v == "" {
			return fmt.Errorf("enum %s (%s): the empty string cannot be a value; it is the unspecified value 0", t.Name, t.Go)
		}
		name := prefix + "_" + upperSnake(v)
		if _, taken := b.claims[name]; taken {
			name += "_" + strconv.Itoa(i+1)
		}
		if err := add(name, int32(i+1)); err != nil {
			return err
		}
	}
	b.enums = append(b.enums, ed)
	return nil
}

// oneOfName is the oneof of a sum type's message.
const oneOfName = "value"

// oneOf emits the message of sum type t: one oneof whose members are the
// variants' messages, named and numbered after the variants.
func (b *builder) oneOf(t *app.Type) error {
	full := b.pkg + "." + t.Name
	doc := t.Doc
	if doc == "" {
		doc = "One of: " + strings.Join(t.OneOf.Names(), ", ") + "."
	}
	b.doc(full, doc)
	msg := &descriptorpb.DescriptorProto{
		Name:      proto.String(t.Name),
		OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String(oneOfName)}},
	}
	used := map[string]bool{}
	for _, v := range t.OneOf.Variants {
		name, err := b.ref(v.Type)
		if err != nil {
			return err
		}
		fname := snakeIdent(v.Name)
		fold := strings.ToLower(strings.ReplaceAll(fname, "_", ""))
		if used[fold] || fold == oneOfName {
			return fmt.Errorf("sum type %s: variant names %q clash in protobuf", t.Go, v.Name)
		}
		used[fold] = true
		msg.Field = append(msg.Field, &descriptorpb.FieldDescriptorProto{
			Name:       proto.String(fname),
			Number:     proto.Int32(int32(v.Number)), //nolint:gosec // G115: variant numbers are proto tags (at most 2^29-1)
			Label:      descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			Type:       descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
			TypeName:   proto.String(name),
			JsonName:   proto.String(v.Name),
			OneofIndex: proto.Int32(0),
		})
	}
	b.messages = append(b.messages, msg)
	return nil
}
