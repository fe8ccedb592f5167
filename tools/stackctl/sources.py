"""Where values come from (chart defaults, environment, ``-f`` files, ``--set``) and which
of them is to blame for a key: the highest-precedence layer that sets it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StackctlError, UsageError
from .options import Options
from .repo import Repo
from .yamlio import load_yaml_file


@dataclass(frozen=True)
class Source:
    """One layer of values in Helm's precedence order (lowest first)."""

    label: str
    data: dict[str, Any]
    user: bool = True  # False for the charts' own values.yaml


def value_files(repo: Repo, options: Options) -> list[Path]:
    """The ``-f`` files in helm's order: the environment first, then the user's files.

    Every file is parsed here first, so YAML syntax errors and duplicate keys name file
    and line and a missing file is a usage error, before helm sees them.
    """
    files = [repo.env_file(options.env)] if options.env else []
    files += [Path(p) for p in options.value_files]
    for path in files:
        data = load_yaml_file(path, root=repo.root)
        if data is not None and not isinstance(data, dict):
            raise StackctlError(f"{repo.rel(path)}: (top level): expected a mapping of values")
    return files


def check_set_values(options: Options) -> None:
    for item in options.set_values:
        if "=" not in item:
            raise UsageError(f"--set {item}: expected key=value")


def _set_to_dict(item: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in item.split(","):
        key, _, value = part.partition("=")
        node = out
        keys = [re.sub(r"\[\d+\]$", "", k) for k in key.split(".")]
        for k in keys[:-1]:
            child = node.setdefault(k, {})
            node = child if isinstance(child, dict) else {}
        node[keys[-1]] = value
    return out


def _load_map(path: Path, repo: Repo) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = load_yaml_file(path, root=repo.root)
    return data if isinstance(data, dict) else {}


def value_sources(repo: Repo, options: Options, chart: Path | None = None) -> list[Source]:
    """Where values come from, lowest precedence first: chart defaults, files, --set."""
    sources = []
    if repo.is_stack(chart):
        for dep in repo.dependencies():
            data = _load_map(dep.path / "values.yaml", repo)
            sources.append(Source(repo.rel(dep.path / "values.yaml"), {dep.name: data}, False))
        sources.append(Source(repo.rel(repo.stack_dir / "values.yaml"),
                              _load_map(repo.stack_dir / "values.yaml", repo), False))
    else:
        assert chart is not None
        defaults = chart / "values.yaml"
        sources.append(Source(repo.rel(defaults), _load_map(defaults, repo), False))
    for path in value_files(repo, options):
        sources.append(Source(repo.rel(path), _load_map(path, repo)))
    for item in options.set_values:
        sources.append(Source(f"--set {item}", _set_to_dict(item)))
    return sources


def split_key(dotted: str) -> list[str]:
    """``kafka.listeners[0].name`` → ``["kafka", "listeners", "name"]`` (indices dropped:
    a values file replaces a list whole, so whoever sets the list sets its items)."""
    return [part for part in re.sub(r"\[\d+\]", "", dotted).split(".") if part]


def _defines(node: Any, keys: Sequence[str]) -> bool:
    """True when ``node`` sets ``keys``, or a prefix of them to a non-map (which replaces
    everything below, ``null`` included). A key may itself contain dots
    (``config.default.replication.factor``): the longest matching key wins."""
    if not keys:
        return True
    if not isinstance(node, dict):
        return False
    for end in range(len(keys), 0, -1):
        key = ".".join(keys[:end])
        if key in node:
            child = node[key]
            if end == len(keys) or not isinstance(child, dict) or _defines(child, keys[end:]):
                return True
    return False


def _reach(node: Any, keys: Sequence[str]) -> int:
    """How many leading ``keys`` ``node`` has as nested maps."""
    depth = 0
    while depth < len(keys) and isinstance(node, dict) and keys[depth] in node:
        node = node[keys[depth]]
        depth += 1
    return depth


def blame(sources: Sequence[Source], keys: Sequence[str]) -> str:
    """The label of the highest-precedence source that sets ``keys``.

    When nobody sets it (a required key missing), the lowest layer that holds the deepest
    part of the path: the defaults of the chart the key belongs to.
    """
    for source in reversed(sources):
        if _defines(source.data, keys):
            return source.label
    if not sources:
        return "values"
    best = max(range(len(sources)), key=lambda i: (_reach(sources[i].data, keys), -i))
    return sources[best].label


def blame_first(sources: Sequence[Source],
                candidates: Sequence[Sequence[str]]) -> tuple[str, Sequence[str]]:
    """Like :func:`blame` for a value reachable under several paths (``global.x`` is also
    each subchart's ``<sub>.global.x``): the highest-precedence source setting any of them,
    and the path it set. Nobody: the first candidate, blamed as :func:`blame` does."""
    for source in reversed(sources):
        for keys in candidates:
            if _defines(source.data, keys):
                return source.label, keys
    return blame(sources, candidates[0]), candidates[0]


def _scalars(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _scalars(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _scalars(value, f"{path}[{index}]")
    else:
        yield path, node


def find_value(sources: Sequence[Source], text: str) -> tuple[str, str] | None:
    """(label, values key) of the highest-precedence source holding the scalar ``text``:
    where a bad string in a rendered object most likely came from."""
    for source in reversed(sources):
        for key, value in _scalars(source.data):
            if isinstance(value, str | int | float) and not isinstance(value, bool) \
                    and str(value) == text:
                return source.label, key
    return None


def roots(sources: Sequence[Source]) -> set[str]:
    """Top-level keys any layer uses (plus ``global``): what a values path starts with."""
    found = {"global"}
    for source in sources:
        found.update(str(k) for k in source.data)
    return found
