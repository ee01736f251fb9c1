#!/bin/sh
# A throwaway PostgreSQL cluster for tests.
#
#   pg-test-server.sh start DIR PORT [OWNER_PID]
#       initdb a new cluster in DIR (which must be empty or absent) and start
#       it on 127.0.0.1:PORT, its unix socket in DIR, trust authentication,
#       fsync on (the tests check durability).  Prints the connection URL,
#       postgres://USER@127.0.0.1:PORT/postgres, and nothing else on stdout.
#       With OWNER_PID, a watchdog stops the cluster and removes DIR as soon
#       as that process has ended, so a killed test run leaves nothing behind.
#   pg-test-server.sh stop DIR
#       stops the cluster at once and removes DIR.
#   pg-test-server.sh pause DIR / resume DIR
#       stops the server but keeps its data / starts it again on the same
#       port (tests of a database that goes away and comes back).
#
# PostgreSQL refuses to run as root: as root the server programs run as the
# `postgres` user (created by Debian's postgresql package) via runuser, and
# DIR is handed to that user.  The newest installed major version under
# /usr/lib/postgresql is used.  Needs no TTY (CI).
set -eu

usage() {
    echo "usage: $0 start DIR PORT [OWNER_PID] | stop DIR | pause DIR | resume DIR" >&2
    exit 2
}

die() {
    echo "pg-test-server: $*" >&2
    exit 1
}

# The bin directory of the newest installed PostgreSQL server.
find_bindir() {
    for v in $(ls /usr/lib/postgresql 2>/dev/null | sort -rn); do
        if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then
            echo "/usr/lib/postgresql/$v/bin"
            return 0
        fi
    done
    die "no PostgreSQL server under /usr/lib/postgresql (run scripts/deps.sh)"
}

# Runs a command as the cluster's owner: `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

owner_name() {
    if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# Starts the server of DIR and waits until it accepts connections.
server_start() {
    as_owner "$BIN/pg_ctl" start -w -t 60 -s -D "$1/data" -l "$1/server.log" >/dev/null ||
        { tail -n 20 "$1/server.log" >&2 2>/dev/null || true; die "the server did not start"; }
}

server_stop() {
    if [ -f "$1/data/postmaster.pid" ]; then
        as_owner "$BIN/pg_ctl" stop -w -t 60 -s -m "$2" -D "$1/data" >/dev/null 2>&1 || true
    fi
}

# Stops the cluster of DIR and removes DIR, once process $2 has ended.
# Fully detached (own session, no inherited descriptors), so that a
# caller reading our stdout, as in url=$(... start ...), is not kept waiting.
watchdog() {
    (
        trap '' HUP INT
        # `stop` may have removed the cluster already: then nothing to do
        while [ -d "$1" ] && kill -0 "$2" 2>/dev/null; do sleep 1; done
        if [ -d "$1" ]; then
            server_stop "$1" immediate
            rm -rf "$1"
        fi
    ) </dev/null >/dev/null 2>&1 &
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
BIN=$(find_bindir)

case $cmd in
start)
    [ $# -ge 3 ] || usage
    port=$3
    case $port in '' | *[!0-9]*) die "PORT must be a number" ;; esac
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no postgres user (install the postgresql package)"
        chown postgres: "$dir"
        chmod 700 "$dir"
        # every parent must let the postgres user through
        p=$(dirname "$dir")
        as_owner test -x "$p" || die "the postgres user cannot reach $p"
    fi
    as_owner "$BIN/initdb" -D "$dir/data" --auth=trust --encoding=UTF8 --locale=C \
        --username="$(owner_name)" >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    as_owner sh -c "cat >>'$dir/data/postgresql.conf'" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 100
max_prepared_transactions = 0
log_min_messages = warning
# the server's own log: no DETAIL lines (they quote key values)
log_error_verbosity = terse
EOF
    server_start "$dir"
    if [ $# -ge 4 ]; then
        watchdog "$dir" "$4"
    fi
    echo "postgres://$(owner_name)@127.0.0.1:$port/postgres"
    ;;
stop)
    [ -d "$dir" ] || exit 0
    server_stop "$dir" immediate
    rm -rf "$dir"
    ;;
pause)
    server_stop "$dir" fast
    ;;
resume)
    server_start "$dir"
    ;;
*)
    usage
    ;;
esac
