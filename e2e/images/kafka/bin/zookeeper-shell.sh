#!/bin/bash
# Minimal equivalent of Kafka 3.9's bin/zookeeper-shell.sh for the e2e image.
if [ $# -lt 1 ];
then
  echo "USAGE: $0 zookeeper_host:port[/path] [-zk-tls-config-file file] [args...]"
  exit 1
fi
exec $(dirname $0)/kafka-run-class.sh org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka -server "$@"
