#!/bin/bash
# start.sh: the broker container's command. Writes server.properties with configure.sh,
# waits out a stale registration of this broker id in ZooKeeper, then replaces itself with
# Kafka so the JVM is PID 1 and receives SIGTERM directly (controlled shutdown within
# terminationGracePeriodSeconds).
#
# The broker's JVM settings arrive as BROKER_HEAP_OPTS, BROKER_OPTS and BROKER_LOG4J_CONFIG
# and become Kafka's KAFKA_HEAP_OPTS, KAFKA_OPTS and KAFKA_LOG4J_OPTS here, for the broker
# process alone: the container's environment stays free of them, so a tool run with
# `kubectl exec` behaves as on a plain Kafka install (its own small heap, the tools' log4j
# configuration: warnings only, to stderr) and never inherits, say, a Java agent's port.
# GC logs rotate in LOG_DIR within GC_LOG_FILES x GC_LOG_FILE_SIZE (Kafka's own default,
# 10 x 100M, would not fit the bounded logs emptyDir).
set -euo pipefail

script_dir=$(dirname "${BASH_SOURCE[0]}")
export SERVER_PROPERTIES="${SERVER_PROPERTIES:-/opt/kafka/config-generated/server.properties}"
kafka_home="${KAFKA_HOME:-/opt/kafka}"

prop() { sed -n "s/^$1=//p" "$SERVER_PROPERTIES" | tail -n 1; }

# A broker that comes back before its previous ZooKeeper session expired finds its own
# /brokers/ids/<id> still registered and exits with NodeExistsException; the pod then
# crash-loops until the session expires (seen in e2e when ZooKeeper and Kafka roll
# together). Wait for that registration to go away instead, bounded by the session
# timeout. Only a registration actually seen is waited for: if ZooKeeper cannot be asked,
# Kafka starts and does its own waiting.
wait_for_stale_registration() {
  local id connect timeout_ms wait_s poll_s deadline out
  local shell="$kafka_home/bin/zookeeper-shell.sh"
  id=$(prop broker.id)
  connect=$(prop zookeeper.connect)
  timeout_ms=$(prop zookeeper.session.timeout.ms)
  wait_s="${REGISTRATION_WAIT_SECONDS:-$(( ${timeout_ms:-18000} / 1000 + 10 ))}"
  poll_s="${REGISTRATION_POLL_SECONDS:-3}"
  [[ -x "$shell" && -n "$id" && -n "$connect" ]] || return 0
  deadline=$(( SECONDS + wait_s ))
  while :; do
    out=$(env -u JMX_PORT -u KAFKA_JMX_OPTS KAFKA_HEAP_OPTS="-Xmx64m" \
      timeout 30 "$shell" "$connect" get "/brokers/ids/$id" 2>&1) || true
    grep -q '"endpoints"' <<<"$out" || return 0
    if (( SECONDS >= deadline )); then
      echo "start.sh: /brokers/ids/$id is still registered after ${wait_s}s; starting anyway" >&2
      return 0
    fi
    echo "start.sh: /brokers/ids/$id is still registered by an expiring session; waiting" >&2
    sleep "$poll_s"
  done
}

bash "$script_dir/configure.sh"
wait_for_stale_registration

export KAFKA_HEAP_OPTS="${BROKER_HEAP_OPTS:--Xmx1G -Xms1G}"
export KAFKA_OPTS="${BROKER_OPTS:-}"
if [[ -n "${BROKER_LOG4J_CONFIG:-}" ]]; then
  export KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$BROKER_LOG4J_CONFIG"
fi
log_dir="${LOG_DIR:-$kafka_home/logs}"
export KAFKA_GC_LOG_OPTS="-Xlog:gc*:file=$log_dir/kafkaServer-gc.log:time,tags:filecount=${GC_LOG_FILES:-4},filesize=${GC_LOG_FILE_SIZE:-16M}"
exec "$kafka_home/bin/kafka-server-start.sh" "$SERVER_PROPERTIES"
