#!/usr/bin/env bash
# Builds Jaeger v1.76.0 (all-in-one, v2 binary) once into a cache directory,
# in a throwaway Go module outside the project so that Jaeger's dependency
# graph never touches AllFrame's go.mod, then runs the Jaeger integration
# test(s) against it.
#
# Usage (from anywhere in the repo):
#   telemetry/testdata/jaeger.sh                          # go test -run TestJaeger ./telemetry/
#   telemetry/testdata/jaeger.sh -run TestJaegerE2E ./di/  # any go test arguments
#
# Environment:
#   JAEGER_CACHE  where the binary is kept (default: ${XDG_CACHE_HOME:-$HOME/.cache}/allframe/jaeger-v1.76.0)
#   JAEGER_BIN    use this binary instead of building one
# A cold build takes a few minutes (module download + compile); later runs
# reuse the cached binary and take seconds.
set -euo pipefail

version=v1.76.0
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${JAEGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/allframe/jaeger-$version}
bin=${JAEGER_BIN:-$cache/jaeger}

if [[ ! -x $bin ]]; then
	echo "jaeger.sh: building jaeger $version into $cache" >&2
	start=$SECONDS
	mkdir -p "$cache"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	(
		cd "$work"
		export GOWORK=off GOFLAGS=-mod=mod
		go mod init jaegerbuild >/dev/null 2>&1
		go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$version"
		go build -o "$cache/jaeger.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
	)
	mv "$cache/jaeger.tmp" "$bin"
	echo "jaeger.sh: built $bin in $((SECONDS - start))s" >&2
fi

if [[ $# -eq 0 ]]; then
	set -- -run TestJaeger ./telemetry/
fi
cd "$root"
ALLFRAME_JAEGER_TEST=1 JAEGER_BIN=$bin exec go test -count=1 -v "$@"
