package graphql

import "time"

// Defaults of the options.
const (
	DefaultPath            = "/graphql"
	DefaultSDLPath         = "/schema.graphql"
	DefaultMaxDepth        = 15
	DefaultComplexityLimit = 1000
	DefaultQueryCacheSize  = 1000
	DefaultAPQCacheSize    = 100
	DefaultMaxBodyBytes    = 1 << 20
	DefaultKeepAlive       = 10 * time.Second
	// DefaultMaxTokens is graphql-java's default: about 4 KB of a typical
	// query per 1,000 tokens; the introspection query has about 300.
	DefaultMaxTokens         = 15000
	DefaultMaxSelections     = 2000
	DefaultMaxMutationFields = 10
	DefaultMaxErrors         = 100
)

// Option configures a Transport or Handler.
type Option func(*config)

type config struct {
	path, sdlPath   string
	maxDepth        int
	complexityLimit int
	introspection   bool
	playground      bool
	queryCacheSize  int
	apqCacheSize    int
	maxBodyBytes    int64
	keepAlive       time.Duration
	originPatterns  []string
	maxTokens       int
	maxSelections   int
	maxMutations    int
	maxErrors       int
}

func newConfig(opts []Option) config {
	c := config{
		path:            DefaultPath,
		sdlPath:         DefaultSDLPath,
		maxDepth:        DefaultMaxDepth,
		complexityLimit: DefaultComplexityLimit,
		introspection:   true,
		playground:      true,
		queryCacheSize:  DefaultQueryCacheSize,
		apqCacheSize:    DefaultAPQCacheSize,
		maxBodyBytes:    DefaultMaxBodyBytes,
		keepAlive:       DefaultKeepAlive,
		maxTokens:       DefaultMaxTokens,
		maxSelections:   DefaultMaxSelections,
		maxMutations:    DefaultMaxMutationFields,
		maxErrors:       DefaultMaxErrors,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithPath sets the path of the GraphQL endpoint (POST, GET, WebSocket,
// SSE and the GraphiQL page). Default: "/graphql".
func WithPath(path string) Option { return func(c *config) { c.path = path } }

// WithSDLPath sets the path serving the schema as SDL; "" serves none.
// Default: "/schema.graphql".
func WithSDLPath(path string) Option { return func(c *config) { c.sdlPath = path } }

// The document limits (WithMaxTokens, WithMaxSelections, WithMaxDepth,
// WithComplexityLimit, WithMaxMutationFields) are checked on the parsed
// document before gqlgen validates it, in linear time, once per document
// (a cached document is not checked again). A document over a limit fails
// like an invalid one: HTTP 422 (400 with application/graphql-response+json)
// and one error with extensions.code GRAPHQL_VALIDATION_FAILED naming the
// limit; nothing runs.

// WithMaxTokens limits the lexical tokens of a document (names,
// punctuation, values; not whitespace or comments); the parser stops at the
// limit. 0 or less disables the limit. Default: 15000.
func WithMaxTokens(n int) Option { return func(c *config) { c.maxTokens = n } }

// WithMaxSelections limits the selections of a document as written: its
// fields (__typename and introspection fields included), fragment spreads
// and inline fragments, in operations and fragment definitions. It bounds
// the validation work, which grows with the square of the fields sharing a
// response name. 0 or less disables the limit. Default: 2000.
func WithMaxSelections(n int) Option { return func(c *config) { c.maxSelections = n } }

// WithMaxMutationFields limits the root fields of a mutation, counted by
// response name through fragments (a field repeated under one name runs
// once; __typename is not counted), so aliases cannot multiply a command
// within one request. A mutation over the limit runs no field. 0 or less
// disables the limit. Default: 10.
func WithMaxMutationFields(n int) Option { return func(c *config) { c.maxMutations = n } }

// WithMaxErrors limits the errors of a response: the first n, then one
// error saying how many more there were (with their extensions.code when
// they share one). It applies to request, validation and execution errors
// on every transport. 0 or less disables the limit. Default: 100.
func WithMaxErrors(n int) Option { return func(c *config) { c.maxErrors = n } }

// WithMaxDepth limits how deeply selections may nest (fragments expanded,
// introspection fields not counted); deeper operations fail like invalid
// ones. 0 or less disables the limit. Default: 15.
func WithMaxDepth(n int) Option { return func(c *config) { c.maxDepth = n } }

// WithComplexityLimit limits an operation's complexity: the number of
// fields it selects with fragments expanded (introspection fields and
// __typename not counted); more complex operations fail validation. 0 or
// less disables the limit. Default: 1000.
func WithComplexityLimit(n int) Option { return func(c *config) { c.complexityLimit = n } }

// WithIntrospection enables or disables __schema and __type. Default:
// enabled.
func WithIntrospection(enabled bool) Option { return func(c *config) { c.introspection = enabled } }

// WithPlayground enables or disables the GraphiQL page served on GET
// requests to the endpoint that accept text/html. GraphiQL's scripts and
// styles (GraphiQL 4.1.2, React 18.2.0) are embedded in the binary and
// served under the endpoint's path at /assets/, so the page works with no
// network. Default: enabled.
func WithPlayground(enabled bool) Option { return func(c *config) { c.playground = enabled } }

// WithQueryCacheSize sets how many parsed and validated documents the LRU
// query cache keeps (and how many compiled plans the executor memoises).
// Default: 1000.
func WithQueryCacheSize(n int) Option { return func(c *config) { c.queryCacheSize = n } }

// WithAPQCacheSize sets how many queries the automatic persisted query
// cache keeps, by SHA-256 hash. Default: 100.
func WithAPQCacheSize(n int) Option { return func(c *config) { c.apqCacheSize = n } }

// WithMaxBodyBytes limits the size of request bodies and WebSocket
// messages; larger requests fail with 413. Default: 1 MiB.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBodyBytes = n } }

// WithKeepAlive sets the interval of keep-alive messages on WebSocket
// (graphql-ws) and SSE connections; 0 disables them. Default: 10s.
func WithKeepAlive(d time.Duration) Option { return func(c *config) { c.keepAlive = d } }

// WithOriginPatterns lets WebSocket connections come from pages of other
// origins whose host matches one of the patterns (path.Match syntax, e.g.
// "*.example.com"). Default: same origin only.
func WithOriginPatterns(patterns ...string) Option {
	return func(c *config) { c.originPatterns = append(c.originPatterns, patterns...) }
}
