"""Reading YAML input with errors that name the file and line, and writing readable YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import StackctlError, UsageError


def _label(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            pass
    return str(path)


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
        return yaml.safe_load(text)
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
