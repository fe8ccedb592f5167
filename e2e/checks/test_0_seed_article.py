"""The seed article's verification steps, VERBATIM (on a secure install: see below), against
the release the driver installed with the seed's names (README's fullnameOverride recipe:
zk, zk-svc, kafka, kafka-svc).

The namespace comes from the kubeconfig context (a copy of the admin kubeconfig whose
context names the release namespace), and `kubectl` is on PATH, so each command below is
run by a shell exactly as the article prints it. Asserted: the CLEAN output a reader
sees — ``Mode: leader``/``follower``; ``--list`` prints topic names only (no log lines, no
AdminClient config dump); ``Created topic test-topic.``; ``--describe`` shows 3 partitions
with replication factor 3.

On the secure install (e2e/values-secure.yaml: SASL_SSL on both listeners) the article's
``kafka-topics.sh --bootstrap-server localhost:9092`` cannot run verbatim: a client
without TLS and credentials is refused, and ``localhost`` is not a name the certificate
covers. There the three kafka-topics commands run as the charts' NOTES print them: with
the broker's own client config (``--command-config
/opt/kafka/config-generated/client.properties``, written at start from the mounted
Secrets: the inter-broker listener and user) against the broker's FQDN on the inter-broker
port 9094. Everything else of each command, and every assertion, is the article's.

A command is retried (bounded) only while it fails in a way that can pass later (a broker
busy after the install); a missing executable fails at once.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from stack_e2e.figures import Figures
from stack_e2e.settings import settings
from stack_e2e.waits import Permanent, within

from conftest import Cluster


def _bootstrap() -> str:
    """The article's ``--bootstrap-server localhost:9092``, or on a secure install the
    NOTES' form: kafka-0's FQDN on the inter-broker port with the broker's client config."""
    if os.environ.get("E2E_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") in ("", "PLAINTEXT"):
        return "--bootstrap-server localhost:9092"
    namespace = os.environ.get("E2E_NAMESPACE", "stack-e2e")
    port = os.environ.get("E2E_KAFKA_INTERBROKER_PORT") or "9094"
    return (f"--bootstrap-server kafka-0.kafka-svc.{namespace}.svc.cluster.local:{port} "
            "--command-config /opt/kafka/config-generated/client.properties")


BOOTSTRAP = _bootstrap()
STATUS = "kubectl exec zk-0 -- zkServer.sh status"
LIST = f"kubectl exec kafka-0 -- kafka-topics.sh {BOOTSTRAP} --list"
CREATE = (f"kubectl exec kafka-0 -- kafka-topics.sh {BOOTSTRAP} "
          "--topic test-topic --create --partitions 3 --replication-factor 3")
DESCRIBE = (f"kubectl exec kafka-0 -- kafka-topics.sh {BOOTSTRAP} "
            "--describe --topic test-topic")
SEED_NAMES = {"zk": "zk", "zk_headless": "zk-svc", "kafka": "kafka", "kafka_headless": "kafka-svc"}
BOUND = 60  # s: how long a command may keep failing transiently

# What a log line or the AdminClient's config dump looks like on a terminal.
NOISE = re.compile(
    r"^\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"          # a timestamped log line
    r"|\b(INFO|WARN|DEBUG|TRACE)\b"                    # a log level
    r"|AdminClientConfig values|^\s+[a-z0-9]+(\.[a-z0-9]+)+ = "  # the config dump
    r"|SLF4J:|log4j:",
    re.MULTILINE,
)
TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
Proc = subprocess.CompletedProcess[str]


class Shell:
    """A shell where `kubectl` is the resolved kubectl and the context names the namespace."""

    def __init__(self, tmp: Path, namespace: str) -> None:
        bindir = tmp / "bin"
        bindir.mkdir()
        (bindir / "kubectl").symlink_to(settings().kubectl)
        self.kubeconfig = tmp / "kubeconfig"
        self.kubeconfig.write_text(Path(settings().kubeconfig).read_text())
        self.env = {**os.environ, "PATH": f"{bindir}:{os.environ.get('PATH', '')}",
                    "KUBECONFIG": str(self.kubeconfig)}
        subprocess.run(["kubectl", "config", "set-context", "--current",
                        f"--namespace={namespace}"], env=self.env, check=True,
                       capture_output=True)

    def run(self, command: str) -> Proc:
        return subprocess.run(["bash", "-c", command], env=self.env, capture_output=True,
                              text=True, timeout=180)

    def run_until(self, command: str, ok: Callable[[Proc], object]) -> Proc:
        """Run ``command`` until ``ok(proc)``; permanent failures end it at once."""

        def attempt() -> Proc | None:
            proc = self.run(command)
            text = proc.stdout + proc.stderr
            if proc.returncode in (126, 127) or "executable file not found" in text:
                raise Permanent(f"exit {proc.returncode}:\n{text.strip()[-2000:]}")
            return proc if ok(proc) else None

        return within(BOUND, f"`{command}`", attempt, interval=3).value


def transcript(proc: Proc) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"


@pytest.fixture(scope="module")
def shell(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Shell:
    names = {k: getattr(cluster, k) for k in SEED_NAMES}
    assert names == SEED_NAMES, f"the release must use the seed's names, has {names}"
    return Shell(tmp_path_factory.mktemp("article"), cluster.namespace)


def test_zkserver_status_reports_leader_or_follower(shell: Shell, figures: Figures) -> None:
    proc = shell.run_until(STATUS, lambda p: re.search(r"^Mode: ", p.stdout, re.MULTILINE))
    found = re.search(r"^Mode: (\w+)$", proc.stdout, re.MULTILINE)
    assert found and found.group(1) in ("leader", "follower"), transcript(proc)
    figures.record("zk-status", f"`{STATUS}` -> Mode: {found.group(1)}")


def test_kafka_topics_list_prints_only_topic_names(shell: Shell, figures: Figures) -> None:
    proc = shell.run_until(LIST, lambda p: p.returncode == 0)
    assert not NOISE.search(proc.stdout + proc.stderr), f"not clean:\n{transcript(proc)}"
    names = proc.stdout.split()
    assert all(TOPIC_NAME.match(n) for n in names), transcript(proc)
    assert proc.stderr.strip() == "", transcript(proc)
    figures.record("kafka-list", f"`--list` printed {len(names)} topic name(s) and nothing else")


def test_create_prints_created_topic(shell: Shell, cluster: Cluster, figures: Figures) -> None:
    if "test-topic" in shell.run(LIST).stdout.split():
        delete_topic(cluster, "test-topic")  # a re-run on a kept cluster (make e2e-up)
    proc = shell.run_until(CREATE, lambda p: p.returncode == 0)
    assert proc.stdout.strip() == "Created topic test-topic.", transcript(proc)
    assert not NOISE.search(proc.stderr), f"not clean:\n{transcript(proc)}"
    figures.record("kafka-create", f"`--create` printed: {proc.stdout.strip()}")


def test_describe_shows_three_partitions_with_replication_factor_three(
    shell: Shell, figures: Figures,
) -> None:
    def settled(proc: Proc) -> bool:
        parts = re.findall(r"Partition: \d+\s+Leader: (\d+)\s+Replicas: ([\d,]+)\s+Isr: ([\d,]+)",
                           proc.stdout)
        return proc.returncode == 0 and len(parts) == 3 and all(
            len(isr.split(",")) == 3 for _, _, isr in parts)

    proc = shell.run_until(DESCRIBE, settled)
    assert not NOISE.search(proc.stdout + proc.stderr), f"not clean:\n{transcript(proc)}"
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 4, f"a header and 3 partition lines expected:\n{transcript(proc)}"
    header = lines[0]
    assert re.search(r"^Topic: test-topic\s", header), transcript(proc)
    assert re.search(r"\bPartitionCount: 3\b", header), transcript(proc)
    assert re.search(r"\bReplicationFactor: 3\b", header), transcript(proc)
    leaders = []
    for index, line in enumerate(lines[1:]):
        found = re.search(rf"Topic: test-topic\s+Partition: {index}\s+Leader: (\d+)\s+"
                          r"Replicas: (\d+),(\d+),(\d+)\s+Isr: ", line)
        assert found, f"partition line {index}: {line!r}"
        assert found.group(1) in found.groups()[1:], f"leader not a replica: {line!r}"
        leaders.append(found.group(1))
    figures.record("kafka-describe", "`--describe` showed 3 partitions, replication factor 3, "
                   f"leaders {','.join(leaders)}")


def delete_topic(cluster: Cluster, name: str) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=cluster.kafka_bootstrap(),
                             **cluster.kafka_config())
    try:
        admin.delete_topics([name])
    finally:
        admin.close()
    within(60, f"{name} deleted", lambda: name not in cluster.metadata().topic_errors)
