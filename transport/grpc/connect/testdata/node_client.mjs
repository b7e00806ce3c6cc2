// Runs client.mjs under Node: node node_client.mjs BASE_URL DESCRIPTOR_SET_FILE.
// Prints "OK …" or the failure, and exits non-zero on failure.
import { readFile } from "node:fs/promises";
import { run } from "./client.mjs";

const [baseUrl, file] = process.argv.slice(2);
try {
  const lines = await run(baseUrl, new Uint8Array(await readFile(file)));
  console.log("OK " + lines.join("; "));
} catch (e) {
  console.log("FAIL " + (e && e.stack ? e.stack : e));
  process.exit(1);
}
