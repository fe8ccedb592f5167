"""A node lost at once (every process of it killed, its link down: a crash, not a drain),
the node of the ZooKeeper leader: the other two keep serving (a new leader, partitions led
by survivors, ZooKeeper writes and acks=all sends go on), the lost node's pods are not
replaced while it is unknown (a StatefulSet never runs two pods of one identity), and
when the node boots they rejoin as themselves and every ISR fills again."""

from __future__ import annotations

import time
import uuid

from multinode import (
    Workload,
    leaders_avoid,
    node_ctl,
    node_ready,
    now,
    release_pods,
    snapshot,
    super_user_topic,
    wait_for,
    wait_whole,
    zk_leader,
)
from stack_e2e.figures import Figures
from stack_e2e.kube import pod_ready
from stack_e2e.waits import within

from conftest import Cluster

BOUND_ELECT = 60       # s after the crash: a surviving server leads the ensemble
BOUND_LEADERS = 120    # s: every partition is led by a surviving broker
BOUND_UNKNOWN = 120    # s: the node controller marks the node Unknown (grace period 50 s)
WATCH = 60             # s the lost node's pods are watched not being replaced
BOUND_READY = 180      # s after the boot began: the node is Ready
BOUND_PODS = 300       # s after the boot began: its pods (the same ones) are Ready


def test_a_lost_node_is_survived_and_its_pods_rejoin_as_themselves(
        cluster: Cluster, figures: Figures) -> None:
    topic = f"e2e-loss-{uuid.uuid4().hex[:8]}"
    super_user_topic(cluster, topic)
    wait_whole(cluster, topic)
    zk_pods = cluster.zk_pods()
    lead = within(BOUND_ELECT, "a ZooKeeper leader", lambda: zk_leader(cluster, zk_pods)).value
    before = snapshot(cluster)
    node = before[lead][0]
    lost = sorted(p for p, (n, *_) in before.items() if n == node)
    broker = next(p for p in lost if p.startswith(f"{cluster.kafka}-"))
    broker_id = int(before[broker][3])
    survivors = [p for p in zk_pods if p not in lost]
    work = Workload(cluster, topic)
    booted = False
    try:
        time.sleep(5)  # the workload runs before the crash too
        crash = now()
        node_ctl("crash", node)
        elect = wait_for(BOUND_ELECT, f"a leader among {survivors}",
                         lambda: zk_leader(cluster, survivors), since=crash, interval=0.5)
        moved = wait_for(BOUND_LEADERS, f"every partition led by a broker other than {broker_id}",
                         lambda: leaders_avoid(cluster, topic, broker_id,
                                               int(broker.rsplit("-", 1)[1])),
                         since=crash, interval=1)
        unknown = wait_for(BOUND_UNKNOWN, f"{node} Unknown",
                           lambda: node_ready(node) == "Unknown", since=crash, interval=2)
        watch_end = now() + WATCH
        while now() < watch_end:
            pods = release_pods(cluster)
            for p in lost:
                assert p in pods and pods[p]["metadata"]["uid"] == before[p][1] \
                    and pods[p]["spec"]["nodeName"] == node, \
                    f"{p} was replaced while {node} is unknown"
            time.sleep(5)
        figures.record("node-loss", f"{node} crashed ({', '.join(lost)}; ZooKeeper leader "
                       f"{lead}): new leader after {elect:.1f} s, partitions led by survivors "
                       f"after {moved:.1f} s, node Unknown after {unknown:.1f} s; its pods "
                       f"not replaced over {WATCH} s", seconds=elect, bound=BOUND_ELECT)
        boot = now()
        node_ctl("start", node)
        booted = True
        ready = wait_for(BOUND_READY, f"{node} Ready", lambda: node_ready(node) == "True",
                         since=boot, interval=2)

        def rejoined() -> bool:
            pods = release_pods(cluster)
            return all(pods[p]["metadata"]["uid"] == before[p][1] and pod_ready(pods[p])
                       for p in lost)

        pods_ready = wait_for(BOUND_PODS, f"{lost} Ready again (same pods)", rejoined,
                              since=boot, interval=2)
        after = snapshot(cluster)
        for p in lost:
            assert after[p] == before[p], f"{p} rejoined as {after[p]}, was {before[p]}"
        isr = wait_whole(cluster, topic, since=boot).seconds
        figures.record("node-recovery", f"{node} booted: Ready after {ready:.1f} s, "
                       f"{', '.join(lost)} Ready with the same uid, volume and id after "
                       f"{pods_ready:.1f} s, every ISR full after {isr:.1f} s",
                       seconds=isr, bound=BOUND_PODS)
    finally:
        if not booted:
            node_ctl("start", node)
        work.finish(figures, "node-loss")
