"""Chart READMEs: the values table between the markers, generated from the schema + defaults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .envs import inline_refs, load_json_schema
from .repo import Repo
from .yamlio import load_yaml_file

START = "<!-- values:start -->"
END = "<!-- values:end -->"
_MISSING = object()


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    default: str
    description: str


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind:
        return str(kind)
    if "enum" in schema:
        return "enum"
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return " or ".join(_type(s) for s in schema[combinator])
    return "any"


def _lookup(values: Any, keys: list[str]) -> Any:
    node = values
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def rows(schema: dict[str, Any], values: Any, prefix: list[str] | None = None,
         skip: frozenset[str] = frozenset()) -> Iterator[Row]:
    """One row per documented leaf (or free-form map) of ``schema``, in schema order.

    ``skip`` names top-level keys helm injects for the chart's own dependencies (a library
    chart's values key), which document nothing of the chart.
    """
    prefix = prefix or []
    for key, sub in (schema.get("properties") or {}).items():
        injected = key == "enabled" or key in skip or (
            key == "global" and not sub.get("properties"))
        if not prefix and injected:
            continue  # injected by helm; documented only when the chart reads global keys
        keys = [*prefix, key]
        if sub.get("properties"):
            yield from rows(sub, values, keys)
            continue
        default = _lookup(values, keys)
        shown = "" if default is _MISSING else f"`{json.dumps(default, sort_keys=True)}`"
        yield Row(".".join(keys), _type(sub), _cell(shown), _cell(sub.get("description", "")))


def _dependency_keys(chart: Path, repo: Repo) -> frozenset[str]:
    meta = load_yaml_file(chart / "Chart.yaml", root=repo.root) or {}
    return frozenset(str(d.get("alias") or d.get("name")) for d in meta.get("dependencies") or [])


def table(chart: Path, repo: Repo) -> str:
    raw = load_json_schema(chart / "values.schema.json", repo) or {}
    schema = inline_refs(raw, raw)
    values = load_yaml_file(chart / "values.yaml", root=repo.root) if (
        chart / "values.yaml").is_file() else {}
    lines = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    lines += [f"| `{r.key}` | {r.type} | {r.default} | {r.description} |"
              for r in rows(schema, values or {}, skip=_dependency_keys(chart, repo))]
    return "\n".join(lines)


def regenerate(text: str, new_table: str) -> str | None:
    """README text with the table between the markers replaced; None without markers."""
    start = text.find(START)
    end = text.find(END, start + len(START)) if start >= 0 else -1
    if start < 0 or end < 0:
        return None
    return f"{text[:start]}{START}\n{new_table}\n{text[end:]}"


def managed_readmes(repo: Repo) -> list[Path]:
    """Charts whose README has the markers and which have a values.schema.json."""
    found = []
    for chart in repo.charts():
        readme = chart / "README.md"
        if (chart / "values.schema.json").is_file() and readme.is_file() and (
                START in readme.read_text() and END in readme.read_text()):
            found.append(chart)
    return found


def stale(repo: Repo, chart: Path) -> tuple[Path, str, str]:
    """(README path, current text, regenerated text)."""
    readme = chart / "README.md"
    text = readme.read_text()
    new = regenerate(text, table(chart, repo))
    return readme, text, new if new is not None else text


def update(repo: Repo, *, check: bool) -> list[str]:
    """README files that were (or, with ``check``, would be) rewritten."""
    changed = []
    for chart in managed_readmes(repo):
        readme, text, new = stale(repo, chart)
        if new != text:
            changed.append(repo.rel(readme))
            if not check:
                readme.write_text(new)
    return changed
