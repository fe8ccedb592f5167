"""Command line: parse arguments, dispatch, turn errors into exit codes. Nothing else.

Exit codes: 0 ok (warnings allowed), 1 invalid input or failed check, 2 usage error,
130 interrupted, 141 stdout closed early (``stackctl render | head``; 128 + SIGPIPE, what
a shell reports for a program that SIGPIPE ends), 3 internal error (a bug in stackctl).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__, helm
from .errors import StackctlError, ValidationError
from .kubeschema import DEFAULT_VERSIONS
from .options import Options
from .problems import format_problem
from .repo import Repo, find_root

EXIT_BROKEN_PIPE = 141
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"stackctl: error: {message}\n")


def _helm_flags(p: argparse.ArgumentParser, *, env_multiple: bool = False) -> None:
    if env_multiple:
        p.add_argument("--env", action="append", default=[], metavar="ENV",
                       help="environment (charts/stack/environments/ENV.yaml); repeat to compare")
    else:
        p.add_argument("--env", metavar="ENV",
                       help="environment (charts/stack/environments/ENV.yaml)")
    p.add_argument("-f", "--values", action="append", default=[], type=Path, metavar="FILE",
                   help="extra values file, applied after the environment (repeatable)")
    p.add_argument("--set", action="append", default=[], dest="set_values", metavar="K=V",
                   help="set a value like helm --set (repeatable)")
    p.add_argument("--release", default="stack", help="release name (default: stack)")
    p.add_argument("-n", "--namespace", default="default", help="namespace (default: default)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stackctl",
        description="Render, validate and snapshot-test the ZooKeeper/Kafka Helm charts "
                    "(helm template underneath; flags mirror helm's).",
    )
    parser.add_argument("--version", action="version", version=f"stackctl {__version__}")
    parser.add_argument("--root", type=Path,
                        help="repository root (default: found upward from the current directory)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("render", help="print (or write) the stack's manifests")
    _helm_flags(p)
    p.add_argument("--kube-version", default=helm.DEFAULT_KUBE_VERSION,
                   help="Kubernetes version helm renders for "
                        f"(default: {helm.DEFAULT_KUBE_VERSION})")
    p.add_argument("--output-dir", type=Path, metavar="DIR",
                   help="write one file per object into DIR (atomically) instead of printing")
    p.add_argument("--show-invalid", action="store_true",
                   help="when the rendered output is not valid YAML, print it anyway "
                        "(then exit 1)")

    p = sub.add_parser("validate", help="check environment files, values and rendered objects")
    _helm_flags(p)
    p.add_argument("--all", action="store_true", help="every environment")
    p.add_argument("--kube-versions", default=",".join(DEFAULT_VERSIONS), metavar="LIST",
                   help="Kubernetes versions to validate against, e.g. 1.29,1.30 or 1.29-1.37 "
                        f"(default: {DEFAULT_VERSIONS[0]}-{DEFAULT_VERSIONS[-1]})")

    p = sub.add_parser("snapshot", help="compare renders with tests/snapshots/ (or --update)")
    p.add_argument("--update", action="store_true", help="rewrite the snapshot files")

    sub.add_parser("lint", help="helm lint --strict every chart, check environment files")

    p = sub.add_parser("diff", help="what differs between two environments")
    _helm_flags(p, env_multiple=True)
    p.add_argument("--kube-version", default=helm.DEFAULT_KUBE_VERSION)

    p = sub.add_parser("docs", help="regenerate the charts' README values tables")
    p.add_argument("--check", action="store_true", help="only report stale READMEs (exit 1)")

    sub.add_parser("deps", help="package the stack's file:// subcharts into charts/stack/charts/")
    p = sub.add_parser("package", help="every chart as an archive, plus index.yaml (a static "
                                       "chart repository)")
    p.add_argument("--output-dir", type=Path, default=Path("dist"), metavar="DIR",
                   help="where to write them, replaced as a whole (default: dist)")
    p.add_argument("--url", help="base URL the directory will be served from (index.yaml)")

    p = sub.add_parser("migrate", help="move a deployed release from ZooKeeper mode to KRaft, "
                                       "one checked helm upgrade per step (or back)")
    _helm_flags(p)
    p.add_argument("--chart", type=Path, metavar="DIR",
                   help="the chart the release was installed from (default: charts/stack)")
    p.add_argument("--to", metavar="STEP", choices=("controllers", "dual-write", "brokers",
                                                     "finalize", "remove-zookeeper", "kafka4"),
                   help="the last step to run (default: brokers, the last one with a way back)")
    p.add_argument("--rollback", action="store_true",
                   help="back to ZooKeeper mode (from any step before finalize)")
    p.add_argument("--status", action="store_true", help="print where the release stands")
    p.add_argument("--kafka4-tag", default="4.3.2", metavar="TAG",
                   help="image.tag of the kafka4 step (default: 4.3.2)")
    p.add_argument("--timeout", default="20m", help="each helm upgrade's --timeout (default 20m)")
    sub.add_parser("setup", help="find or install the pinned helm (checksum-verified)")
    sub.add_parser("schema", help="print the yamale schema generated for environment files")
    return parser


def _options(args: argparse.Namespace, env: str | None = None) -> Options:
    return Options(
        env=env if env is not None else args.env,
        value_files=tuple(args.values), set_values=tuple(args.set_values),
        release=args.release, namespace=args.namespace,
        kube_version=getattr(args, "kube_version", helm.DEFAULT_KUBE_VERSION),
    )


def _run(args: argparse.Namespace) -> int:
    from . import commands

    if args.command == "setup":
        return commands.setup()
    repo = Repo(find_root(override=args.root))
    handler: dict[str, Callable[[], int]] = {
        "render": lambda: commands.render(repo, _options(args), args.output_dir,
                                          show_invalid=args.show_invalid),
        "validate": lambda: commands.validate(repo, args, _options(args)),
        "snapshot": lambda: commands.snapshot(repo, update=args.update),
        "lint": lambda: commands.lint(repo),
        "diff": lambda: commands.diff(repo, args.env, _options(args, env="")),
        "docs": lambda: commands.docs(repo, check=args.check),
        "deps": lambda: commands.deps(repo),
        "package": lambda: commands.package(repo, args.output_dir, args.url),
        "schema": lambda: commands.schema(repo),
        "migrate": lambda: commands.migrate(repo, args),
    }
    return handler[args.command]()


def _log_internal_error(exc: BaseException) -> str:
    """Write the traceback where a bug report can pick it up; return where (or why not)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    log = Path(base) / "stackctl" / "internal-error.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(traceback.format_exception(exc)))
    except OSError as err:
        return f"could not write {log}: {err.strerror or err}"
    return f"the traceback is in {log}"


def _stdout_gone() -> int:
    """stdout's reader went away (``| head``): end quietly, as the Python docs advise."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()  # inside the try: a closed pipe surfaces here, not at exit
        return code
    except ValidationError as exc:
        for problem in exc.problems:
            print(format_problem(problem, exc.checked), file=sys.stderr)
        return exc.exit_code
    except StackctlError as exc:
        print(f"stackctl: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _stdout_gone()
    except Exception as exc:  # last resort: a bug, never a raw traceback
        where = _log_internal_error(exc)
        print(f"stackctl: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"stackctl: this is a bug in stackctl; {where}; please report it with the "
              "command you ran", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
