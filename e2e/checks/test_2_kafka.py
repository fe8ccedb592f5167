"""Kafka on a real cluster: acks=all survives a broker loss, a broker returns as itself,
a rolling upgrade keeps every partition online, and scaling adds a broker with a new id."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from conftest import Cluster, poll

MESSAGES = 600


def brokers(cluster: Cluster) -> int:
    return int(cluster.get("statefulset", cluster.kafka)["spec"]["replicas"])


@pytest.fixture
def admin(cluster: Cluster) -> Any:
    client = KafkaAdminClient(bootstrap_servers=cluster.kafka_bootstrap(brokers(cluster)),
                              request_timeout_ms=30000)
    yield client
    client.close()


def partitions(admin: Any, topics: list[str]) -> list[dict[str, Any]]:
    out = []
    for topic in admin.describe_topics(topics):
        for part in topic["partitions"]:
            out.append({
                "topic": topic["topic"] if "topic" in topic else topic.get("name"),
                "partition": part.get("partition_index", part.get("partition")),
                "leader": part.get("leader_id", part.get("leader")),
                "isr": part.get("isr_nodes", part.get("isr")),
            })
    return out


def create_topic(admin: Any, name: str, rf: int = 3) -> None:
    admin.create_topics(
        {name: {"num_partitions": 3, "replication_factor": rf,
                "configs": {"min.insync.replicas": "2"}}},
        wait_for_metadata=True,
    )


def broker_ids(admin: Any) -> set[int]:
    """The ids of the brokers registered in the cluster (the client names the key per version)."""
    return {b.get("node_id", b.get("broker_id")) for b in admin.describe_cluster()["brokers"]}


def meta_broker_id(cluster: Cluster, pod: str) -> str:
    out = cluster.exec(pod, "kafka", "cat /var/lib/kafka/data/log/meta.properties")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)["broker.id"]


def test_acknowledged_messages_survive_a_broker_deletion(cluster: Cluster, admin: Any) -> None:
    assert brokers(cluster) >= 3, "needs 3 brokers"
    topic = f"e2e-acks-{uuid.uuid4().hex[:8]}"
    create_topic(admin, topic)
    acked: set[str] = set()
    failed: list[str] = []
    lock = threading.Lock()
    producer = KafkaProducer(
        bootstrap_servers=cluster.kafka_bootstrap(brokers(cluster)), acks="all",
        retries=20, retry_backoff_ms=500, request_timeout_ms=15000,
        max_in_flight_requests_per_connection=1,
    )

    def on_ok(value: str) -> Any:
        def cb(_meta: Any) -> None:
            with lock:
                acked.add(value)
        return cb

    def on_err(value: str) -> Any:
        def cb(_exc: Any) -> None:
            with lock:
                failed.append(value)
        return cb

    victim = f"{cluster.kafka}-1"
    id_before = meta_broker_id(cluster, victim)
    pvc_uid = cluster.get("pvc", f"data-{victim}")["metadata"]["uid"]
    old_uid = ""
    for i in range(MESSAGES):
        if i == MESSAGES // 4:
            old_uid = cluster.delete_pod(victim)
        value = f"m-{i:05d}"
        producer.send(topic, value.encode()).add_callback(on_ok(value)).add_errback(on_err(value))
        time.sleep(0.05)
    producer.flush(timeout=120)
    producer.close()
    assert len(acked) > MESSAGES // 2, f"only {len(acked)} acknowledged, {len(failed)} failed"

    consumer = KafkaConsumer(
        topic, bootstrap_servers=cluster.kafka_bootstrap(brokers(cluster)),
        auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=20000,
        group_id=None,
    )
    seen = {msg.value.decode() for msg in consumer}
    consumer.close()
    lost = sorted(acked - seen)
    assert not lost, f"{len(lost)} acknowledged messages were not consumed, e.g. {lost[:5]}"

    # The broker comes back with the same id, the same volume and rejoins every ISR.
    cluster.wait_replaced_and_ready(victim, old_uid)
    assert meta_broker_id(cluster, victim) == id_before
    assert cluster.get("pvc", f"data-{victim}")["metadata"]["uid"] == pvc_uid
    assert poll(lambda: all(int(id_before) in p["isr"] for p in partitions(admin, [topic])), 180)


def test_rolling_upgrade_keeps_every_partition_online(cluster: Cluster, admin: Any) -> None:
    topic = f"e2e-roll-{uuid.uuid4().hex[:8]}"
    create_topic(admin, topic)
    sts_before = cluster.get("statefulset", cluster.kafka)
    offline: list[dict[str, Any]] = []
    samples = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal samples
        while not done.is_set():
            try:
                for part in partitions(admin, [topic]):
                    if part["leader"] in (-1, None):
                        offline.append(part)
                samples += 1
            except Exception as exc:  # a broker we asked may be the one restarting
                print(f"metadata request failed during the roll: {exc}")
            time.sleep(1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        cluster.upgrade("kafka.log.retentionHours=169")
    finally:
        done.set()
        watcher.join(timeout=30)
    sts_after = cluster.get("statefulset", cluster.kafka)
    assert sts_after["status"].get("updateRevision") != sts_before["status"].get(
        "updateRevision"), "the upgrade did not roll the brokers"
    assert sts_after["status"].get("updatedReplicas") == brokers(cluster)
    assert samples >= 5, f"only {samples} metadata samples during the roll"
    assert not offline, f"offline partitions during the roll: {offline[:5]}"


def test_scaling_to_four_brokers_adds_broker_id_3(cluster: Cluster, admin: Any) -> None:
    assert brokers(cluster) == 3
    cluster.upgrade("kafka.replicaCount=4")
    new_pod = f"{cluster.kafka}-3"
    assert meta_broker_id(cluster, new_pod) == "3"
    assert poll(lambda: broker_ids(admin) == {0, 1, 2, 3}, 120), admin.describe_cluster()
