package schemadiff

import (
	"fmt"
	"slices"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func loadGraphQL(which, file string, data []byte) (*ast.Schema, error) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: file, Input: string(data)})
	if err != nil {
		return nil, fmt.Errorf("%s GraphQL schema does not load: %w", which, err)
	}
	return s, nil
}

func compareGraphQL(file string, oldData, newData []byte) ([]Change, error) {
	o, err := loadGraphQL("old", file, oldData)
	if err != nil {
		return nil, err
	}
	n, err := loadGraphQL("new", file, newData)
	if err != nil {
		return nil, err
	}
	d := &differ{}
	for name, ot := range o.Types {
		if ot.BuiltIn {
			continue
		}
		nt, ok := n.Types[name]
		if !ok {
			d.breaking(name, "%s removed", kindName(ot.Kind))
			continue
		}
		if ot.Kind != nt.Kind {
			d.breaking(name, "changed from %s to %s", kindName(ot.Kind), kindName(nt.Kind))
			continue
		}
		switch ot.Kind {
		case ast.Object, ast.Interface:
			graphQLFields(d, name, ot.Fields, nt.Fields)
		case ast.InputObject:
			graphQLInputFields(d, name, ot.Fields, nt.Fields)
		case ast.Enum:
			for _, v := range ot.EnumValues {
				if nt.EnumValues.ForName(v.Name) == nil {
					d.breaking(name+"."+v.Name, "enum value removed")
				}
			}
			for _, v := range nt.EnumValues {
				if ot.EnumValues.ForName(v.Name) == nil {
					d.safe(name+"."+v.Name, "enum value added")
				}
			}
		case ast.Union:
			members(d, name, ot.Types, nt.Types)
		}
	}
	for name, nt := range n.Types {
		if _, ok := o.Types[name]; !ok && !nt.BuiltIn {
			d.safe(name, "%s added", kindName(nt.Kind))
		}
	}
	return d.changes, nil
}

// graphQLFields compares the fields of an object or interface type: what
// clients select, and the arguments they pass.
func graphQLFields(d *differ, typ string, o, n ast.FieldList) {
	for _, of := range o {
		at := typ + "." + of.Name
		nf := n.ForName(of.Name)
		if nf == nil {
			d.breaking(at, "field removed")
			continue
		}
		typeChange(d, at, of.Type, nf.Type, outputSafe)
		for _, oa := range of.Arguments {
			arg := fmt.Sprintf("%s(%s)", at, oa.Name)
			na := nf.Arguments.ForName(oa.Name)
			if na == nil {
				d.breaking(arg, "argument removed")
				continue
			}
			typeChange(d, arg, oa.Type, na.Type, inputSafe)
		}
		for _, na := range nf.Arguments {
			if of.Arguments.ForName(na.Name) != nil {
				continue
			}
			arg := fmt.Sprintf("%s(%s)", at, na.Name)
			if na.Type.NonNull && na.DefaultValue == nil {
				d.breaking(arg, "required argument added")
			} else {
				d.safe(arg, "optional argument added")
			}
		}
	}
	for _, nf := range n {
		if o.ForName(nf.Name) == nil {
			d.safe(typ+"."+nf.Name, "field added")
		}
	}
}

// graphQLInputFields compares the fields of an input object type.
func graphQLInputFields(d *differ, typ string, o, n ast.FieldList) {
	for _, of := range o {
		at := typ + "." + of.Name
		nf := n.ForName(of.Name)
		if nf == nil {
			d.breaking(at, "input field removed")
			continue
		}
		typeChange(d, at, of.Type, nf.Type, inputSafe)
	}
	for _, nf := range n {
		if o.ForName(nf.Name) != nil {
			continue
		}
		at := typ + "." + nf.Name
		if nf.Type.NonNull && nf.DefaultValue == nil {
			d.breaking(at, "required input field added")
		} else {
			d.safe(at, "optional input field added")
		}
	}
}

func members(d *differ, typ string, o, n []string) {
	for _, m := range o {
		if !slices.Contains(n, m) {
			d.breaking(typ, "union member %s removed", m)
		}
	}
	for _, m := range n {
		if !slices.Contains(o, m) {
			d.safe(typ, "union member %s added", m)
		}
	}
}

func typeChange(d *differ, at string, o, n *ast.Type, safe func(o, n *ast.Type) bool) {
	if o.String() == n.String() {
		return
	}
	if safe(o, n) {
		d.safe(at, "type changed from %s to %s", o, n)
	} else {
		d.breaking(at, "type changed from %s to %s", o, n)
	}
}

// outputSafe reports whether a field of type o can become n without
// surprising a client that reads it: only by becoming non-null.
func outputSafe(o, n *ast.Type) bool {
	if o.NonNull && !n.NonNull {
		return false
	}
	if (o.Elem == nil) != (n.Elem == nil) {
		return false
	}
	if o.Elem != nil {
		return outputSafe(o.Elem, n.Elem)
	}
	return o.NamedType == n.NamedType
}

// inputSafe reports whether an argument or input field of type o can
// become n without rejecting what a client sends: only by becoming
// nullable.
func inputSafe(o, n *ast.Type) bool {
	if n.NonNull && !o.NonNull {
		return false
	}
	if (o.Elem == nil) != (n.Elem == nil) {
		return false
	}
	if o.Elem != nil {
		return inputSafe(o.Elem, n.Elem)
	}
	return o.NamedType == n.NamedType
}

func kindName(k ast.DefinitionKind) string {
	switch k {
	case ast.Object:
		return "type"
	case ast.InputObject:
		return "input"
	case ast.Interface:
		return "interface"
	case ast.Union:
		return "union"
	case ast.Enum:
		return "enum"
	case ast.Scalar:
		return "scalar"
	}
	return string(k)
}
