#!/bin/bash
# startup-check.sh: the broker's startup probe. It passes once the listener answers AND
# this broker is back in the ISR of every partition it replicates that has a leader.
#
# Why more than a TCP check: a StatefulSet rolls the next broker as soon as this one is
# Ready. A broker that is listening but has not caught up yet is not in any ISR; restarting
# the next broker then can leave a partition whose only in-sync replica is the one being
# restarted, i.e. offline (seen in e2e with a TCP-only probe: Leader -1, Isr [0]).
# Partitions without a leader are not waited for: this broker cannot catch up on them
# anyway, and waiting would only hold a whole-cluster restart hostage.
#
# It asks this broker on its inter-broker listener, as the advertised name (TLS hostname
# verification holds), with the client config configure.sh wrote at start from the
# mounted Secrets (client.properties beside SERVER_PROPERTIES: the inter-broker user).
#
# Env: POD_NAME, BROKER_ID_OFFSET (0), KAFKA_BIN (/opt/kafka/bin), SERVER_PROPERTIES,
#      PROBE_HEAP_OPTS (heap of the probe's own JVM).
set -euo pipefail

: "${POD_NAME:?POD_NAME is required}"
BROKER_ID_OFFSET="${BROKER_ID_OFFSET:-0}"
KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"

ordinal="${POD_NAME##*-}"
if [[ ! "$ordinal" =~ ^[0-9]+$ ]]; then
  echo "startup-check.sh: cannot read an ordinal from POD_NAME=$POD_NAME" >&2
  exit 1
fi
broker_id=$((10#$ordinal + BROKER_ID_OFFSET))
SERVER_PROPERTIES="${SERVER_PROPERTIES:-/opt/kafka/config-generated/server.properties}"
client_config="$(dirname "$SERVER_PROPERTIES")/client.properties"
if [[ ! -r "$SERVER_PROPERTIES" || ! -r "$client_config" ]]; then
  echo "startup-check.sh: broker $broker_id has not written its configuration yet" >&2
  exit 1
fi
listener=$(sed -n 's/^inter.broker.listener.name=//p' "$SERVER_PROPERTIES" | tail -n 1)
advertised=$(sed -n 's/^advertised.listeners=//p' "$SERVER_PROPERTIES" | tail -n 1)
bootstrap=""
for entry in ${advertised//,/ }; do
  [[ "${entry%%://*}" == "${listener:-INTERNAL}" ]] && bootstrap="${entry#*://}"
done
if [[ -z "$bootstrap" ]]; then
  echo "startup-check.sh: no advertised ${listener:-INTERNAL} listener in $SERVER_PROPERTIES" >&2
  exit 1
fi

# The probe's JVM runs beside the broker: a small heap, and no JMX port clash.
export KAFKA_HEAP_OPTS="${PROBE_HEAP_OPTS:--Xmx96m -Xms32m}"
unset JMX_PORT KAFKA_JMX_OPTS

if ! out="$("$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$bootstrap" \
    --command-config "$client_config" --describe --under-replicated-partitions 2>&1)"; then
  echo "startup-check.sh: broker $broker_id does not answer on $bootstrap yet:" \
    "$(grep -E 'Exception|Error' <<<"$out" | tail -n 2 | paste -sd' ')" >&2
  exit 1
fi

# Lines look like: Topic: t  Partition: 0  Leader: 1  Replicas: 1,2,0  Isr: 1,0  ...
lagging="$(awk -v id="$broker_id" '
  /Partition:/ {
    topic = ""; part = ""; leader = ""; replicas = ""; isr = ""
    for (i = 1; i < NF; i++) {
      if ($i == "Topic:") topic = $(i + 1)
      else if ($i == "Partition:") part = $(i + 1)
      else if ($i == "Leader:") leader = $(i + 1)
      else if ($i == "Replicas:") replicas = "," $(i + 1) ","
      else if ($i == "Isr:") isr = "," $(i + 1) ","
    }
    if (leader == "none" || leader == "-1" || leader == "") next
    if (index(replicas, "," id ",") && !index(isr, "," id ",")) print topic "-" part
  }' <<<"$out")"

if [[ -n "$lagging" ]]; then
  echo "startup-check.sh: broker $broker_id not yet in sync for: $(echo "$lagging" | head -5 | paste -sd' ')" >&2
  exit 1
fi
echo "startup-check.sh: broker $broker_id is listening and in sync"
