"""prod's topology as it is, on three nodes in zones a, b, c: hard anti-affinity puts
exactly one ZooKeeper server and one broker on each node, the zone spread puts one of each
in each zone, every volume is on its pod's node, and each PodDisruptionBudget lets one pod
of its StatefulSet go at a time."""

from __future__ import annotations

import json

from multinode import kubectl, nodes, pods_by_node, pv_node, release_pods, volume_of
from stack_e2e.waits import within

from conftest import Cluster

BOUND_PDB = 60  # s: the disruption controller has computed the budgets' status


def test_one_server_and_one_broker_per_node_one_of_each_per_zone(cluster: Cluster) -> None:
    zones = {n["metadata"]["name"]: n["metadata"]["labels"].get("topology.kubernetes.io/zone")
             for n in nodes()}
    assert len(zones) == 3 and sorted(zones.values()) == ["a", "b", "c"], zones
    placed = pods_by_node(cluster)
    assert set(placed) == set(zones), f"pods not on exactly the three nodes: {placed}"
    for node, pods in placed.items():
        kinds = sorted(p.rsplit("-", 1)[0] for p in pods)
        assert kinds == sorted([cluster.zk, cluster.kafka]), \
            f"{node} (zone {zones[node]}) runs {pods}, not one server and one broker"
    for name, pod in release_pods(cluster).items():
        pv = volume_of(cluster, pod)
        assert pv_node(pv) == pod["spec"]["nodeName"], \
            f"{name} runs on {pod['spec']['nodeName']}, its volume {pv} is on {pv_node(pv)}"


def test_each_disruption_budget_allows_one_pod_of_its_statefulset(cluster: Cluster) -> None:
    def budgets() -> dict[str, tuple[object, object]] | None:
        pdbs = json.loads(kubectl("get", "pdb", "-n", cluster.namespace, "-o", "json").stdout)
        found = {p["metadata"]["name"]: (p["spec"].get("maxUnavailable"),
                                         p.get("status", {}).get("disruptionsAllowed"))
                 for p in pdbs["items"]}
        return found if len(found) == 2 and all(a == 1 for _, a in found.values()) else None

    found = within(BOUND_PDB, "both budgets allow one disruption", budgets, interval=2).value
    assert {m for m, _ in found.values()} == {1}, f"maxUnavailable is not 1: {found}"
