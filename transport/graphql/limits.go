package graphql

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validationRules returns gqlparser's default rules plus the depth and
// complexity limits. Rules run when a document is parsed, so a cached
// document costs nothing per request; the limits ignore @skip and @include
// (they count what a document could select).
func validationRules(maxDepth, maxComplexity int) func() *rules.Rules {
	return func() *rules.Rules {
		r := rules.NewDefaultRules()
		if maxDepth > 0 || maxComplexity > 0 {
			r.AddRule("AllFrameLimits", limitsRule(maxDepth, maxComplexity))
		}
		return r
	}
}

func limitsRule(maxDepth, maxComplexity int) core.RuleFunc {
	return func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
			m := measurer{doc: w.Document, frags: map[string]cost{}, visiting: map[string]bool{}}
			c := m.selection(op.SelectionSet)
			if maxDepth > 0 && c.depth > maxDepth {
				addError(core.Message("operation has depth %d, which exceeds the limit of %d", c.depth, maxDepth), core.At(op.Position))
			}
			if maxComplexity > 0 && c.complexity > maxComplexity {
				addError(core.Message("operation has complexity %d, which exceeds the limit of %d", c.complexity, maxComplexity), core.At(op.Position))
			}
		})
	}
}

// cost is the depth and complexity of a selection set.
type cost struct{ depth, complexity int }

// measurer computes costs, once per fragment, so documents whose fragments
// spread each other many times cost linear time to measure.
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
