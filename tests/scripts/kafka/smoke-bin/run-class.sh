#!/bin/bash
# Minimal stand-in for /opt/kafka/bin/kafka-run-class.sh: java with the Kafka jars in
# KAFKA_SMOKE_LIBS and the same environment knobs (heap, log4j, KAFKA_OPTS).
set -euo pipefail
cls=$1
shift
log4j="${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$(dirname "$0")/tools-log4j.properties}"
# shellcheck disable=SC2086 # the *_OPTS variables are word lists, as in kafka-run-class.sh
exec java ${KAFKA_HEAP_OPTS:--Xmx256M} $log4j ${KAFKA_OPTS:-} \
  -cp "$KAFKA_SMOKE_LIBS/*" "$cls" "$@"
