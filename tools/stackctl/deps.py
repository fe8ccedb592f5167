"""Keep charts/stack/charts/ in step with the file:// subcharts, without a manual step.

A stamp file beside the packaged subcharts holds a hash of the stack's Chart.yaml and of
every file of every ``file://`` subchart. When the hash differs (a template or default was
edited, a chart added) the subcharts are packaged again by ``helm dependency update`` run on
a temporary copy of the stack chart, so the working tree's Chart.lock is never touched; the
new archives are moved in one by one (each move atomic) and the stamp is written last.
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
from .errors import HelmError
from .repo import Repo

STAMP = ".stackctl-deps.sha256"


def content_hash(repo: Repo) -> str:
    """Hash of the stack's Chart.yaml plus every file of each file:// subchart."""
    digest = hashlib.sha256()
    digest.update((repo.stack_dir / "Chart.yaml").read_bytes())
    for dep in repo.dependencies():
        # by name, not absolute path: a copied checkout (same Chart.yaml) stays current
        digest.update(f"\0dep {dep.name}\0".encode())
        if not dep.path.is_dir():
            digest.update(b"missing")
            continue
        for path in sorted(p for p in dep.path.rglob("*") if p.is_file()):
            digest.update(f"\0{path.relative_to(dep.path)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current(repo: Repo) -> bool:
    stamp = repo.stack_dir / "charts" / STAMP
    return stamp.is_file() and stamp.read_text().strip() == content_hash(repo)


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


def _package(repo: Repo, workdir: Path) -> list[Path]:
    """Run helm dependency update on a copy whose file:// paths point at the real charts."""
    copy = workdir / "stack"
    shutil.copytree(repo.stack_dir, copy, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    meta = yaml.safe_load((copy / "Chart.yaml").read_text())
    for entry in meta.get("dependencies") or []:
        repository = str(entry.get("repository", ""))
        if repository.startswith("file://"):
            target = (repo.stack_dir / repository.removeprefix("file://")).resolve()
            entry["repository"] = f"file://{target}"
    (copy / "Chart.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    try:
        helm.dependency_update(copy)
    except HelmError as exc:
        raise HelmError(f"{repo.rel(repo.stack_dir)}: packaging the file:// subcharts "
                        f"(helm dependency update) failed: {exc}") from exc
    return sorted((copy / "charts").glob("*.tgz"))


def ensure(repo: Repo) -> bool:
    """Repackage the stack's subcharts when they changed; True when a rebuild happened."""
    if not repo.dependencies() or is_current(repo):
        return False
    with _exclusive(repo):
        if is_current(repo):  # another process rebuilt while we waited
            return False
        wanted = content_hash(repo)
        target = repo.stack_dir / "charts"
        target.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="stackctl-deps-") as tmp:
            built = _package(repo, Path(tmp))
            names = {p.name for p in built}
            stamp = target / STAMP
            stamp.unlink(missing_ok=True)
            for archive in built:
                partial = target / f".{archive.name}.partial"
                shutil.copyfile(archive, partial)
                os.replace(partial, target / archive.name)
        for old in target.glob("*.tgz"):
            if old.name not in names:
                old.unlink()
        stamp.write_text(wanted + "\n")
    return True
