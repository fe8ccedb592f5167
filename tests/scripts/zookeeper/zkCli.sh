#!/bin/bash
# Stand-in for zkCli.sh in tests of zk-test-ensemble.sh: "zkCli.sh -server S create|get|delete
# PATH [DATA]" against a directory ($FAKE_ZK_TREE), logging each call to $FAKE_ZK_TREE.log.
# FAKE_ZK_CORRUPT=1 makes get return other data (a lost write).
set -euo pipefail
[[ "$1" == -server ]] || exit 2
server="$2" op="$3" path="$4"
file="$FAKE_ZK_TREE/$(printf '%s' "$path" | tr / _)"
echo "$server $op $path" >>"$FAKE_ZK_TREE.log"
echo "2026-01-01 00:00:00,000 [myid:] - INFO  [main:o.a.z.ZooKeeper@637] - Initiating client connection"
case "$op" in
  create) printf '%s\n' "$5" >"$file"; echo "Created $path" ;;
  get)
    if [[ "${FAKE_ZK_CORRUPT:-}" == 1 ]]; then echo "something-else"; else cat "$file"; fi ;;
  delete) rm -f "$file" ;;
  *) exit 2 ;;
esac
