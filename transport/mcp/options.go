package mcp

import (
	"slices"
	"time"
)

// Defaults of the options.
const (
	// DefaultPath is where the streamable HTTP endpoint is mounted.
	DefaultPath = "/mcp"
	// DefaultStreamMaxItems bounds the items a stream tool collects.
	DefaultStreamMaxItems = 100
	// DefaultStreamWindow bounds how long a stream tool collects.
	DefaultStreamWindow = 5 * time.Second
)

// Option configures a Transport, Handler, NewServer or ServeStdio.
type Option func(*config)

type config struct {
	all            bool
	tags           []string
	names          []string
	nonDestructive []string
	idempotent     []string
	path           string
	streamMax      int
	streamWindow   time.Duration
	name, version  string
}

func newConfig(opts []Option) config {
	c := config{path: DefaultPath, streamMax: DefaultStreamMaxItems, streamWindow: DefaultStreamWindow}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithAll exposes every operation of the App as a tool, except admin
// operations (see WithOperations). Default: no operation is exposed.
func WithAll() Option { return func(c *config) { c.all = true } }

// WithTags exposes the operations that carry any of tags, except admin
// operations (see WithOperations). It adds to the other selections.
// Default: no operation is exposed.
func WithTags(tags ...string) Option {
	return func(c *config) { c.tags = append(c.tags, tags...) }
}

// WithOperations exposes the named operations. It is the only way to
// expose an admin operation, which then still passes the App's admin
// authorizer on every call. A name the App does not register is a
// startup error. It adds to the other selections. Default: no operation
// is exposed.
func WithOperations(names ...string) Option {
	return func(c *config) { c.names = append(c.names, names...) }
}

// WithNonDestructive marks the named commands as additive: their tools
// carry destructiveHint false (they add, and never delete or overwrite).
// Default: every command is hinted destructive, as MCP assumes.
func WithNonDestructive(names ...string) Option {
	return func(c *config) { c.nonDestructive = append(c.nonDestructive, names...) }
}

// WithIdempotent marks the named commands idempotent: calling one again
// with the same arguments has no further effect (idempotentHint true).
// Queries and streams always are. Default: commands are not.
func WithIdempotent(names ...string) Option {
	return func(c *config) { c.idempotent = append(c.idempotent, names...) }
}

// WithPath sets where the Transport mounts the streamable HTTP endpoint
// on the App's HTTP host. Default: "/mcp".
func WithPath(path string) Option { return func(c *config) { c.path = path } }

// WithStreamLimits bounds what the tool of a stream operation collects: it
// returns when the stream ends, after maxItems items or once window has
// passed since the call began, whichever comes first. Values ≤ 0 keep
// the default. Default: 100 items, 5s.
func WithStreamLimits(maxItems int, window time.Duration) Option {
	return func(c *config) {
		if maxItems > 0 {
			c.streamMax = maxItems
		}
		if window > 0 {
			c.streamWindow = window
		}
	}
}

// WithImplementation sets the server name and version reported to
// clients at initialisation. Default: the App's name and version.
func WithImplementation(name, version string) Option {
	return func(c *config) { c.name, c.version = name, version }
}

// selects reports whether the configuration exposes an operation with
// name, tags and admin flag.
func (c *config) selects(name string, tags []string, admin bool) bool {
	if slices.Contains(c.names, name) {
		return true
	}
	if admin {
		return false
	}
	if c.all {
		return true
	}
	for _, t := range tags {
		if slices.Contains(c.tags, t) {
			return true
		}
	}
	return false
}
