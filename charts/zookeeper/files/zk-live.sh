#!/bin/bash
# zk-live.sh: liveness (and startup) probe. Alive means the server process answers "ruok"
# with "imok". ZooKeeper answers ruok during leader election too, so an election never
# gets a server restarted; quorum membership is the readiness probe's business.
set -euo pipefail

here="$(dirname "$0")"
answer="$("$here/zk-4lw.sh" ruok "${ZK_PROBE_HOST:-127.0.0.1}")" || exit 1

if [[ "$answer" == imok* ]]; then
  exit 0
fi
echo "zk-live.sh: expected imok to ruok, got: ${answer%%$'\n'*}" >&2
exit 1
