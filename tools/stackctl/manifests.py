"""helm's output as objects: the documents, each with its ``# Source:`` template."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .repo import Repo
from .yamlio import SafeLoader, dump

_DOC_SPLIT = re.compile(r"^---[ \t]*$", re.MULTILINE)
_SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)


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
    """helm's ``stack/charts/kafka/charts/common/templates/x.tpl`` → the file in the repo
    (``charts/common/templates/x.tpl``), following file:// dependencies at every level."""
    parts = source.split("/")
    if not parts or not parts[0]:
        return source
    chart_dir = repo.charts_dir / parts[0]
    while len(parts) >= 3 and parts[1] == "charts":
        by_name = {d.name: d.path for d in repo.dependencies_of(chart_dir)} if (
            chart_dir / "Chart.yaml").is_file() else {}
        if parts[2] not in by_name:
            break
        chart_dir = by_name[parts[2]]
        parts = parts[2:]
    return repo.rel(chart_dir / "/".join(parts[1:])) if len(parts) > 1 else source


def values_prefix(repo: Repo, source: str) -> list[str]:
    """The values path of the chart a template belongs to: ``stack/charts/kafka/x.tpl`` →
    ``["kafka"]`` (its key in the stack's values), ``kafka/templates/x.tpl`` → ``[]``."""
    parts = source.split("/")
    chart_dir = repo.charts_dir / parts[0]
    prefix: list[str] = []
    while len(parts) >= 3 and parts[1] == "charts" and (chart_dir / "Chart.yaml").is_file():
        by_name = {d.name: d.path for d in repo.dependencies_of(chart_dir)}
        if parts[2] not in by_name:
            break
        prefix.append(parts[2])
        chart_dir = by_name[parts[2]]
        parts = parts[2:]
    return prefix


REDACTED = "<redacted>"


def redacted(obj: Obj) -> Obj:
    """The object with every value of a Secret's ``data`` and ``stringData`` replaced by
    ``<redacted>``; the keys stay, so a review still sees which keys a Secret holds.

    Snapshots and diffs are read in pull requests and CI logs, where no password or key
    may appear; and a chart-generated Secret (random on every offline render, since helm
    template has no cluster to ``lookup``) would otherwise make them change on every run.
    """
    if obj.kind != "Secret" or obj.data.get("apiVersion") != "v1":
        return obj
    data = dict(obj.data)
    for key in ("data", "stringData"):
        if isinstance(data.get(key), dict):
            data[key] = {name: REDACTED for name in data[key]}
    return Obj(obj.source, data)


def normalized(objs: Sequence[Obj], header: str = "") -> str:
    """Readable, stable YAML: documents sorted by kind, namespace, name; source as comment;
    Secret values redacted."""
    out = [f"# {header}\n"] if header else []
    for obj in sorted(objs, key=Obj.sort_key):
        out.append(f"---\n# Source: {obj.source}\n{dump(redacted(obj).data)}")
    return "".join(out)
