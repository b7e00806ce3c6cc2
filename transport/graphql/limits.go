package graphql

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// documentLimits checks a document against the limits before gqlgen
// validates it. Validation costs more than linear time on some shapes
// (gqlparser's OverlappingFieldsCanBeMerged compares every pair of fields
// with one response name), so a small request could otherwise cost seconds
// of CPU; parsing with a token limit and counting on the parsed tree is
// linear. It runs as an operation parameter mutator, on every transport,
// after the persisted query extension has filled in the query, and only for
// documents not in the query cache: a cached document passed the checks
// when it was parsed (the limits are fixed per server).
type documentLimits struct {
	cache             graphql.Cache[*ast.QueryDocument] // nil without a query cache
	maxTokens         int
	maxSelections     int
	maxDepth          int
	maxComplexity     int
	maxMutationFields int
}

var (
	_ graphql.HandlerExtension          = documentLimits{}
	_ graphql.OperationParameterMutator = documentLimits{}
)

// ExtensionName implements graphql.HandlerExtension.
func (documentLimits) ExtensionName() string { return "AllFrameDocumentLimits" }

// Validate implements graphql.HandlerExtension.
func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters parses a document not yet cached and reports
// the first limit it exceeds, with extensions.code
// GRAPHQL_VALIDATION_FAILED (HTTP 422) like any invalid document.
func (l documentLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // gqlgen reports "no operation provided"
	}
	if l.cache != nil {
		if _, ok := l.cache.Get(ctx, p.Query); ok {
			return nil
		}
	}
	if ctx.Err() != nil {
		// The client is gone (or the deadline passed): parse and validate
		// nothing for it.
		return limitError("the request was canceled")
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, max(l.maxTokens, 0))
	if err != nil {
		gqlErr, ok := err.(*gqlerror.Error) //nolint:errorlint // the parser returns *gqlerror.Error unwrapped
		if !ok {
			gqlErr = gqlerror.Wrap(err)
		}
		if strings.HasPrefix(gqlErr.Message, "exceeded token limit") {
			return limitError(fmt.Sprintf("the document has more than %d tokens, which exceeds the limit", l.maxTokens))
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return gqlErr
	}
	return l.check(doc)
}

// check counts on the parsed (not yet validated) document: selections as
// written, then per operation depth and complexity with fragments
// expanded, and the root fields of mutations.
func (l documentLimits) check(doc *ast.QueryDocument) *gqlerror.Error {
	if l.maxSelections > 0 {
		n := 0
		for _, op := range doc.Operations {
			n += countSelections(op.SelectionSet)
		}
		for _, f := range doc.Fragments {
			n += countSelections(f.SelectionSet)
		}
		if n > l.maxSelections {
			return limitError(fmt.Sprintf("the document has %d selections, which exceeds the limit of %d", n, l.maxSelections))
		}
	}
	m := measurer{doc: doc, frags: map[string]cost{}, visiting: map[string]bool{}}
	for _, op := range doc.Operations {
		if l.maxDepth > 0 || l.maxComplexity > 0 {
			c := m.selection(op.SelectionSet)
			if l.maxDepth > 0 && c.depth > l.maxDepth {
				return limitError(fmt.Sprintf("operation has depth %d, which exceeds the limit of %d", c.depth, l.maxDepth), op.Position)
			}
			if l.maxComplexity > 0 && c.complexity > l.maxComplexity {
				return limitError(fmt.Sprintf("operation has complexity %d, which exceeds the limit of %d", c.complexity, l.maxComplexity), op.Position)
			}
		}
		if op.Operation == ast.Mutation && l.maxMutationFields > 0 {
			names := map[string]bool{}
			rootFields(doc, op.SelectionSet, names, map[string]bool{})
			if len(names) > l.maxMutationFields {
				return limitError(fmt.Sprintf("mutation has %d root fields, which exceeds the limit of %d; nothing was run", len(names), l.maxMutationFields), op.Position)
			}
		}
	}
	return nil
}

// limitError is a document limit error: GRAPHQL_VALIDATION_FAILED, as
// every document limit reports.
func limitError(msg string, at ...*ast.Position) *gqlerror.Error {
	err := &gqlerror.Error{Message: msg}
	if len(at) > 0 && at[0] != nil {
		err.Locations = []gqlerror.Location{{Line: at[0].Line, Column: at[0].Column}}
	}
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// countSelections counts the fields, fragment spreads and inline fragments
// of set and below, as written (fragments not expanded).
func countSelections(set ast.SelectionSet) int {
	n := len(set)
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			n += countSelections(sel.SelectionSet)
		case *ast.InlineFragment:
			n += countSelections(sel.SelectionSet)
		}
	}
	return n
}

// rootFields collects the response names a mutation's root selection set
// runs, through fragments: fields with the same response name are merged
// and run once, so a repeated alias or fragment counts once. __typename
// runs nothing.
func rootFields(doc *ast.QueryDocument, set ast.SelectionSet, names, visiting map[string]bool) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__typename" {
				continue
			}
			name := sel.Alias
			if name == "" {
				name = sel.Name
			}
			names[name] = true
		case *ast.InlineFragment:
			rootFields(doc, sel.SelectionSet, names, visiting)
		case *ast.FragmentSpread:
			if visiting[sel.Name] {
				continue // seen, or a cycle: validation reports cycles
			}
			visiting[sel.Name] = true
			if f := doc.Fragments.ForName(sel.Name); f != nil {
				rootFields(doc, f.SelectionSet, names, visiting)
			}
		}
	}
}

// cost is the depth and complexity of a selection set.
type cost struct{ depth, complexity int }

// measurer computes costs, once per fragment, so documents whose fragments
// spread each other many times cost linear time to measure. The document
// is not validated yet: unknown fragments and cycles cost nothing here
// (validation reports them).
type measurer struct {
	doc      *ast.QueryDocument
	frags    map[string]cost
	visiting map[string]bool
}

// complexityCap keeps sums from overflowing on adversarial documents.
const complexityCap = 1 << 40

func (m *measurer) selection(set ast.SelectionSet) cost {
	var c cost
	for _, sel := range set {
		var s cost
		switch sel := sel.(type) {
		case *ast.Field:
			switch sel.Name {
			case "__schema", "__type", "__typename":
				continue // bounded by the introspection switch and rules
			}
			s = m.selection(sel.SelectionSet)
			s.depth++
			s.complexity++
		case *ast.InlineFragment:
			s = m.selection(sel.SelectionSet)
		case *ast.FragmentSpread:
			s = m.fragment(sel.Name)
		}
		c.depth = max(c.depth, s.depth)
		c.complexity = min(c.complexity+s.complexity, complexityCap)
	}
	return c
}

func (m *measurer) fragment(name string) cost {
	if c, ok := m.frags[name]; ok {
		return c
	}
	if m.visiting[name] {
		return cost{} // a cycle: NoFragmentCycles reports it
	}
	f := m.doc.Fragments.ForName(name)
	if f == nil {
		return cost{} // KnownFragmentNames reports it
	}
	m.visiting[name] = true
	c := m.selection(f.SelectionSet)
	delete(m.visiting, name)
	m.frags[name] = c
	return c
}

// errorLimit caps the errors of every response (request, validation and
// execution errors, on every transport): the first max errors, then one
// error saying how many were left out, so a small request cannot make a
// response many times its size.
type errorLimit struct{ max int }

var (
	_ graphql.HandlerExtension    = errorLimit{}
	_ graphql.ResponseInterceptor = errorLimit{}
)

// ExtensionName implements graphql.HandlerExtension.
func (errorLimit) ExtensionName() string { return "AllFrameErrorLimit" }

// Validate implements graphql.HandlerExtension.
func (errorLimit) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor.
func (l errorLimit) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > l.max {
		resp.Errors = capErrors(resp.Errors, l.max)
	}
	return resp
}

// capErrors keeps the first n errors of list and adds one that counts the
// others, with their code when they share one.
func capErrors(list gqlerror.List, n int) gqlerror.List {
	omitted := list[n:]
	summary := &gqlerror.Error{Message: fmt.Sprintf("%d more errors not shown (at most %d are reported)", len(omitted), n)}
	code, _ := omitted[0].Extensions["code"].(string)
	for _, e := range omitted[1:] {
		if c, _ := e.Extensions["code"].(string); c != code {
			code = ""
			break
		}
	}
	if code != "" {
		summary.Extensions = map[string]any{"code": code}
	}
	out := make(gqlerror.List, n, n+1)
	copy(out, list[:n])
	return append(out, summary)
}
