"""External access (issue 9) on the secure staging core: clients OUTSIDE the cluster.

The release runs externalAccess NodePort without hosts (e2e/values-secure.yaml): broker
<i> advertises its node's IP (status.hostIP: the node IP) and node port nodePortBase + i on
its EXTERNAL listener (SASL_SSL here, the run's certificate carrying the node IP as an IP
SAN), and the bootstrap Service listens on its own node port. The clients here run on the
node, outside the pod network's names: the host's resolver knows no cluster DNS (asserted
first), kafka-python runs inside ``host_resolver()`` (the test process resolves like any
host process), and kcat is a plain host process.

1. the host cannot resolve any in-cluster broker name;
2. one Service per broker and the bootstrap exist with the declared node ports, and every
   broker, asked through the bootstrap and through its own node port, lists exactly one
   external address per broker (node IP : nodePortBase + id) and no in-cluster name;
3. kafka-python bootstraps there, creates a topic with one partition led by each broker,
   produces acks=all to every partition and reads every message back;
4. kcat (librdkafka) does the same: -L sees the same addresses, -P to every partition,
   -C -e reads each back (SASL_SSL settings in a 0600 -F file, never on a command line);
5. scale-in 4 -> 3 (after test_2_kafka's scale-out): the topics on broker 3 are the
   suite's own and are deleted first (a real scale-in reassigns them), then broker 3's
   Service is gone with it, no Service dangles, and clients see three addresses.

Runs after test_2_kafka (4 brokers: broker 3's Service and address exist) and before
test_7_tls_rotation, which rolls every broker.
"""

from __future__ import annotations

import functools
import re
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
from stack_e2e import kafka_wire
from stack_e2e.figures import Figures
from stack_e2e.kcat import Kcat
from stack_e2e.kube import Helm
from stack_e2e.security import KafkaSecurity
from stack_e2e.settings import CHART, NODE_IP, SECURE_VALUES
from stack_e2e.waits import within
from test_2_kafka import all_ready

from conftest import Cluster, host_resolver

PER_PARTITION = 50        # messages per partition, each client
BOUND_SERVICES = 60       # s: the Services and their endpoints are there
BOUND_TOPIC = 60          # s: the topic exists and partition p is led by broker p
BOUND_PRODUCE = 60        # s: every send acknowledged (acks=all)
BOUND_CONSUME = 60        # s: every acknowledged message read back
BOUND_SCALE_IN = 180      # s after helm upgrade returned: 3 brokers, 3 Services, 3 addresses


@dataclass(frozen=True)
class External:
    """What e2e/values-secure.yaml declares for external access, and the client settings."""

    node_port_base: int
    bootstrap_port: int
    protocol: str
    security: KafkaSecurity

    @property
    def bootstrap(self) -> str:
        return f"{NODE_IP}:{self.bootstrap_port}"

    def address(self, broker_id: int) -> tuple[str, int]:
        return NODE_IP, self.node_port_base + broker_id

    def listed(self, broker_id: int) -> str:
        """The address as kcat lists it, host:port."""
        return "{}:{}".format(*self.address(broker_id))

    def kafka_python(self) -> dict[str, Any]:
        return {"bootstrap_servers": [self.bootstrap], **self.security.kafka_python()}

    def kcat(self) -> Kcat:
        return Kcat.for_security(self.bootstrap, self.security)


def declared_external() -> dict[str, Any]:
    kafka = (yaml.safe_load(SECURE_VALUES.read_text()) or {}).get("kafka") or {}
    access = kafka.get("externalAccess") or {}
    protocol = ((kafka.get("listeners") or {}).get("external") or {}).get("protocol")
    return {"access": access, "protocol": protocol or "PLAINTEXT"}


@pytest.fixture(scope="module")
def external(cluster: Cluster) -> External:
    declared = declared_external()
    access = declared["access"]
    if not access.get("enabled") or access.get("service", {}).get("type") != "NodePort":
        pytest.skip(f"{SECURE_VALUES.name}: no NodePort external access")
    if declared["protocol"] != cluster.security.protocol:
        pytest.skip(f"the external listener is {declared['protocol']}, the checks' client "
                    f"settings are for {cluster.security.protocol}")
    all_ready(cluster, cluster.brokers())
    return External(int(access["service"]["nodePortBase"]), int(access["bootstrap"]["nodePort"]),
                    declared["protocol"], cluster.security)


def service_name(cluster: Cluster, ordinal: int) -> str:
    return f"{cluster.kafka}-{ordinal}-external"


def external_services(cluster: Cluster) -> dict[str, dict[str, Any]]:
    """The per-broker external Services that exist, by name."""
    pattern = re.compile(rf"^{re.escape(cluster.kafka)}-\d+-external$")
    return {s["metadata"]["name"]: s for s in cluster.kube.items("service")
            if pattern.match(s["metadata"]["name"])}


def node_port(service: dict[str, Any]) -> int:
    ports = [p for p in service["spec"]["ports"] if p["name"] == "tcp-external"]
    assert len(ports) == 1, service["spec"]["ports"]
    return int(ports[0]["nodePort"])


def endpoints(cluster: Cluster, service: str) -> set[str]:
    """The ready pod names behind a Service (its EndpointSlices)."""
    slices = cluster.kube.items("endpointslice", f"kubernetes.io/service-name={service}")
    return {e["targetRef"]["name"] for s in slices for e in s.get("endpoints") or []
            if e.get("conditions", {}).get("ready") and e.get("targetRef")}


def addresses_ok(meta: kafka_wire.Metadata, external: External, brokers: int) -> bool:
    return meta.brokers == {i: external.address(i) for i in range(brokers)}


def in_cluster_names(meta: kafka_wire.Metadata) -> list[str]:
    return [h for h, _ in meta.brokers.values() if not re.fullmatch(r"[0-9.]+", h)]


def test_the_host_cannot_resolve_in_cluster_broker_names(cluster: Cluster,
                                                         figures: Figures) -> None:
    names = [cluster.broker_host(0),
             f"{cluster.kafka_headless}.{cluster.namespace}.svc.cluster.local",
             f"{cluster.kafka}.{cluster.namespace}.svc.cluster.local"]
    for name in names:
        # the host's resolver (nsswitch + /etc/resolv.conf), as kcat and any host client
        proc = subprocess.run(["getent", "hosts", name], capture_output=True, text=True,
                              timeout=30)
        assert proc.returncode != 0, f"the host resolves {name}: {proc.stdout.strip()}"
        with host_resolver(), pytest.raises(socket.gaierror):
            socket.getaddrinfo(name, 9092)
    figures.record("external-no-cluster-dns", "the node cannot resolve in-cluster names "
                   f"(getent hosts and getaddrinfo fail for {', '.join(names)})")


def test_every_broker_advertises_one_external_address(
    cluster: Cluster, external: External, figures: Figures,
) -> None:
    brokers = cluster.brokers()
    bootstrap_name = f"{cluster.kafka}-external-bootstrap"
    pods = {f"{cluster.kafka}-{i}" for i in range(brokers)}

    def services() -> dict[str, Any] | None:
        found = external_services(cluster)
        want = {service_name(cluster, i) for i in range(brokers)}
        if set(found) != want:
            return None
        for i in range(brokers):
            svc = found[service_name(cluster, i)]
            assert svc["spec"]["type"] == "NodePort", svc["spec"]
            assert node_port(svc) == external.node_port_base + i, svc["spec"]["ports"]
            if endpoints(cluster, service_name(cluster, i)) != {f"{cluster.kafka}-{i}"}:
                return None
        boot = cluster.kube.get("service", bootstrap_name)
        assert node_port(boot) == external.bootstrap_port, boot["spec"]["ports"]
        return found if endpoints(cluster, bootstrap_name) == pods else None

    found = within(BOUND_SERVICES, f"{brokers} external Services + {bootstrap_name}, each "
                   "with its broker behind it", services, interval=1,
                   describe=lambda _: str(sorted(external_services(cluster))))
    ports = ", ".join(f"{n}:{node_port(s)}" for n, s in sorted(found.value.items()))
    figures.record("external-services", f"{brokers} per-broker NodePort Services ({ports}), "
                   f"each selecting its own broker, and {bootstrap_name}:"
                   f"{external.bootstrap_port} selecting all {brokers}")

    with host_resolver():
        asked = {"bootstrap": external.bootstrap_port,
                 **{f"broker {i}'s port": external.node_port_base + i for i in range(brokers)}}
        for what, port in asked.items():
            meta = kafka_wire.metadata(NODE_IP, port=port, security=external.security)
            assert not in_cluster_names(meta), f"{what}: in-cluster names {meta.brokers}"
            assert addresses_ok(meta, external, brokers), \
                f"{what} ({NODE_IP}:{port}) lists {meta.brokers}"
    listed = ", ".join(f"{i}={h}:{p}" for i, (h, p) in sorted(meta.brokers.items()))
    figures.record("external-metadata", f"through {external.bootstrap} and each of the "
                   f"{brokers} brokers' node ports ({external.protocol}, hostname verified "
                   f"against the IP SAN): exactly one external address per broker, {listed}; "
                   "no in-cluster name")


# What kafka-python wrote to each partition of the topic (kcat then reads it too).
PY_WRITTEN: dict[int, list[str]] = {}


@functools.cache
def topic_name() -> str:
    return f"e2e-ext-{uuid.uuid4().hex[:8]}"


def create_led_by_each(cluster: Cluster, external: External, topic: str) -> int:
    """``topic`` with one partition per broker, partition p led by broker p (RF 3, replicas
    p, p+1, p+2), created through the external bootstrap; returns the partition count."""
    brokers = cluster.brokers()
    assignment = {p: [(p + k) % brokers for k in range(3)] for p in range(brokers)}

    def create() -> bool:
        admin = KafkaAdminClient(request_timeout_ms=30000, **external.kafka_python())
        try:
            admin.create_topics([NewTopic(topic, replica_assignments=assignment,
                                          topic_configs={"min.insync.replicas": "2"})])
        except TopicAlreadyExistsError:
            pass
        finally:
            admin.close()
        return True

    def led() -> bool:
        parts = kafka_wire.metadata(NODE_IP, port=external.bootstrap_port, topics=[topic],
                                    security=external.security).of(topic)
        return (len(parts) == brokers and all(p.leader == p.index and len(p.isr) == 3
                                              for p in parts))

    with host_resolver():
        within(BOUND_TOPIC, f"create {topic} through {external.bootstrap}", create, interval=2)
        within(BOUND_TOPIC, f"{topic}: partition p led by broker p, 3 in sync", led,
               interval=0.5)
    return brokers


def test_kafka_python_outside_the_cluster_uses_every_partition_leader(
    cluster: Cluster, external: External, figures: Figures,
) -> None:
    topic = topic_name()
    partitions = create_led_by_each(cluster, external, topic)
    want = {f"py-{p}-{i:03d}": p for p in range(partitions) for i in range(PER_PARTITION)}
    with host_resolver():
        producer = KafkaProducer(acks="all", linger_ms=5, request_timeout_ms=15000,
                                 **external.kafka_python())
        start = time.monotonic()
        try:
            futures = [(v, producer.send(topic, v.encode(), partition=p))
                       for v, p in want.items()]
            landed = {v: f.get(timeout=BOUND_PRODUCE).partition for v, f in futures}
        finally:
            producer.close(timeout=30)
        produced = time.monotonic() - start
        assert landed == want, "a message landed in another partition"
        for value, partition in want.items():
            PY_WRITTEN.setdefault(partition, []).append(value)
        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False,
                                 auto_offset_reset="earliest", **external.kafka_python())
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        seen: dict[str, int] = {}

        def drained() -> bool:
            for tp, records in consumer.poll(timeout_ms=1000).items():
                seen.update((r.value.decode(), tp.partition) for r in records)
            return want.items() <= seen.items()

        try:
            read = within(BOUND_CONSUME, f"every message read back from {topic}", drained,
                          interval=0, describe=lambda _: f"{len(set(want) - set(seen))} missing")
        finally:
            consumer.close()
    figures.bounded("external-python-produce", produced, BOUND_PRODUCE,
                    f"kafka-python from the node through {external.bootstrap} "
                    f"({external.protocol}): {len(want)} messages, acks=all, to all "
                    f"{partitions} partitions (partition p led by broker p) in {produced:.1f} s")
    figures.bounded("external-python-consume", read.seconds, BOUND_CONSUME,
                    f"kafka-python from the node: all {len(want)} read back from their "
                    f"partitions in {read.seconds:.1f} s")


def test_kcat_outside_the_cluster_lists_produces_and_consumes(
    cluster: Cluster, external: External, figures: Figures,
) -> None:
    topic = topic_name()
    partitions = create_led_by_each(cluster, external, topic)  # already there: a no-op
    kcat = external.kcat()
    listed = kcat.metadata(topic)
    names = {b["id"]: b["name"] for b in listed["brokers"]}
    assert names == {i: external.listed(i) for i in range(partitions)}, names
    (described,) = listed["topics"]
    leaders = {p["partition"]: p["leader"] for p in described["partitions"]}
    assert leaders == {p: p for p in range(partitions)}, leaders

    produced = 0.0
    for p in range(partitions):
        produced += kcat.produce(topic, p, [f"kcat-{p}-{i:03d}" for i in range(PER_PARTITION)],
                                 timeout=BOUND_PRODUCE)
    start = time.monotonic()
    for p in range(partitions):
        values = kcat.consume(topic, p, timeout=BOUND_CONSUME)
        want = [f"kcat-{p}-{i:03d}" for i in range(PER_PARTITION)]
        assert [v for v in values if v.startswith("kcat-")] == want, \
            f"partition {p}: {len(values)} messages, e.g. {values[:3]}"
        # and what kafka-python wrote there, in its order
        assert [v for v in values if v.startswith("py-")] == PY_WRITTEN.get(p, []), \
            f"partition {p}: kafka-python's messages differ, e.g. {values[:3]}"
    consumed = time.monotonic() - start
    figures.bounded("external-kcat-produce", produced, BOUND_PRODUCE,
                    f"kcat (librdkafka, {external.protocol} SCRAM-SHA-512, CA + hostname "
                    f"verification) from the node through {external.bootstrap}: -L lists "
                    f"{', '.join(sorted(names.values()))}; -P {PER_PARTITION} messages with "
                    f"acks=all to each of {partitions} partitions in {produced:.1f} s")
    read_py = sum(len(v) for v in PY_WRITTEN.values())
    figures.bounded("external-kcat-consume", consumed, BOUND_CONSUME,
                    f"kcat -C -e: every partition read back in order in {consumed:.1f} s "
                    f"(also the {read_py} messages kafka-python wrote)")


def topics_on(cluster: Cluster, broker_id: int) -> dict[str, list[int]]:
    """Topics (that the checks' user sees) with a replica on ``broker_id``."""
    meta = cluster.metadata()
    found: dict[str, list[int]] = {}
    for part in meta.partitions:
        if broker_id in part.replicas:
            found.setdefault(part.topic, []).append(part.index)
    return found


def test_scale_in_leaves_no_dangling_external_service(
    cluster: Cluster, external: External, figures: Figures,
) -> None:
    brokers = cluster.brokers()
    if brokers != 4:
        pytest.skip(f"{brokers} brokers: the scale-in follows test_2_kafka's scale-out to 4")
    gone = brokers - 1
    # A broker leaves only empty: every topic with a replica on it is the suite's own
    # (e2e-*: created after the scale-out), so it is deleted here.
    on_it = topics_on(cluster, gone)
    foreign = sorted(t for t in on_it if not t.startswith("e2e-"))
    assert not foreign, f"topics not made by the checks have replicas on broker {gone}: {foreign}"
    if on_it:
        admin = KafkaAdminClient(bootstrap_servers=cluster.kafka_bootstrap(),
                                 request_timeout_ms=30000, **cluster.kafka_config())
        try:
            admin.delete_topics(sorted(on_it), timeout_ms=30000)
        finally:
            admin.close()
        within(60, f"no topic left on broker {gone}", lambda: not topics_on(cluster, gone),
               interval=1, describe=lambda _: str(topics_on(cluster, gone)))
    # What the brokers themselves see as the super user (topics user1 may not describe):
    described = cluster.kube.exec(
        f"{cluster.kafka}-0", "kafka",
        "kafka-topics.sh --bootstrap-server "
        f"{cluster.broker_host(0)}:9094 --command-config "
        "/opt/kafka/config-generated/client.properties --describe", timeout=120)
    holding = [line.split()[1] for line in described.splitlines()
               if "Replicas:" in line and gone in _replicas(line)]
    assert not holding, f"partitions still on broker {gone}: {holding[:10]}"

    took = Helm(cluster.release, cluster.namespace).upgrade(
        CHART, "--reuse-values", "--set", f"kafka.replicaCount={gone}", timeout="15m",
        log="upgrade-scale-in.txt")
    returned = time.monotonic()

    def scaled_in() -> bool:
        if cluster.kube.get_or_none("pod", f"{cluster.kafka}-{gone}") is not None:
            return False
        if set(external_services(cluster)) != {service_name(cluster, i) for i in range(gone)}:
            return False
        boot = endpoints(cluster, f"{cluster.kafka}-external-bootstrap")
        if boot != {f"{cluster.kafka}-{i}" for i in range(gone)}:
            return False
        with host_resolver():
            meta = kafka_wire.metadata(NODE_IP, port=external.bootstrap_port,
                                       security=external.security)
        return addresses_ok(meta, external, gone)

    done = within(BOUND_SCALE_IN, f"{gone} brokers, {gone} external Services, {gone} "
                  "addresses", scaled_in, since=returned, interval=1,
                  describe=lambda _: f"services {sorted(external_services(cluster))}")
    assert cluster.kube.get_or_none("service", service_name(cluster, gone)) is None
    names = {b["id"]: b["name"] for b in external.kcat().metadata()["brokers"]}
    assert names == {i: external.listed(i) for i in range(gone)}, names
    figures.bounded("external-scale-in", done.seconds, BOUND_SCALE_IN,
                    f"scale-in {brokers} -> {gone} (helm upgrade {took:.0f} s; the suite's "
                    f"{len(on_it)} topic(s) on broker {gone} deleted first): "
                    f"{service_name(cluster, gone)} gone, {gone} Services left, the bootstrap "
                    f"selects {gone} brokers, kafka-python and kcat list {gone} addresses "
                    f"{done.seconds:.1f} s after the upgrade returned")


def _replicas(line: str) -> list[int]:
    """The replica ids of one ``kafka-topics.sh --describe`` partition line."""
    fields = line.split()
    value = fields[fields.index("Replicas:") + 1]
    return [int(r) for r in value.split(",") if r.isdigit()]
