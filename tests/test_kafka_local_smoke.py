"""Opt-in smoke test: a real Kafka 3.9.1 broker started by the chart's own scripts.

Runs outside Kubernetes: ZooKeeper standalone and one broker as local processes, the
Kafka jars from Maven Central (tests/scripts/kafka/smoke-pom.xml), stand-ins for the
image's bin scripts (tests/scripts/kafka/smoke-bin/). The broker gets exactly the rendered
ConfigMap (configure.sh, start.sh, server.properties, log4j.properties) and the
StatefulSet's environment; its advertised FQDN resolves through a private /etc/hosts
(a mount namespace, so root is needed). Then the helm test script runs against it, the
broker stops on SIGTERM, and configure.sh refuses the volume for another pod.

    KAFKA_LOCAL_SMOKE=1 pytest tests/test_kafka_local_smoke.py     # java, mvn, root
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import one, render_chart

FIXTURES = Path(__file__).parent / "scripts" / "kafka"
LIBS = Path.home() / ".cache" / "stackctl" / "kafka-smoke-libs"
RELEASE, NAMESPACE = "smoke", "ns"

pytestmark = pytest.mark.skipif(
    os.environ.get("KAFKA_LOCAL_SMOKE") != "1" or os.geteuid() != 0
    or not all(shutil.which(t) for t in ("java", "mvn", "unshare")),
    reason="opt-in (KAFKA_LOCAL_SMOKE=1), needs root, java, mvn and unshare")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path: Path, text: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not in {path} after {seconds}s:\n"
                         + (path.read_text(errors="replace")[-3000:] if path.exists() else ""))


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def libs() -> Path:
    if not (LIBS / "kafka_2.13-3.9.1.jar").exists():
        subprocess.run(["mvn", "-q", "-B", "-f", str(FIXTURES / "smoke-pom.xml"),
                        "dependency:copy-dependencies", f"-DoutputDirectory={LIBS}"],
                       check=True, timeout=600)
    return LIBS


@pytest.fixture
def zookeeper(tmp_path: Path, libs: Path) -> Iterator[int]:
    port = free_port()
    cfg = tmp_path / "zoo.cfg"
    cfg.write_text(f"tickTime=2000\ndataDir={tmp_path / 'zk'}\nclientPort={port}\n"
                   "admin.enableServer=false\n4lw.commands.whitelist=ruok\n")
    log = tmp_path / "zk.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["java", "-Xmx256M", "-cp", f"{libs}/*",
             f"-Dlog4j.configuration=file:{FIXTURES / 'smoke-bin' / 'tools-log4j.properties'}",
             "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    s.sendall(b"ruok")
                    if s.recv(4) == b"imok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        yield port
    finally:
        stop(proc)


def test_chart_scripts_start_a_real_broker(tmp_path: Path, libs: Path, zookeeper: int):
    port = free_port()
    values = {"replicaCount": 1, "containerPorts": {"client": port},
              "service": {"ports": {"client": port}}, "heapOpts": "-Xmx512M -Xms512M",
              "zookeeper": {"serviceName": "127.0.0.1", "port": zookeeper,
                            "chroot": "/smoke"}}
    objs = render_chart("kafka", values, release=RELEASE, namespace=NAMESPACE)
    chart = tmp_path / "chart"
    chart.mkdir()
    for name, text in one(objs, "ConfigMap")["data"].items():
        (chart / name).write_text(text)
    container = one(objs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    pod = f"{RELEASE}-kafka-0"
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env.update(
        PATH=os.environ["PATH"], POD_NAME=pod, POD_NAMESPACE=NAMESPACE,
        BASE_CONFIG=str(chart / "server.properties"),
        SERVER_PROPERTIES=str(tmp_path / "config-generated" / "server.properties"),
        DATA_LOG_DIR=str(tmp_path / "data" / "log"), LOG_DIR=str(tmp_path / "logs"),
        KAFKA_LOG4J_OPTS=f"-Dlog4j.configuration=file:{chart / 'log4j.properties'}",
        KAFKA_HOME=str(tmp_path / "kafka"), KAFKA_SMOKE_LIBS=str(libs))
    shutil.copytree(FIXTURES / "smoke-bin", tmp_path / "kafka" / "bin")

    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 localhost\n"
                     f"127.0.0.1 {pod}.{RELEASE}-kafka-headless.{NAMESPACE}.svc.cluster.local\n"
                     f"127.0.0.1 {RELEASE}-kafka.{NAMESPACE}.svc.cluster.local\n")

    def with_hosts(script: Path) -> list[str]:
        return ["unshare", "-m", "bash", "-c",
                f'mount --bind "{hosts}" /etc/hosts && exec bash "{script}"']

    log = tmp_path / "broker.log"
    with log.open("w") as out:
        broker = subprocess.Popen(with_hosts(chart / "start.sh"), env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_for(log, "[KafkaServer id=0] started", 180)
        test_pod = one(objs, "Pod")["spec"]["containers"][0]
        test_env = {e["name"]: e["value"] for e in test_pod["env"]}
        test_env.update(PATH=os.environ["PATH"], KAFKA_HOME=env["KAFKA_HOME"],
                        KAFKA_SMOKE_LIBS=str(libs), LOG_DIR=str(tmp_path / "test-logs"))
        result = subprocess.run(with_hosts(chart / "test-produce-consume.sh"), env=test_env,
                                capture_output=True, text=True, timeout=600, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "--- OK: message went through" in result.stdout
    finally:
        stop(broker)
    wait_for(log, "[KafkaServer id=0] shut down completed", 5)

    meta = (tmp_path / "data" / "log" / "meta.properties").read_text()
    assert "broker.id=0" in meta.splitlines()
    other = subprocess.run(["bash", str(chart / "configure.sh")],
                           env={**env, "POD_NAME": f"{RELEASE}-kafka-1"},
                           capture_output=True, text=True, timeout=30, check=False)
    assert other.returncode != 0
    assert "records broker.id=0 but pod smoke-kafka-1 is broker 1" in other.stderr
