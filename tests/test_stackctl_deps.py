"""Nested file:// dependencies: a library chart used by a subchart, packaged depth first."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from stackctl import cli, deps, snapshot
from stackctl.options import Options
from stackctl.render import render_text
from stackctl.repo import Repo

LIB = "charts/gamma/templates/_labels.tpl"


def render(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    assert cli.main(["--root", str(root), "render", *args]) == 0
    return capsys.readouterr().out


def test_library_template_renders_in_the_stack(mini_repo: Path, capsys) -> None:
    assert 'managed-by: "Helm"' in render(capsys, mini_repo, "--env", "prod")


def test_library_is_packaged_into_the_subchart_then_the_stack(tmp_path: Path) -> None:
    from conftest import write_mini_repo

    repo = Repo(write_mini_repo(tmp_path / "fresh"))
    assert [repo.rel(c) for c in deps.order(repo)] == ["charts/gamma", "charts/alpha",
                                                        "charts/beta", "charts/stack"]
    assert deps.ensure(repo) is True
    assert (repo.root / "charts/alpha/charts/gamma-0.1.0.tgz").is_file()
    listing = subprocess.run(["tar", "tzf", str(repo.root / "charts/stack/charts/alpha-0.1.0.tgz")],
                             capture_output=True, text=True, check=True).stdout
    assert "alpha/charts/gamma/templates/_labels.tpl" in listing.split()
    assert deps.ensure(repo) is False  # current: nothing to do
    assert not list(repo.root.glob("charts/*/Chart.lock"))  # never written in the tree


def test_subchart_alone_prepares_its_own_dependencies(tmp_path: Path) -> None:
    from conftest import write_mini_repo

    repo = Repo(write_mini_repo(tmp_path / "fresh"))
    text = render_text(repo, Options(), repo.charts_dir / "alpha")
    assert 'managed-by: "Helm"' in text
    assert not (repo.stack_dir / "charts").exists()  # only what alpha needs


def test_editing_the_library_changes_the_stack_render_with_no_manual_step(mini_repo: Path,
                                                                          capsys) -> None:
    before = render(capsys, mini_repo, "--env", "prod")
    lib = mini_repo / LIB
    lib.write_text(lib.read_text().replace("managed-by", "owned-by"))
    after = render(capsys, mini_repo, "--env", "prod")
    assert 'managed-by: "Helm"' in before and "owned-by" not in before
    assert 'owned-by: "Helm"' in after


def test_editing_the_library_fails_the_affected_snapshots(mini_repo: Path) -> None:
    repo = Repo(mini_repo)
    snapshot.update(repo)
    lib = mini_repo / LIB
    lib.write_text(lib.read_text().replace("managed-by", "owned-by"))
    chosen = snapshot.cases(repo)
    texts = snapshot.render_cases(repo, chosen)
    assert [c.name for c, t in zip(chosen, texts, strict=True)
            if snapshot.diff(repo, c, t)] == ["stack-dev", "stack-prod", "alpha-defaults"]


def test_hash_covers_nested_charts(mini_repo: Path) -> None:
    repo = Repo(mini_repo)
    before = (deps.content_hash(repo), deps.content_hash(repo, repo.charts_dir / "alpha"))
    (mini_repo / "charts/gamma/templates/_more.tpl").write_text('{{- define "gamma.x" }}{{ end }}')
    after = (deps.content_hash(repo), deps.content_hash(repo, repo.charts_dir / "alpha"))
    assert before[0] != after[0] and before[1] != after[1]


def test_packaged_dependencies_do_not_dirty_the_tree() -> None:
    root = Path(__file__).resolve().parents[1]
    ignored = subprocess.run(
        ["git", "check-ignore", "charts/kafka/charts/common-0.1.0.tgz",
         "charts/kafka/charts/.stackctl-deps.sha256", "charts/kafka/Chart.lock",
         "charts/kafka/charts/.common-0.1.0.tgz.partial"],
        cwd=root, capture_output=True, text=True)
    assert len(ignored.stdout.split()) == 4


def test_deps_command_packages_every_chart(tmp_path: Path, capsys) -> None:
    from conftest import write_mini_repo

    root = write_mini_repo(tmp_path / "fresh")
    assert cli.main(["--root", str(root), "deps"]) == 0
    assert capsys.readouterr().out == "charts/stack/charts: subcharts packaged\n"
    assert (root / "charts/alpha/charts/gamma-0.1.0.tgz").is_file()
    assert (root / "charts/stack/charts/alpha-0.1.0.tgz").is_file()
    assert cli.main(["--root", str(root), "deps"]) == 0
    assert capsys.readouterr().out == "charts/stack/charts: subcharts already current\n"
