#!/usr/bin/env bash
# End-to-end deposits against the real examples/bank binary, driven by
# independent clients: wrk over REST and GraphQL, then ghz over gRPC (server reflection),
# 32 connections each, spread over N accounts. Afterwards the balances must
# add up to the successful deposits (plus at most the requests still in
# flight when a client stopped): nothing lost, nothing applied twice.
#
#   bench/bank.sh [full|normal] [accounts] [duration]     # defaults: full 64 10s
#
# The clients differ (ghz costs far more CPU per call than wrk, on the same
# cores as the server): for the server's cost per deposit on each protocol
# with one Go client, run bench/run bank (see BENCHMARKS.md).
#
# Needs wrk (apt-get install -y wrk), ghz (go install
# github.com/bojand/ghz/cmd/ghz@v0.93.0), curl and jq; run from the repository.
set -euo pipefail

durability=${1:-full}
accounts=${2:-64}
duration=${3:-10s}
conns=32
http=127.0.0.1:${BENCH_HTTP_PORT:-18080}
grpc=127.0.0.1:${BENCH_GRPC_PORT:-19090}

for tool in wrk ghz curl jq; do
	command -v "$tool" >/dev/null || { echo "bench/bank.sh: $tool not found (see the header)" >&2; exit 2; }
done

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/bank" ./examples/bank
store="sqlite:$tmp/bank.db"
[ "$durability" = normal ] && store="$store?durability=normal"
ALLFRAME_HTTP_ADDR=$http ALLFRAME_GRPC_ADDR=$grpc ALLFRAME_EVENTSTORE=$store "$tmp/bank" >"$tmp/bank.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	curl -fs "http://$http/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "http://$http/readyz" >/dev/null || { cat "$tmp/bank.log" >&2; exit 1; }

for n in $(seq "$accounts"); do
	curl -fs -XPOST "http://$http/accounts" -H 'Content-Type: application/json' -d "{\"owner\":\"bench-$n\"}" | jq -r .id
done >"$tmp/ids.txt"
jq -R '{id: ., amount: 1}' "$tmp/ids.txt" | jq -s . >"$tmp/ghz.json"

echo "== REST: wrk, $conns connections, $accounts accounts, $duration, durability=$durability"
wrk -t2 -c"$conns" -d"$duration" -s bench/deposit.lua "http://$http" -- "$tmp/ids.txt" | tee "$tmp/wrk.txt"
read -r rest_ok rest_rate rest_p99 < <(awk '/^WRK/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	ok = v["requests"] - v["non2xx"]; printf "%d %.0f %s\n", ok, ok / v["seconds"], v["p99_ms"] }' "$tmp/wrk.txt")

echo "== GraphQL: wrk, $conns connections, $accounts accounts, $duration"
wrk -t2 -c"$conns" -d"$duration" -s bench/graphql.lua "http://$http" -- "$tmp/ids.txt" | tee "$tmp/gql.txt"
read -r gql_ok gql_rate gql_p99 < <(awk '/^WRK/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	ok = v["requests"] - v["non2xx"] - v["graphql_errors"]; printf "%d %.0f %s\n", ok, ok / v["seconds"], v["p99_ms"] }' "$tmp/gql.txt")

echo "== gRPC: ghz, $conns connections, $accounts accounts, $duration"
ghz --insecure --call bank.v1.BankService/Deposit --data-file "$tmp/ghz.json" \
	--concurrency "$conns" --connections "$conns" --duration "$duration" --format json "$grpc" >"$tmp/ghz.out"
read -r grpc_ok grpc_rate grpc_p99 < <(jq -r '[(.statusCodeDistribution.OK // 0),
	((.statusCodeDistribution.OK // 0) / (.total / 1e9) | floor),
	(((.latencyDistribution // []) | map(select(.percentage == 99)) | .[0].latency // 0) / 1e6)] | @tsv' "$tmp/ghz.out")

total=$(curl -fs "http://$http/accounts" | jq '[.items[].balance] | add')
echo
printf '%-8s %10s %12s %10s\n' proto deposits "deposits/s" "p99 ms"
printf '%-8s %10d %12d %10.2f\n' REST "$rest_ok" "$rest_rate" "$rest_p99" GraphQL "$gql_ok" "$gql_rate" "$gql_p99" gRPC "$grpc_ok" "$grpc_rate" "$grpc_p99"
ok=$((rest_ok + gql_ok + grpc_ok))
echo "balances add up to $total; successful deposits $ok (+ at most $((3 * conns)) in flight at the end)"
if [ "$total" -lt "$ok" ] || [ "$total" -gt $((ok + 3 * conns)) ]; then
	echo "MISMATCH: deposits lost or applied twice" >&2
	exit 1
fi
