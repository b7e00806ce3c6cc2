#!/usr/bin/env bash
# Regenerates assets/ — the files the /docs page loads — from the pinned
# npm package swagger-ui-dist: the standalone bundle, its preset, the
# styles and the favicons; no source maps (and no sourceMappingURL
# comments), no ES-module or unbundled builds, no index.html (the page and
# its initializer are written by transport/rest), each gzip-compressed
# (gzip -9n: NAME.gz, reproducible). Writes SHA256SUMS of the decompressed
# files, which TestAssetsMatchManifest checks, and the licence and notice under
# licenses/. Needs npm and the npm registry; .ci/run re-runs it and fails
# if the tree changes.
set -euo pipefail
cd "$(dirname "$0")"

SWAGGER_UI=5.36.0 # keep in step with Version in swaggerui.go

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@$SWAGGER_UI" >/dev/null && tar xzf "swagger-ui-dist-$SWAGGER_UI.tgz")
pkg=$tmp/package

nomap() { sed -e '/^\/\/# sourceMappingURL=/d' -e '/^\/\*# sourceMappingURL=.*\*\/$/d' "$1" >"$2"; }
rm -rf assets licenses && mkdir assets licenses
for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css index.css; do
  nomap "$pkg/$f" "assets/$f"
done
cp "$pkg/favicon-32x32.png" "$pkg/favicon-16x16.png" assets/
cp "$pkg/LICENSE" licenses/swagger-ui.LICENSE
cp "$pkg/NOTICE" licenses/swagger-ui.NOTICE
(cd assets && sha256sum -- *) >SHA256SUMS
gzip -9n assets/*   # embedded compressed: served as they are with Content-Encoding: gzip
