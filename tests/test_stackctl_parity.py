"""Parity: stackctl render yields exactly the objects of the equivalent raw helm template.

The oracle is a subprocess ``helm template`` run inside each test, with the environment
file first and the user's -f/--set after it, exactly as the README documents.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import secret_values_redacted
from stackctl import cli, helm
from stackctl.repo import Repo

REPO = Path(__file__).resolve().parents[1]
OVERRIDES = {
    # lists are replaced, not concatenated (pyhelm3's own merge would concatenate)
    "replace-list.yaml": {"alpha": {"ports": [8080]}},
    # null deletes a default
    "null.yaml": {"alpha": {"note": None}},
    # nested keys merge into the defaults
    "nested.yaml": {"alpha": {"image": {"tag": "2.5"}, "labels": {"a": "b"}}},
}


def objects(text: str) -> list[dict]:
    return secret_values_redacted(d for d in yaml.safe_load_all(text) if d)


def oracle(root: Path, release: str, chart: str, *args: str) -> str:
    return subprocess.run([str(helm.executable()), "template", release, chart, *args],
                          cwd=root, capture_output=True, text=True, check=True).stdout


def render(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    assert cli.main(["--root", str(root), "render", *args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("env", ["dev", "prod"])
@pytest.mark.parametrize("override", sorted(OVERRIDES))
def test_override_files_merge_like_helm(mini_repo: Path, tmp_path: Path, capsys,
                                        env: str, override: str) -> None:
    extra = tmp_path / override
    extra.write_text(yaml.safe_dump(OVERRIDES[override]))
    ours = render(capsys, mini_repo, "--env", env, "-f", str(extra))
    theirs = oracle(mini_repo, "stack", "charts/stack", "--kube-version",
                    helm.DEFAULT_KUBE_VERSION, "-f", f"charts/stack/environments/{env}.yaml",
                    "-f", str(extra))
    assert objects(ours) == objects(theirs)


def test_replaced_list_is_not_concatenated(mini_repo: Path, tmp_path: Path, capsys) -> None:
    extra = tmp_path / "ports.yaml"
    extra.write_text(yaml.safe_dump(OVERRIDES["replace-list.yaml"]))
    out = render(capsys, mini_repo, "--env", "prod", "-f", str(extra))
    service = next(o for o in objects(out) if o["kind"] == "Service")
    assert service["spec"]["ports"] == [{"name": "p8080", "port": 8080}]


def test_set_release_namespace_and_kube_version_like_helm(mini_repo: Path, capsys) -> None:
    args = ["--set", "alpha.replicaCount=5", "--set", "team=x,alpha.ports={1,2}"]
    ours = render(capsys, mini_repo, "--env", "prod", "--release", "other", "-n", "kafka",
                  "--kube-version", "1.30.0", *args)
    theirs = oracle(mini_repo, "other", "charts/stack", "-n", "kafka", "--kube-version",
                    "1.30.0", "-f", "charts/stack/environments/prod.yaml", *args)
    assert objects(ours) == objects(theirs)
    assert {o["metadata"]["name"] for o in objects(ours)} >= {"other-alpha", "other-team"}


# ---- the real stack (parametrized over whatever environments exist) -------------------

REAL_ENVS = Repo(REPO).environments() if (REPO / "charts/stack/Chart.yaml").exists() else []


@pytest.mark.parametrize("env", REAL_ENVS)
def test_real_stack_environment_matches_helm(env: str, capsys) -> None:
    ours = render(capsys, REPO, "--env", env)
    theirs = oracle(REPO, "stack", "charts/stack", "--kube-version", helm.DEFAULT_KUBE_VERSION,
                    "-f", f"charts/stack/environments/{env}.yaml")
    assert objects(ours) == objects(theirs)
    assert objects(ours)


REAL_OVERRIDES = {
    "replace-list.yaml": {"zookeeper": {"topologySpreadConstraints": [
        {"maxSkew": 2, "topologyKey": "kubernetes.io/hostname",
         "whenUnsatisfiable": "DoNotSchedule"}]}},
    "null.yaml": {"zookeeper": {"resources": {"limits": None}}},
    "nested.yaml": {"zookeeper": {"commonLabels": {"team": "x"}},
                    "kafka": {"persistence": {"size": "3Gi"}}},
}


@pytest.mark.parametrize("env", REAL_ENVS)
@pytest.mark.parametrize("override", sorted(REAL_OVERRIDES))
def test_real_stack_override_files_match_helm(env: str, override: str, tmp_path: Path,
                                              capsys) -> None:
    extra = tmp_path / override
    extra.write_text(yaml.safe_dump(REAL_OVERRIDES[override]))
    ours = render(capsys, REPO, "--env", env, "-f", str(extra))
    theirs = oracle(REPO, "stack", "charts/stack", "--kube-version", helm.DEFAULT_KUBE_VERSION,
                    "-f", f"charts/stack/environments/{env}.yaml", "-f", str(extra))
    assert objects(ours) == objects(theirs)


@pytest.mark.skipif(not REAL_ENVS, reason="charts/stack has no environments yet")
def test_real_stack_with_set_release_and_namespace_matches_helm(capsys) -> None:
    env = REAL_ENVS[-1]
    args = ["--set", "kafka.commonLabels.extra=y", "--set", "zookeeper.replicaCount=5"]
    ours = render(capsys, REPO, "--env", env, "--release", "data", "-n", "streaming", *args)
    theirs = oracle(REPO, "data", "charts/stack", "-n", "streaming", "--kube-version",
                    helm.DEFAULT_KUBE_VERSION, "-f", f"charts/stack/environments/{env}.yaml",
                    *args)
    assert objects(ours) == objects(theirs)
    assert any(o["metadata"]["name"] == "data-zookeeper" for o in objects(ours))


@pytest.mark.parametrize("env", REAL_ENVS)
def test_real_stack_renders_identical_bytes_twice(env: str, capsys) -> None:
    """Byte for byte, but for the values of chart-generated Secrets (random offline)."""
    first, second = (render(capsys, REPO, "--env", env) for _ in range(2))
    assert objects(first) == objects(second)

    def not_secrets(text: str) -> list[str]:
        return [doc for doc in text.split("\n---\n") if "\nkind: Secret\n" not in doc]
    assert not_secrets(first) == not_secrets(second)
