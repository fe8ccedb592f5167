"""dev on the live cluster: install, an upgrade that really rolls both StatefulSets, Ready,
helm test, uninstall (its own release and namespace, before the staging run)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from stack_e2e.figures import Figures
from stack_e2e.kube import Helm, Kube, pod_ready
from stack_e2e.namespaces import ensure_restricted
from stack_e2e.settings import CHART, E2E, ENVIRONMENTS, settings
from stack_e2e.waits import within

RELEASE = NS = "e2e-dev"
UPGRADE = E2E / "values-dev-upgrade.yaml"
BOUND_ROLLED = 120     # s after helm upgrade --wait returned: both report the new revision
BOUND_UNINSTALL = 300  # s after helm uninstall: no pod of the release is left


def values(*extra: str) -> list[str]:
    return ["-f", str(ENVIRONMENTS / "dev.yaml"), *settings().local_image_args(), *extra]


def statefulsets(kube: Kube) -> dict[str, dict[str, Any]]:
    return {s["metadata"]["name"]: s
            for s in kube.items("statefulset", f"app.kubernetes.io/instance={RELEASE}")}


def pod_uids(kube: Kube) -> dict[str, str]:
    return {p["metadata"]["name"]: p["metadata"]["uid"]
            for p in kube.items("pod", f"app.kubernetes.io/instance={RELEASE}")
            if p["metadata"].get("labels", {}).get("app.kubernetes.io/component") != "test"}


@pytest.fixture(scope="module")
def helm() -> Helm:
    return Helm(RELEASE, NS)


def test_dev_installs_and_becomes_ready(helm: Helm, figures: Figures) -> None:
    ensure_restricted(NS)
    took = helm.install(CHART, *values(), timeout="10m", log="dev-install.txt")
    kube = Kube(NS)
    sts = statefulsets(kube)
    assert len(sts) == 2, list(sts)
    for name, s in sts.items():
        assert s["status"].get("readyReplicas") == s["spec"]["replicas"], name
    figures.record("install", f"dev: {' + '.join(sorted(sts))} installed and Ready in "
                   f"{took:.0f} s", seconds=took)


def test_dev_upgrade_rolls_both_statefulsets(helm: Helm, figures: Figures) -> None:
    kube = Kube(NS)
    before = {n: s["status"]["updateRevision"] for n, s in statefulsets(kube).items()}
    uids = pod_uids(kube)
    took = helm.upgrade(CHART, *values("-f", str(UPGRADE)), timeout="10m",
                        log="dev-upgrade.txt")
    returned = time.monotonic()
    for name, revision in before.items():
        within(BOUND_ROLLED, f"{name} rolled past {revision}",
               lambda name=name, revision=revision: kube.statefulset_rolled(name, revision),
               since=returned)
    after = pod_uids(kube)
    same = sorted(p for p, uid in uids.items() if after.get(p) == uid)
    assert not same, f"not replaced by the upgrade: {same}"
    assert all(pod_ready(kube.get("pod", p)) for p in after), after
    figures.record("upgrade", f"dev: upgrade ({UPGRADE.name}) rolled {', '.join(sorted(before))} "
                   f"({len(after)} pods replaced, Ready) in {took:.0f} s", seconds=took)


def test_dev_helm_test_passes(helm: Helm, figures: Figures) -> None:
    start = time.monotonic()
    proc = helm.run("test", RELEASE, "--logs", "--timeout", "10m", check=False,
                    log="dev-helm-test.txt")
    took = time.monotonic() - start
    assert proc.returncode == 0, f"helm test failed:\n{(proc.stdout + proc.stderr)[-4000:]}"
    figures.record("helm-test", f"dev: helm test passed in {took:.0f} s", seconds=took)


def test_dev_uninstalls(helm: Helm, figures: Figures) -> None:
    kube = Kube(NS)
    start = time.monotonic()
    helm.run("uninstall", RELEASE, "--wait", "--timeout", "5m", log="dev-uninstall.txt")
    gone = within(BOUND_UNINSTALL, "no pod of the dev release left",
                  lambda: not kube.items("pod", f"app.kubernetes.io/instance={RELEASE}"),
                  since=start, interval=2)
    figures.bounded("uninstall", gone.seconds, BOUND_UNINSTALL,
                    f"dev: uninstalled, every pod gone {gone.seconds:.0f} s after helm uninstall")
    kube.run("delete", "namespace", NS, "--wait=false")
