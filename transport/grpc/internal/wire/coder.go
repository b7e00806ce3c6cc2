package wire

import (
	"errors"
	"fmt"
	"reflect"
	"unicode/utf8"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

var (
	errDecode      = errors.New("cannot parse invalid wire-format data")
	errInvalidUTF8 = errors.New("string field contains invalid UTF-8")
	errDepth       = errors.New("exceeded maximum recursion depth")
	// errUnknown marks a value with an unexpected wire type: the caller
	// skips it as an unknown field. Never returned to users.
	errUnknown = errors.New("unknown field")
)

// ErrUnrepresentable is wrapped by decode errors for well-formed input
// holding a value the Go type cannot represent: an enum number without a
// value, a number out of range for a narrow integer, an invalid Timestamp or
// Duration, a Value that is not valid JSON.
var ErrUnrepresentable = errors.New("value not representable in the Go type")

func unrepresentable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnrepresentable, fmt.Sprintf(format, args...))
}

// FieldError reports the field path at which decoding or encoding failed.
type FieldError struct {
	// Path is the dotted path of JSON field names, e.g. "address.street".
	Path string
	Err  error
}

// Error returns the path and the underlying error.
func (e *FieldError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

func wrapField(name string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.Path = name + "." + fe.Path
		return fe
	}
	return &FieldError{Path: name, Err: err}
}

// maxDepth bounds nesting while decoding, as protobuf-go's default
// recursion limit does.
const maxDepth = 10000

// coder encodes and decodes one Go value of a fixed type at a pointer.
type coder struct {
	wtyp     protowire.Type
	packable bool // a scalar that repeated fields pack
	message  bool // a length-delimited message (struct or well-known type)
	// isZero reports whether a singular value with implicit presence is
	// omitted; nil means the value is always encoded.
	isZero func(p unsafe.Pointer) bool
	// size returns the encoded size of the value without its tag (with the
	// length prefix of length-delimited values). Errors go to e.err.
	size func(p unsafe.Pointer, e *Encoder) int
	// append appends what size measured.
	append func(b []byte, p unsafe.Pointer, e *Encoder) []byte
	// decode decodes one value of wire type wtyp from the start of b into
	// p, merging into what fresh=false says is already there.
	decode func(b []byte, p unsafe.Pointer, depth int, fresh bool) (int, error)
}

type signed interface {
	~int8 | ~int16 | ~int32 | ~int | ~int64
}
type unsigned interface {
	~uint8 | ~uint16 | ~uint32 | ~uint | ~uint64
}

func signedCoder[T signed](bits32 bool) *coder {
	return &coder{
		wtyp:     protowire.VarintType,
		packable: true,
		isZero:   func(p unsafe.Pointer) bool { return *(*T)(p) == 0 },
		size: func(p unsafe.Pointer, _ *Encoder) int {
			return protowire.SizeVarint(uint64(int64(*(*T)(p))))
		},
		append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
			return protowire.AppendVarint(b, uint64(int64(*(*T)(p))))
		},
		decode: func(b []byte, p unsafe.Pointer, _ int, _ bool) (int, error) {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0, errDecode
			}
			x := int64(v)
			if bits32 {
				x = int64(int32(v))
			}
			if int64(T(x)) != x {
				return 0, unrepresentable("%d overflows %T", x, T(0))
			}
			*(*T)(p) = T(x)
			return n, nil
		},
	}
}

func unsignedCoder[T unsigned](bits32 bool) *coder {
	return &coder{
		wtyp:     protowire.VarintType,
		packable: true,
		isZero:   func(p unsafe.Pointer) bool { return *(*T)(p) == 0 },
		size: func(p unsafe.Pointer, _ *Encoder) int {
			return protowire.SizeVarint(uint64(*(*T)(p)))
		},
		append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
			return protowire.AppendVarint(b, uint64(*(*T)(p)))
		},
		decode: func(b []byte, p unsafe.Pointer, _ int, _ bool) (int, error) {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0, errDecode
			}
			if bits32 {
				v = uint64(uint32(v))
			}
			if uint64(T(v)) != v {
				return 0, unrepresentable("%d overflows %T", v, T(0))
			}
			*(*T)(p) = T(v)
			return n, nil
		},
	}
}

var boolCoder = &coder{
	wtyp:     protowire.VarintType,
	packable: true,
	isZero:   func(p unsafe.Pointer) bool { return !*(*bool)(p) },
	size:     func(unsafe.Pointer, *Encoder) int { return 1 },
	append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
		return protowire.AppendVarint(b, protowire.EncodeBool(*(*bool)(p)))
	},
	decode: func(b []byte, p unsafe.Pointer, _ int, _ bool) (int, error) {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return 0, errDecode
		}
		*(*bool)(p) = protowire.DecodeBool(v)
		return n, nil
	},
}

// Floats are present unless +0.0: -0.0 and NaN are encoded, as protobuf-go does.
var floatCoder = &coder{
	wtyp:     protowire.Fixed32Type,
	packable: true,
	isZero:   func(p unsafe.Pointer) bool { return *(*uint32)(p) == 0 },
	size:     func(unsafe.Pointer, *Encoder) int { return 4 },
	append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
		return protowire.AppendFixed32(b, *(*uint32)(p))
	},
	decode: func(b []byte, p unsafe.Pointer, _ int, _ bool) (int, error) {
		v, n := protowire.ConsumeFixed32(b)
		if n < 0 {
			return 0, errDecode
		}
		*(*uint32)(p) = v
		return n, nil
	},
}

var doubleCoder = &coder{
	wtyp:     protowire.Fixed64Type,
	packable: true,
	isZero:   func(p unsafe.Pointer) bool { return *(*uint64)(p) == 0 },
	size:     func(unsafe.Pointer, *Encoder) int { return 8 },
	append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
		return protowire.AppendFixed64(b, *(*uint64)(p))
	},
	decode: func(b []byte, p unsafe.Pointer, _ int, _ bool) (int, error) {
		v, n := protowire.ConsumeFixed64(b)
		if n < 0 {
			return 0, errDecode
		}
		*(*uint64)(p) = v
		return n, nil
	},
}

var stringCoder = &coder{
	wtyp:   protowire.BytesType,
	isZero: func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 },
	size: func(p unsafe.Pointer, e *Encoder) int {
		s := *(*string)(p)
		if !utf8.ValidString(s) {
			e.fail(errInvalidUTF8)
		}
		return protowire.SizeBytes(len(s))
	},
	append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
		return protowire.AppendString(b, *(*string)(p))
	},
	decode: func(b []byte, p unsafe.Pointer, _ int, _ bool) (int, error) {
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return 0, errDecode
		}
		if !utf8.Valid(v) {
			return 0, errInvalidUTF8
		}
		*(*string)(p) = string(v)
		return n, nil
	},
}

// emptyBuf gives decoded empty bytes a non-nil, allocation-free value, as
// protobuf-go does.
var emptyBuf [0]byte

var bytesCoder = &coder{
	wtyp:   protowire.BytesType,
	isZero: func(p unsafe.Pointer) bool { return len(*(*[]byte)(p)) == 0 },
	size: func(p unsafe.Pointer, _ *Encoder) int {
		return protowire.SizeBytes(len(*(*[]byte)(p)))
	},
	append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
		return protowire.AppendBytes(b, *(*[]byte)(p))
	},
	decode: func(b []byte, p unsafe.Pointer, _ int, _ bool) (int, error) {
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return 0, errDecode
		}
		*(*[]byte)(p) = append(emptyBuf[:], v...)
		return n, nil
	},
}

// enumCoder maps a named string type to enum numbers: "" is 0, values[i]
// is i+1.
func enumCoder(name string, values []string) *coder {
	number := func(s string) (int32, bool) {
		if s == "" {
			return 0, true
		}
		for i, v := range values {
			if v == s {
				return int32(i + 1), true
			}
		}
		return 0, false
	}
	return &coder{
		wtyp:     protowire.VarintType,
		packable: true,
		isZero:   func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 },
		size: func(p unsafe.Pointer, e *Encoder) int {
			n, ok := number(*(*string)(p))
			if !ok {
				e.fail(fmt.Errorf("enum %s has no value %q", name, *(*string)(p)))
			}
			return protowire.SizeVarint(uint64(n))
		},
		append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
			n, _ := number(*(*string)(p))
			return protowire.AppendVarint(b, uint64(n))
		},
		decode: func(b []byte, p unsafe.Pointer, _ int, _ bool) (int, error) {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0, errDecode
			}
			num := int32(v)
			switch {
			case num == 0:
				*(*string)(p) = ""
			case num > 0 && int(num) <= len(values):
				*(*string)(p) = values[num-1]
			default:
				return 0, unrepresentable("enum %s has no value numbered %d", name, num)
			}
			return n, nil
		},
	}
}

// messageCoder encodes a struct as a length-delimited message.
func messageCoder(m *Message) *coder {
	return &coder{
		wtyp:    protowire.BytesType,
		message: true,
		size: func(p unsafe.Pointer, e *Encoder) int {
			if !e.enter() {
				return 0
			}
			i := e.reserve()
			n := m.size(p, e)
			e.sizes[i] = n
			e.depth--
			return protowire.SizeVarint(uint64(n)) + n
		},
		append: func(b []byte, p unsafe.Pointer, e *Encoder) []byte {
			b = protowire.AppendVarint(b, uint64(e.next()))
			return m.append(b, p, e)
		},
		decode: func(b []byte, p unsafe.Pointer, depth int, _ bool) (int, error) {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return 0, errDecode
			}
			return n, m.unmarshal(v, p, depth+1)
		},
	}
}

// derefCoder encodes the value a pointer points to, for list elements and
// map values, which have no presence: nil encodes as the zero value and
// decoding allocates.
func derefCoder(inner *coder, elem reflect.Type) *coder {
	zero := reflect.New(elem).UnsafePointer()
	deref := func(p unsafe.Pointer) unsafe.Pointer {
		if q := *(*unsafe.Pointer)(p); q != nil {
			return q
		}
		return zero
	}
	return &coder{
		wtyp:     inner.wtyp,
		packable: inner.packable,
		message:  inner.message,
		size:     func(p unsafe.Pointer, e *Encoder) int { return inner.size(deref(p), e) },
		append:   func(b []byte, p unsafe.Pointer, e *Encoder) []byte { return inner.append(b, deref(p), e) },
		decode: func(b []byte, p unsafe.Pointer, depth int, fresh bool) (int, error) {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				q = reflect.New(elem).UnsafePointer()
				*(*unsafe.Pointer)(p) = q
				fresh = true
			}
			return inner.decode(b, q, depth, fresh)
		},
	}
}
