#!/bin/bash
# test-produce-consume.sh: the `helm test` check. Lists topics, creates a uniquely named
# topic, produces one message, consumes it back and deletes the topic (also on failure).
#
# Environment:
#   BOOTSTRAP_SERVER    host:port of the brokers' client Service
#   REPLICATION_FACTOR  replication factor of the test topic (min(3, brokers))
#   PARTITIONS          partitions of the test topic (default 3)
#   TOOL_TIMEOUT        seconds allowed for each Kafka tool call (default 120)
#   CLIENT_PROPERTIES   client config to write with client-config.sh first (its
#                       CLIENT_* / TLS_* / USERS_* variables; PLAINTEXT without them)
set -euo pipefail

: "${BOOTSTRAP_SERVER:?BOOTSTRAP_SERVER must be set}"
: "${REPLICATION_FACTOR:?REPLICATION_FACTOR must be set}"
PARTITIONS="${PARTITIONS:-3}"
TOOL_TIMEOUT="${TOOL_TIMEOUT:-120}"
bin="${KAFKA_HOME:-/opt/kafka}/bin"
script_dir=$(dirname "${BASH_SOURCE[0]}")
config_args=() producer_args=() consumer_args=()
if [[ -n "${CLIENT_PROPERTIES:-}" ]]; then
  bash "$script_dir/client-config.sh"
  config_args=(--command-config "$CLIENT_PROPERTIES")
  producer_args=(--producer.config "$CLIENT_PROPERTIES")
  consumer_args=(--consumer.config "$CLIENT_PROPERTIES")
fi

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

topics() {
  kafka kafka-topics.sh "${config_args[@]}" "$@"
}

cleanup() {
  step "deleting topic $topic"
  topics --delete --topic "$topic" || true
}

step "listing topics on $BOOTSTRAP_SERVER"
topics --list

step "creating topic $topic (partitions $PARTITIONS, replication factor $REPLICATION_FACTOR)"
topics --create --topic "$topic" \
  --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR"
trap cleanup EXIT

step "producing one message"
echo "$message" | kafka kafka-console-producer.sh "${producer_args[@]}" --topic "$topic" \
  --producer-property acks=all

step "consuming it back"
# The message is one line of the consumer's output: Kafka 4's console tools also print their
# notices (a deprecated option) to stdout.
received=$(kafka kafka-console-consumer.sh "${consumer_args[@]}" --topic "$topic" --from-beginning \
  --max-messages 1 --timeout-ms $((TOOL_TIMEOUT * 1000 / 2)))
if ! grep -Fxq -- "$message" <<<"$received"; then
  echo "expected '$message', received '$received'" >&2
  exit 1
fi
echo "--- OK: message went through $BOOTSTRAP_SERVER"
