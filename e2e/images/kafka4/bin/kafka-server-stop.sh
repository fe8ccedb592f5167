#!/bin/bash
# Minimal equivalent of Kafka 4.3's bin/kafka-server-stop.sh: SIGTERM to the broker JVM(s).
SIGNAL=${SIGNAL:-TERM}
PIDS=$(ps ax | grep ' kafka\.Kafka ' | grep java | grep -v grep | awk '{print $1}')
if [ -z "$PIDS" ]; then
  echo "No kafka server to stop"
  exit 1
else
  kill -s "$SIGNAL" $PIDS
fi
