// Loads a page in headless Chromium (playwright-core driving the system's
// chromium) with the network off — every request to another origin is
// aborted, and the host resolver knows no host but 127.0.0.1 — and runs
// one check on it: node offline.mjs CHECK PAGE_URL CHROMIUM_PATH [ARGS…].
// Prints "OK …" or "FAIL …".
import { chromium } from "playwright-core";

const [check, url, executablePath, ...args] = process.argv.slice(2);
const origin = new URL(url).origin;

const checks = {
  // Swagger UI at /docs/: the operations list rendered from /openapi.json,
  // one block per operation of the document.
  async swagger(page) {
    await page.waitForSelector(".opblock-summary", { timeout: 30000 });
    const spec = await page.evaluate(async () => (await fetch("../openapi.json")).json());
    let want = 0;
    for (const item of Object.values(spec.paths || {})) {
      for (const m of ["get", "put", "post", "delete", "options", "head", "patch", "trace"]) if (item[m]) want++;
    }
    await page.waitForFunction((n) => document.querySelectorAll(".opblock").length >= n, want, { timeout: 30000 });
    const ops = await page.$$eval(".opblock-summary", (els) =>
      els.map((e) => (e.querySelector(".opblock-summary-method")?.textContent + " " + e.querySelector(".opblock-summary-path")?.textContent).trim()));
    const title = await page.textContent(".info .title");
    if (ops.length !== want) throw new Error(`${ops.length} operations rendered, /openapi.json has ${want}: ${ops.join(", ")}`);
    return `Swagger UI "${title.trim()}" lists ${ops.length} operations: ${ops.join(", ")}`;
  },

  // Swagger UI at /docs/: the schema named ARGS[0] (a sum type), expanded
  // in the Schemas section, shows "One of" its variants, each with its
  // const discriminator value ARGS[1…], and the discriminator mapping.
  async sumtype(page) {
    const [name, ...values] = args;
    await page.waitForSelector("section.models article", { timeout: 30000 });
    const model = page.locator("section.models article[data-json-schema-level='0']")
      .filter({ has: page.locator(".json-schema-2020-12__title", { hasText: new RegExp(`^${name}$`) }) });
    await model.locator(".json-schema-2020-12-expand-deep-button").first().click();
    const want = ["One of", "Discriminator", ...values.map((v) => `Const"${v}"`), ...values.map((v) => v + "#/components/schemas/")];
    let text, missing;
    for (const deadline = Date.now() + 15000; ; await page.waitForTimeout(100)) { // the expanded tree renders over several frames
      text = await model.innerText();
      missing = want.filter((w) => !text.replace(/\s+/g, "").includes(w.replace(/\s+/g, "")));
      if (!missing.length || Date.now() > deadline) break;
    }
    if (missing.length) throw new Error(`schema ${name} lacks ${missing.join(", ")}:\n${text}`);
    return `Swagger UI shows ${name} as one of ${values.join(", ")} with its discriminator`;
  },

  // GraphiQL: type a query into the editor, press the run button and read
  // the response pane. ARGS: query, text the response must contain.
  async graphiql(page) {
    const [query, want] = args;
    await page.waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: 30000 });
    await page.evaluate((q) => document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(q), query);
    await page.click(".graphiql-execute-button");
    const handle = await page.waitForFunction((w) => {
      const cm = document.querySelector(".graphiql-response .CodeMirror");
      const text = cm && cm.CodeMirror.getValue();
      return text && text.includes(w) ? text : null;
    }, want, { timeout: 30000 });
    const result = (await handle.jsonValue()).replace(/\s+/g, " ");
    return `GraphiQL ran ${query} and shows ${result}`;
  },
};

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--headless=new", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
});
let code = 0;
try {
  const context = await browser.newContext();
  const blocked = [];
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:")) return route.continue();
    blocked.push(u);
    return route.abort("internetdisconnected");
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") console.error("console: " + m.text()); });
  page.on("requestfailed", (r) => { if (!blocked.includes(r.url())) errors.push("request failed: " + r.url() + " " + r.failure()?.errorText); });
  page.on("response", (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url);
  let line;
  try {
    line = await checks[check](page);
  } catch (e) {
    errors.push(String(e && e.message || e));
  }
  if (blocked.length) errors.push("the page reached for the network: " + blocked.join(", "));
  if (errors.length) {
    console.log("FAIL " + errors.join("\n"));
    code = 1;
  } else {
    console.log("OK " + line + " (" + (await browser.version()) + ", network off)");
  }
} finally {
  await browser.close();
}
process.exit(code);
