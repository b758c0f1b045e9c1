#!/usr/bin/env bash
# Stops the test PostgreSQL and MariaDB started by start-databases.sh (if running).
# Only processes whose command line names our data directory are signalled.
# Usage: stop-databases.sh [--quiet]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/ci/common.sh
. "$here/common.sh"

quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
root="$HUAXIANG_DB_DIR"

# True when the process is alive and its command line mentions our directory.
ours() {
    local pid="$1"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$root/"
}

# Sends the signal of a fast, clean shutdown and waits up to 60 s, then SIGKILL.
stop_pid() {
    local name="$1" signal="$2" pid="$3"
    ours "$pid" || return 0
    [ "$quiet" -eq 1 ] || say "stopping $name (pid $pid)"
    kill "-$signal" "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 120); do
        ours "$pid" || return 0
        sleep 0.5
    done
    warn "$name (pid $pid) did not stop in 60 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

if [ -f "$root/pg/data/postmaster.pid" ]; then
    # SIGINT is PostgreSQL's "fast" shutdown (SIGTERM would wait for clients to leave).
    stop_pid PostgreSQL INT "$(head -n 1 "$root/pg/data/postmaster.pid")"
fi
if [ -f "$root/mysql/mysqld.pid" ]; then
    stop_pid MariaDB TERM "$(head -n 1 "$root/mysql/mysqld.pid")"
fi
exit 0
