"""``stackctl validate``: every check for each environment, all renders at once.

The checks live where they belong; this module runs them and merges what they find:

1. the values files against the yamale schema generated from values.schema.json (envs),
2. helm's verdict on the merged values: its values-schema check and the charts' ``fail``
   messages (helmerrors), plus the charts' render-time warnings (chartmessages),
3. every rendered object against the strict Kubernetes schemas of each version and the
   API server's own rules (objcheck, kuberules),

plus the command line's own names (``--namespace``, ``--release``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import envs, helm, kuberules
from .chartmessages import warnings as chart_warnings
from .errors import HelmError, ValidationError
from .helmerrors import helm_problems
from .kubeschema import KubeSchemas, normalize, shared_schemas
from .manifests import Obj, parse
from .objcheck import rule_problems, schema_problems
from .options import Options
from .problems import Problem, dedupe, merge_versions
from .render import prepare, template_args
from .repo import Repo
from .sources import Source, value_files, value_sources


@dataclass
class EnvResult:
    env: str
    objects: int = 0
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True  # False when a values file could not be taken as helm takes it

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


@dataclass
class Report:
    versions: list[str]
    results: list[EnvResult]
    command_line: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.command_line + [p for r in self.results for p in r.problems]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def option_problems(options: Options) -> list[Problem]:
    """``--namespace`` and ``--release`` as the API server (and helm) would judge them."""
    found = []
    errs = kuberules.dns1123_label_problems(options.namespace)
    if errs:
        found.append(Problem(f"--namespace {options.namespace}", "", "; ".join(errs)))
    errs = kuberules.release_name_problems(options.release)
    if errs:
        found.append(Problem(f"--release {options.release}", "", "; ".join(errs)))
    return found


def _check_files(repo: Repo, options: Options, env_schema: Any) -> EnvResult:
    """The environment (and -f) files against the generated yamale schema."""
    result = EnvResult(options.env or "(no environment)")
    try:
        paths = value_files(repo, options)  # syntax errors and missing files raise here
    except ValidationError as exc:  # duplicate keys: report them with the other envs
        result.problems += exc.problems
        result.readable = False
        return result
    for path in paths:
        result.problems += envs.check_values_file(repo, path, env_schema)
    return result


def _check_renders(repo: Repo, options: Options, result: EnvResult, versions: Sequence[str],
                   outcomes: Sequence[str | HelmError], schemas: KubeSchemas) -> None:
    """Helm's verdict and warnings, then the Kubernetes checks of the rendered objects."""
    sources: list[Source] = value_sources(repo, options)
    reported = {p.key for p in result.problems}  # the file check said it in its words
    verdicts: dict[str, Sequence[Problem]] = {}
    warned: dict[str, Sequence[Problem]] = {}
    kube: dict[str, Sequence[Problem]] = {}
    rules: dict[str, Sequence[Problem]] = {}
    parsed: dict[str, list[Obj]] = {}  # renders for most versions are identical: parse once
    for version, outcome in zip(versions, outcomes, strict=True):
        if isinstance(outcome, HelmError):
            verdicts[version] = [p for p in helm_problems(repo, options, str(outcome),
                                                          sources=sources)
                                 if p.key not in reported or not p.key]
            continue
        if outcome not in parsed:
            parsed[outcome] = parse(outcome)
        objs = parsed[outcome]
        result.objects = len(objs)
        warned[version] = chart_warnings(outcome, sources)
        kube[version] = schema_problems(repo, objs, version, schemas)
        rules[version] = rule_problems(repo, objs, version, schemas, sources,
                                       reported_namespace=options.namespace)
    every = list(versions)  # a finding in only the versions that rendered says which
    result.problems += merge_versions(verdicts, checked=every)
    result.problems += merge_versions(kube, checked=every, always_show=True)
    result.problems += merge_versions(rules, checked=every)
    result.problems += merge_versions(warned, checked=every)
    result.problems[:] = dedupe(result.problems)


def validate(repo: Repo, env_names: Sequence[str], options: Options,
             versions: Sequence[str]) -> Report:
    """Every check for each environment (with the user's -f/--set), all renders at once."""
    versions = [normalize(v) for v in versions]
    env_schema = envs.env_schema(repo)
    per_env = [replace(options, env=env) for env in env_names]
    results = [_check_files(repo, opts, env_schema) for opts in per_env]
    report = Report(list(versions), results, option_problems(options))
    renderable = [(opts, result) for opts, result in zip(per_env, results, strict=True)
                  if result.readable]
    prepare(repo)
    arg_lists = [template_args(repo, opts, kube_version=f"{v}.0")
                 for opts, _ in renderable for v in versions]
    outcomes = helm.template_many(arg_lists)
    schemas = shared_schemas()
    for index, (opts, result) in enumerate(renderable):
        mine = outcomes[index * len(versions):(index + 1) * len(versions)]
        _check_renders(repo, opts, result, versions, mine, schemas)
    return report
