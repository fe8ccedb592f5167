"""What differs between two environments: their values files, then the rendered objects."""

from __future__ import annotations

import difflib
import json
from dataclasses import replace
from typing import Any

from .render import Options, normalized, parse, render_text
from .repo import Repo
from .yamlio import load_yaml_file


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data:
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data} if prefix else {}


def values_diff(repo: Repo, left: str, right: str) -> list[str]:
    """``key.path: left -> right`` for every key the two environment files set differently."""
    a = _flatten(load_yaml_file(repo.env_file(left), root=repo.root) or {})
    b = _flatten(load_yaml_file(repo.env_file(right), root=repo.root) or {})
    unset = "(unset)"
    show = lambda v: v if v is unset else json.dumps(v)  # noqa: E731
    return [f"{key}: {show(a.get(key, unset))} -> {show(b.get(key, unset))}"
            for key in sorted(set(a) | set(b)) if a.get(key, unset) != b.get(key, unset)]


def objects_diff(repo: Repo, left: str, right: str, options: Options) -> str:
    """Unified diff of the normalized renders (same order and format as the snapshots)."""
    texts = [normalized(parse(render_text(repo, replace(options, env=env))))
             for env in (left, right)]
    return "".join(difflib.unified_diff(texts[0].splitlines(keepends=True),
                                        texts[1].splitlines(keepends=True),
                                        fromfile=f"env {left}", tofile=f"env {right}"))
