package rest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// marshalYAML writes a JSON tree (maps, slices, strings, float64s, bools
// and nils, as the OpenAPI document is built) as the YAML that GET
// /openapi.yaml serves, in the layout of go.yaml.in/yaml (four-space
// indentation, keys in natural order, sequences indented under their key),
// which the tests compare it with; no YAML library is linked into a
// service. Strings are plain when YAML reads them back as the same string,
// literal blocks when they span lines, quoted otherwise.
func marshalYAML(tree any) []byte {
	w := &yamlWriter{}
	switch v := tree.(type) {
	case obj:
		if len(v) == 0 {
			w.b = append(w.b, "{}\n"...)
		} else {
			w.mapping(v, 0, false)
		}
	case []any:
		if len(v) == 0 {
			w.b = append(w.b, "[]\n"...)
		} else {
			w.sequence(v, 0, false)
		}
	default:
		w.scalar(v, 0)
		w.b = append(w.b, '\n')
	}
	return w.b
}

type yamlWriter struct{ b []byte }

// nextIndent is the indentation of the block nested in one at indent:
// the next multiple of four.
func nextIndent(indent int) int { return 4 * ((indent + 4) / 4) }

func (w *yamlWriter) pad(n int) {
	for range n {
		w.b = append(w.b, ' ')
	}
}

// mapping writes m's entries at indent; inline writes the first one where
// the cursor is (after a sequence's "- ").
func (w *yamlWriter) mapping(m obj, indent int, inline bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, naturalCompare)
	for i, k := range keys {
		if i > 0 || !inline {
			w.pad(indent)
		}
		w.str(k, indent, true)
		w.b = append(w.b, ':')
		w.value(m[k], indent)
	}
}

// value writes the value of a mapping entry whose key is at indent.
func (w *yamlWriter) value(v any, indent int) {
	switch v := v.(type) {
	case obj:
		if len(v) == 0 {
			w.b = append(w.b, " {}\n"...)
			return
		}
		w.b = append(w.b, '\n')
		w.mapping(v, nextIndent(indent), false)
	case []any:
		if len(v) == 0 {
			w.b = append(w.b, " []\n"...)
			return
		}
		w.b = append(w.b, '\n')
		w.sequence(v, nextIndent(indent), false)
	default:
		w.b = append(w.b, ' ')
		w.scalar(v, indent)
		w.b = append(w.b, '\n')
	}
}

// sequence writes l's items at indent, the first where the cursor is when
// inline.
func (w *yamlWriter) sequence(l []any, indent int, inline bool) {
	for i, item := range l {
		if i > 0 || !inline {
			w.pad(indent)
		}
		w.b = append(w.b, '-')
		switch v := item.(type) {
		case obj:
			if len(v) == 0 {
				w.b = append(w.b, " {}\n"...)
				continue
			}
			w.b = append(w.b, ' ')
			w.mapping(v, indent+2, true)
		case []any:
			if len(v) == 0 {
				w.b = append(w.b, " []\n"...)
				continue
			}
			w.b = append(w.b, ' ')
			w.sequence(v, indent+2, true)
		default:
			w.b = append(w.b, ' ')
			w.scalar(v, -1) // no literal blocks in sequences: quoted instead
			w.b = append(w.b, '\n')
		}
	}
}

func (w *yamlWriter) scalar(v any, indent int) {
	switch v := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case bool:
		w.b = strconv.AppendBool(w.b, v)
	case float64:
		switch {
		case math.IsInf(v, 1):
			w.b = append(w.b, ".inf"...)
		case math.IsInf(v, -1):
			w.b = append(w.b, "-.inf"...)
		case math.IsNaN(v):
			w.b = append(w.b, ".nan"...)
		default:
			w.b = strconv.AppendFloat(w.b, v, 'g', -1, 64)
		}
	case string:
		w.str(v, indent, false)
	default:
		panic(fmt.Sprintf("rest: YAML of a %T, outside a JSON tree", v)) // the document holds only JSON values
	}
}

// str writes s as a plain, single-quoted, double-quoted or literal block
// scalar. indent is the indentation of the entry's key, or -1 where a
// literal block may not be used.
func (w *yamlWriter) str(s string, indent int, key bool) {
	switch {
	case strings.Contains(s, "\n") && !key && indent >= 0 && literalAllowed(s):
		w.literal(s, indent, nextIndent(indent))
	case hasSpecial(s) || strings.Contains(s, "\n"):
		w.doubleQuoted(s)
	case !readsAsString(s):
		w.doubleQuoted(s)
	case plainAllowed(s):
		w.b = append(w.b, s...)
	default:
		w.b = append(w.b, '\'')
		w.b = append(w.b, strings.ReplaceAll(s, "'", "''")...)
		w.b = append(w.b, '\'')
	}
}

// literal writes s as a literal block scalar, the value of a key at
// keyIndent, its lines at indent.
func (w *yamlWriter) literal(s string, keyIndent, indent int) {
	body := strings.TrimRight(s, "\n")
	if firstLineIndented(s) {
		// Content starting with a space needs the indentation stated.
		w.b = append(w.b, '|')
		w.b = strconv.AppendInt(w.b, int64(indent-keyIndent), 10)
		w.b = append(w.b, strings.TrimPrefix(chomping(len(s)-len(body)), "|")...)
	} else {
		w.b = append(w.b, chomping(len(s)-len(body))...)
	}
	for line := range strings.SplitSeq(s[:len(s)-min(len(s)-len(body), 1)], "\n") {
		w.b = append(w.b, '\n')
		if line != "" {
			w.pad(indent)
			w.b = append(w.b, line...)
		}
	}
}

// chomping is the header of a literal block whose content ends with n
// line breaks.
func chomping(n int) string {
	switch n {
	case 0:
		return "|-"
	case 1:
		return "|"
	}
	return "|+"
}

func (w *yamlWriter) doubleQuoted(s string) {
	w.b = append(w.b, '"')
	for _, r := range s {
		switch r {
		case '"':
			w.b = append(w.b, `\"`...)
		case '\\':
			w.b = append(w.b, `\\`...)
		case '\n':
			w.b = append(w.b, `\n`...)
		case '\t':
			w.b = append(w.b, `\t`...)
		case '\r':
			w.b = append(w.b, `\r`...)
		case 0:
			w.b = append(w.b, `\0`...)
		case '\a':
			w.b = append(w.b, `\a`...)
		case '\b':
			w.b = append(w.b, `\b`...)
		case '\v':
			w.b = append(w.b, `\v`...)
		case '\f':
			w.b = append(w.b, `\f`...)
		case 0x1B:
			w.b = append(w.b, `\e`...)
		default:
			switch {
			case printable(r):
				w.b = utf8.AppendRune(w.b, r)
			case r <= 0xFF:
				w.b = fmt.Appendf(w.b, `\x%02X`, r)
			case r <= 0xFFFF:
				w.b = fmt.Appendf(w.b, `\u%04X`, r)
			default:
				w.b = fmt.Appendf(w.b, `\U%08X`, r)
			}
		}
	}
	w.b = append(w.b, '"')
}

// printable reports whether r may appear as itself in a YAML scalar.
func printable(r rune) bool {
	switch {
	case r == 0x0A || r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7E:
		return true
	case r >= 0xA0 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return r != 0xFEFF
	}
	return false // beyond the BMP: escaped, as go.yaml.in/yaml does
}

// hasSpecial reports whether s has a character that only a double-quoted
// scalar can carry (an escape).
func hasSpecial(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if !printable(r) {
			return true
		}
	}
	return false
}

// literalAllowed reports whether the multi-line s can be a literal block:
// it has more than line breaks, and no character that needs an escape
// (tabs may stay).
func literalAllowed(s string) bool {
	if strings.Trim(s, "\n") == "" || hasSpecial(strings.ReplaceAll(s, "\t", " ")) {
		return false
	}
	for line := range strings.SplitSeq(s, "\n") {
		if line != "" && strings.TrimLeft(line, " \t") == "" {
			return false // a line of blanks reads as part of the indentation
		}
	}
	return true
}

// firstLineIndented reports whether the first line of s with content
// starts with a blank, so a literal block must state its indentation.
func firstLineIndented(s string) bool {
	t := strings.TrimLeft(s, "\n")
	return t[0] == ' ' || t[0] == '\t'
}

// plainAllowed reports whether s, a string on one line that YAML would not
// read as another type, can be written unquoted in a block.
func plainAllowed(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		return false
	}
	blankAfter := func(i int) bool { return i+1 >= len(s) || s[i+1] == ' ' }
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '?', ':', '-':
		if blankAfter(0) {
			return false
		}
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case ':':
			if blankAfter(i) {
				return false
			}
		case '#':
			if s[i-1] == ' ' {
				return false
			}
		}
	}
	return true
}

// readsAsString reports whether YAML reads the plain scalar s back as a
// string rather than as a null, a bool (YAML 1.1's yes/no/on/off too), a
// number or a timestamp; when it does not, s is double-quoted.
func readsAsString(s string) bool {
	switch strings.ToLower(s) {
	case "", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n",
		".inf", "-.inf", "+.inf", ".nan", "<<":
		return false
	}
	c := s[0]
	if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' {
		return true
	}
	plain := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseFloat(plain, 64); err == nil {
		return false
	}
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return false
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return false
	}
	// Sexagesimal numbers (1:30) and timestamps (2001-12-14): any string
	// of digits with colons, or starting with a date, is quoted.
	digitsAndColons := strings.Trim(plain, "+-0123456789:.") == "" && strings.Contains(plain, ":")
	date := len(s) >= 10 && s[4] == '-' && strings.Trim(s[:4], "0123456789") == ""
	return !digitsAndColons && !date
}

// naturalCompare orders mapping keys as go.yaml.in/yaml does: runs of
// digits by their numeric value, other characters before letters, letters
// by code point.
func naturalCompare(a, b string) int {
	ar, br := []rune(a), []rune(b)
	digits := false
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			digits = unicode.IsDigit(ar[i])
			continue
		}
		al, bl := unicode.IsLetter(ar[i]), unicode.IsLetter(br[i])
		switch {
		case al && bl:
			return cmpRune(ar[i], br[i])
		case al || bl:
			// A letter after digits ends the number first; elsewhere
			// letters come last.
			if digits == al {
				return -1
			}
			return 1
		}
		an, aEnd := number(ar, i)
		bn, bEnd := number(br, i)
		switch {
		case an != bn:
			return cmpInt(an, bn)
		case aEnd != bEnd:
			return cmpInt(int64(aEnd), int64(bEnd))
		}
		return cmpRune(ar[i], br[i])
	}
	return cmpInt(int64(len(ar)), int64(len(br)))
}

// number reads the run of digits of r that contains position i (back to
// its start when i is inside a number) and returns its value and end.
func number(r []rune, i int) (int64, int) {
	start := i
	for start > 0 && unicode.IsDigit(r[start-1]) {
		start--
	}
	var n int64
	end := start
	for ; end < len(r) && unicode.IsDigit(r[end]); end++ {
		n = n*10 + int64(r[end]-'0')
	}
	return n, end
}

func cmpRune(a, b rune) int { return cmpInt(int64(a), int64(b)) }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
