#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the cqrs/postgres tests and benchmarks:
# initdb in a temporary directory, listening on 127.0.0.1 only, trust
# authentication, one database "allframe". Not for production.
#
#   eval "$(bench/postgres.sh start [port])"   # default port 55432 (the next free one if taken)
#   go test ./cqrs/postgres/
#   bench/postgres.sh stop [port]              # default: the port of $ALLFRAME_TEST_POSTGRES, else 55432
#
# start prints `export ALLFRAME_TEST_POSTGRES=postgres://…` on stdout (and
# nothing else there); progress goes to stderr. It installs the Debian
# package postgresql with apt-get only when no initdb is found. As root, the
# cluster runs as the user postgres (initdb refuses root).
set -euo pipefail

cmd=${1:-}
state=${ALLFRAME_PG_STATE:-${TMPDIR:-/tmp}/allframe-pg}
log() { echo "bench/postgres.sh: $*" >&2; }

find_bin() {
	local dir
	if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		dirname "$(readlink -f "$(command -v initdb)")"
		return
	fi
	for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
			echo "$dir"
			return
		fi
	done
	return 1
}

# as runs a command as the cluster's owner.
as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
	local port=${1:-55432} bin dir tries
	if ! bin=$(find_bin); then
		log "initdb not found: installing postgresql with apt-get"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq postgresql >/dev/null
		bin=$(find_bin) || { log "no initdb after installing postgresql"; exit 1; }
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin postgres
	fi
	# A cluster of ours already on this port: reuse it.
	if [ -f "$state/$port/data/postmaster.pid" ] && as "$bin/pg_ctl" -D "$state/$port/data" status >/dev/null 2>&1; then
		log "cluster already running on 127.0.0.1:$port ($state/$port)"
		echo "export ALLFRAME_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port/allframe?sslmode=disable"
		return
	fi
	for tries in $(seq 20); do
		port_in_use "$port" || break
		log "port $port is taken, trying $((port + 1))"
		port=$((port + 1))
	done
	port_in_use "$port" && { log "no free port found"; exit 1; }
	dir=$state/$port
	rm -rf "$dir"
	mkdir -p "$dir"
	chmod 755 "$state" 2>/dev/null || true
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	log "initdb $dir/data ($("$bin/postgres" --version))"
	as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
log_min_messages = warning
EOF
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	as "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'CREATE DATABASE allframe' >/dev/null
	log "PostgreSQL on 127.0.0.1:$port, data in $dir (stop with: bench/postgres.sh stop $port)"
	echo "export ALLFRAME_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port/allframe?sslmode=disable"
}

stop() {
	local port=${1:-} bin dir
	if [ -z "$port" ] && [ -n "${ALLFRAME_TEST_POSTGRES:-}" ]; then
		port=$(sed -n 's|.*@127\.0\.0\.1:\([0-9]*\)/.*|\1|p' <<<"$ALLFRAME_TEST_POSTGRES")
	fi
	port=${port:-55432}
	dir=$state/$port
	if [ ! -d "$dir/data" ]; then
		log "no cluster in $dir"
		return
	fi
	bin=$(find_bin) || { log "pg_ctl not found"; exit 1; }
	as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	log "stopped the cluster on port $port"
}

case "$cmd" in
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*)
	echo "usage: bench/postgres.sh start [port] | stop [port]" >&2
	exit 2
	;;
esac
