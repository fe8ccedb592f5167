"""The migration from ZooKeeper mode to KRaft on a real cluster (make e2e KRAFT=1, after the
KRaft checks): a ZooKeeper-mode stack (staging's three ZooKeeper servers and three brokers,
Kafka 3.9) carrying a topic with a config and data, driven by `stackctl migrate` exactly as a
user runs it, with an acks=all producer running throughout and every broker asked for
metadata every second.

First a rollback from dual-write (the documented way back: the controllers, their claims and
the /controller and /migration znodes go, the brokers leave migration mode), which must leave
a working ZooKeeper-mode cluster; then the whole migration from there, through Kafka 4 and
without ZooKeeper. After each: every acknowledged message is read back, no partition was
ever without a leader (in a round of asking every broker, each one that answered had it
leaderless), the topic keeps its partitions and config. The wall time of every step is
recorded as a figure.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from stack_e2e import kafka_wire
from stack_e2e.figures import Figures
from stack_e2e.waits import within
from test_2_kafka import PARTITIONS, AckedProducer, all_ready, consume_acknowledged, fully_in_sync
from test_6_provisioning import topic_state

from conftest import Cluster

BOUND_MIGRATE = 2400      # s: stackctl migrate, every step (helm's own timeout is 20m a step)
BOUND_ACK = 120           # s: the slowest acknowledgement of any message
BOUND_SAMPLE_GAP = 20     # s: longest stretch without any broker answering metadata
RETENTION_MS = "7200000"  # the topic's own config, which must survive
RATE = 10                 # messages a second


def stackctl(*args: str, timeout: float = BOUND_MIGRATE) -> str:
    """`stackctl migrate` with the release's own values (E2E_MIGRATE_ARGS), its output kept."""
    argv = [os.environ["E2E_STACKCTL"], "migrate", *shlex.split(os.environ["E2E_MIGRATE_ARGS"]),
            *args]
    print("$ " + shlex.join(argv[1:]), flush=True)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    print(result.stdout + result.stderr, flush=True)
    assert result.returncode == 0, f"stackctl migrate {' '.join(args)}: exit {result.returncode}"
    return result.stdout


class Traffic:
    """An acks=all producer at RATE/s and, every second, every broker's metadata."""

    def __init__(self, cluster: Cluster, topic: str) -> None:
        self.cluster, self.topic = cluster, topic
        self.producer = AckedProducer(cluster, topic)
        # (when, topic, partition, how many brokers answered it leaderless)
        self.leaderless: list[tuple[float, str, int, int]] = []
        self.answers: list[float] = []
        self.rounds = 0
        self.errors: dict[str, int] = {}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=f, daemon=True) for f in (self._produce,
                                                                           self._sample)]

    def _produce(self) -> None:
        i = 0
        while not self._stop.is_set():
            self.producer.send(f"m-{i}")
            i += 1
            self._stop.wait(1 / RATE)

    def _sample(self) -> None:
        c = self.cluster
        while not self._stop.is_set():
            tick = time.monotonic()
            counts: dict[tuple[str, int], int] = {}
            answered = 0
            for ordinal in range(c.brokers()):
                try:
                    meta = kafka_wire.metadata(c.broker_host(ordinal), topics=[self.topic],
                                               timeout=2, security=c.security)
                except Exception as exc:  # the broker that is restarting
                    key = f"{c.kafka}-{ordinal}: {type(exc).__name__}"
                    self.errors[key] = self.errors.get(key, 0) + 1
                    continue
                answered += 1
                self.answers.append(time.monotonic())
                for part in meta.partitions:
                    counts.setdefault((part.topic, part.index), 0)
                    if not part.online:
                        counts[(part.topic, part.index)] += 1
            if answered:
                self.rounds += 1
                self.leaderless.extend((tick, t, p, answered)
                                       for (t, p), n in counts.items() if n == answered)
            self._stop.wait(max(0.0, 1.0 - (time.monotonic() - tick)))

    @contextmanager
    def running(self) -> Iterator[Traffic]:
        for t in self._threads:
            t.start()
        try:
            yield self
        finally:
            self._stop.set()
            for t in self._threads:
                t.join(timeout=30)
            self.producer.flush(BOUND_ACK)
            self.producer.producer.close(timeout=30)

    def longest_gap(self, start: float, end: float) -> float:
        during = [t for t in self.answers if start <= t <= end]
        return max(b - a for a, b in zip([start, *during], [*during, end], strict=True))


def migration_topic(cluster: Cluster) -> str:
    topic = f"e2e-migrate-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, PARTITIONS, 3, configs={"retention.ms": RETENTION_MS})
    within(60, f"{topic} fully in sync", lambda: fully_in_sync(cluster, topic, 3), interval=1)
    return topic


def topic_kept(cluster: Cluster, topic: str) -> None:
    def kept() -> dict[str, Any] | None:
        state = topic_state(cluster, topic)
        ok = state["partitions"] == PARTITIONS and state["online"] and state["rf"] == {3}
        return state if ok else None

    state = within(120, f"{topic} has {PARTITIONS} partitions, RF 3, a leader each", kept,
                   interval=2).value
    assert state["configs"].get("retention.ms") == RETENTION_MS, state["configs"]


def mode(cluster: Cluster) -> str:
    sts = cluster.kube.get("statefulset", cluster.kafka)
    return str(sts["metadata"].get("annotations", {}).get("kafka.chart/metadata", "zookeeper"))


def step_times(out: str) -> dict[str, float]:
    return {m.group(2): float(m.group(1))
            for m in re.finditer(r"^\s+(\d+) s\s+(.+)$", out, re.M)}


def judge(cluster: Cluster, traffic: Traffic, figures: Figures, what: str, start: float,
          end: float) -> None:
    p = traffic.producer
    assert not p.failed, f"{len(p.failed)} sends failed, e.g. {list(p.failed.items())[:3]}"
    unacked = set(p.sent) - set(p.acked)
    assert not unacked, f"{len(unacked)} messages never acknowledged"
    slowest = max(p.acked[v] - p.sent[v] for v in p.acked)
    figures.bounded(f"{what}-ack", slowest, BOUND_ACK,
                    f"{what}: {len(p.acked)} messages acknowledged (acks=all), the slowest in "
                    f"{slowest:.1f} s")
    consume_acknowledged(cluster, traffic.topic, p.acked)
    gap = traffic.longest_gap(start, end)
    figures.bounded(f"{what}-sample-gap", gap, BOUND_SAMPLE_GAP,
                    f"{what}: {traffic.rounds} rounds of every broker's metadata; the longest "
                    f"stretch without an answer {gap:.1f} s "
                    f"(unanswered: {traffic.errors or 'none'})")
    figures.record(f"{what}-leaderless", f"{what}: {len(traffic.leaderless)} leaderless "
                   "partition samples", ok=not traffic.leaderless)
    assert not traffic.leaderless, f"partitions without a leader: {traffic.leaderless[:10]}"
    topic_kept(cluster, traffic.topic)


def test_a_rollback_from_dual_write_returns_to_a_working_zookeeper_mode(
        cluster: Cluster, figures: Figures) -> None:
    all_ready(cluster, cluster.brokers())
    assert mode(cluster) == "zookeeper"
    topic = migration_topic(cluster)
    with Traffic(cluster, topic).running() as traffic:
        start = time.monotonic()
        forward = stackctl("--to", "dual-write")
        assert mode(cluster) == "migration-dual-write"
        back = stackctl("--rollback")
        end = time.monotonic()
    assert mode(cluster) == "zookeeper"
    assert not cluster.kube.get_or_none("statefulset", f"{cluster.kafka}-controller")
    claims: list[dict[str, Any]] = cluster.kube.items(
        "pvc", selector=f"app.kubernetes.io/instance={cluster.release},"
                        "app.kubernetes.io/component=controller")
    assert not claims, [c["metadata"]["name"] for c in claims]
    for name, seconds in {**step_times(forward), **step_times(back)}.items():
        figures.record(f"rollback-step-{name}", f"rollback run: {name} took {seconds:.0f} s",
                       seconds=seconds)
    figures.record("rollback-total", f"to dual-write and back: {end - start:.0f} s",
                   seconds=end - start)
    # KAFKA-20488: the ZooKeeper controller that takes over must be above the KRaft epoch.
    epoch = next((line.strip() for line in back.splitlines() if "/controller_epoch" in line),
                 "")
    assert epoch, "stackctl migrate --rollback printed nothing about /controller_epoch"
    figures.record("rollback-controller-epoch", f"rollback: {epoch}")
    judge(cluster, traffic, figures, "rollback", start, end)


def test_the_migration_keeps_every_message_and_ends_on_kafka_4_without_zookeeper(
        cluster: Cluster, figures: Figures) -> None:
    all_ready(cluster, cluster.brokers())
    topic = migration_topic(cluster)
    with Traffic(cluster, topic).running() as traffic:
        start = time.monotonic()
        out = stackctl("--to", "kafka4", "--kafka4-tag", os.environ["E2E_KAFKA4_VERSION"])
        end = time.monotonic()
    assert mode(cluster) == "kraft"
    zk = cluster.kube.items("pod", selector=f"app.kubernetes.io/instance={cluster.release},"
                                           "app.kubernetes.io/component=zookeeper")
    assert not zk, [p["metadata"]["name"] for p in zk]
    for name in (cluster.kafka, f"{cluster.kafka}-controller"):
        image = cluster.kube.get("statefulset", name)["spec"]["template"]["spec"][
            "containers"][0]["image"]
        assert image.endswith(":" + os.environ["E2E_KAFKA4_VERSION"]), (name, image)
    for name, seconds in step_times(out).items():
        figures.record(f"migrate-step-{name}", f"migration: {name} took {seconds:.0f} s",
                       seconds=seconds)
    figures.record("migrate-total", f"the whole migration, ZooKeeper mode to Kafka 4 without "
                   f"ZooKeeper: {end - start:.0f} s", seconds=end - start)
    judge(cluster, traffic, figures, "migrate", start, end)
