"""What the multi-node checks share: the nodes, where each pod runs, a workload that runs
through a drain or a node loss and says what it lost.

The release is prod's topology on the three nodes of ``make e2e NODES=3`` (e2e/run.sh
installs it; the Cluster fixture of e2e/checks/conftest.py names it). Every wait is bounded
(stack_e2e.waits): a ZooKeeper election, a partition leader moving and a node booting are
transient windows, retried within a stated bound that the check asserts and reports.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from stack_e2e import kafka_wire, zk_wire
from stack_e2e.figures import Figures
from stack_e2e.kube import pod_ready, run
from stack_e2e.settings import E2E, settings
from stack_e2e.waits import Waited, within
from test_2_kafka import AckedProducer, consume_acknowledged, fully_in_sync

from conftest import Cluster

NODE_CTL = E2E / "cluster" / "node-ctl.sh"
PARTITIONS, RF = 3, 3
BOUND_WRITE = 30        # s: one ZooKeeper write, retried across the servers, succeeds
BOUND_WHOLE = 300       # s: every pod Ready and every partition's ISR full again
BOUND_TOPIC = 60        # s: a new topic has a leader and a full ISR on every partition
ZK_WRITE_EVERY = 0.5    # s between two ZooKeeper writes of the workload
PRODUCE_EVERY = 0.1     # s between two acks=all sends of the workload (10/s)


def kubectl(*args: str, timeout: float = 120, check: bool = True,
            stdin: str | None = None) -> Any:
    """Cluster-scope kubectl (nodes, PVs, evictions)."""
    return run([settings().kubectl, "--request-timeout", "60s", *args], timeout=timeout,
               check=check, stdin=stdin)


def nodes() -> list[dict[str, Any]]:
    return json.loads(kubectl("get", "nodes", "-o", "json").stdout)["items"]


def node_ready(name: str) -> str:
    """The node's Ready condition: "True", "False" or "Unknown" (its kubelet is silent)."""
    node = json.loads(kubectl("get", "node", name, "-o", "json").stdout)
    return next((c["status"] for c in node["status"].get("conditions", [])
                 if c["type"] == "Ready"), "Unknown")


def release_pods(cluster: Cluster) -> dict[str, dict[str, Any]]:
    """The ZooKeeper servers' and brokers' pods by name (not the Jobs' or tests' pods)."""
    ours = re.compile(rf"^({re.escape(cluster.zk)}|{re.escape(cluster.kafka)})-\d+$")
    return {pod["metadata"]["name"]: pod for pod in cluster.kube.items("pods")
            if ours.match(pod["metadata"]["name"])}


def pods_by_node(cluster: Cluster) -> dict[str, list[str]]:
    placed: dict[str, list[str]] = {}
    for name, pod in release_pods(cluster).items():
        placed.setdefault(pod["spec"].get("nodeName") or "", []).append(name)
    return {node: sorted(names) for node, names in placed.items()}


def volume_of(cluster: Cluster, pod: dict[str, Any]) -> str:
    """The PersistentVolume behind the pod's data claim."""
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
              if "persistentVolumeClaim" in v]
    assert claims, f"{pod['metadata']['name']} has no PersistentVolumeClaim"
    return str(cluster.kube.get("pvc", claims[0])["spec"]["volumeName"])


def pv_node(pv: str) -> str:
    """The node a local PersistentVolume is bound to (its nodeAffinity)."""
    obj = json.loads(kubectl("get", "pv", pv, "-o", "json").stdout)
    term = obj["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]
    return str(term["matchExpressions"][0]["values"][0])


def identity(cluster: Cluster, pod: str) -> str:
    """What the pod is to its cluster: the ZooKeeper myid or the broker.id on its volume."""
    if pod.startswith(f"{cluster.zk}-"):
        return cluster.kube.exec(pod, "zookeeper", 'cat "${ZK_DATA_DIR:-/data}/myid"').strip()
    out = cluster.kube.exec(pod, "kafka", "cat /var/lib/kafka/data/log/meta.properties")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)["broker.id"]


def snapshot(cluster: Cluster) -> dict[str, tuple[str, str, str, str]]:
    """Each pod's (node, uid, volume, identity)."""
    return {name: (pod["spec"]["nodeName"], pod["metadata"]["uid"], volume_of(cluster, pod),
                   identity(cluster, name))
            for name, pod in release_pods(cluster).items()}


def node_ctl(action: str, node: str) -> None:
    run(["bash", str(NODE_CTL), action, node], timeout=600)


def super_user_topic(cluster: Cluster, name: str) -> None:
    """Create an RF 3, min ISR 2 topic as the brokers' own (super) user, as an operator
    would with prod's authorizer on (user1 may not create topics there)."""
    port = os.environ.get("E2E_KAFKA_INTERBROKER_PORT") or "9094"
    bootstrap = (f"{cluster.broker_host(0)}:{port} "
                 "--command-config /opt/kafka/config-generated/client.properties")
    script = (f"kafka-topics.sh --bootstrap-server {bootstrap} --create --if-not-exists "
              f"--topic {name} --partitions {PARTITIONS} --replication-factor {RF} "
              "--config min.insync.replicas=2")
    within(BOUND_TOPIC, f"create topic {name}",
           lambda: cluster.kube.exec(f"{cluster.kafka}-0", "kafka", script) or True, interval=3)
    within(BOUND_TOPIC, f"{name}: a leader and {RF} in-sync replicas per partition",
           lambda: fully_in_sync(cluster, name, RF), interval=1)


def whole(cluster: Cluster, topic: str) -> bool:
    """Every pod Ready and every partition of ``topic`` fully in sync."""
    pods = release_pods(cluster)
    return (len(pods) == 6 and all(pod_ready(p) for p in pods.values())
            and fully_in_sync(cluster, topic, RF) is not None)


def wait_whole(cluster: Cluster, topic: str, since: float | None = None) -> Waited[bool]:
    return within(BOUND_WHOLE, "every pod Ready, every ISR full", lambda: whole(cluster, topic),
                  since=since, interval=2)


def zk_hosts(cluster: Cluster) -> list[str]:
    return [f"{cluster.zk}-{i}.{cluster.zk_headless}.{cluster.namespace}.svc.cluster.local"
            for i in range(3)]


class Workload:
    """While it runs: a ZooKeeper write every 0.5 s (each retried across the servers within
    BOUND_WRITE), acks=all sends at 10/s to an RF 3 / min ISR 2 topic, and a sampler of how
    many pods of each StatefulSet are down at once."""

    def __init__(self, cluster: Cluster, topic: str) -> None:
        self.cluster, self.topic = cluster, topic
        self.producer = AckedProducer(cluster, topic)
        self.zk_done: list[float] = []          # seconds each write took
        self.zk_failed: list[str] = []
        self.most_down = {cluster.zk: 0, cluster.kafka: 0}
        self._stop = threading.Event()
        self._prefix = f"/e2e-nodes-{uuid.uuid4().hex[:8]}"
        self._threads = [threading.Thread(target=f, daemon=True)
                         for f in (self._zk, self._produce, self._sample)]
        for t in self._threads:
            t.start()

    def _loop(self, every: float, body: Callable[[int], None]) -> None:
        for n in itertools.count():
            if self._stop.is_set():
                return
            body(n)
            self._stop.wait(every)

    def _zk(self) -> None:
        hosts = itertools.cycle(zk_hosts(self.cluster))

        def write(n: int) -> None:
            path = f"{self._prefix}-{n}"
            try:
                done = within(BOUND_WRITE, f"write {path}",
                              lambda: zk_wire.create_or_exists(next(hosts), path, b"x"),
                              interval=0.5)
                self.zk_done.append(done.seconds)
            except AssertionError as exc:
                self.zk_failed.append(str(exc))

        self._loop(ZK_WRITE_EVERY, write)

    def _produce(self) -> None:
        self._loop(PRODUCE_EVERY, lambda n: self.producer.send(f"m{n}"))

    def _sample(self) -> None:
        def sample(_: int) -> None:
            try:
                pods = release_pods(self.cluster)
            except Exception:  # an API hiccup is not a pod down
                return
            for sts in self.most_down:
                down = 3 - sum(1 for name, p in pods.items()
                               if name.startswith(f"{sts}-") and pod_ready(p))
                self.most_down[sts] = max(self.most_down[sts], down)

        self._loop(2, sample)

    def finish(self, figures: Figures, what: str) -> None:
        """Stop, then assert: no ZooKeeper write failed, at most one pod of each
        StatefulSet was down at a time, every send was acknowledged and every acknowledged
        message is read back."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=BOUND_WRITE + 10)
        self.producer.flush(130)
        self.producer.producer.close(timeout=10)
        p = self.producer
        slowest_ack = max((p.acked[v] - p.sent[v] for v in p.acked), default=0.0)
        figures.record(f"zk-writes-{what}",
                       f"{what}: {len(self.zk_done)} ZooKeeper writes, none failed "
                       f"(slowest {max(self.zk_done, default=0):.1f} s, bound {BOUND_WRITE} s)"
                       if not self.zk_failed else f"{what}: {len(self.zk_failed)} writes failed",
                       seconds=max(self.zk_done, default=0), bound=BOUND_WRITE,
                       ok=not self.zk_failed)
        assert not self.zk_failed, f"ZooKeeper writes failed: {self.zk_failed[:3]}"
        assert self.zk_done, "no ZooKeeper write was made"
        assert all(n <= 1 for n in self.most_down.values()), \
            f"more than one pod of a StatefulSet down at once: {self.most_down}"
        assert not p.failed, f"{len(p.failed)} sends failed, e.g. {list(p.failed.items())[:3]}"
        assert len(p.acked) == len(p.sent), f"{len(p.sent) - len(p.acked)} sends unacknowledged"
        read = consume_acknowledged(self.cluster, self.topic, p.acked)
        figures.record(f"acks-{what}",
                       f"{what}: {len(p.acked)} acks=all sends, every one acknowledged "
                       f"(slowest {slowest_ack:.1f} s) and read back in {read.seconds:.1f} s; "
                       f"at most {max(self.most_down.values())} pod per StatefulSet down",
                       seconds=slowest_ack)


def wait_for(bound: float, what: str, attempt: Callable[[], Any], since: float,
             interval: float = 1) -> float:
    """``within`` from ``since`` (a monotonic reading); the seconds it took."""
    return within(bound, what, attempt, since=since, interval=interval).seconds


def now() -> float:
    return time.monotonic()


def zk_leader(cluster: Cluster, pods: list[str]) -> str | None:
    return next((p for p in pods if zk_wire.mode(cluster.kube.pod_ip(p)) == "leader"), None)


def leaders_avoid(cluster: Cluster, topic: str, broker_id: int,
                  skip: int) -> kafka_wire.Metadata | None:
    """The metadata (not asked of ordinal ``skip``) when every partition of ``topic`` is
    online and led by a broker other than ``broker_id``."""
    meta = cluster.metadata([topic], skip=(skip,))
    parts = meta.of(topic)
    if len(parts) == PARTITIONS and all(p.online and p.leader != broker_id for p in parts):
        return meta
    return None
