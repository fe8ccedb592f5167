"""What differs between two environments: their values files, then the rendered objects."""

from __future__ import annotations

import difflib
import json
from dataclasses import replace
from typing import Any

from .manifests import normalized, parse
from .options import Options
from .render import render_text
from .repo import Repo
from .sources import value_sources


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data:
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data} if prefix else {}


def coalesce(base: Any, override: Any) -> Any:
    """Helm's merge of one values file over another: maps merge, null deletes, else replace."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return override
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = coalesce(merged.get(key), value)
    return merged


def effective_values(repo: Repo, env: str) -> dict[str, Any]:
    """Chart defaults (subcharts, then the stack) with the environment file over them."""
    merged: dict[str, Any] = {}
    for source in value_sources(repo, Options(env=env)):
        merged = coalesce(merged, source.data)
    return merged


def values_diff(repo: Repo, left: str, right: str) -> list[str]:
    """``key.path: left -> right`` for every effective value the two environments differ in."""
    a = _flatten(effective_values(repo, left))
    b = _flatten(effective_values(repo, right))
    unset = "(unset)"

    def show(value: Any) -> str:
        return unset if value is unset else json.dumps(value)

    return [f"{key}: {show(a.get(key, unset))} -> {show(b.get(key, unset))}"
            for key in sorted(set(a) | set(b)) if a.get(key, unset) != b.get(key, unset)]


def objects_diff(repo: Repo, left: str, right: str, options: Options) -> str:
    """Unified diff of the normalized renders (same order and format as the snapshots)."""
    texts = [normalized(parse(render_text(repo, replace(options, env=env))))
             for env in (left, right)]
    return "".join(difflib.unified_diff(texts[0].splitlines(keepends=True),
                                        texts[1].splitlines(keepends=True),
                                        fromfile=f"env {left}", tofile=f"env {right}"))
