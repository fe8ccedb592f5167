"""The cluster enforces what the charts rely on, independently of the charts themselves:

- NetworkPolicy: in a scratch namespace, a listener behind a default-deny policy plus one
  allow-by-label policy: an unlabelled client pod cannot connect, a labelled one can (the
  enforcer is kube-router's policy controller, e2e/cluster/README.md). Traffic only between
  pods on this node's bridge, and from the node itself.
- Pod Security admission: the staging release's namespace enforces "restricted"; a
  privileged pod is refused there by kube-apiserver's own PodSecurity admission.

Policy programming is asynchronous (kube-router reacts to the watch events with a full
sync of its chains): the verdicts are sampled until they hold, within a stated bound.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from stack_e2e.figures import Figures
from stack_e2e.kube import CommandFailed, Kube, pod_ready
from stack_e2e.namespaces import PSA_LABELS, ensure_restricted
from stack_e2e.settings import settings
from stack_e2e.waits import within

from conftest import Cluster

# a fresh name per run: a rerun on a kept cluster must not meet the last one's namespace
# while it is still terminating
SCRATCH = f"e2e-netpol-{uuid.uuid4().hex[:6]}"
PORT = 8080
BOUND_PODS = 120        # s: the server and both clients Running and Ready
BOUND_OPEN = 30         # s: before any policy, both clients reach the listener
BOUND_PROGRAMMED = 30   # s after the policies are created: the verdicts of both clients hold
ALLOWED = {"netpol-e2e": "allowed"}  # the label the allow policy selects clients by
CONFIRM = 3             # samples of each verdict after it first held (it must stay)

RESTRICTED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
              "readOnlyRootFilesystem": True}
POD_SECURITY = {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000,
                "seccompProfile": {"type": "RuntimeDefault"}}


def zookeeper_image() -> str:
    """The local ZooKeeper image (its base layer has netcat-openbsd: a listener and a
    client in one binary, no JVM to start)."""
    tags = dict(item.split("=", 1) for item in settings().image_set)
    return f"localhost/zookeeper:{tags.get('zookeeper.image.tag', '3.8.4')}"


def pod(name: str, labels: dict[str, str], command: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "securityContext": POD_SECURITY,
            "terminationGracePeriodSeconds": 0,
            "automountServiceAccountToken": False,
            "containers": [{
                "name": "main", "image": zookeeper_image(), "imagePullPolicy": "Never",
                "command": command, "securityContext": RESTRICTED,
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                              "limits": {"cpu": "100m", "memory": "32Mi"}},
            }],
        },
    }


def policies() -> list[dict[str, Any]]:
    meta = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy"}
    return [
        {**meta, "metadata": {"name": "default-deny-ingress"},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        {**meta, "metadata": {"name": "server-from-allowed"},
         "spec": {"podSelector": {"matchLabels": {"app": "netpol-server"}},
                  "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"podSelector": {"matchLabels": ALLOWED}}],
                               "ports": [{"protocol": "TCP", "port": PORT}]}]}},
    ]


def connects(kube: Kube, client: str, ip: str, port: int = PORT) -> bool:
    """Whether ``client`` (container "main") opens a TCP connection to ip:port (2 s
    connect timeout). A kubectl failure raises: only nc's own verdict counts."""
    out = kube.exec(client, "main", f"if nc -z -w 2 {ip} {port}; then echo open; "
                                    "else echo closed; fi", timeout=30).strip()
    assert out in ("open", "closed"), f"unexpected answer from {client}: {out!r}"
    return out == "open"


def node_connects(ip: str) -> bool:
    try:
        with socket.create_connection((ip, PORT), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def scratch() -> Iterator[Kube]:
    ensure_restricted(SCRATCH)
    kube = Kube(SCRATCH)
    yield kube
    kube.run("delete", "networkpolicy", "--all", "--wait=false", check=False)
    Kube("default").run("delete", "namespace", SCRATCH, "--wait=false", check=False)


@pytest.mark.skipif(os.environ.get("E2E_NETPOL", "kube-router") == "none",
                    reason="E2E_NETPOL=none: no NetworkPolicy enforcer runs")
def test_network_policy_is_enforced_by_label(scratch: Kube, figures: Figures) -> None:
    kube = scratch
    docs = [pod("server", {"app": "netpol-server"}, ["nc", "-lk", str(PORT)]),
            pod("client-allowed", ALLOWED, ["sleep", "infinity"]),
            pod("client-other", {"netpol-e2e": "other"}, ["sleep", "infinity"])]
    kube.run("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List",
                                                  "items": docs}))
    names = [d["metadata"]["name"] for d in docs]
    within(BOUND_PODS, f"{', '.join(names)} Ready",
           lambda: all(pod_ready(kube.get("pod", n)) for n in names), interval=1)
    ip = kube.pod_ip("server")

    both = within(BOUND_OPEN, "both clients reach the listener before any policy",
                  lambda: all(connects(kube, c, ip) for c in ("client-allowed", "client-other")),
                  interval=1)
    figures.record("netpol-open", f"no policy yet: both client pods reached {ip}:{PORT} "
                   f"({both.attempts} attempt(s))")

    kube.run("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List",
                                                  "items": policies()}))
    created = time.monotonic()

    def verdicts() -> dict[str, bool]:
        return {"client-allowed": connects(kube, "client-allowed", ip),
                "client-other": connects(kube, "client-other", ip)}

    want = {"client-allowed": True, "client-other": False}
    held = within(BOUND_PROGRAMMED, "client-other refused and client-allowed admitted",
                  lambda: verdicts() == want, since=created, interval=0.5,
                  describe=lambda _: str(verdicts()))
    for _ in range(CONFIRM):
        assert verdicts() == want, "a verdict changed after it first held"
    figures.bounded("netpol-enforced", held.seconds, BOUND_PROGRAMMED,
                    f"default deny + allow by label: the unlabelled client was refused and the "
                    f"labelled one admitted {held.seconds:.1f} s after the policies were "
                    f"created ({held.attempts} sample(s), then {CONFIRM} more each)")

    # Traffic from the node itself (this test process, the kubelet's probes) is accepted
    # by kube-router whatever the policies say (its "source is the pod's local node" rule,
    # addrtype LOCAL): the host-side checks of the other suites rely on it.
    assert node_connects(ip), "the node could not reach the server behind default deny"
    figures.record("netpol-node", f"the node itself still reached {ip}:{PORT} behind default "
                   "deny (kube-router accepts node-originated traffic)")


def test_pod_security_restricted_refuses_a_privileged_pod(cluster: Cluster,
                                                          figures: Figures) -> None:
    kube = cluster.kube
    labels = Kube("default").get("namespace", cluster.namespace)["metadata"].get("labels", {})
    assert {k: labels.get(k) for k in PSA_LABELS} == PSA_LABELS, labels
    name = f"e2e-privileged-{uuid.uuid4().hex[:6]}"
    doc = pod(name, {"app": "e2e-privileged"}, ["sleep", "infinity"])
    doc["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    try:
        kube.run("create", "-f", "-", stdin=json.dumps(doc))
    except CommandFailed as exc:
        message = str(exc)
    else:
        kube.run("delete", "pod", name, "--wait=false", check=False)
        raise AssertionError(f"a privileged pod was admitted in {cluster.namespace}")
    assert 'violates PodSecurity "restricted' in message, message
    reason = message[message.index("violates PodSecurity"):].split(")", 1)[0] + ")"
    figures.record("psa-refused", f"{cluster.namespace} (enforce=restricted): kube-apiserver "
                   f"refused a privileged pod: {reason}")
