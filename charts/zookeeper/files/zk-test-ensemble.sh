#!/bin/bash
# zk-test-ensemble.sh: the "helm test" check of a running ensemble.
#  1. every server answers "srvr" with a serving mode; with more than one replica there is
#     exactly one leader and every other server follows (or observes), with one replica
#     the server is standalone;
#  2. a znode written through the client Service reads back with the same data.
# Required: ZK_REPLICAS ZK_STATEFULSET_NAME ZK_HEADLESS_SERVICE POD_NAMESPACE
#           ZK_CLUSTER_DOMAIN ZK_CLIENT_SERVICE ZK_CLIENT_PORT
set -euo pipefail

here="$(dirname "$0")"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

replicas="$ZK_REPLICAS"
leaders=0
others=0
standalone=0
for ((i = 0; i < replicas; i++)); do
  host="$ZK_STATEFULSET_NAME-$i.$ZK_HEADLESS_SERVICE.$POD_NAMESPACE.svc.$ZK_CLUSTER_DOMAIN"
  answer="$(timeout 20 "$here/zk-4lw.sh" srvr "$host" "$ZK_CLIENT_PORT")" ||
    fail "$host:$ZK_CLIENT_PORT did not answer srvr"
  if [[ "$answer" =~ (^|$'\n')Mode:\ ([a-z-]+) ]]; then
    mode="${BASH_REMATCH[2]}"
  else
    fail "$host is not serving: ${answer%%$'\n'*}"
  fi
  echo "$host: $mode"
  case "$mode" in
    leader) leaders=$((leaders + 1)) ;;
    follower | observer) others=$((others + 1)) ;;
    standalone) standalone=$((standalone + 1)) ;;
    *) fail "$host is in mode $mode" ;;
  esac
done

if ((replicas == 1)); then
  ((standalone == 1)) || fail "the single server is not standalone"
else
  ((leaders == 1)) || fail "expected exactly one leader among $replicas servers, found $leaders"
  ((others == replicas - 1)) || fail "expected $((replicas - 1)) followers, found $others"
  ((standalone == 0)) || fail "$standalone server(s) run standalone inside an ensemble"
fi

server="$ZK_CLIENT_SERVICE:$ZK_CLIENT_PORT"
znode="/helm-test-$(date +%s)-$$"
value="written-by-helm-test-$$"
zkCli.sh -server "$server" create "$znode" "$value" >/dev/null 2>&1 ||
  fail "zkCli.sh create $znode through $server failed"
read_back="$(zkCli.sh -server "$server" get "$znode" 2>/dev/null)" ||
  fail "zkCli.sh get $znode through $server failed"
zkCli.sh -server "$server" delete "$znode" >/dev/null 2>&1 || true
grep -qx "$value" <<<"$read_back" || fail "$znode read back without the data written"
echo "OK: $replicas server(s) serving, znode $znode written and read back through $server"
