#!/bin/bash
# Stand-in for /opt/kafka/bin/kafka-server-start.sh: records how start.sh called it.
printf '%s\n' "$@" >"$FAKE_KAFKA_ARGS"
