"""Reviewed snapshots: one YAML file per environment and per subchart (with its defaults)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from .manifests import normalized, parse
from .options import Options
from .render import render_many, render_text
from .repo import Repo
from .yamlio import load_yaml_file


@dataclass(frozen=True)
class Case:
    name: str  # also the file stem under tests/snapshots/
    chart: Path
    options: Options = field(default_factory=Options)

    def path(self, repo: Repo) -> Path:
        return repo.snapshot_dir / f"{self.name}.yaml"


def cases(repo: Repo) -> list[Case]:
    """``stack-<env>`` for every environment, ``<subchart>-defaults`` for every subchart."""
    found = [Case(f"stack-{env}", repo.stack_dir, Options(env=env)) for env in repo.environments()]
    found += [Case(f"{dep.name}-defaults", dep.path) for dep in repo.dependencies()
              if (dep.path / "Chart.yaml").is_file() and not _is_library(repo, dep.path)]
    return found


def _is_library(repo: Repo, chart: Path) -> bool:
    """A library chart (type: library) renders nothing and cannot be templated alone."""
    meta = load_yaml_file(chart / "Chart.yaml", root=repo.root) or {}
    return meta.get("type") == "library"


def render_case(repo: Repo, case: Case) -> str:
    return _format(repo, case, render_text(repo, case.options, case.chart))


def render_cases(repo: Repo, chosen: list[Case]) -> list[str]:
    """Snapshot text of several cases, rendered concurrently."""
    texts = render_many(repo, [(case.options, case.chart) for case in chosen])
    return [_format(repo, case, text) for case, text in zip(chosen, texts, strict=True)]


def _format(repo: Repo, case: Case, text: str) -> str:
    header = (f"snapshot {case.name}: {repo.rel(case.chart)}"
              f"{' with environments/' + case.options.env + '.yaml' if case.options.env else ''}"
              f", release {case.options.release}, namespace {case.options.namespace}, "
              f"Kubernetes {case.options.kube_version}. Regenerate: stackctl snapshot --update")
    return normalized(parse(text), header)


def diff(repo: Repo, case: Case, actual: str | None = None) -> str:
    """A unified diff from the snapshot file to the current render; empty when equal."""
    actual = render_case(repo, case) if actual is None else actual
    path = case.path(repo)
    expected = path.read_text() if path.is_file() else ""
    if expected == actual:
        return ""
    rel = repo.rel(path)
    lines = difflib.unified_diff(expected.splitlines(keepends=True),
                                 actual.splitlines(keepends=True),
                                 fromfile=f"{rel} (reviewed)" if expected else "/dev/null",
                                 tofile=f"{rel} (rendered now)")
    note = "" if expected else f"{rel}: no snapshot yet\n"
    return note + "".join(lines)


def orphans(repo: Repo) -> list[Path]:
    """Snapshot files that no case produces any more (a removed environment or chart)."""
    wanted = {case.path(repo) for case in cases(repo)}
    return sorted(p for p in repo.snapshot_dir.glob("*.yaml") if p not in wanted)


def update(repo: Repo) -> list[str]:
    """Rewrite every snapshot that changed, delete orphans; return what changed."""
    changed = []
    repo.snapshot_dir.mkdir(parents=True, exist_ok=True)
    chosen = cases(repo)
    for case, actual in zip(chosen, render_cases(repo, chosen), strict=True):
        path = case.path(repo)
        if not path.is_file() or path.read_text() != actual:
            partial = path.with_suffix(".yaml.partial")
            partial.write_text(actual)
            partial.replace(path)
            changed.append(repo.rel(path))
    for path in orphans(repo):
        path.unlink()
        changed.append(f"{repo.rel(path)} (removed)")
    return changed
