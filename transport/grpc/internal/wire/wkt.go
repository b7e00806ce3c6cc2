package wire

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// The range of a valid google.protobuf.Timestamp: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
const (
	minTimestampSeconds = -62135596800
	maxTimestampSeconds = 253402300799
)

// Field tags (number<<3 | wire type) of the well-known messages.
const (
	tagSeconds     = 1<<3 | uint64(protowire.VarintType)
	tagNanos       = 2<<3 | uint64(protowire.VarintType)
	tagNullValue   = 1<<3 | uint64(protowire.VarintType)
	tagNumberValue = 2<<3 | uint64(protowire.Fixed64Type)
	tagStringValue = 3<<3 | uint64(protowire.BytesType)
	tagBoolValue   = 4<<3 | uint64(protowire.VarintType)
	tagStructValue = 5<<3 | uint64(protowire.BytesType)
	tagListValue   = 6<<3 | uint64(protowire.BytesType)
	tagEntry       = 1<<3 | uint64(protowire.BytesType) // Struct.fields, ListValue.values
	tagKey         = 1<<3 | uint64(protowire.BytesType)
	tagMapValue    = 2<<3 | uint64(protowire.BytesType)
)

// secondsNanos is the body of a Timestamp or Duration.
func sizeSecondsNanos(s, n int64) int {
	size := 0
	if s != 0 {
		size += 1 + protowire.SizeVarint(uint64(s))
	}
	if n != 0 {
		size += 1 + protowire.SizeVarint(uint64(n))
	}
	return size
}

func appendSecondsNanos(b []byte, s, n int64) []byte {
	body := sizeSecondsNanos(s, n)
	b = protowire.AppendVarint(b, uint64(body))
	if s != 0 {
		b = append(b, byte(tagSeconds))
		b = protowire.AppendVarint(b, uint64(s))
	}
	if n != 0 {
		b = append(b, byte(tagNanos))
		b = protowire.AppendVarint(b, uint64(n))
	}
	return b
}

// consumeSecondsNanos decodes a length-delimited Timestamp or Duration,
// merging into s and n.
func consumeSecondsNanos(b []byte, s, n int64, depth int) (int64, int64, int, error) {
	v, total := protowire.ConsumeBytes(b)
	if total < 0 {
		return 0, 0, 0, errDecode
	}
	if depth+1 > maxDepth {
		return 0, 0, 0, errDepth
	}
	for len(v) > 0 {
		num, wtyp, tn := consumeTag(v)
		if tn < 0 {
			return 0, 0, 0, errDecode
		}
		v = v[tn:]
		switch {
		case num == 1 && wtyp == protowire.VarintType:
			x, xn := protowire.ConsumeVarint(v)
			if xn < 0 {
				return 0, 0, 0, errDecode
			}
			s, v = int64(x), v[xn:]
			continue
		case num == 2 && wtyp == protowire.VarintType:
			x, xn := protowire.ConsumeVarint(v)
			if xn < 0 {
				return 0, 0, 0, errDecode
			}
			n, v = int64(int32(x)), v[xn:]
			continue
		}
		fn := protowire.ConsumeFieldValue(num, wtyp, v)
		if fn < 0 {
			return 0, 0, 0, errDecode
		}
		v = v[fn:]
	}
	return s, n, total, nil
}

var timeCoder = &coder{
	wtyp:    protowire.BytesType,
	message: true,
	isZero:  func(p unsafe.Pointer) bool { return (*time.Time)(p).IsZero() },
	size: func(p unsafe.Pointer, e *Encoder) int {
		t := (*time.Time)(p)
		s, n := t.Unix(), int64(t.Nanosecond())
		if s < minTimestampSeconds || s > maxTimestampSeconds {
			e.fail(fmt.Errorf("time %s is outside the range of google.protobuf.Timestamp (years 1 to 9999)", t.Format(time.RFC3339)))
		}
		body := sizeSecondsNanos(s, n)
		return protowire.SizeVarint(uint64(body)) + body
	},
	append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
		t := (*time.Time)(p)
		return appendSecondsNanos(b, t.Unix(), int64(t.Nanosecond()))
	},
	decode: func(b []byte, p unsafe.Pointer, depth int, fresh bool) (int, error) {
		t := (*time.Time)(p)
		var s, n int64
		if !fresh {
			s, n = t.Unix(), int64(t.Nanosecond())
		}
		s, n, total, err := consumeSecondsNanos(b, s, n, depth)
		if err != nil {
			return 0, err
		}
		if s < minTimestampSeconds || s > maxTimestampSeconds || n < 0 || n >= 1e9 {
			return 0, unrepresentable("invalid google.protobuf.Timestamp{seconds: %d, nanos: %d}", s, n)
		}
		*t = time.Unix(s, n).UTC()
		return total, nil
	},
}

var durationCoder = &coder{
	wtyp:    protowire.BytesType,
	message: true,
	isZero:  func(p unsafe.Pointer) bool { return *(*time.Duration)(p) == 0 },
	size: func(p unsafe.Pointer, _ *Encoder) int {
		d := *(*time.Duration)(p)
		body := sizeSecondsNanos(int64(d/time.Second), int64(d%time.Second))
		return protowire.SizeVarint(uint64(body)) + body
	},
	append: func(b []byte, p unsafe.Pointer, _ *Encoder) []byte {
		d := *(*time.Duration)(p)
		return appendSecondsNanos(b, int64(d/time.Second), int64(d%time.Second))
	},
	decode: func(b []byte, p unsafe.Pointer, depth int, fresh bool) (int, error) {
		var d time.Duration
		if !fresh {
			d = *(*time.Duration)(p)
		}
		s, n, total, err := consumeSecondsNanos(b, int64(d/time.Second), int64(d%time.Second), depth)
		if err != nil {
			return 0, err
		}
		if n <= -1e9 || n >= 1e9 || s > 0 && n < 0 || s < 0 && n > 0 {
			return 0, unrepresentable("invalid google.protobuf.Duration{seconds: %d, nanos: %d}", s, n)
		}
		const maxSeconds = math.MaxInt64 / int64(time.Second)
		if s > maxSeconds || s < -maxSeconds || s == maxSeconds && n > math.MaxInt64%int64(time.Second) ||
			s == -maxSeconds && n < math.MinInt64%int64(time.Second) {
			return 0, unrepresentable("google.protobuf.Duration{seconds: %d, nanos: %d} overflows time.Duration", s, n)
		}
		*(*time.Duration)(p) = time.Duration(s)*time.Second + time.Duration(n)
		return total, nil
	},
}

// anyCoder encodes an `any` as a google.protobuf.Value.
var anyCoder = &coder{
	wtyp:    protowire.BytesType,
	message: true,
	isZero:  func(p unsafe.Pointer) bool { return *(*any)(p) == nil },
	size:    func(p unsafe.Pointer, e *Encoder) int { return sizeValue(*(*any)(p), e) },
	append:  func(b []byte, p unsafe.Pointer, e *Encoder) []byte { return appendValue(b, *(*any)(p), e) },
	decode: func(b []byte, p unsafe.Pointer, depth int, fresh bool) (int, error) {
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return 0, errDecode
		}
		var cur any
		if !fresh {
			cur = *(*any)(p)
		}
		val, err := decodeValue(v, cur, depth+1)
		if err != nil {
			return 0, err
		}
		*(*any)(p) = val
		return n, nil
	},
}

// rawJSONCoder encodes a json.RawMessage as a google.protobuf.Value.
var rawJSONCoder = &coder{
	wtyp:    protowire.BytesType,
	message: true,
	isZero:  func(p unsafe.Pointer) bool { return len(*(*json.RawMessage)(p)) == 0 },
	size: func(p unsafe.Pointer, e *Encoder) int {
		raw := *(*json.RawMessage)(p)
		var v any
		if len(raw) == 0 {
			raw = json.RawMessage("null")
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			e.fail(fmt.Errorf("invalid JSON: %w", err))
		}
		e.vals = append(e.vals, v)
		return sizeValue(v, e)
	},
	append: func(b []byte, _ unsafe.Pointer, e *Encoder) []byte {
		v := e.vals[e.vpos]
		e.vpos++
		return appendValue(b, v, e)
	},
	decode: func(b []byte, p unsafe.Pointer, depth int, fresh bool) (int, error) {
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return 0, errDecode
		}
		raw := (*json.RawMessage)(p)
		var cur any
		if !fresh && len(*raw) > 0 {
			if err := json.Unmarshal(*raw, &cur); err != nil {
				return 0, err
			}
		}
		val, err := decodeValue(v, cur, depth+1)
		if err != nil {
			return 0, err
		}
		out, err := json.Marshal(val)
		if err != nil {
			return 0, unrepresentable("google.protobuf.Value is not valid JSON: %v", err)
		}
		*raw = out
		return n, nil
	},
}

// sizeValue returns the size of v as a length-delimited Value message,
// recording nested sizes in e.
func sizeValue(v any, e *Encoder) int {
	if !e.enter() {
		return 0
	}
	i := e.reserve()
	n := sizeValueBody(v, e)
	e.sizes[i] = n
	e.depth--
	return protowire.SizeVarint(uint64(n)) + n
}

func sizeValueBody(v any, e *Encoder) int {
	switch x := v.(type) {
	case nil, bool:
		return 2
	case string:
		if !utf8.ValidString(x) {
			e.fail(errInvalidUTF8)
		}
		return 1 + protowire.SizeBytes(len(x))
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number:
		if _, ok := number(x); !ok {
			e.fail(fmt.Errorf("invalid number %v", x))
		}
		return 9
	case map[string]any:
		i := e.reserve()
		n := 0
		for _, k := range sortedKeys(x) {
			if !utf8.ValidString(k) {
				e.fail(errInvalidUTF8)
			}
			entry := 1 + protowire.SizeBytes(len(k)) + 1 + sizeValue(x[k], e)
			n += 1 + protowire.SizeBytes(entry)
		}
		e.sizes[i] = n
		return 1 + protowire.SizeBytes(n)
	case []any:
		i := e.reserve()
		n := 0
		for _, el := range x {
			n += 1 + sizeValue(el, e)
		}
		e.sizes[i] = n
		return 1 + protowire.SizeBytes(n)
	}
	// Any other Go value (a struct, a typed map or slice, json.RawMessage)
	// becomes JSON first, as encoding/json renders it.
	norm, err := normalize(v)
	if err != nil {
		e.fail(err)
	}
	e.vals = append(e.vals, norm)
	return sizeValueBody(norm, e)
}

func appendValue(b []byte, v any, e *Encoder) []byte {
	b = protowire.AppendVarint(b, uint64(e.next()))
	return appendValueBody(b, v, e)
}

func appendValueBody(b []byte, v any, e *Encoder) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, byte(tagNullValue), 0)
	case bool:
		return append(b, byte(tagBoolValue), byte(protowire.EncodeBool(x)))
	case string:
		return protowire.AppendString(append(b, byte(tagStringValue)), x)
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number:
		f, _ := number(x)
		return protowire.AppendFixed64(append(b, byte(tagNumberValue)), math.Float64bits(f))
	case map[string]any:
		b = append(b, byte(tagStructValue))
		b = protowire.AppendVarint(b, uint64(e.next()))
		for _, k := range sortedKeys(x) {
			val := e.sizes[e.pos] // the value's size, peeked to size the entry
			entry := 1 + protowire.SizeBytes(len(k)) + 1 + protowire.SizeVarint(uint64(val)) + val
			b = protowire.AppendVarint(append(b, byte(tagEntry)), uint64(entry))
			b = protowire.AppendString(append(b, byte(tagKey)), k)
			b = appendValue(append(b, byte(tagMapValue)), x[k], e)
		}
		return b
	case []any:
		b = append(b, byte(tagListValue))
		b = protowire.AppendVarint(b, uint64(e.next()))
		for _, el := range x {
			b = appendValue(append(b, byte(tagEntry)), el, e)
		}
		return b
	}
	norm := e.vals[e.vpos]
	e.vpos++
	return appendValueBody(b, norm, e)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func normalize(v any) (any, error) {
	raw, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("value of type %T is not JSON: %w", v, err)
		}
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decodeValue decodes a Value message body, merging into cur as protobuf-go
// merges a repeated message: a struct_value merges into a current struct, a
// list_value appends to a current list, anything else replaces.
func decodeValue(b []byte, cur any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	for len(b) > 0 {
		num, wtyp, n := consumeTag(b)
		if n < 0 {
			return nil, errDecode
		}
		b = b[n:]
		tag := uint64(num)<<3 | uint64(wtyp)
		switch tag {
		case tagNullValue, tagBoolValue:
			x, xn := protowire.ConsumeVarint(b)
			if xn < 0 {
				return nil, errDecode
			}
			if tag == tagNullValue {
				cur = nil
			} else {
				cur = x != 0
			}
			b = b[xn:]
			continue
		case tagNumberValue:
			x, xn := protowire.ConsumeFixed64(b)
			if xn < 0 {
				return nil, errDecode
			}
			cur, b = math.Float64frombits(x), b[xn:]
			continue
		case tagStringValue:
			x, xn := protowire.ConsumeBytes(b)
			if xn < 0 {
				return nil, errDecode
			}
			if !utf8.Valid(x) {
				return nil, errInvalidUTF8
			}
			cur, b = string(x), b[xn:]
			continue
		case tagStructValue:
			x, xn := protowire.ConsumeBytes(b)
			if xn < 0 {
				return nil, errDecode
			}
			m, ok := cur.(map[string]any)
			if !ok {
				m = map[string]any{}
			}
			if err := decodeStruct(x, m, depth+1); err != nil {
				return nil, err
			}
			cur, b = m, b[xn:]
			continue
		case tagListValue:
			x, xn := protowire.ConsumeBytes(b)
			if xn < 0 {
				return nil, errDecode
			}
			l, ok := cur.([]any)
			if !ok {
				l = []any{}
			}
			l, err := decodeListValue(x, l, depth+1)
			if err != nil {
				return nil, err
			}
			cur, b = l, b[xn:]
			continue
		}
		fn := protowire.ConsumeFieldValue(num, wtyp, b)
		if fn < 0 {
			return nil, errDecode
		}
		b = b[fn:]
	}
	return cur, nil
}

// decodeStruct decodes a Struct message body into m.
func decodeStruct(b []byte, m map[string]any, depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	for len(b) > 0 {
		num, wtyp, n := consumeTag(b)
		if n < 0 {
			return errDecode
		}
		b = b[n:]
		if num != 1 || wtyp != protowire.BytesType {
			fn := protowire.ConsumeFieldValue(num, wtyp, b)
			if fn < 0 {
				return errDecode
			}
			b = b[fn:]
			continue
		}
		entry, en := protowire.ConsumeBytes(b)
		if en < 0 {
			return errDecode
		}
		b = b[en:]
		if depth+1 > maxDepth {
			return errDepth
		}
		var key string
		var val any
		for len(entry) > 0 {
			num, wtyp, n := consumeTag(entry)
			if n < 0 {
				return errDecode
			}
			entry = entry[n:]
			switch {
			case num == 1 && wtyp == protowire.BytesType:
				k, kn := protowire.ConsumeBytes(entry)
				if kn < 0 {
					return errDecode
				}
				if !utf8.Valid(k) {
					return errInvalidUTF8
				}
				key, entry = string(k), entry[kn:]
				continue
			case num == 2 && wtyp == protowire.BytesType:
				v, vn := protowire.ConsumeBytes(entry)
				if vn < 0 {
					return errDecode
				}
				var err error
				if val, err = decodeValue(v, val, depth+2); err != nil {
					return err
				}
				entry = entry[vn:]
				continue
			}
			fn := protowire.ConsumeFieldValue(num, wtyp, entry)
			if fn < 0 {
				return errDecode
			}
			entry = entry[fn:]
		}
		m[key] = val
	}
	return nil
}

// decodeListValue decodes a ListValue message body, appending to l.
func decodeListValue(b []byte, l []any, depth int) ([]any, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	for len(b) > 0 {
		num, wtyp, n := consumeTag(b)
		if n < 0 {
			return nil, errDecode
		}
		b = b[n:]
		if num == 1 && wtyp == protowire.BytesType {
			v, vn := protowire.ConsumeBytes(b)
			if vn < 0 {
				return nil, errDecode
			}
			val, err := decodeValue(v, nil, depth+1)
			if err != nil {
				return nil, err
			}
			l, b = append(l, val), b[vn:]
			continue
		}
		fn := protowire.ConsumeFieldValue(num, wtyp, b)
		if fn < 0 {
			return nil, errDecode
		}
		b = b[fn:]
	}
	return l, nil
}

// consumeTag parses a tag like protowire.ConsumeTag and also rejects field
// numbers above the maximum, as protobuf-go's decoder does.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	if len(b) > 0 && b[0] < 0x80 {
		if b[0]>>3 == 0 {
			return 0, 0, -1
		}
		return protowire.Number(b[0] >> 3), protowire.Type(b[0] & 7), 1
	}
	num, wtyp, n := protowire.ConsumeTag(b)
	if n < 0 || num > protowire.MaxValidNumber {
		return 0, 0, -1
	}
	return num, wtyp, n
}
