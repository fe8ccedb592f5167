"""Repository discovery, lint, diff, setup and the helm locator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stackctl import cli, helmbin
from stackctl.errors import HelmError, UsageError
from stackctl.repo import find_root


def test_root_is_found_upward_like_git(mini_repo: Path) -> None:
    assert find_root(mini_repo / "charts/alpha/templates") == mini_repo.resolve()


def test_root_override_must_be_a_stack_repository(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a stack repository"):
        find_root(override=tmp_path)


def test_lint_passes_on_good_charts(mini_repo: Path, capsys) -> None:
    assert cli.main(["--root", str(mini_repo), "lint"]) == 0
    out = capsys.readouterr().out
    assert "checked: helm lint --strict charts/alpha" in out
    assert "checked: helm lint --strict charts/stack -f charts/stack/environments/prod.yaml" in out
    assert "checked: schema charts/stack/environments/dev.yaml" in out


def test_lint_reports_helm_lint_and_env_problems(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/beta/Chart.yaml").write_text("apiVersion: v2\nname: beta\nversion: x\n")
    (mini_repo / "charts/stack/environments/dev.yaml").write_text("tem: x\n")
    assert cli.main(["--root", str(mini_repo), "lint"]) == 1
    err = capsys.readouterr().err
    assert "charts/stack: packaging the file:// subcharts (helm dependency update) failed" in err
    assert "charts/beta: [ERROR] Chart.yaml: version 'x' is not a valid SemVer" in err
    assert "charts/stack/environments/dev.yaml: tem: Unexpected element" in err


def test_diff_shows_values_and_objects(mini_repo: Path, capsys) -> None:
    args = ["--root", str(mini_repo), "diff", "--env", "dev", "--env", "prod"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "alpha.replicaCount: 1 -> 3\n" in out
    assert "beta.enabled: false -> true\n" in out  # effective values, defaults included
    assert "alpha.image" not in out  # equal in both
    assert "--- env dev\n+++ env prod\n" in out
    assert "+  team: platform\n" in out


def test_diff_needs_two_environments(mini_repo: Path, capsys) -> None:
    assert cli.main(["--root", str(mini_repo), "diff", "--env", "dev"]) == 2


def fake_helm(directory: Path, version: str) -> Path:
    path = directory / "helm"
    path.write_text(f"#!/bin/sh\necho '{version}'\n")
    path.chmod(0o755)
    return path


def test_incompatible_explicit_helm_is_refused_clearly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("STACKCTL_HELM", str(fake_helm(tmp_path, "v3.14.0")))
    with pytest.raises(HelmError, match=r"helm v3\.14\.0 is not Helm 4"):
        helmbin.find_helm(install=False)


def test_compatible_helm_on_path_is_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("STACKCTL_HELM", raising=False)
    helm = fake_helm(tmp_path, "v4.0.1")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert helmbin.find_helm(install=False) == helm


def test_missing_helm_without_install_names_the_fix(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("STACKCTL_HELM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(HelmError, match="run 'stackctl setup'"):
        helmbin.find_helm(install=False)


def test_setup_reports_the_pinned_helm(capsys, monkeypatch) -> None:
    monkeypatch.delenv("STACKCTL_HELM", raising=False)
    assert cli.main(["setup"]) == 0
    assert capsys.readouterr().out.startswith("helm v4.")
