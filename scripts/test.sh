#!/usr/bin/env bash
# Runs the project's tests: `cargo nextest run --workspace --no-fail-fast`
# (or `cargo test --workspace --no-fail-fast` where cargo-nextest is missing), then
# huaxiang-text again with its `embeddings` feature; fails if either run fails.
#
# The database tests need a real PostgreSQL and MariaDB, found through
# HUAXIANG_TEST_PG_URL, HUAXIANG_TEST_MYSQL_URL and HUAXIANG_TEST_DB_PASSWORD.
# When those are not set, this script starts throw-away servers itself with
# scripts/ci/start-databases.sh (and stops them when it ends), provided the
# servers are installed; otherwise the database tests skip themselves (outside
# CI) and a note says how to get the servers.
#
# Usage: scripts/test.sh [cargo package selection, e.g. -p huaxiang-ingest]
#   HUAXIANG_TEST_FILTER=NAME  only run tests whose name contains NAME
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${HUAXIANG_TEST_PG_URL:-}" ] || [ -z "${HUAXIANG_TEST_MYSQL_URL:-}" ] ||
    [ -z "${HUAXIANG_TEST_DB_PASSWORD:-}" ]; then
    # shellcheck source=scripts/ci/common.sh
    . scripts/ci/common.sh
    if databases_installed; then
        trap 'scripts/ci/stop-databases.sh' EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        scripts/ci/start-databases.sh
        # shellcheck source=/dev/null
        . "$HUAXIANG_DB_DIR/env.sh"
    else
        cat >&2 <<'NOTE'
note: HUAXIANG_TEST_PG_URL / HUAXIANG_TEST_MYSQL_URL are not set and the PostgreSQL and
      MariaDB servers are not installed, so the database tests will be skipped (they fail
      under CI=true). Run `bash .ci/run` as root, which installs and starts them, or
      `apt-get install postgresql mariadb-server` and run this script again.
NOTE
    fi
fi

# The browser tests drive Debian's chromium with playwright-core from npm.
if [ ! -d tests/e2e/node_modules/playwright-core ] && command -v npm >/dev/null 2>&1; then
    (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent) ||
        echo "note: npm ci in tests/e2e failed; the browser test will be skipped" >&2
fi

selection=("$@")
[ ${#selection[@]} -gt 0 ] || selection=(--workspace)
filter=()
[ -z "${HUAXIANG_TEST_FILTER:-}" ] || filter=("$HUAXIANG_TEST_FILTER")

# run_tests ARGS...: cargo nextest run ARGS, or cargo test ARGS where cargo-nextest is missing.
run_tests() {
    if cargo nextest --version >/dev/null 2>&1; then
        cargo nextest run "$@" --no-fail-fast ${filter[@]+"${filter[@]}"}
    else
        cargo test "$@" --no-fail-fast -- ${filter[@]+"${filter[@]}"}
    fi
}

status=0
run_tests "${selection[@]}" || status=$?
# huaxiang-text's optional `embeddings` feature (candle, the local all-MiniLM-L6-v2 model that
# scripts/ci/install-deps.sh installs) is off in the run above: a second run tests the crate with
# it, when the selection includes the crate.
if [ $# -eq 0 ] || [[ " $* " == *" --workspace "* ]] || [[ " $* " == *" huaxiang-text "* ]]; then
    if cargo nextest --version >/dev/null 2>&1; then
        # A HUAXIANG_TEST_FILTER for another crate matches nothing here: not a failure.
        run_tests -p huaxiang-text --features embeddings --no-tests=warn || status=$?
    else
        run_tests -p huaxiang-text --features embeddings || status=$?
    fi
fi
exit "$status"
