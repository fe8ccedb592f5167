"""Behaviour checks against a live cluster (run by e2e/run.sh, not by `make test`).

The driver exports KUBECONFIG, E2E_NAMESPACE, E2E_RELEASE, E2E_VALUES (os.pathsep-separated
values files used for the install) and E2E_DNS (the cluster DNS server, host:port). The
host reaches pod IPs directly (the pods sit on this node's bridge); names under the
cluster domain are resolved through the cluster DNS so Kafka's advertised listeners work
from the test process exactly as they do from a pod.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

from stackctl import helm  # noqa: E402
from stackctl.helmbin import find_kubectl  # noqa: E402


def _cluster_resolver() -> None:
    """Resolve *.cluster.local through the cluster DNS; everything else as before."""
    import dns.resolver

    server = os.environ.get("E2E_DNS", "")
    if not server:
        return
    host, _, port = server.partition(":")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = int(port or 53)
    original = socket.getaddrinfo

    def getaddrinfo(name: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(name, str) and name.rstrip(".").endswith(".cluster.local"):
            answer = resolver.resolve(name, "A", lifetime=5)
            return original(answer[0].to_text(), *args, **kwargs)
        return original(name, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


_cluster_resolver()


@dataclass
class Cluster:
    namespace: str
    release: str
    values: list[Path]
    kubectl: str = field(default_factory=lambda: str(find_kubectl()))

    # --- kubectl -------------------------------------------------------------------------
    def kubectl_run(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        proc = subprocess.run(
            [self.kubectl, "-n", self.namespace, *args],
            capture_output=True, text=True, timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def get(self, kind: str, name: str) -> dict[str, Any]:
        return json.loads(self.kubectl_run("get", kind, name, "-o", "json"))

    def exec(self, pod: str, container: str, script: str, timeout: float = 120) -> str:
        return self.kubectl_run("exec", pod, "-c", container, "--", "bash", "-c", script,
                                timeout=timeout)

    def pod_uid(self, pod: str) -> str:
        return self.get("pod", pod)["metadata"]["uid"]

    def wait_ready(self, kind: str, name: str, timeout: float = 600) -> None:
        self.kubectl_run("rollout", "status", f"{kind}/{name}", f"--timeout={int(timeout)}s",
                         timeout=timeout + 30)

    def delete_pod(self, pod: str) -> str:
        """Delete ``pod`` without waiting; return its old uid."""
        uid = self.pod_uid(pod)
        self.kubectl_run("delete", "pod", pod, "--wait=false")
        return uid

    def wait_replaced_and_ready(self, pod: str, old_uid: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                obj = self.get("pod", pod)
            except AssertionError:
                time.sleep(2)
                continue
            ready = any(c["type"] == "Ready" and c["status"] == "True"
                        for c in obj.get("status", {}).get("conditions", []))
            if obj["metadata"]["uid"] != old_uid and ready:
                return
            time.sleep(2)
        raise AssertionError(f"{pod} was not replaced and Ready within {timeout}s")

    # --- helm ----------------------------------------------------------------------------
    def upgrade(self, *set_values: str, timeout: str = "15m") -> None:
        args = ["upgrade", self.release, str(REPO / "charts" / "stack"), "-n", self.namespace,
                "--reuse-values", "--wait", "--timeout", timeout]
        for item in set_values:
            args += ["--set", item]
        helm.run_helm(args)

    # --- names (the charts' defaults for this release) --------------------------------------
    @property
    def zk(self) -> str:
        return f"{self.release}-zookeeper"

    @property
    def kafka(self) -> str:
        return f"{self.release}-kafka"

    def kafka_bootstrap(self, replicas: int) -> list[str]:
        domain = "svc.cluster.local"
        return [f"{self.kafka}-{i}.{self.kafka}-headless.{self.namespace}.{domain}:9092"
                for i in range(replicas)]


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    missing = [v for v in ("KUBECONFIG", "E2E_NAMESPACE", "E2E_RELEASE") if not os.environ.get(v)]
    if missing:
        pytest.exit(f"e2e checks need {', '.join(missing)} (run them through e2e/run.sh)", 2)
    values = [Path(p) for p in os.environ.get("E2E_VALUES", "").split(os.pathsep) if p]
    return Cluster(os.environ["E2E_NAMESPACE"], os.environ["E2E_RELEASE"], values)


def poll(check: Callable[[], bool], timeout: float, interval: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def background() -> Iterator[Callable[[Callable[[], None]], None]]:
    """Start functions in threads; join them at teardown."""
    import threading

    threads: list[threading.Thread] = []

    def start(fn: Callable[[], None]) -> None:
        thread = threading.Thread(target=fn, daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    for thread in threads:
        thread.join(timeout=120)
