#!/bin/bash
# external-address.sh: print the address this broker advertises on its EXTERNAL listener,
# "host:port" ("[ipv6]:port"), for configure.sh. The first source that applies, in order:
#
#   1. EXTERNAL_HOSTS entry <ordinal> ("host" or "host:port"), or EXTERNAL_HOST_PATTERN
#      with {id} replaced by the broker id (externalAccess.hosts / hostPattern);
#   2. the address the broker's LoadBalancer Service received, which the external-address
#      init container (auto-discovery.sh) wrote to EXTERNAL_HOST_FILE;
#   3. NodePort: this node's IP (HOST_IP, downward API status.hostIP).
#
# The port: the entry's own (host:port), else with NodePort the broker's node port
# (EXTERNAL_NODE_PORTS entry <ordinal>, or EXTERNAL_NODE_PORT_BASE + ordinal), else
# EXTERNAL_PORT (the per-broker Service's port). Nothing here is secret.
#
# Environment: POD_NAME, BROKER_ID_OFFSET, EXTERNAL_SERVICE_TYPE, EXTERNAL_PORT, and those
# above that apply.
set -euo pipefail

die() {
  echo "external-address.sh: $*" >&2
  exit 1
}

: "${POD_NAME:?POD_NAME must be set (downward API metadata.name)}"
: "${EXTERNAL_SERVICE_TYPE:?EXTERNAL_SERVICE_TYPE must be set (externalAccess.service.type)}"
: "${EXTERNAL_PORT:?EXTERNAL_PORT must be set (externalAccess.service.port)}"
offset="${BROKER_ID_OFFSET:-0}"
[[ "$POD_NAME" =~ -([0-9]+)$ ]] || die "cannot take an ordinal from pod name '$POD_NAME'"
ordinal=$((10#${BASH_REMATCH[1]}))
[[ "$offset" =~ ^[0-9]+$ ]] || die "BROKER_ID_OFFSET '$offset' is not a whole number"
broker_id=$((ordinal + 10#$offset))

# Entry <ordinal> of comma list $2 (named $1 in messages).
nth() {
  local -a items
  IFS=, read -r -a items <<<"$2"
  ((ordinal < ${#items[@]})) ||
    die "$1 has ${#items[@]} entries, none for broker ordinal $ordinal: give one per broker (replicaCount)"
  printf '%s' "${items[ordinal]}"
}

node_port=""
if [[ -n "${EXTERNAL_NODE_PORTS:-}" ]]; then
  node_port=$(nth externalAccess.service.nodePorts "$EXTERNAL_NODE_PORTS")
elif [[ -n "${EXTERNAL_NODE_PORT_BASE:-}" ]]; then
  [[ "$EXTERNAL_NODE_PORT_BASE" =~ ^[0-9]+$ ]] ||
    die "EXTERNAL_NODE_PORT_BASE '$EXTERNAL_NODE_PORT_BASE' is not a port"
  node_port=$((10#$EXTERNAL_NODE_PORT_BASE + ordinal))
fi

entry=""
source=""
if [[ -n "${EXTERNAL_HOSTS:-}" ]]; then
  entry=$(nth externalAccess.hosts "$EXTERNAL_HOSTS")
  source="externalAccess.hosts[$ordinal]"
elif [[ -n "${EXTERNAL_HOST_PATTERN:-}" ]]; then
  entry=${EXTERNAL_HOST_PATTERN//\{id\}/$broker_id}
  source="externalAccess.hostPattern"
elif [[ -n "${EXTERNAL_HOST_FILE:-}" ]]; then
  [[ -s "$EXTERNAL_HOST_FILE" ]] ||
    die "$EXTERNAL_HOST_FILE is missing or empty: the external-address init container writes the load balancer's address there (see its log)"
  entry=$(tr -d '[:space:]' <"$EXTERNAL_HOST_FILE")
  source="the LoadBalancer address in $EXTERNAL_HOST_FILE"
elif [[ "$EXTERNAL_SERVICE_TYPE" == NodePort ]]; then
  : "${HOST_IP:?HOST_IP must be set with NodePort and no hosts (downward API status.hostIP)}"
  entry=$HOST_IP
  source="this node's IP (status.hostIP)"
else
  die "nothing to advertise for a $EXTERNAL_SERVICE_TYPE Service: set externalAccess.hosts or hostPattern (or autoDiscovery for LoadBalancer)"
fi

host=$entry
port=""
# host:port, but not a bare IPv6 address ("fd00::1"); "[fd00::1]:9095" is host:port.
if [[ "$entry" =~ ^\[(.*)\]:([0-9]+)$ ]]; then
  host=${BASH_REMATCH[1]}
  port=${BASH_REMATCH[2]}
elif [[ "$entry" != *:*:* && "$entry" =~ ^(.+):([0-9]+)$ ]]; then
  host=${BASH_REMATCH[1]}
  port=${BASH_REMATCH[2]}
fi
host=${host#[}
host=${host%]}
[[ -n "$host" && "$host" =~ ^[A-Za-z0-9.:-]+$ ]] || die "'$entry' from $source is not a host name or an IP address"
if [[ -z "$port" ]]; then
  if [[ "$EXTERNAL_SERVICE_TYPE" == NodePort ]]; then
    [[ -n "$node_port" ]] ||
      die "no node port for broker ordinal $ordinal: set externalAccess.service.nodePorts or nodePortBase (a randomly allocated node port cannot be known here), or give $source a port"
    port=$node_port
  else
    port=$EXTERNAL_PORT
  fi
fi
[[ "$host" == *:* ]] && host="[$host]"
printf '%s:%s\n' "$host" "$port"
