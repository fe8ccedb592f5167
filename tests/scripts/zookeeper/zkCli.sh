#!/bin/bash
# Stand-in for zkCli.sh in tests of zk-test-ensemble.sh: "zkCli.sh -server S create|get|set|delete
# PATH [DATA] [ACL]" against a directory ($FAKE_ZK_TREE), logging each call to $FAKE_ZK_TREE.log
# as "S OP PATH WHO". WHO is the SASL user of the JAAS file named by
# -Djava.security.auth.login.config in CLIENT_JVMFLAGS (its Client section must hold
# username= and password=, and the password must be $FAKE_ZK_PASSWORD), or "anonymous".
# A znode created with an ACL "sasl:USER:cdrwa" refuses set, and create below it, to any
# other client, as ZooKeeper does ("Insufficient permission"), unless FAKE_ZK_OPEN=1 (a
# server that ignores ACLs). FAKE_ZK_CORRUPT=1 makes get return other data (a lost write).
set -euo pipefail
[[ "$1" == -server ]] || exit 2
server="$2" op="$3" path="$4"
key() { printf '%s' "$1" | tr / _; }
file="$FAKE_ZK_TREE/$(key "$path")"
who=anonymous
if [[ "${CLIENT_JVMFLAGS:-}" =~ -Djava\.security\.auth\.login\.config=([^ ]+) ]]; then
  jaas="${BASH_REMATCH[1]}"
  [[ "$(stat -c %a "$jaas")" == 600 ]] || { echo "JAAS file $jaas is not mode 0600" >&2; exit 3; }
  user="$(sed -n 's/^ *username="\(.*\)"$/\1/p' "$jaas")"
  # The JAAS string unescaped as Java's ConfigFile reads it (\" and \\).
  password="$(sed -n 's/^  password="\(.*\)";$/\1/p' "$jaas" | sed 's/\\\(.\)/\1/g')"
  [[ -n "$password" && "$password" == "${FAKE_ZK_PASSWORD:-}" ]] ||
    { echo "KeeperErrorCode = AuthFailed for $path" >&2; exit 1; }
  who="$user"
fi
echo "$server $op $path $who" >>"$FAKE_ZK_TREE.log"
echo "2026-01-01 00:00:00,000 [myid:] - INFO  [main:o.a.z.ZooKeeper@637] - Initiating client connection"
# allowed FILE: may $who write to the znode stored in FILE?
allowed() {
  [[ "${FAKE_ZK_OPEN:-}" == 1 || ! -f "$1.acl" ]] && return 0
  [[ "$(cat "$1.acl")" == "sasl:$who:cdrwa" ]]
}
case "$op" in
  create)
    parent="$FAKE_ZK_TREE/$(key "${path%/*}")"
    if [[ "${path%/*}" != "" ]] && ! allowed "$parent"; then
      echo "Insufficient permission : $path" >&2; exit 1
    fi
    printf '%s\n' "$5" >"$file"
    [[ -z "${6:-}" ]] || printf '%s' "$6" >"$file.acl"
    echo "Created $path" ;;
  get)
    if [[ "${FAKE_ZK_CORRUPT:-}" == 1 ]]; then echo "something-else"; else cat "$file"; fi ;;
  set)
    allowed "$file" || { echo "Insufficient permission : $path" >&2; exit 1; }
    printf '%s\n' "$5" >"$file" ;;
  delete) rm -f "$file" "$file.acl" ;;
  *) exit 2 ;;
esac
