"""The one place that drives helm, through pyhelm3.

pyhelm3's own ``template`` merges several value dicts itself (concatenating lists) and
sends them on stdin; Helm's ``-f a -f b`` replaces lists. To keep exact parity with
``helm template`` we pass value *files* and ``--set`` strings through to helm and let
helm merge, using pyhelm3's ``Command.run`` for process handling. pyhelm3 has no
``lint`` or ``dependency`` commands; they are added here on top of the same ``run``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pyhelm3 import Command
from pyhelm3 import errors as helm_errors

from .errors import HelmError
from .helmbin import find_helm, helm_version

DEFAULT_KUBE_VERSION = "1.35.0"

Manifest = dict[str, Any]

# pyhelm3 logs every failed command at WARNING; stackctl reports failures itself.
logging.getLogger("pyhelm3").addHandler(logging.NullHandler())
logging.getLogger("pyhelm3").propagate = False


@functools.cache
def executable() -> Path:
    """The helm binary, located (and installed if needed) once per process."""
    return find_helm()


def version() -> str:
    """helm's version string, e.g. ``v4.1.4``."""
    return helm_version(executable())


# Every helm stackctl runs is a short-lived process (a render, a lint): its garbage
# collector only costs time, about a third of its CPU in a render of the stack. GOGC=off
# with a soft memory limit leaves collection to a process that grows past 1 GiB (a render
# of the stack peaks at about 60 MB). pyhelm3 runs the command through a shell without an
# env parameter, so the variables go in front through env(1).
GO_RUNTIME_ENV = ("GOGC=off", "GOMEMLIMIT=1GiB")


def _command() -> Command:
    return Command(executable="env")


def _argv(args: Sequence[str]) -> list[str]:
    return [*GO_RUNTIME_ENV, str(executable()), *(str(a) for a in args)]


@dataclass(frozen=True)
class Result:
    """Outcome of a helm run that may legitimately fail (``helm lint``)."""

    returncode: int
    stdout: str
    stderr: str


async def run_helm_async(args: Sequence[str], stdin: bytes | None = None) -> str:
    """Run ``helm ARGS`` and return stdout; a failure becomes a HelmError with helm's stderr."""
    try:
        out: bytes = await _command().run(_argv(args), stdin)
    except helm_errors.Error as exc:
        raise HelmError(str(exc).strip() or f"helm {' '.join(args[:2])} failed") from exc
    return out.decode()


def run_helm(args: Sequence[str], stdin: bytes | None = None) -> str:
    """Run ``helm ARGS`` and return stdout; helm's stderr becomes a HelmError."""
    return asyncio.run(run_helm_async(args, stdin))


def run_helm_result(args: Sequence[str]) -> Result:
    """Run ``helm ARGS`` and return exit code and both streams, failing or not."""
    try:
        out = asyncio.run(_command().run(_argv(args)))
    except helm_errors.Error as exc:
        return Result(exc.returncode, exc.stdout.decode(), exc.stderr.decode())
    return Result(0, out.decode(), "")


def template_args(
    chart: Path,
    *,
    release: str = "stack",
    namespace: str = "default",
    value_files: Iterable[Path] = (),
    set_values: Iterable[str] = (),
    kube_version: str = DEFAULT_KUBE_VERSION,
    show_only: Iterable[str] = (),
) -> list[str]:
    """The exact ``helm template`` argument list; shared with the parity tests."""
    args = ["template", release, str(chart), "--namespace", namespace,
            "--kube-version", kube_version]
    for path in value_files:
        args += ["--values", str(path)]
    for item in set_values:
        args += ["--set", item]
    for item in show_only:
        args += ["--show-only", item]
    return args


def template(
    chart: Path,
    *,
    release: str = "stack",
    namespace: str = "default",
    value_files: Iterable[Path] = (),
    set_values: Iterable[str] = (),
    values: Mapping[str, Any] | None = None,
    kube_version: str = DEFAULT_KUBE_VERSION,
    show_only: Iterable[str] = (),
) -> str:
    """Render ``chart`` and return helm's multi-document YAML text unchanged.

    ``values`` (a dict) is applied last, after the value files and before ``--set``
    in precedence order of the arguments, by writing it to a temporary values file.
    """
    files = list(value_files)
    with tempfile.TemporaryDirectory() as tmp:
        if values:
            extra = Path(tmp) / "values.json"
            extra.write_text(json.dumps(values))
            files.append(extra)
        return run_helm(template_args(
            chart, release=release, namespace=namespace, value_files=files,
            set_values=set_values, kube_version=kube_version, show_only=show_only,
        ))


def template_many(arg_lists: Sequence[Sequence[str]], parallel: int = 4) -> list[str | HelmError]:
    """Run several ``helm template`` argument lists concurrently; results in input order.

    A failed render yields its HelmError in place of the text, so callers can report
    every environment's problems rather than the first one.
    """
    async def _all() -> list[str | HelmError]:
        gate = asyncio.Semaphore(parallel)

        async def one(args: Sequence[str]) -> str | HelmError:
            async with gate:
                try:
                    return await run_helm_async(args)
                except HelmError as exc:
                    return exc

        return list(await asyncio.gather(*(one(a) for a in arg_lists)))

    return asyncio.run(_all())


def lint(chart: Path, value_files: Iterable[Path] = (), *, strict: bool = True) -> Result:
    """``helm lint [--strict] CHART -f ...``; returns the result even when lint fails."""
    args = ["lint", str(chart)]
    if strict:
        args.append("--strict")
    for path in value_files:
        args += ["--values", str(path)]
    return run_helm_result(args)


def dependency_update(chart: Path) -> str:
    """``helm dependency update --skip-refresh CHART``: package file:// subcharts into charts/."""
    return run_helm(["dependency", "update", str(chart), "--skip-refresh"])


def package(chart: Path, destination: Path) -> str:
    """``helm package CHART -d DIR``: the chart's archive (its charts/ must be current)."""
    return run_helm(["package", str(chart), "--destination", str(destination)])


def repo_index(directory: Path, url: str | None = None) -> str:
    """``helm repo index DIR [--url URL]``: index.yaml of a static chart repository."""
    args = ["repo", "index", str(directory)]
    if url:
        args += ["--url", url]
    return run_helm(args)


def parse_manifests(text: str) -> list[Manifest]:
    """Parse multi-document YAML, dropping empty documents."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster
    return [doc for doc in yaml.load_all(text, Loader=loader) if doc]
