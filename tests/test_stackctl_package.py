"""make package: a static chart repository a user can install from without this clone."""

from __future__ import annotations

from pathlib import Path

import yaml

from helpers import CHARTS, REPO, by_kind, secret_values_redacted
from stackctl import helm
from stackctl.cli import main
from stackctl.package import package
from stackctl.repo import Repo


def test_package_writes_every_chart_and_an_index(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    packaged = package(Repo(REPO), out, url="https://charts.example.com/stack")
    names = sorted(p.name for p in packaged.archives)
    versions = {p.name: yaml.safe_load((p / "Chart.yaml").read_text())["version"]
                for p in CHARTS.iterdir() if (p / "Chart.yaml").is_file()}
    assert names == sorted(f"{chart}-{version}.tgz" for chart, version in versions.items())
    index = yaml.safe_load((out / "index.yaml").read_text())
    assert sorted(index["entries"]) == sorted(versions)
    [stack] = index["entries"]["stack"]
    assert stack["urls"] == [f"https://charts.example.com/stack/stack-{versions['stack']}.tgz"]


def test_the_umbrella_archive_installs_like_the_clone(tmp_path: Path) -> None:
    """Its archive carries the subcharts and theirs (common): helm needs nothing else."""
    out = tmp_path / "dist"
    package(Repo(REPO), out)
    env = CHARTS / "stack" / "environments" / "prod.yaml"
    [archive] = out.glob("stack-*.tgz")
    from_archive = helm.parse_manifests(helm.template(archive, value_files=[env]))
    from_clone = helm.parse_manifests(helm.template(CHARTS / "stack", value_files=[env]))
    assert secret_values_redacted(from_archive) == secret_values_redacted(from_clone)
    assert len(by_kind(from_archive, "StatefulSet")) == 2


def test_package_refuses_to_replace_a_directory_it_did_not_write(
        tmp_path: Path, capsys: object) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert main(["--root", str(REPO), "package", "--output-dir", str(out)]) != 0
    assert (out / "mine.txt").read_text() == "keep me"
    assert not list(out.glob("*.tgz"))
