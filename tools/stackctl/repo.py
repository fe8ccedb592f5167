"""Where things are: the repository root, its charts, the stack's subcharts and environments."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
        meta = load_yaml_file(self.stack_dir / "Chart.yaml", root=self.root) or {}
        deps = []
        for entry in meta.get("dependencies") or []:
            repo = str(entry.get("repository", ""))
            if not repo.startswith("file://"):
                continue
            path = (self.stack_dir / repo.removeprefix("file://")).resolve()
            deps.append(Dependency(entry.get("alias") or entry["name"], entry["name"], path))
        return deps

    def charts(self) -> list[Path]:
        """Every chart directory directly under charts/, sorted by name."""
        return sorted(p.parent for p in self.charts_dir.glob("*/Chart.yaml"))
