#!/usr/bin/env bash
# Stop everything e2e/cluster/up.sh started (only the recorded PIDs whose executable still
# matches), remove the node bridge it created and the cluster state (etcd data, PKI,
# kubeconfigs). Logs stay in $E2E_RUN_DIR/logs unless E2E_PURGE=1.
# Safe to run any number of times, also after a failed or partial up.sh.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

# PV directories the hostpath provisioner made for this cluster (deleted once all is stopped)
pv_dirs=()
if pid_alive kube-apiserver && [[ -f "$KUBECONFIG_ADMIN" ]] && resolve_tools; then
  mapfile -t pv_dirs < <("$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" --request-timeout 10s get pv \
    -o jsonpath='{range .items[*]}{.spec.hostPath.path}{"\n"}{end}' 2>/dev/null || true)
fi

# reverse start order: node components first, etcd last
order=(kube-router coredns kube-proxy kubelet kube-scheduler hostpath-perms kube-controller-manager kube-apiserver etcd)
for f in "$PIDS"/*.pid; do
  [[ -f "$f" ]] || continue
  n="$(basename "$f" .pid)"
  [[ " ${order[*]} " == *" $n "* ]] || order=("$n" "${order[@]}")
done

for n in "${order[@]}"; do
  f="$PIDS/$n.pid"
  [[ -f "$f" ]] || continue
  if pid_alive "$n"; then
    read -r pid _ < "$f"
    log "stopping $n (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do pid_alive "$n" || break; sleep 0.2; done
    if pid_alive "$n"; then
      log "$n did not exit, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  else
    read -r pid exe < "$f"
    if [[ -n "$pid" && -e "/proc/$pid" ]]; then
      # left alone on purpose (the pid may be reused), but said: a mismatch here once hid
      # a leak (a process recorded as its wrapper script's path)
      log "WARNING: $n's pid $pid now runs $(readlink "/proc/$pid/exe" 2>/dev/null || echo '?'), not $exe: left alone"
    fi
  fi
  rm -f "$f"
done

if [[ -f "$E2E_RUN_DIR/nodes-cleanup.sh" ]]; then
  # written by nodes.sh: a multi-node cluster's nodes (pods, processes, namespaces, cgroups)
  bash "$E2E_RUN_DIR/nodes-cleanup.sh" || true
  rm -f "$E2E_RUN_DIR/nodes-cleanup.sh"
fi

if [[ -f "$E2E_RUN_DIR/node-cleanup.sh" ]]; then
  # written by node.sh: mounts, iptables chains, CNI state of the node components
  bash "$E2E_RUN_DIR/node-cleanup.sh" || true
  rm -f "$E2E_RUN_DIR/node-cleanup.sh"
fi

for d in "${pv_dirs[@]}"; do
  [[ "$d" == /tmp/hostpath_pv/?* ]] && rm -rf "$d"
done

if [[ -f "$E2E_RUN_DIR/netif.created" ]]; then
  log "removing bridge $E2E_NODE_IF"
  ip link del "$E2E_NODE_IF" 2>/dev/null || true
  rm -f "$E2E_RUN_DIR/netif.created"
fi

if [[ -d "$E2E_RUN_DIR" ]]; then
  rm -rf "$E2E_RUN_DIR/etcd" "$E2E_RUN_DIR/pki" "$E2E_RUN_DIR"/*.kubeconfig \
    "$E2E_RUN_DIR/kubeconfig" "$E2E_RUN_DIR"/*-certs "$E2E_RUN_DIR/coredns" "$E2E_RUN_DIR"/kube-proxy* "$E2E_RUN_DIR/hostpath" \
    "$E2E_RUN_DIR/version.json"
  if [[ "${E2E_PURGE:-0}" == 1 ]]; then
    rm -rf "$E2E_RUN_DIR"
  fi
fi
log "down: done"
