#!/usr/bin/env bash
# Starts a throw-away PostgreSQL and MariaDB on 127.0.0.1 for the tests.
#
# Both get a fresh data directory under $HUAXIANG_DB_DIR (default /tmp/huaxiang-test-db),
# a database `huaxiang_test` and a user `huaxiang` with a random password. The
# servers listen on loopback only, on $HUAXIANG_TEST_PG_PORT (55432) and
# $HUAXIANG_TEST_MYSQL_PORT (53306). As root, PostgreSQL runs as `postgres` and
# MariaDB as `mysql`.
#
# On success it writes $HUAXIANG_DB_DIR/env.sh, to be sourced, which exports
#   HUAXIANG_TEST_PG_URL, HUAXIANG_TEST_MYSQL_URL and HUAXIANG_TEST_DB_PASSWORD.
# Servers left over from an earlier run in the same directory are stopped first
# (so two test runs on one machine at once need different HUAXIANG_DB_DIR and ports).
# Stop them with scripts/ci/stop-databases.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/ci/common.sh
. "$here/common.sh"

if ! databases_installed; then
    die "the PostgreSQL and MariaDB servers are not both installed: run 'bash .ci/run' as root (it installs them), or 'apt-get install postgresql mariadb-server'"
fi

root="$HUAXIANG_DB_DIR"
case "$root" in
/tmp/* | /var/* | "$HOME"/* | /work/*) ;;
*) die "HUAXIANG_DB_DIR=$root: choose a directory under /tmp, /var, /work or your home (it is wiped)" ;;
esac
pg_port="$HUAXIANG_TEST_PG_PORT"
my_port="$HUAXIANG_TEST_MYSQL_PORT"
db="$HUAXIANG_TEST_DB_NAME"
user="$HUAXIANG_TEST_DB_USER"
is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1

# Runs a command as the given system user when we are root, else as ourselves.
as_user() {
    local who="$1"
    shift
    if [ "$is_root" -eq 1 ]; then
        runuser -u "$who" -- "$@"
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Creates a directory owned by the given system user (when root), private to it.
private_dir() {
    mkdir -p "$2"
    if [ "$is_root" -eq 1 ]; then chown "$1:$1" "$2"; fi
    chmod 700 "$2"
}

"$here/stop-databases.sh" --quiet
# If anything below fails, stop whatever was started already.
stop_on_failure() {
    local status=$?
    if [ "$status" -ne 0 ]; then "$here/stop-databases.sh" --quiet; fi
    return "$status"
}
trap stop_on_failure EXIT

for port in "$pg_port" "$my_port"; do
    if port_in_use "$port"; then
        die "port 127.0.0.1:$port is already in use by another program; choose other ports with HUAXIANG_TEST_PG_PORT / HUAXIANG_TEST_MYSQL_PORT"
    fi
done

rm -rf "$root"
mkdir -p "$root"
chmod 755 "$root"
password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

# ---------------------------------------------------------------- PostgreSQL
pgbin="$(pg_bindir)"
pgdir="$root/pg"
private_dir postgres "$pgdir"
say "starting PostgreSQL ($pgbin) on 127.0.0.1:$pg_port"
if ! as_user postgres "$pgbin/initdb" -D "$pgdir/data" -U postgres --no-locale --encoding=UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$pgdir/initdb.log" 2>&1; then
    show_log "$pgdir/initdb.log"
    die "initdb failed"
fi
pg_opts="-c listen_addresses=127.0.0.1 -p $pg_port -k $pgdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if ! as_user postgres "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -o "$pg_opts" -w -t 60 start \
    >"$pgdir/pg_ctl.log" 2>&1; then
    show_log "$pgdir/pg_ctl.log"
    show_log "$pgdir/server.log"
    die "PostgreSQL did not start"
fi
if ! as_user postgres "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pgdir" -p "$pg_port" -U postgres -d postgres \
    -c "CREATE ROLE $user LOGIN PASSWORD '$password'" \
    -c "CREATE DATABASE $db OWNER $user ENCODING 'UTF8' TEMPLATE template0" >"$pgdir/setup.log" 2>&1; then
    show_log "$pgdir/setup.log"
    die "could not create the PostgreSQL test database"
fi

# ------------------------------------------------------------------- MariaDB
mysqld="$(find_cmd mariadbd mysqld)"
install_db="$(find_cmd mariadb-install-db mysql_install_db)"
client="$(find_cmd mariadb mysql)" || die "the MariaDB client (mariadb) is not installed"
mydir="$root/mysql"
private_dir mysql "$mydir"
say "starting MariaDB ($mysqld) on 127.0.0.1:$my_port"
user_opt=()
[ "$is_root" -eq 1 ] && user_opt=(--user=mysql)
if ! "$install_db" --no-defaults "${user_opt[@]}" --datadir="$mydir/data" \
    --auth-root-authentication-method=socket --auth-root-socket-user="$(id -un)" \
    --skip-test-db >"$root/mariadb-install-db.log" 2>&1; then
    show_log "$root/mariadb-install-db.log"
    die "mariadb-install-db failed"
fi
# Started in the background with no terminal and no inherited output, so that it
# outlives this script without holding the caller's pipes open.
"$mysqld" --no-defaults "${user_opt[@]}" --datadir="$mydir/data" \
    --bind-address=127.0.0.1 --port="$my_port" --socket="$mydir/mysqld.sock" \
    --pid-file="$mydir/mysqld.pid" --log-error="$mydir/server.log" \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 --skip-log-bin \
    </dev/null >/dev/null 2>&1 &
mysqld_pid=$!
ready=0
for _ in $(seq 1 120); do
    if "$client" --no-defaults --socket="$mydir/mysqld.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
        ready=1
        break
    fi
    kill -0 "$mysqld_pid" 2>/dev/null || break
    sleep 0.5
done
if [ "$ready" -ne 1 ]; then
    show_log "$mydir/server.log"
    die "MariaDB did not start"
fi
if ! "$client" --no-defaults --socket="$mydir/mysqld.sock" -uroot -e "
    CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER '$user'@'127.0.0.1' IDENTIFIED BY '$password';
    CREATE USER '$user'@'localhost' IDENTIFIED BY '$password';
    GRANT ALL PRIVILEGES ON $db.* TO '$user'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON $db.* TO '$user'@'localhost';" >"$root/mariadb-setup.log" 2>&1; then
    show_log "$root/mariadb-setup.log"
    die "could not create the MariaDB test database"
fi

# --------------------------------------------- both accept password logins on TCP
check_tcp_logins() {
    PGPASSWORD="$password" "$pgbin/psql" -X -q -t -h 127.0.0.1 -p "$pg_port" -U "$user" -d "$db" \
        -c 'SELECT 1' >/dev/null 2>&1 &&
        MYSQL_PWD="$password" "$client" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$my_port" \
            -u "$user" "$db" -e 'SELECT 1' >/dev/null 2>&1
}
ready=0
for _ in $(seq 1 60); do
    if check_tcp_logins; then
        ready=1
        break
    fi
    sleep 0.5
done
[ "$ready" -eq 1 ] || die "the test user cannot log in to both servers over TCP"

umask 077
cat >"$root/env.sh" <<ENV
export HUAXIANG_TEST_PG_URL='postgres://$user@127.0.0.1:$pg_port/$db'
export HUAXIANG_TEST_MYSQL_URL='mysql://$user@127.0.0.1:$my_port/$db'
export HUAXIANG_TEST_DB_PASSWORD='$password'
ENV
say "databases ready: postgres://$user@127.0.0.1:$pg_port/$db and mysql://$user@127.0.0.1:$my_port/$db (environment in $root/env.sh)"
