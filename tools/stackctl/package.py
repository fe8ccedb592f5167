"""A static chart repository: every chart of the repository packaged, plus index.yaml.

``helm install stack dist/stack-<version>.tgz`` works from the directory alone, and served
over HTTP(S) it is a chart repository (``helm repo add``): the umbrella's archive carries
its subcharts and theirs (common), packaged depth-first by deps.ensure_all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import deps, helm
from .outdir import replace_dir
from .repo import Repo

MARKER = ".stackctl-package"


@dataclass(frozen=True)
class Packaged:
    archives: list[Path]
    index: Path


def package(repo: Repo, target: Path, url: str | None = None) -> Packaged:
    """Package every chart under charts/ into ``target`` (all or nothing) with an index."""
    deps.ensure_all(repo)

    def fill(staging: Path) -> Packaged:
        for chart in repo.charts():
            helm.package(chart, staging)
        helm.repo_index(staging, url)
        archives = sorted(target / p.name for p in staging.glob("*.tgz"))
        return Packaged(archives, target / "index.yaml")

    return replace_dir(target, MARKER, fill)
