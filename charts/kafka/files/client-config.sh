#!/bin/bash
# client-config.sh: write a Kafka client's properties (for --command-config,
# --producer.config, --consumer.config) from the mounted Secret files, at run time, into
# a file only this user can read (mode 0600). The broker writes one for its own tools and
# the startup probe (the inter-broker listener, as the inter-broker user); the helm test
# writes one for the client listener as the first client user. No password is printed.
#
# Environment:
#   CLIENT_PROPERTIES         file to write
#   CLIENT_SECURITY_PROTOCOL  PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
#   CLIENT_SASL_MECHANISM     SCRAM-SHA-512 | SCRAM-SHA-256 | PLAIN (SASL_*)
#   CLIENT_USER, USERS_DIR    the user, and the directory of password files named after
#   USERS_SECRET              users (a mounted Secret, named in messages) (SASL_*)
#   TLS_DIR, TLS_SECRET       ca.crt (truststore); with CLIENT_CERT=true also tls.crt and
#   CLIENT_CERT               tls.key, the client's certificate (mutual TLS) (*SSL)
#   SCRIPT_DIR                where tls.sh is (default: this script's directory)
set -euo pipefail

die() {
  echo "client-config.sh: $*" >&2
  exit 1
}

: "${CLIENT_PROPERTIES:?CLIENT_PROPERTIES must be set}"
protocol="${CLIENT_SECURITY_PROTOCOL:-PLAINTEXT}"
script_dir="${SCRIPT_DIR:-$(dirname "${BASH_SOURCE[0]}")}"

# read_password: the shared reader of a password from a Secret file.
# shellcheck source-path=SCRIPTDIR source=passwords.sh
source "$script_dir/passwords.sh"

jaas_module() {
  case "$1" in
    SCRAM-SHA-256 | SCRAM-SHA-512) echo org.apache.kafka.common.security.scram.ScramLoginModule ;;
    PLAIN) echo org.apache.kafka.common.security.plain.PlainLoginModule ;;
    *) die "unknown SASL mechanism '$1'" ;;
  esac
}

case "$protocol" in
  PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL) ;;
  *) die "unknown security protocol '$protocol'" ;;
esac

mkdir -p "$(dirname "$CLIENT_PROPERTIES")"
umask 077
tmp="$CLIENT_PROPERTIES.tmp"
{
  echo "# Written by client-config.sh at $(date -u +%FT%TZ); do not edit."
  echo "security.protocol=$protocol"
  if [[ "$protocol" == *SSL ]]; then
    : "${TLS_DIR:?TLS_DIR must be set for $protocol}"
    [[ -r "$TLS_DIR/ca.crt" ]] || die "Secret ${TLS_SECRET:-?} has no ca.crt (or it is not mounted at $TLS_DIR)"
    echo "ssl.truststore.type=PEM"
    echo "ssl.truststore.location=$TLS_DIR/ca.crt"
    echo "ssl.endpoint.identification.algorithm=https"
    if [[ "${CLIENT_CERT:-false}" == true ]]; then
      keystore="$(dirname "$CLIENT_PROPERTIES")/client-keystore.pem"
      bash "$script_dir/tls.sh" keystore "$TLS_DIR" "$keystore"
      echo "ssl.keystore.type=PEM"
      echo "ssl.keystore.location=$keystore"
    fi
  fi
  if [[ "$protocol" == SASL_* ]]; then
    : "${CLIENT_SASL_MECHANISM:?CLIENT_SASL_MECHANISM must be set for $protocol}"
    : "${CLIENT_USER:?CLIENT_USER must be set for $protocol}"
    : "${USERS_DIR:?USERS_DIR must be set for $protocol}"
    password=$(read_password "$USERS_DIR/$CLIENT_USER" "${USERS_SECRET:-?}")
    echo "sasl.mechanism=$CLIENT_SASL_MECHANISM"
    echo "sasl.jaas.config=$(jaas_module "$CLIENT_SASL_MECHANISM") required username=\"$CLIENT_USER\" password=\"$password\";"
  fi
} >"$tmp"
chmod 600 "$tmp"
mv "$tmp" "$CLIENT_PROPERTIES"
