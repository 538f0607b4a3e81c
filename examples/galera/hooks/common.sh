# shellcheck shell=bash
# Sourced by the rss-operator hooks for MariaDB Galera (sequence, seed, primary, status, stop).
#
# Everything machine-specific comes from environment variables. The defaults are the
# container's: the official mariadb:10.11 image, data on a volume at /var/lib/mysql,
# hooks run as root, mariadbd runs as the mysql user. See ../README.md for the table.
#
# Exit codes used by all hooks: 0 ok, 1 failed (with a message on stderr), 2 bad usage.
# The status hook uses OCF codes instead (8 / 7 / 1).

set -u
umask 0027

# ---------------------------------------------------------------- configuration
GALERA_DATADIR=${GALERA_DATADIR:-/var/lib/mysql}
GALERA_RUNDIR=${GALERA_RUNDIR:-/run/mysqld}
GALERA_SOCKET=${GALERA_SOCKET:-$GALERA_RUNDIR/mysqld.sock}
GALERA_PIDFILE=${GALERA_PIDFILE:-$GALERA_RUNDIR/mysqld.pid}
GALERA_CNF=${GALERA_CNF:-$GALERA_RUNDIR/galera-node.cnf}
GALERA_ERROR_LOG=${GALERA_ERROR_LOG:-$GALERA_DATADIR/mariadb.err}
GALERA_EXTRA_CNF=${GALERA_EXTRA_CNF:-}

# The node's own address: the pod IP from the downward API, else every address.
GALERA_BIND_ADDRESS=${GALERA_BIND_ADDRESS:-${POD_IP:-0.0.0.0}}
GALERA_SQL_PORT=${GALERA_SQL_PORT:-3306}
GALERA_GCOMM_PORT=${GALERA_GCOMM_PORT:-4567}
GALERA_IST_PORT=${GALERA_IST_PORT:-4568}
GALERA_SST_PORT=${GALERA_SST_PORT:-4444}

GALERA_MARIADBD=${GALERA_MARIADBD:-$(command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd)}
GALERA_INSTALL_DB=${GALERA_INSTALL_DB:-$(command -v mariadb-install-db 2>/dev/null || echo /usr/bin/mariadb-install-db)}
GALERA_CLIENT=${GALERA_CLIENT:-$(command -v mariadb 2>/dev/null || echo /usr/bin/mariadb)}
GALERA_PROVIDER=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
GALERA_RUN_USER=${GALERA_RUN_USER:-mysql}

GALERA_CLUSTER_NAME=${GALERA_CLUSTER_NAME:-${SERVICE_NAME:-galera}}
GALERA_NODE_NAME=${GALERA_NODE_NAME:-${POD_NAME:-$(hostname 2>/dev/null || echo galera)}}
GALERA_SST_METHOD=${GALERA_SST_METHOD:-rsync}

GALERA_BUFFER_POOL_SIZE=${GALERA_BUFFER_POOL_SIZE:-64M}
GALERA_LOG_FILE_SIZE=${GALERA_LOG_FILE_SIZE:-48M}
GALERA_GCACHE_SIZE=${GALERA_GCACHE_SIZE:-64M}
# Extra wsrep_provider_options, appended after ours, e.g. shortened evs timeouts:
# "evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S;evs.keepalive_period=PT0.5S"
GALERA_PROVIDER_OPTIONS=${GALERA_PROVIDER_OPTIONS:-}

# Timeouts, in seconds. Keep START below the operator's seed/primary hook timeout.
GALERA_START_TIMEOUT=${GALERA_START_TIMEOUT:-280}
GALERA_STOP_TIMEOUT=${GALERA_STOP_TIMEOUT:-120}
GALERA_RECOVER_TIMEOUT=${GALERA_RECOVER_TIMEOUT:-120}
GALERA_LOCK_TIMEOUT=${GALERA_LOCK_TIMEOUT:-60}

HOOK=$(basename "$0")
ZERO_UUID=00000000-0000-0000-0000-000000000000

# ---------------------------------------------------------------- helpers
log() { printf '%s %s: %s\n' "$(date -u +%H:%M:%S)" "$HOOK" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

am_root() { [ "$(id -u)" = 0 ]; }

# Run a command as the server's user (root switches, anyone else runs as itself).
as_run_user() {
    if am_root && [ "$GALERA_RUN_USER" != root ]; then
        runuser -u "$GALERA_RUN_USER" -- "$@"
    else
        "$@"
    fi
}

# The client account: install-db with --auth-root-authentication-method=socket creates
# root@localhost and <run user>@localhost, both authenticated by the unix socket.
client_user() { if am_root; then echo root; else id -un; fi; }

sql() {
    "$GALERA_CLIENT" --no-defaults --socket="$GALERA_SOCKET" --user="$(client_user)" \
        --connect-timeout=3 --batch --skip-column-names -e "$1"
}

# The pid of OUR running mariadbd, or nothing. Candidates: the server's own pid file, and
# the pid the hooks recorded when they launched it (mariadbd writes its pid file only late
# in startup, after a state transfer, so a joiner in SST has none yet). A candidate counts
# only if it is a live, non-zombie process (PID 1 "sleep infinity" never reaps) whose
# command line names our config file and is not a --wsrep-recover run. A stale pid file
# left by a killed pod, or a reused pid, does not count.
LAUNCH_PIDFILE=$GALERA_RUNDIR/launched.pid
server_pid() {
    local f pid state cmd
    for f in "$GALERA_PIDFILE" "$LAUNCH_PIDFILE"; do
        [ -r "$f" ] || continue
        pid=$(tr -dc '0-9' < "$f" 2>/dev/null)
        [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || continue
        # field 3 of /proc/pid/stat is the state; Z = zombie
        state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
        [ -n "$state" ] && [ "$state" != Z ] || continue
        cmd=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null)
        printf '%s\n' "$cmd" | grep -qxF -- "--defaults-file=$GALERA_CNF" || continue
        printf '%s\n' "$cmd" | grep -qx -- "--wsrep-recover" && continue
        echo "$pid"
        return 0
    done
    return 1
}

is_running() { server_pid >/dev/null; }

# A live, non-zombie process.
proc_alive() {
    local state
    [ -r "/proc/$1/stat" ] || return 1
    state=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$state" ] && [ "$state" != Z ]
}

# Serialize the hooks that start, stop or inspect the datadir of this copy.
take_lock() {
    mkdir -p "$GALERA_RUNDIR"
    exec 9>>"$GALERA_RUNDIR/hooks.lock"
    flock -w "$GALERA_LOCK_TIMEOUT" 9 || die "another hook holds $GALERA_RUNDIR/hooks.lock for more than ${GALERA_LOCK_TIMEOUT}s"
}
release_lock() { flock -u 9 2>/dev/null; exec 9>&-; }

# A datadir that was never initialised: no system tables, no InnoDB, no Galera state.
# (lost+found of a fresh volume, our own files and an interrupted init do not count.)
datadir_is_empty() {
    [ -e "$GALERA_DATADIR/.galera-hooks-initialising" ] && return 0
    [ ! -e "$GALERA_DATADIR/grastate.dat" ] && [ ! -e "$GALERA_DATADIR/ibdata1" ] && [ ! -d "$GALERA_DATADIR/mysql" ]
}

prepare_dirs() {
    mkdir -p "$GALERA_DATADIR" "$GALERA_RUNDIR" "$(dirname "$GALERA_ERROR_LOG")" "$(dirname "$GALERA_CNF")" \
        "$(dirname "$GALERA_SOCKET")" "$(dirname "$GALERA_PIDFILE")" || die "cannot create the data or runtime directories"
    if am_root && [ "$GALERA_RUN_USER" != root ]; then
        local d
        for d in "$GALERA_DATADIR" "$GALERA_RUNDIR" "$(dirname "$GALERA_SOCKET")" "$(dirname "$GALERA_PIDFILE")" "$(dirname "$GALERA_ERROR_LOG")"; do
            find "$d" -xdev \! -user "$GALERA_RUN_USER" -exec chown "$GALERA_RUN_USER:" {} + 2>/dev/null \
                || chown "$GALERA_RUN_USER:" "$d"
        done
        for d in "$GALERA_DATADIR" "$GALERA_RUNDIR"; do
            as_run_user test -w "$d" -a -x "$d" \
                || die "user $GALERA_RUN_USER cannot write $d (is every parent directory searchable by it?)"
        done
    fi
    touch "$GALERA_ERROR_LOG" && { ! am_root || chown "$GALERA_RUN_USER:" "$GALERA_ERROR_LOG" 2>/dev/null || true; }
}

# The node's config, generated from the environment at every start, recovery included.
write_cnf() {
    local addr=$GALERA_BIND_ADDRESS host opts tmp
    host=$addr
    case "$addr" in *:*) host="[$addr]" ;; esac     # IPv6 pod IP: bracket it in host:port forms
    opts="gmcast.listen_addr=tcp://$host:$GALERA_GCOMM_PORT;gcache.size=$GALERA_GCACHE_SIZE;gcache.recover=yes"
    if [ "$addr" != 0.0.0.0 ]; then
        opts="$opts;ist.recv_addr=$host:$GALERA_IST_PORT"
    fi
    [ -n "$GALERA_PROVIDER_OPTIONS" ] && opts="$opts;$GALERA_PROVIDER_OPTIONS"
    tmp="$GALERA_CNF.tmp.$$"
    {
        echo "# generated by the rss-operator galera hooks ($HOOK) at $(date -u +%FT%TZ); edits are overwritten"
        echo "[mysqld]"
        if am_root; then echo "user=$GALERA_RUN_USER"; fi
        echo "datadir=$GALERA_DATADIR"
        echo "socket=$GALERA_SOCKET"
        echo "pid-file=$GALERA_PIDFILE"
        echo "log-error=$GALERA_ERROR_LOG"
        echo "bind-address=$addr"
        echo "port=$GALERA_SQL_PORT"
        echo "skip-name-resolve"
        echo "binlog_format=ROW"
        echo "default_storage_engine=InnoDB"
        echo "innodb_autoinc_lock_mode=2"
        echo "innodb_buffer_pool_size=$GALERA_BUFFER_POOL_SIZE"
        echo "innodb_log_file_size=$GALERA_LOG_FILE_SIZE"
        echo "performance_schema=OFF"
        echo "wsrep_on=ON"
        echo "wsrep_provider=$GALERA_PROVIDER"
        echo "wsrep_cluster_name=$GALERA_CLUSTER_NAME"
        echo "wsrep_node_name=$GALERA_NODE_NAME"
        echo "wsrep_cluster_address=gcomm://"
        if [ "$addr" != 0.0.0.0 ]; then
            echo "wsrep_node_address=$host:$GALERA_GCOMM_PORT"
            echo "wsrep_sst_receive_address=$host:$GALERA_SST_PORT"
        fi
        echo "wsrep_sst_method=$GALERA_SST_METHOD"
        echo "wsrep_provider_options=\"$opts\""
        if [ -n "$GALERA_EXTRA_CNF" ]; then echo "!include $GALERA_EXTRA_CNF"; fi
        echo "[client]"
        echo "socket=$GALERA_SOCKET"
    } > "$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$GALERA_CNF" || die "cannot write $GALERA_CNF"
}

# First start of a never-initialised datadir. Idempotent: an interrupted init (marker left
# behind) is wiped and redone; the marker makes `sequence` treat it as never-initialised.
init_datadir() {
    datadir_is_empty || return 0
    local marker="$GALERA_DATADIR/.galera-hooks-initialising" out
    if [ -e "$marker" ]; then
        log "a previous initialisation was interrupted: wiping $GALERA_DATADIR and starting again"
        find "$GALERA_DATADIR" -mindepth 1 -maxdepth 1 \! -name lost+found \! -name "$(basename "$marker")" \
            \! -name "$(basename "$GALERA_ERROR_LOG")" -exec rm -rf {} +
    fi
    touch "$marker"
    log "initialising an empty datadir $GALERA_DATADIR"
    local userarg=()
    if am_root; then userarg=(--user="$GALERA_RUN_USER"); fi
    if ! out=$("$GALERA_INSTALL_DB" --defaults-file="$GALERA_CNF" "${userarg[@]}" --datadir="$GALERA_DATADIR" \
            --auth-root-authentication-method=socket --skip-test-db 2>&1); then
        printf '%s\n' "$out" | tail -n 20 >&2
        die "mariadb-install-db failed"
    fi
    rm -f "$marker"
}

# Prints "uuid seqno" read from grastate.dat (nothing if the file is missing).
grastate_position() {
    local f="$GALERA_DATADIR/grastate.dat" uuid seqno
    [ -r "$f" ] || return 0
    uuid=$(sed -n 's/^uuid:[[:space:]]*\([0-9a-fA-F-]*\).*/\1/p' "$f" | head -n1)
    seqno=$(sed -n 's/^seqno:[[:space:]]*\(-\{0,1\}[0-9]*\).*/\1/p' "$f" | head -n1)
    echo "${uuid:-$ZERO_UUID} ${seqno:--1}"
}

# Recovers the position from InnoDB with `mariadbd --wsrep-recover` (no server is left
# running: the process exits by itself, and is killed after GALERA_RECOVER_TIMEOUT).
# Prints "uuid seqno"; fails with a message when the log has no position.
wsrep_recover_position() {
    local rlog="$GALERA_RUNDIR/wsrep-recover.log" pos uuid seqno rc=0
    : > "$rlog"
    if am_root; then chown "$GALERA_RUN_USER:" "$rlog" 2>/dev/null || true; fi
    timeout -k 10 "$GALERA_RECOVER_TIMEOUT" "$GALERA_MARIADBD" --defaults-file="$GALERA_CNF" --wsrep-recover \
        --log-error="$rlog" --pid-file="$GALERA_RUNDIR/wsrep-recover.pid" --skip-networking \
        --socket="$GALERA_RUNDIR/wsrep-recover.sock" >/dev/null 2>>"$rlog" || rc=$?
    pos=$(grep -a 'WSREP: Recovered position:' "$rlog" | tail -n1 | sed 's/.*WSREP: Recovered position:[[:space:]]*//')
    if [ -z "$pos" ]; then
        grep -a -E '\[ERROR\]|Aborting' "$rlog" | tail -n 5 >&2
        log "mariadbd --wsrep-recover (exit $rc) printed no position; see $rlog"
        return 1
    fi
    pos=${pos%%,*}          # drop a GTID suffix, if any
    pos=${pos%%[[:space:]]*}
    uuid=${pos%:*}
    seqno=${pos##*:}
    echo "$uuid $seqno"
}

# The copy's position as "uuid seqno": grastate.dat after a clean stop, else recovered.
recovered_position() {
    local gs uuid seqno
    gs=$(grastate_position)
    if [ -n "$gs" ]; then
        uuid=${gs% *}; seqno=${gs#* }
        if [ "$uuid" != "$ZERO_UUID" ] && [ "$seqno" != -1 ]; then
            echo "$uuid $seqno"
            return 0
        fi
    fi
    wsrep_recover_position
}

position_is_known() {   # $1 uuid, $2 seqno
    [ "$1" != "$ZERO_UUID" ] && [ -n "$1" ] && printf '%s' "$2" | grep -qE '^[0-9]+$'
}

# Peer FQDNs from argv -> "gcomm://a:port,b:port". Rejects anything that is not a host name.
gcomm_address() {
    local p self1 self2 list=""
    self1=${POD_NAME:-}.${SERVICE_NAME:-}.${POD_NAMESPACE:-}.svc
    self2=$GALERA_BIND_ADDRESS
    for p in "$@"; do
        printf '%s' "$p" | grep -qE '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?$' \
            || die "peer argument '$p' is not a host name"
        case "$p" in "$self1"|"$self1".|"$self2") continue ;; esac
        case "$p" in *:*) ;; *) p="$p:$GALERA_GCOMM_PORT" ;; esac
        list="${list:+$list,}$p"
    done
    [ -n "$list" ] || return 1
    echo "gcomm://$list"
}

# Starts mariadbd in the background, detached from the hook (own session, output to the
# error log) so that it survives the exec ending. Extra mariadbd arguments in "$@".
launch_server() {
    rm -f "$GALERA_PIDFILE" "$LAUNCH_PIDFILE"
    log "starting mariadbd: $*"
    # setsid execs mariadbd in place (a background job is never a process-group leader),
    # so $! is the server's own pid.
    setsid "$GALERA_MARIADBD" --defaults-file="$GALERA_CNF" "$@" </dev/null >>"$GALERA_ERROR_LOG" 2>&1 &
    LAUNCHED_PID=$!
    echo "$LAUNCHED_PID" > "$LAUNCH_PIDFILE"
}

# wsrep state as "local_state_comment cluster_status ready", or nothing if SQL is not answering.
wsrep_state() {
    local out
    out=$(sql "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment','wsrep_cluster_status','wsrep_ready')" 2>/dev/null) || return 1
    local comment cstatus ready
    comment=$(printf '%s\n' "$out" | awk -F'\t' '$1=="wsrep_local_state_comment"{print $2}')
    cstatus=$(printf '%s\n' "$out" | awk -F'\t' '$1=="wsrep_cluster_status"{print $2}')
    ready=$(printf '%s\n' "$out" | awk -F'\t' '$1=="wsrep_ready"{print $2}')
    echo "${comment:-?} ${cstatus:-?} ${ready:-?}"
}

is_synced_primary() {
    local st
    st=$(wsrep_state) || return 1
    [ "$st" = "Synced Primary ON" ]
}

# Waits until Synced and Primary. Fails early when the server died, with the reason from the log.
# $1 = error-log offset (bytes) where this start began.
wait_synced() {
    local since=$1 deadline st="" pid
    deadline=$(( $(date +%s) + GALERA_START_TIMEOUT ))
    while :; do
        if is_synced_primary; then return 0; fi
        st=$(wsrep_state 2>/dev/null || echo "not answering SQL")
        pid=$(server_pid || true)
        if [ -z "$pid" ] && ! proc_alive "${LAUNCHED_PID:-0}"; then
            report_start_failure "$since"
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "ERROR: not Synced/Primary after ${GALERA_START_TIMEOUT}s (state: $st); mariadbd is left running"
            return 1
        fi
        sleep 0.5
    done
}

report_start_failure() {
    local since=$1 reason
    reason=$(tail -c +"$((since + 1))" "$GALERA_ERROR_LOG" 2>/dev/null \
        | grep -a -E 'Reversing history|Must abort|\[ERROR\]|It may not be safe|Aborting|failed to open gcomm' | head -n 12)
    log "ERROR: mariadbd exited before it was Synced. From $GALERA_ERROR_LOG:"
    printf '%s\n' "$reason" >&2
    # The most telling line, for the hook's last word (the operator quotes it in its MemberFailed Event).
    START_FAILURE=$(printf '%s\n' "$reason" | grep -a -m1 -E 'Reversing history|Must abort' \
        || printf '%s\n' "$reason" | head -n1)
}

error_log_size() { stat -c %s "$GALERA_ERROR_LOG" 2>/dev/null || echo 0; }
