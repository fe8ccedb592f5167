#!/usr/bin/env bash
# Minimal equivalent of ZooKeeper 3.8's bin/zkCli.sh for the e2e image.
# usage: zkCli.sh [-server host:port] [-timeout ms] [-r] [-waitforconnection] [cmd args...]
ZOOBIN="${BASH_SOURCE-$0}"
ZOOBIN="$(dirname "$ZOOBIN")"
ZOOBINDIR="$(cd "$ZOOBIN" && pwd)"
. "$ZOOBINDIR/zkEnv.sh"
ZOO_LOG_FILE="zookeeper-$USER-cli-$(hostname).log"
# upstream logs the CLI at the level of its logback.xml; keep console output quiet by default
exec "$JAVA" "-Dzookeeper.log.dir=${ZOO_LOG_DIR}" "-Dzookeeper.log.file=${ZOO_LOG_FILE}" \
  -cp "$CLASSPATH" $CLIENT_JVMFLAGS $JVMFLAGS org.apache.zookeeper.ZooKeeperMain "$@"
