"""files/startup-check.sh, run outside a cluster against a stand-in kafka-topics.sh that
prints what `kafka-topics.sh --describe --under-replicated-partitions` prints."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers import CHARTS

SCRIPT = CHARTS / "kafka" / "files" / "startup-check.sh"

IN_SYNC_ELSEWHERE = """\
\tTopic: orders\tPartition: 0\tLeader: 0\tReplicas: 0,1,2\tIsr: 0,2\tElr: N/A\tLastKnownElr: N/A
"""
LAGGING = """\
\tTopic: orders\tPartition: 0\tLeader: 0\tReplicas: 0,1,2\tIsr: 0,2\tElr: N/A\tLastKnownElr: N/A
\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,0,1\tIsr: 2,0\tElr: N/A\tLastKnownElr: N/A
"""
LEADERLESS = """\
\tTopic: orders\tPartition: 2\tLeader: none\tReplicas: 1,0\tIsr: 0\tElr: N/A\tLastKnownElr: N/A
"""


def run(tmp_path: Path, pod: str, output: str, rc: int = 0,
        offset: str = "0") -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "answer").write_text(output)
    tool = fake / "kafka-topics.sh"
    tool.write_text(
        "#!/bin/bash\n"
        'echo "$KAFKA_HEAP_OPTS|$*" > "$(dirname "$0")/called"\n'
        f'cat "$(dirname "$0")/answer"\nexit {rc}\n'
    )
    tool.chmod(0o755)
    # What configure.sh wrote at start: server.properties and the broker's client config.
    config = tmp_path / "config-generated"
    config.mkdir(exist_ok=True)
    (config / "server.properties").write_text(
        "listeners=CLIENT://:9092,INTERNAL://:9094\ninter.broker.listener.name=INTERNAL\n"
        f"advertised.listeners=CLIENT://{pod}.h.ns.svc.cluster.local:9092,"
        f"INTERNAL://{pod}.h.ns.svc.cluster.local:9094\n")
    (config / "client.properties").write_text("security.protocol=PLAINTEXT\n")
    env = {"PATH": os.environ["PATH"], "POD_NAME": pod,
           "SERVER_PROPERTIES": str(config / "server.properties"),
           "BROKER_ID_OFFSET": offset, "KAFKA_BIN": str(fake), "JMX_PORT": "5555"}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=30)


def test_passes_when_this_broker_is_in_every_isr_it_belongs_to(tmp_path: Path) -> None:
    # broker 2 is in sync; broker 1 being out of the ISR is not this broker's business
    result = run(tmp_path, "stack-kafka-2", IN_SYNC_ELSEWHERE)
    assert result.returncode == 0, result.stderr
    heap, args = (tmp_path / "bin" / "called").read_text().strip().split("|")
    assert "-Xmx96m" in heap
    # The inter-broker listener, by the advertised name (TLS hostname verification), with
    # the client config configure.sh wrote.
    assert args.split() == [
        "--bootstrap-server", "stack-kafka-2.h.ns.svc.cluster.local:9094",
        "--command-config", str(tmp_path / "config-generated" / "client.properties"),
        "--describe", "--under-replicated-partitions"]


def test_fails_while_this_broker_is_missing_from_an_isr(tmp_path: Path) -> None:
    result = run(tmp_path, "stack-kafka-1", LAGGING)
    assert result.returncode == 1
    assert "broker 1 not yet in sync for: orders-0 orders-1" in result.stderr


def test_broker_id_offset_is_applied(tmp_path: Path) -> None:
    # pod ordinal 0 with offset 1 is broker 1, which is lagging
    assert run(tmp_path, "kafka-0", LAGGING, offset="1").returncode == 1
    assert run(tmp_path, "kafka-0", LAGGING, offset="0").returncode == 0


def test_does_not_wait_for_partitions_without_a_leader(tmp_path: Path) -> None:
    assert run(tmp_path, "stack-kafka-1", LEADERLESS).returncode == 0


def test_fails_when_the_broker_does_not_answer(tmp_path: Path) -> None:
    result = run(tmp_path, "stack-kafka-0", "Timed out waiting for a node assignment", rc=1)
    assert result.returncode == 1
    assert ("does not answer on stack-kafka-0.h.ns.svc.cluster.local:9094" in result.stderr)


def test_fails_before_configure_sh_wrote_the_client_config(tmp_path: Path) -> None:
    run(tmp_path, "stack-kafka-0", IN_SYNC_ELSEWHERE)
    (tmp_path / "config-generated" / "client.properties").unlink()
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=30,
                            env={"PATH": os.environ["PATH"], "POD_NAME": "stack-kafka-0",
                                 "SERVER_PROPERTIES": str(tmp_path / "config-generated"
                                                          / "server.properties")})
    assert result.returncode == 1
    assert "has not written its configuration yet" in result.stderr


@pytest.mark.parametrize("pod", ["kafka", "kafka-x"])
def test_refuses_a_pod_name_without_ordinal(tmp_path: Path, pod: str) -> None:
    result = run(tmp_path, pod, "")
    assert result.returncode == 1
    assert "cannot read an ordinal" in result.stderr
