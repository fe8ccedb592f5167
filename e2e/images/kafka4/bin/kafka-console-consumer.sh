#!/bin/bash
# Minimal equivalent of Kafka 4.3's bin/kafka-console-consumer.sh for the e2e image.
if [ "x$KAFKA_HEAP_OPTS" = "x" ]; then
  export KAFKA_HEAP_OPTS="-Xmx512M"
fi
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.consumer.ConsoleConsumer "$@"
