"""Reading YAML input with errors that name the file and line, and writing readable YAML.

Helm (like most YAML libraries) silently keeps the last of two equal mapping keys; a
values file with ``replicaCount`` twice almost always hides a mistake, so it is refused
here, naming both lines. Parsing is PyYAML's (libyaml's C parser when present).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import StackctlError, UsageError, ValidationError
from .problems import Problem

# libyaml's loader when present: the pure-Python one is ~10x slower.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _label(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            pass
    return str(path)


def _join(path: list[str]) -> str:
    return "".join(p if p.startswith("[") or i == 0 else f".{p}" for i, p in enumerate(path))


def _duplicates(loader: yaml.SafeLoader, node: Node, path: list[str],
                seen_nodes: set[int]) -> Iterator[tuple[str, int, int]]:
    """(key path, line, first line) for every repeated key of every mapping under ``node``."""
    if id(node) in seen_nodes:  # an alias of a node already walked
        return
    seen_nodes.add(id(node))
    if isinstance(node, MappingNode):
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            name = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if isinstance(key_node, ScalarNode):
                key = (key_node.tag, loader.construct_object(key_node))
                line = key_node.start_mark.line + 1
                if key in first:
                    yield _join([*path, name]), line, first[key]
                else:
                    first[key] = line
            yield from _duplicates(loader, value_node, [*path, name], seen_nodes)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates(loader, item, [*path, f"[{index}]"], seen_nodes)


def parse_yaml(text: str, label: str) -> Any:
    """One YAML document; a duplicate key is a ValidationError naming both lines."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        found = list(_duplicates(loader, node, [], set()))
        if found:
            raise ValidationError([
                Problem(label, key, f"duplicate key (first at line {first})", line=line)
                for key, line, first in found])
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml_file(path: Path, *, root: Path | None = None) -> Any:
    """Parse one YAML document; a missing file is a usage error, bad YAML an input error."""
    label = _label(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"{label}: no such file") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"{label}: is a directory, not a YAML file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StackctlError(f"{label}: cannot read: {reason}") from exc
    try:
        return parse_yaml(text, label)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise StackctlError(f"{where}: YAML syntax error: {reason}") from exc
    except yaml.YAMLError as exc:
        raise StackctlError(f"{label}: YAML error: {exc}") from exc


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so scripts and configs stay readable in diffs."""


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    """YAML text for ``data``: keys in their given order, block strings, no line folding."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=10_000)
