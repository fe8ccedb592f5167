#!/bin/bash
# test-produce-consume.sh: the `helm test` check. Lists topics, creates a uniquely named
# topic, produces one message, consumes it back and deletes the topic (also on failure).
#
# Environment:
#   BOOTSTRAP_SERVER    host:port of the brokers' client Service
#   REPLICATION_FACTOR  replication factor of the test topic (min(3, brokers))
#   PARTITIONS          partitions of the test topic (default 3)
#   TOOL_TIMEOUT        seconds allowed for each Kafka tool call (default 120)
set -euo pipefail

: "${BOOTSTRAP_SERVER:?BOOTSTRAP_SERVER must be set}"
: "${REPLICATION_FACTOR:?REPLICATION_FACTOR must be set}"
PARTITIONS="${PARTITIONS:-3}"
TOOL_TIMEOUT="${TOOL_TIMEOUT:-120}"
bin="${KAFKA_HOME:-/opt/kafka}/bin"

run_id="$(date +%s)-$RANDOM"
topic="helm-test-$run_id"
message="helm test message $run_id"

step() {
  echo "--- $*"
}

kafka() {
  local tool=$1
  shift
  timeout "$TOOL_TIMEOUT" "$bin/$tool" --bootstrap-server "$BOOTSTRAP_SERVER" "$@"
}

cleanup() {
  step "deleting topic $topic"
  kafka kafka-topics.sh --delete --topic "$topic" || true
}

step "listing topics on $BOOTSTRAP_SERVER"
kafka kafka-topics.sh --list

step "creating topic $topic (partitions $PARTITIONS, replication factor $REPLICATION_FACTOR)"
kafka kafka-topics.sh --create --topic "$topic" \
  --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR"
trap cleanup EXIT

step "producing one message"
echo "$message" | kafka kafka-console-producer.sh --topic "$topic" \
  --producer-property acks=all

step "consuming it back"
received=$(kafka kafka-console-consumer.sh --topic "$topic" --from-beginning \
  --max-messages 1 --timeout-ms $((TOOL_TIMEOUT * 1000 / 2)))
if [[ "$received" != "$message" ]]; then
  echo "expected '$message', received '$received'" >&2
  exit 1
fi
echo "--- OK: message went through $BOOTSTRAP_SERVER"
