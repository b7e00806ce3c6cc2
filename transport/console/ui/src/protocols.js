// Calls an operation over one protocol, the way a client would, and
// records the exchange (method, URL, headers, body, status, timing) for
// the Operations panel; and writes the same call as a shell command
// (curl, grpcurl). Streams (REST SSE, GraphQL over SSE, Connect server
// streaming) report their items as they arrive and stop on abort.
import { authHeaders, markRefused, origin } from "./api.js";

/** label names an endpoint in the protocol picker. */
export function label(ep) {
  switch (ep.protocol) {
    case "rest":
      return `REST ${ep.method} ${ep.path}`;
    case "graphql":
      return `GraphQL ${ep.operationType} ${ep.field}`;
    case "grpc":
      return `gRPC ${ep.method}`;
    case "connect":
      return `Connect ${ep.path}`;
    case "mcp":
      return `MCP tool ${ep.tool}`;
    default:
      return ep.protocol;
  }
}

/** callable reports whether the page can call ep itself (gRPC proper and MCP it cannot; Connect covers gRPC). */
export function callable(ep) {
  return ep.protocol === "rest" || ep.protocol === "graphql" || ep.protocol === "connect";
}

/** parseHeaders reads "Name: value" lines. */
export function parseHeaders(text) {
  const h = {};
  for (const line of (text || "").split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) h[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return h;
}

/**
 * request builds the HTTP request that calls op's endpoint ep with input
 * value: {method, url, headers, body, stream} (stream: "sse" | "connect" | "").
 */
export function request(info, op, ep, value, extraHeaders = {}) {
  const input = value && typeof value === "object" && !Array.isArray(value) ? value : {};
  const headers = { ...authHeaders(), ...extraHeaders };
  switch (ep.protocol) {
    case "rest": {
      const restBase = (info.protocols && info.protocols.rest && info.protocols.rest.base) || "";
      // Path, query and header parameters are named on the wire; the form's fields by their
      // JSON names: the same name, or the same letters (Idempotency-Key, idempotencyKey).
      const norm = (n) => String(n).toLowerCase().replace(/[^a-z0-9]/g, "");
      const rest = { ...input };
      const take = (wire) => {
        const k = wire in rest ? wire : Object.keys(rest).find((x) => norm(x) === norm(wire));
        if (k === undefined) return undefined;
        const v = rest[k];
        delete rest[k];
        return v;
      };
      const text = (v) => (typeof v === "object" ? JSON.stringify(v) : String(v));
      const path = ep.path.replace(/\{([^}]+)\}/g, (_, name) => {
        const v = take(name.replace(/\.\.\.$/, ""));
        return encodeURIComponent(v === undefined ? "" : text(v));
      });
      for (const h of ep.headerParams || []) {
        const v = take(h);
        if (v !== undefined && v !== "") headers[h] = text(v);
      }
      let url = origin + restBase + path;
      let body;
      const hasBody = ep.body !== undefined ? ep.body : ep.method !== "GET" && ep.method !== "DELETE";
      const q = new URLSearchParams();
      const keys = Array.isArray(ep.queryParams) && (ep.queryParams.length || hasBody) ? ep.queryParams : Object.keys(rest);
      for (const k of keys) {
        const v = take(k);
        if (v === undefined || v === null || v === "") continue;
        if (Array.isArray(v)) v.forEach((x) => q.append(k, text(x)));
        else q.set(k, text(v));
      }
      const qs = q.toString();
      if (qs) url += "?" + qs;
      if (hasBody) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(rest);
      }
      const stream = ep.stream === "sse" || op.kind === "stream" ? "sse" : "";
      headers.Accept = stream ? "text/event-stream" : "application/json";
      return { method: ep.method, url, headers, body, stream };
    }
    case "graphql": {
      const path = ep.path || (info.protocols && info.protocols.graphql && info.protocols.graphql.path) || "/graphql";
      const variables = ep.variables === "input" ? { input } : input;
      headers["Content-Type"] = "application/json";
      const stream = ep.operationType === "subscription" ? "sse" : "";
      headers.Accept = stream ? "text/event-stream" : "application/graphql-response+json, application/json";
      return { method: "POST", url: origin + path, headers, body: JSON.stringify({ query: ep.document, variables }), stream };
    }
    case "connect": {
      const connectBase = (info.protocols && info.protocols.connect && info.protocols.connect.base) || "";
      const url = origin + connectBase + ep.path;
      const json = JSON.stringify(input);
      if (ep.stream) {
        headers["Content-Type"] = "application/connect+json";
        headers["Connect-Protocol-Version"] = "1";
        return { method: "POST", url, headers, body: json, envelope: true, stream: "connect" };
      }
      headers["Content-Type"] = "application/json";
      headers["Connect-Protocol-Version"] = "1";
      return { method: "POST", url, headers, body: json, stream: "" };
    }
    default:
      throw new Error(`the console cannot call ${ep.protocol} itself; copy the command instead`);
  }
}

/** envelope frames a Connect streaming message: flags, big-endian length, JSON. */
function envelope(json, flags = 0) {
  const data = new TextEncoder().encode(json);
  const out = new Uint8Array(5 + data.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

function headersOf(res) {
  const h = {};
  res.headers.forEach((v, k) => (h[k] = v));
  return h;
}

function decode(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * send performs req; onUpdate(exchange) is called when the response (or
 * a stream item) arrives. It resolves with the final exchange. signal
 * aborts a stream (the stop button).
 */
export async function send(req, { signal, onUpdate = () => {} } = {}) {
  const ex = { request: req, response: null, items: [], ms: 0, done: false, error: null };
  const t0 = performance.now();
  const update = () => onUpdate({ ...ex, items: [...ex.items] });
  let res;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.envelope ? envelope(req.body) : req.body,
      signal,
    });
  } catch (e) {
    ex.error = e.name === "AbortError" ? "stopped" : String(e.message || e);
    ex.ms = performance.now() - t0;
    ex.done = true;
    update();
    return ex;
  }
  markRefused(res.status);
  ex.ms = performance.now() - t0;
  ex.response = { status: res.status, statusText: res.statusText, headers: headersOf(res), body: null };
  const type = res.headers.get("content-type") || "";
  try {
    if (req.stream === "sse" && res.ok && type.includes("text/event-stream")) {
      update();
      await readSSE(res, (item) => {
        ex.items.push(item);
        update();
      });
    } else if (req.stream === "connect" && type.includes("application/connect+json")) {
      update();
      await readEnvelopes(res, (item, end) => {
        if (end) {
          ex.response.trailer = item;
          if (item && item.error) ex.error = `${item.error.code}: ${item.error.message || ""}`;
        } else ex.items.push(item);
        update();
      });
    } else {
      ex.response.body = decode(await res.text());
    }
  } catch (e) {
    if (e.name !== "AbortError") ex.error = String(e.message || e);
    else ex.error = "stopped";
  }
  ex.ms = performance.now() - t0;
  ex.done = true;
  update();
  return ex;
}

/** readSSE parses a text/event-stream body into {event, id, data} items. */
async function readSSE(res, onItem) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let ev = { event: "", id: "", data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl;
    while ((nl = buf.search(/\r?\n/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf[nl] === "\r" ? 2 : 1));
      if (line === "") {
        if (ev.data.length) {
          const item = { data: decode(ev.data.join("\n")) };
          if (ev.event) item.event = ev.event;
          if (ev.id) item.id = ev.id;
          onItem(item);
          if (ev.event === "complete") return;
        }
        ev = { event: "", id: "", data: [] };
        continue;
      }
      if (line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const v = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "data") ev.data.push(v);
      else if (field === "event") ev.event = v;
      else if (field === "id") ev.id = v;
    }
  }
}

/** readEnvelopes parses a Connect streaming body; end-of-stream (flag 2) comes with end=true. */
async function readEnvelopes(res, onItem) {
  const reader = res.body.getReader();
  let buf = new Uint8Array(0);
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const next = new Uint8Array(buf.length + value.length);
    next.set(buf);
    next.set(value, buf.length);
    buf = next;
    while (buf.length >= 5) {
      const n = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
      if (buf.length < 5 + n) break;
      const flags = buf[0];
      const msg = decode(dec.decode(buf.subarray(5, 5 + n)));
      buf = buf.slice(5 + n);
      onItem(msg, (flags & 2) !== 0);
    }
  }
}

/** quote is s in single quotes for a POSIX shell. */
export function quote(s) {
  return "'" + String(s).replace(/'/g, `'\\''`) + "'";
}

/** curl writes req as a curl command. */
export function curl(req) {
  const parts = ["curl", "-sS"];
  if (req.stream) parts.push("-N");
  if (req.method !== "GET") parts.push("-X", req.method);
  parts.push(quote(req.url));
  for (const [k, v] of Object.entries(req.headers)) parts.push("-H", quote(`${k}: ${v}`));
  if (req.body !== undefined) {
    if (req.envelope) {
      // A Connect stream's request is one enveloped message: flags 0, a
      // 4-byte big-endian length, then the JSON (printf's octal escapes).
      const n = new TextEncoder().encode(req.body).length;
      const prefix = [0, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => "\\" + b.toString(8).padStart(3, "0")).join("");
      return `printf ${quote(prefix + "%s")} ${quote(req.body)} | ${parts.join(" ")} --data-binary @- --output -`;
    }
    parts.push("-d", quote(req.body));
  }
  return parts.join(" ");
}

/** grpcurl writes the gRPC call of ep with input value as a grpcurl command. */
export function grpcurl(info, ep, value) {
  let addr = ep.addr || (info.protocols && info.protocols.grpc && info.protocols.grpc.addr) || ":9090";
  // A listener on every interface (":9090", "0.0.0.0:9090", "[::]:9090") is reached at the page's host.
  const m = /^(?:|0\.0\.0\.0|\[::\]|::):(\d+)$/.exec(addr);
  if (m) addr = `${location.hostname}:${m[1]}`; // hostname keeps an IPv6 address in brackets
  const parts = ["grpcurl", "-plaintext"];
  const h = authHeaders();
  if (h.Authorization) parts.push("-H", quote("Authorization: " + h.Authorization));
  parts.push("-d", quote(JSON.stringify(value || {})), addr, ep.method.replace(/^\//, ""));
  return parts.join(" ");
}
