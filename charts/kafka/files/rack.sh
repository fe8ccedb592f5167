#!/bin/bash
# rack.sh: the rack init container (rackAwareness). Reads the label TOPOLOGY_KEY of this
# pod's node (NODE_NAME, downward API spec.nodeName) and writes its value to RACK_FILE, on
# the emptyDir where configure.sh reads it into broker.rack. A failing API call is retried
# for RACK_TIMEOUT_SECONDS; a node without the label stops the pod at once: Kafka refuses
# to assign replicas while only some brokers have a rack, so a broker without one would
# break topic creation cluster-wide.
#
# The token is the init container's own projected one; the ClusterRole allows `get` on
# nodes only.
#
# Environment: NODE_NAME, TOPOLOGY_KEY, RACK_FILE, RACK_TIMEOUT_SECONDS (60),
#   RACK_POLL_SECONDS (2), KUBECTL (kubectl).
set -euo pipefail

die() {
  echo "rack.sh: $*" >&2
  exit 1
}

: "${NODE_NAME:?NODE_NAME must be set (downward API spec.nodeName)}"
: "${TOPOLOGY_KEY:?TOPOLOGY_KEY must be set (rackAwareness.topologyKey)}"
: "${RACK_FILE:?RACK_FILE must be set}"
timeout="${RACK_TIMEOUT_SECONDS:-60}"
poll="${RACK_POLL_SECONDS:-2}"
kubectl="${KUBECTL:-kubectl}"
# jsonpath needs the dots of the label key escaped
key=${TOPOLOGY_KEY//./\\.}

deadline=$((SECONDS + timeout))
# kubectl's stderr apart from the answer (a warning on success is not the label's value)
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
while :; do
  rc=0
  out=$("$kubectl" get node "$NODE_NAME" --output "jsonpath={.metadata.labels.$key}" 2>"$errors") || rc=$?
  ((rc == 0)) && break
  if ((SECONDS >= deadline)); then
    die "cannot read node $NODE_NAME after ${timeout}s: $(tail -n 1 "$errors")" \
      "(the ClusterRole of rackAwareness allows get on nodes; check its binding to the pod's ServiceAccount)"
  fi
  echo "rack.sh: reading node $NODE_NAME: $(tail -n 1 "$errors"); retrying" >&2
  sleep "$poll"
done
[[ -n "$out" ]] ||
  die "node $NODE_NAME has no label $TOPOLOGY_KEY: label every node that runs brokers" \
    "(kubectl label node $NODE_NAME $TOPOLOGY_KEY=<zone>), or set rackAwareness.topologyKey to a label they have," \
    "or turn rackAwareness off"
[[ "$out" =~ ^[A-Za-z0-9._-]+$ ]] || die "node $NODE_NAME's label $TOPOLOGY_KEY is '$out', not a label value"
mkdir -p "$(dirname "$RACK_FILE")"
printf '%s\n' "$out" >"$RACK_FILE.tmp"
mv "$RACK_FILE.tmp" "$RACK_FILE"
echo "rack.sh: node $NODE_NAME is in $TOPOLOGY_KEY=$out: broker.rack=$out"
