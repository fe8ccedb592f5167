#!/bin/bash
# Minimal equivalent of Kafka 4.3's bin/kafka-server-start.sh for the e2e image.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
  exit 1
fi
base_dir=$(dirname "$0")

if [ "x$KAFKA_LOG4J_OPTS" = "x" ]; then
  export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/../config/log4j2.yaml"
fi
if [ "x$KAFKA_HEAP_OPTS" = "x" ]; then
  export KAFKA_HEAP_OPTS="-Xmx1G -Xms1G"
fi

EXTRA_ARGS=${EXTRA_ARGS-'-name kafkaServer -loggc'}

COMMAND=$1
case $COMMAND in
  -daemon) EXTRA_ARGS="-daemon "$EXTRA_ARGS; shift ;;
  *) ;;
esac

exec "$base_dir/kafka-run-class.sh" $EXTRA_ARGS kafka.Kafka "$@"
