#!/bin/bash
# Stand-in for /opt/kafka/bin/zookeeper-shell.sh: answers `get /brokers/ids/N` as if the
# broker were registered for the first $FAKE_REGISTERED_CALLS calls, then as gone.
# Records each call's arguments and heap in $FAKE_ZK_CALLS.
echo "$KAFKA_HEAP_OPTS|$*" >>"$FAKE_ZK_CALLS"
calls=$(wc -l <"$FAKE_ZK_CALLS")
if (( calls <= ${FAKE_REGISTERED_CALLS:-0} )); then
  echo "Connecting to $1"
  echo '{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka-2:9092"],"jmx_port":-1,"port":9092,"host":"kafka-2","version":5}'
else
  echo "Node does not exist: $3"
fi
