"""Validation: environment files (yamale), merged values (helm + values.schema.json),
rendered objects (strict Kubernetes schemas). Every problem is ``file: key.path: reason``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import envs, helm
from .errors import HelmError, StackctlError, ValidationError
from .kubeschema import KubeSchemas, normalize, shared_schemas
from .render import Obj, Options, parse, prepare, source_path, template_args, value_files
from .repo import Repo
from .yamlio import load_yaml_file

_SCHEMA_HEAD = "values don't meet the specifications of the schema"
_CHART_LINE = re.compile(r"^(\S+):$")
_ITEM_LINE = re.compile(r"^- at '([^']*)': (.*)$")
_NAMES = re.compile(r"'([^']+)'")
_AT_TEMPLATE = re.compile(
    r"^(?:Error: )?(?P<what>[\w ]*?) ?error at "
    r"\((?P<src>[^):]+):(?P<line>\d+)(?::(?P<col>\d+))?\): "
    r"(?P<msg>.*)$", re.DOTALL)
_YAML_PARSE = re.compile(r"^(?:Error: )?YAML parse error on (?P<src>\S+): (?P<msg>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Source:
    """One layer of values in Helm's precedence order (lowest first)."""

    label: str
    data: dict[str, Any]


def _set_to_dict(item: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in item.split(","):
        key = part.split("=", 1)[0]
        node = out
        keys = [re.sub(r"\[\d+\]$", "", k) for k in key.split(".")]
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = True
    return out


def value_sources(repo: Repo, options: Options, chart: Path | None = None) -> list[Source]:
    """Where values come from, lowest precedence first: chart defaults, files, --set."""
    sources = []
    if chart is None or chart.resolve() == repo.stack_dir.resolve():
        for dep in repo.dependencies():
            data = _load_map(dep.path / "values.yaml", repo)
            sources.append(Source(repo.rel(dep.path / "values.yaml"), {dep.name: data}))
        sources.append(Source(repo.rel(repo.stack_dir / "values.yaml"),
                              _load_map(repo.stack_dir / "values.yaml", repo)))
    else:
        defaults = chart / "values.yaml"
        sources.append(Source(repo.rel(defaults), _load_map(defaults, repo)))
    for path in value_files(repo, options):
        sources.append(Source(repo.rel(path), _load_map(path, repo)))
    for item in options.set_values:
        sources.append(Source(f"--set {item}", _set_to_dict(item)))
    return sources


def _load_map(path: Path, repo: Repo) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = load_yaml_file(path, root=repo.root)
    return data if isinstance(data, dict) else {}


def _defines(data: Any, keys: Sequence[str]) -> bool:
    """True when ``data`` sets ``keys`` or a prefix of it to a non-map (which replaces below)."""
    node = data
    for i, key in enumerate(keys):
        if not isinstance(node, dict):
            return i > 0
        if key not in node:
            return False
        node = node[key]
    return True


def blame(sources: Sequence[Source], keys: Sequence[str]) -> str:
    """The label of the highest-precedence source that sets ``keys``."""
    for source in reversed(sources):
        if _defines(source.data, keys):
            return source.label
    # Nobody sets it (a missing required key): name the lowest layer, the chart defaults.
    return sources[0].label if sources else "values"


def _chart_prefixes(repo: Repo, chart: Path | None) -> dict[str, list[str]]:
    if chart is not None and chart.resolve() != repo.stack_dir.resolve():
        meta = load_yaml_file(chart / "Chart.yaml", root=repo.root) or {}
        return {str(meta.get("name", chart.name)): []}
    meta = load_yaml_file(repo.stack_dir / "Chart.yaml", root=repo.root) or {}
    prefixes: dict[str, list[str]] = {str(meta.get("name", "stack")): []}
    for dep in repo.dependencies():
        prefixes[dep.chart] = [dep.name]
        prefixes[dep.name] = [dep.name]
    return prefixes


def schema_problems(repo: Repo, options: Options, message: str,
                    chart: Path | None = None) -> list[str]:
    """Turn helm's values-schema failure into ``file: key.path: reason`` lines."""
    prefixes = _chart_prefixes(repo, chart)
    sources = value_sources(repo, options, chart)
    problems: list[str] = []
    prefix: list[str] = []
    for raw in message.splitlines():
        line = raw.strip()
        chart_match = _CHART_LINE.match(line)
        if chart_match and not line.startswith("-"):
            prefix = prefixes.get(chart_match[1], [chart_match[1]])
            continue
        item = _ITEM_LINE.match(line)
        if not item:
            if problems and raw.startswith(" ") and line:
                problems[-1] += f" {line}"
            continue
        pointer, reason = item.groups()
        keys = prefix + [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/") if p]
        if reason.startswith(("additional properties", "missing propert")):
            for name in _NAMES.findall(reason.split(" not allowed")[0]):
                full = [*keys, name]
                what = "unknown key (not in values.schema.json)" if reason.startswith(
                    "additional") else "required key is missing"
                problems.append(f"{blame(sources, full)}: {'.'.join(full)}: {what}")
            continue
        problems.append(f"{blame(sources, keys)}: {'.'.join(keys) or '(top level)'}: {reason}")
    return problems


def explain_helm_error(repo: Repo, options: Options, exc: StackctlError,
                       chart: Path | None = None) -> StackctlError:
    """Helm's failure as a user-facing error naming file and key path (or template line)."""
    message = str(exc).strip()
    if _SCHEMA_HEAD in message:
        problems = schema_problems(repo, options, message, chart)
        if problems:
            return ValidationError(problems)
    at = _AT_TEMPLATE.match(message)
    if at:
        where = f"{source_path(repo, at['src'])}:{at['line']}"
        if at["col"]:
            where += f":{at['col']}"
        return ValidationError([f"{where}: {at['msg'].strip()}"])
    parse_error = _YAML_PARSE.match(message)
    if parse_error:
        return ValidationError(
            [f"{source_path(repo, parse_error['src'])}: rendered YAML is invalid: "
             f"{parse_error['msg'].strip()}"])
    return exc


@dataclass
class EnvResult:
    env: str
    objects: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    versions: list[str]
    results: list[EnvResult]

    @property
    def problems(self) -> list[str]:
        return [p for r in self.results for p in r.problems]


def _version_span(found: list[str], versions: Sequence[str]) -> str:
    if list(found) == list(versions) and len(versions) > 1:
        return f"Kubernetes {versions[0]}-{versions[-1]}"
    return "Kubernetes " + ", ".join(found)


def kube_problems(repo: Repo, rendered: dict[str, str], schemas: KubeSchemas) -> list[str]:
    """Strict-schema problems of each version's render, merged across versions."""
    versions = list(rendered)
    seen: dict[tuple[str, str, str], list[str]] = {}
    parsed: dict[str, list[Obj]] = {}  # renders for most versions are identical: parse once
    for version, text in rendered.items():
        if text not in parsed:
            parsed[text] = parse(text)
        for obj in parsed[text]:
            for path, reason in schemas.errors(obj.data, version):
                key = (source_path(repo, obj.source), f"{obj.ref}.{path}" if path else obj.ref,
                       reason)
                seen.setdefault(key, []).append(version)
    return [f"{file}: {keypath}: {reason} ({_version_span(found, versions)})"
            for (file, keypath, reason), found in seen.items()]


def _check_files(repo: Repo, options: Options, env_schema: Any) -> EnvResult:
    """The environment (and -f) files against the generated yamale schema."""
    result = EnvResult(options.env or "(no environment)")
    for path in value_files(repo, options):  # syntax errors and missing files raise here
        result.problems += envs.check_values_file(repo, path, env_schema)
    return result


def _check_renders(repo: Repo, options: Options, result: EnvResult, versions: Sequence[str],
                   outcomes: Sequence[str | HelmError], schemas: KubeSchemas) -> None:
    """Helm's verdict on the values, then the strict Kubernetes schemas on the objects."""
    rendered: dict[str, str] = {}
    # A key the file check already reported is not reported again in helm's words.
    reported = {p.split(": ", 2)[1] for p in result.problems if p.count(": ") >= 2}
    for version, outcome in zip(versions, outcomes, strict=True):
        if isinstance(outcome, HelmError):
            error = explain_helm_error(repo, options, outcome)
            problems = error.problems if isinstance(error, ValidationError) else [str(error)]
            result.problems += [p for p in problems if p not in result.problems
                                and not (p.count(": ") >= 2 and p.split(": ", 2)[1] in reported)]
            continue
        rendered[version] = outcome
    if rendered:
        result.objects = len(parse(next(iter(rendered.values()))))
        result.problems += kube_problems(repo, rendered, schemas)


def validate(repo: Repo, env_names: Sequence[str], options: Options,
             versions: Sequence[str]) -> Report:
    """Every check for each environment (with the user's -f/--set), all renders at once."""
    versions = [normalize(v) for v in versions]
    env_schema = envs.env_schema(repo)
    per_env = [replace(options, env=env) for env in env_names]
    results = [_check_files(repo, opts, env_schema) for opts in per_env]
    prepare(repo)
    arg_lists = [template_args(repo, opts, kube_version=f"{v}.0")
                 for opts in per_env for v in versions]
    outcomes = helm.template_many(arg_lists)
    schemas = shared_schemas()
    for index, (opts, result) in enumerate(zip(per_env, results, strict=True)):
        mine = outcomes[index * len(versions):(index + 1) * len(versions)]
        _check_renders(repo, opts, result, versions, mine, schemas)
    return Report(list(versions), results)
