#!/bin/bash
# Edge cases of the PostgreSQL hooks, on three real servers on 127.0.0.31-33 (no operator): the hooks are run
# by hand, with the env the operator's pods would give them. Needs root and PostgreSQL 15
# (.ci/install-postgresql.sh). Prints one line per check; exits 1 if any check fails. About 2 minutes.
# EDGE_PASSWORD=... (no white space) runs it all with PG_REPL_PASSWORD set: scram-sha-256 and the passfile.
#
# The timeline check builds the state of docs/examples/postgresql.md "The sequence rule": a copy left on an
# older timeline with a HIGHER LSN than the switch point of the newer timeline must report a LOWER sequence.
set -u
HOOKS=$(cd "$(dirname "$0")/../hooks" && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
BASE=$(mktemp -d /tmp/rss-pg-edge.XXXXXX)
chmod 755 "$BASE"
exec 8>/tmp/rss-pg-edge.lock
flock -w 300 8 || { echo "another hooks-edge.sh runs"; exit 1; }
pass=0; fail=0
check() {   # check "what" 'condition' (a shell expression, evaluated here)
    local what=$1; shift
    if eval "$1"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi
}
envof() {   # envof N: the pod's environment
    echo POD_NAME=pg-$1 SERVICE_NAME=pg POD_NAMESPACE=edge PG_DATA=$BASE/$1/pgdata PG_RUNDIR=$BASE/$1/run \
        PG_BIND_ADDRESS=127.0.0.3$(($1 + 1)) PG_PEER_CIDR=127.0.0.0/8 PG_BIN=$PG_BIN PG_SHARED_BUFFERS=16MB \
        PG_WAL_KEEP_SIZE=64MB PG_START_TIMEOUT=30 PG_STOP_TIMEOUT=30 PG_LOCK_TIMEOUT=10 \
        ${EDGE_PASSWORD:+PG_REPL_PASSWORD=$EDGE_PASSWORD}
}
hook() {    # hook N name [args]: runs it, stdout to $OUT, stderr to $BASE/N/last.err, exit code in $RC
    local n=$1 h=$2; shift 2
    OUT=$(env -u PGPASSWORD $(envof "$n") "$HOOKS/$h" "$@" 2>"$BASE/$n/last.err"); RC=$?
}
export PGPASSWORD=${EDGE_PASSWORD:-}   # our own client connections (TCP: scram-sha-256 when a password is set)
sql() { "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "host=127.0.0.3$(($1 + 1)) user=postgres dbname=postgres" -c "$2"; }
pm() { head -n1 "$BASE/$1/pgdata/postmaster.pid"; }
cleanup() {
    for n in 0 1 2; do
        [ -f "$BASE/$n/pgdata/postmaster.pid" ] && kill -9 "$(pm $n)" 2>/dev/null
    done
    rm -rf "$BASE"
}
trap cleanup EXIT
for n in 0 1 2; do mkdir -p "$BASE/$n"; done
lsn_of() { sed -n 's/.*last record at \([0-9A-F]*\/[0-9A-F]*\).*/\1/p' "$BASE/$1/last.err"; }
dec() { echo $(( (16#${1%/*} << 32) | 16#${1#*/} )); }

hook 0 sequence;               check "empty volume: sequence 0" '[ "$RC:$OUT" = "0:0" ]'
touch "$BASE/1/.rss-pg-cloning"; mkdir -p "$BASE/1/pgdata"; echo junk > "$BASE/1/pgdata/PG_VERSION"
hook 1 sequence;               check "interrupted clone (marker): sequence 0" '[ "$RC:$OUT" = "0:0" ]'
hook 0 status;                 check "status 7 when stopped" '[ "$RC" = 7 ]'
hook 0 stop;                   check "stop 0 when stopped" '[ "$RC" = 0 ]'
hook 0 seed;                   check "seed initialises and starts a primary" '[ "$RC" = 0 ]'
hook 0 status;                 check "status 8 on the primary" '[ "$RC" = 8 ]'
hook 0 seed;                   check "seed is idempotent" '[ "$RC" = 0 ]'
hook 0 sequence;               check "sequence refuses while running (exit 1, no output)" '[ "$RC:$OUT" = "1:" ]'
hook 1 secondary;              check "secondary without a primary: exit 1" '[ "$RC" = 1 ]'
hook 1 secondary 'x;rm -rf /'; check "secondary with a malformed peer: exit 1" '[ "$RC" = 1 ]'
hook 1 primary 127.0.0.31;     check "primary refuses when another primary is given" '[ "$RC" = 1 ]'
hook 1 secondary 127.0.0.31;   check "secondary clones over an interrupted clone and streams" '[ "$RC" = 0 ]'
hook 2 secondary 127.0.0.31;   check "secondary clones an empty copy and streams" '[ "$RC" = 0 ]'
hook 2 status;                 check "status 0 on a streaming standby" '[ "$RC" = 0 ]'
hook 2 secondary 127.0.0.31;   check "secondary is idempotent" '[ "$RC" = 0 ]'

# --- the timeline rule: 0 keeps an unacknowledged tail on timeline 1; 1 is (force-)seeded onto timeline 2
sql 0 "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)" >/dev/null
hook 2 stop
sql 0 "INSERT INTO t SELECT generate_series(101, 200)" >/dev/null
hook 1 stop
timeout 2 "$PG_BIN/psql" -X -q -d "host=127.0.0.31 user=postgres dbname=postgres" -c "INSERT INTO t SELECT generate_series(201, 30200)" >/dev/null 2>&1
rc=$?; check "a commit (30000 rows) with no standby is not acknowledged" '[ "$rc" = 124 ]'
kill -9 "$(pm 0)"; sleep 1
hook 0 status;                 check "stale postmaster.pid after SIGKILL: status 7" '[ "$RC" = 7 ]'
hook 0 sequence; s0=$OUT; l0=$(lsn_of 0)
hook 1 sequence; s1=$OUT
hook 2 sequence; s2=$OUT
check "same timeline: the stop order orders the sequences ($s2 < $s1 < $s0)" '[ "$s2" -lt "$s1" ] && [ "$s1" -lt "$s0" ]'
hook 1 seed;                   check "seed promotes a former standby" '[ "$RC" = 0 ]'
check "the promotion started timeline 2" '[ "$(sql 1 "SELECT timeline_id FROM pg_control_checkpoint()")" = 2 ]'
hook 2 secondary 127.0.0.32;   check "a standby behind the switch point follows timeline 2 without a rewind" ' [ "$RC" = 0 ] && grep -q "no rewind needed" "$BASE/2/last.err"'
sql 1 "INSERT INTO t SELECT generate_series(1001, 1040)" >/dev/null
rc=$?; check "timeline 2 acknowledges commits (standby 2)" '[ "$rc" = 0 ]'
hook 2 stop; hook 1 stop
switch=$(awk '$1 == 1 { print $2 }' "$BASE/1/pgdata/pg_wal/00000002.history")
hook 0 sequence; t0=$OUT
hook 1 sequence; t1=$OUT; l1=$(lsn_of 1)
check "pg-0 is on timeline 1 at $l0, past timeline 2's switch point $switch" '[ "$(dec "$l0")" -ge "$(dec "$switch")" ]'
check "...with a HIGHER LSN than pg-1's end of timeline 2 ($l1): its unacknowledged transaction" ' [ "$(dec "$l0")" -gt "$(dec "$l1")" ]'
check "...and still the lower sequence ($t0 < $t1): timeline first" '[ "$t0" -lt "$t1" ]'
check "the encoding: timeline << 48 | LSN" '[ $((t1 >> 48)) = 2 ] && [ $((t0 >> 48)) = 1 ]'
hook 1 seed;                   check "seed restarts the former primary of timeline 2 without a promotion" ' [ "$RC" = 0 ] && [ "$(sql 1 "SELECT timeline_id FROM pg_control_checkpoint()")" = 2 ]'
hook 0 secondary 127.0.0.32;   check "the diverged copy is rewound (pg_rewind) and streams" ' [ "$RC" = 0 ] && grep -q "(rewound)" "$BASE/0/last.err"'
check "after the rewind, pg-0 has timeline 2's commits, not its own unacknowledged row" ' [ "$(sql 0 "SELECT count(*) FILTER (WHERE id > 1000) || chr(47) || count(*) FILTER (WHERE id = 201) FROM t")" = "40/0" ]'

# --- an unusable data directory
hook 0 stop
mv "$BASE/0/pgdata/global/pg_control" "$BASE/0/pg_control.aside"
hook 0 sequence;               check "no pg_control: sequence Unknown (exit 1, no output)" '[ "$RC:$OUT" = "1:" ]'
mv "$BASE/0/pg_control.aside" "$BASE/0/pgdata/global/pg_control"
hook 0 sequence;               check "pg_control back: a number again" '[ "$RC" = 0 ] && [ -n "$OUT" ]'

# --- two promotions at one switch point make two different "timeline 3"s: the secondary must refuse
hook 0 secondary 127.0.0.32;   check "pg-0 streams from pg-1 again" '[ "$RC" = 0 ]'
hook 2 secondary 127.0.0.32;   check "pg-2 streams from pg-1 again" '[ "$RC" = 0 ]'
hook 1 stop; hook 0 stop; hook 2 stop
hook 0 sequence; e0=$OUT
hook 2 sequence; e2=$OUT
check "a clean stop of the primary leaves its standbys equal ($e0 = $e2)" '[ "$e0" = "$e2" ]'
hook 0 seed; hook 0 stop
hook 2 seed;                   check "pg-0 and pg-2 were each promoted from the same point" '[ "$RC" = 0 ]  && cmp -s "$BASE/0/pgdata/pg_wal/00000003.history" "$BASE/2/pgdata/pg_wal/00000003.history"'
sql 2 "SELECT pg_switch_wal()" >/dev/null
hook 0 secondary 127.0.0.33;   check "secondary refuses a same-numbered timeline with another history (exit 1)" ' [ "$RC" = 1 ] && grep -q "record at that position" "$BASE/0/last.err"'
check "...and left the copy stopped, its data in place" '[ -e "$BASE/0/pgdata/PG_VERSION" ] && ! [ -e "$BASE/0/.rss-pg-cloning" ]'
hook 0 status;                 check "...status 7" '[ "$RC" = 7 ]'

echo "hooks-edge: $pass passed, $fail failed"
[ "$fail" = 0 ]
