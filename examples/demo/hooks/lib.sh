# Shared functions of the demo app's hooks (sourced, POSIX sh).
#
# State of one copy, in its data directory ($DATA, the pod's volume):
#   log          one entry per line, "N WRITER TOKEN"; line N holds entry N (contiguous from 1)
#   role         "primary" or "secondary" while the copy runs (removed by stop)
#   peers        the peers it was last given, one per line
#   daemon.pid   the pid of its daemon (the copy is running iff that process is alive)
#   daemon.out   the daemon's output
# Cluster state, in the simulated network ($NET = RSS_SIM_NET_DIR, given by the test kit):
#   $NET/{pod}.{service}.{ns}.svc   link to that copy's data dir while its pod exists (the "network")
#   $NET/_members/{ns}.{service}/   one file per copy that joined the group
#   $NET/_locks/{ns}.{service}      the group's total-order lock (flock on this file)
#   $NET/_acked/{ns}.{service}      every entry acknowledged to the "client": it is in the log of every live member

set -u
HOOKS=$(cd "$(dirname "$0")" && pwd)
DATA="${DEMO_DATA_DIR:-${RSS_SIM_DATA_DIR:-/data}}"
NET="${RSS_SIM_NET_DIR:?the demo app needs the test kit's simulated network (RSS_SIM_NET_DIR)}"
ME="${POD_FQDN:-${POD_NAME:?}}"
GROUP="${POD_NAMESPACE:-default}.${SERVICE_NAME:-demo}"
LOCK="$NET/_locks/$GROUP"
MEMBERS="$NET/_members/$GROUP"
ACKED="$NET/_acked/$GROUP"
mkdir -p "$NET/_locks" "$NET/_acked" "$MEMBERS"

# A hook named NAME first sleeps DEMO_DELAY_NAME seconds when that is set (e.g. DEMO_DELAY_SEED=3): slow hooks for
# tests of timeouts and for benchmarks, with the same contract.
hook_delay=$(eval "echo \${DEMO_DELAY_$(basename "$0" | tr '[:lower:]' '[:upper:]'):-}")
[ -n "$hook_delay" ] && sleep "$hook_delay"

die() {
    echo "$*" >&2
    exit 1
}

# last entry number of a log file (0 if the file does not exist); fails if the log is unreadable or not contiguous.
# One read (awk) so that a concurrent append cannot make the count and the last line disagree.
last_of() {
    f="$1"
    [ -e "$f" ] || { echo 0; return 0; }
    [ -r "$f" ] || { echo "cannot read $f" >&2; return 1; }
    r=$(awk 'END { print NR, $1 }' "$f") || { echo "cannot read $f" >&2; return 1; }
    lines=${r%% *}
    n=${r#* }
    [ "$lines" -eq 0 ] && { echo 0; return 0; }
    case "$n" in
        '' | *[!0-9]*) echo "corrupt log $f: last line does not start with an entry number" >&2; return 1 ;;
    esac
    [ "$n" -eq "$lines" ] || { echo "corrupt log $f: last entry $n on line $lines" >&2; return 1; }
    echo "$n"
}

# the entry line N of a log
entry_of() {
    sed -n "${2}p" "$1"
}

# alive = the process exists and is not a zombie (an orphan killed under a PID 1 that does not reap, as in some
# containers and in the test kit's sandbox, stays a zombie, and kill -0 succeeds on zombies)
pid_alive() {
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
    state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

daemon_alive() {
    d="$1"
    [ -f "$d/daemon.pid" ] || return 1
    pid_alive "$(cat "$d/daemon.pid" 2>/dev/null)"
}

# a peer is live if its pod exists (reachable in $NET), its daemon runs and it has a role
peer_live() {
    [ -d "$NET/$1" ] && daemon_alive "$NET/$1" && [ -f "$NET/$1/role" ]
}

running_role() {
    if daemon_alive "$DATA" && [ -f "$DATA/role" ]; then
        cat "$DATA/role"
    fi
}

# The group lock is a kernel lock (flock) on a file: it is released when its holder dies, even by SIGKILL (a
# power cut), so a dead holder never blocks the group and nobody has to guess whether a holder is dead.
lock() {
    exec 9>> "$LOCK"
    flock -w 10 9 || { echo "cannot take the group lock $LOCK in 10 s" >&2; exec 9>&-; return 1; }
}

unlock() {
    flock -u 9
    exec 9>&-
}

start_daemon() {
    role="$1"
    echo "$role" > "$DATA/role"
    rm -f "$DATA/daemon.pid"
    # detach: new session, stdio away from the exec stream (or the exec would stay open as long as the daemon runs)
    # (and without the lock's descriptor, which the hook holds while it starts the daemon)
    DATA="$DATA" setsid sh "$HOOKS/daemon" "$role" < /dev/null >> "$DATA/daemon.out" 2>&1 9>&- &
    i=0
    while [ ! -s "$DATA/daemon.pid" ]; do
        i=$((i + 1))
        [ "$i" -gt 300 ] && die "daemon did not start (see $DATA/daemon.out)"
        sleep 0.01
    done
}

# join the group as $1 (primary|secondary), catching up from the first live peer given in the remaining args
join() {
    role="$1"
    shift
    current=$(running_role)
    if [ "$current" = "$role" ]; then
        echo "already running as $role"
        exit 0
    fi
    [ -n "$current" ] && die "running as $current; stop it before starting it as $role"
    printf '%s\n' "$@" > "$DATA/peers"
    lock || exit 1
    src=""
    for p in "$@"; do
        [ "$p" = "$ME" ] && continue
        if peer_live "$p"; then
            src="$p"
            break
        fi
    done
    if [ -z "$src" ]; then
        unlock
        die "no live peer to join among: ${*:-(none given)}"
    fi
    mine=$(last_of "$DATA/log") || { unlock; exit 1; }
    theirs=$(last_of "$NET/$src/log") || { unlock; exit 1; }
    if [ "$mine" -gt "$theirs" ]; then
        unlock
        die "refusing to join: this copy is AHEAD of the cluster (my sequence $mine > $theirs on $src); joining would reverse history. Seed from the most advanced copy instead."
    fi
    if [ "$mine" -gt 0 ] && [ "$(entry_of "$DATA/log" "$mine")" != "$(entry_of "$NET/$src/log" "$mine")" ]; then
        unlock
        die "refusing to join: my entry $mine differs from $src's (the histories diverged)"
    fi
    if [ "$theirs" -gt "$mine" ]; then
        sed -n "$((mine + 1)),${theirs}p" "$NET/$src/log" >> "$DATA/log"
    fi
    : > "$MEMBERS/$ME"
    start_daemon "$role"
    unlock
    echo "joined as $role from $src at sequence $theirs (was $mine)"
}
