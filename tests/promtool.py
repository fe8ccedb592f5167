"""promtool, Prometheus' own rule checker and unit-test runner, built from its Go module.

``go install github.com/prometheus/prometheus/cmd/promtool@VERSION`` (the Go module proxy
serves it) builds it once per version and Go toolchain into
``$XDG_CACHE_HOME/stackctl/promtool-<version>-<go version>`` (``~/.cache`` by default),
under a lock so that pytest-xdist workers build it once; every later call reuses that
binary (about 4 minutes cold with a warm module cache, nothing after).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pss import built_once, cache_dir, remembered

VERSION = "v0.316.0"
MODULE = "github.com/prometheus/prometheus/cmd/promtool"
BUILD_ENV = {"GOFLAGS": "-buildvcs=false", "GOTOOLCHAIN": "local"}

build_seconds: float | None = None  # set when this process built the binary

class PromtoolUnavailable(Exception):
    """Go is missing or promtool does not build; the message says which and why."""


def binary() -> Path:
    """Path of the built promtool, building it on first use; raises PromtoolUnavailable."""
    return _binary()


def _go_version(go: str) -> str:
    try:
        return subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True,
                              timeout=60, check=True, env={**os.environ, **BUILD_ENV}
                              ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise PromtoolUnavailable(f"cannot run {go}: {exc}") from exc


def _build_or_raise() -> Path:
    go = shutil.which("go")
    if go is None:
        raise PromtoolUnavailable(
            f"go not found on PATH (the promtool tests build {MODULE}@{VERSION})")
    return built_once(cache_dir() / f"promtool-{VERSION}-{_go_version(go)}",
                      lambda t: _go_install(go, t))


_binary = remembered(_build_or_raise, PromtoolUnavailable)


def _go_install(go: str, target: Path) -> Path:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix="promtool-build-") as gobin:
        try:
            proc = subprocess.run(
                [go, "install", "-trimpath", "-ldflags=-s -w", f"{MODULE}@{VERSION}"],
                env={**os.environ, **BUILD_ENV, "GOBIN": gobin}, cwd=gobin,
                capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PromtoolUnavailable(f"building promtool failed: {exc}") from exc
        if proc.returncode != 0:
            raise PromtoolUnavailable(
                f"building {MODULE}@{VERSION} failed (go install exit {proc.returncode}):\n"
                f"{proc.stderr.strip()[-2000:]}")
        os.replace(Path(gobin) / "promtool", target)  # atomic, same file system
    global build_seconds
    build_seconds = time.monotonic() - started
    return target
