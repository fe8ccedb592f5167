"""prod on the live single-node cluster: accepted by the API server, installed (without
--wait), and every pod that stays Pending is Pending for the reason one node explains:
prod's hard pod anti-affinity (one server/broker per node) or requests that exceed the
node. Then uninstalled. Runs after the staging checks, in its own namespace.

prod declares provisioning (user1's ACLs), so its release carries the post-install hook
Job; the dry run shows it. The real install skips hooks (--no-hooks): the Job waits for
all 3 brokers, which one node cannot run, and helm would block on it until its wait fails
(the staging core proves the Job: e2e/checks/test_6_provisioning.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from stack_e2e.figures import Figures
from stack_e2e.kube import Helm, Kube
from stack_e2e.namespaces import ensure_restricted
from stack_e2e.settings import CHART, ENVIRONMENTS, settings
from stack_e2e.waits import within

RELEASE = NS = "e2e-prod"
# s after the install: every pod is scheduled, or Pending for a reason one node explains.
# Before that the scheduler may report a transient reason (e.g. "pod has unbound immediate
# PersistentVolumeClaims" until the provisioner has bound the claims): not a verdict yet.
BOUND_SCHEDULED = 180
EXPLAINED = ("anti-affinity", "Insufficient")  # what one node may refuse prod for


def values() -> list[str]:
    return ["-f", str(ENVIRONMENTS / "prod.yaml"), *settings().local_image_args()]


@pytest.fixture(scope="module")
def helm() -> Helm:
    return Helm(RELEASE, NS)


def test_prod_dry_run_server_is_accepted(helm: Helm, figures: Figures) -> None:
    ensure_restricted(NS)
    out = helm.run("install", RELEASE, str(CHART), "--create-namespace", *values(),
                   "--dry-run=server", "-o", "json", log="prod-dry-run.txt").stdout
    release = json.loads(out)
    kinds = [line.split(":", 1)[1].strip() for line in release.get("manifest", "").splitlines()
             if line.startswith("kind:")]
    assert "StatefulSet" in kinds, kinds
    hooks = [h.get("name", "") for h in release.get("hooks") or []
             if "kind: Job" in h.get("manifest", "")]
    assert f"{RELEASE}-kafka-provisioning" in hooks, hooks
    figures.record("dry-run", f"prod: helm install --dry-run=server rendered {len(kinds)} "
                   f"objects and the hook Job(s) {', '.join(hooks)}")


def scheduling(pod: dict[str, Any]) -> tuple[str, str] | None:
    """(status, message) of the PodScheduled condition once the scheduler decided."""
    for cond in pod.get("status", {}).get("conditions", []):
        if cond["type"] == "PodScheduled":
            if cond["status"] == "True":
                return "scheduled", ""
            if cond.get("reason") == "Unschedulable":
                return "pending", cond.get("message", "")
    return None


def test_prod_installs_and_every_pending_pod_is_explained(helm: Helm, figures: Figures) -> None:
    took = helm.install(CHART, *values(), "--no-hooks", wait=False, log="prod-install.txt")
    kube = Kube(NS)
    selector = f"app.kubernetes.io/instance={RELEASE}"
    replicas = {s["metadata"]["name"]: s["spec"]["replicas"]
                for s in kube.items("statefulset", selector)}
    assert len(replicas) == 2, replicas
    assert not kube.items("job", selector), "--no-hooks, yet a hook Job was created"

    seen: dict[str, tuple[str, str] | None] = {}

    def explained(state: tuple[str, str] | None) -> bool:
        return state is not None and (state[0] == "scheduled"
                                      or any(e in state[1] for e in EXPLAINED))

    def decided() -> dict[str, tuple[str, str]] | None:
        seen.clear()
        seen.update({p["metadata"]["name"]: scheduling(p) for p in kube.items("pod", selector)
                     if p["metadata"].get("labels", {}).get("app.kubernetes.io/component")
                     != "test"})
        if len(seen) == sum(replicas.values()) and all(map(explained, seen.values())):
            return dict(seen)  # type: ignore[arg-type]
        return None

    outcome = within(BOUND_SCHEDULED, "every prod pod scheduled or Pending for a reason one "
                     "node explains (anti-affinity, insufficient resources)", decided,
                     interval=2, describe=lambda _: str(seen))
    pods = outcome.value
    for sts, count in replicas.items():
        mine = {p: s for p, s in pods.items() if p.rsplit("-", 1)[0] == sts}
        placed = [p for p, (state, _) in mine.items() if state == "scheduled"]
        assert len(placed) <= 1, f"{sts}: hard anti-affinity, yet {placed} share one node"
        assert len(mine) == count, mine
    pending = {p: m for p, (state, m) in pods.items() if state == "pending"}
    assert pending, "prod scheduled completely on one node: its hard anti-affinity is gone"
    figures.record("install", f"prod: installed without --wait in {took:.1f} s; the "
                   f"scheduler's verdict on all {len(pods)} pods {outcome.seconds:.0f} s later: "
                   f"{len(pods) - len(pending)} scheduled, {len(pending)} Pending",
                   seconds=took)
    for pod, message in sorted(pending.items()):
        figures.record("pending", f"prod: {pod} Pending: {message}")


def test_prod_uninstalls(helm: Helm, figures: Figures) -> None:
    # No --wait: prod gives brokers 300 s to shut down; the cluster goes away after this.
    helm.run("uninstall", RELEASE, log="prod-uninstall.txt")
    status = helm.run("status", RELEASE, check=False)
    assert status.returncode != 0 and "not found" in status.stderr, status.stdout
    Kube(NS).run("delete", "namespace", NS, "--wait=false")
    figures.record("uninstall", "prod: uninstalled (namespace deletion left to run)")
