#!/bin/bash
# configure.sh: write this broker's server.properties, and the client config and JAAS file
# its own tools use.
#
# The chart renders the settings every broker shares into BASE_CONFIG (listeners, their
# security protocols, SASL mechanisms: no secret); this script adds what only the pod knows
# or what must not sit in a ConfigMap: broker.id from the pod ordinal (node.id in KRaft
# mode, where BASE_CONFIG sets process.roles; a KRaft controller runs this script too), the advertised
# listener FQDN (and, with an EXTERNAL listener, the address external-address.sh computes),
# log.dirs, the TLS keystore built from the mounted Secret (after checking
# that the certificate covers this pod's FQDN), the listeners' JAAS entries with the SASL
# passwords, and ZooKeeper's JAAS Client section. Files holding secrets are mode 0600 on the
# config emptyDir. Every path comes from the environment, so the script runs unchanged
# outside a cluster (the chart's tests do that).
#
# Environment:
#   POD_NAME           pod name, <statefulset>-<ordinal> (downward API metadata.name)
#   POD_NAMESPACE      pod namespace (downward API metadata.namespace)
#   HEADLESS_SERVICE   headless Service that gives each broker its DNS name
#   CLUSTER_DOMAIN     cluster DNS suffix (default cluster.local)
#   BROKER_ID_OFFSET   added to the ordinal to give broker.id (default 0)
#   NODE_ID_OFFSET     the same for a KRaft controller's node.id (wins over BROKER_ID_OFFSET)
#   KAFKA_CLUSTER_ID   KRaft and the migration: the cluster id; a volume of another one is refused
#   BASE_CONFIG        shared settings rendered by the chart
#   SERVER_PROPERTIES  file to write (on an emptyDir: the root filesystem is read-only);
#                      client.properties, zookeeper-jaas.conf and tls/ go beside it
#   DATA_LOG_DIR       Kafka's log.dirs, a subdirectory of the data volume
#   EXTERNAL_*, HOST_IP              the EXTERNAL listener's address (see external-address.sh)
#   RACK_FILE                       broker.rack, written by the rack init container (rack.sh)
#   TLS_DIR, TLS_SECRET             tls.crt, tls.key, ca.crt (listeners with SSL)
#   USERS_DIR, USERS_SECRET         one password file per user (listeners with SASL)
#   SASL_USERS, INTER_BROKER_USER   every SASL user (comma list); the inter-broker one
#   ZOOKEEPER_AUTH_USERNAME, ZOOKEEPER_AUTH_PASSWORD_FILE, ZOOKEEPER_AUTH_SECRET
#                      ZooKeeper SASL (the JAAS Client section), when set
set -euo pipefail

die() {
  echo "configure.sh: $*" >&2
  exit 1
}

: "${POD_NAME:?POD_NAME must be set (downward API metadata.name)}"
: "${POD_NAMESPACE:?POD_NAMESPACE must be set (downward API metadata.namespace)}"
: "${HEADLESS_SERVICE:?HEADLESS_SERVICE must be set}"
CLUSTER_DOMAIN="${CLUSTER_DOMAIN:-cluster.local}"
ID_OFFSET="${NODE_ID_OFFSET:-${BROKER_ID_OFFSET:-0}}"
BASE_CONFIG="${BASE_CONFIG:-/opt/kafka/chart/server.properties}"
SERVER_PROPERTIES="${SERVER_PROPERTIES:-/opt/kafka/config-generated/server.properties}"
DATA_LOG_DIR="${DATA_LOG_DIR:-/var/lib/kafka/data/log}"
script_dir="${SCRIPT_DIR:-$(dirname "${BASH_SOURCE[0]}")}"
config_dir=$(dirname "$SERVER_PROPERTIES")

# broker.id is an integer: the StatefulSet ordinal, the trailing number of the pod name.
if [[ "$POD_NAME" =~ -([0-9]+)$ ]]; then
  ordinal=$((10#${BASH_REMATCH[1]}))
else
  die "cannot take a broker id from pod name '$POD_NAME' (expected <statefulset>-<ordinal>)"
fi
[[ "$ID_OFFSET" =~ ^[0-9]+$ ]] || die "the id offset '$ID_OFFSET' (NODE_ID_OFFSET or BROKER_ID_OFFSET) is not a whole number"
broker_id=$((ordinal + 10#$ID_OFFSET))

[[ -r "$BASE_CONFIG" ]] || die "cannot read the chart's shared settings $BASE_CONFIG"

# The last value of a key in the chart's shared settings.
base_prop() { sed -n "s/^$1=//p" "$BASE_CONFIG" | tail -n 1; }

# KRaft mode: process.roles is set (broker, controller, or both) and the id is node.id.
roles=$(base_prop process.roles)
id_key=broker.id
who=broker
if [[ -n "$roles" ]]; then
  id_key=node.id
  who=node
fi
if owned=$(grep -E '^[[:space:]]*(broker\.id|node\.id|advertised\.listeners|log\.dirs?|ssl\.(keystore|truststore)\.location|listener\.name\.[^=]*\.sasl\.jaas\.config)[[:space:]]*[=:]' "$BASE_CONFIG"); then
  die "$BASE_CONFIG sets keys this script owns: $owned"
fi

# A volume that already belongs to another broker keeps its identity: starting under a
# second id would silently give its replicas to the wrong broker. Stop and say so.
meta="$DATA_LOG_DIR/meta.properties"
if [[ -f "$meta" ]]; then
  stored=$(sed -n -E 's/^[[:space:]]*(broker\.id|node\.id)[[:space:]]*[=:][[:space:]]*([0-9]+)[[:space:]]*$/\2/p' "$meta" | head -n 1)
  if [[ -n "$stored" && "$stored" != "$broker_id" ]]; then
    die "$meta records $id_key=$stored but pod $POD_NAME is $who $broker_id;" \
      "refusing to start a second identity on this volume." \
      "Fix brokerIdOffset (controller.nodeIdOffset for a controller), or move the volume to the pod it belongs to."
  fi
  # A KRaft volume belongs to one cluster: started with another cluster's id, the node
  # would be rejected by the quorum at best, and at worst join the wrong one. (During the
  # migration a ZooKeeper-mode broker gets the id too: the controllers were formatted with
  # it, and a broker of another cluster is stopped here before it registers with them.)
  stored_cluster=$(sed -n -E 's/^[[:space:]]*cluster\.id[[:space:]]*[=:][[:space:]]*([^[:space:]]+)[[:space:]]*$/\1/p' "$meta" | head -n 1)
  if [[ -n "${KAFKA_CLUSTER_ID:-}" && -n "$stored_cluster" && "$stored_cluster" != "$KAFKA_CLUSTER_ID" ]]; then
    die "$meta belongs to cluster $stored_cluster, but this release's cluster id is $KAFKA_CLUSTER_ID;" \
      "refusing to start on another cluster's volume. Give kraft.clusterId=$stored_cluster to keep that" \
      "cluster's data, or delete the claim to start this node empty."
  fi
fi
mkdir -p "$DATA_LOG_DIR"

listeners=$(base_prop listeners)
protocol_map=$(base_prop listener.security.protocol.map)
[[ -n "$listeners" ]] || die "$BASE_CONFIG sets no listeners"
[[ -n "$protocol_map" ]] || die "$BASE_CONFIG sets no listener.security.protocol.map"
inter_broker_listener=$(base_prop inter.broker.listener.name)
inter_broker_mechanism=$(base_prop sasl.mechanism.inter.broker.protocol)
IFS=, read -r -a mechanisms <<<"$(base_prop sasl.enabled.mechanisms)"
declare -A protocol_of=()
for entry in ${protocol_map//,/ }; do
  protocol_of[${entry%%:*}]=${entry#*:}
done

need_tls=false
need_sasl=false
for name in "${!protocol_of[@]}"; do
  [[ "${protocol_of[$name]}" == *SSL ]] && need_tls=true
  [[ "${protocol_of[$name]}" == SASL_* ]] && need_sasl=true
done

# read_password: the shared reader of a password from a Secret file.
# shellcheck source-path=SCRIPTDIR source=passwords.sh
source "$script_dir/passwords.sh"

fqdn="$POD_NAME.$HEADLESS_SERVICE.$POD_NAMESPACE.svc.$CLUSTER_DOMAIN"

# What each listener advertises: the pod's FQDN, and on EXTERNAL the address clients
# outside the cluster reach this broker at.
external=""
if [[ -n "${protocol_of[EXTERNAL]:-}" ]]; then
  external=$(bash "$script_dir/external-address.sh") || exit 1
fi
advertised=""
for entry in ${listeners//,/ }; do
  name=${entry%%://*}
  if [[ "$name" == EXTERNAL ]]; then
    address=$external
  else
    address="$fqdn:${entry##*:}"
  fi
  advertised+="${advertised:+,}$name://$address"
done
if [[ "$need_tls" == true ]]; then
  : "${TLS_DIR:?TLS_DIR must be set: a listener runs SSL}"
  tls_secret="${TLS_SECRET:-the TLS Secret}"
  for file in tls.crt tls.key ca.crt; do
    [[ -r "$TLS_DIR/$file" ]] || die "Secret $tls_secret has no $file (or it is not mounted at $TLS_DIR)"
  done
  if ! bash "$script_dir/tls.sh" covers "$TLS_DIR/tls.crt" "$fqdn"; then
    die "the certificate in Secret $tls_secret (tls.crt) does not cover this broker's name $fqdn;" \
      "issue it for *.$HEADLESS_SERVICE.$POD_NAMESPACE.svc.$CLUSTER_DOMAIN (or every broker's name)"
  fi
  if [[ "${protocol_of[EXTERNAL]:-}" == *SSL ]]; then
    external_host=${external%:*}
    external_host=${external_host#[}
    external_host=${external_host%]}
    if ! bash "$script_dir/tls.sh" covers "$TLS_DIR/tls.crt" "$external_host"; then
      die "the certificate in Secret $tls_secret (tls.crt) does not cover this broker's external address $external_host," \
        "which clients outside the cluster verify; add it to tls.extraSans (the chart adds externalAccess.hosts and" \
        "hostPattern to a certificate it generates or requests itself), or issue the Secret for it"
    fi
  fi
  bash "$script_dir/tls.sh" keystore "$TLS_DIR" "$config_dir/tls/keystore.pem"
fi

declare -A passwords=()
if [[ "$need_sasl" == true ]]; then
  : "${USERS_DIR:?USERS_DIR must be set: a listener runs SASL}"
  : "${INTER_BROKER_USER:?INTER_BROKER_USER must be set: a listener runs SASL}"
  users_secret="${USERS_SECRET:-the users Secret}"
  for user in ${SASL_USERS//,/ } "$INTER_BROKER_USER"; do
    passwords[$user]=$(read_password "$USERS_DIR/$user" "$users_secret")
  done
fi

# The JAAS entry of one SASL mechanism on listener $1: the inter-broker user's
# credentials on the inter-broker listener (the brokers log in with them), and for PLAIN
# every user's password (PLAIN checks against these user_<name> entries).
jaas_entry() {
  local listener=$1 mechanism=$2 entry user
  case "$mechanism" in
    SCRAM-SHA-256 | SCRAM-SHA-512) entry="org.apache.kafka.common.security.scram.ScramLoginModule required" ;;
    PLAIN) entry="org.apache.kafka.common.security.plain.PlainLoginModule required" ;;
    *) die "unknown SASL mechanism '$mechanism' in sasl.enabled.mechanisms" ;;
  esac
  if [[ "$listener" == "$inter_broker_listener" || "$mechanism" == PLAIN ]]; then
    entry+=" username=\"$INTER_BROKER_USER\" password=\"${passwords[$INTER_BROKER_USER]}\""
  fi
  if [[ "$mechanism" == PLAIN ]]; then
    for user in $(printf '%s\n' "${!passwords[@]}" | sort); do
      entry+=" user_$user=\"${passwords[$user]}\""
    done
  fi
  printf '%s;' "$entry"
}

mkdir -p "$config_dir"
rack=""
if [[ -n "${RACK_FILE:-}" ]]; then
  [[ -s "$RACK_FILE" ]] || die "$RACK_FILE is missing or empty: the rack init container writes this node's zone there (see its log)"
  rack=$(tr -d '[:space:]' <"$RACK_FILE")
  [[ "$rack" =~ ^[A-Za-z0-9._-]+$ ]] || die "broker.rack '$rack' from $RACK_FILE is not a label value"
fi

umask 077
tmp="$SERVER_PROPERTIES.tmp"
{
  echo "# Generated by configure.sh for pod $POD_NAME; do not edit (rewritten at every start)."
  echo "# Shared settings rendered by the chart:"
  cat "$BASE_CONFIG"
  echo
  echo "# Identity of this node:"
  echo "$id_key=$broker_id"
  echo "advertised.listeners=$advertised"
  echo "log.dirs=$DATA_LOG_DIR"
  if [[ -n "$rack" ]]; then
    echo "broker.rack=$rack"
  fi
  if [[ "$need_tls" == true ]]; then
    echo
    echo "# TLS, from Secret $tls_secret:"
    echo "ssl.keystore.location=$config_dir/tls/keystore.pem"
    echo "ssl.truststore.location=$TLS_DIR/ca.crt"
  fi
  if [[ "$need_sasl" == true ]]; then
    echo
    echo "# SASL, from Secret $users_secret:"
    for name in $(printf '%s\n' "${!protocol_of[@]}" | sort); do
      [[ "${protocol_of[$name]}" == SASL_* ]] || continue
      for mechanism in "${mechanisms[@]}"; do
        lower_name=$(tr '[:upper:]' '[:lower:]' <<<"$name")
        lower_mechanism=$(tr '[:upper:]' '[:lower:]' <<<"$mechanism")
        echo "listener.name.$lower_name.$lower_mechanism.sasl.jaas.config=$(jaas_entry "$name" "$mechanism")"
      done
    done
  fi
} >"$tmp"
chmod 600 "$tmp"
mv "$tmp" "$SERVER_PROPERTIES"

# The broker's own client config (startup probe, stale-registration wait, kubectl exec):
# the inter-broker listener, as the inter-broker user, with the broker's certificate.
# (A KRaft controller has no inter-broker listener: PLAINTEXT, for its own tools.)
inter_broker_protocol=PLAINTEXT
if [[ -n "$inter_broker_listener" ]]; then
  inter_broker_protocol="${protocol_of[$inter_broker_listener]:-PLAINTEXT}"
fi
CLIENT_PROPERTIES="$config_dir/client.properties" \
  CLIENT_SECURITY_PROTOCOL="$inter_broker_protocol" \
  CLIENT_SASL_MECHANISM="$inter_broker_mechanism" CLIENT_USER="${INTER_BROKER_USER:-}" \
  CLIENT_CERT="$need_tls" SCRIPT_DIR="$script_dir" \
  bash "$script_dir/client-config.sh"

# ZooKeeper's JAAS Client section, for the broker and the tools that talk to ZooKeeper.
if [[ -n "${ZOOKEEPER_AUTH_PASSWORD_FILE:-}" ]]; then
  : "${ZOOKEEPER_AUTH_USERNAME:?ZOOKEEPER_AUTH_USERNAME must be set with ZOOKEEPER_AUTH_PASSWORD_FILE}"
  zk_password=$(read_password "$ZOOKEEPER_AUTH_PASSWORD_FILE" "${ZOOKEEPER_AUTH_SECRET:-the ZooKeeper Secret}" jaas)
  cat >"$config_dir/zookeeper-jaas.conf.tmp" <<JAAS
Client {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="$ZOOKEEPER_AUTH_USERNAME"
  password="$zk_password";
};
JAAS
  mv "$config_dir/zookeeper-jaas.conf.tmp" "$config_dir/zookeeper-jaas.conf"
fi
echo "configure.sh: $id_key=$broker_id${roles:+ ($roles)}${rack:+ in rack $rack} advertised as $fqdn${external:+ and externally as $external} ($protocol_map), log.dirs=$DATA_LOG_DIR"
