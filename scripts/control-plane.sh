#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the control-plane test tier (docs/testing.md):
# etcd + kube-apiserver + kube-controller-manager + kube-scheduler, built from Go module sources, and KWOK as the
# kubelet. Binaries are cached outside the repository.
#
#   scripts/control-plane.sh build    build the missing binaries into $RSS_CP_CACHE/k8s-v1.36.3/bin
#   scripts/control-plane.sh start    start everything (idempotent: reuses a running control plane)
#   scripts/control-plane.sh stop     stop everything this script started
#   scripts/control-plane.sh env      print `export KUBECONFIG=...`
#   scripts/control-plane.sh status   print what runs
#   scripts/control-plane.sh kill C   SIGKILL one component (etcd, kube-apiserver, ...), as a crash would
#   scripts/control-plane.sh restart C  start etcd or kube-apiserver again with the same flags (tests of faults)
#
# The demo app (examples/demo) on this control plane, for a walkthrough with `make run` (README, docs/testing.md):
#   scripts/control-plane.sh demo [NS] [REPLICAS]   CRD, namespace NS (default rss-demo), per-pod data dirs and KWOK
#                                                   Execs (ordinals 0-4), then a ReplicatedStatefulSet `demo` (3)
#   scripts/control-plane.sh demo-yaml [NS] [REPLICAS]   print that ReplicatedStatefulSet instead of applying it
#   scripts/control-plane.sh lights-out [NS] [NEWEST]    cut the power: SIGKILL every copy's app at once (between two
#                                                   writes); with NEWEST (an ordinal) the other copies lose their
#                                                   last entries first, so that copy is the one to seed
#   scripts/control-plane.sh demo-check [NS]        the app's side: each copy's sequence and role, the acknowledged
#                                                   writes, seeds since the lights-out, and whether any ack was lost
#   scripts/control-plane.sh demo-watch [NS]        kubectl get rss -w with the epoch and the seed's sequence
#   scripts/control-plane.sh demo-delete [NS]       delete it (while the operator runs), stop its apps, drop its data
#
# Settings (environment): RSS_CP_CACHE (default ~/.cache/rss-operator), RSS_CP_DIR (runtime data), and the ports
# RSS_CP_ETCD_PORT (the etcd peer port is +1), RSS_CP_APISERVER_PORT, RSS_CP_KCM_PORT, RSS_CP_SCHED_PORT,
# RSS_CP_KWOK_PORT. By default each checkout gets its own slot (from a checksum of its path): ports 20000 + 10*slot
# + 0..6 (below the ephemeral range) and /tmp/rss-cp-$UID-slot, so checkouts side by side do not collide, while
# `make cluster` and the tests of one checkout share one control plane. `paths` prints them.
set -euo pipefail

K8S_VERSION=v1.36.3
STAGING_VERSION=v0.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0

CACHE="${RSS_CP_CACHE:-$HOME/.cache/rss-operator}/k8s-${K8S_VERSION}"
BIN="$CACHE/bin"
SRC="$CACHE/src"
HERE="$(cd "$(dirname "$0")" && pwd)"
SLOT=$(( $(printf '%s' "$(cd "$HERE/.." && pwd -P)" | cksum | cut -d' ' -f1) % 500 ))
BASE=$(( 20000 + 10 * SLOT ))
RUN="${RSS_CP_DIR:-/tmp/rss-cp-$(id -u)-$SLOT}"
ETCD_PORT="${RSS_CP_ETCD_PORT:-$BASE}"
APISERVER_PORT="${RSS_CP_APISERVER_PORT:-$((BASE + 2))}"
KCM_PORT="${RSS_CP_KCM_PORT:-$((BASE + 3))}"
SCHED_PORT="${RSS_CP_SCHED_PORT:-$((BASE + 4))}"
KWOK_PORT="${RSS_CP_KWOK_PORT:-$((BASE + 5))}"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log() { echo "[control-plane $(date -u +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------------------- build
build_etcd() {
  [ -x "$BIN/etcd" ] && return 0
  local d="$SRC/etcd"; mkdir -p "$d"
  cat > "$d/go.mod" <<MOD
module rss-operator/control-plane/etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 ${ETCD_VERSION}

tool go.etcd.io/etcd/server/v3
MOD
  log "etcd ${ETCD_VERSION}: resolving modules"
  (cd "$d" && go mod tidy) || die "etcd: go mod tidy failed"
  log "etcd ${ETCD_VERSION}: building"
  (cd "$d" && nice -n 5 go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3) \
    || die "etcd: build failed"
  mv "$BIN/etcd.tmp" "$BIN/etcd"; log "etcd: built"
}

k8s_wrapper() {
  local d="$SRC/kubernetes"; mkdir -p "$d"
  [ -f "$d/go.sum" ] && [ -f "$d/.tidy-ok" ] && return 0
  log "kubernetes ${K8S_VERSION}: reading the staging modules from its go.mod"
  local modfile; modfile="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  [ -f "$modfile" ] || die "kubernetes: go.mod not found via the module proxy"
  local staging; staging="$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$modfile")"
  [ -n "$staging" ] || die "kubernetes: no staging replace directives found in $modfile"
  {
    printf 'module rss-operator/control-plane/kubernetes\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    for m in $staging; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
    printf ')\n\n'
    printf 'tool (\n\tk8s.io/kubernetes/cmd/kube-apiserver\n\tk8s.io/kubernetes/cmd/kube-controller-manager\n'
    printf '\tk8s.io/kubernetes/cmd/kube-scheduler\n\tk8s.io/kubernetes/cmd/kubectl\n)\n'
  } > "$d/go.mod"
  log "kubernetes: $(echo "$staging" | wc -l) staging modules pinned to ${STAGING_VERSION}; resolving modules"
  (cd "$d" && go mod tidy) || die "kubernetes: go mod tidy failed"
  touch "$d/.tidy-ok"
}

build_k8s_cmd() {
  local name="$1"
  [ -x "$BIN/$name" ] && return 0
  k8s_wrapper
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local v="k8s.io/component-base/version"
  log "$name ${K8S_VERSION}: building"
  local t0=$SECONDS
  (cd "$SRC/kubernetes" && nice -n 5 go build -trimpath -tags selinux,notest \
    -ldflags "-s -w -X $v.gitVersion=${K8S_VERSION} -X $v.gitMajor=1 -X $v.gitMinor=${minor} -X $v.gitTreeState=clean" \
    -o "$BIN/$name.tmp" "k8s.io/kubernetes/cmd/$name") || die "$name: build failed"
  mv "$BIN/$name.tmp" "$BIN/$name"; log "$name: built in $((SECONDS - t0)) s"
}

# KWOK, built through a wrapper module so that its exec streaming server (k8s.io/cri-streaming) can be patched: as
# released, a hook's non-zero exit reaches the client as an InternalError (exit -1), not as its exit code
# (scripts/control-plane/cri-streaming-exit-code.patch; docs/testing.md). `go install ...@v0.8.0` builds the
# unpatched one (kept as kwok-upstream when RSS_CP_KWOK_UPSTREAM=1, to show the difference).
build_kwok() {
  local d="$SRC/kwok" patch="$HERE/control-plane/cri-streaming-exit-code.patch"
  if [ "${RSS_CP_KWOK_UPSTREAM:-0}" = 1 ] && [ ! -x "$BIN/kwok-upstream" ]; then
    log "kwok ${KWOK_VERSION} (upstream, unpatched): building"
    mkdir -p "$d/upstream-bin"
    GOBIN="$d/upstream-bin" nice -n 5 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}" \
      || die "kwok (upstream): build failed"
    mv "$d/upstream-bin/kwok" "$BIN/kwok-upstream"
  fi
  local stamp; stamp="$(sha256sum "$patch" | cut -c1-16)"
  [ -x "$BIN/kwok" ] && [ "$(cat "$BIN/.kwok-patch" 2>/dev/null)" = "$stamp" ] && return 0
  mkdir -p "$d"; rm -rf "$d/cri-streaming"
  cat > "$d/go.mod" <<MOD
module rss-operator/control-plane/kwok

go 1.26.0

require sigs.k8s.io/kwok ${KWOK_VERSION}

tool sigs.k8s.io/kwok/cmd/kwok
MOD
  rm -f "$d/go.sum"
  log "kwok ${KWOK_VERSION}: resolving modules"
  (cd "$d" && go mod tidy) || die "kwok: go mod tidy failed"
  local crs crsdir
  crs="$(cd "$d" && go list -m -f '{{.Version}}' k8s.io/cri-streaming)"
  crsdir="$(cd "$d" && go list -m -f '{{.Dir}}' k8s.io/cri-streaming)"
  log "kwok: patching k8s.io/cri-streaming ${crs} (exit codes of execs) into $d/cri-streaming"
  cp -r "$crsdir" "$d/cri-streaming"; chmod -R u+w "$d/cri-streaming"
  (cd "$d/cri-streaming" && patch -p1 --quiet < "$patch") || die "kwok: the cri-streaming patch does not apply to ${crs}"
  (cd "$d" && go mod edit -replace "k8s.io/cri-streaming=./cri-streaming" && go mod tidy) || die "kwok: go mod tidy failed"
  log "kwok ${KWOK_VERSION}: building"
  local t0=$SECONDS
  (cd "$d" && nice -n 5 go build -trimpath -ldflags "-s -w" -o "$BIN/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok) \
    || die "kwok: build failed"
  mv "$BIN/kwok.tmp" "$BIN/kwok"; echo "$stamp" > "$BIN/.kwok-patch"; log "kwok: built in $((SECONDS - t0)) s"
}

# build [component...]: all by default; components: etcd kwok kube-apiserver kube-controller-manager kube-scheduler
# kubectl (two builds of different components may run side by side: they share Go's build cache)
cmd_build() {
  mkdir -p "$BIN" "$SRC"
  local t0=$SECONDS c
  local want="${*:-etcd kwok kube-apiserver kube-controller-manager kube-scheduler kubectl}"
  for c in $want; do
    case "$c" in
      etcd) build_etcd ;;
      kwok) build_kwok ;;
      kube-apiserver|kube-controller-manager|kube-scheduler|kubectl) build_k8s_cmd "$c" ;;
      *) die "unknown component $c" ;;
    esac
  done
  log "built or present: $want in $BIN (this run: $((SECONDS - t0)) s)"
}

# ---------------------------------------------------------------------------------------------------------- start
KWOK_MOD_DIR() { (cd "$SRC/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok); }

kc() { "$BIN/kubectl" --kubeconfig "$RUN/kubeconfig" "$@"; }

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

launch() {
  local name="$1"; shift
  log "starting $name (log: $RUN/$name.log)"
  setsid "$@" >> "$RUN/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

wait_for() {
  local what="$1" secs="$2"; shift 2
  local end=$((SECONDS + secs))
  until "$@" > /dev/null 2>&1; do
    [ $SECONDS -lt $end ] || die "$what not ready after ${secs} s (logs in $RUN)"
    sleep 0.5
  done
  log "$what ready"
}

gen_certs() {
  local c="$RUN/pki"; mkdir -p "$c"
  [ -f "$c/admin.crt" ] && return 0
  log "generating certificates and service-account keys in $c"
  (
    cd "$c"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=rss-cp-ca" -keyout ca.key -out ca.crt 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth,clientAuth\n' > serving.ext
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout serving.key -out serving.csr 2>/dev/null
    openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile serving.ext -out serving.crt 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=rss-admin" -keyout admin.key -out admin.csr 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  ) || die "openssl failed"
}

write_kubeconfig() {
  cat > "$RUN/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: rss-cp
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority: $RUN/pki/ca.crt
users:
- name: rss-admin
  user:
    client-certificate: $RUN/pki/admin.crt
    client-key: $RUN/pki/admin.key
contexts:
- name: rss-cp
  context: {cluster: rss-cp, user: rss-admin, namespace: default}
current-context: rss-cp
KC
}

# KWOK's configuration: the fast node and pod stages (nodes Ready, pods Running and Ready, deleted pods removed) and
# the volume stages (PVCs provisioned and bound), from the kwok module's own kustomize/stage files.
write_kwok_config() {
  local k; k="$(KWOK_MOD_DIR)"
  {
    echo "apiVersion: config.kwok.x-k8s.io/v1alpha1"
    echo "kind: KwokConfiguration"
    # (defaults are not applied to a configuration file: a zero parallelism fails the node lease controller)
    echo "options: {enableDebuggingHandlers: true, nodeLeaseParallelism: 4, nodePlayStageParallelism: 4, podPlayStageParallelism: 4, podsOnNodeSyncParallelism: 2}"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml \
             volume/fast/pvc-provision.yaml volume/fast/pv-bind.yaml volume/fast/pvc-delete.yaml volume/fast/pv-delete.yaml; do
      echo "---"; cat "$k/kustomize/stage/$f"
    done
  } > "$RUN/kwok.yaml"
}

healthy() {
  for c in etcd kube-apiserver kwok; do alive "$c" || return 1; done
  [ ! -x "$BIN/kube-scheduler" ] || alive kube-scheduler || return 1
  [ ! -x "$BIN/kube-controller-manager" ] || alive kube-controller-manager || return 1
  kc get --raw /readyz > /dev/null 2>&1
}

# etcd and kube-apiserver are (re)started with the same flags by `start` and by `restart` (control-plane faults in
# the tests); etcd keeps its data directory across a restart (only `start` begins with a fresh one).
start_etcd() {
  launch etcd "$BIN/etcd" --name rss-cp --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:${ETCD_PORT}" --advertise-client-urls "http://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "rss-cp=http://127.0.0.1:$((ETCD_PORT + 1))" \
    --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
  wait_for etcd 30 curl -sf "http://127.0.0.1:${ETCD_PORT}/health"
}

start_kube_apiserver() {
  local p="$RUN/pki"
  launch kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:${ETCD_PORT}" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "${APISERVER_PORT}" \
    --tls-cert-file "$p/serving.crt" --tls-private-key-file "$p/serving.key" --client-ca-file "$p/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$p/sa.pub" \
    --service-account-signing-key-file "$p/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --authorization-mode RBAC --allow-privileged=true \
    --endpoint-reconciler-type none \
    --kubelet-client-certificate "$p/admin.crt" --kubelet-client-key "$p/admin.key" \
    --kubelet-preferred-address-types InternalIP
  wait_for kube-apiserver 90 kc get --raw /readyz
}

cmd_start() {
  for b in etcd kube-apiserver kubectl kwok; do
    [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run '$0 build' first"
  done
  [ -x "$BIN/kube-scheduler" ] || log "WARNING: no kube-scheduler: pods must name their node (spec.nodeName: kwok-node-0)"
  [ -x "$BIN/kube-controller-manager" ] || log "WARNING: no kube-controller-manager: no StatefulSet controller, no garbage collection, no default ServiceAccounts"
  if healthy; then log "already running (KUBECONFIG=$RUN/kubeconfig)"; return 0; fi
  cmd_stop quiet
  mkdir -p "$RUN"; rm -rf "$RUN/etcd"
  gen_certs; write_kubeconfig; write_kwok_config
  local t0=$SECONDS p="$RUN/pki"

  start_etcd
  start_kube_apiserver

  [ -x "$BIN/kube-controller-manager" ] && launch kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$RUN/kubeconfig" \
    --authentication-kubeconfig "$RUN/kubeconfig" --authorization-kubeconfig "$RUN/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "${KCM_PORT}" --leader-elect=false \
    --service-account-private-key-file "$p/sa.key" --root-ca-file "$p/ca.crt" \
    --controllers '*' --concurrent-statefulset-syncs 5
  [ -x "$BIN/kube-scheduler" ] && launch kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$RUN/kubeconfig" \
    --authentication-kubeconfig "$RUN/kubeconfig" --authorization-kubeconfig "$RUN/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "${SCHED_PORT}" --leader-elect=false

  log "installing KWOK's Exec and ClusterExec CRDs"
  local k; k="$(KWOK_MOD_DIR)"
  kc apply --server-side -f "$k/kustomize/crd/bases/kwok.x-k8s.io_execs.yaml" \
    -f "$k/kustomize/crd/bases/kwok.x-k8s.io_clusterexecs.yaml" > /dev/null
  wait_for "KWOK CRDs" 30 kc get execs.kwok.x-k8s.io -A
  launch kwok "$BIN/kwok" --kubeconfig "$RUN/kubeconfig" --config "$RUN/kwok.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --node-port "${KWOK_PORT}" --server-address "127.0.0.1:${KWOK_PORT}" \
    --tls-cert-file "$p/serving.crt" --tls-private-key-file "$p/serving.key" \
    --node-lease-duration-seconds 40 --enable-crds Exec,ClusterExec

  kc apply -f - > /dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
NODE
  wait_for "node kwok-node-0" 60 kc wait --for=condition=Ready node/kwok-node-0 --timeout=1s
  [ ! -x "$BIN/kube-controller-manager" ] || wait_for "default ServiceAccount" 60 kc get serviceaccount default -n default
  log "control plane up in $((SECONDS - t0)) s; KUBECONFIG=$RUN/kubeconfig"
}

# ----------------------------------------------------------------------------------------------------------- stop
cmd_stop() {
  local c pid
  stop_demo_apps "${1:-}"
  for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [ -f "$RUN/$c.pid" ] || continue
    pid="$(cat "$RUN/$c.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
      [ "${1:-}" = quiet ] || log "stopped $c ($pid)"
    fi
    rm -f "$RUN/$c.pid"
  done
}

# kill COMPONENT: SIGKILL it (a crash: nothing is flushed or released), and wait until it is gone
cmd_kill() {
  local c="${1:?usage: $0 kill etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok}" pid
  [ -f "$RUN/$c.pid" ] || die "$c was not started by this script"
  pid="$(cat "$RUN/$c.pid")"
  kill -9 "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && die "$c ($pid) still alive after SIGKILL"
  log "killed $c ($pid)"
}

# restart COMPONENT: start etcd or kube-apiserver again with the flags of `start` (after `kill`, or a crash)
cmd_restart() {
  local c="${1:?usage: $0 restart etcd|kube-apiserver}"
  alive "$c" && cmd_kill "$c"
  case "$c" in
    etcd) start_etcd ;;
    kube-apiserver) start_kube_apiserver ;;
    *) die "restart supports etcd and kube-apiserver" ;;
  esac
}

cmd_status() {
  local c rc=0
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    if alive "$c"; then echo "$c: running (pid $(cat "$RUN/$c.pid"))"
    elif [ "$c" = kube-scheduler ] && [ ! -x "$BIN/$c" ]; then echo "$c: not built (pods must name their node)"
    elif [ "$c" = kube-controller-manager ] && [ ! -x "$BIN/$c" ]; then echo "$c: not built"
    else echo "$c: not running"; rc=1; fi
  done
  if [ -f "$RUN/kubeconfig" ] && kc get --raw /readyz > /dev/null 2>&1; then
    echo "kube-apiserver: ready at https://127.0.0.1:${APISERVER_PORT} ($(kc version -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1))"
  else
    echo "kube-apiserver: not answering"; rc=1
  fi
  echo "KUBECONFIG=$RUN/kubeconfig"
  return $rc
}

# ----------------------------------------------------------------------------------------------------------- demo
# The demo app of examples/demo on this control plane, as the tier's tests run it (DemoOnControlPlane): KWOK plays the
# kubelet, so an exec into a pod runs as a local process, in the pod's data directory (its "volume") with the demo's
# environment, as the pod's KWOK Exec object says. The "network" is a directory of links, one per pod FQDN.
DEMO_NAME=demo
DEMO_ORDINALS=5
DEMO_HOOKS=(sequence seed primary secondary status stop)

demo_ns() { echo "${1:-rss-demo}"; }
demo_work() { echo "$RUN/demo/$1"; }

need_cluster() {
  [ -f "$RUN/kubeconfig" ] && kc get --raw /readyz > /dev/null 2>&1 \
    || die "the control plane is not running: make cluster (or $0 start) first"
}

# whether a copy's app runs: its daemon's process exists and is not a zombie (as examples/demo/hooks/lib.sh sees it)
daemon_alive() {
  local pid state
  pid="$(cat "$1/daemon.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state="$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$pid/stat" 2>/dev/null)"
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# SIGKILLs the app (daemon) of every copy in WORK, while holding the demo group's lock: between two of its writes,
# as a power cut that every copy sees at the same instant. Optional extra shell runs under the same lock.
kill_daemons() {
  local work="$1" ns="$2" extra="${3:-}"
  [ -d "$work/_net" ] || return 0
  mkdir -p "$work/_net/_locks"
  flock -w 30 "$work/_net/_locks/$ns.$DEMO_NAME" sh -c '
    for f in "$1"/*/daemon.pid; do [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
    '"$extra"'
    exit 0' sh "$work" || die "could not take the demo group's lock $work/_net/_locks/$ns.$DEMO_NAME"
  local d _
  for d in "$work"/*/; do # a SIGKILLed process is gone a moment later
    for _ in $(seq 1 50); do daemon_alive "$d" || break; sleep 0.1; done
  done
}

# the demo's ReplicatedStatefulSet: hooks are local files, named by absolute path (the wrappers in $work/_hooks)
demo_yaml() {
  local ns="$1" replicas="$2" hooks node=""; hooks="$(demo_work "$ns")/_hooks"
  [ -x "$BIN/kube-scheduler" ] || node="
      nodeName: kwok-node-0" # no scheduler: the pods name their node
  cat <<YAML
apiVersion: clusterlabs.org/v1alpha1
kind: ReplicatedStatefulSet
metadata: {name: $DEMO_NAME, namespace: $ns}
spec:
  replicas: $replicas
  template:
    metadata: {labels: {app: $DEMO_NAME}}
    spec:$node
      containers:
      - {name: app, image: "demo:kwok", command: ["sleep", "infinity"]}
  servicePorts:
  - {name: app, port: 5000}
  hooks:
    container: app
    sequence: {command: ["$hooks/sequence"], timeout: 20s}
    seed: {command: ["$hooks/seed"], timeout: 20s}
    primary: {command: ["$hooks/primary"], timeout: 20s}
    secondary: {command: ["$hooks/secondary"], timeout: 20s}
    status: {command: ["$hooks/status"], timeout: 10s, period: 2s}
    stop: {command: ["$hooks/stop"], timeout: 20s}
YAML
}

# one wrapper per hook: logs each run's start and exit code in the copy's hooks.log, then runs examples/demo's hook
write_hook_wrappers() {
  local dir="$1/_hooks" real h; real="$(cd "$HERE/../examples/demo/hooks" && pwd)"
  mkdir -p "$dir"
  for h in "${DEMO_HOOKS[@]}"; do
    cat > "$dir/$h" <<WRAP
#!/bin/sh
# logs each run of the demo's $h hook in the copy's data directory, then runs it
log="\${DEMO_DATA_DIR:?}/hooks.log"
echo "\$(date +%s%3N) start $h" >> "\$log"
"$real/$h" "\$@"
rc=\$?
echo "\$(date +%s%3N) end $h \$rc" >> "\$log"
exit \$rc
WRAP
    chmod 755 "$dir/$h"
  done
}

# KWOK's Exec for one pod: execs into its container "app" run in its data directory with the demo's environment
apply_exec() {
  local ns="$1" work="$2" i="$3"
  local pod="$DEMO_NAME-$i"; local fqdn="$pod.$DEMO_NAME.$ns.svc"; local data="$work/$pod"
  mkdir -p "$data"
  ln -sfn "$data" "$work/_net/$fqdn" # the "network": these pods always exist
  kc apply --server-side -f - > /dev/null <<EXEC
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Exec
metadata: {name: $pod, namespace: $ns}
spec:
  execs:
  - containers: [app]
    local:
      workDir: "$data"
      envs:
      - {name: HOME, value: "$data"}
      - {name: LANG, value: C.UTF-8}
      - {name: HOSTNAME, value: $pod}
      - {name: POD_NAME, value: $pod}
      - {name: POD_NAMESPACE, value: $ns}
      - {name: POD_ORDINAL, value: "$i"}
      - {name: SERVICE_NAME, value: $DEMO_NAME}
      - {name: POD_FQDN, value: $fqdn}
      - {name: DEMO_DATA_DIR, value: "$data"}
      - {name: RSS_SIM_NET_DIR, value: "$work/_net"}
EXEC
}

# demo [NS] [REPLICAS]: everything the demo app needs in NS, then its ReplicatedStatefulSet (unless PRINT_ONLY=1)
cmd_demo() {
  local ns; ns="$(demo_ns "${1:-}")"; local replicas="${2:-3}" work; work="$(demo_work "$ns")"
  [[ "$replicas" =~ ^[0-9]+$ ]] && [ "$replicas" -le "$DEMO_ORDINALS" ] \
    || die "replicas must be 0 to $DEMO_ORDINALS (KWOK Execs exist for ordinals 0-$((DEMO_ORDINALS - 1)))"
  need_cluster
  if kc get rss "$DEMO_NAME" -n "$ns" > /dev/null 2>&1; then
    die "rss/$DEMO_NAME already exists in $ns (its data: $work); '$0 demo-delete $ns' first, or edit it: kubectl -n $ns patch rss $DEMO_NAME --type=merge -p '{\"spec\":{\"replicas\":5}}'"
  fi
  log "installing the CRD (server-side apply of helm/rss-operator/files/crds)"
  kc apply --server-side --force-conflicts -f "$HERE/../helm/rss-operator/files/crds/" > /dev/null
  wait_for "CRD replicatedstatefulsets.clusterlabs.org" 30 \
    kc wait --for=condition=Established crd/replicatedstatefulsets.clusterlabs.org --timeout=1s
  if [ "$(kc get namespace "$ns" -o jsonpath='{.status.phase}' 2>/dev/null)" = Terminating ]; then
    log "waiting for the earlier namespace $ns to be deleted"
    local end=$((SECONDS + 90))
    while kc get namespace "$ns" > /dev/null 2>&1; do
      [ $SECONDS -lt $end ] || die "namespace $ns still Terminating after 90 s (an object's finalizer? is the operator running?)"
      sleep 0.5
    done
  fi
  kc get namespace "$ns" > /dev/null 2>&1 || kc create namespace "$ns" > /dev/null
  wait_for "namespace $ns (its default ServiceAccount)" 60 kc get serviceaccount default -n "$ns"
  kill_daemons "$work" "$ns" # of an earlier run
  rm -rf "$work"; mkdir -p "$work/_net"
  write_hook_wrappers "$work"
  local i
  for i in $(seq 0 $((DEMO_ORDINALS - 1))); do apply_exec "$ns" "$work" "$i"; done
  log "KWOK Execs for $DEMO_NAME-0..$((DEMO_ORDINALS - 1)) in $ns: hooks run locally, data in $work/$DEMO_NAME-<ordinal>"
  if [ "${PRINT_ONLY:-0}" = 1 ]; then demo_yaml "$ns" "$replicas"; return 0; fi
  demo_yaml "$ns" "$replicas" | kc create -f - > /dev/null
  log "created rss/$DEMO_NAME in $ns with $replicas replicas. The operator must run (make run). Watch it:"
  echo "  kubectl get rss -n $ns -w       # or, with the epoch: $0 demo-watch $ns"
  echo "  kubectl get pods,statefulset,svc -n $ns; kubectl get events -n $ns --sort-by=.lastTimestamp"
  echo "  $0 demo-check $ns        # the app's side: sequences, roles, acknowledged writes"
  echo "  $0 lights-out $ns [2]    # cut the power (2: copy 2 holds the newest data)"
}

# lights-out [NS] [NEWEST]: every copy's app SIGKILLed at once; the pods stay, their status hooks now say "not running"
cmd_lights_out() {
  local ns; ns="$(demo_ns "${1:-}")"; local newest="${2:-}" work; work="$(demo_work "$ns")"
  [ -d "$work/_net" ] || die "no demo in $ns ($work): $0 demo $ns first"
  local extra="" i n=0 epoch
  if [ -n "$newest" ]; then
    [[ "$newest" =~ ^[0-9]+$ ]] || die "NEWEST is an ordinal (0, 1, 2...)"
    for i in $(seq 0 $((DEMO_ORDINALS - 1))); do
      [ "$i" = "$newest" ] && continue
      [ -s "$work/$DEMO_NAME-$i/log" ] || continue
      n=$((n + 1)) # copy i stopped n writes before the newest one
      extra+="f='$work/$DEMO_NAME-$i/log'; head -n -$n \"\$f\" > \"\$f.t\" && mv \"\$f.t\" \"\$f\" || exit 1; "
    done
  fi
  epoch="$(kc get rss "$DEMO_NAME" -n "$ns" -o jsonpath='{.status.epoch}' 2>/dev/null || true)"
  date +%s%3N > "$work/lights-out.ms"
  kill_daemons "$work" "$ns" "$extra"
  log "lights-out in $ns (epoch ${epoch:-?}): every copy's app killed at once${newest:+; $DEMO_NAME-$newest holds the newest data}"
  echo "  the operator's status checks now see the copies stopped; it collects their sequences, seeds the highest"
  echo "  (ties: the lowest ordinal) and starts the others: kubectl get rss -n $ns -w; then $0 demo-check $ns"
}

# demo-check [NS]: what the app says. Exit 1 if an acknowledged entry is missing from a running copy's log.
cmd_demo_check() {
  local ns; ns="$(demo_ns "${1:-}")"; local work; work="$(demo_work "$ns")"
  [ -d "$work/_net" ] || die "no demo in $ns ($work): $0 demo $ns first"
  local acked="$work/_acked.snapshot" since=0 i d pod seq role app lost=0 bad running=0
  [ -f "$work/lights-out.ms" ] && since="$(cat "$work/lights-out.ms")"
  # the acknowledged entries first: an entry is acknowledged only once it is in every live member's log
  cp "$work/_net/_acked/$ns.$DEMO_NAME" "$acked" 2>/dev/null || : > "$acked"
  printf '%-8s %9s  %-9s %-8s %s\n' COPY SEQUENCE ROLE APP "SEEDS SINCE LIGHTS-OUT"
  for i in $(seq 0 $((DEMO_ORDINALS - 1))); do
    pod="$DEMO_NAME-$i"; d="$work/$pod"
    [ -e "$d/log" ] || [ -e "$d/hooks.log" ] || continue
    seq="$(awk 'END { print NR }' "$d/log" 2>/dev/null || echo 0)"
    role="$(cat "$d/role" 2>/dev/null || echo -)"
    app=stopped
    daemon_alive "$d" && app=running && running=$((running + 1))
    printf '%-8s %9s  %-9s %-8s %s\n' "$pod" "$seq" "$role" "$app" \
      "$(awk -v s="$since" '$2 == "start" && $3 == "seed" && $1 >= s { n++ } END { print n + 0 }' "$d/hooks.log" 2>/dev/null)"
    if [ "$app" = running ]; then
      # every acknowledged entry "N WRITER TOKEN" must be line N of a running copy's log
      bad="$(awk 'NR == FNR { line[FNR] = $0; next } line[$1] != $0 { n++ } END { print n + 0 }' "$d/log" "$acked")"
      [ "$bad" = 0 ] || { echo "  $pod: $bad acknowledged entries missing or different"; lost=1; }
    fi
  done
  echo "acknowledged writes: $(wc -l < "$acked") (last: $(tail -n 1 "$acked" | grep . || echo none))"
  [ "$lost" = 0 ] || return 1
  if [ "$running" = 0 ]; then echo "no copy runs (yet): nothing to check"
  else echo "no acknowledged write lost on the $running running copies"; fi
}

# demo-watch [NS]: kubectl get rss -w, with the epoch and the seed's sequence (not among the printer columns)
cmd_demo_watch() {
  local ns; ns="$(demo_ns "${1:-}")"
  need_cluster
  kc get rss -n "$ns" -w -o custom-columns='NAME:.metadata.name,PHASE:.status.phase,EPOCH:.status.epoch,SEED:.status.seed.pod,SEQUENCE:.status.seed.sequence,PRIMARIES:.status.primaries,READY:.status.ready'
}

# demo-delete [NS]: the resource deleted while the operator runs (it removes its finalizer), then the namespace
cmd_demo_delete() {
  local ns; ns="$(demo_ns "${1:-}")"; local work; work="$(demo_work "$ns")"
  need_cluster
  if kc get rss "$DEMO_NAME" -n "$ns" > /dev/null 2>&1; then
    kc delete rss "$DEMO_NAME" -n "$ns" --wait=true --timeout=45s > /dev/null \
      || log "rss/$DEMO_NAME kept its finalizer (is the operator running?); removing it by hand"
    kc patch rss "$DEMO_NAME" -n "$ns" --type=merge -p '{"metadata":{"finalizers":null}}' > /dev/null 2>&1 || true
  fi
  kc delete namespace "$ns" --wait=false --ignore-not-found > /dev/null
  kill_daemons "$work" "$ns"
  rm -rf "$work"
  log "demo in $ns deleted (namespace terminating, apps stopped, $work removed)"
}

# every demo app of this control plane (all namespaces), when it stops: KWOK does not kill a pod's local processes
stop_demo_apps() {
  local w
  for w in "$RUN"/demo/*/; do
    [ -d "$w/_net" ] || continue
    kill_daemons "${w%/}" "$(basename "$w")"
    [ "${1:-}" = quiet ] || log "stopped the demo apps of $(basename "$w")"
  done
}

case "${1:-}" in
  build) shift; cmd_build "$@" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) shift; cmd_kill "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  env) echo "export KUBECONFIG=$RUN/kubeconfig"
       command -v kubectl > /dev/null 2>&1 || echo "export PATH=\"$BIN:\$PATH\"  # kubectl" ;;
  demo) shift; cmd_demo "$@" ;;
  demo-yaml) shift; PRINT_ONLY=1 cmd_demo "$@" ;;
  lights-out) shift; cmd_lights_out "$@" ;;
  demo-check) shift; cmd_demo_check "$@" ;;
  demo-watch) shift; cmd_demo_watch "$@" ;;
  demo-delete) shift; cmd_demo_delete "$@" ;;
  paths) echo "BIN=$BIN"; echo "RUN=$RUN"; echo "KUBECONFIG=$RUN/kubeconfig"; echo "APISERVER=https://127.0.0.1:${APISERVER_PORT}" ;;
  *) echo "usage: $0 build|start|stop|env|status|paths|kill COMPONENT|restart etcd|kube-apiserver" >&2
     echo "       $0 demo [NS] [REPLICAS]|demo-yaml [NS] [REPLICAS]|lights-out [NS] [NEWEST]|demo-check [NS]|demo-watch [NS]|demo-delete [NS]" >&2
     exit 2 ;;
esac
