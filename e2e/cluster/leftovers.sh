#!/usr/bin/env bash
# What a torn-down e2e cluster must not leave behind, single- or multi-node: lists every
# leftover and exits 1 if there is one, 0 if the VM is clean. e2e/run.sh runs it after
# every teardown (make e2e, make e2e-down), so a leak fails the run that made it.
#   e2e/cluster/leftovers.sh
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

found=()
# network namespaces: the nodes' (e2e-*) and the pods' (cni-*, made by containerd's CNI)
while read -r ns _; do
  case "$ns" in e2e-*|cni-*) found+=("network namespace $ns") ;; esac
done < <(ip netns list 2>/dev/null)
# links: the single node's bridge, the nodes' bridge and veths, the CNI bridge
while read -r link; do
  case "$link" in
    "$E2E_NODE_IF"|"$E2E_NODES_IF"|cni-e2e0|e2e-n[0-9]h) found+=("link $link") ;;
  esac
done < <(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1)
# iptables chains of kube-proxy, the kubelet, CNI and kube-router in the VM's own tables
for t in filter nat mangle; do
  while read -r chain; do
    found+=("iptables -t $t chain $chain")
  done < <(iptables -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^(KUBE-|CNI-)/ {print $2}')
done
# mounts under the cluster's state
while read -r m; do
  found+=("mount $m")
done < <(awk '{print $2}' /proc/mounts | grep -E '^(/tmp/stack-e2e/|/run/netns/(e2e-|cni-))' || true)
# the nodes' cgroups
for d in /sys/fs/cgroup/*/e2e-n[0-9]; do
  [[ -d "$d" ]] && found+=("cgroup $d")
done
# processes the run recorded
for f in "$PIDS"/*.pid; do
  [[ -f "$f" ]] || continue
  if pid_alive "$(basename "$f" .pid)"; then found+=("process $(basename "$f" .pid) ($(cut -d' ' -f1 "$f"))"); fi
done

if (( ${#found[@]} )); then
  printf 'e2e leftover: %s\n' "${found[@]}" >&2
  exit 1
fi
echo "e2e leftovers: none (namespaces, links, iptables chains, mounts, cgroups, processes)"
