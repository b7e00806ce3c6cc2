// Drives the developer console at /_console/ in headless Chromium with the
// network off (every request off the page's origin aborted, no host name
// resolving but 127.0.0.1), as a developer would: opens an account and
// deposits through the Operations form over REST, gRPC (Connect) and GraphQL,
// finds the three traces and their waterfalls, steps the account's stream back
// one version, rebuilds the accounts projection and watches its lag reach
// 0, screenshotting every panel into SHOTS. Prints "OK {json}" or
// "FAIL …": node console_browser.mjs CONSOLE_URL CHROMIUM_PATH SHOTS OWNER [TOKEN].
// With TOKEN (the service's admin token) it checks auth instead: the page
// meets a 401, asks for the token, then reads the projections through an
// admin operation and through the console's API with it.
import { chromium } from "playwright-core";

const [url, executablePath, shots, owner, token] = process.argv.slice(2);
const origin = new URL(url).origin;
const timeout = 20000;
const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--headless=new", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
});
let code = 0;
const errors = [];
const blocked = [];
const steps = [];
let page;
let id = "";
const shot = async (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
const step = (s) => steps.push(s);

// call fills the form of operation op, sends it over protocol and returns
// the response's JSON (failing on a status other than 200).
async function call(op, fields, protocol) {
  await page.goto(url + "#/operations/" + op);
  const form = page.getByRole("form", { name: "Call " + op });
  await form.waitFor();
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(String(value));
  await form.getByLabel("Protocol", { exact: true }).selectOption(protocol);
  await form.getByRole("button", { name: "Send" }).click();
  const exchange = page.getByRole("region", { name: "Exchange" });
  const status = exchange.getByLabel("Status");
  await status.waitFor();
  const st = await status.textContent();
  const text = await exchange.getByLabel("Response").textContent();
  if (!st.startsWith("200")) throw new Error(`${op} over ${protocol}: ${st} ${text}`);
  return JSON.parse(text.slice(text.indexOf("\n\n") + 2));
}

try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:")) return route.continue();
    blocked.push(u);
    return route.abort("internetdisconnected");
  });
  page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
  page.on("console", (m) => {
    // Chromium logs the expected 401 too (a response, checked below).
    if (m.type() === "error" && !(token && m.text().includes("status of 401"))) errors.push("console: " + m.text());
  });
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText || "";
    // A stream the page stops, or a poll cut by navigation, is aborted on purpose.
    if (!blocked.includes(r.url()) && !why.includes("ERR_ABORTED")) errors.push("request failed: " + r.url() + " " + why);
  });
  let expect401 = !!token; // with a token to give, the first API call is refused
  page.on("response", (r) => {
    if (expect401 && r.status() === 401 && r.url() === url + "api/info") expect401 = false;
    else if (r.status() >= 400) errors.push("HTTP " + r.status() + ": " + r.url());
  });
  await page.goto(url);
  if (token) {
    await page.getByRole("alert").filter({ hasText: "enter a bearer token" }).waitFor();
    await shot("auth-prompt");
    await page.getByLabel("Bearer token").fill(token);
    await page.getByRole("button", { name: "Use token" }).click();
  }
  await page.getByRole("navigation", { name: "Panels" }).waitFor();
  await page.getByRole("heading", { name: "bank", level: 1 }).waitFor();

  if (token) {
    // An admin operation over REST and GraphQL, and the console's own API, with the token.
    for (const protocol of ["rest", "graphql"]) {
      const out = await call("projections", {}, protocol);
      if (!JSON.stringify(out).includes("accounts")) throw new Error(`projections over ${protocol}: ${JSON.stringify(out)}`);
    }
    step("admin operation projections over REST and GraphQL with the token");
    await page.goto(url + "#/projections");
    await page.getByRole("table", { name: "Projections list" }).getByRole("button", { name: /^Rebuild accounts/ }).first().waitFor();
    step("projections panel with the token");
    if (expect401) errors.push("the page never met the 401 of api/info");
  } else {
    id = await tour();
  }

  if (blocked.length) errors.push("the page reached for the network: " + blocked.join(", "));
  if (errors.length) {
    console.log("FAIL " + errors.join("\n") + "\nsteps: " + steps.join("; "));
    code = 1;
  } else {
    console.log("OK " + JSON.stringify({ id, steps }));
    console.error(await browser.version() + ", network off");
  }
} catch (e) {
  console.log("FAIL " + String(e && e.stack || e) + "\n" + errors.join("\n") + "\nsteps: " + steps.join("; "));
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);

// tour is the developer's tour of the panels (see the top of the file).
async function tour() {
  const opened = await call("openAccount", { owner }, "rest");
  const id = opened.id;
  if (!id || opened.balance !== 0) throw new Error("openAccount: " + JSON.stringify(opened));
  step(`opened ${id} over REST`);
  const viaRest = await call("deposit", { id, amount: 100 }, "rest");
  if (Number(viaRest.balance) !== 100) throw new Error("deposit over REST: " + JSON.stringify(viaRest));
  await shot("operations-rest");
  const viaConnect = await call("deposit", { id, amount: 50 }, "connect");
  if (Number(viaConnect.balance) !== 150) throw new Error("deposit over Connect: " + JSON.stringify(viaConnect));
  // The exchange links the call's trace once the recorder has it.
  await page.getByRole("link", { name: "Trace of this call" }).waitFor();
  const grpcurl = await page.getByRole("region", { name: "Commands" }).textContent();
  if (!grpcurl.includes("grpcurl -plaintext -d")) throw new Error("no grpcurl command: " + grpcurl);
  await shot("operations");
  const viaGraphQL = await call("deposit", { id, amount: 25 }, "graphql");
  if (Number(viaGraphQL.data?.deposit?.balance) !== 175) throw new Error("deposit over GraphQL: " + JSON.stringify(viaGraphQL));
  step("deposited 100 over REST, 50 over Connect and 25 over GraphQL");

  // Traces: both deposits, each with a waterfall of its spans.
  const traceOf = async (protocols) => {
    await page.goto(url + "#/traces");
    const table = page.getByRole("table", { name: "Recent traces" });
    const deadline = Date.now() + timeout;
    for (;;) {
      const rows = await table.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
      const hit = rows.find((r) => r[2] === "deposit" && protocols.includes(r[1]));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${protocols.join("/")} trace of deposit among ${JSON.stringify(rows)}`);
      await page.waitForTimeout(250);
    }
  };
  const traces = {};
  for (const [name, protocols] of [["rest", ["rest", "http"]], ["connect", ["connect", "grpc"]], ["graphql", ["graphql"]]]) {
    const row = await traceOf(protocols);
    await page.getByRole("table", { name: "Recent traces" }).locator("tbody tr").filter({ hasText: row[6] }).filter({ hasText: row[1] }).getByRole("link").first().click();
    const spans = page.getByRole("list", { name: "Waterfall" }).getByRole("listitem");
    await spans.first().waitFor();
    await spans.first().click();
    await page.getByLabel("Span details").waitFor();
    traces[name] = { protocol: row[1], spans: await spans.count() };
    if (name === "rest") await shot("traces-waterfall");
  }
  await page.goto(url + "#/traces");
  await page.getByRole("table", { name: "Recent traces" }).locator("tbody tr").first().waitFor();
  await shot("traces");
  step(`traces: ${JSON.stringify(traces)}`);

  // Event store: the account's stream, stepped back one version.
  await page.goto(url + "#/streams");
  const link = page.getByRole("table", { name: "Streams list" }).getByRole("link").filter({ hasText: id });
  await link.first().click();
  const shown = page.getByLabel("Shown version");
  await page.waitForFunction(() => document.querySelector('[aria-label="Shown version"]')?.textContent === "4", null, { timeout });
  await page.getByRole("button", { name: "Previous version" }).click();
  await page.waitForFunction(() => document.querySelector('[aria-label="Shown version"]')?.textContent === "3", null, { timeout });
  const state = JSON.parse(await page.getByLabel("State").textContent());
  if (Number(state.balance) !== 150) throw new Error("the state at version 3: " + JSON.stringify(state));
  const built = await page.getByRole("list", { name: "Stream events" }).getByRole("listitem").count();
  if (built !== 3) throw new Error(`${built} events built version 3`);
  await shot("event-store");
  step(`stream at version ${await shown.textContent()}: balance ${state.balance}`);

  await page.goto(url + "#/events");
  await page.getByRole("list", { name: "Events" }).getByRole("listitem").first().waitFor();
  await shot("event-log");

  // Projections: rebuild the accounts read model, then its lag reaches 0.
  await page.goto(url + "#/projections");
  const table = page.getByRole("table", { name: "Projections list" });
  const rebuild = table.getByRole("button", { name: /^Rebuild accounts/ }).first();
  const name = ((await rebuild.getAttribute("aria-label")) || "").replace(/^Rebuild /, "");
  await rebuild.click();
  await page.getByRole("status").filter({ hasText: `${name} rebuilt: lag 0` }).waitFor();
  const lag = await table.getByLabel("Lag of " + name).textContent();
  if (lag !== "0") throw new Error(`the lag of ${name} after its rebuild: ${lag}`);
  await shot("projections");
  step(`rebuilt ${name}: lag 0`);

  for (const p of ["metrics", "sagas", "idempotency"]) {
    await page.goto(url + "#/" + p);
    await page.getByRole("region", { name: p === "idempotency" ? "Idempotency" : p[0].toUpperCase() + p.slice(1) }).waitFor();
    await page.waitForTimeout(1200); // a poll or two
    await shot(p);
  }
  await page.goto(url + "#/metrics");
  await page.getByRole("table", { name: "Operation metrics" }).locator("tbody tr").filter({ hasText: "deposit" }).first().waitFor();
  return id;
}
