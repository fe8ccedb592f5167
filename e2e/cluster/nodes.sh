# shellcheck shell=bash
# The nodes of a multi-node e2e cluster (E2E_NODES > 1; e2e/cluster/README.md "Multi-node").
# Sourced by up.sh (start_nodes, after the control plane), down.sh (nodes_down) and
# node-ctl.sh (node_crash, node_start); needs lib.sh.
#
# Node i (e2e-n<i>) is, like a kind node container:
#   - a network namespace e2e-n<i>: its eth0 (IP 10.213.0.1<i>/24) is one end of a veth whose
#     other end (e2e-n<i>h) is on the VM's bridge $E2E_NODES_IF ($E2E_NODES_IP); routes to
#     the other nodes' pod subnets go through their node IPs, as a cloud's route table does;
#   - a cgroup /e2e-n<i> in every cgroup v1 hierarchy, holding all its processes; its kubelet's
#     cgroupRoot, so pods are under it too;
#   - its own containerd (state under /tmp/stack-e2e/nodes/e2e-n<i>, the images imported from
#     the build cache), kubelet and kube-proxy, all started by e2e/cluster/in-node.sh;
#   - four local PersistentVolumes (StorageClass local-nodes, the default), directories under
#     the node's state bound to that node by nodeAffinity, as a real local disk is.
# CoreDNS stays on the VM, on $E2E_NODES_IP; the control plane stays on the VM's loopback and
# e2e/cluster/apiproxy.py relays each node's 127.0.0.1:$E2E_APISERVER_PORT to it.

NODES_STATE=/tmp/stack-e2e/nodes
PVS_PER_NODE=4

# the cgroup v1 hierarchies a node gets a cgroup in (the kubelet checks every one, systemd too)
node_hierarchies() {
  local d
  for d in /sys/fs/cgroup/*/; do
    d="${d%/}"
    case "${d##*/}" in unified) continue ;; esac
    [[ -f "$d/cgroup.procs" ]] && echo "$d"
  done
}

# node_pids NODE: every process in the node's cgroups (the pids hierarchy has them all)
node_pids() {
  find /sys/fs/cgroup/pids/"$1" -name cgroup.procs -exec cat {} + 2>/dev/null || true
}

# node_kill NODE: SIGKILL every process of the node until none is left (10 s at most):
# what a power cut does to a machine's processes.
node_kill() {
  local node="$1" i pids
  for ((i = 0; i < 100; i++)); do
    mapfile -t pids < <(node_pids "$node")
    (( ${#pids[@]} )) || return 0
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.1
  done
  log "processes of $node still alive after 10 s: $(node_pids "$node" | tr '\n' ' ')"
  return 1
}

# node_vars I: the node.sh variables of node i (what start_kubelet/start_kube_proxy start)
# shellcheck disable=SC2034  # read by node.sh's functions
node_vars() {
  local i="$1"
  NODE="e2e-n$i" NODE_IP="$(node_ip "$i")" NODE_TAG="-e2e-n$i"
  NODE_EXEC=(nsenter "--net=/run/netns/$NODE" --)
  NODE_CERT="kubelet-serving-$NODE" NODE_KUBECONFIG="$E2E_RUN_DIR/kubelet-$NODE.kubeconfig"
  NODE_CGROUP_ROOT="/$NODE" NODE_LABELS="topology.kubernetes.io/zone=$(node_zone "$i")"
  CLUSTER_CIDR=10.244.0.0/16
  KUBELET_DIR="$E2E_RUN_DIR/nodes/$NODE/kubelet"
  NODE_STATE="$NODES_STATE/$NODE"
  CONTAINERD_SOCK="$NODE_STATE/containerd/containerd.sock"
}

# node_net_up I: the node's namespace, its veth on the bridge, addresses and routes
node_net_up() {
  local i="$1" node="e2e-n$1" j ip
  ip="$(node_ip "$i")"
  ip netns add "$node"
  ip link add "${node}h" type veth peer name eth0 netns "$node"
  ip link set "${node}h" master "$E2E_NODES_IF" up
  ip -n "$node" link set lo up
  ip -n "$node" addr add "$ip/24" dev eth0
  ip -n "$node" link set eth0 up
  ip -n "$node" route add default via "$E2E_NODES_IP"
  for ((j = 1; j <= E2E_NODES; j++)); do
    (( j == i )) && continue
    ip -n "$node" route add "$(node_subnet "$j")" via "$(node_ip "$j")"
  done
  ip route replace "$(node_subnet "$i")" via "$ip" dev "$E2E_NODES_IF"
}

# node_cgroup_up NODE: /NODE in every hierarchy (cpuset needs its cpus and mems set first)
node_cgroup_up() {
  local d
  while read -r d; do
    mkdir -p "$d/$1"
    if [[ "${d##*/}" == cpuset ]]; then
      cat "$d/cpuset.cpus" > "$d/$1/cpuset.cpus"
      cat "$d/cpuset.mems" > "$d/$1/cpuset.mems"
    fi
  done < <(node_hierarchies)
}

# node_runtime_up I: the node's containerd, then the images imported into it
node_runtime_up() {
  node_vars "$1"
  STACK_E2E_STATE="$NODE_STATE" POD_SUBNET="$(node_subnet "$1")" \
    "$E2E_REPO_ROOT/e2e/cluster/in-node.sh" "$NODE" "$E2E_REPO_ROOT/e2e/runtime/start-containerd.sh" \
    >>"$LOGS/containerd-$NODE.log" 2>&1
  STACK_E2E_STATE="$NODE_STATE" "$E2E_REPO_ROOT/e2e/images/build.sh" --import all \
    >>"$LOGS/containerd-$NODE.log" 2>&1
  log "$NODE: containerd up, images imported"
}

# node_components_up I: the node's kubelet (waits for Ready) and kube-proxy
node_components_up() {
  node_vars "$1"
  IN_NODE="$NODE" start_kubelet
  IN_NODE="$NODE" start_kube_proxy
}

# local_pvs_up: the StorageClass and the nodes' PersistentVolumes (directories)
local_pvs_up() {
  local i k node dir
  {
    cat "$E2E_REPO_ROOT/e2e/cluster/manifests/nodes/storageclass-local.yaml"
    for ((i = 1; i <= E2E_NODES; i++)); do
      node="e2e-n$i"
      for ((k = 1; k <= PVS_PER_NODE; k++)); do
        dir="$E2E_RUN_DIR/nodes/$node/pv/pv$k"
        mkdir -p "$dir"
        chmod 0777 "$dir"   # throwaway data; the pods run as non-root
        cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $node-pv$k
  labels: {stack-e2e/node: $node}
spec:
  # local volumes do not enforce a size: prod's persistence.size fits as declared
  capacity: {storage: 1Ti}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local-nodes
  local: {path: $dir}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - {key: kubernetes.io/hostname, operator: In, values: [$node]}
EOF
      done
    done
  } | "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" apply -f - >>"$LOGS/bootstrap.log"
  log "$(( E2E_NODES * PVS_PER_NODE )) local PersistentVolumes, $PVS_PER_NODE per node"
}

start_nodes() {
  local i node
  command -v nsenter >/dev/null || die "nsenter (util-linux) is needed for the multi-node cluster"
  write_nodes_cleanup
  if ! ip link show "$E2E_NODES_IF" >/dev/null 2>&1; then
    ip link add "$E2E_NODES_IF" type bridge
  fi
  ip addr replace "$E2E_NODES_IP/24" dev "$E2E_NODES_IF"
  ip link set "$E2E_NODES_IF" up
  for ((i = 1; i <= E2E_NODES; i++)); do
    node="e2e-n$i"
    [[ -e "/run/netns/$node" ]] && die "network namespace $node exists (run e2e/cluster/down.sh)"
    node_net_up "$i"
    node_cgroup_up "$node"
  done
  # the API server on each node's loopback (the real one stays on the VM's)
  # shellcheck disable=SC2046  # one argument per node name
  start_proc apiproxy "$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')" \
    "$E2E_REPO_ROOT/e2e/cluster/apiproxy.py" "$E2E_APISERVER_PORT" $(node_names)
  wait_for "apiproxy in every node" 30 grep -q "^apiproxy:" "$LOGS/apiproxy.log"
  if has coredns; then start_coredns; fi
  for ((i = 1; i <= E2E_NODES; i++)); do node_runtime_up "$i"; done
  for ((i = 1; i <= E2E_NODES; i++)); do node_components_up "$i"; done
  local_pvs_up
}

# node_crash NODE: the node fails at once: every process it runs (containerd, shims,
# containers, kubelet, kube-proxy) gets SIGKILL, and its link goes down (its IP stops
# answering, as a dead machine's does). Its namespace, cgroups and disks stay.
node_crash() {
  local node="$1"
  [[ -e "/run/netns/$node" ]] || die "no node $node"
  ip link set "${node}h" down
  node_kill "$node"
  log "$node crashed (link down, every process killed)"
}

# node_start I: a crashed (or stopped) node boots: link up, containerd, kubelet, kube-proxy
node_start() {
  local i="$1" node="e2e-n$1"
  [[ -e "/run/netns/$node" ]] || die "no node $node"
  ip link set "${node}h" up
  node_vars "$i"
  STACK_E2E_STATE="$NODE_STATE" POD_SUBNET="$(node_subnet "$i")" \
    "$E2E_REPO_ROOT/e2e/cluster/in-node.sh" "$NODE" "$E2E_REPO_ROOT/e2e/runtime/start-containerd.sh" \
    >>"$LOGS/containerd-$NODE.log" 2>&1
  node_components_up "$i"
}

write_nodes_cleanup() {
  # run by down.sh after the recorded processes are gone
  cat > "$E2E_RUN_DIR/nodes-cleanup.sh" <<EOF
# generated by e2e/cluster/nodes.sh
source "$E2E_REPO_ROOT/e2e/cluster/lib.sh"
source "$E2E_REPO_ROOT/e2e/cluster/nodes.sh"
E2E_NODES=$E2E_NODES
nodes_down
EOF
}

# nodes_down: every node's pods, processes, mounts, pod namespaces, cgroups, namespace and
# state; then the bridge. Safe to run again and after a partial start.
nodes_down() {
  local i node crictl sock ns d m
  for ((i = 1; i <= E2E_NODES; i++)); do
    node_vars "$i"; node="$NODE"; sock="$CONTAINERD_SOCK"
    crictl="$NODE_STATE/bin/crictl"
    if [[ -S "$sock" && -x "$crictl" ]] && ctr -a "$sock" version >/dev/null 2>&1; then
      # a running node: remove its pods the proper way (CNI DEL frees the pod namespaces)
      timeout 90 "$crictl" --runtime-endpoint "unix://$sock" --timeout 60s rmp -fa >/dev/null 2>&1 || true
    fi
    # the pod namespaces this node's containerd made (also those of a crashed node)
    if [[ -d "$NODE_STATE/containerd" ]]; then
      for ns in $(grep -raho 'cni-[0-9a-f]\{8\}-[0-9a-f-]\{27\}' \
          "$NODE_STATE/containerd/root/io.containerd.metadata.v1.bolt" "$NODE_STATE/containerd/state" \
          2>/dev/null | sort -u); do
        [[ -e "/run/netns/$ns" ]] && ip netns del "$ns" 2>/dev/null
      done
    fi
    node_kill "$node" || true
    grep -oE " ($NODE_STATE|$E2E_RUN_DIR/nodes/$node)/[^ ]+" /proc/mounts | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
    # every hierarchy, cgroup v2's too: runc and the kubelet mirror pod cgroups there
    for d in /sys/fs/cgroup/*/"$node"; do
      [[ -d "$d" ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    ip route del "$(node_subnet "$i")" 2>/dev/null || true
    if [[ -e "/run/netns/$node" ]]; then ip netns del "$node"; fi
    ip link del "${node}h" 2>/dev/null || true
    rm -rf "$NODE_STATE" "$E2E_RUN_DIR/nodes/$node"
  done
  ip link del "$E2E_NODES_IF" 2>/dev/null || true
  rmdir "$E2E_RUN_DIR/nodes" "$NODES_STATE" 2>/dev/null || true
}
