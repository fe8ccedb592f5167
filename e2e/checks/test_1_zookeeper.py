"""ZooKeeper on a real cluster: one quorum; and when the LEADER is deleted, the survivors
elect a new one and take writes again within a bound, and the deleted server returns as
itself (same myid, same volume, and the data written while it was gone).

Timing is measured from the host over ZooKeeper's own protocol (stack_e2e.zk_wire), so a
figure like "writes resumed 2.4 s after the leader was deleted" is not blurred by a JVM
start per zkCli.sh call.
"""

from __future__ import annotations

import itertools
import time
import uuid

from stack_e2e import zk_wire
from stack_e2e.figures import Figures
from stack_e2e.waits import within

from conftest import Cluster

BOUND_QUORUM = 120    # s: one leader and N-1 followers
BOUND_ELECTION = 30   # s after the leader's deletion: a survivor is the new leader
BOUND_WRITES = 30     # s after the leader's deletion: a write to a survivor is committed
BOUND_REPLICATE = 30  # s after that write: every survivor serves it
BOUND_RETURN = 300    # s after the deletion: the server is replaced and Ready
BOUND_CATCH_UP = 60   # s after it is Ready: it serves the znodes from before and during
BOUND_WHOLE = 180     # s after the deletion: the ensemble has N members again


def modes(cluster: Cluster, ips: dict[str, str] | None = None) -> dict[str, str]:
    ips = ips or {pod: cluster.kube.pod_ip(pod) for pod in cluster.zk_pods()}
    return {pod: zk_wire.mode(ip) for pod, ip in ips.items()}


def one_quorum(cluster: Cluster) -> dict[str, str] | None:
    current = modes(cluster)
    want = sorted(["leader"] + ["follower"] * (len(current) - 1))
    return current if sorted(current.values()) == want else None


def test_servers_form_one_quorum_with_one_leader(cluster: Cluster, figures: Figures) -> None:
    n = cluster.zk_replicas()
    waited = within(BOUND_QUORUM, f"{n} servers show one leader and {n - 1} followers",
                    lambda: one_quorum(cluster), interval=1,
                    describe=lambda _: str(modes(cluster)))
    leader = next(p for p, m in waited.value.items() if m == "leader")
    figures.bounded("quorum", waited.seconds, BOUND_QUORUM,
                    f"one leader ({leader}) and {n - 1} followers, "
                    f"seen {waited.seconds:.1f} s after the check started")


def test_writes_resume_after_the_leader_is_deleted_and_it_returns_as_itself(
    cluster: Cluster, figures: Figures,
) -> None:
    kube = cluster.kube
    n = cluster.zk_replicas()
    assert n >= 3, "needs a 3-server ensemble"
    before = within(BOUND_QUORUM, "one quorum before the fault", lambda: one_quorum(cluster),
                    describe=lambda _: str(modes(cluster))).value
    leader = next(pod for pod, m in before.items() if m == "leader")
    survivors = [pod for pod in before if pod != leader]
    ips = {pod: kube.pod_ip(pod) for pod in survivors}

    stamp = f"{int(time.time())}-{uuid.uuid4().hex[:6]}"
    kept, written = f"/e2e-before-{stamp}", f"/e2e-during-{stamp}"
    auth = cluster.zk_auth
    within(30, f"create {kept}", lambda: zk_wire.create_or_exists(ips[survivors[0]], kept,
                                                                   b"kept", auth))
    myid = kube.exec(leader, "zookeeper", "cat /data/myid").strip()
    claim = kube.get("pvc", f"data-{leader}")

    old_uid, deleted = kube.delete_pod(leader)

    def new_leader() -> str | None:
        return next((pod for pod in survivors if zk_wire.mode(ips[pod]) == "leader"), None)

    elected = within(BOUND_ELECTION, "a survivor becomes leader", new_leader,
                     since=deleted, interval=0.1,
                     describe=lambda _: str(modes(cluster, ips)))
    figures.bounded("election", elected.seconds, BOUND_ELECTION,
                    f"{elected.value} became leader {elected.seconds:.1f} s after the leader "
                    f"{leader} (myid {myid}) was deleted")

    # A client that knows both survivors, as a connection string would: alternate them.
    targets = itertools.cycle(survivors)
    wrote = within(BOUND_WRITES, f"a write of {written} to a survivor is committed",
                   lambda: zk_wire.create_or_exists(ips[next(targets)], written, b"written",
                                                    auth),
                   since=deleted, interval=0.1)
    figures.bounded("writes-resumed", wrote.seconds, BOUND_WRITES,
                    f"writes resumed {wrote.seconds:.1f} s after the leader was deleted "
                    f"({wrote.attempts} attempt(s))")
    committed = time.monotonic()
    for pod in survivors:
        within(BOUND_REPLICATE, f"{pod} serves {written}",
               lambda pod=pod: zk_wire.get(ips[pod], written, auth) == b"written",
               since=committed, interval=0.2)

    back = kube.wait_replaced_and_ready(leader, old_uid, BOUND_RETURN, since=deleted)
    figures.bounded("returned", back.seconds, BOUND_RETURN,
                    f"{leader} was replaced and Ready {back.seconds:.1f} s after its deletion")
    ready = time.monotonic()
    assert kube.exec(leader, "zookeeper", "cat /data/myid").strip() == myid, "myid changed"
    claim_after = kube.get("pvc", f"data-{leader}")
    assert claim_after["metadata"]["uid"] == claim["metadata"]["uid"], "a new PVC was made"
    assert claim_after["spec"].get("volumeName") == claim["spec"].get("volumeName"), \
        "the claim is bound to another volume"

    # Its own replica (a session on that server reads locally) has both znodes.
    ip = back.value["status"]["podIP"]
    caught = within(BOUND_CATCH_UP, f"{leader} serves {kept} and {written}",
                    lambda: (zk_wire.get(ip, kept, auth) == b"kept"
                             and zk_wire.get(ip, written, auth) == b"written"),
                    since=ready, interval=0.5)
    figures.bounded("caught-up", caught.seconds, BOUND_CATCH_UP,
                    f"{leader} served the znodes from before and during its absence "
                    f"{caught.seconds:.1f} s after it was Ready (same myid {myid}, same PVC)")

    whole = within(BOUND_WHOLE, "one leader and N-1 followers again",
                   lambda: one_quorum(cluster), since=deleted,
                   describe=lambda _: str(modes(cluster)))
    figures.bounded("whole-again", whole.seconds, BOUND_WHOLE,
                    f"ensemble whole again (1 leader, {n - 1} followers) "
                    f"{whole.seconds:.1f} s after the deletion")
