#!/usr/bin/env bash
# Minimal equivalent of ZooKeeper 3.8's bin/zkServer.sh for the e2e image.
# usage: zkServer.sh [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}
ZOOBIN="${BASH_SOURCE-$0}"
ZOOBIN="$(dirname "$ZOOBIN")"
ZOOBINDIR="$(cd "$ZOOBIN" && pwd)"
if [ "$1" = "--config" ]; then
  shift; ZOOCFGDIR="$1"; shift
fi
. "$ZOOBINDIR/zkEnv.sh"

if [ "x$JMXDISABLE" = "x" ] || [ "$JMXDISABLE" = 'false' ]; then
  JMXLOCALONLY="${JMXLOCALONLY:-false}"
  if [ "x$JMXPORT" = "x" ]; then
    ZOOMAIN="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.local.only=$JMXLOCALONLY org.apache.zookeeper.server.quorum.QuorumPeerMain"
  else
    ZOOMAIN="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.port=$JMXPORT -Dcom.sun.management.jmxremote.authenticate=${JMXAUTH:-false} -Dcom.sun.management.jmxremote.ssl=${JMXSSL:-false} -Dzookeeper.jmx.log4j.disable=${JMXLOG4J:-true} org.apache.zookeeper.server.quorum.QuorumPeerMain"
  fi
else
  ZOOMAIN="org.apache.zookeeper.server.quorum.QuorumPeerMain"
fi

if [ "x$SERVER_JVMFLAGS" != "x" ]; then
  JVMFLAGS="$SERVER_JVMFLAGS $JVMFLAGS"
fi
if [ "x$2" != "x" ]; then
  ZOOCFG="$ZOOCFGDIR/$2"
fi

# cygwin-free, like upstream: read dataDir / clientPort from the config.
cfg_value() { # key [file]
  grep -E "^[[:space:]]*$1[[:space:]]*=" "${2:-$ZOOCFG}" 2>/dev/null | sed -e 's/[^=]*=//' | tail -n1 | tr -d '[:space:]'
}

if [ ! -f "$ZOOCFG" ] && [ "$1" != "version" ] && [ "$1" != "print-cmd" ]; then
  echo "ZooKeeper JMX enabled by default" >&2
  echo "Using config: $ZOOCFG" >&2
  echo "Error: config file $ZOOCFG not found" >&2
  [ "$1" = "status" ] || exit 1
fi

ZOO_DATADIR="$(cfg_value dataDir)"
ZOO_DATADIR="${ZOO_DATADIR:-/tmp}"
ZOOPIDFILE="${ZOOPIDFILE:-$ZOO_DATADIR/zookeeper_server.pid}"
if [ -z "$ZOO_LOG_FILE" ]; then
  ZOO_LOG_FILE="zookeeper-$USER-server-$(hostname).log"
fi
_ZOO_DAEMON_OUT="$ZOO_LOG_DIR/zookeeper-$USER-server-$(hostname).out"

echo "ZooKeeper JMX enabled by default" >&2
echo "Using config: $ZOOCFG" >&2

start_cmd() {
  "$@" "$JAVA" "-Dzookeeper.log.dir=${ZOO_LOG_DIR}" "-Dzookeeper.log.file=${ZOO_LOG_FILE}" \
    -XX:+HeapDumpOnOutOfMemoryError -XX:OnOutOfMemoryError='kill -9 %p' \
    -cp "$CLASSPATH" $JVMFLAGS $ZOOMAIN "$ZOOCFG"
}

case $1 in
start)
  echo -n "Starting zookeeper ... "
  [ -w "$ZOO_LOG_DIR" ] || mkdir -p "$ZOO_LOG_DIR"
  if [ -f "$ZOOPIDFILE" ] && kill -0 "$(cat "$ZOOPIDFILE")" >/dev/null 2>&1; then
    echo "already running as process $(cat "$ZOOPIDFILE")."; exit 1
  fi
  nohup "$JAVA" "-Dzookeeper.log.dir=${ZOO_LOG_DIR}" "-Dzookeeper.log.file=${ZOO_LOG_FILE}" \
    -XX:+HeapDumpOnOutOfMemoryError -XX:OnOutOfMemoryError='kill -9 %p' \
    -cp "$CLASSPATH" $JVMFLAGS $ZOOMAIN "$ZOOCFG" > "$_ZOO_DAEMON_OUT" 2>&1 < /dev/null &
  if echo -n $! > "$ZOOPIDFILE"; then sleep 1; echo STARTED; else echo "FAILED TO WRITE PID"; exit 1; fi
  ;;
start-foreground)
  if [ -n "$ZOO_NOEXEC" ]; then start_cmd; else start_cmd exec; fi
  ;;
print-cmd)
  echo "\"$JAVA\" -Dzookeeper.log.dir=\"${ZOO_LOG_DIR}\" -Dzookeeper.log.file=\"${ZOO_LOG_FILE}\" -XX:+HeapDumpOnOutOfMemoryError -XX:OnOutOfMemoryError='kill -9 %p' -cp \"$CLASSPATH\" $JVMFLAGS $ZOOMAIN \"$ZOOCFG\" > \"$_ZOO_DAEMON_OUT\" 2>&1 < /dev/null"
  ;;
stop)
  echo -n "Stopping zookeeper ... "
  if [ ! -f "$ZOOPIDFILE" ]; then
    echo "no zookeeper to stop (could not find file $ZOOPIDFILE)"
  else
    kill "$(cat "$ZOOPIDFILE")"; rm "$ZOOPIDFILE"; sleep 1; echo STOPPED
  fi
  exit 0
  ;;
restart)
  shift; "$0" stop "$@"; sleep 3; "$0" start "$@"
  ;;
version)
  "$JAVA" -cp "$CLASSPATH" org.apache.zookeeper.version.VersionInfoMain 2>/dev/null
  ;;
status)
  clientPortAddress="$(cfg_value clientPortAddress)"
  clientPortAddress="${clientPortAddress:-localhost}"
  clientPort="$(cfg_value clientPort)"
  if ! [[ "$clientPort" =~ ^[0-9]+$ ]]; then
    # no clientPort: take it from this server's line "server.<myid>=host:p:p[:role];[addr:]port",
    # in zoo.cfg or else in its dynamicConfigFile (like upstream)
    myid="$(cat "$ZOO_DATADIR/myid" 2>/dev/null | tr -d '[:space:]')"
    if ! [[ "$myid" =~ ^[0-9]+$ ]]; then
      echo "myid could not be determined, will not able to locate clientPort in the server configs."
    else
      cpa="$(cfg_value "server\\.$myid" | grep ';' | sed -e 's/.*;//')"
      if [ -z "$cpa" ]; then
        echo "Client port not found in static config file. Looking in dynamic config file."
        dyn="$(cfg_value dynamicConfigFile)"
        [ -n "$dyn" ] && cpa="$(cfg_value "server\\.$myid" "$dyn" | grep ';' | sed -e 's/.*;//')"
      fi
      if [ -z "$cpa" ]; then
        echo "Client port not found in the server configs"
      else
        if [[ "$cpa" =~ ^\[.*\]:[0-9]+$ ]]; then
          clientPortAddress="$(echo "$cpa" | sed -e 's/\[\(.*\)\]:.*/\1/')"
        elif [[ "$cpa" =~ ^[^\[]*:[0-9]+$ ]]; then
          clientPortAddress="${cpa%:*}"
        fi
        clientPort="${cpa##*:}"
      fi
    fi
  fi
  if ! [[ "$clientPort" =~ ^[0-9]+$ ]]; then
    echo "Unable to find either secure or insecure client port in any configs. Terminating." >&2
    exit 1
  fi
  echo "Client port found: $clientPort. Client address: $clientPortAddress. Client SSL: false." >&2
  STAT=$("$JAVA" "-Dzookeeper.log.dir=${ZOO_LOG_DIR}" "-Dzookeeper.log.file=${ZOO_LOG_FILE}" \
    -cp "$CLASSPATH" $CLIENT_JVMFLAGS $JVMFLAGS org.apache.zookeeper.client.FourLetterWordMain \
    "$clientPortAddress" "$clientPort" srvr 2>/dev/null | grep Mode)
  if [ "x$STAT" = "x" ]; then
    echo "Error contacting service. It is probably not running." >&2
    exit 1
  else
    echo "$STAT"
    exit 0
  fi
  ;;
*)
  echo "Usage: $0 [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}" >&2
  exit 1
  ;;
esac
