#!/usr/bin/env bash
# Regenerates assets/ — the files the GraphiQL page loads — from the pinned
# npm packages: the UMD builds of GraphiQL, React and ReactDOM, minified,
# without source maps (the sourceMappingURL comments are removed too, so a
# browser never asks for a .map), each gzip-compressed (gzip -9n: NAME.gz,
# reproducible). Writes SHA256SUMS of the decompressed files, which
# TestAssetsMatchManifest checks and the page's integrity hashes come from,
# and the packages' licences under
# licenses/. Needs npm and the npm registry; .ci/run re-runs it and fails
# if the tree changes.
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=4.1.2 # keep in step with the Version constants in graphiql.go
REACT=18.2.0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for p in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  mkdir "$tmp/$p" && tar xzf "$tmp/$p.tgz" -C "$tmp/$p"
done

nomap() { sed -e '/^\/\/# sourceMappingURL=/d' -e '/^\/\*# sourceMappingURL=.*\*\/$/d' "$1" >"$2"; }
rm -rf assets licenses && mkdir assets licenses
nomap "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.js" "assets/graphiql-$GRAPHIQL.min.js"
nomap "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.css" "assets/graphiql-$GRAPHIQL.min.css"
nomap "$tmp/react-$REACT/package/umd/react.production.min.js" "assets/react-$REACT.production.min.js"
nomap "$tmp/react-dom-$REACT/package/umd/react-dom.production.min.js" "assets/react-dom-$REACT.production.min.js"
cp "$tmp/graphiql-$GRAPHIQL/package/LICENSE" licenses/graphiql.LICENSE
cp "$tmp/react-$REACT/package/LICENSE" licenses/react.LICENSE
cp "$tmp/react-dom-$REACT/package/LICENSE" licenses/react-dom.LICENSE
(cd assets && sha256sum -- *) >SHA256SUMS
gzip -9n assets/*   # embedded compressed: served as they are with Content-Encoding: gzip
