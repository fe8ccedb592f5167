"""ZooKeeper on a real cluster: one quorum, and a deleted server comes back as itself."""

from __future__ import annotations

import re
import time

from conftest import Cluster, poll

SRVR = "exec 3<>/dev/tcp/127.0.0.1/2181; printf srvr >&3; cat <&3"


def mode(cluster: Cluster, pod: str) -> str:
    out = cluster.exec(pod, "zookeeper", SRVR)
    found = re.search(r"^Mode: (\w+)", out, re.MULTILINE)
    return found.group(1) if found else f"not serving: {out.strip()[:80]}"


def zk_cli(cluster: Cluster, pod: str, command: str) -> str:
    return cluster.exec(pod, "zookeeper", f"zkCli.sh -server 127.0.0.1:2181 {command} 2>&1")


def replicas(cluster: Cluster) -> int:
    return int(cluster.get("statefulset", cluster.zk)["spec"]["replicas"])


def test_servers_form_one_quorum_with_one_leader(cluster: Cluster) -> None:
    pods = [f"{cluster.zk}-{i}" for i in range(replicas(cluster))]
    modes = {pod: mode(cluster, pod) for pod in pods}
    assert sorted(modes.values()) == sorted(["leader"] + ["follower"] * (len(pods) - 1)), modes


def test_ensemble_serves_while_a_server_is_deleted_and_it_returns_as_itself(
    cluster: Cluster,
) -> None:
    assert replicas(cluster) >= 3, "needs a 3-server ensemble"
    stamp = str(int(time.time()))
    victim, witness = f"{cluster.zk}-1", f"{cluster.zk}-0"
    zk_cli(cluster, witness, "create /e2e-before-" + stamp + " kept")
    myid_before = cluster.exec(victim, "zookeeper", "cat /data/myid").strip()
    claim = f"data-{victim}"
    pvc_uid = cluster.get("pvc", claim)["metadata"]["uid"]

    old_uid = cluster.delete_pod(victim)
    # While the victim is gone or restarting, the remaining majority still takes writes.
    out = zk_cli(cluster, witness, "create /e2e-during-" + stamp + " written")
    assert "Created /e2e-during-" + stamp in out, out
    assert "written" in zk_cli(cluster, f"{cluster.zk}-2", "get /e2e-during-" + stamp)

    cluster.wait_replaced_and_ready(victim, old_uid)
    assert cluster.exec(victim, "zookeeper", "cat /data/myid").strip() == myid_before
    assert cluster.get("pvc", claim)["metadata"]["uid"] == pvc_uid
    # Its own replica of the tree has both the znode from before and the one it missed.
    assert poll(lambda: "written" in zk_cli(cluster, victim, "get /e2e-during-" + stamp), 60)
    assert "kept" in zk_cli(cluster, victim, "get /e2e-before-" + stamp)
    assert mode(cluster, victim) in ("leader", "follower")
