#!/bin/bash
# auto-discovery.sh: the external-address init container (externalAccess.autoDiscovery).
# Waits for this broker's LoadBalancer Service (<EXTERNAL_SERVICE_PREFIX>-<ordinal>-external)
# to receive an address (.status.loadBalancer.ingress[0]: its ip, else its hostname) and
# writes it to EXTERNAL_HOST_FILE, on the emptyDir the broker container reads it from
# (external-address.sh). Gives up after DISCOVERY_TIMEOUT_SECONDS with a message naming
# the Service, so the pod fails visibly instead of advertising an address no client reaches.
#
# The token is the init container's own projected one; the Role allows `get` on this
# release's per-broker Services only.
#
# Environment: POD_NAME, POD_NAMESPACE, EXTERNAL_SERVICE_PREFIX, EXTERNAL_HOST_FILE,
#   DISCOVERY_TIMEOUT_SECONDS (300), DISCOVERY_POLL_SECONDS (5), KUBECTL (kubectl).
set -euo pipefail

die() {
  echo "auto-discovery.sh: $*" >&2
  exit 1
}

: "${POD_NAME:?POD_NAME must be set (downward API metadata.name)}"
: "${POD_NAMESPACE:?POD_NAMESPACE must be set (downward API metadata.namespace)}"
: "${EXTERNAL_SERVICE_PREFIX:?EXTERNAL_SERVICE_PREFIX must be set}"
: "${EXTERNAL_HOST_FILE:?EXTERNAL_HOST_FILE must be set}"
timeout="${DISCOVERY_TIMEOUT_SECONDS:-300}"
poll="${DISCOVERY_POLL_SECONDS:-5}"
kubectl="${KUBECTL:-kubectl}"
[[ "$POD_NAME" =~ -([0-9]+)$ ]] || die "cannot take an ordinal from pod name '$POD_NAME'"
service="$EXTERNAL_SERVICE_PREFIX-$((10#${BASH_REMATCH[1]}))-external"
where="Service $POD_NAMESPACE/$service"

deadline=$((SECONDS + timeout))
last=""
# kubectl's stderr apart from the answer: a warning it prints on success (throttling, its
# discovery cache) must not become part of the address
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
while :; do
  rc=0
  out=$("$kubectl" get service "$service" --namespace "$POD_NAMESPACE" \
    --output 'jsonpath={.status.loadBalancer.ingress[0].ip}|{.status.loadBalancer.ingress[0].hostname}' 2>"$errors") || rc=$?
  if ((rc == 0)); then
    ip=${out%%|*}
    hostname=${out#*|}
    address=${ip:-$hostname}
    if [[ -n "$address" ]]; then
      [[ "$address" =~ ^[A-Za-z0-9.:-]+$ ]] || die "$where reports the address '$address', which is not a host name or an IP"
      mkdir -p "$(dirname "$EXTERNAL_HOST_FILE")"
      printf '%s\n' "$address" >"$EXTERNAL_HOST_FILE.tmp"
      mv "$EXTERNAL_HOST_FILE.tmp" "$EXTERNAL_HOST_FILE"
      echo "auto-discovery.sh: $where has the address $address"
      exit 0
    fi
    now="no load-balancer address yet"
  else
    # kubectl's own error (Forbidden, NotFound, no connection): its last line
    now=$(tail -n 1 "$errors")
  fi
  if [[ "$now" != "$last" ]]; then
    echo "auto-discovery.sh: waiting for $where: $now" >&2
    last=$now
  fi
  if ((SECONDS >= deadline)); then
    die "$where has no load-balancer address after ${timeout}s (last: $now)." \
      "Check \`kubectl describe service $service -n $POD_NAMESPACE\` (its events) and the cloud's load-balancer controller;" \
      "or advertise fixed addresses with externalAccess.hosts / hostPattern and turn externalAccess.autoDiscovery off" \
      "(externalAccess.autoDiscovery.timeoutSeconds waits longer)."
  fi
  sleep "$poll"
done
