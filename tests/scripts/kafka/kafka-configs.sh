#!/bin/bash
# Stand-in for /opt/kafka/bin/kafka-configs.sh: records each call (arguments, KAFKA_OPTS,
# and the --add-config-file's content) in $FAKE_CONFIGS_CALLS; fails when
# $FAKE_CONFIGS_FAIL is set, printing what the real tool prints about a bad credential.
{
  echo "ARGS $*"
  echo "KAFKA_OPTS $KAFKA_OPTS"
  prev=""
  for arg in "$@"; do
    [[ "$prev" == --add-config-file ]] && sed 's/^/FILE /' "$arg"
    prev=$arg
  done
} >>"$FAKE_CONFIGS_CALLS"
# $FAKE_CONFIGS_TIMEOUTS calls fail the way the real tool does while ZooKeeper is down.
if [[ -n "${FAKE_CONFIGS_TIMEOUTS:-}" ]]; then
  done_file="$FAKE_CONFIGS_CALLS.timeouts"
  count=$(cat "$done_file" 2>/dev/null || echo 0)
  if ((count < FAKE_CONFIGS_TIMEOUTS)); then
    echo $((count + 1)) >"$done_file"
    echo "Exception: kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: CONNECTING"
    exit 1
  fi
fi
if [[ -n "${FAKE_CONFIGS_FAIL:-}" ]]; then
  echo "Warning: --zookeeper is deprecated and will be removed in a future version of Kafka."
  echo "Invalid credential property SCRAM_SHA_512=[password=$(cat "${@: -1}")]"
  echo "Path length must be > 0"
  exit 1
fi
echo "Completed updating config for entity: user-principal '${*: -3:1}'."
