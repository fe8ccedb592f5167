#!/bin/bash
# Stand-in for the image's zkCli.sh in test_zookeeper_local_smoke.py: the real ZooKeeper
# 3.8.4 client (jars in $ZK_SMOKE_LIBS, logback.xml in $ZK_SMOKE_CONF), CLIENT_JVMFLAGS as
# the image's zkEnv.sh passes them.
# shellcheck disable=SC2086 # CLIENT_JVMFLAGS is a list of JVM options, as in zkEnv.sh
exec java -cp "$ZK_SMOKE_CONF:$ZK_SMOKE_LIBS/*" ${CLIENT_JVMFLAGS:-} org.apache.zookeeper.ZooKeeperMain "$@"
