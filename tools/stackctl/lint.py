"""``helm lint --strict`` of every chart (the stack once per environment) + environment files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import deps, envs, helm
from .errors import PackagingError, StackctlError, ValidationError
from .problems import Problem
from .repo import Repo


@dataclass
class LintReport:
    checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _helm_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines()
            if line.strip().startswith(("[ERROR]", "[WARNING]"))]


def lint(repo: Repo) -> LintReport:
    report = LintReport()
    try:
        deps.ensure_all(repo)  # helm lint checks each chart's own charts/ too
    except PackagingError as exc:
        report.problems.append(Problem(exc.chart, "", exc.reason))
    schema = envs.env_schema(repo)
    for chart in repo.charts():
        runs: list[list[Path]] = [[]]
        if chart.resolve() == repo.stack_dir.resolve():
            runs = [[repo.env_file(env)] for env in repo.environments()] or [[]]
        for files in runs:
            label = repo.rel(chart) + (f" -f {repo.rel(files[0])}" if files else "")
            report.checked.append(f"helm lint --strict {label}")
            result = helm.lint(chart, files, strict=True)
            if result.returncode != 0:
                lines = _helm_lines(result.stdout) or [result.stderr.strip() or "lint failed"]
                report.problems += [Problem(repo.rel(chart), "", line + (
                    f" (with {repo.rel(files[0])})" if files else "")) for line in lines]
    for env in repo.environments():
        path = repo.env_file(env)
        report.checked.append(f"schema {repo.rel(path)}")
        try:
            report.problems += envs.check_values_file(repo, path, schema)
        except ValidationError as exc:
            report.problems += exc.problems
        except StackctlError as exc:
            report.problems.append(Problem(repo.rel(path), "", str(exc)))
    return report
