"""Drains, one node after the other, through the eviction API (kubectl drain), each node
uncordoned before the next: a drain evicts only what the PodDisruptionBudgets allow, the
evicted pods wait (Pending: their volumes are on the cordoned node) and come back on their
node with the same identity and volume; throughout, ZooKeeper takes writes and an acks=all
producer loses nothing it was told was written."""

from __future__ import annotations

import json
import uuid

from multinode import (
    Workload,
    kubectl,
    nodes,
    now,
    release_pods,
    snapshot,
    super_user_topic,
    wait_for,
    wait_whole,
)
from stack_e2e.figures import Figures
from stack_e2e.kube import CommandFailed, pod_ready

from conftest import Cluster

BOUND_DRAIN = 300     # s: kubectl drain returns (both pods evicted and gone)
BOUND_PENDING = 60    # s: the replacements exist, unscheduled
BOUND_BUDGET = 60     # s: both budgets at 0 disruptions allowed
BOUND_BACK = 300      # s after uncordon: both pods Ready again on their node


def evict(cluster: Cluster, pod: str) -> str:
    """POST an Eviction for ``pod``; the API server's answer (an error text if refused)."""
    body = json.dumps({"apiVersion": "policy/v1", "kind": "Eviction",
                       "metadata": {"name": pod, "namespace": cluster.namespace}})
    try:
        kubectl("create", "--raw",
                f"/api/v1/namespaces/{cluster.namespace}/pods/{pod}/eviction", "-f", "-",
                stdin=body)
    except CommandFailed as exc:
        return str(exc)
    return "evicted"


def budgets_allow(cluster: Cluster) -> list[int]:
    pdbs = json.loads(kubectl("get", "pdb", "-n", cluster.namespace, "-o", "json").stdout)
    return [p.get("status", {}).get("disruptionsAllowed", -1) for p in pdbs["items"]]


def drain_and_return(cluster: Cluster, figures: Figures, topic: str, node: str,
                     other: str) -> None:
    """Drain ``node``, check what the budgets did, uncordon it, check its pods' return."""
    before = snapshot(cluster)
    on_node = sorted(p for p, (n, *_) in before.items() if n == node)
    assert len(on_node) == 2, f"{node} runs {on_node}"
    start = now()
    kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
            f"--timeout={BOUND_DRAIN}s", timeout=BOUND_DRAIN + 60)
    drained = now() - start
    figures.bounded(f"drain-{node}", drained, BOUND_DRAIN,
                    f"kubectl drain {node} ({', '.join(on_node)}): {drained:.1f} s")

    def pending() -> bool:
        pods = release_pods(cluster)
        return all(p in pods and pods[p]["metadata"]["uid"] != before[p][1]
                   and not pods[p]["spec"].get("nodeName") for p in on_node)

    wait_for(BOUND_PENDING, f"{on_node} recreated and Pending", pending, since=start)
    wait_for(BOUND_BUDGET, "both budgets at 0 allowed",
             lambda: budgets_allow(cluster) == [0, 0], since=now())
    # the next node's pods: a second eviction from either StatefulSet is refused
    for pod in sorted(p for p, (n, *_) in before.items() if n == other):
        answer = evict(cluster, pod)
        assert "disruption budget" in answer, f"evicting {pod} while {node} is drained: {answer}"
    back_from = now()
    kubectl("uncordon", node)

    def back() -> bool:
        pods = release_pods(cluster)
        return all(p in pods and pod_ready(pods[p]) and pods[p]["spec"].get("nodeName") == node
                   for p in on_node)

    took = wait_for(BOUND_BACK, f"{on_node} Ready on {node}", back, since=back_from)
    after = snapshot(cluster)
    for p in on_node:
        assert after[p][0] == node and after[p][2:] == before[p][2:], \
            f"{p} came back as (node, volume, id) {(after[p][0], *after[p][2:])}, " \
            f"was {(before[p][0], *before[p][2:])}"
    figures.bounded(f"back-{node}", took, BOUND_BACK,
                    f"uncordon {node}: {', '.join(on_node)} Ready on it again with the same "
                    f"volume and id in {took:.1f} s")
    wait_whole(cluster, topic)


def test_drains_evict_only_what_the_budgets_allow_and_pods_return_as_themselves(
        cluster: Cluster, figures: Figures) -> None:
    topic = f"e2e-drain-{uuid.uuid4().hex[:8]}"
    super_user_topic(cluster, topic)
    wait_whole(cluster, topic)
    names = sorted(n["metadata"]["name"] for n in nodes())
    work = Workload(cluster, topic)
    try:
        for i, node in enumerate(names):
            drain_and_return(cluster, figures, topic, node, names[(i + 1) % len(names)])
    finally:
        for node in names:
            kubectl("uncordon", node, check=False)
        work.finish(figures, "drains")
