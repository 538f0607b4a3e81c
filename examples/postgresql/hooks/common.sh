# shellcheck shell=bash
# Sourced by the rss-operator hooks for PostgreSQL streaming replication (sequence, seed, primary,
# secondary, status, stop). One primary, synchronous standbys.
#
# Everything machine-specific comes from environment variables. The defaults are the container's:
# the official postgres:15 image, data on a volume at /var/lib/postgresql/data (PGDATA in a
# subdirectory, as the image recommends), hooks run as root, the server runs as the postgres user.
# See ../README.md for the table.
#
# Exit codes used by all hooks: 0 ok, 1 failed (with a message on stderr), 2 bad usage.
# The status hook uses OCF codes instead (8 / 0 / 7 / 1).

set -u
umask 0077

# ---------------------------------------------------------------- configuration
PG_DATA=${PG_DATA:-${PGDATA:-/var/lib/postgresql/data/pgdata}}
PG_VOLUME=${PG_VOLUME:-$(dirname "$PG_DATA")}          # survives the pod; holds the log and the clone marker
PG_RUNDIR=${PG_RUNDIR:-/var/run/postgresql}            # unix socket and hook lock
PG_LOG=${PG_LOG:-$PG_VOLUME/postgresql.log}
PG_BIND_ADDRESS=${PG_BIND_ADDRESS:-${POD_IP:-*}}
PG_PORT=${PG_PORT:-5432}
PG_PEER_PORT=${PG_PEER_PORT:-$PG_PORT}
PG_BIN=${PG_BIN:-$(dirname "$(command -v pg_ctl 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n1)")}
PG_RUN_USER=${PG_RUN_USER:-postgres}
# The account the standbys use to stream, clone (pg_basebackup) and rewind (pg_rewind) from the primary.
# The superuser, so that pg_rewind can read the primary's files. With no password, the peers are trusted
# (for a test on loopback only): set PG_REPL_PASSWORD from a Secret in a real deployment.
PG_REPL_USER=${PG_REPL_USER:-postgres}
PG_REPL_PASSWORD=${PG_REPL_PASSWORD:-}
PG_PEER_CIDR=${PG_PEER_CIDR:-0.0.0.0/0}
PG_SYNC_STANDBYS=${PG_SYNC_STANDBYS:-ANY 1 (*)}
PG_WAL_KEEP_SIZE=${PG_WAL_KEEP_SIZE:-512MB}
PG_SHARED_BUFFERS=${PG_SHARED_BUFFERS:-128MB}
PG_EXTRA_CONF=${PG_EXTRA_CONF:-}
PG_NODE_NAME=${PG_NODE_NAME:-${POD_NAME:-$(hostname 2>/dev/null || echo pg)}}

# Timeouts, in seconds. Keep them below the operator's hook timeouts.
PG_START_TIMEOUT=${PG_START_TIMEOUT:-240}
PG_STOP_TIMEOUT=${PG_STOP_TIMEOUT:-100}
PG_LOCK_TIMEOUT=${PG_LOCK_TIMEOUT:-60}

HOOK=$(basename "$0")
CLONE_MARKER=$PG_VOLUME/.rss-pg-cloning
INIT_MARKER=$PG_VOLUME/.rss-pg-initialising
CONF_NAME=rss-hooks.conf
# sequence = timeline << 48 | LSN: 15 bits of timeline, 48 bits (256 TiB) of WAL position.
TLI_SHIFT=48

# ---------------------------------------------------------------- helpers
# Every line also goes to $PG_VOLUME/rss-hooks.log (kept with the data: what pg_rewind said, and when).
log() {
    local line
    line=$(printf '%s %s: %s' "$(date -u +%H:%M:%S)" "$HOOK" "$*")
    printf '%s\n' "$line" >&2
    printf '%s %s\n' "$(date -u +%F)" "$line" >> "$PG_VOLUME/rss-hooks.log" 2>/dev/null || true
}
die() { log "ERROR: $*"; exit 1; }

am_root() { [ "$(id -u)" = 0 ]; }

# Run a command as the server's user (root switches; anyone else runs as itself). The environment
# is kept (runuser without -l), so a server started this way inherits it.
as_pg() {
    if am_root && [ "$PG_RUN_USER" != root ]; then
        runuser -u "$PG_RUN_USER" -- "$@"
    else
        "$@"
    fi
}

# SQL on the local server, through the unix socket, as the run user (peer authentication).
local_sql() {
    as_pg "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_RUNDIR" -p "$PG_PORT" -U "$PG_RUN_USER" \
        -d postgres -c "$1"
}

# SQL on a peer, over TCP, as the replication account. $1 host, $2 statement.
# With a password, libpq reads it from a passfile (the standby's WAL receiver too: primary_conninfo names it).
PG_PASSFILE=$PG_RUNDIR/rss-pgpass
peer_conninfo() {
    local pass=""
    if [ -n "$PG_REPL_PASSWORD" ]; then
        mkdir -p "$PG_RUNDIR"
        printf '*:*:*:%s:%s\n' "$PG_REPL_USER" "$(printf '%s' "$PG_REPL_PASSWORD" | sed 's/[\\:]/\\&/g')" > "$PG_PASSFILE"
        chmod 0600 "$PG_PASSFILE"
        if am_root && [ "$PG_RUN_USER" != root ]; then chown "$PG_RUN_USER:" "$PG_PASSFILE"; fi
        pass=" passfile=$PG_PASSFILE"
    fi
    echo "host=$1 port=$PG_PEER_PORT user=$PG_REPL_USER dbname=postgres connect_timeout=5 application_name=$PG_NODE_NAME$pass"
}
peer_sql() {
    PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
        -d "$(peer_conninfo "$1")" -c "$2"
}

proc_alive() {
    local state
    [ -r "/proc/$1/stat" ] || return 1
    state=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$state" ] && [ "$state" != Z ]
}

# The pid of OUR running postmaster, or nothing: the first line of postmaster.pid, if that pid is a live
# postgres process whose data directory (line 2) is ours. A stale pid file left by a killed pod does not count.
server_pid() {
    local f="$PG_DATA/postmaster.pid" pid dir cmd
    [ -r "$f" ] || return 1
    pid=$(sed -n 1p "$f" | tr -dc '0-9')
    dir=$(sed -n 2p "$f")
    [ -n "$pid" ] && [ "$dir" = "$PG_DATA" ] && proc_alive "$pid" || return 1
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
    case "$cmd" in *postgres*|*postmaster*) echo "$pid"; return 0 ;; esac
    return 1
}
is_running() { server_pid >/dev/null; }

take_lock() {
    mkdir -p "$PG_RUNDIR"
    exec 9>>"$PG_RUNDIR/hooks.lock"
    flock -w "$PG_LOCK_TIMEOUT" 9 || die "another hook holds $PG_RUNDIR/hooks.lock for more than ${PG_LOCK_TIMEOUT}s"
}
release_lock() { flock -u 9 2>/dev/null; exec 9>&-; }

# A data directory that holds no history of its own: never initialised (fresh or lost volume), or an
# initdb / pg_basebackup into an empty directory that was interrupted (the markers say so).
datadir_is_empty() {
    [ -e "$CLONE_MARKER" ] || [ -e "$INIT_MARKER" ] && return 0
    [ ! -e "$PG_DATA/PG_VERSION" ] && [ ! -e "$PG_DATA/global/pg_control" ]
}

# Wipes a data directory that datadir_is_empty() says holds no history (an interrupted init or clone).
wipe_empty_datadir() {
    datadir_is_empty || die "refusing to wipe $PG_DATA: it holds a history"
    if [ -d "$PG_DATA" ] && [ -n "$(ls -A "$PG_DATA" 2>/dev/null)" ]; then
        log "wiping the unfinished initialisation or clone in $PG_DATA"
        find "$PG_DATA" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    fi
}

prepare_dirs() {
    mkdir -p "$PG_DATA" "$PG_RUNDIR" "$(dirname "$PG_LOG")" || die "cannot create the data or runtime directories"
    chmod 0700 "$PG_DATA"
    chmod 0755 "$PG_RUNDIR" 2>/dev/null || true
    touch "$PG_LOG"
    if am_root && [ "$PG_RUN_USER" != root ]; then
        chown -R "$PG_RUN_USER:" "$PG_DATA" "$PG_RUNDIR" || die "cannot chown the directories to $PG_RUN_USER"
        chown "$PG_RUN_USER:" "$PG_LOG" || true
        as_pg test -w "$PG_DATA" -a -x "$PG_DATA" \
            || die "user $PG_RUN_USER cannot write $PG_DATA (is every parent directory searchable by it?)"
    fi
}

# The server's settings, generated from the environment before every start (pg_basebackup and pg_rewind
# copy the primary's files, so nothing here may be left to a copy). $1 = standby source host, or empty.
write_conf() {
    local source=${1:-} tmp="$PG_DATA/$CONF_NAME.tmp" hba="$PG_DATA/pg_hba.conf" method=trust
    grep -qxF "include_if_exists = '$CONF_NAME'" "$PG_DATA/postgresql.conf" 2>/dev/null \
        || echo "include_if_exists = '$CONF_NAME'" >> "$PG_DATA/postgresql.conf"
    {
        echo "# generated by the rss-operator postgresql hooks ($HOOK) at $(date -u +%FT%TZ); edits are overwritten"
        echo "listen_addresses = '$PG_BIND_ADDRESS'"
        echo "port = $PG_PORT"
        echo "unix_socket_directories = '$PG_RUNDIR'"
        echo "cluster_name = '$PG_NODE_NAME'"
        echo "wal_level = replica"
        echo "max_wal_senders = 10"
        echo "wal_keep_size = '$PG_WAL_KEEP_SIZE'"
        echo "wal_log_hints = on                  # pg_rewind (initdb also enables data checksums)"
        echo "full_page_writes = on"
        echo "hot_standby = on"
        echo "hot_standby_feedback = on"
        echo "wal_retrieve_retry_interval = '1s'"
        echo "synchronous_commit = on"
        echo "synchronous_standby_names = '$PG_SYNC_STANDBYS'   # used when this copy is the primary"
        echo "recovery_target_timeline = 'latest'"
        echo "shared_buffers = '$PG_SHARED_BUFFERS'"
        echo "logging_collector = off"
        echo "log_line_prefix = '%m [%p] '"
        if [ -n "$source" ]; then
            echo "primary_conninfo = '$(peer_conninfo "$source")'"
        else
            echo "primary_conninfo = ''"
        fi
        if [ -n "$PG_EXTRA_CONF" ]; then echo "include_if_exists = '$PG_EXTRA_CONF'"; fi
    } > "$tmp" && mv -f "$tmp" "$PG_DATA/$CONF_NAME" || die "cannot write $PG_DATA/$CONF_NAME"
    [ -n "$PG_REPL_PASSWORD" ] && method=scram-sha-256
    {
        echo "# generated by the rss-operator postgresql hooks ($HOOK); edits are overwritten"
        echo "local all all peer"
        echo "host replication $PG_REPL_USER $PG_PEER_CIDR $method"
        echo "host all all $PG_PEER_CIDR $method"
    } > "$hba.tmp" && mv -f "$hba.tmp" "$hba" || die "cannot write $hba"
    if am_root && [ "$PG_RUN_USER" != root ]; then
        chown "$PG_RUN_USER:" "$PG_DATA/$CONF_NAME" "$hba" "$PG_DATA/postgresql.conf"
    fi
}

# First start of a data directory with no history: initdb (with data checksums, which pg_rewind can use).
init_datadir() {
    local pwfile=() out
    wipe_empty_datadir
    touch "$INIT_MARKER"
    prepare_dirs
    log "initialising an empty data directory $PG_DATA"
    if [ -n "$PG_REPL_PASSWORD" ]; then
        printf '%s\n' "$PG_REPL_PASSWORD" > "$PG_RUNDIR/pwfile" && chown "$PG_RUN_USER:" "$PG_RUNDIR/pwfile" 2>/dev/null
        pwfile=(--pwfile="$PG_RUNDIR/pwfile")
    fi
    if ! out=$(as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_RUN_USER" --data-checksums -E UTF8 --locale=C.UTF-8 \
            --auth-local=peer --auth-host=scram-sha-256 "${pwfile[@]}" 2>&1); then
        rm -f "$PG_RUNDIR/pwfile"
        printf '%s\n' "$out" | tail -n 20 >&2
        die "initdb failed"
    fi
    rm -f "$PG_RUNDIR/pwfile" "$INIT_MARKER"
}

# Starts the server in the background (pg_ctl detaches it: stdio to the log) and waits until it accepts
# connections (a standby: until it is consistent). Fails, quoting the log, when it dies. The server must not
# inherit fd 9, the hooks' lock: it would hold the lock for as long as it runs.
start_server() {
    local since out
    since=$(stat -c %s "$PG_LOG" 2>/dev/null || echo 0)
    rm -f "$PG_DATA/postmaster.pid.stale"
    if ! out=$(as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_START_TIMEOUT" start 2>&1 9>&-); then
        printf '%s\n' "$out" >&2
        log "the server log since this start:"
        tail -c +"$((since + 1))" "$PG_LOG" 2>/dev/null | grep -E 'FATAL|PANIC|ERROR|LOG:  (database system|redo|invalid)' | tail -n 15 >&2
        return 1
    fi
}

stop_server() {   # fast: rolls back open transactions, writes a shutdown checkpoint
    is_running || return 0
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$PG_STOP_TIMEOUT" stop >&2
}

in_recovery() { [ "$(local_sql 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; }

# ---------------------------------------------------------------- position (sequence)

lsn_to_dec() {   # X/Y (hex) -> decimal
    local hi=${1%/*} lo=${1#*/}
    echo $(( (16#$hi << 32) | 16#$lo ))
}

controldata() { "$PG_BIN/pg_controldata" -D "$PG_DATA" 2>&1; }
cd_field() { printf '%s\n' "$1" | sed -n "s/^$2:[[:space:]]*//p" | head -n1; }

# The copy's position on a STOPPED data directory, as "timeline lsn_decimal lsn_text record_length segment_size":
# the newest
# timeline that has WAL segments in pg_wal, and the start of the last valid WAL record on it (read with
# pg_waldump from the latest checkpoint's redo point, or from the timeline's first segment). This is where
# crash recovery, or a standby's replay, would end: it includes WAL a standby received but had not replayed.
wal_position() {
    local cd state tli ckpt_tli redo segsize wal="$PG_DATA/pg_wal" seg start out last lsn len
    cd=$(controldata) || { printf '%s\n' "$cd" >&2; log "pg_controldata cannot read $PG_DATA"; return 1; }
    state=$(cd_field "$cd" "Database cluster state")
    ckpt_tli=$(cd_field "$cd" "Latest checkpoint's TimeLineID")
    redo=$(cd_field "$cd" "Latest checkpoint's REDO location")
    segsize=$(cd_field "$cd" "Bytes per WAL segment")
    case "$ckpt_tli:$redo:$segsize" in
        [0-9]*:[0-9A-F]*/[0-9A-F]*:[0-9]*) ;;
        *) log "pg_controldata gave no usable checkpoint (state '$state', timeline '$ckpt_tli', redo '$redo')"; return 1 ;;
    esac
    # the newest timeline with WAL segments (a standby that followed a promotion streams into them)
    seg=$(ls "$wal" 2>/dev/null | grep -E '^[0-9A-F]{24}$' | sort | tail -n1)
    [ -n "$seg" ] || { log "no WAL segment in $wal"; return 1; }
    tli=$((16#${seg:0:8}))
    [ "$tli" -ge "$ckpt_tli" ] || tli=$ckpt_tli
    if [ "$tli" = "$ckpt_tli" ]; then
        start=$redo
    else
        seg=$(ls "$wal" | grep -E "^$(printf '%08X' "$tli")[0-9A-F]{16}\$" | sort | head -n1)
        start=$(printf '%X/%X' $((16#${seg:8:8})) $(( 16#${seg:16:8} * segsize )))
    fi
    out=$("$PG_BIN/pg_waldump" -p "$wal" -t "$tli" -s "$start" 2>"$PG_RUNDIR/waldump.err")
    last=$(printf '%s\n' "$out" | grep -E '^rmgr: ' | tail -n1)
    lsn=$(printf '%s\n' "$last" | sed -n 's/.*lsn: \([0-9A-F]*\/[0-9A-F]*\),.*/\1/p')
    len=$(printf '%s\n' "$last" | sed -n 's/.*len (rec\/tot): *[0-9]*\/ *\([0-9]*\),.*/\1/p')
    if [ -z "$lsn" ]; then
        head -n 3 "$PG_RUNDIR/waldump.err" >&2
        log "pg_waldump found no valid WAL record on timeline $tli from $start"
        return 1
    fi
    echo "$tli $(lsn_to_dec "$lsn") $lsn ${len:-0} $segsize"
}

# The raw bytes (hex) of the WAL at decimal LSN $1, $2 bytes long, on timeline $3, with segment size $4: which file
# and where. Prints "segment-file-name offset length" (the length is cut at the segment's end).
wal_span() {
    local lsn=$1 len=$2 tli=$3 segsize=$4 segno off
    segno=$(( lsn / segsize )); off=$(( lsn % segsize ))
    [ $(( off + len )) -le "$segsize" ] || len=$(( segsize - off ))
    printf '%08X%08X%08X %d %d\n' "$tli" $(( segno / (0x100000000 / segsize) )) $(( segno % (0x100000000 / segsize) )) "$off" "$len"
}

# "timeline lsn" -> the sequence, or fails when it does not fit in 63 bits.
encode_sequence() {
    local tli=$1 lsn=$2
    [ "$tli" -lt 32768 ] || { log "timeline $tli does not fit the sequence encoding (< 32768)"; return 1; }
    [ "$lsn" -lt $((1 << TLI_SHIFT)) ] || { log "LSN $lsn does not fit the sequence encoding (< 2^$TLI_SHIFT)"; return 1; }
    echo $(( (tli << TLI_SHIFT) | lsn ))
}

# The one peer from argv that is not this copy; exit 3 when there is none; 1 on anything that is not a
# host name, or on more than one.
primary_from_args() {
    local p self=${POD_NAME:-}.${SERVICE_NAME:-}.${POD_NAMESPACE:-}.svc found=""
    for p in "$@"; do
        printf '%s' "$p" | grep -qE '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$' || die "peer argument '$p' is not a host name"
        case "$p" in "$self"|"$self.") continue ;; esac
        [ -z "$found" ] || die "more than one primary given ($found, $p): this example runs exactly one"
        found=$p
    done
    [ -n "$found" ] || return 3     # no other primary: 3, not 1 (1 is a refusal, from die)
    echo "$found"
}
