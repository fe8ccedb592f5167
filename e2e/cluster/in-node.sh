#!/usr/bin/env bash
# in-node.sh NODE CMD...: exec CMD as a process of the multi-node cluster's node NODE: in
# that node's cgroup (/e2e-n<i> in every cgroup v1 hierarchy, which its kubelet uses as
# cgroupRoot) and in its network namespace. Everything a node runs (containerd, its shims
# and containers, kubelet, kube-proxy) is thereby found, and can be crashed, by its cgroup
# (nodes.sh node_kill). Only the network namespace is entered: the mount namespace stays
# the VM's, so kubelet's volume mounts are the ones containerd's runc sees.
set -euo pipefail
node="${1:?usage: in-node.sh NODE CMD...}"; shift
[[ -e "/run/netns/$node" ]] || { echo "in-node.sh: no network namespace $node" >&2; exit 1; }
for d in /sys/fs/cgroup/*/"$node"; do
  if [[ -f "$d/cgroup.procs" ]]; then echo $$ > "$d/cgroup.procs"; fi
done
exec nsenter --net="/run/netns/$node" -- "$@"
