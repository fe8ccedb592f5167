"""helm's failures in the user's terms: one Problem per finding, naming the user's file
(or ``--set``) and the full values path, or the template and line when nothing else fits.

Three kinds of helm failure are recognised: the values-schema check (``values don't meet
the specifications of the schema``), a template's ``fail``/execution error (whose message
follows the charts' ``key: reason`` contract, see chartmessages), and rendered output that
is not YAML. helm's hint ``Use --debug flag ...`` names a flag stackctl does not have and
is never shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .chartmessages import fail_problems
from .envs import values_schema
from .manifests import source_path, values_prefix
from .options import Options
from .problems import Problem, dedupe
from .repo import Repo
from .schemahints import reword
from .sources import Source, blame, blame_first, value_sources

_SCHEMA_HEAD = "values don't meet the specifications of the schema"
_DEBUG_HINT = re.compile(r"\n*\s*Use --debug flag to render out invalid YAML\s*", re.IGNORECASE)
_CHART_LINE = re.compile(r"^(\S+):$")
_ITEM_LINE = re.compile(r"^- at '([^']*)': (.*)$")
_NAMES = re.compile(r"'([^']+)'")
_AT_TEMPLATE = re.compile(
    r"^(?:Error: )?(?P<what>[\w ]*?) ?error at "
    r"\((?P<src>[^):]+):(?P<line>\d+)(?::(?P<col>\d+))?\): "
    r"(?P<msg>.*)$", re.DOTALL)
# helm 4 nests "at <...>" frames; the innermost one names the value a template read
_NIL_VALUE = re.compile(
    r"(?P<src>[^\s:]+):(?P<line>\d+):(?P<col>\d+)\s+executing \"[^\"]*\" at "
    r"<\.Values\.(?P<path>[\w.]+)>:\s+nil pointer evaluating interface \{\}\.\w+\s*$")
_YAML_PARSE = re.compile(r"^(?:Error: )?YAML parse error on (?P<src>\S+): (?P<msg>.*)$", re.DOTALL)


def without_debug_hint(message: str) -> str:
    return _DEBUG_HINT.sub("\n", message).strip()


def _chart_prefixes(repo: Repo, chart: Path | None
                    ) -> tuple[dict[str, list[str]], dict[tuple[str, ...], set[str]]]:
    """Chart name (as helm's schema message names it) → its values path from the top, and
    values path → the names of that chart's own dependencies."""
    top = repo.stack_dir if chart is None else chart
    prefixes: dict[str, list[str]] = {repo.chart_name(top): []}
    dep_names: dict[tuple[str, ...], set[str]] = {}

    def walk(directory: Path, prefix: list[str], seen: frozenset[Path]) -> None:
        dep_names[tuple(prefix)] = {d.name for d in repo.dependencies_of(directory)}
        for dep in repo.dependencies_of(directory):
            if dep.path in seen or not (dep.path / "Chart.yaml").is_file():
                continue
            path = [*prefix, dep.name]
            prefixes.setdefault(dep.chart, path)
            prefixes.setdefault(dep.name, path)
            walk(dep.path, path, seen | {dep.path})

    walk(top, [], frozenset({top.resolve()}))
    return prefixes, dep_names


def _schema_item(sources: Sequence[Source], prefix: list[str], pointer: str,
                 reason: str, dependencies: set[str]) -> list[Problem]:
    keys = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/") if p]
    if keys[:1] == ["global"] and prefix:
        # helm copies the top-level global: into every subchart; the user set global.x
        full_candidates = [keys, [*prefix, *keys]]
    else:
        full_candidates = [[*prefix, *keys]]
    if reason.startswith(("additional properties", "missing propert")):
        what = ("unknown key (not in values.schema.json)" if reason.startswith("additional")
                else "required key is missing")
        out = []
        for name in _NAMES.findall(reason.split(" not allowed")[0]):
            label, path = blame_first(sources, [[*c, name] for c in full_candidates])
            why = what
            if not keys and name in dependencies and what.startswith("unknown"):
                why = (f"{what}: helm passes the chart's dependency {name!r} its values under "
                       "this key; the chart's values.schema.json must allow it")
            out.append(Problem(label, ".".join(path), why))
        return out
    label, path = blame_first(sources, full_candidates)
    return [Problem(label, ".".join(path) or "(top level)", reason)]


def schema_problems(repo: Repo, sources: Sequence[Source], message: str,
                    chart: Path | None = None) -> list[Problem]:
    """helm's values-schema failure as Problems (once each, whatever chart reported it)."""
    prefixes, dep_names = _chart_prefixes(repo, chart)
    problems: list[Problem] = []
    prefix: list[str] = []
    for raw in message.splitlines():
        line = raw.strip()
        chart_match = _CHART_LINE.match(line)
        if chart_match and not line.startswith("-"):
            prefix = prefixes.get(chart_match[1], [chart_match[1]])
            continue
        item = _ITEM_LINE.match(line)
        if item:
            problems += _schema_item(sources, prefix, item[1], item[2],
                                     dep_names.get(tuple(prefix), set()))
        elif problems and raw.startswith(" ") and line:
            last = problems[-1]
            problems[-1] = Problem(last.file, last.key, f"{last.reason} {line}")
    return reword(dedupe(problems), values_schema(repo, chart))


def _render_hint(options: Options) -> str:
    flags = " ".join(["stackctl render", *options.command_flags(), "--show-invalid"])
    return f"`{flags}` prints what the templates rendered"


def helm_problems(repo: Repo, options: Options, message: str,
                  chart: Path | None = None,
                  sources: Sequence[Source] | None = None) -> list[Problem]:
    """Problems explaining helm's failure ``message`` for a render with ``options``."""
    message = without_debug_hint(message)
    if sources is None:
        sources = value_sources(repo, options, chart)
    if _SCHEMA_HEAD in message:
        problems = schema_problems(repo, sources, message, chart)
        if problems:
            return problems
    at = _AT_TEMPLATE.match(message)
    if at:
        where = f"{source_path(repo, at['src'])}:{at['line']}"
        if at["col"]:
            where += f":{at['col']}"
        return fail_problems(at["msg"].strip(), sources, where)
    nil = _NIL_VALUE.search(message)
    if nil:
        # .Values.image.tag read while .Values.image is null or absent: who set it so?
        prefix = values_prefix(repo, nil["src"])
        read = [*prefix, *nil["path"].split(".")]
        where = f"{source_path(repo, nil['src'])}:{nil['line']}:{nil['col']}"
        return [Problem(blame(sources, read[:-1]), ".".join(read[:-1]),
                        f"is null or missing, but {where} reads {'.'.join(read)}")]
    parse_error = _YAML_PARSE.match(message)
    if parse_error:
        reason = f"rendered YAML is invalid: {parse_error['msg'].strip()}"
        if repo.is_stack(chart):
            reason += f" ({_render_hint(options)})"
        return [Problem(source_path(repo, parse_error["src"]), "", reason)]
    label = repo.rel(chart or repo.stack_dir)
    return [Problem(label, "", message.removeprefix("Error: "))]


