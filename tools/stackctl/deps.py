"""Keep every chart's packaged ``file://`` dependencies in step with their sources, with
no manual step, depth first: a library chart (``charts/common``) is packaged into each
chart that uses it before those charts are packaged into the stack.

Each chart with file:// dependencies gets a stamp file in its ``charts/`` holding a hash
of its Chart.yaml and of every file of each file:// dependency, recursively (so an edit
to a library repackages every chart that includes it, up to the stack). When the hash
differs, ``helm dependency update`` runs on a temporary copy of the chart whose file://
paths point at the real charts, so the working tree's Chart.lock is never written; the
new archives are moved in one by one (each move atomic), stale ones removed, and the
stamp is written last.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml

from . import helm
from .errors import HelmError, PackagingError, StackctlError
from .repo import Repo

STAMP = ".stackctl-deps.sha256"
_GENERATED = (STAMP, ".partial")


def _tree_files(repo: Repo, chart: Path) -> list[Path]:
    """A chart's own files: not the archives stackctl packages into its charts/."""
    packaged = chart / "charts"
    out = []
    for path in chart.rglob("*"):
        if not path.is_file():
            continue
        if path.parent == packaged and (path.name.endswith(".tgz") or
                                        path.name.endswith(_GENERATED)):
            continue
        out.append(path)
    return sorted(out)


def _chart_digest(repo: Repo, chart: Path, digest: hashlib._Hash,
                  stack: tuple[Path, ...]) -> None:
    for dep in repo.dependencies_of(chart):
        # by name, not absolute path: a copied checkout (same Chart.yaml) stays current
        digest.update(f"\0dep {dep.name}\0".encode())
        if dep.path in stack:
            raise StackctlError(f"{repo.rel(chart)}: file:// dependency cycle through "
                                f"{repo.rel(dep.path)}")
        if not dep.path.is_dir():
            digest.update(b"missing")
            continue
        for path in _tree_files(repo, dep.path):
            digest.update(f"\0{path.relative_to(dep.path)}\0".encode())
            digest.update(path.read_bytes())
        _chart_digest(repo, dep.path, digest, (*stack, dep.path))


def content_hash(repo: Repo, chart: Path | None = None) -> str:
    """Hash of a chart's Chart.yaml plus every file of its file:// dependencies, nested."""
    chart = (chart or repo.stack_dir).resolve()
    digest = hashlib.sha256()
    digest.update((chart / "Chart.yaml").read_bytes())
    _chart_digest(repo, chart, digest, (chart,))
    return digest.hexdigest()


def is_current(repo: Repo, chart: Path | None = None) -> bool:
    chart = chart or repo.stack_dir
    stamp = chart / "charts" / STAMP
    return stamp.is_file() and stamp.read_text().strip() == content_hash(repo, chart)


def order(repo: Repo, chart: Path | None = None) -> list[Path]:
    """``chart`` and every chart it depends on through file://, dependencies first."""
    found: list[Path] = []

    def visit(directory: Path, stack: tuple[Path, ...]) -> None:
        for dep in repo.dependencies_of(directory):
            if dep.path in stack:
                raise StackctlError(f"{repo.rel(directory)}: file:// dependency cycle "
                                    f"through {repo.rel(dep.path)}")
            if (dep.path / "Chart.yaml").is_file():
                visit(dep.path, (*stack, dep.path))
        if directory not in found:
            found.append(directory)

    top = (chart or repo.stack_dir).resolve()
    visit(top, (top,))
    return found


@contextlib.contextmanager
def _exclusive(repo: Repo) -> Iterator[None]:
    lock_dir = repo.root / ".cache" / "stackctl"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "deps.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _package(repo: Repo, chart: Path, workdir: Path) -> list[Path]:
    """Run helm dependency update on a copy whose file:// paths point at the real charts."""
    copy = workdir / chart.name
    shutil.copytree(chart, copy, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    meta = yaml.safe_load((copy / "Chart.yaml").read_text())
    for entry in meta.get("dependencies") or []:
        repository = str(entry.get("repository", ""))
        if repository.startswith("file://"):
            target = (chart / repository.removeprefix("file://")).resolve()
            entry["repository"] = f"file://{target}"
    (copy / "Chart.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    try:
        helm.dependency_update(copy)
    except HelmError as exc:
        raise PackagingError(repo.rel(chart), "packaging the file:// subcharts "
                             f"(helm dependency update) failed: {exc}") from exc
    return sorted((copy / "charts").glob("*.tgz"))


def _install(chart: Path, built: list[Path], wanted: str) -> None:
    target = chart / "charts"
    target.mkdir(exist_ok=True)
    stamp = target / STAMP
    stamp.unlink(missing_ok=True)
    names = {p.name for p in built}
    for archive in built:
        partial = target / f".{archive.name}.partial"
        shutil.copyfile(archive, partial)
        os.replace(partial, target / archive.name)
    for old in target.glob("*.tgz"):
        if old.name not in names:
            old.unlink()
    stamp.write_text(wanted + "\n")


def ensure(repo: Repo, chart: Path | None = None) -> bool:
    """Repackage what changed under ``chart`` (default: the stack), dependencies first;
    True when anything was rebuilt."""
    charts = [c for c in order(repo, chart) if repo.dependencies_of(c)]
    if all(is_current(repo, c) for c in charts):
        return False
    rebuilt = False
    with _exclusive(repo), tempfile.TemporaryDirectory(prefix="stackctl-deps-") as tmp:
        for index, directory in enumerate(charts):
            if is_current(repo, directory):  # current, or rebuilt by another process
                continue
            wanted = content_hash(repo, directory)
            built = _package(repo, directory, Path(tmp) / str(index))
            _install(directory, built, wanted)
            rebuilt = True
    return rebuilt


def ensure_all(repo: Repo) -> bool:
    """Every chart of the repository (for lint, which checks each chart alone)."""
    rebuilt = False
    for chart in repo.charts():
        rebuilt = ensure(repo, chart) or rebuilt
    return rebuilt
