"""dev on the live cluster: install, a PLAINTEXT external listener used from the host by
kafka-python and kcat, an upgrade that really rolls both StatefulSets, Ready, helm test,
uninstall (its own release and namespace, before the staging run)."""

from __future__ import annotations

import subprocess
import time
import uuid
from typing import Any

import pytest
import yaml
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
from stack_e2e import kafka_wire
from stack_e2e.figures import Figures
from stack_e2e.kcat import Kcat
from stack_e2e.kube import Helm, Kube, pod_ready
from stack_e2e.namespaces import ensure_restricted
from stack_e2e.security import KafkaSecurity
from stack_e2e.settings import CHART, E2E, ENVIRONMENTS, NODE_IP, settings
from stack_e2e.waits import within

RELEASE = NS = "e2e-dev"
UPGRADE = E2E / "values-dev-upgrade.yaml"
EXTERNAL = E2E / "values-dev-external.yaml"
MESSAGES = 100         # per client, through the external listener
BOUND_EXTERNAL = 60    # s: a topic made, every message acknowledged / read back
BOUND_ROLLED = 120     # s after helm upgrade --wait returned: both report the new revision
BOUND_UNINSTALL = 300  # s after helm uninstall: no pod of the release is left


def values(*extra: str) -> list[str]:
    return ["-f", str(ENVIRONMENTS / "dev.yaml"), *settings().local_image_args(),
            "-f", str(EXTERNAL), *extra]


def statefulsets(kube: Kube) -> dict[str, dict[str, Any]]:
    return {s["metadata"]["name"]: s
            for s in kube.items("statefulset", f"app.kubernetes.io/instance={RELEASE}")}


def pod_uids(kube: Kube) -> dict[str, str]:
    return {p["metadata"]["name"]: p["metadata"]["uid"]
            for p in kube.items("pod", f"app.kubernetes.io/instance={RELEASE}")
            if p["metadata"].get("labels", {}).get("app.kubernetes.io/component") != "test"}


@pytest.fixture(scope="module")
def helm() -> Helm:
    return Helm(RELEASE, NS)


def test_dev_installs_and_becomes_ready(helm: Helm, figures: Figures) -> None:
    ensure_restricted(NS)
    took = helm.install(CHART, *values(), timeout="10m", log="dev-install.txt")
    kube = Kube(NS)
    sts = statefulsets(kube)
    assert len(sts) == 2, list(sts)
    for name, s in sts.items():
        assert s["status"].get("readyReplicas") == s["spec"]["replicas"], name
    figures.record("install", f"dev: {' + '.join(sorted(sts))} installed and Ready in "
                   f"{took:.0f} s", seconds=took)


def test_dev_external_plaintext_listener_from_the_host(helm: Helm, figures: Figures) -> None:
    """The host (no cluster DNS: the helm paths resolve with the host's resolver only)
    bootstraps at the node IP's bootstrap port, sees the broker's node IP address, and
    kafka-python and kcat each produce and consume through the PLAINTEXT external listener."""
    access = yaml.safe_load(EXTERNAL.read_text())["kafka"]["externalAccess"]
    base, port = int(access["service"]["nodePortBase"]), int(access["bootstrap"]["nodePort"])
    bootstrap = f"{NODE_IP}:{port}"
    name = f"{RELEASE}-kafka-0.{RELEASE}-kafka-headless.{NS}.svc.cluster.local"
    assert subprocess.run(["getent", "hosts", name], capture_output=True,
                          timeout=30).returncode != 0, f"the host resolves {name}"

    def advertised() -> kafka_wire.Metadata | None:
        meta = kafka_wire.metadata(NODE_IP, port=port)
        return meta if meta.brokers == {0: (NODE_IP, base)} else None

    meta = within(BOUND_EXTERNAL, f"{bootstrap} lists broker 0 as {NODE_IP}:{base}", advertised,
                  interval=1)
    topic = f"e2e-dev-ext-{uuid.uuid4().hex[:6]}"

    def create() -> bool:
        admin = KafkaAdminClient(bootstrap_servers=[bootstrap], request_timeout_ms=30000)
        try:
            admin.create_topics([NewTopic(topic, 1, 1)])
        except TopicAlreadyExistsError:
            pass
        finally:
            admin.close()
        return True

    within(BOUND_EXTERNAL, f"create {topic} through {bootstrap}", create, interval=2)
    start = time.monotonic()
    producer = KafkaProducer(bootstrap_servers=[bootstrap], acks="all", linger_ms=5)
    try:
        for future in [producer.send(topic, f"py-{i:03d}".encode(), partition=0)
                       for i in range(MESSAGES)]:
            future.get(timeout=BOUND_EXTERNAL)
    finally:
        producer.close(timeout=30)
    kcat = Kcat.for_security(bootstrap, KafkaSecurity())
    names = {b["id"]: b["name"] for b in kcat.metadata()["brokers"]}
    assert names == {0: f"{NODE_IP}:{base}"}, names
    kcat.produce(topic, 0, [f"kcat-{i:03d}" for i in range(MESSAGES)], timeout=BOUND_EXTERNAL)
    want = [f"py-{i:03d}" for i in range(MESSAGES)] + [f"kcat-{i:03d}" for i in range(MESSAGES)]
    assert kcat.consume(topic, 0, timeout=BOUND_EXTERNAL) == want
    consumer = KafkaConsumer(bootstrap_servers=[bootstrap], group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest")
    consumer.assign([TopicPartition(topic, 0)])
    seen: list[str] = []

    def drained() -> bool:
        for records in consumer.poll(timeout_ms=1000).values():
            seen.extend(r.value.decode() for r in records)
        return len(seen) >= len(want)

    try:
        within(BOUND_EXTERNAL, f"{len(want)} messages read back", drained, interval=0)
    finally:
        consumer.close()
    assert seen == want
    took = time.monotonic() - start
    figures.bounded("external-plaintext", took, BOUND_EXTERNAL * 3,
                    f"dev, PLAINTEXT external listener from the host: {bootstrap} lists broker 0 "
                    f"as {':'.join(map(str, meta.value.brokers[0]))}; kafka-python and kcat "
                    f"each produced {MESSAGES} (acks=all) and each read all {len(want)} back, "
                    f"in {took:.1f} s")


def test_dev_upgrade_rolls_both_statefulsets(helm: Helm, figures: Figures) -> None:
    kube = Kube(NS)
    before = {n: s["status"]["updateRevision"] for n, s in statefulsets(kube).items()}
    uids = pod_uids(kube)
    took = helm.upgrade(CHART, *values("-f", str(UPGRADE)), timeout="10m",
                        log="dev-upgrade.txt")
    returned = time.monotonic()
    for name, revision in before.items():
        within(BOUND_ROLLED, f"{name} rolled past {revision}",
               lambda name=name, revision=revision: kube.statefulset_rolled(name, revision),
               since=returned)
    after = pod_uids(kube)
    same = sorted(p for p, uid in uids.items() if after.get(p) == uid)
    assert not same, f"not replaced by the upgrade: {same}"
    assert all(pod_ready(kube.get("pod", p)) for p in after), after
    figures.record("upgrade", f"dev: upgrade ({UPGRADE.name}) rolled {', '.join(sorted(before))} "
                   f"({len(after)} pods replaced, Ready) in {took:.0f} s", seconds=took)


def test_dev_helm_test_passes(helm: Helm, figures: Figures) -> None:
    start = time.monotonic()
    proc = helm.run("test", RELEASE, "--logs", "--timeout", "10m", check=False,
                    log="dev-helm-test.txt")
    took = time.monotonic() - start
    assert proc.returncode == 0, f"helm test failed:\n{(proc.stdout + proc.stderr)[-4000:]}"
    figures.record("helm-test", f"dev: helm test passed in {took:.0f} s", seconds=took)


def test_dev_uninstalls(helm: Helm, figures: Figures) -> None:
    kube = Kube(NS)
    start = time.monotonic()
    helm.run("uninstall", RELEASE, "--wait", "--timeout", "5m", log="dev-uninstall.txt")
    gone = within(BOUND_UNINSTALL, "no pod of the dev release left",
                  lambda: not kube.items("pod", f"app.kubernetes.io/instance={RELEASE}"),
                  since=start, interval=2)
    figures.bounded("uninstall", gone.seconds, BOUND_UNINSTALL,
                    f"dev: uninstalled, every pod gone {gone.seconds:.0f} s after helm uninstall")
    kube.run("delete", "namespace", NS, "--wait=false")
