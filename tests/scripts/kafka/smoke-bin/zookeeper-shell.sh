#!/bin/bash
# Stand-in for /opt/kafka/bin/zookeeper-shell.sh (Kafka 3.9.1 main class).
exec "$(dirname "$0")/run-class.sh" org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka -server "$@"
