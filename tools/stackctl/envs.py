"""Environment files: their yamale schema, generated from the charts' values.schema.json.

The schema is never written by hand, so it cannot drift from the charts: the stack's
values.schema.json gives the top level, each file:// subchart's values.schema.json is
placed under its values key (name or alias), and every JSON-schema construct the charts
use is translated (types, enums, patterns, bounds, closed vs. free-form objects). Every key
is optional (an environment overrides only what it needs) and may be null (Helm's way of
deleting a default). Unknown keys are errors wherever the JSON schema is closed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yamale

from .errors import StackctlError
from .problems import Problem
from .repo import Repo
from .schemahints import reword
from .yamlio import load_yaml_file

Schema = dict[str, Any]

HELM_INJECTED = {
    "global": {"type": "object", "description": "global: values shared with every subchart"},
    "enabled": {"type": "boolean", "description": "enabled: whether the parent installs it"},
}


def load_json_schema(path: Path, repo: Repo) -> Schema | None:
    if not path.is_file():
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        where = f"{repo.rel(path)}:{exc.lineno}:{exc.colno}"
        raise StackctlError(f"{where}: invalid JSON: {exc.msg}") from exc
    if not isinstance(loaded, dict):
        raise StackctlError(f"{repo.rel(path)}: a JSON schema must be an object")
    return loaded


def values_schema(repo: Repo, chart: Path | None = None) -> Schema:
    """The JSON schema of the values a user gives when rendering ``chart`` (default: the
    stack, its subcharts' schemas under their keys), local $refs resolved."""
    if chart is None or chart.resolve() == repo.stack_dir.resolve():
        return combined_schema(repo)
    own = load_json_schema(chart / "values.schema.json", repo) or {}
    resolved: Schema = inline_refs(own, own)
    return resolved


def combined_schema(repo: Repo) -> Schema:
    """One JSON schema for the stack's values: its own plus each subchart's under its key."""
    stack = load_json_schema(repo.stack_dir / "values.schema.json", repo) or {
        "type": "object", "properties": {},
    }
    stack = json.loads(json.dumps(stack))  # private copy
    props = stack.setdefault("properties", {})
    for dep in repo.dependencies():
        sub = load_json_schema(dep.path / "values.schema.json", repo)
        if sub is None:
            props.setdefault(dep.name, {"type": "object"})
            continue
        sub = inline_refs(sub, sub)
        sub_props = sub.setdefault("properties", {})
        own = inline_refs(props.get(dep.name) or {}, stack)
        for key, value in (own.get("properties") or {}).items():
            sub_props.setdefault(key, value)
        for key, value in HELM_INJECTED.items():
            sub_props.setdefault(key, value)
        props[dep.name] = sub
    props.setdefault("global", HELM_INJECTED["global"])
    combined: Schema = inline_refs(stack, stack)
    return combined


def inline_refs(node: Any, root: Schema) -> Any:
    """Replace local ``$ref``s (``#/definitions/x``, ``#/$defs/x``) by their targets."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            target: Any = root
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return inline_refs({**target, **rest}, root)
        return {k: inline_refs(v, root) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(v, root) for v in node]
    return node


class _Translator:
    """JSON schema → yamale schema text (main document plus one include per object).

    Keys are optional, because an environment file overrides only part of the values;
    but inside list items a schema's ``required`` holds, because a list in a values file
    replaces the default list whole. Not expressible in yamale and left to helm's own
    schema check: ``uniqueItems``, ``exclusiveMinimum`` on non-integers, ``allOf``/``not``.
    """

    def __init__(self) -> None:
        self.includes: dict[str, dict[str, str]] = {}

    def closed_object(self, schema: Schema, name: str, complete: bool = False) -> dict[str, str]:
        required = list(schema.get("required") or []) if complete else []
        keys = dict(schema.get("properties") or {})
        keys.update({key: {} for key in required if key not in keys})
        return {
            key: self._expr(sub, f"{name}.{key}" if name else key,
                            "" if key in required else "required=False", complete)
            for key, sub in keys.items()
        }

    def _expr(self, schema: Schema | bool, path: str, opt: str, complete: bool = False) -> str:
        def call(name: str, *args: str) -> str:
            return f"{name}({', '.join(a for a in (*args, opt) if a)})"

        if isinstance(schema, bool) or schema == {}:
            # true (and {}) accept anything; false accepts nothing, which yamale cannot say:
            # helm's own schema check refuses it
            return call("any")
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema:
                parts = [self._expr({**_without(schema, combinator), **alt}, path, "", complete)
                         for alt in schema[combinator]]
                return call("any", *parts)
        if "const" in schema:
            return call("enum", repr(schema["const"]))
        if "enum" in schema:
            return call("enum", *(repr(v) for v in schema["enum"]))
        types = schema.get("type")
        if isinstance(types, list):
            parts = [self._expr({**schema, "type": t}, path, "", complete) for t in types]
            return call("any", *parts)
        if types == "object" or (types is None and "properties" in schema):
            return self._object(schema, path, call, complete)
        if types == "array":
            items = schema.get("items")
            inner = (self._expr(items, f"{path}[]", "", complete=True)
                     if isinstance(items, dict) else "")
            return call("list", inner, *_bounds(schema, "minItems", "maxItems", integer=True))
        if types == "string":
            return _string_expr(schema, opt)
        if types == "integer":
            return call("int", *_bounds(schema, "minimum", "maximum", integer=True))
        if types == "number":
            return call("num", *_bounds(schema, "minimum", "maximum", integer=False))
        if types == "boolean":
            return call("bool")
        if types == "null":
            return call("null")
        return call("any")

    def _object(self, schema: Schema, path: str, call: Callable[..., str],
                complete: bool) -> str:
        extra = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        key = f"key={_string_expr(names)}" if isinstance(names, dict) else ""
        has_keys = schema.get("properties") or (complete and schema.get("required"))
        if has_keys:
            self.includes[path] = self.closed_object(schema, path, complete)
            if extra is False:
                return call("include", repr(path))
            # known keys are checked, others allowed (an open object with documented keys)
            return call("include", repr(path), "strict=False")
        if isinstance(extra, dict):
            return call("map", self._expr(extra, f"{path}.*", "", complete), key)
        if extra is False:
            return call("map", "key=enum()")
        return call("map", key)


def _string_expr(schema: Schema, opt: str = "") -> str:
    """``str(...)`` or ``regex(...)`` with length bounds (also used for map keys)."""
    bounds = _bounds(schema, "minLength", "maxLength", integer=True)
    if "pattern" in schema:
        args = [repr(schema["pattern"]), *bounds, opt]
        return f"regex({', '.join(a for a in args if a)})"
    return f"str({', '.join(a for a in (*bounds, opt) if a)})"


def _without(schema: Schema, key: str) -> Schema:
    return {k: v for k, v in schema.items() if k != key}


def _bounds(schema: Schema, low: str, high: str, *, integer: bool) -> list[str]:
    out = []
    lo = schema.get(low)
    hi = schema.get(high)
    ex_lo = schema.get("exclusive" + low[0].upper() + low[1:]) if low == "minimum" else None
    ex_hi = schema.get("exclusive" + high[0].upper() + high[1:]) if high == "maximum" else None
    if isinstance(ex_lo, int | float) and not isinstance(ex_lo, bool):
        lo = math.floor(ex_lo) + 1 if integer else ex_lo
    if isinstance(ex_hi, int | float) and not isinstance(ex_hi, bool):
        hi = math.ceil(ex_hi) - 1 if integer else ex_hi
    if lo is not None:
        out.append(f"min={lo!r}")
    if hi is not None:
        out.append(f"max={hi!r}")
    return out


def yamale_schema_text(schema: Schema) -> str:
    """The yamale schema (YAML text) equivalent to the JSON schema of the stack's values."""
    translator = _Translator()
    main = translator.closed_object(schema, "")
    docs: list[dict[str, Any]] = [main, translator.includes] if translator.includes else [main]
    return "\n---\n".join(_dump_schema_doc(doc) for doc in docs)


def _dump_schema_doc(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=False)  # JSON is YAML; quoting stays exact


def env_schema(repo: Repo) -> Any:
    """The yamale schema object for this repository's environment files."""
    text = yamale_schema_text(combined_schema(repo))
    try:
        return yamale.make_schema(content=text)
    except (SyntaxError, ValueError, TypeError) as exc:
        raise StackctlError(f"cannot translate values.schema.json to yamale: {exc}") from exc


def check_values_file(repo: Repo, path: Path, schema: Any | None = None) -> list[Problem]:
    """Every problem of one environment/values file against the generated schema."""
    label = repo.rel(path)
    data = load_yaml_file(path, root=repo.root)
    if data is None:
        return []
    if not isinstance(data, dict):
        return [Problem(label, "(top level)",
                        f"expected a mapping of values, got {type(data).__name__}")]
    schema = schema if schema is not None else env_schema(repo)
    try:
        yamale.validate(schema, [(data, label)], strict=True)
    except yamale.YamaleError as exc:
        # yamale's errors are "key.path: message" strings: its only form
        found = [Problem(label, *_split_yamale(err)) for result in exc.results
                 for err in result.errors]
        return reword(found, combined_schema(repo))
    return []


def _split_yamale(error: str) -> tuple[str, str]:
    key, sep, reason = str(error).partition(": ")
    return (key, reason) if sep else ("", key)
