#!/bin/bash
# Stand-in for Kafka's admin tools (kafka-broker-api-versions.sh, kafka-topics.sh,
# kafka-configs.sh, kafka-acls.sh), installed under each tool's name, for provision.sh.
# Answers from a cluster kept as files in $FAKE_KAFKA_STATE, in the real tools' output
# format (Kafka 3.9.1), and changes it as the real tools would:
#   brokers             broker ids, one a line
#   down                calls of kafka-broker-api-versions.sh that still fail (a number)
#   topics              "<name><TAB><partitions><TAB><replication factor>" lines
#   configs/<topic>     the topic's dynamic configs, "key=value" lines
#   acls                "<principal><TAB><ALLOW|DENY><TAB><TYPE><TAB><name><TAB><PATTERN><TAB><OPERATION><TAB><host>"
#   users/<user>        the last --add-config-file written for the user
#   calls               every call: the tool and its arguments after --command-config <file>
set -euo pipefail
tool=$(basename "$0")
state=$FAKE_KAFKA_STATE
TAB=$'\t'
args=("$@")
# drop --bootstrap-server X and --command-config X from the record
shown=()
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --bootstrap-server | --command-config) i=$((i + 1)) ;;
    *) shown+=("${args[i]}") ;;
  esac
done
echo "$tool ${shown[*]}" >>"$state/calls"
set -- "${shown[@]}"

fail() {
  echo "$*"
  echo "	at org.apache.kafka.tools.Fake.main(Fake.java:1)"
  exit 1
}
opt() { # the value after option $1
  local want=$1 prev=""
  for arg in "${shown[@]}"; do
    [[ "$prev" == "$want" ]] && { printf '%s' "$arg"; return; }
    prev=$arg
  done
}
has() { local a; for a in "${shown[@]}"; do [[ "$a" == "$1" ]] && return 0; done; return 1; }
touch "$state/topics" "$state/acls"
mkdir -p "$state/configs" "$state/users"

case "$tool" in
  kafka-broker-api-versions.sh)
    down=$(cat "$state/down" 2>/dev/null || echo 0)
    if ((down > 0)); then
      echo $((down - 1)) >"$state/down"
      fail 'Exception in thread "main" java.lang.RuntimeException: Request METADATA failed on brokers List(kafka-0:9094 (id: -1 rack: null))'
    fi
    while read -r id; do
      [[ -n "$id" ]] || continue
      echo "kafka-$id.kafka-headless.ns.svc.cluster.local:9094 (id: $id rack: null) -> ("
      echo "	Produce(0): 0 to 11 [usable: 11],"
      echo ")"
    done <"$state/brokers"
    ;;
  kafka-topics.sh)
    if has --describe; then
      while IFS="$TAB" read -r name partitions rf; do
        configs=$(paste -sd, "$state/configs/$name" 2>/dev/null || true)
        printf 'Topic: %s\tTopicId: AAAAAAAAAAAAAAAAAAAAAA\tPartitionCount: %s\tReplicationFactor: %s\tConfigs: %s\n' \
          "$name" "$partitions" "$rf" "$configs"
        for ((p = 0; p < partitions; p++)); do
          printf '\tTopic: %s\tPartition: %d\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: N/A\tLastKnownElr: N/A\n' "$name" "$p"
        done
      done <"$state/topics"
    elif has --create; then
      name=$(opt --topic)
      grep -q "^$name$TAB" "$state/topics" && fail "Error while executing topic command : Topic '$name' already exists."
      rf=$(opt --replication-factor)
      brokers=$(grep -c . "$state/brokers")
      ((rf <= brokers)) || fail "Error while executing topic command : Replication factor: $rf larger than available brokers: $brokers."
      printf '%s\t%s\t%s\n' "$name" "$(opt --partitions)" "$rf" >>"$state/topics"
      : >"$state/configs/$name"
      prev=""
      for arg in "$@"; do
        [[ "$prev" == --config ]] && echo "$arg" >>"$state/configs/$name"
        prev=$arg
      done
      echo "Created topic $name."
    elif has --alter; then
      name=$(opt --topic) want=$(opt --partitions)
      line=$(grep "^$name$TAB" "$state/topics") || fail "Error while executing topic command : Topic '$name' does not exist as expected"
      IFS="$TAB" read -r _ have rf <<<"$line"
      ((want > have)) || fail "Error while executing topic command : Topic already has $have partitions."
      sed -i "s/^$name$TAB.*/$name$TAB$want$TAB$rf/" "$state/topics"
    fi
    ;;
  kafka-configs.sh)
    type=$(opt --entity-type) name=$(opt --entity-name)
    if has --describe; then
      while IFS="$TAB" read -r topic _; do
        echo "Dynamic configs for topic $topic are:"
        while IFS= read -r kv; do
          [[ -n "$kv" ]] && echo "  $kv sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:$kv}"
        done <"$state/configs/$topic"
      done <"$state/topics"
    elif [[ "$type" == users ]]; then
      [[ -n "${FAKE_SCRAM_FAIL:-}" ]] && fail "Invalid credential property SCRAM_SHA_512=[$(cat "$(opt --add-config-file)")]"
      cp "$(opt --add-config-file)" "$state/users/$name"
      echo "Completed updating config for user $name."
    else
      file="$state/configs/$name"
      delete=$(opt --delete-config)
      for key in ${delete//,/ }; do
        grep -q "^$key=" "$file" || fail "Invalid config(s): $key"
      done
      for key in ${delete//,/ }; do sed -i "/^$key=/d" "$file"; done
      add=$(opt --add-config-file)
      if [[ -n "$add" ]]; then
        while IFS= read -r kv; do
          [[ -n "$kv" ]] || continue
          sed -i "/^${kv%%=*}=/d" "$file"
          echo "$kv" >>"$file"
        done <"$add"
      fi
      echo "Completed updating config for topic $name."
    fi
    ;;
  kafka-acls.sh)
    if has --list; then
      cut -f3-5 "$state/acls" | sort -u | while IFS="$TAB" read -r rtype rname pattern; do
        echo "Current ACLs for resource \`ResourcePattern(resourceType=$rtype, name=$rname, patternType=$pattern)\`: "
        first=" "
        while IFS="$TAB" read -r principal permission t n p operation host; do
          [[ "$t$TAB$n$TAB$p" == "$rtype$TAB$rname$TAB$pattern" ]] || continue
          echo "$first	(principal=$principal, host=$host, operation=$operation, permissionType=$permission) "
          first=""
        done <"$state/acls"
        echo
      done
    else
      permission=ALLOW principal=$(opt --allow-principal) host=$(opt --allow-host)
      if [[ -z "$principal" ]]; then
        permission=DENY principal=$(opt --deny-principal) host=$(opt --deny-host)
      fi
      if has --cluster; then rtype=CLUSTER rname=kafka-cluster
      elif [[ -n "$(opt --topic)" ]]; then rtype=TOPIC rname=$(opt --topic)
      elif [[ -n "$(opt --group)" ]]; then rtype=GROUP rname=$(opt --group)
      else rtype=TRANSACTIONAL_ID rname=$(opt --transactional-id); fi
      pattern=$(opt --resource-pattern-type | tr '[:lower:]' '[:upper:]')
      prev=""
      for arg in "$@"; do
        if [[ "$prev" == --operation ]]; then
          operation=$(sed -E 's/([a-z])([A-Z])/\1_\2/g' <<<"$arg" | tr '[:lower:]' '[:upper:]')
          line="$principal$TAB$permission$TAB$rtype$TAB$rname$TAB$pattern$TAB$operation$TAB$host"
          if has --add; then
            grep -qxF "$line" "$state/acls" || echo "$line" >>"$state/acls"
          else
            grep -vxF "$line" "$state/acls" >"$state/acls.new" || true
            mv "$state/acls.new" "$state/acls"
          fi
        fi
        prev=$arg
      done
    fi
    ;;
  *) fail "fake-admin-tool.sh: unknown tool $tool" ;;
esac
