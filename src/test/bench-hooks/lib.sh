# Lightweight hooks for `make bench` and the kit's larger tests: the demo app's hook contract (docs/hooks.md) and its
# delays (DEMO_DELAY_<HOOK>=seconds, slept first), without the demo's replicating writer, whose per-copy write loop
# (every 150 ms, across every member) would be the machine's load at 51 copies, not the operator's.
#
# State of one copy, in its data directory ($DATA, the pod's volume; survives a power cut):
#   seq          the copy's sequence (absent = 0, a fresh copy); a benchmark or test writes it to pick the newest copy;
#                a joining copy catches up to the highest sequence of its live peers (and fails with none live)
#   role         "primary" or "secondary" once started (removed by stop)
#   peers        the peers the last start hook was given, one per line
#   daemon.pid   the copy's "server" (a sleep in its own session); the copy runs iff it is alive and role exists.
#                A power cut kills it (the kit kills every process of a pod), so a recreated pod is not running.
set -u
DATA="${DEMO_DATA_DIR:-${RSS_SIM_DATA_DIR:-/data}}"
case "$(basename "$0")" in
    sequence) d="${DEMO_DELAY_SEQUENCE:-}" ;;
    seed) d="${DEMO_DELAY_SEED:-}" ;;
    primary) d="${DEMO_DELAY_PRIMARY:-}" ;;
    secondary) d="${DEMO_DELAY_SECONDARY:-}" ;;
    status) d="${DEMO_DELAY_STATUS:-}" ;;
    stop) d="${DEMO_DELAY_STOP:-}" ;;
    *) d="" ;;
esac
[ -n "$d" ] && sleep "$d"

NET="${RSS_SIM_NET_DIR:-}"

# daemon_alive [DIR]: the copy whose data dir is DIR (default: this one) runs its daemon
daemon_alive() {
    dir="${1:-$DATA}"
    [ -f "$dir/daemon.pid" ] || return 1
    pid=$(cat "$dir/daemon.pid" 2>/dev/null)
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    read -r stat < "/proc/$pid/stat" 2>/dev/null || return 1
    state=${stat##*) }
    state=${state%% *}
    [ "$state" != Z ] && [ "$state" != X ]
}

running_role() {
    if [ -f "$DATA/role" ] && daemon_alive; then
        cat "$DATA/role"
    fi
}

start_as() {
    role="$1"
    shift
    current=$(running_role)
    if [ "$current" = "$role" ]; then
        echo "already running as $role"
        exit 0
    fi
    [ -n "$current" ] && { echo "running as $current; stop it before starting it as $role" >&2; exit 1; }
    if [ "$#" -gt 0 ]; then
        # a test may hold joins until an event (e.g. the end of a rolling power cut): DEMO_JOIN_WAIT_FOR=<file>
        if [ -n "${DEMO_JOIN_WAIT_FOR:-}" ]; then
            i=0
            while [ ! -e "$DEMO_JOIN_WAIT_FOR" ] && [ "$i" -lt 1200 ]; do
                sleep 0.1
                i=$((i + 1))
            done
        fi
        # catch up from the live peers (reachable in the simulated network, running, with a role): take the highest
        # sequence among them; a join with no live peer fails, as a real app's would
        best=-1
        for p in "$@"; do
            d="$NET/$p"
            [ -n "$NET" ] && [ -d "$d" ] && [ -f "$d/role" ] && daemon_alive "$d" || continue
            s=$(cat "$d/seq" 2>/dev/null || echo 0)
            [ "$s" -gt "$best" ] && best=$s
        done
        [ "$best" -ge 0 ] || { echo "no live peer among: $*" >&2; exit 1; }
        mine=$(cat "$DATA/seq" 2>/dev/null || echo 0)
        [ "$best" -gt "$mine" ] && echo "$best" > "$DATA/seq"
    fi
    printf '%s\n' "$@" > "$DATA/peers"
    setsid sleep 2147483647 < /dev/null > /dev/null 2>&1 9>&- &
    echo $! > "$DATA/daemon.pid"
    echo "$role" > "$DATA/role"
    echo "started as $role with ${#} peer(s)"
}
