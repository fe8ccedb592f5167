#!/bin/bash
# zk-test-ensemble.sh: the "helm test" check of a running ensemble.
#  1. every server answers "srvr" with a serving mode; with more than one replica there is
#     exactly one leader and every other server follows (or observes), with one replica
#     the server is standalone;
#  2. a znode written through the client Service reads back with the same data;
#  3. with ZK_CLIENT_AUTH_ENABLED=true, the znode is written by the SASL user (a client JAAS
#     file written by zk-jaas.sh from the mounted Secret, under $TMPDIR or /tmp) with an
#     ACL for that user only, and an anonymous client can neither change it nor create a
#     znode under it.
# Required: ZK_REPLICAS ZK_STATEFULSET_NAME ZK_HEADLESS_SERVICE POD_NAMESPACE
#           ZK_CLUSTER_DOMAIN ZK_CLIENT_SERVICE ZK_CLIENT_PORT
# With auth: ZK_CLIENT_AUTH_USERNAME ZK_CLIENT_PASSWORD_FILE (see zk-jaas.sh)
set -euo pipefail

here="$(dirname "$0")"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A new pod's first connections may be refused for a moment: a network plugin that
# enforces NetworkPolicy admits its address only once it has seen the pod (kube-router
# took up to a second in e2e). Each server gets ZK_TEST_CONNECT_SECONDS (default 30) to
# accept the connection; an answer, even "not serving", is never retried.
connect_seconds="${ZK_TEST_CONNECT_SECONDS:-30}"
srvr() {
  local deadline=$((SECONDS + connect_seconds)) err
  err="${TMPDIR:-/tmp}/zk-test-srvr.err"
  until timeout 20 "$here/zk-4lw.sh" srvr "$1" "$ZK_CLIENT_PORT" 2>"$err"; do
    if ((SECONDS >= deadline)); then
      cat "$err" >&2
      rm -f "$err"
      return 1
    fi
    sleep 1
  done
  rm -f "$err"
}

replicas="$ZK_REPLICAS"
leaders=0
others=0
standalone=0
for ((i = 0; i < replicas; i++)); do
  host="$ZK_STATEFULSET_NAME-$i.$ZK_HEADLESS_SERVICE.$POD_NAMESPACE.svc.$ZK_CLUSTER_DOMAIN"
  answer="$(srvr "$host")" ||
    fail "$host:$ZK_CLIENT_PORT did not answer srvr within ${connect_seconds}s"
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
flags="${CLIENT_JVMFLAGS:-}"
acl=()
as=""
if [[ "${ZK_CLIENT_AUTH_ENABLED:-false}" == true ]]; then
  jaas="${TMPDIR:-/tmp}/zk-test-client-jaas.conf"
  "$here/zk-jaas.sh" client "$jaas" >/dev/null
  user="$ZK_CLIENT_AUTH_USERNAME"
  acl=("sasl:$user:cdrwa")
  as=" as SASL user $user (Secret ${ZK_CLIENT_AUTH_SECRET:-?} key client-password: the servers read it at their last start)"
  auth_flags="$flags -Djava.security.auth.login.config=$jaas"
else
  auth_flags="$flags"
fi
# zk [anonymous] ARGS...: zkCli.sh through the client Service, as the SASL user when auth
# is on, or with "anonymous" without any credentials.
zk() {
  local jvm="$auth_flags"
  if [[ "$1" == anonymous ]]; then
    jvm="$flags -Dzookeeper.sasl.client=false"
    shift
  fi
  CLIENT_JVMFLAGS="$jvm" zkCli.sh -server "$server" "$@"
}

zk create "$znode" "$value" "${acl[@]}" >/dev/null 2>&1 ||
  fail "zkCli.sh create $znode through $server failed$as"
read_back="$(zk get "$znode" 2>/dev/null)" ||
  fail "zkCli.sh get $znode through $server failed"
grep -qx "$value" <<<"$read_back" || {
  zk delete "$znode" >/dev/null 2>&1 || true
  fail "$znode read back without the data written"
}
if ((${#acl[@]})); then
  anonymous_set=0 anonymous_create=0
  zk anonymous set "$znode" changed-anonymously >/dev/null 2>&1 && anonymous_set=1
  zk anonymous create "$znode/anonymous" x >/dev/null 2>&1 && anonymous_create=1
  after="$(zk get "$znode" 2>/dev/null)" || fail "zkCli.sh get $znode as $user failed"
  zk delete "$znode/anonymous" >/dev/null 2>&1 || true
  zk delete "$znode" >/dev/null 2>&1 || true
  if ((anonymous_set)) || ! grep -qx "$value" <<<"$after"; then
    fail "an anonymous client changed $znode (ACL ${acl[0]})"
  fi
  ((anonymous_create == 0)) || fail "an anonymous client created $znode/anonymous (ACL ${acl[0]})"
  echo "OK: $znode written as SASL user $user; anonymous clients cannot change it or create under it"
else
  zk delete "$znode" >/dev/null 2>&1 || true
fi
echo "OK: $replicas server(s) serving, znode $znode written and read back through $server"
