package graph_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/allframe-go/allframe/app"
)

// TestDocumentIsValid checks that the document of every operation of the
// kitchen-sink and sum-type apps parses and validates against the schema,
// selects something and declares one variable per argument.
func TestDocumentIsValid(t *testing.T) {
	// The validator must catch a wrong document, or the test proves nothing.
	bad, _ := parser.ParseQuery(&ast.Source{Input: "query { hello(name: 1) { nope } }"})
	if errs := validator.ValidateWithRules(mustSchema(t, newHelloApp()).AST(), bad, nil); len(errs) == 0 {
		t.Fatal("the validator accepts a wrong document")
	}
	for _, a := range []*app.App{newKitchenApp(), newPayApp(), newHelloApp()} {
		s := mustSchema(t, a)
		for _, op := range a.Operations() {
			doc, typ, ok := s.Document(op, 0)
			if !ok {
				t.Errorf("%s: no document", op.Name)
				continue
			}
			if want := map[app.OpKind]string{app.OpQuery: "query", app.OpCommand: "mutation", app.OpStream: "subscription"}[op.Kind]; typ != want {
				t.Errorf("%s: operation type %q, want %q", op.Name, typ, want)
			}
			q, err := parser.ParseQuery(&ast.Source{Input: doc})
			if err != nil {
				t.Errorf("%s: %v\n%s", op.Name, err, doc)
				continue
			}
			if errs := validator.ValidateWithRules(s.AST(), q, nil); len(errs) > 0 {
				t.Errorf("%s: %v\n%s", op.Name, errs, doc)
			}
			if !strings.HasPrefix(doc, typ+" "+op.Name) {
				t.Errorf("%s: document %q", op.Name, doc)
			}
		}
	}
}

// TestDocumentUnion checks the selection of a sum type: __typename and one
// inline fragment per variant.
func TestDocumentUnion(t *testing.T) {
	a := newPayApp()
	s := mustSchema(t, a)
	doc, _, _ := s.Document(a.Operation("pay"), 0)
	for _, want := range []string{"__typename", "... on Card {"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q:\n%s", want, doc)
		}
	}
}
