#!/bin/bash
# Minimal equivalent of Kafka 3.9's bin/zookeeper-security-migration.sh for the e2e image.
exec $(dirname $0)/kafka-run-class.sh kafka.admin.ZkSecurityMigrator "$@"
