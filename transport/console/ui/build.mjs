// Builds the console into dist/: index.html, console.js (the app and its
// two libraries, Preact and htm, minified) and console.css. esbuild's
// output depends only on the sources and its version (pinned in
// package-lock.json): no timestamps, no absolute paths, so CI can check
// that `npm ci && npm run build` reproduces dist/ byte for byte.
import * as esbuild from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";

const dist = new URL("./dist/", import.meta.url);
await rm(dist, { recursive: true, force: true });
await mkdir(dist);

await esbuild.build({
  entryPoints: { console: "src/main.js" },
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  legalComments: "none",
  charset: "utf8",
  outdir: "dist",
  logLevel: "warning",
});
await esbuild.build({
  entryPoints: { console: "src/console.css" },
  bundle: true,
  minify: true,
  outdir: "dist",
  logLevel: "warning",
});
await writeFile(new URL("index.html", dist), await readFile(new URL("./src/index.html", import.meta.url)));

let total = 0;
for (const name of ["index.html", "console.js", "console.css"]) {
  const b = await readFile(new URL(name, dist));
  const gz = gzipSync(b, { level: 9 }).length;
  total += gz;
  console.log(`dist/${name}: ${b.length} bytes, ${gz} gzipped`);
}
console.log(`total gzipped: ${total} bytes`);
