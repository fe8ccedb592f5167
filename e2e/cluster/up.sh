#!/usr/bin/env bash
# Bring up a Kubernetes built from upstream sources, on this VM only: one node, or
# E2E_NODES=3 nodes each in its own network namespace (nodes.sh).
#
#   e2e/runtime/start-containerd.sh --with-images   # the node's runtime + local images
#   e2e/cluster/up.sh                 # etcd, apiserver, controller-manager, scheduler,
#                                     # CoreDNS, kubelet, kube-proxy (node e2e-node),
#                                     # kube-router's NetworkPolicy controller
#   E2E_NETPOL=none e2e/cluster/up.sh # the same without a NetworkPolicy enforcer
#   E2E_NODES=3 e2e/cluster/up.sh     # three nodes e2e-n1..3 in zones a, b, c (no
#                                     # host containerd needed: each node runs its own)
#   e2e/cluster/up.sh --control-plane # only etcd + apiserver + controller-manager + scheduler
#   E2E_COMPONENTS="etcd kube-apiserver" e2e/cluster/up.sh    # Stage 1 minimum
#   export KUBECONFIG=/tmp/stack-e2e/run/kubeconfig
#   e2e/cluster/down.sh               # stops everything up.sh started, cleans state
#
# All listeners are on 127.0.0.1, except what later stages put on the node IP
# ($E2E_NODE_IP on bridge $E2E_NODE_IF, created here, private to this VM).
# Missing Kubernetes binaries are built first with e2e/build/build-k8s.sh (cached).
# On failure the tail of each log is printed and everything is torn down
# (set E2E_KEEP_ON_FAIL=1 to leave it running for inspection).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=pki.sh
source "$HERE/pki.sh"

case "${1:-}" in
  --control-plane) E2E_COMPONENTS="$E2E_CONTROL_PLANE" ;;
  "") ;;
  *) die "usage: up.sh [--control-plane]" ;;
esac

on_exit() {
  local rc=$?
  (( rc == 0 )) && return 0
  log "up.sh failed (rc=$rc); last log lines:"
  for f in "$LOGS"/*.log; do
    [[ -f "$f" ]] || continue
    echo "----- $f" >&2
    tail -n 15 "$f" >&2
  done
  if [[ "${E2E_KEEP_ON_FAIL:-0}" != 1 ]]; then
    "$HERE/down.sh" || true
  fi
  exit "$rc"
}

has() { [[ " $E2E_COMPONENTS " == *" $1 "* ]]; }

for p in "$PIDS"/*.pid; do
  [[ -f "$p" ]] || continue
  if pid_alive "$(basename "$p" .pid)"; then
    die "a cluster is already running from $E2E_RUN_DIR (run e2e/cluster/down.sh first)"
  fi
done

# --- ports: a health check must never be answered by someone else's server ------------
declare -A PORTS=(
  [etcd]="$E2E_ETCD_CLIENT_PORT $E2E_ETCD_PEER_PORT" [kube-apiserver]="$E2E_APISERVER_PORT"
  [kube-controller-manager]=10257 [kube-scheduler]=10259 [coredns]="18080 18181"
  [kubelet]="10250 10248" [kube-proxy]="10256 10249"
)
if (( E2E_NODES > 1 )); then
  # the node components listen in their nodes' own network namespaces
  PORTS[kubelet]="" PORTS[kube-proxy]=""
fi
busy=()
for c in "${!PORTS[@]}"; do
  has "$c" || continue
  for port in ${PORTS[$c]}; do
    if ss -Htln "sport = :$port" | grep -q .; then busy+=("$c:$port"); fi
  done
done
(( ${#busy[@]} == 0 )) || die "ports already in use (another cluster or service?): ${busy[*]}"

resolve_tools || die "no kubectl (stackctl could not resolve one)"

# from here on, any failure tears down whatever this run started
trap on_exit EXIT

# --- binaries -------------------------------------------------------------------------
need=()
for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
  if has "$c" && [[ ! -x "$K8S_BIN/$c" ]]; then need+=("$c"); fi
done
if (( ${#need[@]} )); then
  log "building missing binaries: ${need[*]}"
  "$E2E_REPO_ROOT/e2e/build/build-k8s.sh" "${need[@]}"
fi
if has etcd && [[ ! -x "$E2E_ETCD_BIN" ]]; then
  if [[ "$E2E_ETCD_BIN" == "$E2E_CACHE/etcd-$ETCD_VERSION/etcd" ]]; then
    "$E2E_REPO_ROOT/e2e/build/build-etcd.sh"
  else
    die "etcd not found at $E2E_ETCD_BIN"
  fi
fi

mkdir -p "$E2E_RUN_DIR" "$LOGS" "$PIDS"
# keep the previous run's logs, start fresh ones
if compgen -G "$LOGS/*.log" >/dev/null; then
  old="$E2E_RUN_DIR/logs.prev"; rm -rf "$old"; mv "$LOGS" "$old"; mkdir -p "$LOGS"
fi

# --- node IP (single node; a multi-node cluster's bridge is made by nodes.sh) ------------
if (( E2E_NODES == 1 )) && ! ip link show "$E2E_NODE_IF" >/dev/null 2>&1; then
  log "creating bridge $E2E_NODE_IF with node IP $E2E_NODE_IP/32 (local to this VM)"
  ip link add "$E2E_NODE_IF" type bridge
  touch "$E2E_RUN_DIR/netif.created"
fi
if (( E2E_NODES == 1 )); then
  ip addr replace "$E2E_NODE_IP/32" dev "$E2E_NODE_IF"
  ip link set "$E2E_NODE_IF" up
fi

gen_pki

CURL_ADMIN=(curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key")
API="https://127.0.0.1:$E2E_APISERVER_PORT"

# --- etcd -----------------------------------------------------------------------------
if has etcd; then
  start_proc etcd "$E2E_ETCD_BIN" \
    --name e2e --data-dir "$E2E_RUN_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$E2E_ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$E2E_ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
    --initial-cluster "e2e=http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
    --initial-cluster-state new --quota-backend-bytes 2147483648 \
    --logger zap --log-level warn
  wait_for etcd 60 curl -sf "http://127.0.0.1:$E2E_ETCD_CLIENT_PORT/health"
fi

# --- kube-apiserver -------------------------------------------------------------------
if has kube-apiserver; then
  start_proc kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$E2E_ETCD_CLIENT_PORT" \
    --bind-address 127.0.0.1 --secure-port "$E2E_APISERVER_PORT" \
    --advertise-address "$E2E_DNS_IP" \
    --service-cluster-ip-range "$E2E_SERVICE_CIDR" \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction \
    --allow-privileged=true \
    --client-ca-file "$PKI/ca.crt" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --service-account-issuer "https://kubernetes.default.svc.$E2E_CLUSTER_DOMAIN" \
    --service-account-key-file "$PKI/sa.pub" \
    --service-account-signing-key-file "$PKI/sa.key" \
    --cert-dir "$E2E_RUN_DIR/apiserver-certs" \
    --profiling=false --endpoint-reconciler-type lease \
    --v 1
  wait_for "kube-apiserver /readyz" 180 "${CURL_ADMIN[@]}" "$API/readyz"
  "${CURL_ADMIN[@]}" "$API/version" > "$E2E_RUN_DIR/version.json"
  log "apiserver version: $(tr -d '\n ' < "$E2E_RUN_DIR/version.json")"
  # Cluster-level objects this environment provides (default StorageClass, ...).
  # A multi-node cluster's default StorageClass is its nodes' local volumes (nodes.sh).
  for f in "$HERE"/manifests/*.yaml; do
    if (( E2E_NODES > 1 )) && [[ "$f" == */storageclass.yaml ]]; then continue; fi
    "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" apply -f "$f" >>"$LOGS/bootstrap.log" 2>&1
  done
fi

# --- kube-controller-manager ----------------------------------------------------------
if has kube-controller-manager; then
  start_proc kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$E2E_RUN_DIR/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$E2E_RUN_DIR/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$E2E_RUN_DIR/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 \
    --cert-dir "$E2E_RUN_DIR/controller-manager-certs" \
    --leader-elect=false \
    --controllers '*' \
    --use-service-account-credentials=true \
    --service-account-private-key-file "$PKI/sa.key" \
    --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$E2E_SERVICE_CIDR" \
    --enable-hostpath-provisioner=true \
    --profiling=false --v 1
  wait_for "kube-controller-manager /healthz" 90 curl -skf https://127.0.0.1:10257/healthz
  # The in-tree hostpath provisioner creates /tmp/hostpath_pv/<uuid> as root with mode 0750,
  # and hostPath volumes get no fsGroup ownership change, so non-root pods (runAsUser 1000)
  # could not write their PVs. Open each new PV dir up (this VM only, throwaway data).
  # Every 50 ms, in one process: a pod can start within a second of its claim binding
  # (measured: a broker that found its data dir still 0750 exited and restarted once).
  # Started as the real interpreter, not a wrapper such as a pyenv shim: down.sh stops
  # only a pid whose /proc/<pid>/exe is the executable recorded here.
  mkdir -p /tmp/hostpath_pv
  start_proc hostpath-perms "$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')" -c '
import os, time
while True:
    for entry in os.scandir("/tmp/hostpath_pv"):
        try:
            if entry.is_dir(follow_symlinks=False) and entry.stat().st_mode & 0o777 != 0o777:
                os.chmod(entry.path, 0o777)
        except OSError:
            pass
    time.sleep(0.05)
'
fi

# --- kube-scheduler -------------------------------------------------------------------
if has kube-scheduler; then
  start_proc kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$E2E_RUN_DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$E2E_RUN_DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$E2E_RUN_DIR/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10259 \
    --cert-dir "$E2E_RUN_DIR/scheduler-certs" \
    --leader-elect=false --profiling=false --v 1
  wait_for "kube-scheduler /healthz" 90 curl -skf https://127.0.0.1:10259/healthz
fi

# --- node components (Stage 2) --------------------------------------------------------
if has kubelet || has kube-proxy || has coredns || has kube-router; then
  # shellcheck source=node.sh
  source "$HERE/node.sh"
  if (( E2E_NODES > 1 )); then
    # shellcheck source=nodes.sh
    source "$HERE/nodes.sh"
    start_nodes
  else
    start_node_components
  fi
fi

log "cluster up: export KUBECONFIG=$KUBECONFIG_ADMIN"
echo "$KUBECONFIG_ADMIN"
