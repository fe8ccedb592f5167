"""The one place that drives helm, through pyhelm3.

pyhelm3's own ``template`` merges several value dicts itself (concatenating lists) and
sends them on stdin; Helm's ``-f a -f b`` replaces lists. To keep exact parity with
``helm template`` we pass value *files* and ``--set`` strings through to helm and let
helm merge, using pyhelm3's ``Command.run`` for process handling and error mapping.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pyhelm3 import Command
from pyhelm3 import errors as helm_errors

from .errors import HelmError
from .helmbin import find_helm

DEFAULT_KUBE_VERSION = "1.35.0"

Manifest = dict[str, Any]


def _command() -> Command:
    return Command(executable=str(find_helm()))


def run_helm(args: Sequence[str], stdin: bytes | None = None) -> str:
    """Run ``helm ARGS`` and return stdout; helm's stderr becomes a HelmError."""
    try:
        out = asyncio.run(_command().run([str(a) for a in args], stdin))
    except helm_errors.Error as exc:
        raise HelmError(str(exc).strip() or f"helm {' '.join(args[:2])} failed") from exc
    return out.decode()


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


def parse_manifests(text: str) -> list[Manifest]:
    """Parse multi-document YAML, dropping empty documents."""
    return [doc for doc in yaml.safe_load_all(text) if doc]
