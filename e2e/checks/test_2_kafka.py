"""Kafka on a real cluster: every message acknowledged with acks=all survives the deletion
of a partition leader, and that broker returns as itself; a rolling upgrade keeps every
partition online; scaling adds a broker with a new id.

Each transient window (a leader moving, a broker restarting, a roll) is waited out with a
bound that is asserted, and the measured figure is recorded. Metadata comes straight from
each broker (stack_e2e.kafka_wire), so a broker that is down is just one that does not
answer.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Collection
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaTimeoutError
from stack_e2e import kafka_wire, zk_wire
from stack_e2e.figures import Figures
from stack_e2e.kube import pod_ready
from stack_e2e.waits import Waited, within

from conftest import Cluster

MESSAGES = 600            # sent at ~20/s: the deletion happens a quarter of the way in
PARTITIONS = 3
BOUND_TOPIC = 60          # s: a new topic has a leader and a full ISR on every partition
BOUND_LEADER_MOVE = 60    # s after the deletion: the partition has a new leader
BOUND_ACK = 60            # s: the slowest acknowledgement of any message
BOUND_CONSUME = 120       # s: every acknowledged message has been read back
BOUND_RETURN = 300        # s after the deletion: the broker is replaced and Ready
BOUND_ISR = 180           # s after it is Ready: it is in the ISR of every partition again
BOUND_SAMPLE_GAP = 15     # s: longest stretch of a roll without any broker's metadata
BOUND_REGISTER = 120      # s after helm upgrade returned: the new broker is registered
BOUND_ROLL = 900          # s: helm upgrade --wait rolled every broker (Cluster.upgrade's 15m)


def create_topic(cluster: Cluster, name: str, rf: int = 3) -> kafka_wire.Metadata:
    """Create ``name`` (RF ``rf``, min ISR 2); wait until every partition is fully in sync."""
    cluster.create_topic(name, PARTITIONS, rf, {"min.insync.replicas": "2"}, BOUND_TOPIC)
    return within(BOUND_TOPIC, f"{name}: a leader and {rf} in-sync replicas per partition",
                  lambda: fully_in_sync(cluster, name, rf), interval=0.5).value


def fully_in_sync(cluster: Cluster, topic: str, rf: int) -> kafka_wire.Metadata | None:
    meta = cluster.metadata([topic])
    parts = meta.of(topic)
    if len(parts) == PARTITIONS and all(p.online and len(p.isr) == rf for p in parts):
        return meta
    return None


def pod_of(meta: kafka_wire.Metadata, broker_id: int) -> str:
    """The pod of a broker: the first label of its advertised host name."""
    return meta.brokers[broker_id][0].split(".", 1)[0]


def all_ready(cluster: Cluster, brokers: int) -> None:
    """Precondition of a check: every broker Ready (an earlier check may have left one
    restarting, e.g. after a failure)."""
    pods = [f"{cluster.kafka}-{i}" for i in range(brokers)]
    within(BOUND_RETURN, f"{', '.join(pods)} Ready",
           lambda: all(pod_ready(cluster.kube.get("pod", p)) for p in pods), interval=2)


def meta_properties(cluster: Cluster, pod: str, container: str = "kafka") -> dict[str, str]:
    out = cluster.kube.exec(pod, container, "cat /var/lib/kafka/data/log/meta.properties")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def meta_broker_id(cluster: Cluster, pod: str) -> str:
    """The id the volume was formatted for: broker.id in ZooKeeper mode, node.id in KRaft."""
    props = meta_properties(cluster, pod)
    return props.get("broker.id") or props["node.id"]


class AckedProducer:
    """An acks=all producer that retries until delivery times out, and records for each
    value when it was sent and when it was acknowledged, or why it failed."""

    def __init__(self, cluster: Cluster, topic: str) -> None:
        self.topic = topic
        self.sent: dict[str, float] = {}
        self.acked: dict[str, float] = {}
        self.failed: dict[str, str] = {}
        self._lock = threading.Lock()
        self.producer = KafkaProducer(
            bootstrap_servers=cluster.kafka_bootstrap(), acks="all", linger_ms=5,
            retries=2**31 - 1, retry_backoff_ms=200, request_timeout_ms=15000,
            delivery_timeout_ms=120000, max_in_flight_requests_per_connection=1,
            # A full metadata refresh every 10 s whatever else happens: once (test_7, after
            # a roll) kafka-python kept a batch on a stale leader, retrying
            # NotLeaderForPartition for over 180 s while every broker named the new one.
            metadata_max_age_ms=10000,
            **cluster.kafka_config(),
        )

    def send(self, value: str) -> None:
        with self._lock:
            self.sent[value] = time.monotonic()
        self.producer.send(self.topic, value.encode()).add_callback(self._acked, value) \
            .add_errback(self._failed, value)

    def flush(self, seconds: float) -> None:
        """Wait `seconds` at most for every send to be answered; if some are not, say how
        many and which leader the producer still has for each partition."""
        try:
            self.producer.flush(timeout=seconds)
        except KafkaTimeoutError:
            with self._lock:
                pending = len(self.sent) - len(self.acked) - len(self.failed)
            cached = self.producer._metadata  # the producer's view, read without blocking
            leaders = {p: cached.leader_for_partition(TopicPartition(self.topic, p))
                       for p in sorted(cached.partitions_for_topic(self.topic) or ())}
            raise AssertionError(
                f"{pending} sends to {self.topic} still unanswered after {seconds:.0f} s; the "
                f"producer's leaders by partition: {leaders}") from None

    def _acked(self, value: str, _meta: Any) -> None:
        with self._lock:
            self.acked[value] = time.monotonic()

    def _failed(self, value: str, exc: Any) -> None:
        with self._lock:
            self.failed[value] = repr(exc)


def consume_acknowledged(cluster: Cluster, topic: str, acked: Collection[str]) -> Waited[bool]:
    """Read ``topic`` from the start until every acknowledged value has been seen, within
    BOUND_CONSUME (asserted by ``within``, which says what is missing)."""
    consumer = KafkaConsumer(bootstrap_servers=cluster.kafka_bootstrap(), group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             **cluster.kafka_config())
    consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
    seen: set[str] = set()
    wanted = set(acked)

    def drained() -> bool:
        for records in consumer.poll(timeout_ms=1000).values():
            seen.update(r.value.decode() for r in records)
        return wanted <= seen

    try:
        return within(BOUND_CONSUME, "every acknowledged message is consumed", drained,
                      interval=0, describe=lambda _: f"{len(wanted - seen)} missing, "
                                                     f"e.g. {sorted(wanted - seen)[:5]}")
    finally:
        consumer.close()


def test_acknowledged_messages_survive_the_deletion_of_a_partition_leader(
    cluster: Cluster, figures: Figures,
) -> None:
    kube = cluster.kube
    assert cluster.brokers() >= 3, "needs 3 brokers"
    all_ready(cluster, cluster.brokers())
    topic = f"e2e-acks-{uuid.uuid4().hex[:8]}"
    meta = create_topic(cluster, topic)
    victim_id = meta.of(topic)[0].leader
    victim = pod_of(meta, victim_id)
    victim_ordinal = int(victim.rsplit("-", 1)[1])
    assert meta_broker_id(cluster, victim) == str(victim_id)
    claim = kube.get("pvc", f"data-{victim}")

    quarter, stop = threading.Event(), threading.Event()
    tracked = AckedProducer(cluster, topic)
    sent, acked, failed, producer = tracked.sent, tracked.acked, tracked.failed, tracked.producer

    def produce() -> None:
        for i in range(MESSAGES):
            if stop.is_set():
                return
            value = f"m-{i:05d}"
            tracked.send(value)
            if i == MESSAGES // 4:
                quarter.set()
            time.sleep(0.05)

    def moved() -> kafka_wire.Partition | None:  # (a Partition: broker id 0 is falsy)
        part = cluster.metadata([topic], skip={victim_ordinal}).of(topic)[0]
        return part if part.online and part.leader != victim_id else None

    sender = threading.Thread(target=produce, daemon=True)
    sender.start()
    try:
        assert quarter.wait(120), "the producer did not get a quarter of the way"
        old_uid, deleted = kube.delete_pod(victim)
        leader = within(BOUND_LEADER_MOVE, f"partition 0 of {topic} leaves broker {victim_id}",
                        moved, since=deleted, interval=0.2)
        figures.bounded("leader-moved", leader.seconds, BOUND_LEADER_MOVE,
                        f"partition 0 moved from broker {victim_id} ({victim}) to broker "
                        f"{leader.value.leader} {leader.seconds:.1f} s after {victim} was "
                        "deleted")
        sender.join(timeout=MESSAGES * 0.05 + 180)
        assert not sender.is_alive(), "the producer thread is stuck"
        tracked.flush(180)
    finally:
        stop.set()  # on a failure above: leave no producer behind for the next check
        sender.join(timeout=10)
        producer.close(timeout=30)
    assert not failed, f"{len(failed)} sends failed, e.g. {sorted(failed.items())[:3]}"
    assert len(acked) == MESSAGES, f"{MESSAGES - len(acked)} sends never completed"
    slowest = max(acked[v] - sent[v] for v in acked)
    figures.bounded("slowest-ack", slowest, BOUND_ACK,
                    f"all {MESSAGES} sends acknowledged (acks=all, min ISR 2); the slowest "
                    f"took {slowest:.1f} s")

    read = consume_acknowledged(cluster, topic, acked)
    figures.bounded("consumed", read.seconds, BOUND_CONSUME,
                    f"all {len(acked)} acknowledged messages consumed in {read.seconds:.1f} s")

    # The broker comes back with the same id and volume, and rejoins every ISR.
    back = kube.wait_replaced_and_ready(victim, old_uid, BOUND_RETURN, since=deleted)
    figures.bounded("returned", back.seconds, BOUND_RETURN,
                    f"{victim} was replaced and Ready {back.seconds:.1f} s after its deletion")
    ready = time.monotonic()
    assert meta_broker_id(cluster, victim) == str(victim_id), "broker.id changed"
    claim_after = kube.get("pvc", f"data-{victim}")
    assert claim_after["metadata"]["uid"] == claim["metadata"]["uid"], "a new PVC was made"
    assert claim_after["spec"].get("volumeName") == claim["spec"].get("volumeName")

    def in_every_isr() -> bool:
        return all(victim_id in p.isr for p in cluster.metadata([topic]).of(topic))

    isr = within(BOUND_ISR, f"broker {victim_id} in every ISR of {topic}", in_every_isr,
                 since=ready, interval=1)
    figures.bounded("isr-rejoined", isr.seconds, BOUND_ISR,
                    f"broker {victim_id} back in the ISR of all {PARTITIONS} partitions "
                    f"{isr.seconds:.1f} s after it was Ready (same broker.id, same PVC)")


def partition_states(zk_host: str,
                     auth: zk_wire.ZkAuth | None = None) -> dict[tuple[str, int], dict[str, Any]]:
    """Every partition's state as the controller wrote it to ZooKeeper (the truth in ZK
    mode: a leader of -1 there means no broker may serve the partition)."""
    states = {}
    with zk_wire.Session(zk_host, auth=auth) as zk:
        for topic in zk.children("/brokers/topics"):
            for index in zk.children(f"/brokers/topics/{topic}/partitions"):
                state = zk.get(f"/brokers/topics/{topic}/partitions/{index}/state")
                states[(topic, int(index))] = json.loads(state)
    return states


def test_rolling_upgrade_keeps_every_partition_online(cluster: Cluster,
                                                      figures: Figures) -> None:
    """Online is judged by ZooKeeper's partition state (what the controller decided), read
    every 0.5 s; what clients see is measured too: each broker is asked for metadata every
    second. A broker's metadata cache can lag a controller change by a moment and answer
    'no leader' for a partition that has one (seen: <1 s, on one broker, after the
    controller itself was restarted); those answers are counted, not taken for offline.
    In KRaft mode there is no ZooKeeper to read: the controllers' decisions reach every
    broker through the metadata log, so a partition counts as offline when, in one round of
    asking every broker, each one that answered had it without a leader."""
    kube = cluster.kube
    brokers = cluster.brokers()
    all_ready(cluster, brokers)
    topic = f"e2e-roll-{uuid.uuid4().hex[:8]}"
    create_topic(cluster, topic)
    before = kube.get("statefulset", cluster.kafka)["status"]["updateRevision"]
    uids = {p: kube.get("pod", p)["metadata"]["uid"]
            for p in (f"{cluster.kafka}-{i}" for i in range(brokers))}
    # ZooKeeper does not roll here (KRaft mode: there is none)
    zk_hosts = [] if cluster.kraft else [kube.pod_ip(pod) for pod in cluster.zk_pods()]

    truth: list[float] = []            # when ZooKeeper's partition states were read
    offline: list[tuple[str, int, dict[str, Any]]] = []
    answers: list[float] = []          # when some broker answered a metadata request
    # (broker, topic, partition) -> [first, last] time that broker answered it leaderless
    lag: dict[tuple[str, str, int], list[float]] = {}
    lag_done: list[float] = []         # how long each such stretch lasted
    errors: dict[str, int] = {}        # why a broker or ZooKeeper did not answer, counted
    stop = threading.Event()

    def count(key: str) -> None:
        errors[key] = errors.get(key, 0) + 1

    def watch_zookeeper() -> None:
        servers = itertools.cycle(zk_hosts)
        while not stop.is_set():
            try:
                states = partition_states(next(servers), cluster.zk_auth)
            except Exception as exc:
                count(f"zookeeper: {type(exc).__name__}")
            else:
                truth.append(time.monotonic())
                offline.extend((t, i, st) for (t, i), st in states.items() if st["leader"] < 0)
            stop.wait(0.5)

    def watch_brokers() -> None:
        while not stop.is_set():
            tick = time.monotonic()
            leaderless: dict[tuple[str, int], int] = {}  # this round (KRaft's truth)
            answered = 0
            for ordinal in range(brokers):
                try:
                    meta = kafka_wire.metadata(cluster.broker_host(ordinal), timeout=2,
                                               security=cluster.security)
                except Exception as exc:  # that broker is the one restarting: ask the next
                    count(f"{cluster.kafka}-{ordinal}: {type(exc).__name__}")
                    continue
                now = time.monotonic()
                answers.append(now)
                answered += 1
                for part in meta.partitions:
                    key = (f"{cluster.kafka}-{ordinal}", part.topic, part.index)
                    leaderless.setdefault((part.topic, part.index), 0)
                    if not part.online:
                        leaderless[(part.topic, part.index)] += 1
                        lag.setdefault(key, [now, now])[1] = now
                    elif key in lag:
                        first, _ = lag.pop(key)
                        lag_done.append(now - first)
            if cluster.kraft and answered:
                truth.append(time.monotonic())
                offline.extend((t, i, {"leader": -1, "answers": answered})
                               for (t, i), n in leaderless.items() if n == answered)
            stop.wait(max(0.0, (0.5 if cluster.kraft else 1.0) - (time.monotonic() - tick)))

    watchers = [threading.Thread(target=w, daemon=True)
                for w in ((watch_brokers,) if cluster.kraft else (watch_zookeeper, watch_brokers))]
    for watcher in watchers:
        watcher.start()
    try:
        within(30, "first answers from ZooKeeper (KRaft: a broker) and a broker",
               lambda: bool(truth) and bool(answers), interval=0.2)
        start = time.monotonic()
        took = cluster.upgrade("kafka.log.retentionHours=169")
        end = time.monotonic()
    finally:
        stop.set()
        for watcher in watchers:
            watcher.join(timeout=30)

    rolled = within(120, f"{cluster.kafka} rolled to a new revision",
                    lambda: kube.statefulset_rolled(cluster.kafka, before))
    restarted = [p for p, uid in uids.items() if kube.get("pod", p)["metadata"]["uid"] != uid]
    assert len(restarted) == brokers, f"only {restarted} restarted"

    def longest_gap(times: list[float]) -> float:
        during = [t for t in times if start <= t <= end]
        return max(b - a for a, b in zip([start, *during], [*during, end], strict=True))

    stretches = lag_done + [last - first for first, last in lag.values()]
    source = ("rounds of every broker's metadata" if cluster.kraft
              else "ZooKeeper's partition states")
    figures.bounded("roll", took, BOUND_ROLL,
                    f"helm upgrade rolled all {brokers} brokers in {took:.0f} s "
                    f"(revision {rolled.value['status']['updateRevision']}); {source} "
                    f"read {len(truth)} times: {len(offline)} leaderless; "
                    f"{len(answers)} broker metadata answers")
    figures.bounded("roll-cache-lag", max(stretches, default=0.0), BOUND_SAMPLE_GAP,
                    f"{len(stretches)} time(s) a broker's metadata cache answered a partition "
                    f"leaderless while {'another broker' if cluster.kraft else 'ZooKeeper'} "
                    "had a leader; the longest lasted "
                    f"{max(stretches, default=0.0):.1f} s")
    figures.bounded("roll-truth-gap", longest_gap(truth), BOUND_SAMPLE_GAP,
                    f"longest stretch of the roll without reading {source}: "
                    f"{longest_gap(truth):.1f} s")
    figures.bounded("roll-client-gap", longest_gap(answers), BOUND_SAMPLE_GAP,
                    "longest stretch of the roll without any broker answering metadata: "
                    f"{longest_gap(answers):.1f} s (unanswered: {errors or 'none'})")
    assert not offline, f"partitions without a leader during the roll: {offline[:10]}"


def test_scaling_to_four_brokers_adds_broker_id_3(cluster: Cluster, figures: Figures) -> None:
    assert cluster.brokers() == 3
    all_ready(cluster, 3)
    took = cluster.upgrade("kafka.replicaCount=4")
    returned = time.monotonic()
    new_pod = f"{cluster.kafka}-3"
    within(60, f"{new_pod} has broker.id 3 in its meta.properties",
           lambda: meta_broker_id(cluster, new_pod) == "3", interval=2)
    registered = within(BOUND_REGISTER, "brokers 0, 1, 2, 3 registered",
                        lambda: set(cluster.metadata().brokers) == {0, 1, 2, 3},
                        since=returned, interval=1,
                        describe=lambda _: str(sorted(cluster.metadata().brokers)))
    figures.bounded("scaled", registered.seconds, BOUND_REGISTER,
                    f"helm upgrade to 4 brokers took {took:.0f} s; broker 3 ({new_pod}) was "
                    f"registered {registered.seconds:.1f} s after it returned")
