"""Both subcharts: every key of values.yaml (outside free-form maps) is declared in
values.schema.json and carries a comment starting with its name (Helm best practices;
docs/chart-conventions.md). One walker for both charts, so the rule cannot drift."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from helpers import CHARTS


def declared(schema: dict[str, Any], path: str = "") -> dict[str, dict[str, Any]]:
    """Every property of the schema by dotted path."""
    found: dict[str, dict[str, Any]] = {}
    for key, prop in schema.get("properties", {}).items():
        found[path + key] = prop
        found.update(declared(prop, f"{path}{key}."))
    return found


@pytest.mark.parametrize(("chart", "minimum"), [("zookeeper", 80), ("kafka", 60)])
def test_values_yaml_keys_are_in_the_schema_and_commented(chart: str, minimum: int) -> None:
    props = declared(json.loads((CHARTS / chart / "values.schema.json").read_text()))
    lines = (CHARTS / chart / "values.yaml").read_text().splitlines()
    stack: list[tuple[int, str]] = []
    checked = 0
    for number, line in enumerate(lines):
        match = re.match(r"^( *)([A-Za-z0-9_.]+):", line)
        if not match:
            continue
        indent, key = len(match[1]), match[2]
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = ".".join(k for _, k in stack)
        path = f"{parent}.{key}" if parent else key
        stack.append((indent, key))
        if parent and "properties" not in props.get(parent, {}):
            continue  # inside a free-form map (resources, securityContext, ...)
        where = f"charts/{chart}/values.yaml:{number + 1}"
        assert path in props, f"{where}: {path} is not in values.schema.json"
        start = number
        while start > 0 and lines[start - 1].strip().startswith("#"):
            start -= 1
        comment = lines[start].strip().lstrip("# ") if start < number else ""
        assert comment.startswith(path), f"{where}: {path} has no comment starting with its name"
        checked += 1
    assert checked > minimum, f"only {checked} keys checked: the walker is broken"
