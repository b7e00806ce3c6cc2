package graph

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// opPlan is an operation compiled against the registry: its root fields
// with their bindings and the resolve plans of their selections.
type opPlan struct {
	kind   ast.Operation
	root   string // "Query", "Mutation" or "Subscription"
	fields []rootField
	// size is the length of the last response, a capacity hint.
	size atomic.Int64
}

type rootKind uint8

const (
	rootOperation rootKind = iota
	rootTypename
	rootSchema
	rootType
	rootPlaceholder
)

// rootField is one response key of the root selection.
type rootField struct {
	kind  rootKind
	key   []byte // `,"alias":`
	alias string
	cf    graphql.CollectedField
	bind  *binding
	sub   *selection
}

// selection is a selection set compiled for one object type.
type selection struct {
	fields []selField
	// variants holds, for a union field, the selection compiled for each
	// variant's object type, in the sum type's variant order.
	variants []*selection
}

// selField is one response key of a selection.
type selField struct {
	key      []byte // `,"alias":`
	alias    string
	typename bool
	field    *fieldPlan
	sub      *selection
	pos      *ast.Position
}

func responseKey(alias string) []byte {
	b := append([]byte{','}, strconv.Quote(alias)...)
	return append(b, ':')
}

// compile builds the plan of opCtx's operation.
func (s *Schema) compile(opCtx *graphql.OperationContext) (*opPlan, error) {
	op := opCtx.Operation
	p := &opPlan{kind: op.Operation}
	var binds map[string]*binding
	switch op.Operation {
	case ast.Mutation:
		p.root, binds = "Mutation", s.mutations
	case ast.Subscription:
		p.root, binds = "Subscription", s.subscriptions
	default:
		p.root, binds = "Query", s.queries
	}
	for _, cf := range graphql.CollectFields(opCtx, op.SelectionSet, []string{p.root}) {
		rf := rootField{key: responseKey(cf.Alias), alias: cf.Alias, cf: cf}
		switch cf.Name {
		case "__typename":
			rf.kind = rootTypename
		case "__schema":
			rf.kind = rootSchema
		case "__type":
			rf.kind = rootType
		case placeholderField:
			if binds[cf.Name] == nil {
				rf.kind = rootPlaceholder
				break
			}
			fallthrough
		default:
			b := binds[cf.Name]
			if b == nil {
				return nil, fmt.Errorf("unknown field %s.%s", p.root, cf.Name)
			}
			sub, err := s.compileSelection(opCtx, b.out.obj, cf.Selections)
			if err != nil {
				return nil, err
			}
			rf.bind, rf.sub = b, sub
		}
		p.fields = append(p.fields, rf)
	}
	return p, nil
}

func (s *Schema) compileSelection(opCtx *graphql.OperationContext, obj *objectPlan, set ast.SelectionSet, satisfies ...string) (*selection, error) {
	sel := &selection{}
	for _, cf := range graphql.CollectFields(opCtx, set, append([]string{obj.name}, satisfies...)) {
		f := selField{key: responseKey(cf.Alias), alias: cf.Alias, pos: cf.Position}
		if cf.Name == "__typename" {
			f.typename = true
			sel.fields = append(sel.fields, f)
			continue
		}
		fp := obj.fields[cf.Name]
		if fp == nil {
			return nil, fmt.Errorf("unknown field %s.%s", obj.name, cf.Name)
		}
		f.field = fp
		if !fp.constTrue {
			if u := baseUnion(fp.plan); u != nil {
				f.sub = &selection{}
				for _, m := range u.members {
					sub, err := s.compileSelection(opCtx, m, cf.Selections, u.name)
					if err != nil {
						return nil, err
					}
					f.sub.variants = append(f.sub.variants, sub)
				}
			} else if o := baseObject(fp.plan); o != nil {
				sub, err := s.compileSelection(opCtx, o, cf.Selections)
				if err != nil {
					return nil, err
				}
				f.sub = sub
			}
		}
		sel.fields = append(sel.fields, f)
	}
	return sel, nil
}

// baseObject returns the object plan under pointers and lists, or nil.
func baseObject(vp *valuePlan) *objectPlan {
	for vp.code == codePointer || vp.code == codeSlice {
		vp = vp.elem
	}
	return vp.obj
}

// baseUnion returns the union plan under pointers and lists, or nil.
func baseUnion(vp *valuePlan) *unionPlan {
	for vp.code == codePointer || vp.code == codeSlice {
		vp = vp.elem
	}
	return vp.union
}

// variableDirectives reports whether any @skip or @include in the
// operation or the document's fragments depends on a variable: such
// operations are compiled for every request.
func variableDirectives(doc *ast.QueryDocument, op *ast.OperationDefinition) bool {
	var walk func(set ast.SelectionSet) bool
	dynamic := func(ds ast.DirectiveList) bool {
		for _, d := range ds {
			if d.Name != "skip" && d.Name != "include" {
				continue
			}
			if a := d.Arguments.ForName("if"); a != nil && a.Value != nil && a.Value.Kind == ast.Variable {
				return true
			}
		}
		return false
	}
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if dynamic(sel.Directives) || walk(sel.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if dynamic(sel.Directives) || walk(sel.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if dynamic(sel.Directives) {
					return true
				}
			}
		}
		return false
	}
	if walk(op.SelectionSet) {
		return true
	}
	for _, f := range doc.Fragments {
		if walk(f.SelectionSet) {
			return true
		}
	}
	return false
}

// planCache memoises compiled plans per parsed operation. Documents are
// stable while gqlgen's query cache holds them, so the pointer identifies
// the operation; holding it keeps the document alive, and the cache is
// bounded: when it grows past max entries it starts over.
type planCache struct {
	max   int
	mu    sync.Mutex
	n     int
	plans atomic.Pointer[sync.Map]
}

func newPlanCache(size int) *planCache {
	c := &planCache{max: size}
	c.plans.Store(new(sync.Map))
	return c
}

func (c *planCache) get(op *ast.OperationDefinition) *opPlan {
	if c.max <= 0 {
		return nil
	}
	if p, ok := c.plans.Load().Load(op); ok {
		return p.(*opPlan)
	}
	return nil
}

func (c *planCache) put(op *ast.OperationDefinition, p *opPlan) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.plans.Load()
	if _, loaded := m.LoadOrStore(op, p); loaded {
		return
	}
	c.n++
	if c.n > c.max {
		c.plans.Store(new(sync.Map))
		c.n = 0
	}
}

// plan returns the compiled plan of opCtx's operation.
func (s *Schema) plan(opCtx *graphql.OperationContext) (*opPlan, error) {
	if p := s.cache.get(opCtx.Operation); p != nil {
		return p, nil
	}
	p, err := s.compile(opCtx)
	if err != nil {
		return nil, err
	}
	if !variableDirectives(opCtx.Doc, opCtx.Operation) {
		s.cache.put(opCtx.Operation, p)
	}
	return p, nil
}
