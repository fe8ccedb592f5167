#!/bin/bash
# start.sh: the broker container's command. Writes server.properties with configure.sh,
# writes the SCRAM credentials of every SASL user to ZooKeeper (before the broker starts,
# the bootstrap path Kafka supports in ZooKeeper mode), waits out a stale registration of
# this broker id in ZooKeeper, then replaces itself with Kafka so the JVM is PID 1 and
# receives SIGTERM directly (controlled shutdown within terminationGracePeriodSeconds).
# In KRaft mode (process.roles set; a controller's command too) there is no ZooKeeper: the
# volume is formatted with KAFKA_CLUSTER_ID on the first start instead (kafka-storage.sh,
# only when it holds no meta.properties: a formatted volume is never formatted again).
# With ZooKeeper authentication, the broker and these tools log in with the JAAS Client
# section configure.sh wrote (java.security.auth.login.config).
#
# The broker's JVM settings arrive as BROKER_HEAP_OPTS, BROKER_OPTS and BROKER_LOG4J_CONFIG
# and become Kafka's KAFKA_HEAP_OPTS, KAFKA_OPTS and KAFKA_LOG4J_OPTS here, for the broker
# process alone: the container's environment stays free of them, so a tool run with
# `kubectl exec` behaves as on a plain Kafka install (its own small heap, the tools' log4j
# configuration: warnings only, to stderr) and never inherits, say, a Java agent's port.
# GC logs rotate in LOG_DIR within GC_LOG_FILES x GC_LOG_FILE_SIZE (Kafka's own default,
# 10 x 100M, would not fit the bounded logs emptyDir).
set -euo pipefail

script_dir=$(dirname "${BASH_SOURCE[0]}")
export SERVER_PROPERTIES="${SERVER_PROPERTIES:-/opt/kafka/config-generated/server.properties}"
kafka_home="${KAFKA_HOME:-/opt/kafka}"

config_dir=$(dirname "$SERVER_PROPERTIES")
zk_jaas="$config_dir/zookeeper-jaas.conf"
zk_opts=""
if [[ -n "${ZOOKEEPER_AUTH_PASSWORD_FILE:-}" ]]; then
  zk_opts="-Djava.security.auth.login.config=$zk_jaas"
fi

prop() { sed -n "s/^$1=//p" "$SERVER_PROPERTIES" | tail -n 1; }

# A Kafka tool that talks to ZooKeeper: a small heap, no JMX port clash, ZooKeeper's JAAS.
zk_tool() {
  env -u JMX_PORT -u KAFKA_JMX_OPTS KAFKA_HEAP_OPTS="-Xmx64m" KAFKA_OPTS="$zk_opts" \
    timeout "${TOOL_TIMEOUT:-60}" "$@"
}

# kafka-configs.sh --zookeeper needs the chroot of zookeeper.connect to exist, which the
# broker would only create when it starts: create it first (each level; "exists" is
# fine), with the ACL the broker would give it when ZooKeeper authentication is on.
ensure_chroot() {
  local connect=$1 path="" part
  [[ "$connect" == */* ]] || return 0
  local hosts=${connect%%/*} chroot=${connect#*/}
  local acl=()
  [[ -n "$zk_opts" ]] && acl=("sasl:${ZOOKEEPER_AUTH_USERNAME:-kafka}:cdrwa,world:anyone:r")
  IFS=/ read -r -a parts <<<"$chroot"
  for part in "${parts[@]}"; do
    [[ -n "$part" ]] || continue
    path+="/$part"
    zk_tool "$kafka_home/bin/zookeeper-shell.sh" "$hosts" create "$path" "" "${acl[@]}" >/dev/null 2>&1 || true
  done
}

# SCRAM credentials of every SASL user (the inter-broker user included) in ZooKeeper,
# where the brokers check them. Written at every start from the mounted Secret: idempotent,
# and a password changed in the Secret takes effect when the first broker restarts. The
# password goes through a 0600 file (--add-config-file), never a command line or a log.
write_scram_credentials() {
  local mechanisms connect user file out config deadline rc
  mechanisms=$(prop sasl.enabled.mechanisms)
  [[ "$mechanisms" == *SCRAM-* ]] || return 0
  connect=$(prop zookeeper.connect)
  [[ -n "$connect" ]] || return 0
  ensure_chroot "$connect"
  file="$config_dir/scram-credentials.properties"
  # SASL_USERS: every user, the inter-broker one included.
  for user in ${SASL_USERS//,/ }; do
    config=""
    for mechanism in ${mechanisms//,/ }; do
      [[ "$mechanism" == SCRAM-* ]] || continue
      config+="$mechanism=password=$(<"$USERS_DIR/$user")"$'\n'
    done
    (umask 077 && printf '%s' "$config" >"$file")
    # On a first install the brokers start beside a ZooKeeper that is not serving yet: a
    # connection timeout is retried for up to SCRAM_WRITE_SECONDS (default 300) instead of
    # crash-looping the pod with a growing back-off; any other failure stops at once.
    deadline=$(( SECONDS + ${SCRAM_WRITE_SECONDS:-300} ))
    while :; do
      rc=0
      out=$(zk_tool "$kafka_home/bin/kafka-configs.sh" --zookeeper "$connect" --alter \
        --entity-type users --entity-name "$user" --add-config-file "$file" 2>&1) || rc=$?
      (( rc == 0 )) && break
      # 124: the tool itself hung past TOOL_TIMEOUT (timeout(1) killed it)
      if (( SECONDS < deadline )) && { (( rc == 124 )) ||
          grep -q -e 'Timed out waiting for connection' -e ConnectionLoss <<<"$out"; }; then
        echo "start.sh: ZooKeeper ($connect) is not answering yet; retrying the SCRAM credentials of user $user" >&2
        sleep "${SCRAM_WRITE_POLL_SECONDS:-5}"
        continue
      fi
      rm -f "$file"
      echo "start.sh: could not write the SCRAM credentials of user $user to ZooKeeper ($connect):" >&2
      # the exception's own line, not the Java stack frames under it
      grep -v -i -e password -e deprecated -e bootstrap-server <<<"$out" |
        grep -v -E '^[[:space:]]+(at |\.\.\. [0-9]+ more)' | tail -n 5 >&2
      exit 1
    done
  done
  rm -f "$file"
  echo "start.sh: SCRAM credentials written for ${SASL_USERS:-} ($mechanisms)"
}

# A broker that comes back before its previous ZooKeeper session expired finds its own
# /brokers/ids/<id> still registered and exits with NodeExistsException; the pod then
# crash-loops until the session expires (seen in e2e when ZooKeeper and Kafka roll
# together). Wait for that registration to go away instead, bounded by the session
# timeout. Only a registration actually seen is waited for: if ZooKeeper cannot be asked,
# Kafka starts and does its own waiting.
wait_for_stale_registration() {
  local id connect timeout_ms wait_s poll_s deadline out
  local shell="$kafka_home/bin/zookeeper-shell.sh"
  id=$(prop broker.id)
  connect=$(prop zookeeper.connect)
  timeout_ms=$(prop zookeeper.session.timeout.ms)
  wait_s="${REGISTRATION_WAIT_SECONDS:-$(( ${timeout_ms:-18000} / 1000 + 10 ))}"
  poll_s="${REGISTRATION_POLL_SECONDS:-3}"
  [[ -x "$shell" && -n "$id" && -n "$connect" ]] || return 0
  deadline=$(( SECONDS + wait_s ))
  while :; do
    out=$(TOOL_TIMEOUT=30 zk_tool "$shell" "$connect" get "/brokers/ids/$id" 2>&1) || true
    grep -q '"endpoints"' <<<"$out" || return 0
    if (( SECONDS >= deadline )); then
      echo "start.sh: /brokers/ids/$id is still registered after ${wait_s}s; starting anyway" >&2
      return 0
    fi
    echo "start.sh: /brokers/ids/$id is still registered by an expiring session; waiting" >&2
    sleep "$poll_s"
  done
}

# KRaft: format the volume on the first start, with the release's cluster id. Only a volume
# without meta.properties: configure.sh has refused one of another cluster or node. The id
# goes as --cluster-id=<id>: one that starts with "-" (base64url; a ZooKeeper-mode cluster's
# may) would otherwise read as an option and fail the format.
format_storage() {
  local roles log_dir
  roles=$(prop process.roles)
  [[ -n "$roles" ]] || return 0
  log_dir=$(prop log.dirs)
  [[ -f "$log_dir/meta.properties" ]] && return 0
  : "${KAFKA_CLUSTER_ID:?KAFKA_CLUSTER_ID must be set in KRaft mode (Secret <fullname>-kraft, key cluster-id)}"
  env -u JMX_PORT -u KAFKA_JMX_OPTS -u KAFKA_OPTS KAFKA_HEAP_OPTS="-Xmx128m" \
    timeout "${TOOL_TIMEOUT:-60}" "$kafka_home/bin/kafka-storage.sh" format \
    --config "$SERVER_PROPERTIES" --cluster-id="$KAFKA_CLUSTER_ID" --ignore-formatted
  echo "start.sh: formatted $log_dir for cluster $KAFKA_CLUSTER_ID ($roles)"
}

# A ZooKeeper-mode broker (no process.roles, no migration) has no use for the KRaft
# metadata log it replicated during a migration that was rolled back: delete it, as
# Kafka's rollback steps do, so a later migration starts from an empty log.
drop_migration_metadata_log() {
  local log_dir
  [[ -z "$(prop process.roles)" && "$(prop zookeeper.metadata.migration.enable)" != true ]] || return 0
  log_dir=$(prop log.dirs)
  [[ -d "$log_dir/__cluster_metadata-0" ]] || return 0
  rm -rf "${log_dir:?}/__cluster_metadata-0"
  echo "start.sh: deleted $log_dir/__cluster_metadata-0, the KRaft metadata log of a rolled-back migration"
}

bash "$script_dir/configure.sh"
format_storage
drop_migration_metadata_log
write_scram_credentials
wait_for_stale_registration

export KAFKA_HEAP_OPTS="${BROKER_HEAP_OPTS:--Xmx1G -Xms1G}"
export KAFKA_OPTS="${BROKER_OPTS:-}${zk_opts:+ $zk_opts}"
export KAFKA_OPTS="${KAFKA_OPTS# }"
# Kafka 4 logs with log4j 2 (its own YAML file), Kafka 3.9 with log4j 1.x (reload4j): the
# image's jars say which.
if compgen -G "$kafka_home/libs/log4j-core-2*.jar" >/dev/null && [[ -n "${BROKER_LOG4J2_CONFIG:-}" ]]; then
  export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$BROKER_LOG4J2_CONFIG"
elif [[ -n "${BROKER_LOG4J_CONFIG:-}" ]]; then
  export KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$BROKER_LOG4J_CONFIG"
fi
log_dir="${LOG_DIR:-$kafka_home/logs}"
export KAFKA_GC_LOG_OPTS="-Xlog:gc*:file=$log_dir/kafkaServer-gc.log:time,tags:filecount=${GC_LOG_FILES:-4},filesize=${GC_LOG_FILE_SIZE:-16M}"
exec "$kafka_home/bin/kafka-server-start.sh" "$SERVER_PROPERTIES"
