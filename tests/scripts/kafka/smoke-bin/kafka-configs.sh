#!/bin/bash
# Stand-in for /opt/kafka/bin/kafka-configs.sh (Kafka 3.9.1 main class).
exec "$(dirname "$0")/run-class.sh" kafka.admin.ConfigCommand "$@"
