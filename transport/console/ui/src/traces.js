// The Traces panel: the recent requests of every protocol, filtered and
// refreshed live; a trace opens as a waterfall of its spans.
import { useState } from "preact/hooks";
import { api, qs } from "./api.js";
import { html, usePoll, ErrorNote, JSONView, href, ms, time } from "./ui.js";

export function Traces({ info, ops, traceId }) {
  return traceId ? html`<${Trace} id=${traceId} />` : html`<${TraceList} info=${info} ops=${ops} />`;
}

function TraceList({ info, ops }) {
  const [f, setF] = useState({ protocol: "", operation: "", status: "", q: "" });
  const [live, setLive] = useState(true);
  const { data, error } = usePoll(() => api("traces" + qs({ ...f, limit: 100 })), [f.protocol, f.operation, f.status, f.q], 2000, live);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const protocols = ["rest", "graphql", "grpc", "connect", "grpc-web", "mcp", "inprocess"];
  const traces = (data && data.traces) || [];
  return html`<section aria-label="Traces">
    <form class="filters row" onSubmit=${(e) => e.preventDefault()}>
      <label class="field inline"><span class="label-text">Protocol</span>
        <select aria-label="Protocol filter" value=${f.protocol} onChange=${set("protocol")}>
          <option value="">all</option>${protocols.map((p) => html`<option value=${p}>${p}</option>`)}
        </select></label>
      <label class="field inline"><span class="label-text">Operation</span>
        <select aria-label="Operation filter" value=${f.operation} onChange=${set("operation")}>
          <option value="">all</option>${ops.map((o) => html`<option value=${o.name}>${o.name}</option>`)}
        </select></label>
      <label class="field inline"><span class="label-text">Status</span>
        <select aria-label="Status filter" value=${f.status} onChange=${set("status")}>
          <option value="">all</option><option value="ok">ok</option><option value="error">error</option>
        </select></label>
      <label class="field inline"><span class="label-text">Search</span>
        <input type="search" aria-label="Search traces" value=${f.q} onInput=${set("q")} placeholder="id, name, attribute" /></label>
      <label class="field inline"><input type="checkbox" checked=${live} onChange=${(e) => setLive(e.currentTarget.checked)} /> Auto-refresh</label>
    </form>
    <${ErrorNote} error=${error} />
    <table class="grid" aria-label="Recent traces">
      <thead><tr><th>Time</th><th>Protocol</th><th>Operation</th><th>Status</th><th>Duration</th><th>Spans</th><th>Trace</th></tr></thead>
      <tbody>
        ${traces.map(
          (t) => html`<tr key=${t.traceId} class=${t.status === "error" ? "error-row" : ""}>
            <td>${time(t.start)}</td><td>${t.protocol}</td><td>${t.operation || t.name}</td>
            <td><span class=${"status " + t.status}>${t.status}${t.code && t.code !== t.status ? " " + t.code : ""}</span></td>
            <td class="num">${ms(t.durationMs)}</td><td class="num">${t.spans}</td>
            <td><a href=${href("traces", t.traceId)} aria-label=${`Trace ${t.traceId} (${t.protocol} ${t.operation || t.name})`}><code>${t.traceId.slice(0, 16)}</code></a></td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${data && !traces.length ? html`<p class="muted">No traces yet: call an operation.</p>` : null}
  </section>`;
}

/** order lists spans depth first under their parents, each with its depth. */
export function order(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  const kids = new Map();
  for (const s of spans) {
    const p = s.parentId && ids.has(s.parentId) ? s.parentId : "";
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(s);
  }
  const out = [];
  const walk = (p, depth) => {
    for (const s of (kids.get(p) || []).sort((a, b) => a.offsetMs - b.offsetMs)) {
      out.push({ span: s, depth });
      if (depth < 64) walk(s.spanId, depth + 1);
    }
  };
  walk("", 0);
  return out;
}

function Trace({ id }) {
  const { data, error } = usePoll(() => api("traces/" + encodeURIComponent(id)), [id]);
  const [sel, setSel] = useState(null);
  if (error && !data) return html`<p><a href=${href("traces")}>← Traces</a></p><${ErrorNote} error=${error} />`;
  if (!data) return html`<p class="muted">Loading trace…</p>`;
  const spans = data.spans || [];
  const total = Math.max(0.001, ...spans.map((s) => (s.offsetMs || 0) + (s.durationMs || 0)));
  const rows = order(spans);
  const span = spans.find((s) => s.spanId === sel);
  return html`<section aria-label=${"Trace " + id}>
    <p class="row"><a href=${href("traces")}>← Traces</a>
      <span>Trace <code>${id}</code>, ${spans.length} spans, ${ms(total)}</span>
      ${data.link ? html`<a href=${data.link} target="_blank" rel="noopener">Open in the trace viewer ↗</a>` : null}</p>
    <div class="waterfall" role="list" aria-label="Waterfall">
      ${rows.map(
        ({ span: s, depth }) => html`<button type="button" role="listitem" key=${s.spanId}
            class=${"span-row" + (s.status === "error" ? " error" : "") + (s.spanId === sel ? " selected" : "")}
            aria-label=${`Span ${s.name}`} onClick=${() => setSel(s.spanId === sel ? null : s.spanId)}>
          <span class="span-name" style=${{ paddingLeft: depth * 14 + "px" }}>${s.name}${s.kind ? html` <small class="muted">${s.kind}</small>` : ""}</span>
          <span class="span-track">
            <span class="bar" style=${{ left: ((s.offsetMs || 0) / total) * 100 + "%", width: Math.max(0.4, ((s.durationMs || 0) / total) * 100) + "%" }}></span>
          </span>
          <span class="span-ms num">${ms(s.durationMs)}</span>
        </button>`,
      )}
    </div>
    ${span
      ? html`<div class="span-detail" aria-label="Span details">
          <h3>${span.name}</h3>
          <p>Status <span class=${"status " + span.status}>${span.status}</span>${span.statusMessage ? " — " + span.statusMessage : ""};
            starts at +${ms(span.offsetMs)}, lasts ${ms(span.durationMs)}; span <code>${span.spanId}</code>${span.parentId ? html`, parent <code>${span.parentId}</code>` : ""}</p>
          <table class="grid" aria-label="Attributes"><tbody>
            ${Object.entries(span.attributes || {}).map(([k, v]) => html`<tr key=${k}><th>${k}</th><td><code>${typeof v === "string" ? v : JSON.stringify(v)}</code></td></tr>`)}
          </tbody></table>
          ${span.events && span.events.length ? html`<h4>Events</h4><${JSONView} value=${span.events} label="Span events" />` : null}
        </div>`
      : html`<p class="muted">Click a span for its attributes.</p>`}
  </section>`;
}
