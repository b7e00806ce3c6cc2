package console

import (
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
)

// Redacted replaces the value of every secret the API would show.
const Redacted = "[redacted]"

// secretHeaders are the headers (lower case) whose values are never shown,
// beyond the API key headers the App's security schemes declare.
var secretHeaders = []string{"authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"}

// redactor decides which attributes hold secrets: those named after a
// secret header, whatever the convention's prefix (http.request.header.*,
// rpc.grpc.request.metadata.*), and any value that is a bearer credential.
type redactor struct{ headers []string }

func newRedactor(a *app.App) redactor {
	hs := append([]string(nil), secretHeaders...)
	for _, s := range a.SecuritySchemes() {
		if s.Type == "apiKey" && s.Param != "" {
			hs = append(hs, strings.ToLower(s.Param))
		}
	}
	return redactor{headers: hs}
}

func (rd redactor) secret(key string, v attribute.Value) bool {
	k := strings.ToLower(strings.ReplaceAll(key, "_", "-"))
	for _, h := range rd.headers {
		if k == h || strings.HasSuffix(k, "."+h) {
			return true
		}
	}
	if v.Type() == attribute.STRING {
		s := strings.ToLower(strings.TrimSpace(v.AsString()))
		return strings.HasPrefix(s, "bearer ") || strings.HasPrefix(s, "basic ")
	}
	return false
}

func (rd redactor) attrs(kvs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		if rd.secret(string(kv.Key), kv.Value) {
			m[string(kv.Key)] = Redacted
			continue
		}
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

// traceSummary is one entry of GET api/traces.
type traceSummary struct {
	TraceID    string  `json:"traceId"`
	Name       string  `json:"name"`
	Protocol   string  `json:"protocol"`
	Operation  string  `json:"operation"`
	Status     string  `json:"status"`
	Code       string  `json:"code"`
	Start      string  `json:"start"`
	DurationMs float64 `json:"durationMs"`
	Spans      int     `json:"spans"`

	text string // what q searches: names and attribute values
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// summarize describes a trace (spans in start order): named after its root
// span (the first whose parent is not recorded, e.g. a remote caller's), with the operation and protocol of its first operation span; it
// failed when that span has an error code or any span an error status.
func summarize(spans []sdktrace.ReadOnlySpan) traceSummary {
	first := spans[0]
	root := first
	end := first.EndTime()
	ts := traceSummary{TraceID: first.SpanContext().TraceID().String(), Status: "ok", Code: "ok", Spans: len(spans)}
	ids := make(map[trace.SpanID]bool, len(spans))
	for _, s := range spans {
		ids[s.SpanContext().SpanID()] = true
	}
	rooted := false
	var text strings.Builder
	for _, s := range spans {
		if !rooted && !ids[s.Parent().SpanID()] { // the first span whose parent is not recorded
			root, rooted = s, true
		}
		if s.EndTime().After(end) {
			end = s.EndTime()
		}
		if op, proto, code := operationOf(s); op != "" && ts.Operation == "" {
			ts.Operation, ts.Protocol = op, protocolName(proto)
			if code != "" {
				ts.Status, ts.Code = "error", code
			}
		}
		if s.Status().Code == codes.Error {
			ts.Status = "error"
		}
		text.WriteString(s.Name())
		text.WriteByte('\n')
	}
	ts.Name = root.Name()
	ts.Start = first.StartTime().UTC().Format(time.RFC3339Nano)
	ts.DurationMs = ms(end.Sub(first.StartTime()))
	ts.text = strings.ToLower(text.String())
	return ts
}

// traces is GET api/traces.
func (c *Console) traces(w http.ResponseWriter, r *http.Request) {
	limit, e := queryInt(r, "limit", 100, 1, 1000)
	if e != nil {
		writeError(w, r, e)
		return
	}
	status, e := oneOf(r, "status", "ok", "error")
	if e != nil {
		writeError(w, r, e)
		return
	}
	q := r.URL.Query()
	proto, op, text := q.Get("protocol"), q.Get("operation"), strings.ToLower(q.Get("q"))
	rd := newRedactor(c.currentApp())
	out := []traceSummary{}
	for _, spans := range c.rec.snapshot() {
		if int64(len(out)) >= limit {
			break
		}
		ts := summarize(spans)
		if (proto != "" && ts.Protocol != proto) || (op != "" && ts.Operation != op) || (status != "" && ts.Status != status) {
			continue
		}
		if text != "" && !strings.Contains(ts.text, text) && !strings.Contains(ts.TraceID, text) &&
			!strings.Contains(strings.ToLower(ts.Operation), text) && !rd.contain(spans, text) {
			continue
		}
		out = append(out, ts)
	}
	writeJSON(w, map[string]any{"traces": out})
}

// contain reports whether a string attribute of one of spans contains
// text (lower case); secrets are not searched.
func (rd redactor) contain(spans []sdktrace.ReadOnlySpan, text string) bool {
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			if kv.Value.Type() == attribute.STRING && !rd.secret(string(kv.Key), kv.Value) &&
				strings.Contains(strings.ToLower(kv.Value.AsString()), text) {
				return true
			}
		}
	}
	return false
}

type spanView struct {
	SpanID        string         `json:"spanId"`
	ParentID      string         `json:"parentId"`
	Name          string         `json:"name"`
	Kind          string         `json:"kind"`
	Start         string         `json:"start"`
	DurationMs    float64        `json:"durationMs"`
	OffsetMs      float64        `json:"offsetMs"`
	Status        string         `json:"status"`
	StatusMessage string         `json:"statusMessage"`
	Attributes    map[string]any `json:"attributes"`
	Events        []eventView    `json:"events"`
}

type eventView struct {
	Name       string         `json:"name"`
	OffsetMs   float64        `json:"offsetMs"`
	Attributes map[string]any `json:"attributes"`
}

// traceDetail is GET api/traces/{traceId}.
func (c *Console) traceDetail(a *app.App) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := trace.TraceIDFromHex(r.PathValue("traceId"))
		if err != nil {
			writeError(w, r, app.NewError(app.CodeInvalidArgument, "a trace id is 32 hexadecimal digits"))
			return
		}
		spans := c.rec.trace(id)
		if len(spans) == 0 {
			writeError(w, r, app.NewError(app.CodeNotFound, "no recorded trace "+id.String()+" (the console keeps the latest ones only)"))
			return
		}
		rd := newRedactor(a)
		start := spans[0].StartTime()
		views := make([]spanView, 0, len(spans))
		for _, s := range spans {
			v := spanView{
				SpanID: s.SpanContext().SpanID().String(), Name: s.Name(), Kind: strings.ToLower(s.SpanKind().String()),
				Start: s.StartTime().UTC().Format(time.RFC3339Nano), DurationMs: ms(s.EndTime().Sub(s.StartTime())),
				OffsetMs: ms(s.StartTime().Sub(start)), Status: strings.ToLower(s.Status().Code.String()),
				StatusMessage: s.Status().Description, Attributes: rd.attrs(s.Attributes()), Events: []eventView{},
			}
			if s.Parent().IsValid() {
				v.ParentID = s.Parent().SpanID().String()
			}
			for _, ev := range s.Events() {
				v.Events = append(v.Events, eventView{Name: ev.Name, OffsetMs: ms(ev.Time.Sub(start)), Attributes: rd.attrs(ev.Attributes)})
			}
			views = append(views, v)
		}
		link := ""
		if c.traceURL != "" {
			link = strings.ReplaceAll(c.traceURL, "{traceId}", id.String())
		}
		writeJSON(w, map[string]any{"traceId": id.String(), "link": link, "spans": views})
	}
}
