#!/bin/bash
# Minimal equivalent of Kafka 4.3's bin/kafka-reassign-partitions.sh for the e2e image.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.reassign.ReassignPartitionsCommand "$@"
