"""Pod Security Standards checks with Kubernetes' own rules (tools/psa).

tools/psa is a small Go program around k8s.io/pod-security-admission/policy, the package
the PodSecurity admission plugin evaluates pods with. It is built once per source hash
and Go version into ``$XDG_CACHE_HOME/stackctl/psa-<hash>`` (``~/.cache`` by default);
every later call reuses that binary. One call evaluates a whole batch of objects.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
PSA_SRC = REPO / "tools" / "psa"
LEVELS = ("restricted", "baseline")

# The kinds (and API groups) whose pods the admission plugin checks; tools/psa reports
# every one of them, so a count mismatch means an object was silently not evaluated.
POD_KINDS = frozenset({"Pod", "PodTemplate", "ReplicationController", "ReplicaSet",
                       "Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob"})
POD_GROUPS = frozenset({"", "apps", "batch", "extensions"})

build_seconds: float | None = None  # set when this process built the binary

# -buildvcs=false: the binary must not depend on (or need git to read) the checkout state.
BUILD_ENV = {"GOFLAGS": "-mod=mod -buildvcs=false", "GOTOOLCHAIN": "local"}
BUILD_ARGS = ("build", "-trimpath", "-ldflags=-s -w")


class PsaUnavailable(Exception):
    """Go is missing or tools/psa does not build; the message says which and why."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def module_version() -> str:
    """The k8s.io/pod-security-admission version pinned in tools/psa/go.mod."""
    match = re.search(r"^\s*k8s\.io/pod-security-admission (v\S+)",
                      (PSA_SRC / "go.mod").read_text(), re.MULTILINE)
    assert match, "tools/psa/go.mod does not require k8s.io/pod-security-admission"
    return match.group(1)


def _go_env() -> dict[str, str]:
    return {**os.environ, **BUILD_ENV}


def source_key(go: str) -> str:
    """Hash of the build's inputs: sources, go.mod/go.sum, Go version, flags."""
    try:
        toolchain = subprocess.run(
            [go, "env", "GOVERSION", "GOOS", "GOARCH"], capture_output=True, text=True,
            timeout=60, check=True, env=_go_env(), cwd=PSA_SRC,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise PsaUnavailable(f"cannot run {go}: {exc}") from exc
    digest = hashlib.sha256(json.dumps([toolchain, BUILD_ENV, BUILD_ARGS]).encode())
    for path in sorted(PSA_SRC.iterdir()):
        if path.is_file() and (path.suffix == ".go" or path.name in ("go.mod", "go.sum")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stackctl"


def remembered(build: Callable[[], Path],
               unavailable: type[Exception]) -> Callable[[], Path]:
    """``build`` called once per process: later calls return its path or raise its
    ``unavailable`` error again (one build attempt per run). Shared with tests/promtool.py."""
    @functools.cache
    def outcome() -> Path | Exception:
        try:
            return build()
        except unavailable as exc:
            return exc

    def binary() -> Path:
        result = outcome()
        if isinstance(result, Exception):
            raise result
        return result
    return binary


def required(binary: Callable[[], Path], unavailable: type[Exception], what: str) -> Path:
    """``binary()`` for a test: a test failure in CI (where Go is), a skip elsewhere."""
    try:
        return binary()
    except unavailable as exc:
        if in_ci():
            pytest.fail(f"{what} cannot run in CI: {exc}", pytrace=False)
        pytest.skip(f"{what} skipped: {exc}")


def binary() -> Path:
    """Path of the built tools/psa, building it on first use; raises PsaUnavailable."""
    return _binary()


def _build_or_raise() -> Path:
    go = shutil.which("go")
    if go is None:
        raise PsaUnavailable("go not found on PATH (tools/psa needs Go >= 1.26)")
    return built_once(cache_dir() / f"psa-{source_key(go)}", lambda t: _go_build(go, t))


def built_once(target: Path, build: Callable[[Path], Path]) -> Path:
    """``target`` when it is there, else ``build(target)`` under ``target``'s lock file:
    pytest-xdist workers (and parallel sessions) build once, the others wait, then reuse."""
    if os.access(target, os.X_OK):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f"{target.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.access(target, os.X_OK):
            return target
        return build(target)


_binary = remembered(_build_or_raise, PsaUnavailable)


def _go_build(go: str, target: Path) -> Path:
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [go, *BUILD_ARGS, "-o", str(partial), "."],
            cwd=PSA_SRC, env=_go_env(), capture_output=True, text=True, timeout=1800,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        partial.unlink(missing_ok=True)
        raise PsaUnavailable(f"building tools/psa failed: {exc}") from exc
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        raise PsaUnavailable(
            f"building tools/psa failed (go build exit {proc.returncode}, "
            f"{' '.join(f'{k}={v}' for k, v in BUILD_ENV.items())}):\n"
            f"{proc.stderr.strip()[-2000:]}")
    os.replace(partial, target)  # atomic: a concurrent build of the same key is harmless
    global build_seconds
    build_seconds = time.monotonic() - started
    return target


def has_pod_spec(obj: dict[str, Any]) -> bool:
    group = obj.get("apiVersion", "").rpartition("/")[0]
    return obj.get("kind") in POD_KINDS and group in POD_GROUPS


@dataclass(frozen=True)
class Verdict:
    """One pod-bearing object at one level and policy version."""

    index: int
    kind: str
    name: str
    level: str
    version: str
    allowed: bool
    forbidden: tuple[tuple[str, str], ...]  # (reason, detail) in the policy's order
    message: str
    warnings: tuple[str, ...]

    @property
    def object(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def reasons(self) -> list[str]:
        return [reason for reason, _ in self.forbidden]


@dataclass(frozen=True)
class Report:
    policy: str  # module@version that evaluated
    objects: int
    pods: int
    verdicts: tuple[Verdict, ...]

    def at(self, level: str, version: str = "latest") -> list[Verdict]:
        return [v for v in self.verdicts if v.level == level and v.version == _norm(version)]

    def violations(self, level: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.level == level and not v.allowed]


def _norm(version: str) -> str:
    return version if version == "latest" or version.startswith("v") else f"v{version}"


def evaluate(objs: Sequence[dict[str, Any]], *, levels: Iterable[str] = LEVELS,
             versions: Iterable[str] = ("latest",)) -> Report:
    """Evaluate every pod in ``objs`` (one tools/psa call) at each level and version."""
    proc = subprocess.run(
        [str(binary()), "-level", ",".join(levels), "-version", ",".join(versions)],
        input=json.dumps(list(objs)), capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0:
        raise ValueError(f"tools/psa rejected its input (exit {proc.returncode}): "
                         f"{proc.stderr.strip()}")
    data = json.loads(proc.stdout)
    verdicts = tuple(
        Verdict(index=r["index"], kind=r["kind"], name=r["name"], level=r["level"],
                version=r["version"], allowed=r["allowed"],
                forbidden=tuple((f["reason"], f["detail"]) for f in r["forbidden"]),
                message=r.get("message", ""), warnings=tuple(r.get("warnings", ())))
        for r in data["results"])
    return Report(policy=data["policy"], objects=data["objects"], pods=data["pods"],
                  verdicts=verdicts)


def describe(verdicts: Iterable[Verdict], checked_versions: Sequence[str] = ()) -> str:
    """One line per object and message, with the policy versions it applies to."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for v in verdicts:
        text = v.message.split('": ', 1)[-1]  # drop the 'violates PodSecurity "x:y"' prefix
        grouped.setdefault((v.object, f"{v.level}: {text}"), []).append(v.version)
    every = {_norm(v) for v in checked_versions}
    return "\n".join(
        f"  {obj} violates {text} "
        f"[{'every policy version checked' if every and set(vers) == every else ', '.join(vers)}]"
        for (obj, text), vers in grouped.items())
