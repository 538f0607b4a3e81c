#!/usr/bin/env bash
# A lights-out of a real 3-node MariaDB Galera cluster, recovered by running the hooks by
# hand exactly as the operator would. It validates examples/galera/hooks before (and
# independently of) the Java operator.
#
#   examples/galera/test/lights-out.sh [CASE...]      (as root; needs .ci/install-galera.sh)
#
# CASE: 0 | 1 | 2   stop the nodes one by one so that pod CASE ends most advanced
#                   (the other two get SIGTERM in ordinal order, with writes in between;
#                   pod CASE gets SIGKILL last, so its seqno must be recovered from InnoDB)
#       tie         SIGKILL all three at once: equal positions, pod 0 must win the tie
#       lost0       a LOST volume: all SIGKILLed at once (a tie), then galera-0's datadir is
#                   wiped. It reports 0 ("no history") and must NOT win the tie-break to the
#                   lowest ordinal: galera-1 is elected, galera-0 rejoins by full SST, lost=0
#       negative    NEGATIVE CONTROL: force-seed the LEAST advanced pod; expects lost>0 and
#                   Galera's "Reversing history" refusal when the most advanced pod joins
# Default: 0 1 2 tie. The cluster is formed once from empty volumes, then the cases run in
# order on the same cluster (its history grows).
#
# Each simulated pod N is a mariadbd on 127.0.0.1<N+1> with the default ports; the peer
# FQDNs galera-N.galera.default.svc resolve through /etc/hosts lines added here and
# removed on exit. Every process started here is killed on exit.
#
# For each case it prints one line read by tooling:
#   galera lights-out: order=<stop order> seed=<pod> acked=<n> lost=<n> recovery_s=<s> hooks_s=<s>
# recovery_s: wall clock from the first sequence hook to all three Synced and verified-ready
# hooks_s: the hooks on the critical path (slowest parallel sequence + seed + serial joins)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
HOOKS=${HOOKS:-$(cd "$HERE/../hooks" && pwd)}
NS=default
SVC=galera
N=3
ROWS_PER_PHASE=${ROWS_PER_PHASE:-40}
MARK="# rss-galera-lights-out"
EVS="evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S;evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S"

[ "$(id -u)" = 0 ] || { echo "lights-out: run as root (mariadbd is started with --user=mysql, /etc/hosts is edited)" >&2; exit 2; }
command -v mariadbd >/dev/null || { echo "lights-out: mariadbd missing: run .ci/install-galera.sh" >&2; exit 2; }

CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(0 1 2 tie)
for c in "${CASES[@]}"; do
    case "$c" in 0|1|2|tie|lost0|negative) ;; *) echo "lights-out: unknown case '$c'" >&2; exit 2 ;; esac
done

# One run at a time on this machine: the addresses, ports and host names are fixed.
exec 8>/tmp/rss-galera-lights-out.lock
flock -w 600 8 || { echo "lights-out: another run holds /tmp/rss-galera-lights-out.lock" >&2; exit 2; }

WORK=$(mktemp -d /tmp/galera-lo.XXXXXX)
chmod 755 "$WORK"   # mariadbd runs as mysql and must traverse it

fqdn() { echo "galera-$1.$SVC.$NS.svc"; }
addr() { echo "127.0.0.1$(($1 + 1))"; }
ts() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.2f", b-a}'; }
say() { printf '[%6.1fs] %s\n' "$(awk -v a="$T0" -v b="$(ts)" 'BEGIN{print b-a}')" "$*"; }
T0=$(ts)

hosts_remove() {
    local tmp
    grep -q -- "$MARK" /etc/hosts 2>/dev/null || return 0
    tmp=$(grep -v -- "$MARK" /etc/hosts || true)
    printf '%s\n' "$tmp" > /etc/hosts     # in place: /etc/hosts may be a bind mount
}
hosts_add() {
    hosts_remove
    local i
    for ((i = 0; i < N; i++)); do printf '%s %s %s\n' "$(addr $i)" "$(fqdn $i)" "$MARK" >> /etc/hosts; done
}

# Every mariadbd whose command line names a config file under $WORK (ours, by construction).
our_pids() {
    local p
    for p in /proc/[0-9]*; do
        { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q -- "--defaults-file=$WORK/" && echo "${p#/proc/}"
    done
    return 0
}
cleanup() {
    local rc=$? p
    for p in $(our_pids); do kill -KILL "$p" 2>/dev/null || true; done
    hosts_remove
    if [ "${KEEP:-0}" = 1 ]; then echo "lights-out: kept $WORK"; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hosts_add
for ((i = 0; i < N; i++)); do mkdir -p "$WORK/galera-$i"; done

# Runs a hook the way the operator's exec does: the pod's env, cwd = the pod's directory,
# argv as argv. Stdout to $WORK/galera-$i/<hook>.out, stderr to <hook>.err (and echoed).
# Sets HOOK_RC and HOOK_S.
run_hook() {
    local i=$1 hook=$2 t
    shift 2
    t=$(ts)
    set +e
    (cd "$WORK/galera-$i" && env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        POD_NAME="galera-$i" POD_NAMESPACE=$NS SERVICE_NAME=$SVC POD_ORDINAL="$i" POD_IP="$(addr $i)" \
        GALERA_DATADIR="$WORK/galera-$i/mysql" GALERA_RUNDIR="$WORK/galera-$i/run" \
        GALERA_BIND_ADDRESS="$(addr $i)" GALERA_PROVIDER_OPTIONS="$EVS" \
        GALERA_START_TIMEOUT=120 GALERA_STOP_TIMEOUT=60 GALERA_SST_METHOD="${GALERA_SST_METHOD:-rsync}" \
        "$HOOKS/$hook" "$@" >"$WORK/galera-$i/$hook.out" 2>"$WORK/galera-$i/$hook.err")
    HOOK_RC=$?
    set -e
    HOOK_S=$(since "$t")
}
hook_or_die() {
    local i=$1 hook=$2
    run_hook "$@"
    if [ "$HOOK_RC" != 0 ]; then
        say "FAIL: $hook on galera-$i exited $HOOK_RC after ${HOOK_S}s:"
        sed 's/^/    /' "$WORK/galera-$i/$hook.err" >&2
        exit 1
    fi
    say "$hook galera-$i ${*:3} -> ok in ${HOOK_S}s"
}

sql_on() {   # node, statement
    mariadb --no-defaults --socket="$WORK/galera-$1/run/mysqld.sock" -uroot --batch --skip-column-names \
        --connect-timeout=5 -e "$2"
}
pid_of() { tr -dc '0-9' < "$WORK/galera-$1/run/mysqld.pid"; }

ACKED="$WORK/acked.ids"
: > "$ACKED"
NEXT_ID=1
# Inserts ROWS_PER_PHASE rows through node $1, one autocommit transaction each, and
# records the id of every insert the server acknowledged.
write_rows() {
    local i=$1 k ok=0
    for ((k = 0; k < ROWS_PER_PHASE; k++)); do
        if sql_on "$i" "INSERT INTO rss.acked (id, via, note) VALUES ($NEXT_ID, $i, REPEAT('x', 64))" 2>/dev/null; then
            echo "$NEXT_ID" >> "$ACKED"
            ok=$((ok + 1))
        fi
        NEXT_ID=$((NEXT_ID + 1))
    done
    say "wrote $ok/$ROWS_PER_PHASE acknowledged rows via galera-$i (acked total $(wc -l < "$ACKED"))"
}

wait_gone() {   # pid
    local k
    for ((k = 0; k < 600; k++)); do
        [ -d "/proc/$1" ] || return 0
        [ "$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] && return 0
        sleep 0.1
    done
    echo "lights-out: pid $1 did not exit" >&2; return 1
}

status_all() {
    local i out=""
    for ((i = 0; i < N; i++)); do run_hook "$i" status; out="$out galera-$i=$HOOK_RC"; done
    echo "$out"
}

# ---------------------------------------------------------------- form the cluster
form() {
    say "forming the cluster from empty volumes"
    local i
    for ((i = 0; i < N; i++)); do
        run_hook "$i" sequence
        [ "$HOOK_RC" = 0 ] && [ "$(cat "$WORK/galera-$i/sequence.out")" = 0 ] \
            || { say "FAIL: fresh galera-$i sequence rc=$HOOK_RC out='$(cat "$WORK/galera-$i/sequence.out")'"; exit 1; }
    done
    say "fresh volumes report sequence 0 0 0: the tie goes to galera-0"
    hook_or_die 0 seed
    hook_or_die 1 primary "$(fqdn 0)"
    hook_or_die 2 primary "$(fqdn 0)" "$(fqdn 1)"
    sql_on 0 "CREATE DATABASE rss; CREATE TABLE rss.acked (id BIGINT PRIMARY KEY, via INT NOT NULL, note VARCHAR(100), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB"
    say "status:$(status_all)  cluster_size=$(sql_on 0 "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_CLUSTER_SIZE'")"
}

# ---------------------------------------------------------------- one lights-out
RESULTS=()
lights_out() {
    local kase=$1 order=() i last expect
    case "$kase" in
        0) order=(1 2 0) ;;
        1) order=(0 2 1) ;;
        2) order=(0 1 2) ;;
        tie|lost0) order=(0 1 2) ;;
        negative) order=(0 1 2) ;;
    esac
    local order_s
    order_s=$(IFS=,; echo "${order[*]}")
    [ "$kase" = tie ] && order_s=kill-all
    [ "$kase" = lost0 ] && order_s=kill-all+lost-0
    say "=== case $kase: stop order $order_s$([ "$kase" = tie ] && echo ' (all SIGKILLed at once)')"

    if [ "$kase" = tie ] || [ "$kase" = lost0 ]; then
        write_rows 0; write_rows 1; write_rows 2
        local pids=()
        for i in "${order[@]}"; do pids+=("$(pid_of "$i")"); done
        kill -KILL "${pids[@]}"
        for i in "${pids[@]}"; do wait_gone "$i"; done
        say "power cut: SIGKILL galera-0,1,2 at once"
        expect=0
        if [ "$kase" = lost0 ]; then
            find "$WORK/galera-0/mysql" -mindepth 1 -delete
            say "galera-0's volume is LOST: its datadir is now empty"
            expect=1
        fi
    else
        last=${order[$((N - 1))]}
        for i in "${order[@]}"; do
            write_rows "$i"
            local p
            p=$(pid_of "$i")
            if [ "$i" = "$last" ]; then
                kill -KILL "$p"; wait_gone "$p"; say "power cut: SIGKILL galera-$i (most advanced)"
            else
                kill -TERM "$p"; wait_gone "$p"; say "SIGTERM galera-$i (clean stop)"
            fi
        done
        expect=$last
        [ "$kase" = negative ] && expect=$last
    fi
    local acked
    acked=$(wc -l < "$ACKED")
    say "status after the power cut:$(status_all)"

    # -- recovery, as the operator does it
    local t_rec seq=() seq_s=() max=-1 seed crit
    t_rec=$(ts)
    local tseq
    tseq=$(ts)
    for ((i = 0; i < N; i++)); do (run_hook "$i" sequence; echo "$HOOK_RC $HOOK_S" > "$WORK/galera-$i/sequence.rc") & done
    wait
    local seq_wall
    seq_wall=$(since "$tseq")
    local slowest=0
    for ((i = 0; i < N; i++)); do
        read -r rc s < "$WORK/galera-$i/sequence.rc"
        local out
        out=$(cat "$WORK/galera-$i/sequence.out")
        if [ "$rc" != 0 ] || ! [[ "$out" =~ ^[0-9]+$ ]]; then
            say "FAIL: sequence on galera-$i: rc=$rc out='$out' err: $(tail -n 2 "$WORK/galera-$i/sequence.err")"
            exit 1
        fi
        seq[i]=$out; seq_s[i]=$s
        slowest=$(awk -v a="$slowest" -v b="$s" 'BEGIN{print (b>a)?b:a}')
        if [ "$out" -gt "$max" ]; then max=$out; seed=$i; fi   # ties: lowest ordinal
    done
    say "sequences: galera-0=${seq[0]} (${seq_s[0]}s) galera-1=${seq[1]} (${seq_s[1]}s) galera-2=${seq[2]} (${seq_s[2]}s); in parallel ${seq_wall}s"
    if [ "$kase" = tie ] && { [ "${seq[0]}" != "${seq[1]}" ] || [ "${seq[1]}" != "${seq[2]}" ]; }; then
        say "note: the kill-all case did not produce a perfect tie"
    fi
    if [ "$kase" != tie ] && [ "$kase" != lost0 ] && { [ "${seq[${order[0]}]}" -ge "${seq[${order[1]}]}" ] || [ "${seq[${order[1]}]}" -ge "${seq[${order[2]}]}" ]; }; then
        say "FAIL: the stop order did not produce strictly increasing sequences"; exit 1
    fi
    [ "$seed" = "$expect" ] || { say "FAIL: elected galera-$seed, expected galera-$expect"; exit 1; }
    say "elected seed: galera-$seed (sequence $max)"

    if [ "$kase" = negative ]; then
        negative_control "${order[0]}" "$seed" "$acked" "$order_s"
        return
    fi

    crit=$seq_wall
    hook_or_die "$seed" seed
    crit=$(awk -v a="$crit" -v b="$HOOK_S" 'BEGIN{print a+b}')
    local seed_s=$HOOK_S peers=("$(fqdn "$seed")") join_s=""
    for ((i = 0; i < N; i++)); do
        [ "$i" = "$seed" ] && continue
        if [ "$kase" = lost0 ] && [ "$i" = 0 ]; then
            join_probed "$i" "${peers[@]}"
        else
            hook_or_die "$i" primary "${peers[@]}"
        fi
        crit=$(awk -v a="$crit" -v b="$HOOK_S" 'BEGIN{print a+b}')
        join_s="$join_s galera-$i=${HOOK_S}s"
        peers+=("$(fqdn "$i")")
    done
    local rec_s
    rec_s=$(since "$t_rec")

    # -- verify
    local st
    st=$(status_all)
    [ "$st" = " galera-0=8 galera-1=8 galera-2=8" ] || { say "FAIL: status after recovery:$st"; exit 1; }
    local sums=() size lost
    for ((i = 0; i < N; i++)); do
        size=$(sql_on "$i" "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'" | cut -f2)
        [ "$size" = 3 ] || { say "FAIL: galera-$i sees cluster size $size"; exit 1; }
        sums[i]=$(sql_on "$i" "CHECKSUM TABLE rss.acked" | cut -f2)
    done
    [ "${sums[0]}" = "${sums[1]}" ] && [ "${sums[1]}" = "${sums[2]}" ] \
        || { say "FAIL: checksums differ: ${sums[*]}"; exit 1; }
    lost=$(count_lost 0)
    say "verified: all Synced/Primary (8 8 8), cluster size 3, checksum ${sums[0]} on all three, rows=$(sql_on 0 'SELECT COUNT(*) FROM rss.acked')"
    say "timings: sequence reads ${seq_wall}s (slowest ${slowest}s), seed ${seed_s}s, joins$join_s"
    local line
    line="galera lights-out: order=$order_s seed=$seed acked=$acked lost=$lost recovery_s=$rec_s hooks_s=$(printf '%.2f' "$crit")"
    echo "$line"
    RESULTS+=("$line")
    [ "$lost" = 0 ] || { say "FAIL: $lost acknowledged rows lost"; exit 1; }
}

# The primary hook of node $1 (a full SST), while a prober runs `status` every 0.3 s in a
# copy of the pod's environment. Once the server was seen starting (status != 7), status
# must never say 7 ("not running") again: a joiner in SST has no pid file yet, and an
# operator that believed it stopped could run `sequence` (--wsrep-recover) next to it.
# `sequence` during the transfer must refuse.
join_probed() {
    local i=$1 ppid seen="" started=0 bad=0 seqrc="" nopid=0
    shift
    local d="$WORK/galera-$i"
    rm -f "$d/join.done" "$d/join.s"
    (hook_or_die "$i" primary "$@"; echo "$HOOK_S" > "$d/join.s"; echo finished > "$d/join.done") &
    ppid=$!
    while [ ! -e "$d/join.done" ] && kill -0 "$ppid" 2>/dev/null; do
        local probe
        probe=$( (cd "$d" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root GALERA_DATADIR="$d/mysql" \
            GALERA_RUNDIR="$d/run" "$HOOKS/status" >/dev/null 2>&1); echo $?)
        [ "$probe" != 7 ] && started=1
        [ "$probe" != 7 ] && [ ! -e "$d/run/mysqld.pid" ] && nopid=$((nopid + 1))
        [ "$probe" = 7 ] && [ "$started" = 1 ] && bad=1
        case " $seen " in *" $probe "*) ;; *) seen="$seen $probe" ;; esac
        if [ "$started" = 1 ] && [ -z "$seqrc" ]; then
            seqrc=$( (cd "$d" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root GALERA_DATADIR="$d/mysql" \
                GALERA_RUNDIR="$d/run" GALERA_LOCK_TIMEOUT=2 "$HOOKS/sequence" >/dev/null 2>&1); echo $?)
        fi
        sleep 0.3
    done
    wait "$ppid" || exit 1
    HOOK_S=$(cat "$d/join.s")
    say "status codes seen during galera-$i's SST join:$seen; sequence during the join exited ${seqrc:-n/a}; $nopid probe(s) saw a running joiner without mariadbd's own pid file"
    [ "$bad" = 0 ] || { say "FAIL: status said 7 (not running) while galera-$i was joining"; exit 1; }
    [ -n "$seqrc" ] && [ "$seqrc" != 0 ] || { say "FAIL: sequence did not refuse during galera-$i's join"; exit 1; }
}

# Acknowledged ids missing from node $1's table.
count_lost() {
    sql_on "$1" "SELECT id FROM rss.acked" | sort -n > "$WORK/present.ids"
    sort -n "$ACKED" | comm -23 - "$WORK/present.ids" | wc -l
}

# ---------------------------------------------------------------- negative control
negative_control() {
    local least=$1 most=$2 acked=$3 order_s=$4 lost
    say "NEGATIVE CONTROL: forcing the seed onto the LEAST advanced pod galera-$least (sequence $(cat "$WORK/galera-$least/sequence.out"))"
    hook_or_die "$least" seed
    lost=$(count_lost "$least")
    say "the forced seed is Synced/Primary and is missing $lost of $acked acknowledged rows"
    run_hook "$most" primary "$(fqdn "$least")"
    if [ "$HOOK_RC" = 0 ]; then
        say "FAIL: the most advanced pod galera-$most joined the forced seed; Galera should have refused"; exit 1
    fi
    say "primary galera-$most -> exit $HOOK_RC in ${HOOK_S}s (expected: Galera refuses). Its stderr:"
    sed 's/^/    /' "$WORK/galera-$most/primary.err"
    grep -q "Reversing history" "$WORK/galera-$most/primary.err" \
        || { say "FAIL: no 'Reversing history' in the primary hook's stderr"; exit 1; }
    [ "$lost" -gt 0 ] || { say "FAIL: the negative control lost no rows: the test cannot detect loss"; exit 1; }
    local line="galera lights-out: order=$order_s seed=$least acked=$acked lost=$lost recovery_s=n/a hooks_s=n/a (NEGATIVE CONTROL: forced least advanced seed; expected lost>0 and Reversing history)"
    echo "$line"
    RESULTS+=("$line")
    NEGATIVE_DONE=1
}

NEGATIVE_DONE=0
form
for c in "${CASES[@]}"; do
    [ "$NEGATIVE_DONE" = 1 ] && { say "skipping case $c: the negative control left the cluster split"; continue; }
    lights_out "$c"
done
say "stopping all nodes"
for ((i = 0; i < N; i++)); do run_hook "$i" stop; done
echo
printf '%s\n' "${RESULTS[@]}"
