// Small pieces the panels share: polling, JSON display, copy buttons,
// time formatting, hash routes.
import { html } from "htm/preact";
import { useEffect, useRef, useState, useCallback } from "preact/hooks";

export { html };

/**
 * usePoll runs load() now and every ms milliseconds while live (and
 * whenever deps change); it returns {data, error, reload}.
 */
export function usePoll(load, deps, ms = 0, live = true) {
  const [state, setState] = useState({ data: null, error: null });
  const seq = useRef(0);
  const reload = useCallback(async () => {
    const n = ++seq.current;
    try {
      const data = await load();
      if (n === seq.current) setState({ data, error: null });
    } catch (e) {
      if (n === seq.current) setState((s) => ({ data: s.data, error: e }));
    }
  }, deps);
  useEffect(() => {
    reload();
    if (!ms || !live) return undefined;
    const id = setInterval(reload, ms);
    return () => clearInterval(id);
  }, [reload, ms, live]);
  return { ...state, reload };
}

/** pretty renders v as indented JSON. */
export function pretty(v) {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  return JSON.stringify(v, null, 2);
}

/** JSONView shows a value as a block of JSON. */
export function JSONView({ value, label }) {
  return html`<pre class="json" aria-label=${label}>${pretty(value)}</pre>`;
}

/** Copy is a button that copies text to the clipboard. */
export function Copy({ text, label = "Copy" }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // no clipboard (plain http, headless): select the text instead
      const ta = document.createElement("textarea");
      ta.value = text;
      document.body.append(ta);
      ta.select();
      try {
        document.execCommand("copy");
      } catch {
        /* nothing more to try */
      }
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1200);
  };
  return html`<button type="button" class="small" onClick=${copy}>${done ? "Copied" : label}</button>`;
}

/** ErrorNote shows a failed load. */
export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${String(error.message || error)}</p>`;
}

/** time formats an RFC 3339 time as local time of day (date when not today). */
export function time(t) {
  if (!t) return "";
  const d = new Date(t);
  if (isNaN(d)) return String(t);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

/** ms formats a duration in milliseconds. */
export function ms(v) {
  if (v === undefined || v === null || isNaN(v)) return "";
  if (v >= 1000) return (v / 1000).toFixed(2) + " s";
  if (v >= 10) return v.toFixed(0) + " ms";
  return v.toFixed(2) + " ms";
}

/** useHash returns the hash route's parts (#/traces/abc → ["traces","abc"]) and a setter. */
export function useHash() {
  const parse = () =>
    location.hash
      .replace(/^#\/?/, "")
      .split("/")
      .map((p) => decodeURIComponent(p))
      .filter((p, i) => p !== "" || i === 0);
  const [parts, setParts] = useState(parse);
  useEffect(() => {
    const f = () => setParts(parse());
    addEventListener("hashchange", f);
    return () => removeEventListener("hashchange", f);
  }, []);
  return parts;
}

/** go navigates to a hash route built from parts. */
export function go(...parts) {
  location.hash = "#/" + parts.map((p) => encodeURIComponent(p)).join("/");
}

/** href returns the hash link of parts. */
export function href(...parts) {
  return "#/" + parts.map((p) => encodeURIComponent(p)).join("/");
}
