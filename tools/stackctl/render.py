"""Render the stack (or one chart) exactly as ``helm template`` does, and write it out.

This is the one render path: ``stackctl render``, validate, snapshot, diff and the test
helper ``tests/helpers.render_chart`` all come through here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import deps, helm
from .chartmessages import warnings as chart_warnings
from .errors import HelmError, RenderError
from .helmerrors import helm_problems
from .manifests import Obj, normalized, parse, source_path
from .options import Options
from .outdir import replace_dir
from .problems import Problem
from .repo import Repo
from .sources import check_set_values, value_files, value_sources
from .yamlio import dump

__all__ = ["OUTPUT_MARKER", "Obj", "Options", "Rendered", "normalized", "parse", "prepare",
           "render", "render_many", "render_text", "source_path", "template_args",
           "write_output_dir"]

OUTPUT_MARKER = ".stackctl-render"
_DEBUG_LOG = re.compile(r"^level=[A-Z]+ msg=")


@dataclass(frozen=True)
class Rendered:
    """helm's output and the charts' render-time warnings about it."""

    text: str
    warnings: tuple[Problem, ...] = ()


def template_args(repo: Repo, options: Options, chart: Path | None = None,
                  kube_version: str | None = None) -> list[str]:
    """The ``helm template`` command line stackctl runs for these options."""
    check_set_values(options)
    return helm.template_args(
        chart or repo.stack_dir, release=options.release, namespace=options.namespace,
        value_files=value_files(repo, options), set_values=options.set_values,
        kube_version=kube_version or options.kube_version, show_only=options.show_only,
    )


def prepare(repo: Repo, chart: Path | None = None) -> None:
    """Everything that must hold before helm renders ``chart``: its file:// dependencies
    (and theirs) packaged and current."""
    deps.ensure(repo, chart)


def render_error(repo: Repo, options: Options, exc: HelmError,
                 chart: Path | None = None) -> RenderError:
    """helm's failure as problems naming the user's file and key (or the template)."""
    return RenderError(helm_problems(repo, options, str(exc), chart), str(exc))


def render(repo: Repo, options: Options, chart: Path | None = None, *,
           show_invalid: bool = False) -> Rendered:
    """helm's multi-document YAML, byte for byte, and the charts' warnings.

    ``show_invalid`` renders with helm's ``--debug``, which prints the output even when it
    is not valid YAML; the RenderError then carries that text as ``partial_output``.
    """
    prepare(repo, chart)
    args = template_args(repo, options, chart)
    if show_invalid:
        result = helm.run_helm_result([*args, "--debug"])
        if result.returncode != 0:
            # --debug also logs "level=DEBUG msg=..." lines on stderr: keep helm's error
            message = "\n".join(line for line in result.stderr.splitlines()
                                if not _DEBUG_LOG.match(line))
            error = render_error(repo, options, HelmError(message.strip()), chart)
            error.partial_output = result.stdout
            raise error
        text = result.stdout
    else:
        try:
            text = helm.run_helm(args)
        except HelmError as exc:
            raise render_error(repo, options, exc, chart) from exc
    found = chart_warnings(text, value_sources(repo, options, chart)) if "# WARNING:" in text \
        else []
    return Rendered(text, tuple(found))


def render_text(repo: Repo, options: Options, chart: Path | None = None) -> str:
    """helm's multi-document YAML, byte for byte."""
    return render(repo, options, chart).text


def render_many(repo: Repo, jobs: Sequence[tuple[Options, Path | None]]) -> list[str]:
    """Several renders at once (concurrent helm processes); the first failure is raised."""
    for chart in dict.fromkeys(chart for _, chart in jobs):
        prepare(repo, chart)
    outcomes = helm.template_many([template_args(repo, opts, chart) for opts, chart in jobs])
    texts = []
    for (opts, chart), outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, HelmError):
            raise render_error(repo, opts, outcome, chart) from outcome
        texts.append(outcome)
    return texts


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
    """Write one file per object into ``target``, all or nothing (outdir.replace_dir)."""

    def fill(staging: Path) -> list[Path]:
        taken: set[str] = set()
        written = []
        for obj in sorted(objs, key=Obj.sort_key):
            path = staging / _file_name(obj, taken)
            text = f"# Source: {obj.source}\n{dump(obj.data)}"
            if obj.kind == "Secret":
                # passwords and keys: readable by the user alone, whatever the umask
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as out:
                    out.write(text)
            else:
                path.write_text(text)
            written.append(target / path.name)
        return written

    return replace_dir(target, OUTPUT_MARKER, fill)
