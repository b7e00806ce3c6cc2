// The independent client: the TypeScript SDK's Client (@modelcontextprotocol/sdk)
// over streamable HTTP, sharing no code with the Go SDK. It lists the
// tools, calls them (the TypeScript client checks each result's
// structuredContent against the tool's output schema), and prints "OK"
// with what it saw, or fails with a message.
//
// Usage: node node_client.cjs http://127.0.0.1:PORT/mcp API_KEY
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js");
const { AjvJsonSchemaValidator } = require("@modelcontextprotocol/sdk/validation/ajv");

function fail(msg) {
  console.log("FAIL " + msg);
  process.exit(1);
}

async function main() {
  const [url, key] = process.argv.slice(2);
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { "X-Api-Key": key } },
  });
  const client = new Client({ name: "allframe-node-test", version: "1.0.0" });
  await client.connect(transport);

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  const want = ["accountEvents", "debugState", "deposit", "getAccount", "listAccounts", "openAccount"];
  if (JSON.stringify(names) !== JSON.stringify(want)) fail("tools " + names);
  const get = tools.find((t) => t.name === "getAccount");
  if (!get.annotations.readOnlyHint || get.inputSchema.type !== "object" || !get.outputSchema) {
    fail("getAccount described as " + JSON.stringify(get));
  }

  const opened = await client.callTool({ name: "openAccount", arguments: { owner: "node" } });
  if (opened.isError) fail("openAccount: " + opened.content[0].text);
  const id = opened.structuredContent.id;
  const dep = await client.callTool({ name: "deposit", arguments: { id, amount: 42 } });
  if (dep.isError || dep.structuredContent.balance !== 42) fail("deposit: " + JSON.stringify(dep));

  // The schemas work in a validator of its own (the one the client checks
  // results with): the output passes, a wrong one does not, and so for an
  // input.
  const ajv = new AjvJsonSchemaValidator();
  const outOK = ajv.getValidator(get.outputSchema);
  if (!outOK(dep.structuredContent).valid || outOK({ id: 7, owner: "x", balance: "lots" }).valid) {
    fail("getAccount's output schema does not tell a good output from a bad one");
  }
  const depIn = ajv.getValidator(tools.find((t) => t.name === "deposit").inputSchema);
  if (!depIn({ id, amount: 5 }).valid || depIn({ id, amount: "five" }).valid || depIn({ amount: 5 }).valid) {
    fail("deposit's input schema does not tell good arguments from bad ones");
  }

  const bad = await client.callTool({ name: "deposit", arguments: { id, amount: 0 } });
  const err = JSON.parse(bad.content[0].text);
  if (!bad.isError || err.code !== "invalid_argument" || err.violations[0].field !== "amount") {
    fail("invalid deposit: " + JSON.stringify(bad));
  }
  const missing = await client.callTool({ name: "getAccount", arguments: { id: "nope" } });
  if (!missing.isError || JSON.parse(missing.content[0].text).code !== "not_found") {
    fail("missing account: " + JSON.stringify(missing));
  }

  const seen = [];
  const events = await client.callTool({ name: "accountEvents", arguments: { id } }, undefined, {
    onprogress: (p) => seen.push(JSON.parse(p.message)),
  });
  if (events.isError || events.structuredContent.items.length !== 1 || !events.structuredContent.complete) {
    fail("accountEvents: " + JSON.stringify(events));
  }

  await client.close();
  console.log(`OK ${names.length} tools, balance ${dep.structuredContent.balance}, ${seen.length} progress notifications, error ${err.code} on ${err.violations[0].field}`);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
