package app

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/go-playground/validator/v10"
)

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(sf reflect.StructField) string {
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return sf.Name
		}
		return name
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
	case KindStruct:
		for _, f := range t.Fields {
			if f.Validate != "" || f.pattern != "" || needsValidation(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// fieldCheck is a check the validator library cannot express: enum
// membership of named enum types and `pattern` tags. Only top-level and
// nested struct fields reached through values and pointers are checked.
type fieldCheck struct {
	path   string
	offset uintptr
	ptr    bool // field is *string
	re     *regexp.Regexp
	enum   []string
}

func buildChecks(t *Type) []fieldCheck {
	var out []fieldCheck
	var walk func(t *Type, prefix string, base uintptr, depth int)
	walk = func(t *Type, prefix string, base uintptr, depth int) {
		if depth > 8 {
			return
		}
		for _, f := range t.Fields {
			ft := f.Type
			ptr := false
			if ft.Kind == KindPointer && ft.Elem.Kind == KindString {
				ft, ptr = ft.Elem, true
			}
			if ft.Kind == KindString && (f.pattern != "" || len(ft.Enum) > 0) {
				c := fieldCheck{path: prefix + f.Name, offset: base + f.Offset, ptr: ptr, enum: ft.Enum}
				if f.pattern != "" {
					c.re = regexp.MustCompile(f.pattern)
				}
				out = append(out, c)
			}
			if f.Type.Kind == KindStruct {
				walk(f.Type, prefix+f.Name+".", base+f.Offset, depth+1)
			}
		}
	}
	walk(t, "", 0, 0)
	return out
}

func (a *App) validateStruct(op *Operation, in any) error {
	var violations []FieldViolation
	if err := a.validator.Struct(in); err != nil {
		var ves validator.ValidationErrors
		if !errors.As(err, &ves) {
			return WrapError(CodeInvalidArgument, "invalid input", err)
		}
		for _, fe := range ves {
			violations = append(violations, FieldViolation{Field: fieldPath(fe.Namespace()), Description: describe(fe)})
		}
	}
	if len(op.checks) > 0 {
		base := reflect.ValueOf(in).UnsafePointer()
		for _, c := range op.checks {
			p := unsafe.Add(base, c.offset)
			var s string
			if c.ptr {
				sp := *(**string)(p)
				if sp == nil {
					continue
				}
				s = *sp
			} else {
				s = *(*string)(p)
			}
			if s == "" {
				continue // emptiness is the job of `required`
			}
			if len(c.enum) > 0 && !slices.Contains(c.enum, s) {
				violations = append(violations, FieldViolation{Field: c.path, Description: "must be one of: " + strings.Join(c.enum, ", ")})
			}
			if c.re != nil && !c.re.MatchString(s) {
				violations = append(violations, FieldViolation{Field: c.path, Description: "must match the pattern " + c.re.String()})
			}
		}
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
	unit := ""
	switch kind {
	case reflect.String:
		unit = " characters"
	case reflect.Slice, reflect.Map, reflect.Array:
		unit = " items"
	}
	p := fe.Param()
	switch fe.Tag() {
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
		return "failed the " + strconv.Quote(fe.Tag()+"="+p) + " check"
	}
	return "failed the " + strconv.Quote(fe.Tag()) + " check"
}
