package rest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// utf8Frame is one open object or array while invalidUTF8Field walks a
// document.
type utf8Frame struct {
	object    bool
	key       string // an object's current key
	index     int    // an array's current index
	expectKey bool   // an object's next string is a key
}

// invalidUTF8Field returns the path (a.b[2].c) of the first string in
// body, a JSON document, whose raw bytes are not valid UTF-8 (for an
// invalid key, the path ends in that key), or "body" when it finds none.
// It runs only on the error path.
func invalidUTF8Field(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []utf8Frame
	start := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return utf8Path(stack)
		}
		end := dec.InputOffset()
		valid := utf8.Valid(body[start:end])
		start = end
		var top *utf8Frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.expectKey {
			top.key, top.expectKey = s, false
			if !valid {
				return utf8Path(stack)
			}
			continue
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expectKey = true
			}
			continue
		}
		// tok starts a value.
		if top != nil && !top.object {
			top.index++
		}
		if _, ok := tok.(string); ok && !valid {
			return utf8Path(stack)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, utf8Frame{object: true, expectKey: true})
		case json.Delim('['):
			stack = append(stack, utf8Frame{index: -1})
		default:
			if top != nil && top.object {
				top.expectKey = true
			}
		}
	}
}

func utf8Path(stack []utf8Frame) string {
	var b []byte
	for _, f := range stack {
		if f.object {
			if f.key == "" {
				continue
			}
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, f.key...)
			continue
		}
		if f.index < 0 {
			continue
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(f.index), 10)
		b = append(b, ']')
	}
	if len(b) == 0 {
		return "body"
	}
	return string(b)
}
