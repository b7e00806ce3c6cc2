package app

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/go-playground/validator/v10"
)

// A compiled validator: for inputs whose `validate` tags use only the common
// rules (required, omitempty, min, max, len, gt, gte, lt, lte, oneof) on
// strings, numbers, bools, slices and maps, plus alpha, alphanum and the
// format rules of strings (email, url, uuid, ip …, see libraryStringRules),
// the checks are compiled once per type into offset-based code that gives
// exactly the violations go-playground/validator would (same field paths,
// first failing rule per field, same messages) without its per-call
// reflection over the whole struct: a format rule asks the library about
// that one string (Validate.Var), so its definition — and any override the
// service registered — stays the library's. Any other rule anywhere in the
// type falls back to go-playground/validator for the whole input.

type ruleOp uint8

const (
	ruleRequired ruleOp = iota
	ruleMin
	ruleMax
	ruleLen
	ruleGt
	ruleGte
	ruleLt
	ruleLte
	ruleOneOf
	ruleAlpha    // ^[a-zA-Z]+$, as the library's alpha
	ruleAlphanum // ^[a-zA-Z0-9]+$, as the library's alphanum
	ruleLibrary  // one string checked by go-playground/validator's Var
)

// libraryStringRules are the parameterless rules on one string value that
// the compiled validator delegates to the library's Var for that value:
// they read nothing but the field itself, so Var and Struct agree.
var libraryStringRules = map[string]bool{
	"email": true, "url": true, "uri": true, "http_url": true, "uuid": true, "uuid4": true,
	"uuid_rfc4122": true, "uuid4_rfc4122": true, "numeric": true, "ip": true, "ipv4": true,
	"ipv6": true, "hostname": true, "e164": true, "ascii": true, "lowercase": true,
	"uppercase": true, "hexadecimal": true,
}

type rule struct {
	op    ruleOp
	tag   string
	param string
	n     float64  // numeric parameter
	set   []string // oneof values
	lib   *validator.Validate
}

type valueKind uint8

const (
	vkString valueKind = iota
	vkInt
	vkUint
	vkFloat
	vkBool
	vkSlice
	vkMap
	vkStruct
	vkPtrStruct
)

type compiledField struct {
	name      string
	offset    uintptr
	vk        valueKind
	gk        reflect.Kind // Go kind for numbers and description units
	goType    reflect.Type
	omitempty bool
	rules     []rule
	nested    *compiledStruct // vkStruct, vkPtrStruct
}

type compiledStruct struct {
	fields []compiledField
}

// compileValidation returns a compiled validator for t, or nil when some
// rule needs go-playground/validator.
// lib, when set, checks the format rules of strings (libraryStringRules);
// without it they fall back.
func compileValidation(t *Type, lib *validator.Validate) *compiledStruct {
	if t.HasOneOf() {
		return nil // variants are checked through their interface by the library
	}
	cs, ok := compileStruct(t, lib, map[*Type]bool{})
	if !ok {
		return nil
	}
	return cs
}

func compileStruct(t *Type, lib *validator.Validate, visiting map[*Type]bool) (*compiledStruct, bool) {
	if visiting[t] {
		return nil, false // recursive types: leave them to the library
	}
	visiting[t] = true
	defer delete(visiting, t)
	cs := &compiledStruct{}
	for _, f := range t.Fields {
		cf := compiledField{name: f.Name, offset: f.Offset, gk: f.Type.Go.Kind(), goType: f.Type.Go}
		switch f.Type.Kind {
		case KindString:
			cf.vk = vkString
		case KindInt:
			cf.vk = vkInt
		case KindUint:
			cf.vk = vkUint
		case KindFloat:
			cf.vk = vkFloat
		case KindBool:
			cf.vk = vkBool
		case KindSlice, KindBytes:
			cf.vk = vkSlice
		case KindMap:
			cf.vk = vkMap
		case KindStruct:
			cf.vk = vkStruct
			nested, ok := compileStruct(f.Type, lib, visiting)
			if !ok {
				return nil, false
			}
			cf.nested = nested
		case KindPointer:
			if f.Type.Elem.Kind != KindStruct || f.Validate != "" {
				if f.Validate == "" {
					continue // pointers to scalars without rules: nothing to check
				}
				return nil, false
			}
			cf.vk = vkPtrStruct
			nested, ok := compileStruct(f.Type.Elem, lib, visiting)
			if !ok {
				return nil, false
			}
			cf.nested = nested
		default:
			if f.Validate == "" {
				continue // time, duration, any: no rules, nothing to check
			}
			return nil, false
		}
		for i, r := range f.Rules {
			tag, param := r.Tag, r.Param
			if tag == "omitempty" && i == 0 {
				cf.omitempty = true
				continue
			}
			cr, ok := compileRule(tag, param, cf.vk, lib)
			if !ok {
				return nil, false
			}
			cf.rules = append(cf.rules, cr)
		}
		if cf.vk == vkStruct && (len(cf.rules) > 0 || cf.omitempty) {
			return nil, false // required on structs: leave to the library
		}
		if cf.nested == nil && len(cf.rules) == 0 {
			continue
		}
		cs.fields = append(cs.fields, cf)
	}
	return cs, true
}

func compileRule(tag, param string, vk valueKind, lib *validator.Validate) (rule, bool) {
	r := rule{tag: tag, param: param}
	if libraryStringRules[tag] {
		r.op, r.lib = ruleLibrary, lib
		return r, vk == vkString && param == "" && lib != nil
	}
	switch tag {
	case "alpha", "alphanum":
		r.op = ruleAlpha
		if tag == "alphanum" {
			r.op = ruleAlphanum
		}
		return r, vk == vkString && param == ""
	case "required":
		r.op = ruleRequired
		return r, param == ""
	case "oneof":
		r.op = ruleOneOf
		r.set = strings.Fields(param)
		return r, vk == vkString || vk == vkInt || vk == vkUint
	case "min", "max", "len", "gt", "gte", "lt", "lte":
		if vk == vkBool || vk == vkStruct || vk == vkPtrStruct {
			return r, false
		}
		r.op = map[string]ruleOp{"min": ruleMin, "max": ruleMax, "len": ruleLen, "gt": ruleGt, "gte": ruleGte, "lt": ruleLt, "lte": ruleLte}[tag]
		var err error
		switch vk {
		case vkInt:
			var n int64
			n, err = strconv.ParseInt(param, 0, 64)
			r.n = float64(n)
		case vkUint, vkString, vkSlice, vkMap:
			var n uint64
			n, err = strconv.ParseUint(param, 0, 64)
			r.n = float64(n)
		case vkFloat:
			r.n, err = strconv.ParseFloat(param, 64)
		}
		return r, err == nil
	}
	return r, false
}

func (cs *compiledStruct) validate(base unsafe.Pointer, prefix string, out *[]FieldViolation) {
	for i := range cs.fields {
		f := &cs.fields[i]
		p := unsafe.Add(base, f.offset)
		switch f.vk {
		case vkStruct:
			f.nested.validate(p, prefix+f.name+".", out)
			continue
		case vkPtrStruct:
			if sp := *(*unsafe.Pointer)(p); sp != nil {
				f.nested.validate(sp, prefix+f.name+".", out)
			}
			continue
		}
		if f.omitempty && isZero(p, f.vk, f.gk) {
			continue
		}
		for j := range f.rules {
			if !f.check(p, &f.rules[j]) {
				*out = append(*out, FieldViolation{Field: prefix + f.name, Description: describeRule(f.rules[j].tag, f.rules[j].param, f.gk)})
				break
			}
		}
	}
}

func isZero(p unsafe.Pointer, vk valueKind, gk reflect.Kind) bool {
	switch vk {
	case vkString:
		return *(*string)(p) == ""
	case vkBool:
		return !*(*bool)(p)
	case vkSlice:
		return *(*unsafe.Pointer)(p) == nil
	case vkMap:
		return *(*unsafe.Pointer)(p) == nil
	case vkInt:
		return loadInt(p, gk) == 0
	case vkUint:
		return loadUint(p, gk) == 0
	case vkFloat:
		return loadFloat(p, gk) == 0
	}
	return false
}

func loadInt(p unsafe.Pointer, k reflect.Kind) int64 {
	switch k {
	case reflect.Int8:
		return int64(*(*int8)(p))
	case reflect.Int16:
		return int64(*(*int16)(p))
	case reflect.Int32:
		return int64(*(*int32)(p))
	case reflect.Int:
		return int64(*(*int)(p))
	}
	return *(*int64)(p)
}

func loadUint(p unsafe.Pointer, k reflect.Kind) uint64 {
	switch k {
	case reflect.Uint8:
		return uint64(*(*uint8)(p))
	case reflect.Uint16:
		return uint64(*(*uint16)(p))
	case reflect.Uint32:
		return uint64(*(*uint32)(p))
	case reflect.Uint:
		return uint64(*(*uint)(p))
	}
	return *(*uint64)(p)
}

func loadFloat(p unsafe.Pointer, k reflect.Kind) float64 {
	if k == reflect.Float32 {
		return float64(*(*float32)(p))
	}
	return *(*float64)(p)
}

// measure returns the number a rule compares: rune count for strings,
// length for slices and maps, the value for numbers.
func (f *compiledField) measure(p unsafe.Pointer) float64 {
	switch f.vk {
	case vkString:
		return float64(utf8.RuneCountInString(*(*string)(p)))
	case vkSlice:
		return float64(len(*(*[]byte)(p))) // every slice header has the same layout
	case vkMap:
		return float64(reflect.NewAt(f.goType, p).Elem().Len())
	case vkInt:
		return float64(loadInt(p, f.gk))
	case vkUint:
		return float64(loadUint(p, f.gk))
	case vkFloat:
		return loadFloat(p, f.gk)
	}
	return 0
}

func (f *compiledField) check(p unsafe.Pointer, r *rule) bool {
	switch r.op {
	case ruleRequired:
		return !isZero(p, f.vk, f.gk)
	case ruleOneOf:
		switch f.vk {
		case vkString:
			return slices.Contains(r.set, *(*string)(p))
		case vkInt:
			return slices.Contains(r.set, strconv.FormatInt(loadInt(p, f.gk), 10))
		default:
			return slices.Contains(r.set, strconv.FormatUint(loadUint(p, f.gk), 10))
		}
	case ruleAlpha, ruleAlphanum:
		return isLetters(*(*string)(p), r.op == ruleAlphanum)
	case ruleLibrary:
		return r.lib.Var(*(*string)(p), r.tag) == nil
	}
	m := f.measure(p)
	switch r.op {
	case ruleMin, ruleGte:
		return m >= r.n
	case ruleMax, ruleLte:
		return m <= r.n
	case ruleLen:
		return m == r.n
	case ruleGt:
		return m > r.n
	case ruleLt:
		return m < r.n
	}
	return false
}

// isLetters reports whether s is one or more ASCII letters (and, with
// digits, ASCII digits): the library's alpha and alphanum.
func isLetters(s string, digits bool) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		digit := digits && '0' <= c && c <= '9'
		if !letter && !digit {
			return false
		}
	}
	return true
}
