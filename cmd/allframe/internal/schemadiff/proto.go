package schemadiff

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// loadProto compiles one .proto file (it may import the well-known types)
// with protocompile: a pure-Go compiler, so diffing needs no protoc.
func loadProto(which, file string, data []byte) (protoreflect.FileDescriptor, error) {
	name := filepath.Base(file)
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(map[string]string{name: string(data)}),
		}),
	}
	fs, err := c.Compile(context.Background(), name)
	if err != nil {
		return nil, fmt.Errorf("%s .proto does not compile: %w", which, err)
	}
	return fs[0], nil
}

func compareProto(file string, oldData, newData []byte) ([]Change, error) {
	o, err := loadProto("old", file, oldData)
	if err != nil {
		return nil, err
	}
	n, err := loadProto("new", file, newData)
	if err != nil {
		return nil, err
	}
	d := &differ{}
	om, nm := protoMessages(o), protoMessages(n)
	for name, m := range om {
		if nmsg, ok := nm[name]; ok {
			protoFields(d, m, nmsg)
		} else {
			d.breaking(string(name), "message removed")
		}
	}
	for name := range nm {
		if _, ok := om[name]; !ok {
			d.safe(string(name), "message added")
		}
	}
	oe, ne := protoEnums(o), protoEnums(n)
	for name, e := range oe {
		if nenum, ok := ne[name]; ok {
			protoEnumValues(d, e, nenum)
		} else {
			d.breaking(string(name), "enum removed")
		}
	}
	for name := range ne {
		if _, ok := oe[name]; !ok {
			d.safe(string(name), "enum added")
		}
	}
	protoServices(d, o.Services(), n.Services())
	return d.changes, nil
}

// protoFields compares two versions of a message by field number, the
// wire identity of a field; names matter too, to JSON (protojson) clients.
func protoFields(d *differ, o, n protoreflect.MessageDescriptor) {
	ofs, nfs := o.Fields(), n.Fields()
	for i := range ofs.Len() {
		of := ofs.Get(i)
		at := string(of.FullName())
		nf := nfs.ByNumber(of.Number())
		switch byName := nfs.ByName(of.Name()); {
		case byName != nil && byName.Number() != of.Number():
			d.breaking(at, "field renumbered from %d to %d", of.Number(), byName.Number())
			nf = byName // and compare its type below
		case nf == nil:
			d.breaking(at, "field %d removed", of.Number())
			continue
		case nf.Name() != of.Name() && ofs.ByName(nf.Name()) != nil:
			// Another old field moved to this number (reported under its
			// own name); this one is gone.
			d.breaking(at, "field %d removed", of.Number())
			continue
		case nf.Name() != of.Name():
			d.breaking(at, "field %d renamed to %s (breaks JSON clients)", of.Number(), nf.Name())
		}
		if ot, nt := fieldType(of), fieldType(nf); ot != nt {
			d.breaking(at, "field %d type changed from %s to %s", of.Number(), ot, nt)
		}
		if oneofName(of) != oneofName(nf) {
			d.breaking(at, "field %d moved from oneof %q to oneof %q", of.Number(), oneofName(of), oneofName(nf))
		}
	}
	for i := range nfs.Len() {
		nf := nfs.Get(i)
		if ofs.ByNumber(nf.Number()) == nil && ofs.ByName(nf.Name()) == nil {
			d.safe(string(nf.FullName()), "field %d added", nf.Number())
		}
	}
}

func protoEnumValues(d *differ, o, n protoreflect.EnumDescriptor) {
	ovs, nvs := o.Values(), n.Values()
	for i := range ovs.Len() {
		ov := ovs.Get(i)
		at := string(o.FullName()) + "." + string(ov.Name())
		nv := nvs.ByNumber(ov.Number())
		switch {
		case nv == nil && nvs.ByName(ov.Name()) != nil:
			d.breaking(at, "enum value renumbered from %d to %d", ov.Number(), nvs.ByName(ov.Name()).Number())
		case nv == nil:
			d.breaking(at, "enum value %d removed", ov.Number())
		case nv.Name() != ov.Name():
			d.breaking(at, "enum value %d renamed to %s (breaks JSON clients)", ov.Number(), nv.Name())
		}
	}
	for i := range nvs.Len() {
		nv := nvs.Get(i)
		if ovs.ByNumber(nv.Number()) == nil && ovs.ByName(nv.Name()) == nil {
			d.safe(string(n.FullName())+"."+string(nv.Name()), "enum value %d added", nv.Number())
		}
	}
}

func protoServices(d *differ, o, n protoreflect.ServiceDescriptors) {
	for i := range o.Len() {
		os := o.Get(i)
		ns := n.ByName(os.Name())
		if ns == nil {
			d.breaking(string(os.FullName()), "service removed")
			continue
		}
		oms, nms := os.Methods(), ns.Methods()
		for j := range oms.Len() {
			om := oms.Get(j)
			at := string(om.FullName())
			nm := nms.ByName(om.Name())
			if nm == nil {
				d.breaking(at, "rpc removed")
				continue
			}
			if om.Input().FullName() != nm.Input().FullName() {
				d.breaking(at, "request type changed from %s to %s", om.Input().FullName(), nm.Input().FullName())
			}
			if om.Output().FullName() != nm.Output().FullName() {
				d.breaking(at, "response type changed from %s to %s", om.Output().FullName(), nm.Output().FullName())
			}
			if om.IsStreamingClient() != nm.IsStreamingClient() || om.IsStreamingServer() != nm.IsStreamingServer() {
				d.breaking(at, "streaming changed from %s to %s", streaming(om), streaming(nm))
			}
		}
		for j := range nms.Len() {
			if nm := nms.Get(j); oms.ByName(nm.Name()) == nil {
				d.safe(string(nm.FullName()), "rpc added")
			}
		}
	}
	for i := range n.Len() {
		if ns := n.Get(i); o.ByName(ns.Name()) == nil {
			d.safe(string(ns.FullName()), "service added")
		}
	}
}

// protoMessages indexes a file's messages, nested ones included (map
// entries excluded: their changes show as the map field's type).
func protoMessages(f protoreflect.FileDescriptor) map[protoreflect.FullName]protoreflect.MessageDescriptor {
	m := map[protoreflect.FullName]protoreflect.MessageDescriptor{}
	var walk func(ms protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := range ms.Len() {
			md := ms.Get(i)
			if md.IsMapEntry() {
				continue
			}
			m[md.FullName()] = md
			walk(md.Messages())
		}
	}
	walk(f.Messages())
	return m
}

func protoEnums(f protoreflect.FileDescriptor) map[protoreflect.FullName]protoreflect.EnumDescriptor {
	m := map[protoreflect.FullName]protoreflect.EnumDescriptor{}
	add := func(es protoreflect.EnumDescriptors) {
		for i := range es.Len() {
			m[es.Get(i).FullName()] = es.Get(i)
		}
	}
	add(f.Enums())
	for _, md := range protoMessages(f) {
		add(md.Enums())
	}
	return m
}

// fieldType describes a field's wire type and cardinality: "repeated
// string", "map<string, int64>", "bank.v1.Account".
func fieldType(f protoreflect.FieldDescriptor) string {
	if f.IsMap() {
		return fmt.Sprintf("map<%s, %s>", fieldType(f.MapKey()), fieldType(f.MapValue()))
	}
	t := f.Kind().String()
	switch f.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		t = string(f.Message().FullName())
	case protoreflect.EnumKind:
		t = string(f.Enum().FullName())
	}
	if f.Cardinality() == protoreflect.Repeated {
		t = "repeated " + t
	}
	return t
}

func oneofName(f protoreflect.FieldDescriptor) string {
	if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return string(o.Name())
	}
	return ""
}

func streaming(m protoreflect.MethodDescriptor) string {
	switch {
	case m.IsStreamingClient() && m.IsStreamingServer():
		return "bidi-streaming"
	case m.IsStreamingClient():
		return "client-streaming"
	case m.IsStreamingServer():
		return "server-streaming"
	}
	return "unary"
}
