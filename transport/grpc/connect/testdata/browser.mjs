// Loads the test page in headless Chromium (playwright-core driving the
// system's chromium) and prints what the page's client reported:
// node browser.mjs PAGE_URL CHROMIUM_PATH.
import { chromium } from "playwright-core";

const [url, executablePath] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--headless=new"] });
let code = 0;
try {
  const page = await browser.newPage();
  page.on("console", (m) => {
    // Connect reports a failed unary call with an HTTP error status, which
    // the browser logs; the checks expect those.
    if (!m.text().startsWith("Failed to load resource")) console.error("console: " + m.text());
  });
  page.on("pageerror", (e) => console.error("pageerror: " + e.message));
  await page.goto(url);
  const handle = await page.waitForFunction(() => window.result, null, { timeout: 30000 });
  const result = await handle.jsonValue();
  if (result.ok) {
    console.log("OK " + result.lines.join("; ") + " (" + (await browser.version()) + ")");
  } else {
    console.log("FAIL " + result.error);
    code = 1;
  }
} finally {
  await browser.close();
}
process.exit(code);
