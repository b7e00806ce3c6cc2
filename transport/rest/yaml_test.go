package rest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v4"
)

// yamlStrings are strings whose YAML form marshalYAML must write exactly as
// go.yaml.in/yaml does.
var yamlStrings = []string{
	"", "plain", "two words", "1.0.0", "v1", "/hello/{name}", "#/components/schemas/HelloOut", "^[!-~]+$",
	"a: b", "a:b", "a #b", "a#b", "- a", "-a", "-", "?", "? a", ":", ":a", "[a]", "a[0]", "{a}", "a, b", "a,b",
	"'quoted'", "it's", `say "hi"`, "&anchor", "*alias", "!tag", "|", ">", "%", "@", "`", "---", "...", "--- a",
	"true", "True", "false", "yes", "No", "on", "OFF", "y", "N", "null", "Null", "~", "<<",
	"0", "12", "-3", "+4", "1.5", ".5", "1e3", "0x1F", "0o17", "0b101", "1_000", ".inf", "-.Inf", ".NaN", "1:30", "2001-12-14", "2001-12-14T21:59:43Z",
	" leading", "trailing ", "tab\there", "line\nbreak", "two\n\nparas", "end\n", "ends\n\n", "\nleading break", "trailing space \nx", "a\nb ", " a\nb", "a \n", "a\n b", "a\n\n\n", "\n", "\n\n", "a\r\nb", "x\n\tindented",
	"unicode é ✓ 日本", "emoji 😀", "bell\a", "del\x7f", "nbsp\u00a0x", "bom\ufeff", "Deprecated: use v2", "https://example.com/x?y=1",
	"200", "400", "default", "application/json", "x-item-schema", "$ref",
}

// TestYAMLMatchesLibrary checks marshalYAML against go.yaml.in/yaml, the
// library the documents were written with before: each string as a
// mapping value, a key and a sequence item, numbers and nested layouts.
func TestYAMLMatchesLibrary(t *testing.T) {
	for _, s := range yamlStrings {
		tree := obj{
			"value": s,
			s:       "key",
			"list":  []any{s, obj{"inner": s, "n": 1.0}},
		}
		if s != "" && !containsBreak(s) {
			tree["nested"] = obj{"deeper": obj{"v": s, "l": []any{[]any{s, 2.0}, obj{}, []any{}}}}
		}
		if containsBreak(s) {
			delete(tree, "list") // marshalYAML quotes multi-line sequence items (see TestYAMLRoundTrip)
			delete(tree, s)
		}
		compareYAML(t, s, tree)
	}
	numbers := []any{0.0, 1.0, -1.0, 1.5, 1e6, 1e21, 123456789.0, 0.000001, 1e-7, true, false, nil}
	compareYAML(t, "numbers", obj{"numbers": numbers, "empty": obj{}, "none": []any{}})
	keys := obj{}
	for _, k := range []string{"a10", "a9", "a", "A", "_a", "a_b", "aB", "a-b", "ab", "1", "10", "9", "x1y", "x10y", "x01", "x1", "200", "401", "/v1/a", "/v10/a", "/v2/a", "é", "Z"} {
		keys[k] = k
	}
	compareYAML(t, "key order", keys)
}

func containsBreak(s string) bool {
	for _, r := range s {
		if r == '\n' {
			return true
		}
	}
	return false
}

func compareYAML(t *testing.T, name string, tree obj) {
	t.Helper()
	want, err := yaml.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(marshalYAML(tree)), string(want)); diff != "" {
		t.Errorf("%q: marshalYAML differs from go.yaml.in/yaml (-got +want):\n%s", name, diff)
	}
}

// TestYAMLGoldens writes the examples' golden OpenAPI documents as YAML
// and compares them with go.yaml.in/yaml's.
func TestYAMLGoldens(t *testing.T) {
	files, err := filepath.Glob("../../examples/*/testdata/openapi.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("goldens: %v %v", files, err)
	}
	for _, f := range files {
		js, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tree obj
		if err := json.Unmarshal(js, &tree); err != nil {
			t.Fatal(err)
		}
		compareYAML(t, f, tree)
	}
}

// FuzzYAMLRoundTrip checks that any string, as a value, a key and a
// sequence item, reads back from marshalYAML's output unchanged.
func FuzzYAMLRoundTrip(f *testing.F) {
	for _, s := range yamlStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utfValid(s) {
			t.Skip("JSON strings are UTF-8")
		}
		tree := obj{"value": s, "list": []any{s, obj{"k": s}}, "key": obj{s: 1.0}}
		var got obj
		out := marshalYAML(tree)
		if err := yaml.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: %v\n%s", s, err, out)
		}
		if diff := cmp.Diff(normalize(got), normalize(tree)); diff != "" {
			t.Errorf("%q reads back differently (-got +want):\n%s\n%s", s, diff, out)
		}
	})
}

func utfValid(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' {
			return false
		}
	}
	return true
}

// normalize turns the numbers YAML reads (ints) into float64s, as JSON's.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, x := range v {
			m[k] = normalize(x)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = normalize(x)
		}
		return l
	case int:
		return float64(v)
	}
	return v
}
