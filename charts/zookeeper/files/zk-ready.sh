#!/bin/bash
# zk-ready.sh: readiness probe. Ready means serving clients as part of the quorum: "srvr"
# reports "Mode: leader", "follower", "observer" or "standalone". "ruok" is not enough:
# a server answers "imok" while it is still looking for a leader and refusing requests.
set -euo pipefail

here="$(dirname "$0")"
answer="$("$here/zk-4lw.sh" srvr "${ZK_PROBE_HOST:-127.0.0.1}")" || exit 1

if [[ "$answer" =~ (^|$'\n')Mode:\ (leader|follower|observer|standalone)($'\n'|$) ]]; then
  exit 0
fi
echo "zk-ready.sh: not serving in a quorum: ${answer%%$'\n'*}" >&2
exit 1
