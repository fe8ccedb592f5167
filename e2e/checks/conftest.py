"""Behaviour checks against the live staging release (run by e2e/run.sh, not by make test).

Besides the settings of stack_e2e.settings, the driver exports:

E2E_NAMESPACE, E2E_RELEASE   where the release runs
E2E_ZK_NAME, E2E_ZK_HEADLESS, E2E_KAFKA_NAME, E2E_KAFKA_HEADLESS
                             the object names it was installed with (the driver installs it
                             with the seed's names: zk, zk-svc, kafka, kafka-svc; nothing
                             here derives a name from the release)
E2E_DNS                      the cluster DNS server, host:port
E2E_KAFKA_SECURITY_PROTOCOL  … how the host-side Kafka clients reach the client listener
                             (PLAINTEXT unless set; stack_e2e.security lists them: the
                             credentials are read from the release's Secrets at test time)
E2E_ZK_SASL_USER, E2E_ZK_SASL_SECRET, E2E_ZK_SASL_PASSWORD_KEY
                             SASL DIGEST-MD5 for the host-side ZooKeeper sessions (none:
                             anonymous, as today; stack_e2e.zk_wire)
E2E_KRAFT                    1 when the release runs in KRaft mode (no ZooKeeper: the
                             checks that read ZooKeeper read the brokers' metadata instead)

The host reaches pod IPs directly (the pods sit on this node's bridge); names under the
cluster domain are resolved through the cluster DNS so Kafka's advertised listeners work
from the test process exactly as they do from a pod. Inside ``host_resolver()`` the test
process resolves like any other host process (the host's resolver, which knows nothing of
the cluster): the external access check runs its client there.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import sys
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
from stack_e2e import kafka_wire, zk_wire
from stack_e2e.kube import Helm, Kube
from stack_e2e.security import KafkaSecurity, from_env
from stack_e2e.settings import CHART
from stack_e2e.waits import within

DOMAIN = "svc.cluster.local"
SYSTEM_GETADDRINFO = socket.getaddrinfo  # the host's own resolution, before the patch below


def _cluster_resolver() -> None:
    """Resolve *.cluster.local through the cluster DNS; everything else as before."""
    import dns.exception
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
            try:
                answer = resolver.resolve(name, "A", lifetime=5)
            except dns.exception.DNSException as exc:
                # what getaddrinfo raises: callers handle OSError (a pod being replaced
                # has no record until it has an IP again)
                raise socket.gaierror(socket.EAI_NONAME, f"{name}: {exc}") from exc
            return original(answer[0].to_text(), *args, **kwargs)
        return original(name, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


_cluster_resolver()
CLUSTER_GETADDRINFO = socket.getaddrinfo


@contextlib.contextmanager
def host_resolver() -> Iterator[None]:
    """Within: names resolve as for any process on the node (no cluster DNS)."""
    socket.getaddrinfo = SYSTEM_GETADDRINFO  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.getaddrinfo = CLUSTER_GETADDRINFO  # type: ignore[assignment]


@dataclass
class Cluster:
    namespace: str
    release: str
    zk: str
    zk_headless: str
    kafka: str
    kafka_headless: str

    @property
    def kube(self) -> Kube:
        return Kube(self.namespace)

    @property
    def kraft(self) -> bool:
        """The release runs in KRaft mode: controllers, no ZooKeeper."""
        return os.environ.get("E2E_KRAFT") == "1"

    def upgrade(self, *set_values: str, timeout: str = "15m") -> float:
        """helm upgrade --reuse-values --wait with ``--set`` items; returns its wall time."""
        args = ["--reuse-values"]
        for item in set_values:
            args += ["--set", item]
        name = "-".join(v.split("=")[0].split(".")[-1] for v in set_values)
        return Helm(self.release, self.namespace).upgrade(CHART, *args, timeout=timeout,
                                                          log=f"upgrade-{name}.txt")

    # --- ZooKeeper ------------------------------------------------------------------------
    @functools.cached_property
    def zk_auth(self) -> zk_wire.ZkAuth | None:
        """SASL credentials for the host-side ZooKeeper sessions, when the driver names
        them (E2E_ZK_SASL_*; the password read from the Secret once); None: anonymous."""
        return zk_wire.auth_from_env(self.namespace)

    def zk_replicas(self) -> int:
        return int(self.kube.get("statefulset", self.zk)["spec"]["replicas"])

    def zk_pods(self) -> list[str]:
        return [f"{self.zk}-{i}" for i in range(self.zk_replicas())]

    # --- Kafka ----------------------------------------------------------------------------
    def brokers(self) -> int:
        return int(self.kube.get("statefulset", self.kafka)["spec"]["replicas"])

    def broker_host(self, ordinal: int) -> str:
        return f"{self.kafka}-{ordinal}.{self.kafka_headless}.{self.namespace}.{DOMAIN}"

    @functools.cached_property
    def security(self) -> KafkaSecurity:
        """How clients reach the client listener (read once: Secrets via kubectl)."""
        return from_env(self.namespace)

    def kafka_config(self) -> dict[str, Any]:
        """kafka-python keyword arguments for the client listener (protocol, CA, SASL)."""
        return self.security.kafka_python()

    def kafka_bootstrap(self, replicas: int | None = None) -> list[str]:
        count = self.brokers() if replicas is None else replicas
        return [f"{self.broker_host(i)}:{self.security.port}" for i in range(count)]

    def create_topic(self, name: str, partitions: int, rf: int,
                     configs: dict[str, str] | None = None, bound: float = 60) -> None:
        """Create a topic through the client listener, retried within ``bound`` s (an
        attempt that timed out on our side may have got through: that counts as done)."""

        def create() -> bool:
            admin = KafkaAdminClient(bootstrap_servers=self.kafka_bootstrap(),
                                     request_timeout_ms=30000, **self.kafka_config())
            try:
                admin.create_topics([NewTopic(name, partitions, rf,
                                              topic_configs=configs or {})])
            except TopicAlreadyExistsError:
                pass
            finally:
                admin.close()
            return True

        within(bound, f"create topic {name}", create, interval=2)

    def metadata(self, topics: list[str] | None = None,
                 skip: Collection[int] = ()) -> kafka_wire.Metadata:
        """Metadata from the first broker that answers (ordinals in ``skip`` are not asked)."""
        errors = []
        for ordinal in range(self.brokers()):
            if ordinal in skip:
                continue
            try:
                return kafka_wire.metadata(self.broker_host(ordinal), topics=topics,
                                           security=self.security)
            except (OSError, ValueError) as exc:
                errors.append(f"{self.kafka}-{ordinal}: {exc}")
        raise ConnectionError("no broker answered: " + "; ".join(errors))


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    names = ("E2E_NAMESPACE", "E2E_RELEASE", "E2E_ZK_NAME", "E2E_ZK_HEADLESS",
             "E2E_KAFKA_NAME", "E2E_KAFKA_HEADLESS")
    missing = [v for v in ("KUBECONFIG", *names) if not os.environ.get(v)]
    if missing:
        pytest.exit(f"e2e checks need {', '.join(missing)} (run them through e2e/run.sh)", 2)
    return Cluster(*(os.environ[v] for v in names))
