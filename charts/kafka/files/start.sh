#!/bin/bash
# start.sh: the broker container's command. Writes server.properties with configure.sh,
# then replaces itself with Kafka so the JVM is PID 1 and receives SIGTERM directly
# (controlled shutdown within terminationGracePeriodSeconds).
set -euo pipefail

script_dir=$(dirname "${BASH_SOURCE[0]}")
export SERVER_PROPERTIES="${SERVER_PROPERTIES:-/opt/kafka/config-generated/server.properties}"

bash "$script_dir/configure.sh"
exec "${KAFKA_HOME:-/opt/kafka}/bin/kafka-server-start.sh" "$SERVER_PROPERTIES"
