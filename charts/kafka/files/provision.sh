#!/bin/bash
# provision.sh: the provisioning Job. Makes the cluster match the topics, SCRAM users and
# ACLs declared in provisioning.* (the spec files of ConfigMap <fullname>-provisioning,
# written by kafka.provisioningSpec), idempotently:
#   - waits (bounded) until every broker answers;
#   - checks everything first, and changes nothing when a check fails: a declared partition
#     count below the topic's, an explicit replication factor that differs from an existing
#     topic's or exceeds the brokers, a topic this release declared before that is no
#     longer declared but still exists (the chart never deletes a topic);
#   - creates missing topics, raises partition counts, sets the declared topic configs and
#     removes the overrides that are not declared;
#   - writes each declared user's SCRAM credentials (password from its mounted Secret, in a
#     0600 file: --add-config-file, never a command line);
#   - for every principal named in the ACLs, adds the missing ACLs and removes the others
#     of that principal; other principals are left alone.
# Prints what it changed (never a password); exits non-zero with a message on any failure.
# Each Kafka tool call starts a JVM (seconds): the cluster is read with one call per kind
# (api versions, topics, topic configs, ACLs) and written only where it differs.
#
# Environment:
#   BOOTSTRAP_SERVER   every broker's inter-broker listener, comma-separated
#   EXPECTED_BROKERS   brokers to wait for (replicaCount)
#   WAIT_SECONDS       bound of that wait (provisioning.waitSeconds); POLL_SECONDS between
#   TOOL_TIMEOUT       seconds allowed for each Kafka tool call (default 120)
#   SPEC_DIR           the spec: topics, topic-configs, users, acls, managed-topics
#   USER_SECRETS_DIR   <dir>/<user>/<passwordKey>: each declared user's password file
#   VALUES_PREFIX      where provisioning.* sits for the user ("kafka." in the stack)
#   CLIENT_PROPERTIES  client config to write with client-config.sh first (its CLIENT_*,
#                      TLS_*, USERS_* variables); PLAINTEXT without it
#   SCRIPT_DIR         where client-config.sh and passwords.sh are
set -euo pipefail

die() {
  echo "provision.sh: $*" >&2
  exit 1
}
say() { echo "provision.sh: $*"; }

: "${BOOTSTRAP_SERVER:?BOOTSTRAP_SERVER must be set}"
EXPECTED_BROKERS="${EXPECTED_BROKERS:-1}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"
POLL_SECONDS="${POLL_SECONDS:-5}"
TOOL_TIMEOUT="${TOOL_TIMEOUT:-120}"
SPEC_DIR="${SPEC_DIR:-/opt/kafka/provisioning}"
USER_SECRETS_DIR="${USER_SECRETS_DIR:-/opt/kafka/secrets/provisioning}"
prefix="${VALUES_PREFIX:-}provisioning"
bin="${KAFKA_HOME:-/opt/kafka}/bin"
script_dir="${SCRIPT_DIR:-$(dirname "${BASH_SOURCE[0]}")}"
TAB=$'\t'

# read_password: the shared reader of a password from a Secret file.
# shellcheck source-path=SCRIPTDIR source=passwords.sh
source "$script_dir/passwords.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/provision.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The spec's lines (empty lines dropped); nothing when the file is absent or empty.
spec() {
  [[ -f "$SPEC_DIR/$1" ]] || return 0
  grep -v '^$' "$SPEC_DIR/$1" || true
}
mapfile -t topic_lines < <(spec topics)
mapfile -t config_lines < <(spec topic-configs)
mapfile -t user_lines < <(spec users)
mapfile -t acl_lines < <(spec acls)
mapfile -t managed < <(spec managed-topics)
if ((${#topic_lines[@]} + ${#user_lines[@]} + ${#acl_lines[@]} + ${#managed[@]} == 0)); then
  say "nothing declared (${prefix}.topics, users and acls are empty): nothing to do"
  exit 0
fi

config_args=()
if [[ -n "${CLIENT_PROPERTIES:-}" ]]; then
  SCRIPT_DIR="$script_dir" bash "$script_dir/client-config.sh"
  config_args=(--command-config "$CLIENT_PROPERTIES")
fi

# A Kafka tool against the brokers, bounded by TOOL_TIMEOUT (or by $tool_timeout).
kafka() {
  local tool=$1
  shift
  timeout "${tool_timeout:-$TOOL_TIMEOUT}" "$bin/$tool" --bootstrap-server "$BOOTSTRAP_SERVER" \
    "${config_args[@]}" "$@"
}

# The lines of a tool's output worth showing: the exception's own line, not the Java stack
# frames under it, and never a line that mentions a password.
errors() {
  grep -v -E '^[[:space:]]+(at |\.\.\. [0-9]+ more)' <<<"$1" | grep -v -i password | tail -n 5
}

# run WHAT TOOL ARGS...: the tool's output; on failure, what failed and why, and exit 1.
run() {
  local what=$1 out rc=0
  shift
  out=$(kafka "$@" 2>&1) || rc=$?
  if ((rc != 0)); then
    echo "provision.sh: $what failed (exit $rc$( ((rc == 124)) && echo ", timed out after ${TOOL_TIMEOUT}s")):" >&2
    errors "$out" >&2
    exit 1
  fi
  printf '%s\n' "$out"
}

# --- the brokers ---------------------------------------------------------------------
# Every broker must answer: a topic created while one is down gets no replica there, and
# its creation fails outright when the replication factor needs it.
deadline=$((SECONDS + WAIT_SECONDS))
while :; do
  rc=0
  remaining=$((deadline - SECONDS))
  tool_timeout=$((remaining < TOOL_TIMEOUT ? (remaining > 10 ? remaining : 10) : TOOL_TIMEOUT))
  out=$(kafka kafka-broker-api-versions.sh 2>&1) || rc=$?
  tool_timeout=""
  # one line per broker: "<host>:<port> (id: 0 rack: null) -> ("
  brokers=$(sed -n -E 's/^[^ ]+ \(id: ([0-9]+) rack: .*\) -> \($/\1/p' <<<"$out" | sort -un | grep -c . || true)
  if ((rc == 0 && brokers >= EXPECTED_BROKERS)); then
    break
  fi
  if ((SECONDS >= deadline)); then
    echo "provision.sh: only $brokers of $EXPECTED_BROKERS brokers answer on $BOOTSTRAP_SERVER after ${WAIT_SECONDS}s (${prefix}.waitSeconds); nothing was changed. Check the broker pods (kubectl get pods), then upgrade again. Last answer:" >&2
    errors "$out" >&2
    exit 1
  fi
  say "waiting for the brokers: $brokers of $EXPECTED_BROKERS answer"
  sleep "$POLL_SECONDS"
done
say "$brokers brokers answer on $BOOTSTRAP_SERVER"

# --- the cluster's topics, and the checks ---------------------------------------------
declare -A partitions_of=() rf_of=() declared=()
if ((${#topic_lines[@]} + ${#managed[@]} > 0)); then
  listing=$(run "listing the topics (kafka-topics.sh --describe)" kafka-topics.sh --describe --exclude-internal)
  # "Topic: orders<TAB>TopicId: ...<TAB>PartitionCount: 6<TAB>ReplicationFactor: 3<TAB>Configs: ..."
  while IFS="$TAB" read -r name count rf; do
    partitions_of[$name]=$count
    rf_of[$name]=$rf
  done < <(awk -F'\t' '/^Topic: / && /PartitionCount: / {
      name = ""; count = ""; rf = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^Topic: /) name = substr($i, 8)
        else if ($i ~ /^PartitionCount: /) count = substr($i, 17)
        else if ($i ~ /^ReplicationFactor: /) rf = substr($i, 20)
      }
      if (name != "") print name "\t" count "\t" rf
    }' <<<"$listing")
fi

problems=()
to_create=() to_raise=()
index=0
for line in "${topic_lines[@]}"; do
  IFS="$TAB" read -r name want_partitions want_rf rf_source <<<"$line"
  declared[$name]=1
  key="${prefix}.topics[$index]"
  index=$((index + 1))
  if [[ -z "${partitions_of[$name]:-}" ]]; then
    if ((want_rf > brokers)); then
      problems+=("topic $name: ${key}.replicationFactor is $want_rf, but only $brokers brokers are registered: Kafka cannot place more replicas than brokers")
    else
      to_create+=("$name$TAB$want_partitions$TAB$want_rf")
    fi
    continue
  fi
  have_partitions=${partitions_of[$name]} have_rf=${rf_of[$name]}
  if ((want_partitions < have_partitions)); then
    problems+=("topic $name has $have_partitions partitions, ${key}.partitions asks for $want_partitions: Kafka cannot lower a partition count; declare $have_partitions (or more), or delete and re-create the topic yourself (its data is lost)")
  elif ((want_partitions > have_partitions)); then
    to_raise+=("$name$TAB$have_partitions$TAB$want_partitions")
  fi
  if ((want_rf != have_rf)); then
    if [[ "$rf_source" == declared ]]; then
      problems+=("topic $name has replication factor $have_rf, ${key}.replicationFactor asks for $want_rf: changing it needs a partition reassignment (kafka-reassign-partitions.sh); do that first, or declare $have_rf")
    else
      say "warning: topic $name keeps its replication factor $have_rf (the default is $want_rf; set ${key}.replicationFactor to say which you want)"
    fi
  fi
done
for name in "${managed[@]}"; do
  if [[ -z "${declared[$name]:-}" && -n "${partitions_of[$name]:-}" ]]; then
    problems+=("topic $name is no longer in ${prefix}.topics but still exists: the chart never deletes a topic; delete it yourself (kafka-topics.sh --delete --topic $name) or declare it again")
  fi
done
if ((${#problems[@]} > 0)); then
  printf 'provision.sh: %s\n' "${problems[@]}" >&2
  die "${#problems[@]} problem(s): nothing was changed"
fi

changes=0
change() {
  say "$*"
  changes=$((changes + 1))
}

# --- topics --------------------------------------------------------------------------
declare -A want_config=()   # "<topic><TAB><key>" -> value
declare -A config_keys=()   # topic -> "<TAB>key1<TAB>key2..."
for line in "${config_lines[@]}"; do
  IFS="$TAB" read -r name ckey cvalue <<<"$line"
  want_config["$name$TAB$ckey"]=$cvalue
  config_keys[$name]+="$TAB$ckey"
done

for entry in "${to_create[@]}"; do
  IFS="$TAB" read -r name want_partitions want_rf <<<"$entry"
  args=(--create --topic "$name" --partitions "$want_partitions" --replication-factor "$want_rf")
  shown=""
  for ckey in ${config_keys[$name]:-}; do
    args+=(--config "$ckey=${want_config["$name$TAB$ckey"]}")
    shown+=" $ckey=${want_config["$name$TAB$ckey"]}"
  done
  run "creating topic $name" kafka-topics.sh "${args[@]}" >/dev/null
  change "created topic $name (partitions $want_partitions, replication factor $want_rf${shown:+, configs$shown})"
done

for entry in "${to_raise[@]}"; do
  IFS="$TAB" read -r name have_partitions want_partitions <<<"$entry"
  run "raising the partitions of topic $name" kafka-topics.sh --alter --topic "$name" \
    --partitions "$want_partitions" >/dev/null
  change "topic $name: partitions $have_partitions -> $want_partitions"
done

# Configs of the topics that existed: the declared ones exactly (one call reads them all).
existing=()
for line in "${topic_lines[@]}"; do
  IFS="$TAB" read -r name _ <<<"$line"
  [[ -n "${partitions_of[$name]:-}" ]] && existing+=("$name")
done
if ((${#existing[@]} > 0)); then
  configs=$(run "reading the topic configs (kafka-configs.sh --describe)" kafka-configs.sh \
    --describe --entity-type topics)
  declare -A have_config=() have_keys=()
  topic=""
  # "Dynamic configs for topic orders are:" then "  retention.ms=86400000 sensitive=false synonyms={...}"
  while IFS= read -r line; do
    if [[ "$line" =~ ^Dynamic\ configs\ for\ topic\ (.+)\ are:$ ]]; then
      topic=${BASH_REMATCH[1]}
    elif [[ -n "$topic" && "$line" =~ ^\ \ ([^=]+)=(.*)\ sensitive=(true|false)\ synonyms=\{.*\}$ ]]; then
      have_config["$topic$TAB${BASH_REMATCH[1]}"]=${BASH_REMATCH[2]}
      have_keys[$topic]+="$TAB${BASH_REMATCH[1]}"
    fi
  done <<<"$configs"
  for name in "${existing[@]}"; do
    file="$work/topic.properties"
    : >"$file"
    set_shown="" remove=()
    for ckey in ${config_keys[$name]:-}; do
      value=${want_config["$name$TAB$ckey"]}
      if [[ "${have_config["$name$TAB$ckey"]-<unset>}" != "$value" ]]; then
        printf '%s=%s\n' "$ckey" "$value" >>"$file"
        set_shown+=" $ckey=$value"
      fi
    done
    for ckey in ${have_keys[$name]:-}; do
      [[ -n "${want_config["$name$TAB$ckey"]+set}" ]] || remove+=("$ckey")
    done
    [[ -n "$set_shown" || ${#remove[@]} -gt 0 ]] || continue
    args=(--alter --entity-type topics --entity-name "$name")
    [[ -n "$set_shown" ]] && args+=(--add-config-file "$file")
    ((${#remove[@]} > 0)) && args+=(--delete-config "$(IFS=,; echo "${remove[*]}")")
    run "changing the configs of topic $name" kafka-configs.sh "${args[@]}" >/dev/null
    change "topic $name:${set_shown:+ set$set_shown}${set_shown:+${remove[*]:+;}}${remove[*]:+ removed ${remove[*]}}"
  done
fi

# --- users ---------------------------------------------------------------------------
# Written on every run: Kafka cannot tell whether a stored credential matches a password,
# so an upsert (a new salt, the same password) is the only way to be sure.
written=0
for line in "${user_lines[@]}"; do
  IFS="$TAB" read -r name secret key mechanisms <<<"$line"
  password=$(read_password "$USER_SECRETS_DIR/$name/$key" "$secret")
  file="$work/scram.properties"
  (
    umask 077
    for mechanism in ${mechanisms//,/ }; do
      printf '%s=password=%s\n' "$mechanism" "$password"
    done >"$file"
  )
  run "writing the SCRAM credentials of user $name" kafka-configs.sh --alter \
    --entity-type users --entity-name "$name" --add-config-file "$file" >/dev/null
  rm -f "$file"
  say "user $name: SCRAM credentials written (${mechanisms//,/, }, password from Secret $secret key $key)"
  written=$((written + 1))
done
unset password

# --- ACLs ----------------------------------------------------------------------------
# One line per ACL, as in the spec: principal, ALLOW|DENY, resource type, resource name,
# LITERAL|PREFIXED, operation, host.
if ((${#acl_lines[@]} > 0)); then
  declare -A wanted=() principals=()
  for line in "${acl_lines[@]}"; do
    wanted[$line]=1
    principals[${line%%"$TAB"*}]=1
  done
  acls=$(run "listing the ACLs (kafka-acls.sh --list)" kafka-acls.sh --list)
  have=()
  resource=""
  # "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: "
  # then "<TAB>(principal=User:writer, host=*, operation=WRITE, permissionType=ALLOW)"
  # shellcheck disable=SC2016 # the backquotes are literal
  re_resource='^Current ACLs for resource `ResourcePattern\(resourceType=([A-Z_]+), name=(.*), patternType=([A-Z]+)\)`:'
  re_acl='^[[:space:]]*\(principal=(.*), host=(.*), operation=([A-Z_]+), permissionType=([A-Z]+)\)[[:space:]]*$'
  while IFS= read -r line; do
    if [[ "$line" =~ $re_resource ]]; then
      resource="${BASH_REMATCH[1]}$TAB${BASH_REMATCH[2]}$TAB${BASH_REMATCH[3]}"
    elif [[ -n "$resource" && "$line" =~ $re_acl ]]; then
      principal=${BASH_REMATCH[1]} host=${BASH_REMATCH[2]} operation=${BASH_REMATCH[3]}
      permission=${BASH_REMATCH[4]}
      IFS="$TAB" read -r rtype rname pattern <<<"$resource"
      [[ -n "${principals[$principal]:-}" ]] || continue
      have+=("$principal$TAB$permission$TAB$rtype$TAB$rname$TAB$pattern$TAB$operation$TAB$host")
    fi
  done <<<"$acls"

  declare -A present=()
  for line in "${have[@]}"; do present[$line]=1; done
  add=() remove=()
  for line in "${acl_lines[@]}"; do
    [[ -n "${present[$line]:-}" ]] || add+=("$line")
  done
  for line in "${have[@]}"; do
    [[ -n "${wanted[$line]:-}" ]] || remove+=("$line")
  done

  # ClusterAction, TransactionalId, Prefixed: kafka-acls.sh's spelling of Kafka's names.
  camel() {
    local word out=""
    for word in ${1//_/ }; do
      word=${word,,}
      out+=${word^}
    done
    printf '%s' "$out"
  }
  # acl_call add|remove LINE...: one kafka-acls.sh call per principal, permission,
  # resource and host, with every operation of that group.
  acl_call() {
    local action=$1 line group
    shift
    declare -A ops=()
    local order=()
    for line in "$@"; do
      IFS="$TAB" read -r principal permission rtype rname pattern operation host <<<"$line"
      group="$principal$TAB$permission$TAB$rtype$TAB$rname$TAB$pattern$TAB$host"
      [[ -n "${ops[$group]:-}" ]] || order+=("$group")
      ops[$group]+=" $operation"
    done
    for group in "${order[@]}"; do
      IFS="$TAB" read -r principal permission rtype rname pattern host <<<"$group"
      local side=allow
      [[ "$permission" == DENY ]] && side=deny
      local args=("--$action" "--$side-principal" "$principal" "--$side-host" "$host")
      [[ "$action" == remove ]] && args+=(--force)
      for operation in ${ops[$group]}; do args+=(--operation "$(camel "$operation")"); done
      case "$rtype" in
        TOPIC) args+=(--topic "$rname") ;;
        GROUP) args+=(--group "$rname") ;;
        CLUSTER) args+=(--cluster) ;;
        TRANSACTIONAL_ID) args+=(--transactional-id "$rname") ;;
        *) die "unknown ACL resource type $rtype" ;;
      esac
      args+=(--resource-pattern-type "${pattern,,}")
      run "${action%e}ing ACLs of $principal" kafka-acls.sh "${args[@]}" >/dev/null
      change "ACL ${action%e}ed: $principal $permission${ops[$group]} on $rtype $rname ($pattern) from host $host"
    done
  }
  ((${#remove[@]} == 0)) || acl_call remove "${remove[@]}"
  ((${#add[@]} == 0)) || acl_call add "${add[@]}"
fi

users_done=""
((written == 0)) || users_done=", $written user credential(s) written"
if ((changes == 0)); then
  say "done: topics and ACLs already match ${prefix} (${#topic_lines[@]} topics, ${#acl_lines[@]} ACLs)$users_done"
else
  say "done: $changes change(s) to topics and ACLs$users_done"
fi
