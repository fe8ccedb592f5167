"""Where things are: the repository root, its charts, the stack's subcharts and environments."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UsageError
from .yamlio import load_yaml_file

STACK_MARKER = Path("charts") / "stack" / "Chart.yaml"


def find_root(start: Path | None = None, override: Path | None = None) -> Path:
    """The repository root: ``override``, else the nearest ancestor with charts/stack/Chart.yaml."""
    if override is not None:
        root = override.resolve()
        if not (root / STACK_MARKER).is_file():
            raise UsageError(f"{root}: not a stack repository (no {STACK_MARKER})")
        return root
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / STACK_MARKER).is_file():
            return candidate
    raise UsageError(
        f"{here}: no {STACK_MARKER} here or in any parent directory (use --root)"
    )


@functools.lru_cache(maxsize=256)
def _chart_meta(path: Path, root: Path, _mtime: int, _size: int) -> dict[str, Any]:
    meta = load_yaml_file(path, root=root)
    return meta if isinstance(meta, dict) else {}


@dataclass(frozen=True)
class Dependency:
    """One ``dependencies:`` entry of the stack chart that lives in this repository."""

    name: str  # the values key: alias if set, else the chart name
    chart: str  # the chart's own name
    path: Path  # the chart directory (resolved file:// path)


@dataclass(frozen=True)
class Repo:
    root: Path

    @property
    def charts_dir(self) -> Path:
        return self.root / "charts"

    @property
    def stack_dir(self) -> Path:
        return self.charts_dir / "stack"

    @property
    def env_dir(self) -> Path:
        return self.stack_dir / "environments"

    @property
    def snapshot_dir(self) -> Path:
        return self.root / "tests" / "snapshots"

    def rel(self, path: Path) -> str:
        """``path`` relative to the root when inside it (for messages), else as given."""
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    def environments(self) -> list[str]:
        """Every ``charts/stack/environments/<env>.yaml``, sorted."""
        if not self.env_dir.is_dir():
            return []
        return sorted(p.stem for p in self.env_dir.glob("*.yaml"))

    def env_file(self, env: str) -> Path:
        path = self.env_dir / f"{env}.yaml"
        if not path.is_file():
            known = ", ".join(self.environments()) or "none"
            raise UsageError(f"{self.rel(path)}: no environment {env!r} (known: {known})")
        return path

    def dependencies(self) -> list[Dependency]:
        """The stack's ``file://`` dependencies, in Chart.yaml order."""
        return self.dependencies_of(self.stack_dir)

    def dependencies_of(self, chart: Path) -> list[Dependency]:
        """The ``file://`` dependencies of any chart directory, in Chart.yaml order."""
        meta = self.chart_meta(chart)
        deps = []
        for entry in meta.get("dependencies") or []:
            repo = str(entry.get("repository", ""))
            if not repo.startswith("file://"):
                continue
            path = (chart / repo.removeprefix("file://")).resolve()
            deps.append(Dependency(entry.get("alias") or entry["name"], entry["name"], path))
        return deps

    def is_stack(self, chart: Path | None) -> bool:
        """True for ``None`` (the default chart) and for the stack's own directory."""
        return chart is None or chart.resolve() == self.stack_dir.resolve()

    def chart_name(self, chart: Path) -> str:
        return str(self.chart_meta(chart).get("name", chart.name))

    def chart_meta(self, chart: Path) -> dict[str, Any]:
        """``Chart.yaml`` of ``chart`` (parsed once per version of the file)."""
        path = chart / "Chart.yaml"
        try:
            stat = path.stat()
        except OSError:
            stat = None
        if stat is None:
            load_yaml_file(path, root=self.root)  # raises the usual "no such file"
            return {}
        return _chart_meta(path, self.root, stat.st_mtime_ns, stat.st_size)

    def charts(self) -> list[Path]:
        """Every chart directory directly under charts/, sorted by name."""
        return sorted(p.parent for p in self.charts_dir.glob("*/Chart.yaml"))
