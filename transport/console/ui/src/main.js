// AllFrame's developer console: one page with a sidebar of panels,
// routed by the URL's hash (#/operations/deposit, #/traces/ID, …), talking
// to the service's /_console/api/ and to its protocols on the same origin.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, token, setToken, onAuthChange, refused } from "./api.js";
import { html, useHash, href, ErrorNote } from "./ui.js";
import { Operations } from "./operations.js";
import { Traces } from "./traces.js";
import { Metrics } from "./metrics.js";
import { Streams, Events, Projections, Sagas, Idempotency } from "./store.js";

const panels = [
  { id: "operations", title: "Operations" },
  { id: "traces", title: "Traces" },
  { id: "metrics", title: "Metrics" },
  { id: "streams", title: "Event store", cqrs: true },
  { id: "events", title: "Event log", cqrs: true },
  { id: "projections", title: "Projections", cqrs: true },
  { id: "sagas", title: "Sagas", cqrs: true },
  { id: "idempotency", title: "Idempotency", cqrs: true },
];

function Auth({ info }) {
  const [, redraw] = useState(0);
  useEffect(() => onAuthChange(() => redraw((n) => n + 1)), []);
  const [draft, setDraft] = useState(token());
  if (!info.auth && !token() && !refused) return null;
  const prompt = refused && !token();
  return html`<form class=${"auth" + (prompt ? " prompt" : "")} onSubmit=${(e) => { e.preventDefault(); setToken(draft.trim()); location.reload(); }}>
    ${prompt ? html`<p role="alert">The service refused a call: enter a bearer token.</p>` : null}
    <label class="field"><span class="label-text">Bearer token</span>
      <input type="password" aria-label="Bearer token" autocomplete="off" value=${draft} onInput=${(e) => setDraft(e.currentTarget.value)} /></label>
    <div class="row"><button type="submit" class="small">Use token</button>
      ${token() ? html`<button type="button" class="small" onClick=${() => { setToken(""); setDraft(""); }}>Forget</button>` : null}</div>
  </form>`;
}

function App() {
  const [info, setInfo] = useState(null);
  const [ops, setOps] = useState([]);
  const [error, setError] = useState(null);
  const route = useHash();
  useEffect(() => {
    (async () => {
      try {
        const i = await api("info");
        setInfo({ ...i, protocols: i.protocols || {} });
        const o = await api("operations");
        setOps((o && o.operations) || []);
      } catch (e) {
        setError(e);
      }
    })();
  }, []);
  if (!info) return html`<main class="boot">${error ? html`<${ErrorNote} error=${error} /><${Auth} info=${{ auth: true }} />` : html`<p class="loading">Loading…</p>`}</main>`;
  const visible = panels.filter((p) => !p.cqrs || info.cqrs);
  const id = visible.some((p) => p.id === route[0]) ? route[0] : "operations";
  const arg = route.slice(1).join("/");
  const panel = visible.find((p) => p.id === id);
  const protos = Object.entries(info.protocols).filter(([, v]) => v).map(([k]) => k);
  return html`<div class="shell">
    <aside>
      <header>
        <h1>${info.service || "service"}</h1>
        <p class="muted">${info.version || ""} · AllFrame console</p>
        <p class="protos">${protos.map((p) => html`<span class="tag" key=${p}>${p}</span>`)}</p>
      </header>
      <nav aria-label="Panels"><ul>
        ${visible.map((p) => html`<li key=${p.id}><a href=${href(p.id)} class=${p.id === id ? "active" : ""} aria-current=${p.id === id ? "page" : undefined}>${p.title}</a></li>`)}
      </ul></nav>
      <${Auth} info=${info} />
    </aside>
    <main>
      <h2 class="panel-title">${panel.title}</h2>
      <${ErrorNote} error=${error} />
      ${id === "operations" ? html`<${Operations} info=${info} ops=${ops} selected=${arg} />` : null}
      ${id === "traces" ? html`<${Traces} info=${info} ops=${ops} traceId=${arg} />` : null}
      ${id === "metrics" ? html`<${Metrics} />` : null}
      ${id === "streams" ? html`<${Streams} stream=${arg} />` : null}
      ${id === "events" ? html`<${Events} />` : null}
      ${id === "projections" ? html`<${Projections} />` : null}
      ${id === "sagas" ? html`<${Sagas} />` : null}
      ${id === "idempotency" ? html`<${Idempotency} />` : null}
    </main>
  </div>`;
}

const root = document.getElementById("app");
root.textContent = ""; // the loading note
render(html`<${App} />`, root);
