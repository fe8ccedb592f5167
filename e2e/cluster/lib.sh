# shellcheck shell=bash
# shellcheck disable=SC2034  # settings for the scripts that source this file
# Shared settings of the e2e cluster: sourced by e2e/run.sh and e2e/cluster/{up,down}.sh.
# Versions come from e2e/versions.sh; every other knob is an env var with its default here.
#
# Everything the cluster writes lives under $E2E_RUN_DIR; every process it starts is
# recorded in $E2E_RUN_DIR/pids/<name>.pid together with its executable path, so
# down.sh can stop exactly those processes and nothing else.

E2E_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../versions.sh
source "$E2E_REPO_ROOT/e2e/versions.sh"
K8S_BIN="${K8S_BIN:-$E2E_CACHE/k8s-$K8S_VERSION/bin}"
E2E_RUN_DIR="${E2E_RUN_DIR:-/tmp/stack-e2e/run}"

# Loopback-only control plane.
# etcd: built from the Go module proxy by e2e/build/build-etcd.sh (ETCD_VERSION) unless
# E2E_ETCD_BIN names another one (Debian's etcd-server 3.4.23 works too:
# E2E_ETCD_BIN=/usr/bin/etcd).
E2E_ETCD_BIN="${E2E_ETCD_BIN:-$E2E_CACHE/etcd-$ETCD_VERSION/etcd}"
E2E_ETCD_CLIENT_PORT="${E2E_ETCD_CLIENT_PORT:-23790}"
E2E_ETCD_PEER_PORT="${E2E_ETCD_PEER_PORT:-23800}"
E2E_APISERVER_PORT="${E2E_APISERVER_PORT:-6443}"
E2E_SERVICE_CIDR="${E2E_SERVICE_CIDR:-10.96.0.0/16}"
E2E_SERVICE_IP="${E2E_SERVICE_IP:-10.96.0.1}"       # first IP of the service range
E2E_CLUSTER_DOMAIN="${E2E_CLUSTER_DOMAIN:-cluster.local}"
E2E_NODE_NAME="${E2E_NODE_NAME:-e2e-node}"

# The "node IP": a private address on a bridge interface that up.sh creates inside this VM
# (no dummy module here). It never routes anywhere; the apiserver advertises it and the
# node components (Stage 2) use it.
E2E_NODE_IF="${E2E_NODE_IF:-e2e-node0}"
E2E_NODE_IP="${E2E_NODE_IP:-10.213.0.10}"

# Multi-node mode (E2E_NODES > 1; e2e/cluster/README.md "Multi-node"): each node e2e-n<i>
# is its own network namespace (e2e-n<i>) with its own containerd, kubelet and kube-proxy,
# joined to the VM by a veth on the bridge $E2E_NODES_IF. The control plane stays on
# loopback; e2e/cluster/apiproxy.py serves it on each node's own 127.0.0.1. Node IPs are
# 10.213.0.1<i>, pod subnets 10.244.<i>.0/24, zones a, b, c, ... CoreDNS listens on the
# bridge's address $E2E_NODES_IP. One node (the default) is the single-node cluster above.
E2E_NODES="${E2E_NODES:-1}"
[[ "$E2E_NODES" =~ ^[1-9]$ ]] || { echo "E2E_NODES must be a number of nodes from 1 to 9, not '$E2E_NODES'" >&2; exit 2; }
E2E_NODES_IF="${E2E_NODES_IF:-e2e-nodes0}"
E2E_NODES_IP="${E2E_NODES_IP:-10.213.0.1}"
# node_names: e2e-n1 ... e2e-n<N>; node_ip/node_subnet/node_zone I: the i-th node's.
node_names() { local i; for ((i = 1; i <= E2E_NODES; i++)); do echo "e2e-n$i"; done; }
node_ip() { echo "10.213.0.1$1"; }
node_subnet() { echo "10.244.$1.0/24"; }
node_zone() { local z=abcdefghi; echo "${z:$(( $1 - 1 )):1}"; }
# The address pods and the host use for cluster DNS.
if (( E2E_NODES > 1 )); then E2E_DNS_IP="$E2E_NODES_IP"; else E2E_DNS_IP="$E2E_NODE_IP"; fi

# The NetworkPolicy enforcer beside the bridge CNI and kube-proxy: kube-router's policy
# controller alone (iptables + ipset; e2e/cluster/README.md), or none (policies are then
# stored but not enforced, as on a cluster without a policy-aware network plugin).
E2E_NETPOL_SET="${E2E_NETPOL:-}"
E2E_NETPOL="${E2E_NETPOL:-kube-router}"
case "$E2E_NETPOL" in
  kube-router|none) ;;
  *) echo "E2E_NETPOL must be kube-router or none, not '$E2E_NETPOL'" >&2; exit 2 ;;
esac
if (( E2E_NODES > 1 )) && [[ "$E2E_NETPOL" == kube-router ]]; then
  # kube-router's policy controller is set up for the single node only (its chains and
  # ipsets would have to run in every node's namespace): policies are stored, not enforced.
  if [[ -n "${E2E_NETPOL_SET:-}" ]]; then
    echo "E2E_NETPOL=kube-router is not supported with E2E_NODES=$E2E_NODES (use E2E_NETPOL=none)" >&2; exit 2
  fi
  E2E_NETPOL=none
fi
KUBE_ROUTER_BIN="${KUBE_ROUTER_BIN:-$E2E_CACHE/kube-router-$KUBE_ROUTER_VERSION/kube-router}"

# Components started by up.sh, in order. The node part (kubelet, kube-proxy, coredns,
# kube-router) needs e2e/runtime's containerd running. `up.sh --control-plane` starts only
# the first four.
E2E_CONTROL_PLANE="etcd kube-apiserver kube-controller-manager kube-scheduler"
E2E_NODE_PART="coredns kubelet kube-proxy"
if [[ "$E2E_NETPOL" == kube-router ]]; then E2E_NODE_PART+=" kube-router"; fi
E2E_COMPONENTS="${E2E_COMPONENTS:-$E2E_CONTROL_PLANE $E2E_NODE_PART}"
export E2E_NETPOL E2E_NODES

PKI="$E2E_RUN_DIR/pki"
LOGS="$E2E_RUN_DIR/logs"
PIDS="$E2E_RUN_DIR/pids"
KUBECONFIG_ADMIN="$E2E_RUN_DIR/kubeconfig"

log() { echo "[e2e-cluster $(date -u +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# resolve_tools: set HELM and KUBECTL from stackctl's own resolution (the pinned,
# checksum-verified pair it installs), unless the caller exported both already (e2e/run.sh
# resolves them once). No path of our own: stackctl decides where they live.
resolve_tools() {
  [[ -n "${HELM:-}" && -n "${KUBECTL:-}" ]] && return 0
  local py="$E2E_REPO_ROOT/.venv/bin/python" out
  if [[ ! -x "$py" ]]; then
    log "no $py: run 'make setup' first (stackctl resolves helm and kubectl)"
    return 1
  fi
  out="$("$py" -c 'from stackctl.helmbin import find_helm, find_kubectl
print(find_helm()); print(find_kubectl())')" || return 1
  HELM="${out%%$'\n'*}"
  KUBECTL="${out##*$'\n'}"
  export HELM KUBECTL
}

# One cluster per machine: the ports, bridges, iptables chains and containerd are shared,
# so every entry point (run.sh, up.sh, down.sh, ...) holds this lock for its lifetime;
# children of a holder inherit it (E2E_LOCK_HELD). A second run waits instead of tearing
# down the first one's cluster.
if [[ -z "${E2E_LOCK_HELD:-}" ]]; then
  mkdir -p /tmp/stack-e2e
  exec 9>/tmp/stack-e2e/cluster.lock
  if ! flock -n 9; then
    log "another e2e run holds /tmp/stack-e2e/cluster.lock; waiting for it"
    flock -w "${E2E_LOCK_WAIT:-3600}" 9 || die "timed out waiting for /tmp/stack-e2e/cluster.lock"
  fi
  export E2E_LOCK_HELD=$$
fi

# start_proc NAME EXECUTABLE ARGS... : run detached in its own session, log + pid recorded.
start_proc() {
  local name="$1"; shift
  local exe="$1"
  mkdir -p "$LOGS" "$PIDS"
  log "starting $name"
  # IN_NODE=<node>: the process runs in that node's cgroup and network namespace
  # (in-node.sh execs it in place: the recorded pid and executable stay right)
  local prefix=()
  if [[ -n "${IN_NODE:-}" ]]; then prefix=("$E2E_REPO_ROOT/e2e/cluster/in-node.sh" "$IN_NODE"); fi
  setsid "${prefix[@]}" "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null 9>&- &  # 9: the e2e lock stays with the driver
  local pid=$! real
  real="$(readlink -f "$exe")"
  printf '%s %s\n' "$pid" "$real" > "$PIDS/$name.pid"
  LAST_PROC="$name"
  # Until the forked shell has exec'd setsid and setsid the binary, /proc/<pid>/exe is bash or
  # setsid, and pid_alive would call the process gone (it did, on an idle machine: "exited
  # while waiting" 0 s after the start, the server running). Wait for the exec, 10 s at most.
  local i cur
  for ((i = 0; i < 100; i++)); do
    [[ -e "/proc/$pid" ]] || return 0  # really gone: the caller's wait_for says so
    cur="$(readlink "/proc/$pid/exe" 2>/dev/null)" || true
    [[ "${cur% (deleted)}" == "$real" ]] && return 0
    sleep 0.1
  done
  log "$name: pid $pid has not exec'd $real after 10 s (it runs ${cur:-?})"
}

# pid_alive NAME: the recorded pid still runs the recorded executable.
pid_alive() {
  local f="$PIDS/$1.pid" pid exe
  [[ -f "$f" ]] || return 1
  read -r pid exe < "$f"
  [[ -n "$pid" && -e "/proc/$pid" ]] || return 1
  local cur; cur="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  # a binary rebuilt while running shows as "<path> (deleted)"
  [[ "${cur% (deleted)}" == "$exe" ]]
}

# wait_for DESC TIMEOUT_S CMD...: poll until CMD succeeds.
wait_for() {
  local desc="$1" timeout="$2"; shift 2
  local start; start=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    # the process just started is gone: no point in waiting for it
    if [[ -n "${LAST_PROC:-}" ]] && ! pid_alive "$LAST_PROC"; then
      log "$LAST_PROC exited while waiting for $desc (see $LOGS/$LAST_PROC.log)"
      return 1
    fi
    if (( $(date +%s) - start > timeout )); then
      log "timed out after ${timeout}s waiting for $desc"
      return 1
    fi
    sleep 1
  done
  log "$desc ok after $(( $(date +%s) - start ))s"
}
