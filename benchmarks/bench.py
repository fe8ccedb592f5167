"""One-run benchmark (not a timed test): stackctl validate --all against the same renders
done by raw ``helm template``, and the wall time of the default test suite.

    .venv/bin/python benchmarks/bench.py [--skip-tests]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from stackctl import deps, helm  # noqa: E402
from stackctl.kubeschema import DEFAULT_VERSIONS  # noqa: E402
from stackctl.repo import Repo  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    args = parser.parse_args()
    repo = Repo(ROOT)
    deps.ensure(repo)  # both sides start from packaged subcharts
    envs = repo.environments()
    stackctl = [sys.executable, "-m", "stackctl.cli"]

    ours, rc = timed([*stackctl, "validate", "--all"])
    if rc != 0:
        print(f"stackctl validate --all failed (exit {rc}); figures are not meaningful")

    # The same renders, one helm process each: every environment x every Kubernetes version.
    helm_bin = str(helm.executable())
    start = time.perf_counter()
    for env in envs:
        for version in DEFAULT_VERSIONS:
            subprocess.run([helm_bin, *helm.template_args(
                repo.stack_dir, value_files=[repo.env_file(env)], kube_version=f"{version}.0")],
                cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    raw = time.perf_counter() - start
    renders = len(envs) * len(DEFAULT_VERSIONS)

    print(f"stackctl validate --all: {ours:.2f} s ({len(envs)} environments x "
          f"{len(DEFAULT_VERSIONS)} Kubernetes versions, render + schema checks)")
    print(f"raw helm template, same {renders} renders sequentially: {raw:.2f} s")
    print(f"ratio stackctl / raw helm: {ours / raw:.2f}")
    if not args.skip_tests:
        suite, rc = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        print(f"default test suite (pytest -q): {suite:.2f} s (exit {rc})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
