"""The body of each subcommand: call the modules, print results, return an exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import deps as deps_mod
from . import diff as diff_mod
from . import docs as docs_mod
from . import envs, helmbin
from . import lint as lint_mod
from . import package as package_mod
from . import snapshot as snapshot_mod
from . import validate as validate_mod
from .errors import RenderError, UsageError, ValidationError
from .kubeschema import parse_versions
from .manifests import parse
from .options import Options
from .problems import Problem, format_problem
from .render import render as render_chart
from .render import write_output_dir
from .repo import Repo


def print_problems(problems: list[Problem], checked: tuple[str, ...] | list[str] = ()) -> None:
    """Problems on stderr, one line each, in the order they were found."""
    for problem in problems:
        print(format_problem(problem, checked), file=sys.stderr)


def setup() -> int:
    path = helmbin.find_helm(install=True)
    print(f"helm {helmbin.helm_version(path)} at {path}")
    return 0


def deps(repo: Repo) -> int:
    """Every chart's file:// dependencies, so helm alone can install or lint any chart."""
    rebuilt = deps_mod.ensure_all(repo)
    state = "packaged" if rebuilt else "already current"
    print(f"{repo.rel(repo.stack_dir / 'charts')}: subcharts {state}")
    return 0


def package(repo: Repo, output_dir: Path, url: str | None) -> int:
    packaged = package_mod.package(repo, output_dir, url)
    for archive in packaged.archives:
        print(f"{output_dir / archive.name}")
    print(f"{output_dir / packaged.index.name}: {len(packaged.archives)} charts"
          + (f" served from {url}" if url else ""))
    return 0


def schema(repo: Repo) -> int:
    print(envs.yamale_schema_text(envs.combined_schema(repo)))
    return 0


def render(repo: Repo, options: Options, output_dir: Path | None, *,
           show_invalid: bool = False) -> int:
    try:
        rendered = render_chart(repo, options, show_invalid=show_invalid)
    except RenderError as exc:
        if show_invalid and exc.partial_output and output_dir is None:
            sys.stdout.write(exc.partial_output)
        raise
    print_problems(list(rendered.warnings))  # stderr: stdout stays helm's bytes
    if output_dir is None:
        sys.stdout.write(rendered.text)
        return 0
    written = write_output_dir(parse(rendered.text), output_dir)
    print(f"{output_dir}: {len(written)} objects written")
    return 0


def validate(repo: Repo, args: argparse.Namespace, options: Options) -> int:
    if args.all and args.env:
        raise UsageError("--env and --all exclude each other")
    if not args.all and not args.env:
        raise UsageError("give --env ENV or --all")
    names = repo.environments() if args.all else [args.env]
    if not names:
        raise UsageError(f"{repo.rel(repo.env_dir)}: no environment files")
    versions = parse_versions(args.kube_versions)
    report = validate_mod.validate(repo, names, options, versions)
    span = f"{versions[0]}-{versions[-1]}" if len(versions) > 1 else versions[0]
    shared = len([p for p in report.command_line if p.is_error])  # --namespace, --release
    for result in report.results:
        errors, warnings = len(result.errors) + shared, len(result.warnings)
        status = f"{errors} problem(s)" if errors else "OK"
        if warnings:
            status += f", {warnings} warning(s)" if errors else f" ({warnings} warning(s))"
        print(f"{result.env}: {result.objects} objects rendered, validated against "
              f"Kubernetes {span} ({len(versions)} versions): {status}")
    print_problems(report.problems, report.versions)
    return 1 if report.errors else 0


def snapshot(repo: Repo, *, update: bool) -> int:
    if update:
        changed = snapshot_mod.update(repo)
        for line in changed:
            print(f"updated {line}")
        print(f"{len(changed)} snapshot file(s) changed; review them with git diff")
        return 0
    failed = 0
    chosen = snapshot_mod.cases(repo)
    for case, actual in zip(chosen, snapshot_mod.render_cases(repo, chosen), strict=True):
        text = snapshot_mod.diff(repo, case, actual)
        if text:
            failed += 1
            sys.stdout.write(text)
    for path in snapshot_mod.orphans(repo):
        failed += 1
        print(f"{repo.rel(path)}: no environment or chart produces this snapshot any more")
    if failed:
        print(f"{failed} snapshot(s) differ; if intended: stackctl snapshot --update",
              file=sys.stderr)
        return 1
    print(f"{len(snapshot_mod.cases(repo))} snapshots match")
    return 0


def lint(repo: Repo) -> int:
    report = lint_mod.lint(repo)
    for line in report.checked:
        print(f"checked: {line}")
    if report.problems:
        raise ValidationError(report.problems)
    return 0


def diff(repo: Repo, env_names: list[str], options: Options) -> int:
    if len(env_names) != 2:
        raise UsageError("diff needs exactly two --env flags, e.g. --env staging --env prod")
    left, right = env_names
    print(f"# values ({repo.rel(repo.env_file(left))} -> {repo.rel(repo.env_file(right))})")
    for line in diff_mod.values_diff(repo, left, right):
        print(line)
    print("# rendered objects")
    sys.stdout.write(diff_mod.objects_diff(repo, left, right, options))
    return 0


def docs(repo: Repo, *, check: bool) -> int:
    changed = docs_mod.update(repo, check=check)
    if check and changed:
        raise ValidationError([Problem(str(path), "", "values table is stale; run stackctl docs")
                               for path in changed])
    for path in changed:
        print(f"updated {path}")
    if not changed:
        print(f"{len(docs_mod.managed_readmes(repo))} README(s) current")
    return 0


def migrate(repo: Repo, args: argparse.Namespace) -> int:
    """The ZooKeeper-to-KRaft migration of a deployed release (stackctl/migrate.py)."""
    from . import migrate as migrate_mod

    if sum([args.rollback, args.status, args.to is not None]) > 1:
        raise UsageError("--to, --rollback and --status exclude each other")
    chart = args.chart or repo.stack_dir
    if not (chart / "Chart.yaml").is_file():
        raise UsageError(f"--chart {chart}: no Chart.yaml there")
    files = ([repo.env_file(args.env)] if args.env else []) + list(args.values)
    for path in files:
        if not path.is_file():
            raise UsageError(f"{path}: no such values file")
    if not args.status:
        deps_mod.ensure_all(repo)
    release = migrate_mod.Release(name=args.release, namespace=args.namespace, chart=chart,
                                  value_files=tuple(files), set_values=tuple(args.set_values),
                                  timeout=args.timeout)
    cluster = migrate_mod.Cluster(release, say=lambda line: print(line, flush=True))
    return migrate_mod.command(cluster, to=args.to, do_rollback=args.rollback,
                               show=args.status, kafka4_tag=args.kafka4_tag)
