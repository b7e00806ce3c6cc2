package app

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
)

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(sf reflect.StructField) string {
		// The same name rule as Field.Name, so violations name the fields
		// the schemas show.
		jt := parseJSONTag(sf)
		switch {
		case jt.skip:
			return ""
		case jt.name == "":
			return sf.Name
		}
		return jt.name
	})
	return v
}

// needsValidation reports whether values of t need any check at all, so
// types without rules skip validation entirely.
func needsValidation(t *Type, seen map[*Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind {
	case KindPointer, KindSlice, KindMap:
		return needsValidation(t.Elem, seen)
	case KindString:
		return len(t.Enum) > 0
	case KindOneOf:
		for _, v := range t.OneOf.Variants {
			if needsValidation(v.Type, seen) {
				return true
			}
		}
	case KindStruct:
		for _, f := range t.Fields {
			if f.Validate != "" || f.pattern != "" || needsValidation(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// checker validates what the validator library cannot express: enum
// membership of named enum types and `pattern` tags, anywhere in the input
// (nested structs, pointers, slices, map values). It is compiled once per
// type and descends only into parts that contain such rules.
type checker struct {
	need map[*Type]bool
}

func buildChecks(t *Type) *checker {
	c := &checker{need: map[*Type]bool{}}
	if !c.needs(t, map[*Type]bool{}) {
		return nil
	}
	return c
}

func (c *checker) needs(t *Type, visiting map[*Type]bool) bool {
	if v, ok := c.need[t]; ok {
		return v
	}
	if visiting[t] {
		return false
	}
	visiting[t] = true
	need := false
	switch t.Kind {
	case KindString:
		need = len(t.Enum) > 0
	case KindPointer, KindSlice, KindMap:
		need = c.needs(t.Elem, visiting)
	case KindOneOf:
		for _, v := range t.OneOf.Variants {
			if c.needs(v.Type, visiting) {
				need = true
			}
		}
	case KindStruct:
		for _, f := range t.Fields {
			if c.needs(f.Type, visiting) || f.pattern != "" {
				need = true
			}
		}
	}
	delete(visiting, t)
	c.need[t] = need
	return need
}

func (c *checker) check(t *Type, v reflect.Value, path string, pattern *regexp.Regexp, out *[]FieldViolation) {
	switch t.Kind {
	case KindString:
		s := v.String()
		if s == "" {
			return // emptiness is the job of `required`
		}
		if len(t.Enum) > 0 && !slices.Contains(t.Enum, s) {
			*out = append(*out, FieldViolation{Field: path, Description: "must be one of: " + strings.Join(t.Enum, ", ")})
		}
		if pattern != nil && !pattern.MatchString(s) {
			*out = append(*out, FieldViolation{Field: path, Description: "must match the pattern " + pattern.String()})
		}
	case KindPointer:
		if !v.IsNil() {
			c.check(t.Elem, v.Elem(), path, pattern, out)
		}
	case KindOneOf:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if vr := t.OneOf.VariantFor(e.Type()); vr != nil && c.need[vr.Type] {
			if vr.Pointer {
				if e.IsNil() {
					return
				}
				e = e.Elem()
			}
			c.check(vr.Type, e, path, nil, out)
		}
	case KindSlice:
		if !c.need[t.Elem] {
			return
		}
		for i := range v.Len() {
			c.check(t.Elem, v.Index(i), path+"["+strconv.Itoa(i)+"]", nil, out)
		}
	case KindMap:
		if !c.need[t.Elem] {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			c.check(t.Elem, iter.Value(), path+"["+fmt.Sprint(iter.Key().Interface())+"]", nil, out)
		}
	case KindStruct:
		for _, f := range t.Fields {
			if !c.need[f.Type] && f.pattern == "" {
				continue
			}
			var re *regexp.Regexp
			if f.pattern != "" {
				re = f.patternRE
			}
			p := f.Name
			if path != "" {
				p = path + "." + f.Name
			}
			c.check(f.Type, v.FieldByIndex(f.Index), p, re, out)
		}
	}
}

func (a *App) validateStruct(op *Operation, in any) error {
	var violations []FieldViolation
	if op.fast != nil {
		op.fast.validate(reflect.ValueOf(in).UnsafePointer(), "", &violations)
	} else if err := a.validator.Struct(in); err != nil {
		var ves validator.ValidationErrors
		if !errors.As(err, &ves) {
			return WrapError(CodeInvalidArgument, "invalid input", err)
		}
		for _, fe := range ves {
			violations = append(violations, FieldViolation{Field: fieldPath(fe.Namespace()), Description: describe(fe)})
		}
	}
	if op.checks != nil {
		op.checks.check(op.Input, reflect.ValueOf(in).Elem(), "", nil, &violations)
	}
	if len(violations) == 0 {
		return nil
	}
	msg := "invalid " + violations[0].Field + ": " + violations[0].Description
	if len(violations) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(violations)-1)
	}
	return InvalidArgument(msg, violations...)
}

// fieldPath turns "HelloIn.items[0].name" into "items[0].name".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func describe(fe validator.FieldError) string {
	kind := fe.Kind()
	if kind == reflect.Pointer {
		kind = fe.Type().Elem().Kind()
	}
	return describeRule(fe.Tag(), fe.Param(), kind)
}

// describeRule says in words what a failed rule requires.
func describeRule(tag, p string, kind reflect.Kind) string {
	unit := ""
	switch kind {
	case reflect.String:
		unit = " characters"
	case reflect.Slice, reflect.Map, reflect.Array:
		unit = " items"
	}
	switch tag {
	case "required", "required_if", "required_unless", "required_with", "required_without":
		return "is required"
	case "min", "gte":
		return "must be at least " + p + unit
	case "max", "lte":
		return "must be at most " + p + unit
	case "gt":
		return "must be greater than " + p + unit
	case "lt":
		return "must be less than " + p + unit
	case "len":
		if unit == "" {
			return "must equal " + p
		}
		return "must have exactly " + p + unit
	case "oneof":
		return "must be one of: " + strings.Join(strings.Fields(p), ", ")
	case "email":
		return "must be a valid email address"
	case "url", "uri", "http_url":
		return "must be a valid URL"
	case "uuid", "uuid4", "uuid_rfc4122", "uuid4_rfc4122":
		return "must be a valid UUID"
	case "alpha":
		return "must contain only letters"
	case "alphanum":
		return "must contain only letters and digits"
	case "numeric":
		return "must be numeric"
	case "ip", "ipv4", "ipv6":
		return "must be a valid IP address"
	}
	if p != "" {
		return "failed the " + strconv.Quote(tag+"="+p) + " check"
	}
	return "failed the " + strconv.Quote(tag) + " check"
}
