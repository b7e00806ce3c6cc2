#!/usr/bin/env bash
# Three replicas of examples/bank on one PostgreSQL, driven at once by
# independent clients over every protocol — wrk over REST and over GraphQL,
# ghz over gRPC, each replica its own clients — with deposits and
# withdrawals; the replica running the accounts projection is killed with
# SIGKILL a third of the way in and restarted two seconds later. Then it
# checks, and exits non-zero unless all hold:
#
#   1. every acknowledged command is in the store exactly once: each
#      position a REST or GraphQL client logged is an event of that
#      account, no two acknowledgements share one, and the events number
#      at least the acknowledgements and at most those plus the requests
#      whose outcome the client cannot know — one per connection in flight
#      at the kill and one per connection cut at the end of the run (plus
#      any 5xx); gRPC (ghz reports counts, not positions) is checked by
#      count the same way;
#   2. every balance (getAccount, from the events) equals the sum of its
#      events in SQL, and no balance ever went below zero;
#   3. the accounts projection (a table) equals a fold of the events in
#      SQL and equals itself after a fresh rebuild (POST
#      /projections/accounts/rebuild); one replica applies it, the others
#      stand by;
#   4. SSE subscriptions (curl -N) on a surviving replica received every
#      event of their accounts, in order, none twice.
#
# It prints the checks and the throughput, and cleans up (a PostgreSQL it
# started is stopped; one already running is left, minus the schema).
#
#   bench/multinode.sh [seconds] [accounts]     # defaults: 24 63
#
# Needs wrk, curl, jq (apt-get install -y wrk curl jq), psql, and ghz (go
# install github.com/bojand/ghz/cmd/ghz@v0.93.0); run from the repository.
set -euo pipefail

duration=${1:-24}
accounts=${2:-63}
replicas=3
http_base=${BENCH_HTTP_PORT:-18180}
grpc_base=${BENCH_GRPC_PORT:-19190}
token=multinode-admin

for tool in wrk ghz curl jq psql; do
	command -v "$tool" >/dev/null || { echo "bench/multinode.sh: $tool not found (see the header)" >&2; exit 2; }
done

tmp=$(mktemp -d)
pids=()
loads=()
sse_pids=()
started_pg=
dsn=
schema=multinode_$$
cleanup() {
	set +e
	for p in "${loads[@]}" "${sse_pids[@]}" "${pids[@]}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "$dsn" ] && psql "$dsn" -Xq -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
	[ -n "$started_pg" ] && bench/postgres.sh stop "$started_pg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# PostgreSQL: the one in ALLFRAME_TEST_POSTGRES if it answers, else a new
# throwaway cluster (bench/postgres.sh).
if [ -n "${ALLFRAME_TEST_POSTGRES:-}" ] && psql "$ALLFRAME_TEST_POSTGRES" -XAtqc 'SELECT 1' >/dev/null 2>&1; then
	dsn=$ALLFRAME_TEST_POSTGRES
else
	eval "$(bench/postgres.sh start)"
	dsn=$ALLFRAME_TEST_POSTGRES
	started_pg=$(sed -n 's|.*@127\.0\.0\.1:\([0-9]*\)/.*|\1|p' <<<"$dsn")
fi
case "$dsn" in *\?*) url="$dsn&schema=$schema" ;; *) url="$dsn?schema=$schema" ;; esac
sql() { psql "$dsn" -XAtq -v ON_ERROR_STOP=1 -F ' ' -c "$1"; }

go build -o "$tmp/bank" ./examples/bank

http() { echo "http://127.0.0.1:$((http_base + $1))"; }
grpc() { echo "127.0.0.1:$((grpc_base + $1))"; }
start_replica() {
	local i=$1
	ALLFRAME_HTTP_ADDR=127.0.0.1:$((http_base + i)) ALLFRAME_GRPC_ADDR=$(grpc "$i") ALLFRAME_EVENTSTORE=$url \
		ALLFRAME_ADMIN_TOKEN=$token OTEL_SDK_DISABLED=true "$tmp/bank" >>"$tmp/replica$i.log" 2>&1 &
	pids[i]=$!
	for _ in $(seq 200); do
		curl -fs "$(http "$i")/readyz" >/dev/null 2>&1 && return
		sleep 0.05
	done
	cat "$tmp/replica$i.log" >&2
	echo "replica $i did not start" >&2
	exit 1
}
status() { curl -fs -H "Authorization: Bearer $token" "$(http "$1")/projections" | jq -r '.projections[] | select(.name == "accounts") | "\(.state) \(.lag)"'; }

for i in $(seq 0 $((replicas - 1))); do start_replica "$i"; done

# Accounts, a third per protocol (each protocol's clients move only its own).
for n in $(seq "$accounts"); do
	curl -fs -XPOST "$(http 0)/accounts" -H 'Content-Type: application/json' -d "{\"owner\":\"multinode-$n\"}" | jq -r .id
done >"$tmp/ids.txt"
third=$((accounts / 3))
sed -n "1,${third}p" "$tmp/ids.txt" >"$tmp/ids-rest.txt"
sed -n "$((third + 1)),$((2 * third))p" "$tmp/ids.txt" >"$tmp/ids-graphql.txt"
sed -n "$((2 * third + 1)),\$p" "$tmp/ids.txt" >"$tmp/ids-grpc.txt"
jq -R '{id: ., amount: 2}' "$tmp/ids-grpc.txt" | jq -s . >"$tmp/data-deposit.json"
jq -R '{id: ., amount: 1}' "$tmp/ids-grpc.txt" | jq -s . >"$tmp/data-withdraw.json"

# The replica holding the projection's lease is the one to kill.
holder=
for _ in $(seq 100); do
	for i in $(seq 0 $((replicas - 1))); do
		case "$(status "$i")" in live* | catching_up*) holder=$i ;; esac
	done
	[ -n "$holder" ] && break
	sleep 0.1
done
[ -n "$holder" ] || { echo "no replica runs the accounts projection" >&2; exit 1; }
survivor=$(((holder + 1) % replicas))

# SSE on a surviving replica: two accounts per protocol, from their first event.
sse_ids=$( (head -2 "$tmp/ids-rest.txt"; head -2 "$tmp/ids-graphql.txt"; head -2 "$tmp/ids-grpc.txt") )
for id in $sse_ids; do
	curl -sN "$(http "$survivor")/accounts/$id/events" >"$tmp/sse-$id.txt" 2>/dev/null &
	sse_pids+=($!)
done

echo "== $replicas replicas on one PostgreSQL (schema $schema), $accounts accounts, ${duration}s of load;"
echo "   replica $holder runs the accounts projection: kill -9 at $((duration / 3))s, restart 2s later"
for i in $(seq 0 $((replicas - 1))); do
	wrk -t1 -c6 -d"${duration}s" --timeout 10s -s bench/multinode.lua "$(http "$i")" -- "$tmp/ids-rest.txt" rest "$tmp/rest$i" >"$tmp/wrk-rest$i.txt" 2>&1 &
	loads+=($!)
	wrk -t1 -c6 -d"${duration}s" --timeout 10s -s bench/multinode.lua "$(http "$i")" -- "$tmp/ids-graphql.txt" graphql "$tmp/graphql$i" >"$tmp/wrk-graphql$i.txt" 2>&1 &
	loads+=($!)
	ghz --insecure --call bank.v1.BankService/Deposit --data-file "$tmp/data-deposit.json" -c 4 --connections 2 \
		-z "${duration}s" --format json "$(grpc "$i")" >"$tmp/ghz-deposit$i.json" 2>/dev/null &
	loads+=($!)
	ghz --insecure --call bank.v1.BankService/Withdraw --data-file "$tmp/data-withdraw.json" -c 1 --connections 1 \
		-z "${duration}s" --format json "$(grpc "$i")" >"$tmp/ghz-withdraw$i.json" 2>/dev/null &
	loads+=($!)
done
t0=$(date +%s.%N)
sleep $((duration / 3))
kill -9 "${pids[holder]}"
wait "${pids[holder]}" 2>/dev/null || true
echo "   $(date +%T) killed replica $holder (pid ${pids[holder]})"
sleep 2
start_replica "$holder"
echo "   $(date +%T) restarted replica $holder"
wait "${loads[@]}" || true
loads=()
elapsed=$(echo "$(date +%s.%N) - $t0" | bc)

fail=0
check() { # check NAME OK(0/1) DETAIL
	if [ "$2" = 1 ]; then echo "PASS  $1: $3"; else echo "FAIL  $1: $3"; fail=1; fi
}

# The projection catches up everywhere (lag 0), one live, the rest standby.
for _ in $(seq 300); do
	states=$(for i in $(seq 0 $((replicas - 1))); do status "$i"; done | sort | uniq -c | tr -s ' ' | paste -sd, -)
	[ "$states" = " 1 live 0, 2 standby 0" ] && break
	sleep 0.1
done
check "projection: one worker" "$([[ $states == " 1 live 0, 2 standby 0" ]] && echo 1 || echo 0)" "states (count state lag): $states"

echo
# Events of the run: position, account id, signed amount.
sql "SELECT position, substr(stream, 9), CASE type WHEN 'bank.Withdrawn' THEN -1 ELSE 1 END * (convert_from(data, 'UTF8')::json->>'amount')::bigint
	FROM $schema.events WHERE type IN ('bank.Deposited', 'bank.Withdrawn') ORDER BY position" >"$tmp/events.txt"

# 1. Acknowledgements.
# In flight and cut off: per protocol, one request per connection of the
# killed replica at the kill, one per connection of every replica at the end.
wrk_conns=6 ghz_conns=5
declare -A ok unk
for proto in rest graphql; do
	cat "$tmp/$proto"[0-9]-*.log >"$tmp/$proto.log"
	ok[$proto]=$(grep -c '^ok ' "$tmp/$proto.log" || true)
	unk[$proto]=$(($(grep -c '^unk ' "$tmp/$proto.log" || true) + wrk_conns * (replicas + 1)))
	grep '^ok ' "$tmp/$proto.log" | awk '{ print $3, $2 }' | sort -n >"$tmp/acked-$proto.txt"
	dups=$(cut -d' ' -f1 "$tmp/acked-$proto.txt" | uniq -d | wc -l)
	missing=$(awk 'NR == FNR { ev[$1] = $2; next } ev[$1] != $2' "$tmp/events.txt" "$tmp/acked-$proto.txt" | wc -l)
	events=$(awk 'NR == FNR { mine[$1] = 1; next } mine[$2]' "$tmp/ids-$proto.txt" "$tmp/events.txt" | wc -l)
	check "acknowledged $proto commands in the store once" \
		"$([ "$dups" = 0 ] && [ "$missing" = 0 ] && [ "${ok[$proto]}" -le "$events" ] && [ "$events" -le $((ok[$proto] + unk[$proto])) ] && echo 1 || echo 0)" \
		"${ok[$proto]} acknowledged, $events events (at most ${unk[$proto]} more could be); $missing acknowledged positions not found, $dups shared"
done
grpc_ok=0 grpc_refused=0 grpc_total=0
for f in "$tmp"/ghz-*.json; do
	read -r o r t < <(jq -r '[(.statusCodeDistribution.OK // 0), ((.statusCodeDistribution.FailedPrecondition // 0) + (.statusCodeDistribution.Aborted // 0)), .count] | @tsv' "$f")
	grpc_ok=$((grpc_ok + o)) grpc_refused=$((grpc_refused + r)) grpc_total=$((grpc_total + t))
done
ok[grpc]=$grpc_ok
failed=$((grpc_total - grpc_ok - grpc_refused))
unk[grpc]=$((ghz_conns * (replicas + 1)))
events=$(awk 'NR == FNR { mine[$1] = 1; next } mine[$2]' "$tmp/ids-grpc.txt" "$tmp/events.txt" | wc -l)
check "acknowledged gRPC commands in the store once" \
	"$([ "$grpc_ok" -le "$events" ] && [ "$events" -le $((grpc_ok + unk[grpc])) ] && echo 1 || echo 0)" \
	"$grpc_ok acknowledged, $events events (at most ${unk[grpc]} more could be); $grpc_refused refused, $failed failed (connections refused while the replica was down)"

# 2. Balances from the aggregates against the sums of their events.
awk '{ s[$2] += $3 } END { for (id in s) print id, s[id] }' "$tmp/events.txt" | sort >"$tmp/sums.txt"
bad=0
while read -r id; do
	got=$(curl -fs "$(http "$survivor")/accounts/$id" | jq -r .balance)
	want=$(awk -v id="$id" '$1 == id { print $2 }' "$tmp/sums.txt")
	[ "$got" = "${want:-0}" ] || { bad=$((bad + 1)); echo "  $id: balance $got, events sum to ${want:-0}"; }
done <"$tmp/ids.txt"
negative=$(sql "SELECT count(*) FROM (SELECT sum(CASE type WHEN 'bank.Withdrawn' THEN -1 ELSE 1 END * (convert_from(data, 'UTF8')::json->>'amount')::bigint)
	OVER (PARTITION BY stream ORDER BY version) AS b FROM $schema.events WHERE type <> 'bank.AccountOpened') r WHERE b < 0")
check "balances equal the sums of their events" "$([ "$bad" = 0 ] && [ "$negative" = 0 ] && echo 1 || echo 0)" \
	"$accounts accounts, $bad differ; $negative moments below zero"

# 3. The projection against a fold of the events, and against a rebuild.
fold="SELECT substr(stream, 9) AS id, sum(CASE type WHEN 'bank.Deposited' THEN (convert_from(data, 'UTF8')::json->>'amount')::bigint
	WHEN 'bank.Withdrawn' THEN -(convert_from(data, 'UTF8')::json->>'amount')::bigint ELSE 0 END) AS balance, max(version) AS version, max(position) AS position
	FROM $schema.events WHERE stream_type = 'account' GROUP BY stream"
# The accounts read model's rows (JSON in rm_accounts), as columns.
listed="SELECT key AS id, d->>'owner' AS owner, (d->>'balance')::bigint AS balance, (d->>'version')::bigint AS version,
	(d->>'position')::bigint AS position FROM $schema.rm_accounts CROSS JOIN LATERAL (SELECT convert_from(data, 'UTF8')::json AS d) j"
differ=$(sql "SELECT count(*) FROM ($fold) f FULL JOIN ($listed) b USING (id)
	WHERE (f.balance, f.version, f.position) IS DISTINCT FROM (b.balance, b.version, b.position)")
sql "$listed ORDER BY id" >"$tmp/projection-before.txt"
curl -fs -XPOST -H "Authorization: Bearer $token" "$(http "$survivor")/projections/accounts/rebuild" >/dev/null
head=$(sql "SELECT max(position) FROM $schema.events")
for _ in $(seq 300); do
	[ "$(sql "SELECT position FROM $schema.checkpoints WHERE name = 'accounts'")" = "$head" ] && break
	sleep 0.1
done
sql "$listed ORDER BY id" >"$tmp/projection-after.txt"
rebuilt=$(cmp -s "$tmp/projection-before.txt" "$tmp/projection-after.txt" && echo same || echo different)
check "projection equals a fresh rebuild" "$([ "$differ" = 0 ] && [ "$rebuilt" = same ] && echo 1 || echo 0)" \
	"$(wc -l <"$tmp/projection-before.txt") rows; $differ differ from the fold of the events; after POST …/rebuild: $rebuilt"

# 4. SSE on the surviving replica saw every event of its accounts.
sse_bad=0 sse_n=0
for id in $sse_ids; do
	want=$(sql "SELECT position FROM $schema.events WHERE stream = 'account-$id' ORDER BY position" | paste -sd,)
	for _ in $(seq 100); do
		got=$(sed -n 's/^data: .*"position":\([0-9]*\).*/\1/p' "$tmp/sse-$id.txt" | paste -sd,)
		[ "$got" = "$want" ] && break
		sleep 0.1
	done
	sse_n=$((sse_n + $(tr ',' '\n' <<<"$want" | wc -l)))
	[ "$got" = "$want" ] || { sse_bad=$((sse_bad + 1)); echo "  SSE $id: got ${got:0:80}…, want ${want:0:80}…"; }
done
check "SSE on replica $survivor received every event" "$([ "$sse_bad" = 0 ] && echo 1 || echo 0)" \
	"$(wc -w <<<"$sse_ids") subscriptions, $sse_n events, $sse_bad incomplete or out of order"

echo
total=$((ok[rest] + ok[graphql] + ok[grpc]))
printf '%-8s %10s %12s\n' proto commands "commands/s"
for proto in rest graphql grpc; do
	printf '%-8s %10d %12.0f\n' "$proto" "${ok[$proto]}" "$(echo "${ok[$proto]} / $elapsed" | bc -l)"
done
printf '%-8s %10d %12.0f   (%.1fs, %d events in the store)\n' total "$total" "$(echo "$total / $elapsed" | bc -l)" "$elapsed" "$(wc -l <"$tmp/events.txt")"
awk '/^WRK/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "p99_ms" && kv[2] > m) m = kv[2] } } END { printf "wrk p99 (worst client): %.1f ms\n", m }' "$tmp"/wrk-*.txt
if [ "$fail" != 0 ]; then
	echo "multinode: FAILED (logs were in $tmp)"
	exit 1
fi
echo "multinode: all checks passed"
