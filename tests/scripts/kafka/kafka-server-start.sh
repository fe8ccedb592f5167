#!/bin/bash
# Stand-in for /opt/kafka/bin/kafka-server-start.sh: records how start.sh called it (its
# arguments, and the KAFKA_* environment Kafka's scripts would read).
printf '%s\n' "$@" >"$FAKE_KAFKA_ARGS"
if [[ -n "${FAKE_KAFKA_ENV:-}" ]]; then
  env | grep '^KAFKA_' | sort >"$FAKE_KAFKA_ENV"
fi
