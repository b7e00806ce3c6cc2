// Unit tests of the console's request building and schema handling:
// node --test (npm test). The browser behaviour is tested end to end by
// examples/bank's TestConsoleBrowser.
import { test } from "node:test";
import assert from "node:assert/strict";

globalThis.location = { origin: "http://127.0.0.1:8080", hostname: "127.0.0.1" };
const { request, curl, grpcurl, quote, parseHeaders } = await import("../src/protocols.js");
const { deref, initial, variants } = await import("../src/forms.js");

const info = { protocols: { rest: { base: "" }, graphql: { path: "/graphql" }, grpc: { addr: ":9090" }, connect: { base: "" } } };

test("REST: path, header and query parameters by wire name, the rest in the body", () => {
  const ep = { protocol: "rest", method: "POST", path: "/accounts/{id}/deposit", pathParams: ["id"], queryParams: [], headerParams: ["Idempotency-Key"], body: true };
  const got = request(info, { kind: "command" }, ep, { id: "a/1", amount: 5, idempotencyKey: "k1" });
  assert.equal(got.url, "http://127.0.0.1:8080/accounts/a%2F1/deposit");
  assert.equal(got.body, '{"amount":5}');
  assert.equal(got.headers["Idempotency-Key"], "k1");
  assert.equal(got.headers["Content-Type"], "application/json");
});

test("REST: a GET sends its fields as query parameters", () => {
  const ep = { protocol: "rest", method: "GET", path: "/accounts", queryParams: ["owner", "limit", "order"], body: false };
  const got = request(info, { kind: "query" }, ep, { owner: "ada", limit: 3 });
  assert.equal(got.url, "http://127.0.0.1:8080/accounts?owner=ada&limit=3");
  assert.equal(got.body, undefined);
});

test("GraphQL: fields or input variables; subscriptions over SSE", () => {
  const ep = { protocol: "graphql", operationType: "subscription", field: "e", document: "subscription e($id: String!) { e(id: $id) { v } }", variables: "fields" };
  const got = request(info, { kind: "stream" }, ep, { id: "a" });
  assert.equal(got.url, "http://127.0.0.1:8080/graphql");
  assert.deepEqual(JSON.parse(got.body), { query: ep.document, variables: { id: "a" } });
  assert.equal(got.stream, "sse");
  const input = request(info, { kind: "command" }, { ...ep, operationType: "mutation", variables: "input" }, { id: "a" });
  assert.deepEqual(JSON.parse(input.body).variables, { input: { id: "a" } });
});

test("Connect: unary JSON, and an enveloped stream whose curl frames the message", () => {
  const unary = request(info, { kind: "query" }, { protocol: "connect", path: "/x.v1.S/Get", stream: false }, { id: "a" });
  assert.equal(unary.headers["Content-Type"], "application/json");
  const stream = request(info, { kind: "stream" }, { protocol: "connect", path: "/x.v1.S/Watch", stream: true }, { id: "a" });
  assert.equal(stream.headers["Content-Type"], "application/connect+json");
  assert.equal(curl(stream), `printf '\\000\\000\\000\\000\\012%s' '{"id":"a"}' | curl -sS -N -X POST 'http://127.0.0.1:8080/x.v1.S/Watch' -H 'Content-Type: application/connect+json' -H 'Connect-Protocol-Version: 1' --data-binary @- --output -`);
});

test("grpcurl: the page's host for a listener on every interface, quotes escaped", () => {
  assert.equal(grpcurl(info, { method: "/x.v1.S/Get" }, { id: "it's" }), `grpcurl -plaintext -d '{"id":"it'\\''s"}' 127.0.0.1:9090 x.v1.S/Get`);
  assert.equal(quote("a'b"), `'a'\\''b'`);
  assert.deepEqual(parseHeaders("A: 1\nbad\nB-C:  two "), { A: "1", "B-C": "two" });
});

test("schemas: $refs, one-element anyOf, sum types and starting values", () => {
  const root = {
    type: "object",
    required: ["ev", "n", "tags"],
    properties: { ev: { anyOf: [{ $ref: "#/$defs/Event" }], description: "an event" }, n: { type: "integer" }, tags: { type: "array", items: { type: "string" } } },
    $defs: {
      Event: { oneOf: [{ $ref: "#/$defs/A" }, { $ref: "#/$defs/B" }], discriminator: { propertyName: "type", mapping: { a: "#/$defs/A", b: "#/$defs/B" } } },
      A: { type: "object", required: ["type", "x"], properties: { type: { const: "a" }, x: { type: "object", properties: {} } } },
      B: { type: "object", properties: { type: { const: "b" } } },
    },
  };
  const ev = deref(root, root.properties.ev);
  assert.equal(ev.description, "an event");
  assert.deepEqual(variants(root, ev).map((v) => v.key), ["a", "b"]);
  assert.deepEqual(initial(root, root), { ev: { type: "a", x: {} }, tags: [] });
});
