// The Metrics panel: per operation and protocol, the request rate of the
// last minute as a sparkline, counts, errors and latency percentiles,
// polled every second.
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { html, usePoll, ErrorNote, ms } from "./ui.js";

/** Sparkline draws values (oldest first) as an SVG line scaled to its largest value. */
export function Sparkline({ values, label, width = 180, height = 32 }) {
  const vs = values && values.length ? values : [0];
  const max = Math.max(...vs, 0.0001);
  const step = vs.length > 1 ? width / (vs.length - 1) : width;
  const pts = vs.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(" ");
  return html`<svg class="spark" width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${label}>
    <polyline points=${`0,${height} ${pts} ${width},${height}`} class="area" />
    <polyline points=${pts} class="line" />
  </svg>`;
}

export function Metrics() {
  const [live, setLive] = useState(true);
  const { data, error } = usePoll(() => api("metrics"), [], 1000, live);
  const series = (data && data.series) || [];
  const sorted = [...series].sort((a, b) => a.operation.localeCompare(b.operation) || a.protocol.localeCompare(b.protocol));
  return html`<section aria-label="Metrics">
    <p class="row"><span class="muted">Requests per second over the last ${(data && data.windowSeconds) || 60} s, per operation and protocol.</span>
      <label class="field inline"><input type="checkbox" checked=${live} onChange=${(e) => setLive(e.currentTarget.checked)} /> Live</label></p>
    <${ErrorNote} error=${error} />
    <table class="grid" aria-label="Operation metrics">
      <thead><tr><th>Operation</th><th>Protocol</th><th>req/s (60 s)</th><th>last s</th><th>Count</th><th>Errors</th><th>p50</th><th>p99</th></tr></thead>
      <tbody>
        ${sorted.map((s) => {
          const rps = s.rps || [];
          // The last number is the second under way: show the last complete one.
          const now = rps.length > 1 ? rps[rps.length - 2] : rps[0] || 0;
          return html`<tr key=${s.operation + "/" + s.protocol}>
            <td>${s.operation}</td><td>${s.protocol}</td>
            <td><${Sparkline} values=${rps} label=${`${s.operation} over ${s.protocol}: requests per second`} /></td>
            <td class="num">${now.toFixed(1)}</td><td class="num">${s.count}</td>
            <td class=${"num" + (s.errors ? " error-text" : "")}>${s.errors}</td>
            <td class="num">${ms(s.p50Ms)}</td><td class="num">${ms(s.p99Ms)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${data && !series.length ? html`<p class="muted">No requests in the window yet.</p>` : null}
  </section>`;
}
