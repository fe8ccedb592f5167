"""Keep what a failure needs to be understood, before the cluster is torn down.

For every namespace of the cluster (all of them are this run's: the cluster is created
per run) except the empty system ones, under ``OUT/<namespace>/``:

  get-all.txt            kubectl get all,pvc,pdb -o wide
  events.txt             kubectl get events --sort-by=.metadata.creationTimestamp
  describe-pods.txt      kubectl describe pods
  describe-statefulsets.txt, describe-pvc.txt
  pods.yaml              kubectl get pods -o yaml (full status of every container)
  logs/<pod>/<container>.log            current logs of every container, init containers
  logs/<pod>/<container>.previous.log   included, and --previous wherever one exists
  logs/<pod>/index.txt   each container, its restart count and what was kept

and under ``OUT/_cluster/``: nodes (describe), PVs, namespaces, the API server's /readyz.
Namespace names cannot contain "_", so ``_cluster`` never clashes with one.

Every kubectl call is bounded (--request-timeout and a process timeout): collecting never
hangs a failed run, and a call that fails leaves its error in the file instead.

    python -m stack_e2e.diagnostics OUT_DIR      (e2e/run.sh, on any failure)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from .settings import settings

SKIP_NAMESPACES = {"kube-node-lease", "kube-public"}


def _kubectl(*args: str, timeout: float = 60) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of a bounded kubectl call; never raises."""
    argv = [settings().kubectl, "--request-timeout", "30s", *args]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout:g} s"
    except OSError as exc:
        return 127, "", str(exc)
    return proc.returncode, proc.stdout, proc.stderr


def _text(rc: int, stdout: str, stderr: str) -> str:
    tail = f"\n# exit {rc}" if rc else ""
    return stdout + (f"\n# stderr:\n{stderr}" if stderr.strip() else "") + tail


def _save(path: Path, *args: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    rc, stdout, stderr = _kubectl(*args)
    path.write_text(f"$ kubectl {' '.join(args)}\n{_text(rc, stdout, stderr)}")
    return rc


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def collect_namespace(out: Path, ns: str) -> None:
    d = out / ns
    _save(d / "get-all.txt", "get", "all,pvc,pdb,cm", "-o", "wide", "-n", ns)
    _save(d / "events.txt", "get", "events", "-n", ns, "-o", "wide",
          "--sort-by=.metadata.creationTimestamp")
    _save(d / "describe-pods.txt", "describe", "pods", "-n", ns)
    _save(d / "describe-statefulsets.txt", "describe", "statefulsets", "-n", ns)
    _save(d / "describe-pvc.txt", "describe", "pvc", "-n", ns)
    rc, stdout, stderr = _kubectl("get", "pods", "-n", ns, "-o", "json")
    if rc:
        (d / "pods.yaml").write_text(_text(rc, stdout, stderr))
        return
    pods = json.loads(stdout)
    (d / "pods.yaml").write_text(yaml.safe_dump(pods, sort_keys=False))
    for pod in pods["items"]:
        _collect_pod_logs(d / "logs", ns, pod)


def _collect_pod_logs(base: Path, ns: str, pod: dict[str, Any]) -> None:
    name = pod["metadata"]["name"]
    d = base / _safe(name)
    d.mkdir(parents=True, exist_ok=True)
    statuses = {s["name"]: s for kind in ("initContainerStatuses", "containerStatuses",
                                         "ephemeralContainerStatuses")
                for s in pod.get("status", {}).get(kind, []) or []}
    index = [f"pod {name} phase={pod.get('status', {}).get('phase')}"]
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for container in pod.get("spec", {}).get(kind, []) or []:
            cname = container["name"]
            status = statuses.get(cname, {})
            restarts = status.get("restartCount", 0)
            kept = []
            rc, stdout, stderr = _kubectl("logs", "-n", ns, name, "-c", cname, "--timestamps")
            (d / f"{_safe(cname)}.log").write_text(_text(rc, stdout, stderr))
            kept.append("current" if rc == 0 else f"current failed (exit {rc})")
            rc, stdout, stderr = _kubectl("logs", "-n", ns, name, "-c", cname, "--previous",
                                          "--timestamps")
            if rc == 0:
                (d / f"{_safe(cname)}.previous.log").write_text(stdout)
                kept.append("previous")
            else:
                kept.append("no previous instance")
            index.append(f"{kind[:-1]} {cname}: restarts={restarts}, kept {', '.join(kept)}"
                         f"; state={json.dumps(status.get('state', {}))}"
                         f"; lastState={json.dumps(status.get('lastState', {}))}")
    (d / "index.txt").write_text("\n".join(index) + "\n")


def collect(out: Path) -> list[str]:
    """Collect everything under ``out``; returns the namespaces covered."""
    out.mkdir(parents=True, exist_ok=True)
    c = out / "_cluster"
    _save(c / "readyz.txt", "get", "--raw", "/readyz?verbose")
    _save(c / "nodes.txt", "describe", "nodes")
    _save(c / "pv.txt", "get", "pv", "-o", "wide")
    rc, stdout, stderr = _kubectl("get", "namespaces", "-o",
                                  "jsonpath={.items[*].metadata.name}")
    (c / "namespaces.txt").write_text(_text(rc, stdout, stderr))
    if rc != 0:
        return []
    namespaces = [ns for ns in stdout.split() if ns not in SKIP_NAMESPACES]
    for ns in namespaces:
        collect_namespace(out, ns)
    return namespaces


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m stack_e2e.diagnostics OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    namespaces = collect(out)
    print(f"diagnostics of {len(namespaces)} namespace(s) ({', '.join(namespaces) or 'none'}) "
          f"kept in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
