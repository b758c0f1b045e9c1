# shellcheck shell=bash disable=SC2034
# Shared settings of the CI helper scripts. Sourced, never executed.
#
# Everything here can be overridden from the environment:
#   HUAXIANG_CI_CACHE        persistent cache outside the clone (venv, cargo target dir fallback)
#   HUAXIANG_SHARED_DIR      the read-only shared folder beside the clone (default ../shared)
#   HUAXIANG_DB_DIR          where the throw-away database servers keep data, sockets and logs
#   HUAXIANG_TEST_PG_PORT    TCP port of the test PostgreSQL (loopback only)
#   HUAXIANG_TEST_MYSQL_PORT TCP port of the test MariaDB (loopback only)

if [ -z "${HUAXIANG_CI_CACHE:-}" ]; then
    if [ -w /var/cache ] || [ -w /var/cache/huaxiang-ci ]; then
        HUAXIANG_CI_CACHE=/var/cache/huaxiang-ci
    else
        HUAXIANG_CI_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/huaxiang-ci"
    fi
fi
HUAXIANG_DB_DIR="${HUAXIANG_DB_DIR:-/tmp/huaxiang-test-db}"
HUAXIANG_TEST_PG_PORT="${HUAXIANG_TEST_PG_PORT:-55432}"
HUAXIANG_TEST_MYSQL_PORT="${HUAXIANG_TEST_MYSQL_PORT:-53306}"
HUAXIANG_TEST_DB_NAME="huaxiang_test"
HUAXIANG_TEST_DB_USER="huaxiang"

# Debian packages the tests need: the two database servers, and Chromium with
# its driver for the web-UI tests.
HUAXIANG_APT_PACKAGES=(postgresql mariadb-server chromium chromium-driver fonts-wqy-microhei)

say() { printf '== %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Prints the last lines of a log file to stderr (used when a quiet step failed).
show_log() {
    local file="$1"
    if [ -s "$file" ]; then
        printf -- '--- last lines of %s ---\n' "$file" >&2
        tail -n "${2:-40}" "$file" >&2
        printf -- '--- end of %s ---\n' "$file" >&2
    fi
}

# The bin directory of the newest installed PostgreSQL server, or nothing.
pg_bindir() {
    local dir best=""
    while IFS= read -r dir; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            best="$dir"
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    printf '%s' "$best"
}

# The first of the given commands found in PATH or /usr/sbin, /usr/bin.
find_cmd() {
    local name dir
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        for dir in /usr/sbin /usr/bin /usr/local/bin /usr/local/sbin; do
            if [ -x "$dir/$name" ]; then
                printf '%s\n' "$dir/$name"
                return 0
            fi
        done
    done
    return 1
}

# True when both database servers are installed on this machine.
databases_installed() {
    [ -n "$(pg_bindir)" ] &&
        find_cmd mariadbd mysqld >/dev/null &&
        find_cmd mariadb-install-db mysql_install_db >/dev/null
}
