"""kubectl and helm, as subprocesses (the binaries stackctl resolved, see settings)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .settings import settings
from .waits import Waited, within


class CommandFailed(AssertionError):
    def __init__(self, argv: Sequence[str], proc: subprocess.CompletedProcess[str]) -> None:
        out = (proc.stderr.strip() or proc.stdout.strip())[-3000:]
        super().__init__(f"{' '.join(argv[:6])}{' …' if len(argv) > 6 else ''}: "
                         f"exit {proc.returncode}: {out}")
        self.proc = proc


def run(argv: Sequence[str], *, timeout: float = 120, check: bool = True,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          timeout=timeout, input=stdin)
    if check and proc.returncode != 0:
        raise CommandFailed([str(a) for a in argv], proc)
    return proc


def pod_ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in pod.get("status", {}).get("conditions", []))


@dataclass
class Kube:
    """kubectl bound to one namespace."""

    namespace: str

    @property
    def kubectl(self) -> str:
        return settings().kubectl

    def run(self, *args: str, timeout: float = 120, check: bool = True,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return run([self.kubectl, "-n", self.namespace, "--request-timeout", "60s", *args],
                   timeout=timeout, check=check, stdin=stdin)

    def out(self, *args: str, timeout: float = 120) -> str:
        return self.run(*args, timeout=timeout).stdout

    def get(self, kind: str, name: str) -> dict[str, Any]:
        return json.loads(self.out("get", kind, name, "-o", "json"))

    def get_or_none(self, kind: str, name: str) -> dict[str, Any] | None:
        proc = self.run("get", kind, name, "-o", "json", "--ignore-not-found", check=False)
        if proc.returncode != 0:
            raise CommandFailed(["kubectl", "get", kind, name], proc)
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def items(self, kind: str, selector: str | None = None) -> list[dict[str, Any]]:
        args = ["get", kind, "-o", "json"]
        if selector:
            args += ["-l", selector]
        return json.loads(self.out(*args))["items"]

    def exec(self, pod: str, container: str, script: str, timeout: float = 120) -> str:
        return self.out("exec", pod, "-c", container, "--", "bash", "-c", script,
                        timeout=timeout)

    def pod_ip(self, pod: str) -> str:
        ip = self.get("pod", pod).get("status", {}).get("podIP")
        assert ip, f"{pod} has no pod IP yet"
        return ip

    def delete_pod(self, pod: str) -> tuple[str, float]:
        """Delete ``pod`` without waiting; return its old uid and the monotonic time."""
        uid = self.get("pod", pod)["metadata"]["uid"]
        self.run("delete", "pod", pod, "--wait=false")
        return uid, time.monotonic()

    def wait_replaced_and_ready(self, pod: str, old_uid: str, bound: float,
                                since: float | None = None) -> Waited[dict[str, Any]]:
        def replaced() -> dict[str, Any] | None:
            obj = self.get_or_none("pod", pod)
            if obj and obj["metadata"]["uid"] != old_uid and pod_ready(obj):
                return obj
            return None

        return within(bound, f"{pod} replaced and Ready", replaced, since=since, interval=1)

    def statefulset_rolled(self, name: str, before: str) -> dict[str, Any] | None:
        """The StatefulSet when its update to a revision other than ``before`` is complete."""
        sts = self.get("statefulset", name)
        status = sts.get("status", {})
        replicas = sts["spec"]["replicas"]
        if (status.get("updateRevision") not in (None, before)
                and status.get("currentRevision") == status.get("updateRevision")
                and status.get("updatedReplicas") == replicas
                and status.get("readyReplicas") == replicas
                and status.get("observedGeneration") == sts["metadata"]["generation"]):
            return sts
        return None


@dataclass
class Helm:
    release: str
    namespace: str

    @property
    def binary(self) -> str:
        return settings().helm

    def run(self, *args: str, timeout: float = 1800, check: bool = True,
            log: str | None = None) -> subprocess.CompletedProcess[str]:
        """helm ARGS -n NAMESPACE; ``log`` names a file under the run's logs for the output."""
        argv = [self.binary, *args, "-n", self.namespace]
        proc = run(argv, timeout=timeout, check=False)
        if log:
            path = settings().logs / "helm" / log
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"$ {' '.join(argv)}\n# exit {proc.returncode}\n"
                            f"{proc.stdout}\n--- stderr\n{proc.stderr}")
        if check and proc.returncode != 0:
            raise CommandFailed(argv, proc)
        return proc

    def install(self, chart: Path | str, *values: str, wait: bool = True,
                timeout: str = "15m", log: str | None = None) -> float:
        """helm install; returns its wall time in seconds."""
        args = ["install", self.release, str(chart), "--create-namespace", *values]
        if wait:
            args += ["--wait=watcher", "--timeout", timeout]
        start = time.monotonic()
        self.run(*args, log=log)
        return time.monotonic() - start

    def upgrade(self, chart: Path | str, *values: str, wait: bool = True,
                timeout: str = "15m", log: str | None = None) -> float:
        args = ["upgrade", self.release, str(chart), *values]
        if wait:
            args += ["--wait=watcher", "--timeout", timeout]
        start = time.monotonic()
        self.run(*args, log=log)
        return time.monotonic() - start

    def history(self) -> list[dict[str, Any]]:
        return json.loads(self.run("history", self.release, "-o", "json").stdout)
