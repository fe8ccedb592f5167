#!/bin/bash
# Stand-in for the Kafka CLI tools, installed under each tool's name: records every call
# and keeps the produced messages in a file, so test-produce-consume.sh can run anywhere.
set -euo pipefail
tool=$(basename "$0")
echo "$tool $*" >>"$FAKE_KAFKA_STATE/calls"
case "$tool" in
  kafka-console-producer.sh) cat >>"$FAKE_KAFKA_STATE/messages" ;;
  kafka-console-consumer.sh)
    # Kafka 4's console consumer prints its notices on stdout, before the records
    if [[ -n "${FAKE_CONSUMER_NOTICE:-}" ]]; then
      echo "Option --consumer.config is deprecated and will be removed in a future version. Use --command-config instead."
    fi
    if [[ -z "${FAKE_CONSUMER_EMPTY:-}" ]]; then head -n 1 "$FAKE_KAFKA_STATE/messages"; fi ;;
  *) ;;
esac
