"""Render the stack (or one chart) exactly as ``helm template`` does, and write it out."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import deps, helm
from .errors import StackctlError, UsageError
from .repo import Repo
from .yamlio import dump, load_yaml_file

OUTPUT_MARKER = ".stackctl-render"
# libyaml's loader when present: the pure-Python one spends ~1 s per stack render.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Options:
    """The helm-mirroring flags of render/validate/snapshot/diff."""

    env: str | None = None
    value_files: tuple[Path, ...] = ()
    set_values: tuple[str, ...] = ()
    release: str = "stack"
    namespace: str = "default"
    kube_version: str = helm.DEFAULT_KUBE_VERSION


@dataclass(frozen=True)
class Obj:
    """One rendered object and the template it came from (helm's ``# Source:`` line)."""

    source: str
    data: dict[str, Any] = field(hash=False)

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        return str((self.data.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str:
        return str((self.data.get("metadata") or {}).get("namespace") or "")

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.namespace, self.name, self.source)


def value_files(repo: Repo, options: Options) -> list[Path]:
    """The ``-f`` files in helm's order: the environment first, then the user's files.

    Every file is parsed here first, so YAML syntax errors name file and line and a
    missing file is a usage error, before helm sees them.
    """
    files = [repo.env_file(options.env)] if options.env else []
    files += [Path(p) for p in options.value_files]
    for path in files:
        data = load_yaml_file(path, root=repo.root)
        if data is not None and not isinstance(data, dict):
            raise StackctlError(f"{repo.rel(path)}: (top level): expected a mapping of values")
    return files


def template_args(repo: Repo, options: Options, chart: Path | None = None,
                  kube_version: str | None = None) -> list[str]:
    """The ``helm template`` command line stackctl runs for these options."""
    for item in options.set_values:
        if "=" not in item:
            raise UsageError(f"--set {item}: expected key=value")
    return helm.template_args(
        chart or repo.stack_dir, release=options.release, namespace=options.namespace,
        value_files=value_files(repo, options), set_values=options.set_values,
        kube_version=kube_version or options.kube_version,
    )


def prepare(repo: Repo, chart: Path | None = None) -> None:
    """Everything that must hold before helm renders: packaged, current subcharts."""
    if chart is None or chart.resolve() == repo.stack_dir.resolve():
        deps.ensure(repo)


def render_text(repo: Repo, options: Options, chart: Path | None = None) -> str:
    """helm's multi-document YAML, byte for byte."""
    prepare(repo, chart)
    args = template_args(repo, options, chart)
    from .validate import explain_helm_error  # local: validate imports render

    try:
        return helm.run_helm(args)
    except StackctlError as exc:
        raise explain_helm_error(repo, options, exc, chart) from exc


def render_many(repo: Repo, jobs: Sequence[tuple[Options, Path | None]]) -> list[str]:
    """Several renders at once (concurrent helm processes); the first failure is raised."""
    from .validate import explain_helm_error  # local: validate imports render

    if any(chart is None or chart.resolve() == repo.stack_dir.resolve() for _, chart in jobs):
        prepare(repo)
    outcomes = helm.template_many([template_args(repo, opts, chart) for opts, chart in jobs])
    texts = []
    for (opts, chart), outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, StackctlError):
            raise explain_helm_error(repo, opts, outcome, chart) from outcome
        texts.append(outcome)
    return texts


_DOC_SPLIT = re.compile(r"^---[ \t]*$", re.MULTILINE)
_SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)


def parse(text: str) -> list[Obj]:
    """Objects of helm's output with their ``# Source:``; empty documents dropped."""
    objs = []
    for chunk in _DOC_SPLIT.split(text):
        data = yaml.load(chunk, Loader=SafeLoader)
        if not data:
            continue
        match = _SOURCE.search(chunk)
        objs.append(Obj(match.group(1).strip() if match else "", data))
    return objs


def source_path(repo: Repo, source: str) -> str:
    """helm's ``stack/charts/zk/templates/x.yaml`` → ``charts/zk/templates/x.yaml``."""
    parts = source.split("/")
    chart_dir = repo.charts_dir / parts[0] if parts else repo.stack_dir
    by_name = {d.name: d.path for d in repo.dependencies()}
    while len(parts) >= 3 and parts[1] == "charts" and parts[2] in by_name:
        chart_dir = by_name[parts[2]]
        parts = parts[2:]
    return repo.rel(chart_dir / "/".join(parts[1:])) if len(parts) > 1 else source


def normalized(objs: Sequence[Obj], header: str = "") -> str:
    """Readable, stable YAML: documents sorted by kind, namespace, name; source as comment."""
    out = [f"# {header}\n"] if header else []
    for obj in sorted(objs, key=Obj.sort_key):
        out.append(f"---\n# Source: {obj.source}\n{dump(obj.data)}")
    return "".join(out)


def _file_name(obj: Obj, taken: set[str]) -> str:
    base = f"{obj.kind.lower()}-{obj.name}"
    if obj.namespace:
        base = f"{obj.namespace}.{base}"
    name = re.sub(r"[^A-Za-z0-9._-]", "_", base) + ".yaml"
    counter = 2
    while name in taken:
        name = f"{base}-{counter}.yaml"
        counter += 1
    taken.add(name)
    return name


def write_output_dir(objs: Sequence[Obj], target: Path) -> list[Path]:
    """Write one file per object into ``target`` atomically.

    Files go to a temporary directory beside ``target`` which is then renamed into place,
    so a failure leaves ``target`` as it was. An existing ``target`` is replaced only when
    it is empty or was written by stackctl (it holds the marker file).
    """
    target = target.absolute()
    if target.exists():
        if not target.is_dir():
            raise UsageError(f"{target}: exists and is not a directory")
        if any(target.iterdir()) and not (target / OUTPUT_MARKER).exists():
            raise UsageError(
                f"{target}: not empty and not written by stackctl; refusing to replace")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        taken: set[str] = set()
        written = []
        for obj in sorted(objs, key=Obj.sort_key):
            path = staging / _file_name(obj, taken)
            path.write_text(f"# Source: {obj.source}\n{dump(obj.data)}")
            written.append(target / path.name)
        (staging / OUTPUT_MARKER).write_text("written by stackctl render --output-dir\n")
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "d")
            os.replace(staging, target)
            shutil.rmtree(old)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written
