#!/bin/bash
# Minimal equivalent of Kafka 4.3's bin/kafka-log-dirs.sh for the e2e image.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.LogDirsCommand "$@"
