#!/usr/bin/env bash
# Fail and boot the nodes of a multi-node e2e cluster (E2E_NODES > 1, nodes.sh).
#
#   e2e/cluster/node-ctl.sh crash NODE   # every process of NODE (containerd, its shims and
#                                        # containers, kubelet, kube-proxy) gets SIGKILL, its
#                                        # link goes down: a power cut, not a drain
#   e2e/cluster/node-ctl.sh start NODE   # boots it again: link up, containerd, kubelet,
#                                        # kube-proxy; returns once the node is Ready
#
# NODE is e2e-n<i>. Its disks (local PVs), namespace and cgroups survive a crash, as a
# machine's disks survive a power cut; the API objects are untouched.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=pki.sh
source "$HERE/pki.sh"
# shellcheck source=node.sh
source "$HERE/node.sh"
# shellcheck source=nodes.sh
source "$HERE/nodes.sh"

usage() { die "usage: node-ctl.sh crash|start e2e-n<i> (a node of the running multi-node cluster)"; }
[[ $# -eq 2 ]] || usage
action="$1" node="$2"
[[ "$node" =~ ^e2e-n([1-9])$ ]] || usage
i="${BASH_REMATCH[1]}"
[[ -e "/run/netns/$node" ]] || die "no node $node running (is a multi-node cluster up?)"
# the number of nodes is the running cluster's, whatever this shell's E2E_NODES says
# shellcheck disable=SC2034  # read by nodes.sh
E2E_NODES="$(cat "$PKI/.done")"
resolve_tools
case "$action" in
  crash) node_crash "$node" ;;
  start) node_start "$i" ;;
  *) usage ;;
esac
