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

case "${1:-}" in
  build) shift; cmd_build "$@" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) shift; cmd_kill "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  env) echo "export KUBECONFIG=$RUN/kubeconfig" ;;
  paths) echo "BIN=$BIN"; echo "RUN=$RUN"; echo "KUBECONFIG=$RUN/kubeconfig"; echo "APISERVER=https://127.0.0.1:${APISERVER_PORT}" ;;
  *) echo "usage: $0 build|start|stop|env|status|paths|kill COMPONENT|restart etcd|kube-apiserver" >&2; exit 2 ;;
esac
