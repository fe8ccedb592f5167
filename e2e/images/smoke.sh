#!/usr/bin/env bash
# Smoke test of the e2e images on the e2e containerd, the way the charts run them:
# uid 1000, read-only root filesystem, config/data/logs on mounts, only loopback traffic.
#  1. ZooKeeper (localhost/zookeeper:$ZK_VERSION) standalone answers `srvr` on 2181 with Mode: standalone;
#     zkServer.sh status and zkCli.sh work.
#  2. Kafka (localhost/kafka:$KAFKA_VERSION) broker in ZooKeeper mode against it: kafka-broker-api-versions.sh,
#     kafka-topics.sh --create/--describe, console producer -> console consumer, zookeeper-shell.sh.
# Both containers share one network namespace made here (stack-e2e-smoke), so nothing binds on
# the host and all traffic stays on that namespace's 127.0.0.1.
#   e2e/images/smoke.sh        (starts containerd and builds/imports images if needed)
# shellcheck disable=SC2015  # "test && ok || ko": ok only prints and counts, it never fails
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/common.sh"; set +e
source "$HERE/../runtime/env.sh"
"$HERE/../runtime/start-containerd.sh" || exit 1
"$HERE/build.sh" all || exit 1

C=(ctr -a "$CONTAINERD_SOCK" -n "$CTR_NS")
NS=stack-e2e-smoke
WORK="$STACK_E2E_STATE/smoke"
pass=0; fail=0
ok() { echo "PASS: $*"; pass=$((pass+1)); }
ko() { echo "FAIL: $*"; fail=$((fail+1)); }
xc() { local c=$1; shift; "${C[@]}" tasks exec --exec-id "x$RANDOM$RANDOM" "$c" "$@"; }

cleanup() {
  for c in smoke-kafka smoke-zk; do
    "${C[@]}" tasks kill -s KILL "$c" >/dev/null 2>&1
    for _ in 1 2 3 4 5 6 7 8 9 10; do "${C[@]}" tasks rm "$c" >/dev/null 2>&1 && break; "${C[@]}" tasks ls -q 2>/dev/null | grep -qx "$c" || break; sleep 0.3; done
    "${C[@]}" containers rm "$c" >/dev/null 2>&1
  done
  ip netns del "$NS" 2>/dev/null
}
cleanup
trap cleanup EXIT
ip netns add "$NS" && ip -n "$NS" link set lo up || { echo "cannot create netns $NS"; exit 1; }
NSPATH="/var/run/netns/$NS"

rm -rf "$WORK"; mkdir -p "$WORK"/zk/{conf,data,datalog,logs,tmp} "$WORK"/kafka/{config,data,tmp}
cat > "$WORK/zk/conf/zoo.cfg" <<CFG
tickTime=2000
initLimit=5
syncLimit=2
dataDir=/data
dataLogDir=/datalog
clientPort=2181
4lw.commands.whitelist=srvr,ruok,mntr
admin.enableServer=false
CFG
cp "$HERE/zookeeper/conf/logback.xml" "$WORK/zk/conf/"
cat > "$WORK/kafka/config/server.properties" <<CFG
broker.id=0
listeners=PLAINTEXT://127.0.0.1:9092
advertised.listeners=PLAINTEXT://127.0.0.1:9092
log.dirs=/var/lib/kafka/data
zookeeper.connect=127.0.0.1:2181
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=1
CFG
chown -R 1000:1000 "$WORK"

# --- ZooKeeper: as the chart runs it (uid 1000, read-only root, own conf dir) -------------------
t0=$(date +%s)
"${C[@]}" run -d --read-only --with-ns "network:$NSPATH" \
  --mount "type=bind,src=$WORK/zk/conf,dst=/conf,options=rbind:rw" \
  --mount "type=bind,src=$WORK/zk/data,dst=/data,options=rbind:rw" \
  --mount "type=bind,src=$WORK/zk/datalog,dst=/datalog,options=rbind:rw" \
  --mount "type=bind,src=$WORK/zk/logs,dst=/logs,options=rbind:rw" \
  --mount "type=bind,src=$WORK/zk/tmp,dst=/tmp,options=rbind:rw" \
  --env ZK_SERVER_HEAP=256 \
  "$ZK_IMAGE" smoke-zk setpriv --reuid=1000 --regid=1000 --clear-groups zkServer.sh start-foreground \
  >"$WORK/zk-run.log" 2>&1 || { ko "ctr run $ZK_IMAGE: $(cat "$WORK/zk-run.log")"; }
srvr=""
for _ in $(seq 1 60); do
  srvr=$(ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && cat <&3' 2>/dev/null)
  [ -n "$srvr" ] && break; sleep 1
done
if grep -q 'Mode: standalone' <<<"$srvr"; then
  ok "zookeeper answers srvr on 2181 with Mode: standalone ($(( $(date +%s) - t0 ))s after start)"
else
  ko "zookeeper srvr: '${srvr}'"; "${C[@]}" tasks ls
fi
grep -m1 'Zookeeper version' <<<"$srvr"
out=$(xc smoke-zk setpriv --reuid=1000 --regid=1000 --clear-groups zkServer.sh status 2>&1)
grep -q 'Mode: standalone' <<<"$out" && ok "zkServer.sh status: $(grep Mode <<<"$out")" || ko "zkServer.sh status: $out"
out=$(xc smoke-zk setpriv --reuid=1000 --regid=1000 --clear-groups zkCli.sh -server 127.0.0.1:2181 ls / 2>&1)
grep -q '^\[zookeeper\]' <<<"$out" && ok "zkCli.sh ls / -> $(grep '^\[' <<<"$out")" || ko "zkCli.sh ls /: $(tail -5 <<<"$out")"
out=$(xc smoke-zk id -u 2>&1); uid=$(xc smoke-zk ps -o uid= -p 1 2>&1 | tr -d ' ')
[ "$uid" = 1000 ] && ok "zookeeper JVM runs as uid 1000" || ko "zookeeper JVM uid '$uid'"

# --- Kafka: image user appuser (1000), read-only root, LOG_DIR on a writable mount -------------
t0=$(date +%s)
"${C[@]}" run -d --read-only --with-ns "network:$NSPATH" \
  --mount "type=bind,src=$WORK/kafka/config,dst=/etc/kafka/smoke,options=rbind:ro" \
  --mount "type=bind,src=$WORK/kafka/data,dst=/var/lib/kafka/data,options=rbind:rw" \
  --mount "type=bind,src=$WORK/kafka/tmp,dst=/tmp,options=rbind:rw" \
  --env LOG_DIR=/tmp/kafka-logs --env "KAFKA_HEAP_OPTS=-Xmx512m -Xms512m" \
  "$KAFKA_IMAGE" smoke-kafka /opt/kafka/bin/kafka-server-start.sh /etc/kafka/smoke/server.properties \
  >"$WORK/kafka-run.log" 2>&1 || ko "ctr run $KAFKA_IMAGE: $(cat "$WORK/kafka-run.log")"
api=""
for _ in $(seq 1 90); do
  api=$(xc smoke-kafka /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:9092 2>&1) && break
  api=""; sleep 2
done
if grep -q '127.0.0.1:9092 (id: 0' <<<"$api"; then
  ok "kafka broker up, kafka-broker-api-versions.sh answers ($(( $(date +%s) - t0 ))s after start)"
else
  ko "kafka-broker-api-versions.sh: no answer"; tail -20 "$WORK/kafka/tmp/kafka-logs/server.log" 2>/dev/null
fi
uid=$(xc smoke-kafka ps -o uid= -p 1 2>&1 | tr -d ' ')
[ "$uid" = 1000 ] && ok "kafka JVM runs as uid 1000 (appuser)" || ko "kafka JVM uid '$uid'"
out=$(xc smoke-kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server 127.0.0.1:9092 --create --topic smoke --partitions 1 --replication-factor 1 2>&1)
grep -q 'Created topic smoke' <<<"$out" && ok "kafka-topics.sh --create: $out" || ko "kafka-topics.sh --create: $out"
out=$(xc smoke-kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server 127.0.0.1:9092 --describe --topic smoke 2>&1)
grep -q 'Leader: 0' <<<"$out" && ok "kafka-topics.sh --describe: leader 0" || ko "kafka-topics.sh --describe: $out"
msg="hello-e2e-$(date +%s)"
if out=$(xc smoke-kafka bash -c "echo '$msg' | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server 127.0.0.1:9092 --topic smoke" 2>&1); then
  ok "kafka-console-producer.sh sent '$msg'"
else
  ko "kafka-console-producer.sh: $out"
fi
out=$(xc smoke-kafka /opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server 127.0.0.1:9092 --topic smoke --from-beginning --max-messages 1 --timeout-ms 60000 2>&1)
grep -qx "$msg" <<<"$out" && ok "kafka-console-consumer.sh received '$msg'" || ko "kafka-console-consumer.sh: $out"
out=$(xc smoke-kafka /opt/kafka/bin/zookeeper-shell.sh 127.0.0.1:2181 ls /brokers/ids 2>&1)
grep -q '^\[0\]' <<<"$out" && ok "zookeeper-shell.sh ls /brokers/ids -> [0]" || ko "zookeeper-shell.sh: $out"
ls "$WORK/kafka/tmp/kafka-logs/server.log" >/dev/null 2>&1 && ok "broker logs in LOG_DIR (server.log, kafkaServer-gc.log)" || ko "no server.log in LOG_DIR"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
