package cqrs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sync"
)

// Upcaster turns the JSON payload of one schema version of an event into
// the next version's (from → from+1).
type Upcaster func(data []byte) ([]byte, error)

// Registry maps event Go types to stable names and schema versions, and
// holds the upcasters that bring old payloads to the current shape. Register
// everything at startup; the registry is safe for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]*eventType
	byGo   map[reflect.Type]*eventType
	up     map[string]map[int]Upcaster
}

type eventType struct {
	name    string
	version int
	goType  reflect.Type
	decode  func([]byte) (any, error)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: map[string]*eventType{}, byGo: map[reflect.Type]*eventType{}, up: map[string]map[int]Upcaster{}}
}

var eventNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:/-]*$`)

// RegisterEvent registers the struct type E under a stable name at its
// current schema version (≥ 1). Stored events keep the name forever, so
// rename the Go type freely but never the name; bump version when the
// payload's shape changes and register an upcaster from the old version. It
// panics on a programming error (bad name or version, duplicates, E not a
// struct), as http.ServeMux does.
func RegisterEvent[E any](r *Registry, name string, version int) {
	t := reflect.TypeFor[E]()
	switch {
	case t.Kind() != reflect.Struct:
		panic(fmt.Sprintf("cqrs: event type %s must be a struct", t))
	case !eventNameRE.MatchString(name) || len(name) > MaxNameLength:
		panic(fmt.Sprintf("cqrs: invalid event name %q", name))
	case version < 1:
		panic(fmt.Sprintf("cqrs: event %q: schema version %d must be at least 1", name, version))
	}
	if err := checkJSONSafe(t, 0); err != nil {
		panic(fmt.Sprintf("cqrs: event %q: %s would not survive storage: %v", name, t, err))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[name]; dup {
		panic(fmt.Sprintf("cqrs: event name %q registered twice", name))
	}
	if prev, dup := r.byGo[t]; dup {
		panic(fmt.Sprintf("cqrs: event type %s already registered as %q", t, prev.name))
	}
	et := &eventType{name: name, version: version, goType: t, decode: func(data []byte) (any, error) {
		var e E
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, err
		}
		return e, nil
	}}
	r.byName[name] = et
	r.byGo[t] = et
}

// Upcast registers f to turn payloads of event name at schema version from
// into version from+1. Upcasters chain: a v1 payload of a v3 event passes
// through the v1 and the v2 upcaster on decode. It panics on a duplicate.
func (r *Registry) Upcast(name string, from int, f Upcaster) {
	if from < 1 || f == nil {
		panic(fmt.Sprintf("cqrs: upcaster of %q from version %d: invalid", name, from))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.up[name]
	if m == nil {
		m = map[int]Upcaster{}
		r.up[name] = m
	}
	if _, dup := m[from]; dup {
		panic(fmt.Sprintf("cqrs: upcaster of %q from version %d registered twice", name, from))
	}
	m[from] = f
}

// Names returns the registered event names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.byName))
	for n := range r.byName {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Name returns the registered name and schema version of event's type (a
// registered struct or a pointer to one).
func (r *Registry) Name(event any) (name string, version int, ok bool) {
	et := r.lookup(event)
	if et == nil {
		return "", 0, false
	}
	return et.name, et.version, true
}

func (r *Registry) lookup(event any) *eventType {
	t := reflect.TypeOf(event)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byGo[t]
}

// Encode returns event (a registered struct or a pointer to one) as
// EventData with its name, current schema version and JSON payload.
func (r *Registry) Encode(event any) (EventData, error) {
	et := r.lookup(event)
	if et == nil {
		return EventData{}, fmt.Errorf("%w: %T is not registered", ErrUnknownEvent, event)
	}
	data, err := json.Marshal(event)
	if err != nil {
		return EventData{}, fmt.Errorf("cqrs: encode %s: %w", et.name, err)
	}
	return EventData{Type: et.name, SchemaVersion: et.version, Data: data}, nil
}

// Decode returns the payload of ev as a value of its registered Go type (not
// a pointer), upcasting older schema versions first. An unregistered type
// fails with an error matching ErrUnknownEvent.
func (r *Registry) Decode(ev Event) (any, error) {
	r.mu.RLock()
	et := r.byName[ev.Type]
	ups := r.up[ev.Type]
	r.mu.RUnlock()
	if et == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEvent, ev.Type)
	}
	v := max(ev.SchemaVersion, 1)
	if v > et.version {
		return nil, fmt.Errorf("cqrs: event %s at position %d has schema version %d, newer than the registered %d", ev.Type, ev.Position, v, et.version)
	}
	data := ev.Data
	for ; v < et.version; v++ {
		up := ups[v]
		if up == nil {
			return nil, fmt.Errorf("cqrs: event %s: no upcaster from schema version %d to %d", ev.Type, v, v+1)
		}
		var err error
		if data, err = up(data); err != nil {
			return nil, fmt.Errorf("cqrs: upcast %s from version %d: %w", ev.Type, v, err)
		}
	}
	e, err := et.decode(data)
	if err != nil {
		return nil, fmt.Errorf("cqrs: decode %s at position %d: %w", ev.Type, ev.Position, err)
	}
	return e, nil
}
