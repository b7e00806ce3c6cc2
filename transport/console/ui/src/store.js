// The event store panels (shown when the service runs the CQRS module):
// streams and their events, time travel through an aggregate's versions,
// the global event log, projections (with rebuild), sagas and
// idempotency records.
import { useState } from "preact/hooks";
import { api, qs } from "./api.js";
import { html, usePoll, ErrorNote, JSONView, href, time } from "./ui.js";

export function Streams({ stream }) {
  return stream ? html`<${Stream} name=${stream} />` : html`<${StreamList} />`;
}

function StreamList() {
  const [prefix, setPrefix] = useState("");
  const [pages, setPages] = useState([""]); // the `after` of each page seen
  const after = pages[pages.length - 1];
  const { data, error } = usePoll(() => api("streams" + qs({ prefix, after, limit: 50 })), [prefix, after], 3000);
  const streams = (data && data.streams) || [];
  return html`<section aria-label="Streams">
    <form class="filters row" onSubmit=${(e) => e.preventDefault()}>
      <label class="field inline"><span class="label-text">Prefix</span>
        <input type="search" aria-label="Stream prefix" value=${prefix} placeholder="account-"
          onInput=${(e) => { setPrefix(e.currentTarget.value); setPages([""]); }} /></label>
      <button type="button" disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>Previous page</button>
      <button type="button" disabled=${!(data && data.next)} onClick=${() => setPages([...pages, data.next])}>Next page</button>
    </form>
    <${ErrorNote} error=${error} />
    <table class="grid" aria-label="Streams list">
      <thead><tr><th>Stream</th><th>Version</th><th>Last event</th><th>Updated</th></tr></thead>
      <tbody>
        ${streams.map(
          (s) => html`<tr key=${s.stream}>
            <td><a href=${href("streams", s.stream)}><code>${s.stream}</code></a></td>
            <td class="num">${s.version}</td><td>${s.lastType}</td><td>${time(s.updated)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${data && !streams.length ? html`<p class="muted">No streams${prefix ? " with that prefix" : ""}.</p>` : null}
  </section>`;
}

/** Meta shows an event's metadata; the trace id links to its trace. */
function Meta({ m }) {
  if (!m) return null;
  const { correlationId, causationId, traceId, ...rest } = m;
  return html`<dl class="meta">
    ${correlationId ? html`<dt>correlation</dt><dd><code>${correlationId}</code></dd>` : null}
    ${causationId ? html`<dt>causation</dt><dd><code>${causationId}</code></dd>` : null}
    ${traceId ? html`<dt>trace</dt><dd><a href=${href("traces", traceId)}><code>${traceId}</code></a></dd>` : null}
    ${Object.entries(rest).filter(([, v]) => v !== "" && v !== null && v !== undefined).map(
      ([k, v]) => html`<dt>${k}</dt><dd><code>${typeof v === "string" ? v : JSON.stringify(v)}</code></dd>`,
    )}
  </dl>`;
}

function EventRow({ e, showStream }) {
  return html`<li class="event">
    <div class="row"><strong>${e.type}</strong>
      ${showStream ? html`<a href=${href("streams", e.stream)}><code>${e.stream}</code></a>` : null}
      <span class="muted">v${e.version} · #${e.position} · ${time(e.time)}</span></div>
    <pre class="mono">${JSON.stringify(e.data)}</pre>
    <${Meta} m=${e.metadata} />
  </li>`;
}

function Stream({ name }) {
  const [version, setVersion] = useState(null); // null: the head
  const { data, error } = usePoll(() => api("streams/" + encodeURIComponent(name) + qs({ version })), [name, version], version === null ? 3000 : 0);
  const head = data ? data.head : 0;
  const v = data ? data.version : 0;
  const step = (n) => setVersion(Math.min(head, Math.max(1, n)));
  return html`<section aria-label=${"Stream " + name}>
    <p class="row"><a href=${href("streams")}>← Streams</a> <span>Stream <code>${name}</code>${data && data.aggregate ? html` · aggregate <code>${data.aggregate}</code>` : ""}</span></p>
    <${ErrorNote} error=${error} />
    ${data
      ? html`<div class="timetravel row" role="group" aria-label="Time travel">
            <button type="button" aria-label="Previous version" disabled=${v <= 1} onClick=${() => step(v - 1)}>◀</button>
            <label class="field inline"><span class="label-text">Version</span>
              <input type="range" aria-label="Version" min="1" max=${head} value=${v} onInput=${(e) => step(Number(e.currentTarget.value))} /></label>
            <button type="button" aria-label="Next version" disabled=${v >= head} onClick=${() => step(v + 1)}>▶</button>
            <span aria-live="polite">version <strong aria-label="Shown version">${v}</strong> of ${head}</span>
            ${version !== null && v < head ? html`<button type="button" onClick=${() => setVersion(null)}>Back to the head</button>` : null}
          </div>
          <div class="cols">
            <div><h3>State at version ${v}</h3><${JSONView} value=${data.state} label="State" /></div>
            <div><h3>Events that built it</h3>
              <ol class="events" aria-label="Stream events">${(data.events || []).map((e) => html`<${EventRow} key=${e.position} e=${e} />`)}</ol></div>
          </div>`
      : html`<p class="muted">Loading…</p>`}
  </section>`;
}

export function Events() {
  const [f, setF] = useState({ type: "", q: "" });
  const [pages, setPages] = useState([0]);
  const after = pages[pages.length - 1];
  const { data, error } = usePoll(() => api("events" + qs({ after, limit: 100, type: f.type, q: f.q })), [after, f.type, f.q], 3000);
  const set = (k) => (e) => { setF({ ...f, [k]: e.currentTarget.value }); setPages([0]); };
  const events = (data && data.events) || [];
  return html`<section aria-label="Event log">
    <form class="filters row" onSubmit=${(e) => e.preventDefault()}>
      <label class="field inline"><span class="label-text">Type</span><input type="search" aria-label="Event type" value=${f.type} onInput=${set("type")} placeholder="bank.Deposited" /></label>
      <label class="field inline"><span class="label-text">Search</span><input type="search" aria-label="Search events" value=${f.q} onInput=${set("q")} placeholder="text in data or metadata" /></label>
      <button type="button" disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>Previous page</button>
      <button type="button" disabled=${!(data && data.next && data.next < data.head)} onClick=${() => setPages([...pages, data.next])}>Next page</button>
      <button type="button" disabled=${!data || data.head <= 100} onClick=${() => setPages([...pages, Math.max(0, data.head - 100)])}>Latest</button>
      ${data ? html`<span class="muted">head #${data.head}</span>` : null}
    </form>
    <${ErrorNote} error=${error} />
    <ol class="events" aria-label="Events">${events.map((e) => html`<${EventRow} key=${e.position} e=${e} showStream=${true} />`)}</ol>
    ${data && !events.length ? html`<p class="muted">No events.</p>` : null}
  </section>`;
}

export function Projections() {
  const { data, error, reload } = usePoll(() => api("projections"), [], 1000);
  // rebuild: {name, seen} — the data on screen when the rebuild was asked
  // for; a later poll showing the projection live with no lag ends it.
  const [rebuild, setRebuild] = useState(null);
  const [fail, setFail] = useState(null);
  const start = async (name) => {
    setFail(null);
    try {
      await api("projections/" + encodeURIComponent(name) + "/rebuild", { method: "POST" });
      setRebuild({ name, seen: data });
      reload();
    } catch (e) {
      setFail(e);
    }
  };
  const list = (data && data.projections) || [];
  let note = null;
  if (rebuild) {
    const p = list.find((x) => x.name === rebuild.name);
    const done = data !== rebuild.seen && p && p.lag === 0 && p.status === "live";
    note = done ? `${rebuild.name} rebuilt: lag 0 at position ${p.position}.` : `Rebuilding ${rebuild.name}…`;
  }
  return html`<section aria-label="Projections">
    ${note ? html`<p role="status">${note}</p>` : null}
    <${ErrorNote} error=${fail} />
    <${ErrorNote} error=${error} />
    <table class="grid" aria-label="Projections list">
      <thead><tr><th>Name</th><th>Kind</th><th>Position</th><th>Head</th><th>Lag</th><th>Status</th><th>Updated</th><th></th></tr></thead>
      <tbody>
        ${list.map(
          (p) => html`<tr key=${p.name}>
            <td>${p.name}</td><td>${p.kind}</td><td class="num">${p.position}</td><td class="num">${p.head}</td>
            <td class=${"num" + (p.lag ? " warn-text" : "")} aria-label=${"Lag of " + p.name}>${p.lag}</td>
            <td><span class=${"status " + (p.status === "failed" ? "error" : p.status === "live" ? "ok" : "")}>${p.status}</span>${p.error ? html` <span class="error-text">${p.error}</span>` : ""}</td>
            <td>${time(p.updated)}</td>
            <td><button type="button" aria-label=${"Rebuild " + p.name} onClick=${() => start(p.name)}>Rebuild</button></td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${data && !list.length ? html`<p class="muted">No projections.</p>` : null}
  </section>`;
}

export function Sagas() {
  const { data, error } = usePoll(() => api("sagas"), [], 2000);
  const sagas = (data && data.sagas) || [];
  return html`<section aria-label="Sagas">
    <${ErrorNote} error=${error} />
    ${sagas.map(
      (s) => html`<div key=${s.name} class="saga"><h3>${s.name} <span class="muted">${(s.instances || []).length} instances</span></h3>
        <table class="grid" aria-label=${"Saga " + s.name}>
          <thead><tr><th>Instance</th><th>Status</th><th>Started</th><th>Updated</th><th>Steps</th></tr></thead>
          <tbody>
            ${(s.instances || []).map(
              (i) => html`<tr key=${i.id}>
                <td><code>${i.id}</code></td><td><span class=${"status " + i.status}>${i.status}</span></td>
                <td>${time(i.started)}</td><td>${time(i.updated)}</td>
                <td><ol class="steps">${(i.steps || []).map(
                  (st, n) => html`<li key=${n} class=${"step " + st.status} title=${(st.at ? time(st.at) : "") + (st.error ? " — " + st.error : "")}>
                    ${st.name}: ${st.status}${st.at ? html` <small class="muted">${time(st.at)}</small>` : ""}${st.error ? html` <span class="error-text">(${st.error})</span>` : ""}</li>`,
                )}</ol></td>
              </tr>`,
            )}
          </tbody>
        </table></div>`,
    )}
    ${data && !sagas.length ? html`<p class="muted">No sagas.</p>` : null}
  </section>`;
}

export function Idempotency() {
  const { data, error } = usePoll(() => api("idempotency?limit=100"), [], 3000);
  const records = (data && data.records) || [];
  return html`<section aria-label="Idempotency">
    <${ErrorNote} error=${error} />
    <table class="grid" aria-label="Idempotency records">
      <thead><tr><th>Scope</th><th>Key</th><th>Created</th><th>Result</th><th>Position</th><th>Response</th></tr></thead>
      <tbody>${records.map(
        (r) => html`<tr key=${r.scope + "/" + r.key}><td>${r.scope}</td><td><code>${r.key}</code></td><td>${time(r.created)}</td>
          <td>${r.code}</td><td class="num">${r.position || ""}</td><td><code>${r.response === undefined ? "" : JSON.stringify(r.response)}</code></td></tr>`,
      )}</tbody>
    </table>
    ${data && !records.length ? html`<p class="muted">${data.supported === false ? "This event store cannot list its idempotency records." : "No idempotency records."}</p>` : null}
  </section>`;
}

