"""KRaft mode on a real cluster (make e2e KRAFT=1): environments/kraft.yaml's three
controllers and three brokers, Kafka 4, no ZooKeeper.

Every node carries the id the chart gave it and the release's cluster id on its volume; the
controllers form the quorum (one leader, every voter caught up, every broker an observer);
and losing the active controller elects another within a bound while an acks=all producer
loses no acknowledged message, after which the deleted controller returns as itself and
catches up. The broker checks of test_2_kafka (a leader's loss, a roll, a scale-out) run
against the same release after these.

The quorum is read with kafka-metadata-quorum.sh in a broker pod (the controllers answer
only the quorum's own protocol); each call is a JVM start, so waits poll every 2 s.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid

from stack_e2e.figures import Figures
from stack_e2e.kube import pod_ready
from stack_e2e.waits import within
from test_2_kafka import (
    AckedProducer,
    all_ready,
    consume_acknowledged,
    create_topic,
    meta_properties,
)

from conftest import Cluster

NODE_ID_OFFSET = 1000     # controller.nodeIdOffset (the chart's default)
BOUND_READY = 300         # s: every controller Ready (a precondition)
BOUND_ELECT = 60          # s after the deletion: another voter leads the quorum
BOUND_RETURN = 300        # s after the deletion: the controller is replaced and Ready
BOUND_CAUGHT_UP = 120     # s after it is Ready: it follows the leader with no lag
BOUND_ACK = 60            # s: the slowest acknowledgement of any message
MESSAGES = 400            # sent at ~20/s: the deletion happens a quarter of the way in


def controllers(cluster: Cluster) -> list[str]:
    name = f"{cluster.kafka}-controller"
    replicas = int(cluster.kube.get("statefulset", name)["spec"]["replicas"])
    return [f"{name}-{i}" for i in range(replicas)]


def quorum_tool(cluster: Cluster, what: str) -> str:
    """kafka-metadata-quorum.sh describe ``what`` in the first Ready broker pod."""
    errors = []
    for ordinal in range(cluster.brokers()):
        pod = f"{cluster.kafka}-{ordinal}"
        obj = cluster.kube.get_or_none("pod", pod)
        if not obj or not pod_ready(obj):
            continue
        try:
            return cluster.kube.exec(
                pod, "kafka",
                "KAFKA_HEAP_OPTS=-Xmx96m kafka-metadata-quorum.sh --bootstrap-server "
                f"{cluster.broker_host(ordinal)}:9094 --command-config "
                f"/opt/kafka/config-generated/client.properties describe --{what}",
                timeout=90)
        except AssertionError as exc:
            errors.append(f"{pod}: {exc}")
    raise ConnectionError(f"no broker answered describe --{what}: {errors or 'none Ready'}")


def quorum_status(cluster: Cluster) -> dict[str, str]:
    """``describe --status`` as a dict (LeaderId, CurrentVoters, CurrentObservers, ...)."""
    out = quorum_tool(cluster, "status")
    return {k.strip(): v.strip() for k, _, v in
            (line.partition(":") for line in out.splitlines() if ":" in line)}


def ids(field: str) -> set[int]:
    """The node ids of CurrentVoters / CurrentObservers, in Kafka 3.8's list form or 3.9+'s
    JSON objects."""
    if '"id"' in field:
        return {int(n) for n in re.findall(r'"id":\s*(\d+)', field)}
    return {int(n) for n in re.findall(r"\d+", field)}


def replication(cluster: Cluster) -> dict[int, dict[str, str]]:
    """``describe --replication``: per node id its columns (LogEndOffset, Lag, Status...)."""
    lines = [line.split() for line in quorum_tool(cluster, "replication").splitlines()
             if line.strip()]
    header = next(i for i, cols in enumerate(lines) if cols and cols[0] == "NodeId")
    names = lines[header]
    return {int(cols[0]): dict(zip(names, cols, strict=False))
            for cols in lines[header + 1:] if cols and cols[0].isdigit()}


def cluster_id(cluster: Cluster) -> str:
    secret = cluster.kube.get("secret", f"{cluster.kafka}-kraft")
    return base64.b64decode(secret["data"]["cluster-id"]).decode()


def test_every_node_has_its_id_and_the_release_cluster_id_and_the_quorum_formed(
    cluster: Cluster, figures: Figures,
) -> None:
    pods = controllers(cluster)
    within(BOUND_READY, f"{', '.join(pods)} Ready",
           lambda: all(pod_ready(cluster.kube.get("pod", p)) for p in pods), interval=2)
    all_ready(cluster, cluster.brokers())
    wanted = cluster_id(cluster)
    nodes = {p: NODE_ID_OFFSET + i for i, p in enumerate(pods)}
    nodes.update({f"{cluster.kafka}-{i}": i for i in range(cluster.brokers())})
    for pod, node_id in nodes.items():
        props = meta_properties(cluster, pod, "controller" if "-controller-" in pod else "kafka")
        assert props.get("node.id") == str(node_id), (pod, props)
        assert props.get("cluster.id") == wanted, (pod, props, wanted)

    status = quorum_status(cluster)
    voters = ids(status["CurrentVoters"])
    assert voters == {NODE_ID_OFFSET + i for i in range(len(pods))}, status
    assert int(status["LeaderId"]) in voters, status
    assert status["ClusterId"] == wanted, status
    # every broker follows the metadata log as an observer, every voter is caught up
    def settled() -> dict[int, dict[str, str]] | None:
        rows = replication(cluster)
        if set(range(cluster.brokers())) <= set(rows) and all(
                rows.get(v, {}).get("Lag") == "0" for v in voters):
            return rows
        return None

    caught_up = within(BOUND_CAUGHT_UP, "every voter caught up and every broker observing",
                       settled, interval=2)
    figures.record("quorum", f"{len(voters)} voters {sorted(voters)}, leader "
                   f"{status['LeaderId']} (epoch {status.get('LeaderEpoch')}), observers "
                   f"{sorted(set(caught_up.value) - voters)}; every node formatted for cluster "
                   f"{wanted} with its own id")


def test_losing_the_active_controller_elects_another_and_loses_no_write(
    cluster: Cluster, figures: Figures,
) -> None:
    kube = cluster.kube
    all_ready(cluster, cluster.brokers())
    leader = int(quorum_status(cluster)["LeaderId"])
    victim = f"{cluster.kafka}-controller-{leader - NODE_ID_OFFSET}"
    claim = kube.get("pvc", f"data-{victim}")
    topic = f"e2e-kraft-{uuid.uuid4().hex[:8]}"
    create_topic(cluster, topic)

    quarter, stop = threading.Event(), threading.Event()
    tracked = AckedProducer(cluster, topic)

    def produce() -> None:
        for i in range(MESSAGES):
            if stop.is_set():
                return
            tracked.send(f"k-{i:05d}")
            if i == MESSAGES // 4:
                quarter.set()
            time.sleep(0.05)

    def another_leader() -> int | None:
        try:
            now = int(quorum_status(cluster)["LeaderId"])
        except (ConnectionError, KeyError, ValueError):
            return None  # no leader yet (LeaderId -1 or no answer): ask again
        return now if now >= 0 and now != leader else None

    sender = threading.Thread(target=produce, daemon=True)
    sender.start()
    try:
        assert quarter.wait(120), "the producer did not get a quarter of the way"
        old_uid, deleted = kube.delete_pod(victim)
        elected = within(BOUND_ELECT, f"a voter other than {leader} leads the quorum",
                         another_leader, since=deleted, interval=2)
        figures.bounded("controller-elected", elected.seconds, BOUND_ELECT,
                        f"{victim} (node {leader}, the active controller) deleted: node "
                        f"{elected.value} leads the quorum after {elected.seconds:.1f} s")
        sender.join(timeout=MESSAGES * 0.05 + 180)
        assert not sender.is_alive(), "the producer thread is stuck"
        tracked.flush(180)
    finally:
        stop.set()
        sender.join(timeout=10)
        tracked.producer.close(timeout=30)
    assert not tracked.failed, f"{len(tracked.failed)} sends failed, e.g. " \
        f"{sorted(tracked.failed.items())[:3]}"
    assert len(tracked.acked) == MESSAGES, f"{MESSAGES - len(tracked.acked)} sends never completed"
    slowest = max(tracked.acked[v] - tracked.sent[v] for v in tracked.acked)
    figures.bounded("controller-loss-slowest-ack", slowest, BOUND_ACK,
                    f"all {MESSAGES} acks=all sends acknowledged through the controller's loss; "
                    f"the slowest took {slowest:.1f} s")
    read = consume_acknowledged(cluster, topic, tracked.acked)
    figures.record("controller-loss-consumed",
                   f"all {len(tracked.acked)} acknowledged messages consumed in "
                   f"{read.seconds:.1f} s", seconds=read.seconds)

    back = kube.wait_replaced_and_ready(victim, old_uid, BOUND_RETURN, since=deleted)
    ready = time.monotonic()
    assert meta_properties(cluster, victim, "controller")["node.id"] == str(leader)
    after = kube.get("pvc", f"data-{victim}")
    assert after["metadata"]["uid"] == claim["metadata"]["uid"], "a new PVC was made"

    def follows() -> dict[str, str] | None:
        row = replication(cluster).get(leader)
        return row if row and row.get("Lag") == "0" and row.get("Status") == "Follower" else None

    caught = within(BOUND_CAUGHT_UP, f"node {leader} follows the leader with no lag", follows,
                    since=ready, interval=2)
    figures.bounded("controller-returned", back.seconds, BOUND_RETURN,
                    f"{victim} replaced and Ready {back.seconds:.1f} s after its deletion (same "
                    f"node id, same PVC), caught up {caught.seconds:.1f} s later: "
                    f"{json.dumps(caught.value)}")
