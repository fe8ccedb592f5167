#!/bin/bash
# zk-jaas.sh server|client FILE: write a JAAS login configuration with SASL DIGEST-MD5
# passwords read from files of a mounted Secret, so that no password is ever in an
# environment variable, a ConfigMap or a log line. FILE is written with mode 0600 (umask
# 077 from the start, then renamed into place). It prints only the names of the sections.
#
#   server: the sections a ZooKeeper server reads (-Djava.security.auth.login.config):
#     with ZK_CLIENT_AUTH_ENABLED=true   Server { DigestLoginModule user_<name>="<pw>"; };
#     with ZK_QUORUM_AUTH_ENABLED=true   QuorumServer { user_<name>="<pw>"; };
#                                        QuorumLearner { username= password= };
#   client: the Client section zkCli.sh (or any ZooKeeper client) logs in with:
#                                        Client { username="<name>" password="<pw>"; };
#
# Client auth:  ZK_CLIENT_AUTH_USERNAME, ZK_CLIENT_PASSWORD_FILE (the Secret's client-password)
# Quorum auth:  ZK_QUORUM_AUTH_USERNAME, ZK_QUORUM_PASSWORD_FILE (the Secret's quorum-password)
# ZK_CLIENT_AUTH_SECRET / ZK_QUORUM_AUTH_SECRET name the Secrets in error messages.
set -euo pipefail
umask 077

die() {
  echo "zk-jaas.sh: $*" >&2
  exit 1
}

# jaas_password FILE WHAT: the file's exact content (a Secret key, no newline stripped),
# escaped for a double-quoted JAAS string. Refuses what a JAAS string cannot hold.
jaas_password() {
  local file="$1" what="$2" password=""
  [[ -e "$file" ]] || die "$what: no file $file: the Secret has no such key"
  [[ -r "$file" ]] ||
    die "$what: $file is not readable by uid $(id -u): the Secret volume's files are mode 0440 for the pod's fsGroup (podSecurityContext.fsGroup)"
  IFS= read -r -d '' password <"$file" || true
  [[ -n "$password" ]] || die "$what is empty"
  [[ "$password" != *[$'\n\r']* ]] ||
    die "$what contains a line break (a trailing newline from 'echo' or --from-file?): store it without one"
  password="${password//\\/\\\\}"
  printf '%s' "${password//\"/\\\"}"
}

# The names go into JAAS option names (user_<name>) and quoted strings: the chart's schema
# allows letters, digits, '_', '.' and '-'; check again, these may be set by hand.
jaas_username() {
  local name="$1" what="$2"
  [[ "$name" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] ||
    die "$what must be letters, digits, '_', '.' or '-', got '$name'"
  printf '%s' "$name"
}

client_secret() { echo "Secret ${ZK_CLIENT_AUTH_SECRET:-?} key client-password"; }
quorum_secret() { echo "Secret ${ZK_QUORUM_AUTH_SECRET:-?} key quorum-password"; }

mode="${1:?usage: zk-jaas.sh server|client FILE}"
out="${2:?usage: zk-jaas.sh server|client FILE}"
module=org.apache.zookeeper.server.auth.DigestLoginModule
# Assignments before writing: a refused password fails before any file exists.
case "$mode" in
  server)
    sections=()
    if [[ "${ZK_CLIENT_AUTH_ENABLED:-false}" == true ]]; then
      user="$(jaas_username "${ZK_CLIENT_AUTH_USERNAME:-}" ZK_CLIENT_AUTH_USERNAME)"
      password="$(jaas_password "${ZK_CLIENT_PASSWORD_FILE:?ZK_CLIENT_PASSWORD_FILE is required}" "$(client_secret)")"
      sections+=("Server {
  $module required
  user_$user=\"$password\";
};")
    fi
    if [[ "${ZK_QUORUM_AUTH_ENABLED:-false}" == true ]]; then
      user="$(jaas_username "${ZK_QUORUM_AUTH_USERNAME:-}" ZK_QUORUM_AUTH_USERNAME)"
      password="$(jaas_password "${ZK_QUORUM_PASSWORD_FILE:?ZK_QUORUM_PASSWORD_FILE is required}" "$(quorum_secret)")"
      sections+=("QuorumServer {
  $module required
  user_$user=\"$password\";
};" "QuorumLearner {
  $module required
  username=\"$user\"
  password=\"$password\";
};")
    fi
    ((${#sections[@]} > 0)) || die "server: neither ZK_CLIENT_AUTH_ENABLED nor ZK_QUORUM_AUTH_ENABLED is true"
    ;;
  client)
    user="$(jaas_username "${ZK_CLIENT_AUTH_USERNAME:-}" ZK_CLIENT_AUTH_USERNAME)"
    password="$(jaas_password "${ZK_CLIENT_PASSWORD_FILE:?ZK_CLIENT_PASSWORD_FILE is required}" "$(client_secret)")"
    sections=("Client {
  $module required
  username=\"$user\"
  password=\"$password\";
};")
    ;;
  *) die "usage: zk-jaas.sh server|client FILE" ;;
esac

mkdir -p "$(dirname "$out")"
printf '%s\n' "${sections[@]}" >"$out.tmp"
chmod 600 "$out.tmp"
mv "$out.tmp" "$out"
names=()
for section in "${sections[@]}"; do names+=("${section%% *}"); done
echo "zk-jaas.sh: wrote ${names[*]} to $out (mode 0600)"
