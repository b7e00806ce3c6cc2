#!/usr/bin/env bash
# Soak test of the real examples/bank binary (not part of go test): mixed
# load on every protocol for a while — wrk deposits over REST and GraphQL,
# ghz deposits over gRPC, SSE listeners that stay connected and SSE /
# GraphQL-over-SSE subscribers that reconnect every few seconds — while the
# service's RSS (/proc/PID/status) and goroutine count (go_goroutines on
# /metrics, OTEL_METRICS_EXPORTER=prometheus) are sampled. It fails (exit 1)
# unless:
#   - RSS and goroutines stay flat: the mean of the last third of the
#     samples is within 20% of the mean of the middle third (the first
#     third is warm-up), plus 5 goroutines of slack;
#   - the goroutines come back to within 10 of the idle count before the
#     load once every client has gone (nothing leaked per connection);
#   - no request failed (wrk: no non-2xx, no socket error, no GraphQL
#     error; ghz: every call OK), the steady SSE listeners received events
#     throughout, the service logged no error;
#   - the balances add up to the acknowledged deposits (+ those in flight
#     when a client stopped);
#   - SIGTERM stops the service with status 0.
#
#   bench/soak.sh [duration-seconds]     # default 120; SOAK_SAMPLE=5 (seconds between samples)
#
# Needs wrk, curl, jq (apt-get install -y wrk curl jq) and ghz (go install
# github.com/bojand/ghz/cmd/ghz@v0.93.0); run from the repository.
set -euo pipefail

duration=${1:-120}
sample=${SOAK_SAMPLE:-5}
accounts=16
conns=8 # per load client
http=127.0.0.1:${SOAK_HTTP_PORT:-18180}
grpc=127.0.0.1:${SOAK_GRPC_PORT:-19190}

for tool in wrk ghz curl jq; do
	command -v "$tool" >/dev/null || { echo "bench/soak.sh: $tool not found (see the header)" >&2; exit 2; }
done
[ "$duration" -ge $((6 * sample)) ] || { echo "bench/soak.sh: run at least $((6 * sample))s (6 samples)" >&2; exit 2; }

tmp=$(mktemp -d)
pid=
bg=() # background clients, by pid
cleanup() {
	[ -n "${SOAK_KEEP:-}" ] && cp -r "$tmp" "$SOAK_KEEP"
	touch "$tmp/stop"
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/bank" ./examples/bank
ALLFRAME_HTTP_ADDR=$http ALLFRAME_GRPC_ADDR=$grpc ALLFRAME_EVENTSTORE="sqlite:$tmp/bank.db" \
	ALLFRAME_DRAIN_DELAY=1s OTEL_METRICS_EXPORTER=prometheus \
	"$tmp/bank" >"$tmp/bank.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	curl -fs "http://$http/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "http://$http/readyz" >/dev/null || { cat "$tmp/bank.log" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
goroutines() { curl -fs "http://$http/metrics" | awk '/^go_goroutines / {print $2}'; }

for n in $(seq "$accounts"); do
	curl -fs -XPOST "http://$http/accounts" -H 'Content-Type: application/json' -d "{\"owner\":\"soak-$n\"}" | jq -r .id
done >"$tmp/ids.txt"
jq -R '{id: ., amount: 1}' "$tmp/ids.txt" | jq -s . >"$tmp/ghz.json"
mapfile -t ids <"$tmp/ids.txt"
sleep 1
idle=$(goroutines)
echo "== soak ${duration}s: wrk REST and GraphQL, ghz gRPC ($conns connections each), 4 steady SSE listeners, 4 reconnecting SSE / GraphQL subscribers; idle: $idle goroutines, $(($(rss_kb) / 1024)) MiB RSS"

wrk -t1 -c"$conns" -d"${duration}s" -s bench/deposit.lua "http://$http" -- "$tmp/ids.txt" >"$tmp/wrk-rest.txt" 2>&1 &
bg+=($!)
wrk -t1 -c"$conns" -d"${duration}s" -s bench/graphql.lua "http://$http" -- "$tmp/ids.txt" >"$tmp/wrk-gql.txt" 2>&1 &
bg+=($!)
ghz --insecure --call bank.v1.BankService/Deposit --data-file "$tmp/ghz.json" \
	--concurrency "$conns" --connections "$conns" --duration "${duration}s" --format json "$grpc" >"$tmp/ghz.out" 2>"$tmp/ghz.err" &
bg+=($!)
for k in 0 1 2 3; do
	curl -sN --max-time $((duration + 60)) -H 'Accept: text/event-stream' \
		"http://$http/accounts/${ids[$k]}/events" >"$tmp/sse-steady-$k.txt" 2>/dev/null &
	bg+=($!)
done
# Reconnecting subscribers: each connection lives 3s (curl --max-time
# ends it with status 28), so streams open and close all through the run.
for k in 4 5; do
	(while [ ! -e "$tmp/stop" ]; do
		curl -sN --max-time 3 -H 'Accept: text/event-stream' "http://$http/accounts/${ids[$k]}/events" >/dev/null 2>&1 || true
		echo >>"$tmp/churn-sse"
	done) &
	bg+=($!)
done
gql_sub=$(jq -nc --arg id "${ids[6]}" '{query: "subscription ($id: String!) { accountEvents(id: $id) { type version } }", variables: {id: $id}}')
for _ in 1 2; do
	(while [ ! -e "$tmp/stop" ]; do
		curl -sN --max-time 3 -H 'Accept: text/event-stream' -H 'Content-Type: application/json' \
			-d "$gql_sub" "http://$http/graphql" >/dev/null 2>&1 || true
		echo >>"$tmp/churn-gql"
	done) &
	bg+=($!)
done

printf '%6s %9s %11s\n' t_s rss_mib goroutines | tee "$tmp/samples.txt"
start=$SECONDS
while [ $((SECONDS - start + sample)) -lt "$duration" ]; do # samples under load only
	sleep "$sample"
	printf '%6d %9.1f %11d\n' $((SECONDS - start)) "$(awk -v kb="$(rss_kb)" 'BEGIN { print kb / 1024 }')" "$(goroutines)" | tee -a "$tmp/samples.txt"
done
for p in "${bg[@]:0:3}"; do wait "$p" || true; done # the load clients end by themselves
touch "$tmp/stop"                                     # the reconnecting subscribers end within 3s
for p in "${bg[@]:3:4}"; do kill "$p" 2>/dev/null || true; done # the steady listeners
for p in "${bg[@]:3}"; do wait "$p" 2>/dev/null || true; done
bg=()
sleep 2
after=$(goroutines)

fail=0
bad() { echo "FAIL: $*"; fail=1; }

read -r rss_mid rss_last gor_mid gor_last < <(awk 'NR > 1 { rss[++n] = $2; gor[n] = $3 }
	END { a = int(n / 3); for (i = a + 1; i <= 2 * a; i++) { rm += rss[i]; gm += gor[i] }
	      for (i = 2 * a + 1; i <= n; i++) { rl += rss[i]; gl += gor[i] }
	      printf "%.1f %.1f %.1f %.1f\n", rm / a, rl / (n - 2 * a), gm / a, gl / (n - 2 * a) }' "$tmp/samples.txt")
echo "RSS: middle third ${rss_mid} MiB, last third ${rss_last} MiB; goroutines: middle ${gor_mid}, last ${gor_last}; idle before $idle, after $after"
awk -v m="$rss_mid" -v l="$rss_last" 'BEGIN { exit !(l <= 1.2 * m) }' || bad "RSS grew more than 20% (last third vs middle third)"
awk -v m="$gor_mid" -v l="$gor_last" 'BEGIN { exit !(l <= 1.2 * m + 5) }' || bad "goroutines grew more than 20% (last third vs middle third)"
[ "$after" -le $((idle + 10)) ] || bad "goroutines after the load $after, idle before $idle: leaked"

field() { awk -v k="$2" '/^WRK/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$1"; }
rest_req=$(field "$tmp/wrk-rest.txt" requests) rest_non2xx=$(field "$tmp/wrk-rest.txt" non2xx) rest_sock=$(field "$tmp/wrk-rest.txt" socket_errors)
gql_req=$(field "$tmp/wrk-gql.txt" requests) gql_non2xx=$(field "$tmp/wrk-gql.txt" non2xx) gql_err=$(field "$tmp/wrk-gql.txt" graphql_errors) gql_sock=$(field "$tmp/wrk-gql.txt" socket_errors)
grpc_ok=$(jq '.statusCodeDistribution.OK // 0' "$tmp/ghz.out")
grpc_total=$(jq '.count // 0' "$tmp/ghz.out")
grpc_errs=$(jq -c '.errorDistribution // {}' "$tmp/ghz.out")
echo "REST: $rest_req requests, $rest_non2xx non-2xx, $rest_sock socket errors"
echo "GraphQL: $gql_req requests, $gql_non2xx non-2xx, $gql_err GraphQL errors, $gql_sock socket errors"
echo "gRPC: $grpc_total calls, $grpc_ok OK, errors $grpc_errs"
# A load client stopping at the end of its duration cuts the requests it
# has in flight (at most one per connection): wrk counts them as socket
# read errors, ghz as "transport is closing". Those are expected; any
# other error is not.
cut() { awk -F'[ ,]+' '/Socket errors:/ { for (i = 1; i < NF; i++) if ($i == "read") print $(i + 1) }' "$1"; }
rest_cut=$(cut "$tmp/wrk-rest.txt") gql_cut=$(cut "$tmp/wrk-gql.txt")
grpc_cut=$(jq '.errorDistribution["rpc error: code = Unavailable desc = transport is closing"] // 0' "$tmp/ghz.out")
[ -n "$rest_req" ] && [ "$rest_non2xx" = 0 ] && [ "$rest_sock" = "${rest_cut:-0}" ] && [ "$rest_sock" -le "$conns" ] || bad "REST requests failed"
[ -n "$gql_req" ] && [ "$gql_non2xx" = 0 ] && [ "$gql_err" = 0 ] && [ "$gql_sock" = "${gql_cut:-0}" ] && [ "$gql_sock" -le "$conns" ] || bad "GraphQL requests failed"
[ "$grpc_total" -gt 0 ] && [ $((grpc_total - grpc_ok)) = "$grpc_cut" ] && [ "$grpc_cut" -le "$conns" ] || bad "gRPC calls failed: $grpc_errs"
echo "(cut by a client stopping at its end, expected: REST ${rest_cut:-0}, GraphQL ${gql_cut:-0}, gRPC $grpc_cut)"

churn_sse=$(wc -l <"$tmp/churn-sse" 2>/dev/null || echo 0)
churn_gql=$(wc -l <"$tmp/churn-gql" 2>/dev/null || echo 0)
steady=""
for k in 0 1 2 3; do steady="$steady $(grep -c '^data: ' "$tmp/sse-steady-$k.txt" || true)"; done
echo "SSE: steady listeners received${steady} events; $churn_sse SSE and $churn_gql GraphQL subscriptions opened and closed"
for n in $steady; do [ "$n" -gt 1 ] || bad "a steady SSE listener received $n events"; done
[ "$churn_sse" -gt 0 ] && [ "$churn_gql" -gt 0 ] || bad "no reconnecting subscriptions ran"

total=$(curl -fs "http://$http/accounts" | jq '[.items[].balance] | add')
ok=$((rest_req - rest_non2xx + gql_req - gql_non2xx - gql_err + grpc_ok))
echo "balances add up to $total; acknowledged deposits $ok (+ at most $((3 * conns)) in flight when a client stopped)"
[ "$total" -ge "$ok" ] && [ "$total" -le $((ok + 3 * conns)) ] || bad "deposits lost or applied twice"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || bad "service exited with status $status after SIGTERM"
if grep -q 'level=ERROR' "$tmp/bank.log"; then
	grep 'level=ERROR' "$tmp/bank.log" | head -5
	bad "the service logged errors"
fi
[ "$fail" = 0 ] && echo "soak OK"
exit "$fail"
