#!/usr/bin/env bash
# Minimal equivalent of ZooKeeper 3.8's bin/zkEnv.sh for the e2e image (sourced by zkServer.sh
# and zkCli.sh). Honours the same variables: ZOOBINDIR, ZOOCFGDIR, ZOOCFG, ZOO_LOG_DIR,
# ZOO_LOG_FILE, JAVA_HOME, CLASSPATH, JVMFLAGS, SERVER_JVMFLAGS, CLIENT_JVMFLAGS,
# ZK_SERVER_HEAP, ZK_CLIENT_HEAP, plus $ZOOCFGDIR/zookeeper-env.sh and $ZOOCFGDIR/java.env.

ZOOBINDIR="${ZOOBINDIR:-/usr/bin}"
ZOOKEEPER_PREFIX="${ZOOBINDIR}/.."

if [ -z "$ZOOCFGDIR" ]; then
  ZOOCFGDIR="$ZOOKEEPER_PREFIX/conf"
  if [ ! -e "$ZOOCFGDIR/zoo.cfg" ] && [ -e /etc/zookeeper/zoo.cfg ]; then
    ZOOCFGDIR=/etc/zookeeper
  fi
fi

[ -f "$ZOOCFGDIR/zookeeper-env.sh" ] && . "$ZOOCFGDIR/zookeeper-env.sh"

ZOOCFG="${ZOOCFG:-zoo.cfg}"
ZOOCFG="$ZOOCFGDIR/$ZOOCFG"

[ -f "$ZOOCFGDIR/java.env" ] && . "$ZOOCFGDIR/java.env"

ZOO_LOG_DIR="${ZOO_LOG_DIR:-$ZOOKEEPER_PREFIX/logs}"

if [ -n "$JAVA_HOME" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
  JAVA=java
else
  echo "Error: JAVA_HOME is not set and java could not be found in PATH." 1>&2
  exit 1
fi

# conf dir first (logback.xml), then every jar of the distribution.
CLASSPATH="$ZOOCFGDIR:$ZOOKEEPER_PREFIX/lib/*${CLASSPATH:+:$CLASSPATH}"

ZK_SERVER_HEAP="${ZK_SERVER_HEAP:-1000}"
export SERVER_JVMFLAGS="-Xmx${ZK_SERVER_HEAP}m $SERVER_JVMFLAGS"
ZK_CLIENT_HEAP="${ZK_CLIENT_HEAP:-256}"
export CLIENT_JVMFLAGS="-Xmx${ZK_CLIENT_HEAP}m $CLIENT_JVMFLAGS"
