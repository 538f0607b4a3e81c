#!/bin/sh
# Install PostgreSQL 15 (server binaries, pg_rewind, pg_basebackup, pg_waldump, psql) from Debian,
# non-interactively, WITHOUT starting or creating the packaged cluster: the tier-3 test
# (PostgreSqlLightsOutTest) runs its own servers, started by the example hooks as the postgres user.
# Idempotent. Must run as root. Leaves no packaged postgres running.
set -eu

PKGS="postgresql-15 postgresql-client-15"
BIN=/usr/lib/postgresql/15/bin

is_installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=""
for p in $PKGS; do
    is_installed "$p" || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "install-postgresql: already installed:$(for p in $PKGS; do printf ' %s' "$p"; done)"
else
    echo "install-postgresql: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # no packaged cluster (main) is created, and no service is started
    mkdir -p /etc/postgresql-common
    if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
        echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf
    fi
    policy=/usr/sbin/policy-rc.d
    saved=""
    if [ -e "$policy" ]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
    restore_policy() {
        if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi
    }
    trap restore_policy EXIT INT TERM
    printf '#!/bin/sh\n# installed by .ci/install-postgresql.sh: do not start services\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    apt-get update -q
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing
    restore_policy
    trap - EXIT INT TERM
fi

# The packaged cluster, if one exists and runs, is left alone (it uses its own port and directories),
# except that we say so.
if command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | grep -q ' online '; then
    echo "install-postgresql: note: a packaged cluster is running (the test does not use it):" >&2
    pg_lsclusters >&2 || true
fi

id postgres >/dev/null 2>&1 || { echo "install-postgresql: no postgres user after install" >&2; exit 1; }
for b in postgres initdb pg_ctl pg_controldata pg_waldump pg_rewind pg_basebackup psql; do
    [ -x "$BIN/$b" ] || { echo "install-postgresql: $BIN/$b missing after install" >&2; exit 1; }
done
for b in runuser flock; do
    command -v "$b" >/dev/null 2>&1 || { echo "install-postgresql: $b missing" >&2; exit 1; }
done
echo "install-postgresql: ok ($("$BIN/postgres" --version))"
