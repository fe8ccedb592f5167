"""Say what a value should look like, where the schema knows it better than a regex.

JSON Schema (draft-07) has no error messages of its own; the charts' schemas add an
``errorMessage`` to a property whose ``pattern`` is unreadable (the convention of
ajv-errors; helm and yamale ignore the keyword). A form failure of such a value (helm's
"does not match pattern", yamale's "is not a regex match" / "is not a num" pair) becomes
one problem: "'2 gigs' is not a Kubernetes quantity such as 2Gi, 500M or 0.5".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .problems import Problem, dedupe

Schema = dict[str, Any]

_FORM = re.compile(
    r"^(?:(?P<q>'.*?')\s+is not an? (?:regex match|num|int|str|null|bool|list|map)\.?"
    r"|(?P<h>'.*?')\s+does not match pattern\s.*)$", re.DOTALL)


def node_at(schema: Schema, key: str) -> Schema | None:
    """The schema of the value at dotted ``key`` (properties, then additionalProperties).
    A ``global.`` key the top level leaves open is looked up in the subcharts, which helm
    hands the top-level global: to."""
    found = _walk(schema, key)
    if found is None and key.startswith("global."):
        for sub in (schema.get("properties") or {}).values():
            if isinstance(sub, dict) and (found := _walk(sub, key)) is not None:
                break
    return found


def _walk(schema: Schema, key: str) -> Schema | None:
    node: Any = schema
    for part in (p for p in re.sub(r"\[\d+\]", "", key).split(".") if p):
        if not isinstance(node, dict):
            return None
        props = node.get("properties") or {}
        if part in props:
            node = props[part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return None
    return node if isinstance(node, dict) else None


def reword(problems: Sequence[Problem], schema: Schema) -> list[Problem]:
    """``problems`` with every form failure of an ``errorMessage`` value said once, its way.

    yamale follows a failing leaf with "<parent>: validation failed"; once the leaf says
    what is wrong, that line says nothing more and is dropped.
    """
    out: list[Problem] = []
    reworded: set[tuple[str, str]] = set()
    for problem in problems:
        match = _FORM.match(problem.reason)
        node = node_at(schema, problem.key) if match else None
        hint = node.get("errorMessage") if node else None
        if match and isinstance(hint, str):
            out.append(replace(problem, reason=f"{match['q'] or match['h']} is not {hint}"))
            reworded.add((problem.file, problem.key))
        else:
            out.append(problem)
    return dedupe(p for p in out if not (
        p.reason == "validation failed"
        and any(f == p.file and k.startswith(f"{p.key}.") for f, k in reworded)))
