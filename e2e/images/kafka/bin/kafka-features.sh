#!/bin/bash
# Minimal equivalent of Kafka 3.9's bin/kafka-features.sh for the e2e image.
exec $(dirname $0)/kafka-run-class.sh org.apache.kafka.tools.FeatureCommand "$@"
