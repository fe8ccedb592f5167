#!/bin/bash
# zk-gen-config.sh: write this server's myid and zoo.cfg (plus console-only logging
# configuration) before ZooKeeper starts. Runs in the "config" init container; it is a
# plain script driven by environment variables so it can also be run (and tested) outside
# a cluster.
#
# Identity comes from the pod name (downward API): "<statefulset>-<ordinal>" gets
# myid = ordinal + 1. With more than one replica, the server list is computed from the
# replica count and the stable per-pod DNS names of the headless Service:
#   server.<i+1>=<statefulset>-<i>.<headless>.<namespace>.svc.<domain>:<server>:<election>
# One replica runs standalone (standaloneEnabled=true, no server list).
#
# Required: POD_NAME POD_NAMESPACE ZK_REPLICAS ZK_HEADLESS_SERVICE ZK_CLUSTER_DOMAIN
#           ZK_CONF_DIR ZK_DATA_DIR ZK_DATA_LOG_DIR ZK_CLIENT_PORT ZK_SERVER_PORT
#           ZK_ELECTION_PORT ZK_TICK_TIME ZK_INIT_LIMIT ZK_SYNC_LIMIT ZK_MAX_CLIENT_CNXNS
#           ZK_SNAP_RETAIN_COUNT ZK_PURGE_INTERVAL ZK_4LW_COMMANDS_WHITELIST
# Optional: ZK_ADMIN_SERVER_ENABLED (false) ZK_ADMIN_SERVER_PORT (8080) ZK_LOG_LEVEL (INFO)
#           ZK_METRICS_ENABLED (false): ZooKeeper's PrometheusMetricsProvider serving
#           /metrics on ZK_METRICS_PORT (7000), all interfaces, JVM metrics included
#           ZK_EXTRA_CONFIG (extra zoo.cfg lines, "key=value" one per line)
# Authentication (SASL DIGEST-MD5; passwords only ever in files of the mounted Secret):
#   ZK_CLIENT_AUTH_ENABLED (false): the SASL provider for clients, plus the JAAS Server
#     section (zk-jaas.sh) from ZK_CLIENT_AUTH_USERNAME and ZK_CLIENT_PASSWORD_FILE;
#     ZK_CLIENT_AUTH_ENFORCE (false) refuses sessions that do not authenticate with SASL.
#   ZK_QUORUM_AUTH_ENABLED (false): quorum.auth.* plus the QuorumServer and QuorumLearner
#     sections from ZK_QUORUM_AUTH_USERNAME and ZK_QUORUM_PASSWORD_FILE;
#     ZK_QUORUM_LEARNER_REQUIRE_SASL, ZK_QUORUM_SERVER_REQUIRE_SASL (true).
#   With either, the JAAS file is $ZK_CONF_DIR/jaas.conf (mode 0600); the server's JVM
#   reads it through -Djava.security.auth.login.config.
set -euo pipefail

die() {
  echo "zk-gen-config.sh: $*" >&2
  exit 1
}

require() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "environment variable $name is required but empty"
  done
}

require_int() {
  local name
  for name in "$@"; do
    [[ "${!name}" =~ ^[0-9]+$ ]] || die "$name must be a non-negative integer, got '${!name}'"
  done
}

require POD_NAME POD_NAMESPACE ZK_REPLICAS ZK_HEADLESS_SERVICE ZK_CLUSTER_DOMAIN \
  ZK_CONF_DIR ZK_DATA_DIR ZK_DATA_LOG_DIR ZK_CLIENT_PORT ZK_SERVER_PORT ZK_ELECTION_PORT \
  ZK_TICK_TIME ZK_INIT_LIMIT ZK_SYNC_LIMIT ZK_MAX_CLIENT_CNXNS ZK_SNAP_RETAIN_COUNT \
  ZK_PURGE_INTERVAL ZK_4LW_COMMANDS_WHITELIST
require_int ZK_REPLICAS ZK_CLIENT_PORT ZK_SERVER_PORT ZK_ELECTION_PORT ZK_TICK_TIME \
  ZK_INIT_LIMIT ZK_SYNC_LIMIT ZK_MAX_CLIENT_CNXNS ZK_SNAP_RETAIN_COUNT ZK_PURGE_INTERVAL

admin_enabled="${ZK_ADMIN_SERVER_ENABLED:-false}"
client_auth="${ZK_CLIENT_AUTH_ENABLED:-false}"
client_enforce="${ZK_CLIENT_AUTH_ENFORCE:-false}"
quorum_auth="${ZK_QUORUM_AUTH_ENABLED:-false}"
learner_require="${ZK_QUORUM_LEARNER_REQUIRE_SASL:-true}"
server_require="${ZK_QUORUM_SERVER_REQUIRE_SASL:-true}"
for name in client_auth client_enforce quorum_auth learner_require server_require; do
  [[ "${!name}" == true || "${!name}" == false ]] || die "$name must be true or false, got '${!name}'"
done
if [[ "$client_enforce" == true && "$client_auth" != true ]]; then
  die "ZK_CLIENT_AUTH_ENFORCE=true needs ZK_CLIENT_AUTH_ENABLED=true"
fi
admin_port="${ZK_ADMIN_SERVER_PORT:-8080}"
metrics_enabled="${ZK_METRICS_ENABLED:-false}"
metrics_port="${ZK_METRICS_PORT:-7000}"
[[ "$metrics_enabled" == true || "$metrics_enabled" == false ]] ||
  die "ZK_METRICS_ENABLED must be true or false, got '$metrics_enabled'"
[[ "$metrics_port" =~ ^[0-9]+$ ]] || die "ZK_METRICS_PORT must be a port number, got '$metrics_port'"
log_level="${ZK_LOG_LEVEL:-INFO}"

if [[ "$POD_NAME" =~ ^(.+)-([0-9]+)$ ]]; then
  statefulset="${BASH_REMATCH[1]}"
  ordinal="${BASH_REMATCH[2]}"
else
  die "cannot take the ordinal from pod name '$POD_NAME' (expected <statefulset>-<n>)"
fi
# 10# forces base 10: an ordinal such as "08" is not an octal number.
ordinal=$((10#$ordinal))
replicas=$((10#$ZK_REPLICAS))
((replicas >= 1 && replicas <= 255)) || die "ZK_REPLICAS must be 1..255, got $replicas"
((ordinal < replicas)) || die "pod $POD_NAME has ordinal $ordinal but ZK_REPLICAS is $replicas"
myid=$((ordinal + 1))

# A single server runs standalone; an ensemble must never fall back to standalone mode,
# or a lone surviving server would accept writes the others never see.
if ((replicas == 1)); then
  standalone=true
else
  standalone=false
fi

mkdir -p "$ZK_CONF_DIR" "$ZK_DATA_DIR" "$ZK_DATA_LOG_DIR"
# The JAAS file first: a missing or unusable password stops the server before it starts.
jaas="$ZK_CONF_DIR/jaas.conf"
if [[ "$client_auth" == true || "$quorum_auth" == true ]]; then
  "$(dirname "$0")/zk-jaas.sh" server "$jaas"
else
  rm -f "$jaas"
fi
printf '%s\n' "$myid" >"$ZK_DATA_DIR/myid"

cfg="$ZK_CONF_DIR/zoo.cfg"
{
  echo "# Generated by zk-gen-config.sh for $POD_NAME: myid $myid of $replicas servers."
  echo "tickTime=$ZK_TICK_TIME"
  echo "initLimit=$ZK_INIT_LIMIT"
  echo "syncLimit=$ZK_SYNC_LIMIT"
  echo "dataDir=$ZK_DATA_DIR"
  echo "dataLogDir=$ZK_DATA_LOG_DIR"
  echo "clientPort=$ZK_CLIENT_PORT"
  echo "maxClientCnxns=$ZK_MAX_CLIENT_CNXNS"
  echo "autopurge.snapRetainCount=$ZK_SNAP_RETAIN_COUNT"
  echo "autopurge.purgeInterval=$ZK_PURGE_INTERVAL"
  echo "standaloneEnabled=$standalone"
  echo "quorumListenOnAllIPs=true"
  echo "4lw.commands.whitelist=$ZK_4LW_COMMANDS_WHITELIST"
  echo "admin.enableServer=$admin_enabled"
  echo "admin.serverPort=$admin_port"
  if [[ "$metrics_enabled" == true ]]; then
    echo "# Prometheus metrics on http://<pod>:$metrics_port/metrics (values: metrics)."
    echo "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"
    echo "metricsProvider.httpPort=$metrics_port"
    echo "metricsProvider.exportJvmInfo=true"
  fi
  if [[ "$client_auth" == true ]]; then
    echo "# Clients may authenticate with SASL (JAAS section Server in $jaas)."
    echo "authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider"
    if [[ "$client_enforce" == true ]]; then
      echo "enforce.auth.enabled=true"
      echo "enforce.auth.schemes=sasl"
    fi
  fi
  if [[ "$quorum_auth" == true ]]; then
    echo "# Servers authenticate to each other (JAAS QuorumServer and QuorumLearner in $jaas)."
    echo "quorum.auth.enableSasl=true"
    echo "quorum.auth.learnerRequireSasl=$learner_require"
    echo "quorum.auth.serverRequireSasl=$server_require"
    echo "quorum.auth.learner.saslLoginContext=QuorumLearner"
    echo "quorum.auth.server.saslLoginContext=QuorumServer"
  fi
  if [[ -n "${ZK_EXTRA_CONFIG:-}" ]]; then
    echo "# Extra configuration (values: config)"
    printf '%s\n' "$ZK_EXTRA_CONFIG"
  fi
  # A standalone server needs no server list: ZooKeeper ignores a single entry, logging an
  # ERROR ("only one server specified") that would alarm whoever reads the logs.
  if ((replicas > 1)); then
    for ((i = 0; i < replicas; i++)); do
      host="$statefulset-$i.$ZK_HEADLESS_SERVICE.$POD_NAMESPACE.svc.$ZK_CLUSTER_DOMAIN"
      echo "server.$((i + 1))=$host:$ZK_SERVER_PORT:$ZK_ELECTION_PORT"
    done
  fi
} >"$cfg.tmp"
mv "$cfg.tmp" "$cfg"

# ZooKeeper 3.8 logs through logback, older releases through log4j; the configuration
# directory comes first on the classpath, so these win over the image's files.
# Console only: the root filesystem is read-only and kubectl logs is where logs belong.
cat >"$ZK_CONF_DIR/logback.xml" <<LOGBACK
<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder>
      <pattern>%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n</pattern>
    </encoder>
  </appender>
  <root level="$log_level">
    <appender-ref ref="CONSOLE" />
  </root>
</configuration>
LOGBACK

cat >"$ZK_CONF_DIR/log4j.properties" <<LOG4J
log4j.rootLogger=$log_level, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n
LOG4J

echo "zk-gen-config.sh: $POD_NAME is server $myid of $replicas; wrote $cfg and $ZK_DATA_DIR/myid"
cat "$cfg"
