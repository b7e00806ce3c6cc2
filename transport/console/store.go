package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
)

// scanLimit bounds how many events one request reads from the log when a
// store cannot answer directly (listing streams without a StreamLister,
// full-text search of events).
const scanLimit = 10000

// withBus runs h with the console's Bus, or answers 404 when there is none.
func (c *Console) withBus(w http.ResponseWriter, r *http.Request, h func(*cqrs.Bus)) {
	b := c.currentBus()
	if b == nil {
		writeError(w, r, app.NewError(app.CodeNotFound, "no event store: the App has no cqrs.Bus (console.WithBus)"))
		return
	}
	h(b)
}

// logEvent is an event as the API shows it: its payload as JSON.
type logEvent struct {
	Position   int64           `json:"position"`
	ID         string          `json:"id"`
	Stream     string          `json:"stream"`
	StreamType string          `json:"streamType"`
	Version    int64           `json:"version"`
	Type       string          `json:"type"`
	Schema     int             `json:"schemaVersion"`
	Time       time.Time       `json:"time"`
	Data       json.RawMessage `json:"data"`
	Metadata   map[string]any  `json:"metadata"`
}

func viewEvent(ev cqrs.Event) logEvent {
	data := json.RawMessage(ev.Data)
	if !json.Valid(data) {
		data, _ = json.Marshal(string(ev.Data))
	}
	md := map[string]any{
		"correlationId": ev.Metadata.CorrelationID, "causationId": ev.Metadata.CausationID,
		"traceId": "", "spanId": "", "idempotencyKey": ev.Metadata.IdempotencyKey,
	}
	if sc := ev.SpanContext(); sc.IsValid() {
		md["traceId"], md["spanId"] = sc.TraceID().String(), sc.SpanID().String()
	}
	if len(ev.Metadata.User) > 0 {
		md["user"] = ev.Metadata.User
	}
	return logEvent{Position: ev.Position, ID: ev.ID, Stream: ev.Stream, StreamType: ev.StreamType, Version: ev.Version,
		Type: ev.Type, Schema: ev.SchemaVersion, Time: ev.Time, Data: data, Metadata: md}
}

func storeError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, app.WrapError(app.CodeInternal, "event store: "+err.Error(), err))
}

// streams is GET api/streams.
func (c *Console) streams(w http.ResponseWriter, r *http.Request) {
	limit, e := queryInt(r, "limit", 50, 1, 1000)
	if e != nil {
		writeError(w, r, e)
		return
	}
	prefix, after := r.URL.Query().Get("prefix"), r.URL.Query().Get("after")
	c.withBus(w, r, func(b *cqrs.Bus) {
		var list []cqrs.StreamInfo
		var err error
		if sl, ok := b.Store().(cqrs.StreamLister); ok {
			list, err = sl.ListStreams(r.Context(), prefix, after, int(limit)+1)
		} else {
			list, err = scanStreams(r, b.Store(), prefix, after, int(limit)+1)
		}
		if err != nil {
			storeError(w, r, err)
			return
		}
		next := ""
		if len(list) > int(limit) {
			list = list[:limit]
			next = list[len(list)-1].Stream
		}
		if list == nil {
			list = []cqrs.StreamInfo{}
		}
		writeJSON(w, map[string]any{"streams": list, "next": next})
	})
}

// scanStreams lists streams from the first scanLimit events of the log,
// for stores without a StreamLister.
func scanStreams(r *http.Request, s cqrs.EventStore, prefix, after string, limit int) ([]cqrs.StreamInfo, error) {
	seen := map[string]*cqrs.StreamInfo{}
	var pos int64
	for read := 0; read < scanLimit; {
		evs, err := s.ReadAll(r.Context(), pos, cqrs.DefaultReadLimit, cqrs.Filter{})
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			if strings.HasPrefix(ev.Stream, prefix) && ev.Stream > after {
				seen[ev.Stream] = &cqrs.StreamInfo{Stream: ev.Stream, Version: ev.Version, LastType: ev.Type, Updated: ev.Time}
			}
		}
		if len(evs) < cqrs.DefaultReadLimit {
			break
		}
		read += len(evs)
		pos = evs[len(evs)-1].Position
	}
	out := make([]cqrs.StreamInfo, 0, len(seen))
	for _, si := range seen {
		out = append(out, *si)
	}
	sortStreams(out)
	return out[:min(len(out), limit)], nil
}

// stream is GET api/streams/{stream...}: the stream's events up to
// version (default: all) and, when an aggregate owns the stream, its state
// at that version.
func (c *Console) stream(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stream")
	version, e := queryInt(r, "version", -1, 0, 1<<62)
	if e != nil {
		writeError(w, r, e)
		return
	}
	c.withBus(w, r, func(b *cqrs.Bus) {
		evs, err := b.Store().ReadStream(r.Context(), name, 0)
		if err != nil {
			storeError(w, r, err)
			return
		}
		if len(evs) == 0 {
			writeError(w, r, app.NewError(app.CodeNotFound, "no stream "+name))
			return
		}
		head := evs[len(evs)-1].Version
		if version < 0 || version > head {
			version = head
		}
		evs = evs[:version]
		res := map[string]any{"stream": name, "version": version, "head": head, "aggregate": "", "state": nil}
		for _, ai := range b.Aggregates() {
			if !strings.HasPrefix(name, ai.Prefix) {
				continue
			}
			res["aggregate"] = ai.Type
			st, err := ai.Fold(evs)
			if err != nil {
				res["stateError"] = err.Error()
				break
			}
			res["state"] = st
			break
		}
		views := make([]logEvent, len(evs))
		for i, ev := range evs {
			views[i] = viewEvent(ev)
		}
		res["events"] = views
		writeJSON(w, res)
	})
}

// events is GET api/events: a page of the log after a position, filtered
// by event type and a case-insensitive substring of the stream, type or
// payload.
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	after, e := queryInt(r, "after", 0, 0, 1<<62)
	if e != nil {
		writeError(w, r, e)
		return
	}
	limit, e := queryInt(r, "limit", 100, 1, 1000)
	if e != nil {
		writeError(w, r, e)
		return
	}
	q := r.URL.Query()
	var filter cqrs.Filter
	if t := q.Get("type"); t != "" {
		filter.EventTypes = []string{t}
	}
	text := []byte(strings.ToLower(q.Get("q")))
	c.withBus(w, r, func(b *cqrs.Bus) {
		head, err := b.Store().Head(r.Context())
		if err != nil {
			storeError(w, r, err)
			return
		}
		out := []logEvent{}
		next, scanned := after, 0
	read:
		for scanned < scanLimit && int64(len(out)) < limit {
			evs, err := b.Store().ReadAll(r.Context(), next, cqrs.DefaultReadLimit, filter)
			if err != nil {
				storeError(w, r, err)
				return
			}
			for _, ev := range evs {
				scanned++
				if len(text) == 0 || bytes.Contains(bytes.ToLower(ev.Data), text) ||
					strings.Contains(strings.ToLower(ev.Stream+"\n"+ev.Type), string(text)) {
					out = append(out, viewEvent(ev))
				}
				next = ev.Position
				if int64(len(out)) >= limit {
					break read
				}
			}
			if len(evs) < cqrs.DefaultReadLimit {
				break
			}
		}
		writeJSON(w, map[string]any{"events": out, "next": next, "head": head})
	})
}

// projectionView is one entry of GET api/projections.
type projectionView struct {
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	Position int64     `json:"position"`
	Head     int64     `json:"head"`
	Lag      int64     `json:"lag"`
	Status   string    `json:"status"`
	Error    string    `json:"error,omitempty"`
	Updated  time.Time `json:"updated"`
}

func projectionViews(r *http.Request, b *cqrs.Bus) ([]projectionView, error) {
	sts, err := b.Projections().Status(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]projectionView, 0, len(sts))
	for _, st := range sts {
		out = append(out, projectionView{Name: st.Name, Kind: b.Projections().Kind(st.Name), Position: st.Position,
			Head: st.Head, Lag: st.Lag, Status: st.State, Error: st.Error, Updated: st.Updated})
	}
	return out, nil
}

// projections is GET api/projections.
func (c *Console) projections(w http.ResponseWriter, r *http.Request) {
	c.withBus(w, r, func(b *cqrs.Bus) {
		ps, err := projectionViews(r, b)
		if err != nil {
			storeError(w, r, err)
			return
		}
		writeJSON(w, map[string]any{"projections": ps})
	})
}

// rebuild is POST api/projections/{name}/rebuild.
func (c *Console) rebuild(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	c.withBus(w, r, func(b *cqrs.Bus) {
		if b.Projections().Kind(name) == "" {
			writeError(w, r, app.NewError(app.CodeNotFound, "no projection "+name))
			return
		}
		if err := b.Projections().Rebuild(r.Context(), name); err != nil {
			if errors.Is(err, r.Context().Err()) {
				writeError(w, r, app.ErrorFrom(err))
				return
			}
			storeError(w, r, err)
			return
		}
		ps, err := projectionViews(r, b)
		if err != nil {
			storeError(w, r, err)
			return
		}
		for _, p := range ps {
			if p.Name == name {
				writeJSON(w, p)
				return
			}
		}
		writeError(w, r, app.NewError(app.CodeNotFound, "no projection "+name))
	})
}

// sagas is GET api/sagas.
func (c *Console) sagas(w http.ResponseWriter, r *http.Request) {
	limit, e := queryInt(r, "limit", 50, 1, 500)
	if e != nil {
		writeError(w, r, e)
		return
	}
	c.withBus(w, r, func(b *cqrs.Bus) {
		out := []map[string]any{}
		for _, s := range b.Sagas() {
			ins, err := s.Instances(r.Context(), int(limit))
			if err != nil {
				storeError(w, r, err)
				return
			}
			if ins == nil {
				ins = []cqrs.SagaInstance{}
			}
			out = append(out, map[string]any{"name": s.Name, "instances": ins})
		}
		writeJSON(w, map[string]any{"sagas": out})
	})
}

// idempotencyView is one entry of GET api/idempotency.
type idempotencyView struct {
	Scope    string          `json:"scope"`
	Key      string          `json:"key"`
	Created  time.Time       `json:"created"`
	Code     string          `json:"code"`
	Position int64           `json:"position"`
	Hash     string          `json:"requestHash"`
	Response json.RawMessage `json:"response"`
}

// idempotency is GET api/idempotency.
func (c *Console) idempotency(w http.ResponseWriter, r *http.Request) {
	limit, e := queryInt(r, "limit", 100, 1, 1000)
	if e != nil {
		writeError(w, r, e)
		return
	}
	c.withBus(w, r, func(b *cqrs.Bus) {
		il, ok := b.Store().(cqrs.IdempotencyLister)
		if !ok {
			writeJSON(w, map[string]any{"records": []idempotencyView{}, "supported": false})
			return
		}
		recs, err := il.ListIdempotency(r.Context(), int(limit))
		if err != nil {
			storeError(w, r, err)
			return
		}
		out := make([]idempotencyView, 0, len(recs))
		for _, rec := range recs {
			resp := json.RawMessage(rec.Response)
			if !json.Valid(resp) {
				resp = json.RawMessage("null")
			}
			// A record holds the output of a command that succeeded.
			out = append(out, idempotencyView{Scope: rec.Scope, Key: rec.Key, Created: rec.Time, Code: "ok",
				Position: rec.Position, Hash: rec.RequestHash, Response: resp})
		}
		writeJSON(w, map[string]any{"records": out, "supported": true})
	})
}

func sortStreams(s []cqrs.StreamInfo) {
	slices.SortFunc(s, func(a, b cqrs.StreamInfo) int { return strings.Compare(a.Stream, b.Stream) })
}
