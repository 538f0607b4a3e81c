#!/bin/sh
# Install MariaDB Galera (mariadb-server, galera-4, rsync, socat, and mariadb-backup for the
# mariabackup SST method the container example uses) from Debian,
# non-interactively, WITHOUT starting the packaged server. Idempotent.
# Must run as root. Leaves no packaged mariadbd running.
set -eu

PKGS="mariadb-server galera-4 rsync socat mariadb-backup"

is_installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

stop_packaged_server() {
    # The packaged server (if anything ever started it) runs with the default
    # datadir /var/lib/mysql and the packaged pid file. Stop only that one:
    # servers started by the tests use other datadirs.
    for pidfile in /run/mysqld/mysqld.pid /var/run/mysqld/mysqld.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile" 2>/dev/null || true)
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
        echo "install-galera: stopping packaged mariadbd (pid $pid)" >&2
        kill -TERM "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    done
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl stop mariadb 2>/dev/null || true
        systemctl disable mariadb 2>/dev/null || true
    fi
}

missing=""
for p in $PKGS; do
    is_installed "$p" || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "install-galera: already installed:$(for p in $PKGS; do printf ' %s' "$p"; done)"
else
    echo "install-galera: installing:$missing"
    sh "$(dirname "$0")/apt-install-quiet.sh" $missing
fi

stop_packaged_server

for b in mariadbd mariadb-install-db mariadb mariadb-admin; do
    command -v "$b" >/dev/null 2>&1 || { echo "install-galera: $b missing after install" >&2; exit 1; }
done
[ -f /usr/lib/galera/libgalera_smm.so ] || { echo "install-galera: /usr/lib/galera/libgalera_smm.so missing" >&2; exit 1; }
echo "install-galera: ok ($(mariadbd --version 2>/dev/null | head -1))"
