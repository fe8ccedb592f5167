"""The prometheus-operator CRD schemas (ServiceMonitor, PodMonitor, PrometheusRule), for
validating what the charts render with metrics on.

The Kubernetes schemas render_chart checks against know no custom resources, so the
monitoring.coreos.com objects are checked here against the openAPIV3Schema of the real
CRDs, the files example/prometheus-operator-crd/monitoring.coreos.com_*.yaml of the
prometheus-operator Go module at a pinned version, fetched with ``go mod download`` (the
Go module proxy) once and kept as JSON in ``$XDG_CACHE_HOME/stackctl/``
(``~/.cache`` by default), like tests/pss.py keeps tools/psa.

Stricter than the API server in one way, on purpose: a field the schema does not declare
is an error here, where the API server would silently prune it (a setting the chart
renders that then does nothing).
"""

from __future__ import annotations

import copy
import fcntl
import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import yaml

MODULE = "github.com/prometheus-operator/prometheus-operator"
VERSION = "v0.85.0"
GROUP = "monitoring.coreos.com"
FILES = {"ServiceMonitor": "servicemonitors", "PodMonitor": "podmonitors",
         "PrometheusRule": "prometheusrules"}


class CrdsUnavailable(Exception):
    """Go is missing or the module cannot be fetched; the message says which and why."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stackctl" / f"prometheus-operator-crds-{VERSION}"


def is_monitoring(obj: dict[str, Any]) -> bool:
    return str(obj.get("apiVersion", "")).startswith(f"{GROUP}/")


@functools.cache
def schemas() -> dict[str, dict[str, Any]]:
    """kind -> the v1 openAPIV3Schema of its CRD, fetched and cached on first use."""
    target = cache_dir()
    if not all((target / f"{kind}.json").is_file() for kind in FILES):
        target.mkdir(parents=True, exist_ok=True)
        # pytest-xdist workers fetch once: the others wait, then read the cache.
        with open(target / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not all((target / f"{kind}.json").is_file() for kind in FILES):
                _fetch(target)
    return {kind: json.loads((target / f"{kind}.json").read_text()) for kind in FILES}


def module_dir(cwd: Path | None = None) -> Path:
    """The prometheus-operator module's directory in the Go module cache (downloaded once
    through the module proxy; e2e/stack_e2e/monitoring.py installs its CRD files)."""
    go = shutil.which("go")
    if go is None:
        raise CrdsUnavailable(f"go not found on PATH (needed once to fetch {MODULE}@{VERSION})")
    try:
        proc = subprocess.run([go, "mod", "download", "-json", f"{MODULE}@{VERSION}"],
                              capture_output=True, text=True, timeout=900, cwd=cwd)
    except (OSError, subprocess.SubprocessError) as exc:
        raise CrdsUnavailable(f"go mod download {MODULE}@{VERSION} failed: {exc}") from exc
    if proc.returncode != 0:
        raise CrdsUnavailable(f"go mod download {MODULE}@{VERSION} failed "
                              f"(exit {proc.returncode}): {(proc.stdout + proc.stderr)[-2000:]}")
    return Path(json.loads(proc.stdout)["Dir"])


def crd_path(module: Path, kind: str) -> Path:
    return module / "example" / "prometheus-operator-crd" / f"{GROUP}_{FILES[kind]}.yaml"


def _fetch(target: Path) -> None:
    module = module_dir(cwd=target)
    for kind in FILES:
        path = crd_path(module, kind)
        crd = yaml.safe_load(path.read_text())
        assert crd["spec"]["names"]["kind"] == kind, f"{path}: not the {kind} CRD"
        (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
        partial = target / f"{kind}.json.partial-{os.getpid()}"
        partial.write_text(json.dumps(version["schema"]["openAPIV3Schema"]))
        os.replace(partial, target / f"{kind}.json")


def _closed(schema: Any) -> Any:
    """The schema with additionalProperties false on every object that declares its
    properties and does not keep unknown fields (what the API server prunes)."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _closed(v) for k, v in schema.items()}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


@functools.cache
def _validator(kind: str) -> Any:
    schema = _closed(copy.deepcopy(schemas()[kind]))
    # metadata is the API server's ObjectMeta (the CRD declares only "type: object").
    return jsonschema.Draft7Validator(schema)


def errors(obj: dict[str, Any]) -> list[str]:
    """'<path>: <reason>' for every violation of the CRD schema of ``obj``'s kind."""
    kind = str(obj.get("kind", ""))
    if obj.get("apiVersion") != f"{GROUP}/v1" or kind not in FILES:
        return [f"{obj.get('apiVersion')} {kind}: not a kind of {GROUP}/v1 this module knows"]
    found = []
    for error in _validator(kind).iter_errors(obj):
        path = ".".join(str(p) for p in error.absolute_path)
        found.append(f"{kind}/{obj.get('metadata', {}).get('name')}: {path}: {error.message}")
    return sorted(found)
