#!/bin/bash
# passwords.sh: sourced, never run. read_password, the one reader of a password from a
# mounted Secret file for configure.sh (the brokers' JAAS and ZooKeeper's), client-config.sh
# (the tools' client config) and provision.sh (SCRAM credentials of declared users). The
# sourcing script defines die (message to stderr, exit 1).

# read_password FILE SECRET [scram|jaas]: the password in FILE (a key of Secret SECRET,
# named in messages), exactly as stored (no trailing newline stripped: a client that
# reads the same Secret sends it whole), checked to be usable inside a JAAS string and a
# SCRAM credential; never printed. With "jaas" (ZooKeeper's Client section, no SCRAM),
# quotes and backslashes are allowed and printed escaped.
read_password() {
  local file="$1" secret="$2" use="${3:-scram}" key value=""
  key=$(basename "$file")
  [[ -r "$file" ]] || die "Secret $secret has no key '$key' (or it is not mounted at $(dirname "$file"))"
  IFS= read -r -d '' value <"$file" || true
  [[ -n "$value" ]] || die "Secret $secret key '$key' is empty"
  if [[ "$value" == *$'\n'* || "$value" == *$'\r'* ]]; then
    die "Secret $secret key '$key' contains a line break (a trailing newline from 'echo' or --from-file?): store it without one"
  fi
  if [[ "$use" == jaas ]]; then
    value=${value//\\/\\\\}
    printf '%s' "${value//\"/\\\"}"
    return
  fi
  if [[ "$value" == *'"'* || "$value" == *\\* || "$value" == *,* ]]; then
    die "Secret $secret key '$key' contains a quote, a backslash or a comma, which JAAS and SCRAM credentials cannot carry"
  fi
  printf '%s' "$value"
}
