#!/bin/sh
# Install PostgreSQL 15 (server binaries, pg_rewind, pg_basebackup, pg_waldump, psql) from Debian,
# non-interactively, WITHOUT starting or creating the packaged cluster: the tier-3 test
# (PostgreSqlLightsOutTest) runs its own servers, started by the example hooks as the postgres user.
# Idempotent. Must run as root. Starts nothing; a packaged cluster that already runs is left alone.
set -eu

PKGS="postgresql-15 postgresql-client-15"
BIN=/usr/lib/postgresql/15/bin

# What the hooks and the test run: the server binaries of PostgreSQL 15.
have_all() {
    for b in postgres initdb pg_ctl pg_controldata pg_waldump pg_rewind pg_basebackup psql; do
        [ -x "$BIN/$b" ] || return 1
    done
}

if have_all; then
    echo "install-postgresql: already installed in $BIN"
else
    echo "install-postgresql: installing $PKGS"
    export DEBIAN_FRONTEND=noninteractive
    # no packaged cluster (main) is created; with no cluster, the package's service has nothing to start
    mkdir -p /etc/postgresql-common
    if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
        echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf
    fi
    apt-get update -q
    apt-get install -y -q --no-install-recommends $PKGS
fi

# The packaged cluster, if one exists and runs, is left alone (it uses its own port and directories),
# except that we say so.
if command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | grep -q ' online '; then
    echo "install-postgresql: note: a packaged cluster is running (the test does not use it):" >&2
    pg_lsclusters >&2 || true
fi

id postgres >/dev/null 2>&1 || { echo "install-postgresql: no postgres user after install" >&2; exit 1; }
have_all || { echo "install-postgresql: a PostgreSQL 15 binary is missing in $BIN after install" >&2; exit 1; }
for b in runuser flock; do
    command -v "$b" >/dev/null 2>&1 || { echo "install-postgresql: $b missing" >&2; exit 1; }
done
echo "install-postgresql: ok ($("$BIN/postgres" --version))"
