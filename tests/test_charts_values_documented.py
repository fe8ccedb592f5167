"""Both subcharts: the schema is the one place a value is documented. Every key of
values.yaml (outside free-form maps) is declared in values.schema.json with a description
(the README's values table is generated from it), and values.yaml comments do not describe
keys a second time (they only say why a default was chosen). One walker for both charts,
so the rule cannot drift."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from helpers import CHARTS


def declared(schema: dict[str, Any], root: dict[str, Any], path: str = "") -> dict[str, Any]:
    """Every property of the schema by dotted path, local $refs resolved."""
    found: dict[str, dict[str, Any]] = {}
    for key, prop in schema.get("properties", {}).items():
        if "$ref" in prop:
            target = root
            for part in prop["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            prop = {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
        found[path + key] = prop
        found.update(declared(prop, root, f"{path}{key}."))
    return found


def values_keys(chart: str, props: dict[str, Any]) -> list[tuple[int, str, list[str]]]:
    """(line number, dotted key, comment lines right above) of every documented key."""
    lines = (CHARTS / chart / "values.yaml").read_text().splitlines()
    stack: list[tuple[int, str]] = []
    found = []
    for number, line in enumerate(lines):
        match = re.match(r"^( *)([A-Za-z0-9_.-]+):", line)
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
        start = number
        while start > 0 and lines[start - 1].strip().startswith("#"):
            start -= 1
        found.append((number + 1, path, [c.strip().lstrip("# ") for c in lines[start:number]]))
    return found


@pytest.mark.parametrize(("chart", "minimum"), [("zookeeper", 80), ("kafka", 60)])
def test_every_value_is_described_once_in_the_schema(chart: str, minimum: int) -> None:
    schema = json.loads((CHARTS / chart / "values.schema.json").read_text())
    props = declared(schema, schema)
    keys = values_keys(chart, props)
    assert len(keys) > minimum, f"only {len(keys)} keys checked: the walker is broken"
    for line, path, comments in keys:
        where = f"charts/{chart}/values.yaml:{line}"
        assert path in props, f"{where}: {path} is not in values.schema.json"
        assert props[path].get("description"), f"{where}: {path} has no schema description"
        leaf = path.rsplit(".", 1)[-1]
        restated = [c for c in comments if re.match(rf"^({re.escape(path)}|{re.escape(leaf)})"
                                                      r"( is| are|:| \()", c)]
        assert not restated, (f"{where}: the comment {restated[0]!r} describes {path} again; "
                              "the schema description is the documentation")
