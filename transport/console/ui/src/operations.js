// The Operations panel: every registered operation with its endpoints on
// each protocol and its schemas, and a form generated from the input
// schema that calls the operation over the protocol picked, showing the
// exact request and response and the same call as a shell command.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, qs } from "./api.js";
import { html, JSONView, Copy, ErrorNote, href, ms, pretty } from "./ui.js";
import { SchemaForm, initial } from "./forms.js";
import { label, request, send, curl, grpcurl, parseHeaders } from "./protocols.js";

export function Operations({ info, ops, selected }) {
  const [filter, setFilter] = useState("");
  const list = ops.filter((o) => !filter || o.name.toLowerCase().includes(filter.toLowerCase()));
  const op = ops.find((o) => o.name === selected) || null;
  return html`<div class="split">
    <nav class="list" aria-label="Operations">
      <input type="search" aria-label="Filter operations" placeholder="Filter operations" value=${filter} onInput=${(e) => setFilter(e.currentTarget.value)} />
      <ul>
        ${list.map(
          (o) => html`<li key=${o.name}>
            <a href=${href("operations", o.name)} aria-current=${o === op ? "page" : undefined} class=${o === op ? "active" : ""}>
              <span class=${"kind " + o.kind}>${o.kind}</span> ${o.name}${o.admin ? html` <span class="tag">admin</span>` : ""}${o.deprecated ? html` <span class="tag warn">deprecated</span>` : ""}
            </a>
          </li>`,
        )}
      </ul>
    </nav>
    <section class="detail">
      ${op ? html`<${Operation} key=${op.name} info=${info} op=${op} />` : html`<${Overview} ops=${list} />`}
    </section>
  </div>`;
}

/** Overview is every operation with its name on each protocol. */
function Overview({ ops }) {
  const find = (o, p) => (o.endpoints || []).find((x) => x.protocol === p);
  const cells = (o) => {
    const rest = find(o, "rest"), gql = find(o, "graphql"), grpc = find(o, "grpc") || find(o, "connect"), mcp = find(o, "mcp");
    return [
      rest ? `${rest.method} ${rest.path}` : "",
      gql ? `${gql.operationType} ${gql.field}` : "",
      grpc ? grpc.method || grpc.path : "",
      mcp ? mcp.tool : "",
    ];
  };
  return html`<div class="scroll"><table class="grid" aria-label="Operations overview">
    <thead><tr><th>Operation</th><th>REST</th><th>GraphQL</th><th>gRPC / Connect</th><th>MCP</th></tr></thead>
    <tbody>${ops.map(
      (o) => html`<tr key=${o.name}><td title=${o.description || ""}><a href=${href("operations", o.name)}>${o.name}</a> <span class=${"kind " + o.kind}>${o.kind}</span></td>
        ${cells(o).map((c) => html`<td><code>${c}</code></td>`)}</tr>`,
    )}</tbody>
  </table></div>`;
}

function endpointRow(info, ep) {
  switch (ep.protocol) {
    case "rest":
      return html`<td>REST</td><td><code>${ep.method} ${ep.path}</code>${ep.stream ? html` <span class="tag">${ep.stream}</span>` : ""}</td>`;
    case "graphql":
      return html`<td>GraphQL</td><td><code>${ep.operationType} ${ep.field}</code></td>`;
    case "grpc":
      return html`<td>gRPC</td><td><code>${ep.method}</code> at <code>${ep.addr || (info.protocols.grpc && info.protocols.grpc.addr) || ""}</code></td>`;
    case "connect":
      return html`<td>Connect</td><td><code>POST ${ep.path}</code>${ep.stream ? html` <span class="tag">server stream</span>` : ""}</td>`;
    case "mcp":
      return html`<td>MCP</td><td>tool <code>${ep.tool}</code></td>`;
    default:
      return html`<td>${ep.protocol}</td><td><code>${JSON.stringify(ep)}</code></td>`;
  }
}

const protoNames = { rest: "REST", graphql: "GraphQL", connect: "gRPC (Connect)" };
const protoOrder = ["rest", "graphql", "grpc", "connect", "mcp"];
const rank = (e) => (protoOrder.indexOf(e.protocol) + 1 || 99);

/** endpoints are op's endpoints in a fixed protocol order. */
function endpoints(op) {
  return [...(op.endpoints || [])].sort((a, b) => rank(a) - rank(b));
}

function Operation({ info, op }) {
  const root = op.input || {};
  const [value, setValue] = useState(() => initial(root, root) || {});
  const targets = endpoints(op).filter((e) => protoNames[e.protocol]);
  const [hdrs, setHdrs] = useState({});
  const [proto, setProto] = useState(targets.length ? targets[0].protocol : "");
  const [extra, setExtra] = useState("");
  const [ex, setEx] = useState(null);
  const [busy, setBusy] = useState(false);
  const abort = useRef(null);
  useEffect(() => () => abort.current && abort.current.abort(), []);
  const ep = targets.find((e) => e.protocol === proto);
  const grpcEp = endpoints(op).find((e) => e.protocol === "grpc");
  const req = useMemo(() => {
    if (!ep) return null;
    try {
      const named = ep.protocol === "rest" ? Object.fromEntries(Object.entries(hdrs).filter(([, v]) => v)) : {};
      return request(info, op, ep, value, { ...named, ...parseHeaders(extra) });
    } catch {
      return null;
    }
  }, [ep, value, extra, hdrs]);
  // REST header parameters that are not fields of the input (Idempotency-Key).
  const props = Object.keys((root && root.properties) || {}).map((k) => k.toLowerCase().replace(/[^a-z0-9]/g, ""));
  const headerFields = ep && ep.protocol === "rest" ? (ep.headerParams || []).filter((h) => !props.includes(h.toLowerCase().replace(/[^a-z0-9]/g, ""))) : [];

  const submit = async (e) => {
    e.preventDefault();
    if (!req) return;
    if (abort.current) abort.current.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setBusy(true);
    const started = Date.now();
    setEx({ request: req, response: null, items: [], done: false });
    const final = await send(req, { signal: ctl.signal, onUpdate: (x) => abort.current === ctl && setEx(x) });
    if (abort.current === ctl) {
      findTrace(op, ep, started).then((trace) => trace && abort.current === null && setEx({ ...final, trace }));
      abort.current = null;
      setBusy(false);
    }
  };
  const stop = () => {
    if (abort.current) abort.current.abort();
  };

  const commands = [];
  if (req) {
    commands.push({ name: proto === "graphql" ? "GraphQL (curl)" : "curl", text: curl(req) });
    if (proto === "connect" && grpcEp) commands.push({ name: "grpcurl", text: grpcurl(info, grpcEp, value) });
  }

  return html`<article aria-label=${"Operation " + op.name}>
    <h2>${op.name} <span class=${"kind " + op.kind}>${op.kind}</span></h2>
    ${op.description ? html`<p>${op.description}</p>` : null}
    <table class="endpoints" aria-label="Endpoints"><tbody>
      ${endpoints(op).map((e, i) => html`<tr key=${i}>${endpointRow(info, e)}</tr>`)}
    </tbody></table>
    <details><summary>Input schema</summary><${JSONView} value=${op.input} label="Input schema" /></details>
    <details><summary>Output schema</summary><${JSONView} value=${op.output} label="Output schema" /></details>
    ${grpcEp && grpcEp.protocol && !targets.some((t) => t.protocol === "connect")
      ? html`<p class="muted">gRPC proper needs HTTP/2 framing a browser cannot send; copy the grpcurl command: <code>${grpcurl(info, grpcEp, value)}</code></p>`
      : null}
    ${targets.length
      ? html`<form class="call" onSubmit=${submit} aria-label=${"Call " + op.name}>
          <h3>Call</h3>
          <${SchemaForm} root=${root} schema=${root} value=${value} onChange=${setValue} />
          ${headerFields.length
            ? html`<fieldset class="headers"><legend><span class="label-text">REST headers</span></legend>
                ${headerFields.map(
                  (h) => html`<label class="field" key=${h}><span class="label-text">${h}</span>
                    <input type="text" aria-label=${h} value=${hdrs[h] || ""} onInput=${(e) => setHdrs({ ...hdrs, [h]: e.currentTarget.value })} /></label>`,
                )}</fieldset>`
            : null}
          <details><summary>Raw input (JSON)</summary>
            <textarea aria-label="Raw input" class="mono" rows="4" value=${JSON.stringify(value, null, 2)}
              onChange=${(e) => {
                try {
                  setValue(JSON.parse(e.currentTarget.value));
                } catch {
                  /* keep the form's value until the JSON parses */
                }
              }}></textarea>
          </details>
          <details><summary>Extra headers</summary>
            <textarea aria-label="Extra headers" class="mono" rows="2" placeholder="Idempotency-Key: 123" value=${extra} onInput=${(e) => setExtra(e.currentTarget.value)}></textarea>
          </details>
          <div class="row">
            <label class="field inline"><span class="label-text">Protocol</span>
              <select aria-label="Protocol" value=${proto} onChange=${(e) => setProto(e.currentTarget.value)}>
                ${targets.map((t) => html`<option value=${t.protocol}>${protoNames[t.protocol]}</option>`)}
              </select>
            </label>
            <button type="submit" class="primary" disabled=${!req}>Send</button>
            ${busy && req && req.stream ? html`<button type="button" onClick=${stop}>Stop</button>` : null}
            <span class="muted">${ep ? label(ep) : ""}</span>
          </div>
        </form>`
      : html`<p class="muted">No endpoint the browser can call (REST, GraphQL or Connect).</p>`}
    ${commands.length
      ? html`<section aria-label="Commands" class="commands">
          ${commands.map((c) => html`<div class="command" key=${c.name}><div class="row"><strong>${c.name}</strong><${Copy} text=${c.text} label=${"Copy " + c.name} /></div><pre class="mono">${c.text}</pre></div>`)}
        </section>`
      : null}
    ${ex ? html`<${Exchange} ex=${ex} />` : null}
  </article>`;
}

/**
 * findTrace asks the console for the newest trace of op over ep's
 * protocol that started after the call did (less a second of clock skew).
 */
async function findTrace(op, ep, started) {
  // The server span ends just after the response is written: try thrice.
  for (let i = 0; i < 3; i++) {
    try {
      const { traces } = await api("traces" + qs({ operation: op.name, protocol: ep.protocol, limit: 1 }));
      const t = traces && traces[0];
      if (t && Date.parse(t.start) >= started - 1000) return t.traceId;
    } catch {
      return "";
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return "";
}

/** traceOf finds the trace id of a response: traceparent or a trace id header. */
function traceOf(headers) {
  if (!headers) return "";
  const tp = headers["traceparent"];
  if (tp) {
    const parts = tp.split("-");
    if (parts.length >= 3) return parts[1];
  }
  return headers["x-trace-id"] || headers["trace-id"] || "";
}

function Exchange({ ex }) {
  const { request: req, response: res } = ex;
  const trace = ex.trace || (res && traceOf(res.headers));
  const stopped = ex.error === "stopped";
  const ok = res && res.status < 400 && (!ex.error || stopped);
  return html`<section class="exchange" aria-label="Exchange">
    <div class="half">
      <h3>Request</h3>
      <pre class="mono" aria-label="Request">${requestText(req)}</pre>
    </div>
    <div class="half">
      <h3>Response ${res ? html`<span class=${"status " + (ok ? "ok" : "error")} aria-label="Status">${res.status} ${res.statusText}</span>` : null}
        <span class="muted">${ex.done ? ms(ex.ms) : "…"}</span>
        ${trace ? html` <a href=${href("traces", trace)} aria-label="Trace of this call">trace ${trace.slice(0, 8)}…</a>` : null}
      </h3>
      ${stopped ? html`<p class="muted" role="status">Stopped.</p>` : html`<${ErrorNote} error=${ex.error} />`}
      ${res
        ? html`<pre class="mono" aria-label="Response">${responseText(res)}</pre>`
        : null}
      ${ex.items && (ex.items.length || (req.stream && res))
        ? html`<h4>Stream (${ex.items.length} item${ex.items.length === 1 ? "" : "s"}${ex.done ? ", ended" : ", live"})</h4>
          <ol class="items" aria-label="Stream items">${ex.items.map((it, i) => html`<li key=${i}><code>${JSON.stringify(it)}</code></li>`)}</ol>`
        : null}
      ${res && res.trailer ? html`<h4>End of stream</h4><pre class="mono">${pretty(res.trailer)}</pre>` : null}
    </div>
  </section>`;
}

/** requestText is a request as HTTP-like text: line, headers, body. */
function requestText(req) {
  const head = [`${req.method} ${req.url}`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)].join("\n");
  return req.body !== undefined ? head + "\n\n" + pretty(decodeMaybe(req.body)) : head;
}

/** responseText is a response's headers and body as text. */
function responseText(res) {
  const head = Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`).join("\n");
  return res.body !== null && res.body !== undefined ? head + "\n\n" + pretty(res.body) : head;
}

function decodeMaybe(s) {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

