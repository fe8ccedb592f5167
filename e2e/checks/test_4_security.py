"""The secure staging install (e2e/values-secure.yaml, prod's security settings) does what
it promises, against that one release:

1. a SASL_SSL client with the right SCRAM-SHA-512 credentials and the CA produces and
   consumes, hostname verification on (and a connection by IP, a name the certificate
   does not cover, is refused by the client: the verification really runs);
3. a wrong password fails authentication; a PLAINTEXT client on the secure ports fails;
   a client that does not trust the CA fails the handshake;
4. an anonymous ZooKeeper client cannot create or delete under /brokers or /config (the
   brokers' ACLs, zookeeper.set.acl=true; the ensemble does not enforce authentication:
   zookeeper.auth.client.enforce=false), while it may still read, and Kafka keeps working;
5. from a pod: a pod without the allowed labels (restricted-compliant, in the release
   namespace) cannot open ZooKeeper's 2181 or the inter-broker port 9094, while it can
   open the client port 9092 (open to any pod); a broker can open both (the test runs
   inside the broker pod, bash /dev/tcp).

(2, the behaviour checks with inter-broker SASL_SSL, is test_2_kafka on this install; 6,
the certificate replaced and rolled, is test_7_tls_rotation, last.) The host itself is
always admitted by kube-router (node-originated traffic), so the policy checks run from
pods.
"""

from __future__ import annotations

import json
import os
import ssl
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from stack_e2e import kafka_wire, tls, zk_wire
from stack_e2e.figures import Figures
from stack_e2e.kube import pod_ready
from stack_e2e.waits import within
from test_2_kafka import PARTITIONS, all_ready, create_topic
from test_3_enforcement import connects, pod

from conftest import Cluster

MESSAGES = 200
BOUND_PRODUCE = 60        # s: every message acknowledged (acks=all)
BOUND_CONSUME = 60        # s: every acknowledged message read back
BOUND_POD = 120           # s: the stranger pod Running and Ready
BOUND_VERDICT = 30        # s: the policy verdicts hold (kube-router programs asynchronously)
CONFIRM = 3               # samples of each verdict after it first held
ZK_PORT = 2181
SCRAM_AUTH_FAILED = 58    # Kafka's SASL_AUTHENTICATION_FAILED


@pytest.fixture(scope="module")
def secure(cluster: Cluster) -> Cluster:
    if cluster.security.protocol != "SASL_SSL":
        pytest.skip(f"the staging install is {cluster.security.protocol}, not SASL_SSL")
    all_ready(cluster, cluster.brokers())
    return cluster


def produce_and_consume(cluster: Cluster, topic: str, count: int) -> tuple[float, float]:
    """``count`` messages with acks=all, all read back; returns (produce s, consume s)."""
    producer = KafkaProducer(bootstrap_servers=cluster.kafka_bootstrap(), acks="all",
                             linger_ms=5, request_timeout_ms=15000, **cluster.kafka_config())
    start = time.monotonic()
    try:
        futures = [producer.send(topic, f"s-{i:05d}".encode()) for i in range(count)]
        for future in futures:
            future.get(timeout=BOUND_PRODUCE)
    finally:
        producer.close(timeout=30)
    produced = time.monotonic() - start
    assert produced <= BOUND_PRODUCE, f"producing took {produced:.1f} s"
    consumer = KafkaConsumer(bootstrap_servers=cluster.kafka_bootstrap(), group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             **cluster.kafka_config())
    consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
    want = {f"s-{i:05d}" for i in range(count)}
    seen: set[str] = set()

    def drained() -> bool:
        for records in consumer.poll(timeout_ms=1000).values():
            seen.update(r.value.decode() for r in records)
        return want <= seen

    try:
        read = within(BOUND_CONSUME, f"{count} messages consumed from {topic}", drained,
                      interval=0, describe=lambda _: f"{len(want - seen)} missing")
    finally:
        consumer.close()
    return produced, read.seconds


def test_sasl_ssl_client_produces_and_consumes_with_hostname_verification(
    secure: Cluster, figures: Figures,
) -> None:
    cluster = secure
    config = cluster.kafka_config()
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["ssl_check_hostname"] is True and config["ssl_cafile"]
    topic = f"e2e-sasl-{uuid.uuid4().hex[:8]}"
    create_topic(cluster, topic)
    produced, consumed = produce_and_consume(cluster, topic, MESSAGES)
    figures.bounded("sasl-ssl-produce", produced, BOUND_PRODUCE,
                    f"SASL_SSL (SCRAM-SHA-512 as {cluster.security.username}, trusting ca.crt "
                    f"of Secret {os.environ.get('E2E_KAFKA_CA_SECRET')}, hostname verified): "
                    f"{MESSAGES} messages acknowledged (acks=all) in {produced:.1f} s")
    figures.bounded("sasl-ssl-consume", consumed, BOUND_CONSUME,
                    f"SASL_SSL: all {MESSAGES} read back in {consumed:.1f} s")

    # The verification is real: the same CA, but a name the certificate does not cover
    # (the pod's IP) is refused by the client.
    ip = cluster.kube.pod_ip(f"{cluster.kafka}-0")
    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        kafka_wire.metadata(ip, security=cluster.security)
    assert "IP address mismatch" in str(refused.value) or "match" in str(refused.value), \
        refused.value
    figures.record("tls-hostname", f"connecting to {cluster.kafka}-0 by its IP {ip} with the "
                   f"right CA: the client refused the certificate ({refused.value.reason}: "
                   f"{refused.value.verify_message})")


def test_wrong_password_plaintext_and_untrusted_ca_are_refused(
    secure: Cluster, figures: Figures, tmp_path: Path,
) -> None:
    cluster = secure
    host = cluster.broker_host(0)
    good = cluster.security
    kafka_wire.metadata(host, security=good)  # the right credentials work on this broker

    wrong = good.with_(password=(good.password or "") + "-wrong")
    with pytest.raises(kafka_wire.AuthenticationFailed) as failed:
        kafka_wire.metadata(host, security=wrong)
    assert failed.value.code == SCRAM_AUTH_FAILED, failed.value
    figures.record("sasl-wrong-password", f"a wrong password for {good.username}: "
                   f"{failed.value}")

    # PLAINTEXT on the secure ports: the broker expects a TLS ClientHello, gets a Kafka
    # request, and closes the connection; no metadata comes back.
    for port in (good.port, 9094):
        with pytest.raises((OSError, ValueError)) as plain:
            kafka_wire.metadata(host, port=port, timeout=5)
        figures.record(f"plaintext-{port}", f"a PLAINTEXT client on {host.split('.')[0]}:{port} "
                       f"(SASL_SSL) got no answer: {type(plain.value).__name__}: {plain.value}")

    # Another CA (made just for this, never trusted by the brokers' certificate chain).
    other = tls.make_ca(tmp_path / "other-ca", "not-the-brokers-ca")
    with pytest.raises(ssl.SSLCertVerificationError) as untrusted:
        kafka_wire.metadata(host, security=good.with_(cafile=str(other)))
    assert untrusted.value.verify_message, untrusted.value
    figures.record("tls-untrusted-ca", "a client trusting another CA failed the handshake: "
                   f"{untrusted.value.verify_message}")


def test_anonymous_zookeeper_client_cannot_change_brokers_or_config(
    secure: Cluster, figures: Figures,
) -> None:
    cluster = secure
    zk_host = cluster.kube.pod_ip(f"{cluster.zk}-0")
    tag = uuid.uuid4().hex[:8]
    refused: list[str] = []
    with zk_wire.Session(zk_host) as zk:  # anonymous: no SASL
        broker_ids = zk.children("/brokers/ids")          # reading is allowed (world:r)
        topics = zk.children("/config/topics")
        assert broker_ids and topics, (broker_ids, topics)
        registration = json.loads(zk.get(f"/brokers/ids/{broker_ids[0]}"))
        assert registration.get("endpoints"), registration
        attempts = [("create", f"/brokers/e2e-anon-{tag}"), ("create", f"/config/e2e-anon-{tag}"),
                    ("create", f"/brokers/ids/9{tag[:3]}"),
                    ("delete", f"/brokers/ids/{broker_ids[0]}"),
                    ("delete", f"/config/topics/{topics[0]}")]
        for op, path in attempts:
            try:
                if op == "create":
                    zk.create(path, b"anonymous")
                else:
                    zk.delete(path)
            except zk_wire.ZkError as exc:
                assert exc.code == zk_wire.NO_AUTH, f"{op} {path}: {exc}"
                refused.append(f"{op} {path}")
            else:
                raise AssertionError(f"an anonymous client could {op} {path}")
    figures.record("zk-anonymous-refused", f"anonymous ZooKeeper session on {cluster.zk}-0: "
                   f"read /brokers/ids ({len(broker_ids)}) and /config/topics, but NoAuth for "
                   + "; ".join(refused))

    # Kafka still works, and every broker is still registered.
    assert set(cluster.metadata().brokers) == {int(b) for b in broker_ids}
    topic = f"e2e-zkacl-{tag}"
    create_topic(cluster, topic)
    produced, consumed = produce_and_consume(cluster, topic, 50)
    figures.record("zk-anonymous-kafka-works", f"afterwards: a new topic, 50 messages "
                   f"produced ({produced:.1f} s) and consumed ({consumed:.1f} s)")


@pytest.fixture
def stranger(secure: Cluster) -> Iterator[str]:
    """A restricted-compliant pod in the release namespace without any label a policy
    admits (so PodSecurity restricted lets it in, the NetworkPolicies do not)."""
    kube = secure.kube
    name = f"e2e-stranger-{uuid.uuid4().hex[:6]}"
    kube.run("apply", "-f", "-", stdin=json.dumps(pod(name, {"app": "e2e-stranger"},
                                                      ["sleep", "infinity"])))
    try:
        within(BOUND_POD, f"{name} Ready", lambda: pod_ready(kube.get("pod", name)),
               interval=1)
        yield name
    finally:
        kube.run("delete", "pod", name, "--wait=false", check=False)


def test_only_brokers_reach_zookeeper_and_the_interbroker_port(
    secure: Cluster, stranger: str, figures: Figures,
) -> None:
    cluster = secure
    kube = cluster.kube
    zk_ip = kube.pod_ip(f"{cluster.zk}-0")
    broker_ip = kube.pod_ip(f"{cluster.kafka}-0")
    targets = {"zookeeper 2181": (zk_ip, ZK_PORT), "inter-broker 9094": (broker_ip, 9094),
               "client 9092": (broker_ip, cluster.security.port)}

    def from_stranger() -> dict[str, bool]:
        return {what: connects(kube, stranger, ip, port)
                for what, (ip, port) in targets.items()}

    want = {"zookeeper 2181": False, "inter-broker 9094": False, "client 9092": True}
    held = within(BOUND_VERDICT, "the stranger refused on 2181 and 9094, admitted on 9092",
                  lambda: from_stranger() == want, interval=1,
                  describe=lambda _: str(from_stranger()))
    for _ in range(CONFIRM):
        assert from_stranger() == want, "a verdict changed after it first held"
    figures.bounded("netpol-stranger", held.seconds, BOUND_VERDICT,
                    f"a pod without the allowed labels ({stranger}): {cluster.zk}-0:2181 and "
                    f"{cluster.kafka}-0:9094 refused, {cluster.kafka}-0:9092 open "
                    f"({held.attempts} sample(s), then {CONFIRM} more)")

    # A broker can: the same connections from inside kafka-1 (bash's /dev/tcp, 3 s).
    source = f"{cluster.kafka}-1"
    checks = {"zookeeper 2181": (zk_ip, ZK_PORT), "inter-broker 9094": (broker_ip, 9094)}
    script = "; ".join(
        f"if timeout 3 bash -c 'exec 3<>/dev/tcp/{ip}/{port}'; then echo {port}=open; "
        f"else echo {port}=closed; fi" for ip, port in checks.values())
    out = kube.exec(source, "kafka", script, timeout=60)
    got = dict(line.split("=", 1) for line in out.split() if "=" in line)
    assert got == {str(p): "open" for _, p in checks.values()}, out
    figures.record("netpol-broker", f"from broker {source}: {cluster.zk}-0:2181 and "
                   f"{cluster.kafka}-0:9094 open")
