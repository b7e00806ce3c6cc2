// The console's own API (/_console/api/…) and the bearer token shared by
// every call the page makes. The page lives at …/_console/ and uses hash
// routes, so every URL here is relative to the script's directory.

export const base = new URL(".", import.meta.url);
const tokenKey = "allframe-console-token";

/** token is the bearer token (sessionStorage), or "". */
export function token() {
  try {
    return sessionStorage.getItem(tokenKey) || "";
  } catch {
    return "";
  }
}

/** setToken stores t for this tab's session (empty: forget it). */
export function setToken(t) {
  try {
    if (t) sessionStorage.setItem(tokenKey, t);
    else sessionStorage.removeItem(tokenKey);
  } catch {
    // storage off: the token lives only until reload
  }
  listeners.forEach((f) => f());
}

const listeners = new Set();
/** onAuthChange calls f when the token changes or a call is refused; it returns the unsubscribe. */
export function onAuthChange(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** refused is set when a call came back 401/403: the shell prompts for a token. */
export let refused = false;
export function markRefused(status) {
  if (status === 401 || status === 403) {
    refused = true;
    listeners.forEach((f) => f());
  }
}

/** authHeaders returns {Authorization} when a token is set. */
export function authHeaders() {
  const t = token();
  return t ? { Authorization: "Bearer " + t } : {};
}

/** ApiError is a failed console API call. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** api GETs (or sends) path under /_console/api/ and returns the decoded JSON. */
export async function api(path, init = {}) {
  const res = await fetch(new URL("api/" + path, base), {
    ...init,
    headers: { Accept: "application/json", ...authHeaders(), ...(init.headers || {}) },
  });
  markRefused(res.status);
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const msg = (body && (body.detail || body.error || body.message || body.title)) || text || res.statusText;
    throw new ApiError(res.status, `${res.status}: ${typeof msg === "string" ? msg : JSON.stringify(msg)}`);
  }
  return body;
}

/** qs builds a query string from the set values of params. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? "?" + s : "";
}

/** origin is where the service's protocols are served (the page's own origin). */
export const origin = location.origin;
