package graph

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/app"
)

// DefaultPlanCacheSize is the default number of compiled operation plans
// kept (see WithPlanCacheSize).
const DefaultPlanCacheSize = 1000

// Option configures New.
type Option func(*options)

type options struct {
	planCacheSize int
}

// WithPlanCacheSize sets how many compiled operation plans are memoised.
// Plans are keyed by the parsed document, so the size should be at least
// the size of gqlgen's query cache; 0 or less disables memoisation.
// Default: DefaultPlanCacheSize (1000).
func WithPlanCacheSize(n int) Option { return func(o *options) { o.planCacheSize = n } }

// Schema is the GraphQL schema of an App's registry and its runtime
// executor.
type Schema struct {
	app  *app.App
	sdl  string
	ast  *ast.Schema
	exec *executable

	queries, mutations, subscriptions map[string]*binding
	cache                             *planCache
}

// New builds the GraphQL schema of a's operations: queries become fields of
// Query, commands of Mutation and streams of Subscription. It fails when the
// registry cannot be expressed in GraphQL, e.g. on a type name clash or a
// JSON field name that is not a GraphQL name.
//
// Operations must all be registered before New; the schema does not see
// later registrations.
func New(a *app.App, opts ...Option) (*Schema, error) {
	o := options{planCacheSize: DefaultPlanCacheSize}
	for _, opt := range opts {
		opt(&o)
	}
	sdl, err := buildSDL(a)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: sdl})
	if err != nil {
		return nil, fmt.Errorf("graph: the generated schema does not load: %w", describeLoadError(err))
	}
	s := &Schema{
		app:           a,
		sdl:           sdl,
		ast:           schema,
		queries:       map[string]*binding{},
		mutations:     map[string]*binding{},
		subscriptions: map[string]*binding{},
		cache:         newPlanCache(o.planCacheSize),
	}
	outs, ins := newPlans(), newInputPlans()
	for _, op := range a.Operations() {
		b := &binding{
			op:     op,
			in:     ins.plan(op.Input),
			out:    outs.value(op.Output),
			outPtr: reflect.PointerTo(op.Output.Go),
		}
		switch op.Kind {
		case app.OpCommand:
			b.root, s.mutations[op.Name] = "Mutation", b
		case app.OpStream:
			b.root, s.subscriptions[op.Name] = "Subscription", b
		default:
			b.root, s.queries[op.Name] = "Query", b
		}
		b.route = b.root + "." + op.Name
	}
	s.exec = newExecutable(s)
	return s, nil
}

func describeLoadError(err error) error {
	if ge, ok := errors.AsType[*gqlerror.Error](err); ok && len(ge.Locations) > 0 {
		return fmt.Errorf("%s (line %d)", ge.Message, ge.Locations[0].Line)
	}
	return err
}

// SDL returns the schema in the GraphQL schema definition language: Query,
// Mutation and Subscription first, then the types in the order operations
// reach them.
func (s *Schema) SDL() string { return s.sdl }

// AST returns the parsed schema, including gqlparser's built-in types and
// directives.
func (s *Schema) AST() *ast.Schema { return s.ast }

// Executable returns the runtime executor of the schema, to serve with
// gqlgen's handler package (handler.New(s.Executable())).
//
// Each operation field runs the operation's full chain (App middleware,
// validation, handler) once, with call.Protocol set to app.ProtocolGraphQL,
// call.Metadata to the request headers and call.Route to "Query.<name>"
// (or Mutation, Subscription). gqlgen's root field and field middleware
// (handler.Server.AroundRootFields, AroundFields) run around operation
// fields only: the fields of output values are plain data, resolved by
// plans compiled once per type and per document, without middleware.
func (s *Schema) Executable() graphql.ExecutableSchema { return s.exec }
