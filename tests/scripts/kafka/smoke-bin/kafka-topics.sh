#!/bin/bash
# Stand-in for /opt/kafka/bin/kafka-topics.sh (Kafka 3.9.1 main class).
exec "$(dirname "$0")/run-class.sh" org.apache.kafka.tools.TopicCommand "$@"
