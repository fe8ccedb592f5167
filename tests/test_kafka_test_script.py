"""The helm test script (files/test-produce-consume.sh) against stand-in Kafka tools,
and helm lint of the chart."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from helpers import CHARTS, prepared
from stackctl import helm

FIXTURES = Path(__file__).parent / "scripts" / "kafka"
SCRIPT = CHARTS / "kafka" / "files" / "test-produce-consume.sh"
TOOLS = ("kafka-topics.sh", "kafka-console-producer.sh", "kafka-console-consumer.sh")


def run_test_script(tmp_path: Path, **extra_env: str) -> tuple[int, list[str]]:
    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    for tool in TOOLS:
        shutil.copy(FIXTURES / "fake-kafka-tool.sh", home / "bin" / tool)
    state = tmp_path / "state"
    state.mkdir()
    (state / "messages").touch()
    env = {"PATH": os.environ["PATH"], "KAFKA_HOME": str(home),
           "FAKE_KAFKA_STATE": str(state), "BOOTSTRAP_SERVER": "k.ns.svc.cluster.local:9092",
           "REPLICATION_FACTOR": "3", "TOOL_TIMEOUT": "20", **extra_env}
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    return result.returncode, (state / "calls").read_text().splitlines()


def test_helm_test_round_trip_creates_and_deletes_a_unique_topic(tmp_path):
    rc, calls = run_test_script(tmp_path)
    assert rc == 0
    assert calls[0] == "kafka-topics.sh --bootstrap-server k.ns.svc.cluster.local:9092 --list"
    create = re.fullmatch(r"kafka-topics.sh --bootstrap-server \S+ --create --topic "
                          r"(helm-test-\d+-\d+) --partitions 3 --replication-factor 3", calls[1])
    assert create, calls[1]
    topic = create.group(1)
    assert calls[2] == ("kafka-console-producer.sh --bootstrap-server "
                        f"k.ns.svc.cluster.local:9092 --topic {topic} "
                        "--producer-property acks=all")
    assert "--max-messages 1" in calls[3] and "--timeout-ms" in calls[3]
    assert calls[-1].endswith(f"--delete --topic {topic}")
    _, again = run_test_script(tmp_path / "second")
    assert topic not in again[1]


def test_helm_test_fails_when_the_message_does_not_come_back(tmp_path):
    rc, calls = run_test_script(tmp_path, FAKE_CONSUMER_EMPTY="1")
    assert rc != 0
    assert "--delete --topic helm-test-" in calls[-1]


def test_helm_test_finds_the_message_among_kafka_4s_notices(tmp_path):
    """Kafka 4's console consumer prints deprecation notices on stdout before the record
    (seen with 4.3.2): the message is one line of the output, not all of it."""
    rc, _ = run_test_script(tmp_path, FAKE_CONSUMER_NOTICE="1")
    assert rc == 0
    rc, _ = run_test_script(tmp_path / "empty", FAKE_CONSUMER_NOTICE="1", FAKE_CONSUMER_EMPTY="1")
    assert rc != 0


def test_helm_lint_strict_passes():
    out = helm.run_helm(["lint", "--strict", str(prepared("kafka"))])
    assert "0 chart(s) failed" in out
