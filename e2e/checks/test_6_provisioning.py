"""Declarative topics, users and ACLs (issue 9) on the secure staging core: the
provisioning hook Job applies ``kafka.provisioning`` of e2e/values-secure.yaml after every
install and upgrade, with the AclAuthorizer on (no ACL: deny).

1. after the install every declared topic exists with its declared partitions,
   replication factor and configs;
2. an upgrade (the release's values + a file raising e2e-declared's partitions and
   changing its retention.ms) applies both;
3. an upgrade lowering its partitions FAILS (helm exits non-zero; the Job's message names
   the topic, in helm's output or the failed Job's kept pod log) and the topic is as it
   was; an upgrade back to the valid state then deploys the release again (the checks
   after this one run on a deployed release);
   none of these upgrades rolls a broker or a ZooKeeper server (the same pod uids and
   StatefulSet revisions before and after);
4. the declared user e2e-writer (password from the Secret the run made, stack_e2e.users),
   with Write+Describe on e2e-acl-a only, produces to e2e-acl-a and gets
   TOPIC_AUTHORIZATION_FAILED on e2e-acl-b: kafka-python on the client listener, the raw
   metadata answer, and kcat through the external listener.
"""

from __future__ import annotations

import copy
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.errors import TopicAuthorizationFailedError
from stack_e2e import kafka_wire, users
from stack_e2e.figures import Figures
from stack_e2e.kcat import Kcat
from stack_e2e.kube import Helm
from stack_e2e.security import KafkaSecurity, secret_value
from stack_e2e.settings import CHART, NODE_IP, SECURE_VALUES
from stack_e2e.waits import within
from test_2_kafka import all_ready

from conftest import Cluster

TOPIC = "e2e-declared"     # the topic the upgrades change
RAISED_TO = 4              # its partitions after the first upgrade (declared: 3)
LOWERED_TO = 2             # the upgrade that must fail
NEW_RETENTION_MS = "172800000"
WRITER = "e2e-writer"
ALLOWED, DENIED = "e2e-acl-a", "e2e-acl-b"
TOPIC_AUTHORIZATION_FAILED = 29
MESSAGES = 50
BOUND_APPLIED = 60         # s after the upgrade returned: brokers report the declared state
BOUND_UPGRADE = 600        # s: one helm upgrade, its hook Job included
BOUND_PRODUCE = 60         # s: the writer's messages acknowledged
BOUND_CONSUME = 60         # s: and read back


def provisioning_values() -> dict[str, Any]:
    kafka = (yaml.safe_load(SECURE_VALUES.read_text()) or {}).get("kafka") or {}
    return kafka.get("provisioning") or {}


@pytest.fixture(scope="module")
def declared(cluster: Cluster) -> dict[str, Any]:
    values = provisioning_values()
    if not values.get("enabled"):
        pytest.skip(f"{SECURE_VALUES.name}: provisioning is off")
    all_ready(cluster, cluster.brokers())
    return values


def topics_with(declared: dict[str, Any], name: str, **changes: Any) -> list[dict[str, Any]]:
    """The declared topics with ``name``'s entry changed (configs merged)."""
    topics = copy.deepcopy(declared["topics"])
    for topic in topics:
        if topic["name"] == name:
            configs = {**(topic.get("configs") or {}), **changes.pop("configs", {})}
            topic.update(changes, configs=configs)
    return topics


def values_file(tmp_path: Path, topics: list[dict[str, Any]]) -> Path:
    path = tmp_path / f"provisioning-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump({"kafka": {"provisioning": {"topics": topics}}}))
    return path


def topic_state(cluster: Cluster, name: str) -> dict[str, Any]:
    """Partitions, replication factor and the topic's own (non-default) configs, as the
    brokers report them (the checks' user: All on e2e-*)."""
    parts = cluster.metadata([name]).of(name)
    admin = KafkaAdminClient(bootstrap_servers=cluster.kafka_bootstrap(),
                             request_timeout_ms=30000, **cluster.kafka_config())
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    finally:
        admin.close()
    configs = {k: c.get("value") for k, c in described["topic"][name].items()}
    return {"partitions": len(parts), "rf": {len(p.replicas) for p in parts},
            "online": all(p.online for p in parts), "configs": configs}


def matches(state: dict[str, Any], topic: dict[str, Any], rf: int) -> bool:
    want = {k: str(v) for k, v in (topic.get("configs") or {}).items()}
    return (state["partitions"] == topic["partitions"] and state["rf"] == {rf}
            and state["online"] and want.items() <= state["configs"].items())


def members(cluster: Cluster) -> dict[str, Any]:
    """Every broker's and ZooKeeper server's pod uid, and both StatefulSets' revisions."""
    found: dict[str, Any] = {}
    for sts in (cluster.kafka, cluster.zk):
        obj = cluster.kube.get("statefulset", sts)
        found[f"statefulset/{sts}"] = obj["status"].get("updateRevision")
        for i in range(int(obj["spec"]["replicas"])):
            found[f"{sts}-{i}"] = cluster.kube.get("pod", f"{sts}-{i}")["metadata"]["uid"]
    return found


def upgrade(cluster: Cluster, values: Path, log: str) -> tuple[int, str, float]:
    """helm upgrade with the release's values plus ``values``; (exit code, output, s)."""
    start = time.monotonic()
    proc = Helm(cluster.release, cluster.namespace).run(
        "upgrade", cluster.release, str(CHART), "--reuse-values", "-f", str(values),
        "--wait=watcher", "--timeout", "8m", check=False, log=log)
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start


def release_status(cluster: Cluster) -> str:
    history = Helm(cluster.release, cluster.namespace).history()
    return str(history[-1]["status"])


@pytest.fixture(scope="module")
def unrolled(cluster: Cluster, declared: dict[str, Any]) -> dict[str, Any]:
    """The pods and revisions before the first upgrade here (test_the_provisioning_upgrades_
    roll_no_pod compares them after the last)."""
    return members(cluster)


def test_declared_topics_exist_as_declared(cluster: Cluster, declared: dict[str, Any],
                                           figures: Figures) -> None:
    seen = []
    for topic in declared["topics"]:
        rf = int(topic.get("replicationFactor") or 3)
        state = within(BOUND_APPLIED, f"{topic['name']} as declared",
                       lambda topic=topic, rf=rf: matches(topic_state(cluster, topic["name"]),
                                                          topic, rf),
                       interval=2, describe=lambda _, t=topic: str(topic_state(cluster, t["name"])))
        assert state.value
        configs = ", ".join(f"{k}={v}" for k, v in (topic.get("configs") or {}).items())
        seen.append(f"{topic['name']} ({topic['partitions']} partitions, RF {rf}"
                    + (f", {configs}" if configs else "") + ")")
    within(30, "no provisioning Job left after success (hook-succeeded)",
           lambda: cluster.kube.get_or_none("job", f"{cluster.kafka}-provisioning") is None,
           interval=1)
    figures.record("provisioning-install", "after the install the provisioning Job has "
                   f"created every declared topic as declared: {'; '.join(seen)}; no Job left "
                   "(hook-succeeded)")


def test_upgrade_raises_partitions_and_changes_a_config(
    cluster: Cluster, declared: dict[str, Any], unrolled: dict[str, Any], figures: Figures,
    tmp_path: Path,
) -> None:
    topics = topics_with(declared, TOPIC, partitions=RAISED_TO,
                         configs={"retention.ms": NEW_RETENTION_MS})
    (target,) = [t for t in topics if t["name"] == TOPIC]
    rc, out, took = upgrade(cluster, values_file(tmp_path, topics),
                            "upgrade-provisioning-raise.txt")
    assert rc == 0, f"the upgrade failed: {out[-3000:]}"
    returned = time.monotonic()
    applied = within(BOUND_APPLIED, f"{TOPIC}: {RAISED_TO} partitions, retention.ms "
                     f"{NEW_RETENTION_MS}", lambda: matches(topic_state(cluster, TOPIC), target,
                                                            int(target["replicationFactor"])),
                     since=returned, interval=1,
                     describe=lambda _: str(topic_state(cluster, TOPIC)))
    assert release_status(cluster) == "deployed"
    figures.bounded("provisioning-raise", took, BOUND_UPGRADE,
                    f"helm upgrade raising {TOPIC} to {RAISED_TO} partitions and retention.ms to "
                    f"{NEW_RETENTION_MS}: applied by the hook Job, helm returned after "
                    f"{took:.0f} s, the brokers reported both {applied.seconds:.1f} s later")


def test_upgrade_lowering_partitions_fails_and_leaves_the_topic(
    cluster: Cluster, declared: dict[str, Any], unrolled: dict[str, Any], figures: Figures,
    tmp_path: Path,
) -> None:
    valid = topics_with(declared, TOPIC, partitions=RAISED_TO,
                        configs={"retention.ms": NEW_RETENTION_MS})
    (target,) = [t for t in valid if t["name"] == TOPIC]
    before = topic_state(cluster, TOPIC)
    assert matches(before, target, int(target["replicationFactor"])), before

    lowered = topics_with(declared, TOPIC, partitions=LOWERED_TO,
                          configs={"retention.ms": NEW_RETENTION_MS})
    rc, out, took = upgrade(cluster, values_file(tmp_path, lowered),
                            "upgrade-provisioning-lower.txt")
    assert rc != 0, f"lowering {TOPIC}'s partitions to {LOWERED_TO} was accepted: {out[-2000:]}"
    # The Job's own words: helm's output, or the failed Job's pod log (kept on failure).
    job = f"{cluster.kafka}-provisioning"
    kept = cluster.kube.get_or_none("job", job)
    assert kept is not None, f"the failed Job {job} was not kept: {out[-2000:]}"
    log = cluster.kube.run("logs", f"job/{job}", "--all-containers", "--tail", "200",
                           check=False).stdout
    said = [line for line in (out + "\n" + log).splitlines()
            if TOPIC in line and re.search(r"partition", line, re.I)]
    assert said, f"no message about {TOPIC}'s partitions in helm's output or the Job's " \
                 f"log:\n{out[-1500:]}\n--- log\n{log[-1500:]}"
    assert release_status(cluster) == "failed", release_status(cluster)
    after = topic_state(cluster, TOPIC)
    assert after == before, f"{TOPIC} changed: {before} -> {after}"
    figures.record("provisioning-lower-refused", f"helm upgrade lowering {TOPIC} to {LOWERED_TO} "
                   f"partitions failed (exit {rc}, {took:.0f} s; release 'failed'), the Job said: "
                   f"{said[-1].strip()[:300]}; {TOPIC} unchanged ({after['partitions']} "
                   "partitions, same configs)", seconds=took)

    rc, out, back = upgrade(cluster, values_file(tmp_path, valid),
                            "upgrade-provisioning-recover.txt")
    assert rc == 0, f"the recovering upgrade failed: {out[-3000:]}"
    assert release_status(cluster) == "deployed"
    # helm deletes a succeeded hook (hook-succeeded); the API server may take a moment
    within(30, f"no Job {job} left after success",
           lambda: cluster.kube.get_or_none("job", job) is None, interval=1)
    assert topic_state(cluster, TOPIC) == before
    figures.bounded("provisioning-recover", back, BOUND_UPGRADE,
                    f"an upgrade back to the valid state deployed the release again in "
                    f"{back:.0f} s (the failed Job replaced, then removed on success)")


def test_the_provisioning_upgrades_roll_no_pod(cluster: Cluster, declared: dict[str, Any],
                                               unrolled: dict[str, Any],
                                               figures: Figures) -> None:
    after = members(cluster)
    changed = sorted(k for k in unrolled if after.get(k) != unrolled[k])
    assert not changed, f"the provisioning upgrades rolled: {changed}"
    pods = sorted(k for k in unrolled if not k.startswith("statefulset/"))
    figures.record("provisioning-no-roll", f"the three provisioning upgrades rolled nothing: "
                   f"{len(pods)} pods ({', '.join(pods)}) kept their uids, both StatefulSets "
                   "their revisions")


def writer(cluster: Cluster) -> KafkaSecurity:
    user = users.declared_user(SECURE_VALUES, WRITER)
    return cluster.security.with_(username=user.name,
                                  password=secret_value(cluster.namespace, user.secret, user.key))


def test_declared_user_writes_to_its_topic_and_is_denied_the_other(
    cluster: Cluster, declared: dict[str, Any], figures: Figures,
) -> None:
    security = writer(cluster)
    host = cluster.broker_host(0)
    meta = kafka_wire.metadata(host, topics=[ALLOWED, DENIED], security=security)
    assert meta.topic_errors == {ALLOWED: 0, DENIED: TOPIC_AUTHORIZATION_FAILED}, meta.topic_errors

    producer = KafkaProducer(bootstrap_servers=cluster.kafka_bootstrap(), acks="all",
                             linger_ms=5, request_timeout_ms=15000, max_block_ms=30000,
                             **security.kafka_python())
    tag = uuid.uuid4().hex[:6]
    values = [f"w-{tag}-{i:03d}" for i in range(MESSAGES)]
    start = time.monotonic()
    try:
        for future in [producer.send(ALLOWED, v.encode()) for v in values]:
            future.get(timeout=BOUND_PRODUCE)
        produced = time.monotonic() - start
        with pytest.raises(TopicAuthorizationFailedError) as denied:
            producer.send(DENIED, b"must not land").get(timeout=BOUND_PRODUCE)
    finally:
        producer.close(timeout=30)

    # read back as the checks' user (the writer has no Read)
    consumer = KafkaConsumer(bootstrap_servers=cluster.kafka_bootstrap(), group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             **cluster.kafka_config())
    consumer.assign([TopicPartition(ALLOWED, 0)])
    seen: set[str] = set()

    def drained() -> bool:
        for records in consumer.poll(timeout_ms=1000).values():
            seen.update(r.value.decode() for r in records)
        return set(values) <= seen

    try:
        read = within(BOUND_CONSUME, f"the writer's messages read back from {ALLOWED}",
                      drained, interval=0, describe=lambda _: f"{len(set(values) - seen)} missing")
    finally:
        consumer.close()
    figures.bounded("acl-writer-produce", produced, BOUND_PRODUCE,
                    f"declared user {WRITER} (Write+Describe on {ALLOWED}): {MESSAGES} messages "
                    f"acknowledged (acks=all) in {produced:.1f} s, read back in "
                    f"{read.seconds:.1f} s")
    figures.record("acl-writer-denied", f"{WRITER} on {DENIED}: metadata error "
                   f"{TOPIC_AUTHORIZATION_FAILED} (TOPIC_AUTHORIZATION_FAILED), kafka-python "
                   f"{type(denied.value).__name__}")

    # The same through the external listener with kcat (librdkafka).
    external = provisioning_external()
    if external is None:
        return
    kcat = Kcat.for_security(external, security)
    kcat.produce(ALLOWED, 0, [f"k-{tag}"], timeout=BOUND_PRODUCE)
    refused = kcat.produce_refused(DENIED, "must not land")
    text = refused.stderr + refused.stdout
    # (the refusal is asserted by its error; kcat's exit status is recorded)
    assert re.search(r"authoriz", text, re.I), \
        f"kcat to {DENIED}: exit {refused.returncode}: {text[-1000:]}"
    line = next(ln for ln in text.splitlines() if re.search(r"authoriz", ln, re.I))
    figures.record("acl-writer-kcat", f"kcat as {WRITER} through {external}: produced to "
                   f"{ALLOWED}; to {DENIED} refused (exit {refused.returncode}: "
                   f"{line.strip()[:200]})")
    assert not any(v == "must not land" for v in
                   Kcat.for_security(external, cluster.security).consume(DENIED, 0))


def provisioning_external() -> str | None:
    """The external bootstrap address, when the staging core has NodePort external access."""
    kafka = (yaml.safe_load(SECURE_VALUES.read_text()) or {}).get("kafka") or {}
    access = kafka.get("externalAccess") or {}
    if not access.get("enabled") or access.get("service", {}).get("type") != "NodePort":
        return None
    return f"{NODE_IP}:{access['bootstrap']['nodePort']}"
