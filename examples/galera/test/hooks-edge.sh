#!/usr/bin/env bash
# Edge cases of the Galera hooks on ONE real mariadbd (127.0.0.11, default ports), no peers:
#   fresh volume -> sequence 0; status 7; stop 0 when stopped; primary without peers -> 1;
#   an initialised datadir that never held a Galera position -> sequence Unknown (exit 1, no stdout);
#   a half-finished state transfer (grastate uuid 0 / seqno -1, no InnoDB position) -> Unknown;
#   sequence while the server runs -> refused; seed is idempotent; a stale pid file is not "running".
# Run as root after .ci/install-galera.sh. Kills what it starts.
set -euo pipefail
HOOKS=$(cd "$(dirname "$0")/../hooks" && pwd)
exec 8>/tmp/rss-galera-lights-out.lock; flock -w 600 8
W=$(mktemp -d /tmp/galera-edge.XXXXXX); chmod 755 "$W"
cleanup() {
    local p
    for p in /proc/[0-9]*; do
        { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q -- "--defaults-file=$W/" && kill -KILL "${p#/proc/}" 2>/dev/null
    done
    rm -rf "$W"
}
trap cleanup EXIT
FAILS=0
hook() {  # name args... -> sets RC OUT ERR
    local h=$1; shift
    set +e
    OUT=$(cd "$W" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root POD_NAME=galera-0 POD_NAMESPACE=default \
        SERVICE_NAME=galera POD_ORDINAL=0 POD_IP=127.0.0.11 GALERA_DATADIR="$W/mysql" GALERA_RUNDIR="$W/run" \
        GALERA_START_TIMEOUT=60 "$HOOKS/$h" "$@" 2>"$W/err")
    RC=$?
    set -e
    ERR=$(cat "$W/err")
}
check() {  # description, condition
    if eval "$2"; then echo "ok   $1"; else echo "FAIL $1 (rc=$RC out='$OUT' err='$ERR')"; FAILS=$((FAILS + 1)); fi
}

hook sequence;          check "fresh volume: sequence prints 0" '[ $RC = 0 ] && [ "$OUT" = 0 ]'
mkdir -p "$W/mysql/lost+found"
hook sequence;          check "fresh volume with lost+found: sequence prints 0" '[ $RC = 0 ] && [ "$OUT" = 0 ]'
hook status;            check "not running: status 7" '[ $RC = 7 ]'
hook stop;              check "not running: stop 0" '[ $RC = 0 ]'
hook primary;           check "primary without peers: exit 1 with a message" '[ $RC = 1 ] && grep -q "no peers" <<<"$ERR"'
hook primary 'x;rm -rf /'; check "primary with a bad peer argument: refused" '[ $RC = 1 ] && grep -q "not a host name" <<<"$ERR"'

# an initialised datadir that never ran with Galera
mkdir -p "$W/run"; chown mysql: "$W/mysql" "$W/run"
mariadb-install-db --no-defaults --user=mysql --datadir="$W/mysql" --auth-root-authentication-method=socket --skip-test-db >/dev/null 2>&1
hook sequence;          check "initialised, never a Galera member: Unknown (exit 1, nothing on stdout)" '[ $RC != 0 ] && [ -z "$OUT" ]'

# bootstrap, write, sequence refused while running, idempotent seed
hook seed;              check "seed on it: exit 0" '[ $RC = 0 ]'
hook status;            check "running: status 8" '[ $RC = 8 ]'
hook sequence;          check "running: sequence refused" '[ $RC != 0 ] && [ -z "$OUT" ] && grep -q "is running" <<<"$ERR"'
hook seed;              check "seed again while Synced: exit 0 (idempotent)" '[ $RC = 0 ]'
mariadb --no-defaults --socket="$W/run/mysqld.sock" -uroot -e "CREATE DATABASE e; CREATE TABLE e.t (id INT PRIMARY KEY); INSERT INTO e.t VALUES (1),(2),(3)"
pid=$(cat "$W/run/mysqld.pid")
kill -KILL "$pid"; while [ -d /proc/$pid ]; do sleep 0.1; done
hook status;            check "killed, stale pid file: status 7" '[ $RC = 7 ]'
hook sequence;          check "killed: sequence recovered from InnoDB (> 0)" '[ $RC = 0 ] && [ "$OUT" -gt 0 ]'
seq_killed=$OUT
check "killed: no mariadbd left by --wsrep-recover" '! pgrep -f -- "--defaults-file=$W/" >/dev/null'
hook seed;              check "re-seed after kill: exit 0" '[ $RC = 0 ]'
hook stop;              check "stop: exit 0" '[ $RC = 0 ]'
hook sequence;          check "clean stop: sequence from grastate.dat, not below the recovered one" '[ $RC = 0 ] && [ "$OUT" -ge "$seq_killed" ] && grep -q grastate <<<"$ERR"'

# a state transfer that was interrupted: the datadir no longer holds a position
sed -i -e 's/^uuid:.*/uuid:    00000000-0000-0000-0000-000000000000/' -e 's/^seqno:.*/seqno:   -1/' "$W/mysql/grastate.dat"
rm -rf "$W/mysql"/ib_logfile* "$W/mysql"/ibdata1 "$W/mysql"/undo* 2>/dev/null || true
hook sequence;          check "half-finished SST (zero uuid, no InnoDB): Unknown" '[ $RC != 0 ] && [ -z "$OUT" ]'
check "nothing left running" '! pgrep -f -- "--defaults-file=$W/" >/dev/null'
echo "hooks-edge: $FAILS failure(s)"
[ "$FAILS" = 0 ]
