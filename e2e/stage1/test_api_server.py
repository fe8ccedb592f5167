"""The charts against the real API server (no pods run in stage 1).

- every environment renders with ``helm install --dry-run=server`` (lookups against the
  cluster, so the upgrade guard runs) and every rendered object, hooks included, is
  accepted by the API server's own dry run (validation and admission, nothing stored);
- the previous chart version from git installs, and upgrades to this one;
- an upgrade with changed settings and a Kafka scale-out reaches the live objects;
- an upgrade that changes an immutable StatefulSet field (kafka.persistence.size) is
  refused by the charts' upgrade guard, naming the value, before the API server's generic
  Forbidden could, and the release stays as it was.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from stack_e2e.figures import Figures
from stack_e2e.kube import Helm, Kube, run
from stack_e2e.settings import CHART, ENVIRONMENTS, REPO

from conftest import ensure_namespace
from stackctl import deps
from stackctl.repo import Repo

DRY_RUN_NS = "e2e-stage1-dry-run"
NS = "e2e-stage1"
RELEASE = "stage1"
ENV = "staging"
CHANGED = ["kafka.log.retentionHours=72", "zookeeper.tickTime=3000", "kafka.replicaCount=4",
           "kafka.image.tag=3.9.2"]
IMMUTABLE = "kafka.persistence.size=999Gi"
ENV_FILES = sorted(ENVIRONMENTS.glob("*.yaml"))


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict) and d.get("kind")]


@pytest.mark.parametrize("env_file", ENV_FILES, ids=[f.stem for f in ENV_FILES])
def test_dry_run_server_accepts_every_environment(env_file: Path, figures: Figures) -> None:
    env = env_file.stem
    kube = ensure_namespace(DRY_RUN_NS)
    helm = Helm(f"dry-{env}", DRY_RUN_NS)
    release = json.loads(helm.run("install", helm.release, str(CHART), "-f", str(env_file),
                                  "--dry-run=server", "-o", "json",
                                  log=f"stage1-dry-run-{env}.txt").stdout)
    objects = documents(release.get("manifest", ""))
    hooks = [d for h in release.get("hooks") or [] for d in documents(h.get("manifest", ""))]
    rendered = documents(helm.run("template", helm.release, str(CHART), "-f", str(env_file)).stdout)
    assert objects, f"{env}: helm rendered no objects"
    assert len(objects) + len(hooks) == len(rendered), (
        f"{env}: the server-side render has {len(objects)} objects + {len(hooks)} hooks, "
        f"helm template {len(rendered)}")

    # The API server's own dry run of every object: validation + admission, nothing stored.
    # (The test hooks are not among them: admission wants their ServiceAccount to exist,
    # which a dry run never creates; helm test runs them for real in stage 2.)
    applied = kube.run("apply", "--dry-run=server", "-f", "-",
                       stdin=yaml.safe_dump_all(objects)).stdout
    accepted = [line for line in applied.splitlines() if line.endswith("(server dry run)")]
    assert len(accepted) == len(objects), applied
    kinds = Counter(d["kind"] for d in objects)
    figures.record(f"dry-run-{env}",
                   f"{env}: {len(objects)} objects accepted by the API server's dry run "
                   f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}) "
                   f"+ {len(hooks)} test hook(s) rendered", objects=len(objects))


@dataclass
class Previous:
    commit: str
    changed_by: str  # the commit after it that changed charts/ last
    charts: Path


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Previous | None:
    """The charts as they were before the last commit that changed them (from git)."""
    git = ["git", "-C", str(REPO)]
    last = run([*git, "rev-list", "-1", "HEAD", "--", "charts"], check=False).stdout.strip()
    if not last:
        return None
    parent = run([*git, "rev-parse", "--verify", "-q", f"{last}^"], check=False).stdout.strip()
    if not parent or run([*git, "cat-file", "-e", f"{parent}:charts/stack/Chart.yaml"],
                         check=False).returncode != 0:
        return None
    out = tmp_path_factory.mktemp("previous")
    archive = subprocess.run([*git, "archive", parent, "charts"], capture_output=True,
                             check=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    # Its file:// dependencies, nested ones included (charts/common), packaged as stackctl
    # packages them: helm dependency build alone leaves the subcharts' own out.
    deps.ensure_all(Repo(out))
    changed_by = run([*git, "log", "-1", "--format=%h %s", last]).stdout.strip()
    return Previous(parent, changed_by, out / "charts")


@pytest.fixture(scope="module")
def release(previous: Previous | None) -> Helm:
    """The release of the upgrade tests: the previous chart version if git has one."""
    ensure_namespace(NS)
    helm = Helm(RELEASE, NS)
    if previous:
        chart = previous.charts / "stack"
        helm.install(chart, "-f", str(chart / "environments" / f"{ENV}.yaml"), wait=False,
                     log="stage1-install-previous.txt")
    else:
        helm.install(CHART, "-f", str(ENVIRONMENTS / f"{ENV}.yaml"), wait=False,
                     log="stage1-install.txt")
    return helm


def test_previous_chart_version_upgrades_to_this_one(
    previous: Previous | None, release: Helm, figures: Figures,
) -> None:
    if previous is None:
        pytest.skip("no earlier version of charts/ in this clone's history (shallow clone?)")
    differs = run(["git", "-C", str(REPO), "diff", "--quiet", previous.commit, "--", "charts"],
                  check=False).returncode
    assert differs == 1, f"charts/ of {previous.commit} equal this tree's: nothing to upgrade"
    release.upgrade(CHART, "-f", str(ENVIRONMENTS / f"{ENV}.yaml"), wait=False,
                    log="stage1-upgrade-to-this.txt")
    history = release.history()
    assert [h["status"] for h in history][-2:] == ["superseded", "deployed"], history
    figures.record("upgrade-from-previous",
                   f"installed charts/ as of {previous.commit[:7]} (before "
                   f"{previous.changed_by[:60]}), upgraded to this tree "
                   f"(revision {history[-1]['revision']} deployed)")


def live_statefulsets(kube: Kube) -> dict[str, dict[str, Any]]:
    """The release's StatefulSets by what they run (kafka / zookeeper, from the image)."""
    found = {}
    for sts in kube.items("statefulset", f"app.kubernetes.io/instance={RELEASE}"):
        image = sts["spec"]["template"]["spec"]["containers"][0]["image"]
        found["kafka" if "kafka" in image.rsplit("/", 1)[-1] else "zookeeper"] = sts
    return found


def test_upgrade_with_changed_settings_and_a_scale_out(release: Helm, figures: Figures) -> None:
    args = ["-f", str(ENVIRONMENTS / f"{ENV}.yaml")]
    for item in CHANGED:
        args += ["--set", item]
    took = release.upgrade(CHART, *args, wait=False, log="stage1-upgrade-changed.txt")
    kube = Kube(NS)
    sts = live_statefulsets(kube)
    assert set(sts) == {"kafka", "zookeeper"}, list(sts)
    assert sts["kafka"]["spec"]["replicas"] == 4
    assert sts["kafka"]["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":3.9.2")
    configmaps = json.dumps(kube.items("configmap", f"app.kubernetes.io/instance={RELEASE}"))
    assert "log.retention.hours=72" in configmaps, "log.retentionHours did not reach a ConfigMap"
    zookeeper = json.dumps(sts["zookeeper"]) + configmaps
    assert "tickTime=3000" in zookeeper or '"3000"' in zookeeper, "tickTime did not arrive"
    figures.record("upgrade-changed", f"upgrade with {', '.join(CHANGED)} reached the live "
                   f"objects (kafka replicas 4) in {took:.1f} s", seconds=took)


def test_immutable_field_change_is_refused_by_the_upgrade_guard(
    release: Helm, figures: Figures,
) -> None:
    before = release.history()[-1]
    proc = release.run("upgrade", RELEASE, str(CHART), "--reuse-values", "--set", IMMUTABLE,
                       check=False, log="stage1-upgrade-immutable.txt")
    message = proc.stderr + proc.stdout
    assert proc.returncode != 0, "a volumeClaimTemplates change was accepted"
    assert "kafka.persistence.size" in message, f"not refused by the upgrade guard:\n{message}"
    assert "Forbidden" not in message, f"the API server refused it, not the guard:\n{message}"
    after = release.history()[-1]
    assert (after["revision"], after["status"]) == (before["revision"], "deployed"), after
    line = next(x for x in message.splitlines() if "kafka.persistence.size" in x).strip()
    figures.record("immutable-refused", f"{IMMUTABLE} refused by the guard: {line[:160]}")


def test_a_zookeeper_mode_release_is_not_switched_to_kraft(release: Helm,
                                                             figures: Figures) -> None:
    """kraft.enabled on a running ZooKeeper-mode release would start empty controllers: the
    upgrade guard reads the live StatefulSet (no kafka.chart/metadata annotation: ZooKeeper
    mode) and refuses before anything is sent."""
    before = release.history()[-1]
    proc = release.run("upgrade", RELEASE, str(CHART), "--reuse-values",
                       "--set", "kafka.kraft.enabled=true", "--set", "zookeeper.enabled=false",
                       check=False, log="stage1-upgrade-to-kraft.txt")
    message = proc.stderr + proc.stdout
    assert proc.returncode != 0, "switching a ZooKeeper-mode release to KRaft was accepted"
    assert 'run as "zookeeper", this upgrade as "kraft"' in message, message
    assert "Next: kafka.kraft.migration.phase=controllers" in message, message
    after = release.history()[-1]
    assert (after["revision"], after["status"]) == (before["revision"], "deployed"), after
    line = next(x for x in message.splitlines() if "upgrade refused" in x).strip()
    line = line[line.index("upgrade refused"):]
    figures.record("kraft-switch-refused", f"kafka.kraft.enabled=true refused: {line[:160]}")
