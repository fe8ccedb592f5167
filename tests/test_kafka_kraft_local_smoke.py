"""Opt-in smoke test: a real KRaft cluster (Kafka 3.9.1 and 4.3.2) started by the chart's
own scripts.

Runs outside Kubernetes, as tests/test_kafka_local_smoke.py does for ZooKeeper mode: each
pod is a local process that gets exactly the rendered ConfigMap (configure.sh, start.sh,
controller.properties, server.properties, the log4j files), the StatefulSet's environment
and the kraft Secret's cluster id; the pods' FQDNs resolve through a private /etc/hosts (a
mount namespace, so root is needed). The Kafka distribution is the e2e image's
(e2e/images/kafka*/bin and config, the jars its build resolved from Maven Central):

    e2e/images/build.sh --no-import kafka kafka4        # once: the jars
    KAFKA_LOCAL_SMOKE=1 pytest tests/test_kafka_kraft_local_smoke.py

Checked: the volume is formatted with the release's cluster id, a dedicated
controller and a broker form a cluster (and one combined node alone does), the startup
probe and the helm test pass against it, the quorum has the chart's voter as its leader,
both stop cleanly on SIGTERM, and configure.sh refuses the volume for another cluster id.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import REPO, one, render_chart
from localproc import free_port, stop, wait_for

CACHE = Path(os.environ.get("E2E_CACHE", Path.home() / ".cache" / "stack-e2e"))
RELEASE, NAMESPACE = "smoke", "ns"
# (Kafka version, the e2e image directory with its bin/ and config/)
VERSIONS = [("3.9.1", "kafka"), ("4.3.2", "kafka4")]

pytestmark = pytest.mark.skipif(
    os.environ.get("KAFKA_LOCAL_SMOKE") != "1" or os.geteuid() != 0
    or not all(shutil.which(t) for t in ("java", "unshare")),
    reason="opt-in (KAFKA_LOCAL_SMOKE=1), needs root, java and unshare")


def jars(version: str) -> Path:
    found = sorted((CACHE / "images" / f"kafka-{version}").glob("lib-*/jars"))
    if not found:
        pytest.skip(f"no Kafka {version} jars in {CACHE}/images: "
                    "run e2e/images/build.sh --no-import first")
    return found[-1]


def distribution(tmp: Path, version: str, image_dir: str) -> Path:
    """/opt/kafka as the e2e image lays it out: its bin and config, the resolved jars."""
    home = tmp / "kafka"
    shutil.copytree(REPO / "e2e" / "images" / image_dir / "bin", home / "bin")
    shutil.copytree(REPO / "e2e" / "images" / image_dir / "config", home / "config")
    (home / "libs").symlink_to(jars(version))
    return home


class Pod:
    """One pod of a rendered StatefulSet, as a process under tmp/<pod>."""

    def __init__(self, tmp: Path, objs: list[dict], sts: str, ordinal: int, home: Path,
                 hosts: Path) -> None:
        self.name = f"{sts}-{ordinal}"
        root = tmp / self.name
        chart = root / "chart"
        chart.mkdir(parents=True)
        for key, text in one(objs, "ConfigMap", f"{RELEASE}-kafka-scripts")["data"].items():
            (chart / key).write_text(text)
        container = one(objs, "StatefulSet", sts)["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
        cluster_id = one(objs, "Secret", f"{RELEASE}-kafka-kraft")["data"]["cluster-id"]
        env.update(
            PATH=os.environ["PATH"], POD_NAME=self.name, POD_NAMESPACE=NAMESPACE,
            KAFKA_CLUSTER_ID=base64.b64decode(cluster_id).decode(),
            BASE_CONFIG=str(chart / Path(env["BASE_CONFIG"]).name),
            SERVER_PROPERTIES=str(root / "config-generated" / "server.properties"),
            DATA_LOG_DIR=str(root / "data" / "log"), LOG_DIR=str(root / "logs"),
            BROKER_LOG4J_CONFIG=str(chart / "log4j.properties"),
            BROKER_LOG4J2_CONFIG=str(chart / "log4j2.yaml"),
            BROKER_HEAP_OPTS="-Xmx384m -Xms384m", KAFKA_HOME=str(home))
        (root / "logs").mkdir()
        self.root, self.chart, self.env, self.hosts = root, chart, env, hosts
        self.log = root / "pod.log"
        self.proc: subprocess.Popen | None = None

    def shell(self, line: str) -> list[str]:
        """``line`` run by bash with the pods' /etc/hosts."""
        return ["unshare", "-m", "bash", "-c",
                f'mount --bind "{self.hosts}" /etc/hosts && exec {line}']

    def command(self, script: str) -> list[str]:
        return self.shell(f'bash "{self.chart / script}"')

    def start(self) -> None:
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(self.command("start.sh"), env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT)

    def run(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(script), env={**self.env, **env},
                              capture_output=True, text=True, timeout=300, check=False)


def render(combined: bool, version: str, ports: dict[str, int]) -> list[dict]:
    values = {
        "replicaCount": 1, "heapSize": "384M", "image": {"tag": version},
        "kraft": {"enabled": True, "combined": combined},
        "controller": {"replicaCount": 1, "heapSize": "384M"},
        "service": {"ports": {"client": ports["client"]}},
        "listeners": {"client": {"containerPort": ports["client"], "protocol": "PLAINTEXT"},
                      "interbroker": {"containerPort": ports["internal"], "protocol": "PLAINTEXT"},
                      "controller": {"containerPort": ports["controller"]}}}
    return render_chart("kafka", values, release=RELEASE, namespace=NAMESPACE)


@pytest.mark.parametrize("combined", [False, True], ids=["dedicated", "combined"])
@pytest.mark.parametrize(("version", "image_dir"), VERSIONS, ids=[v for v, _ in VERSIONS])
def test_chart_scripts_start_a_real_kraft_cluster(tmp_path: Path, version: str,
                                                  image_dir: str, combined: bool) -> None:
    home = distribution(tmp_path, version, image_dir)
    ports = {"client": free_port(), "internal": free_port(), "controller": free_port()}
    objs = render(combined, version, ports)
    hosts = tmp_path / "hosts"
    names = [f"{RELEASE}-kafka-0.{RELEASE}-kafka-headless",
             f"{RELEASE}-kafka-controller-0.{RELEASE}-kafka-controller-headless",
             f"{RELEASE}-kafka"]
    hosts.write_text("127.0.0.1 localhost\n" + "".join(
        f"127.0.0.1 {n}.{NAMESPACE}.svc.cluster.local\n" for n in names))
    broker = Pod(tmp_path, objs, f"{RELEASE}-kafka", 0, home, hosts)
    pods = [broker]
    if not combined:
        pods.insert(0, Pod(tmp_path, objs, f"{RELEASE}-kafka-controller", 0, home, hosts))
    leader_id = "0" if combined else "1000"
    try:
        for pod in pods:
            pod.start()
        for pod in pods:
            assert pod.proc is not None
            wait_for(pod.log, "Kafka Server started", 180, pod.proc)
        probe = broker.run("startup-check.sh", KAFKA_BIN=str(home / "bin"))
        assert probe.returncode == 0, probe.stdout + probe.stderr
        test_pod = one(objs, "Pod")["spec"]["containers"][0]
        test_env = {e["name"]: e["value"] for e in test_pod["env"]}
        test_env.update(PATH=os.environ["PATH"], KAFKA_HOME=str(home),
                        LOG_DIR=str(tmp_path / "test-logs"),
                        CLIENT_PROPERTIES=str(tmp_path / "test-config" / "client.properties"))
        result = subprocess.run(broker.command("test-produce-consume.sh"), env=test_env,
                                capture_output=True, text=True, timeout=600, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "--- OK: message went through" in result.stdout
        quorum = subprocess.run(
            broker.shell(f'"{home}/bin/kafka-metadata-quorum.sh" --bootstrap-server'
                         f' 127.0.0.1:{ports["internal"]} describe --status'),
            env={**broker.env, "KAFKA_HEAP_OPTS": "-Xmx128m"},
            capture_output=True, text=True, timeout=120, check=False)
        assert quorum.returncode == 0, quorum.stdout + quorum.stderr
        assert f"LeaderId:               {leader_id}" in quorum.stdout, quorum.stdout
    finally:
        # 143: the JVM's exit after SIGTERM once its shutdown hooks have run.
        codes = [stop(pod.proc) for pod in reversed(pods) if pod.proc is not None]
    assert set(codes) <= {0, 143}, [pod.log.read_text()[-3000:] for pod in pods]

    for pod, node_id in zip(pods, ["1000", "0"] if not combined else ["0"], strict=True):
        assert f"App info kafka.server for {node_id} unregistered" in pod.log.read_text()
        meta = (pod.root / "data" / "log" / "meta.properties").read_text().splitlines()
        assert f"node.id={node_id}" in meta
        assert f"cluster.id={pod.env['KAFKA_CLUSTER_ID']}" in meta
        assert "formatted" in pod.log.read_text()
    # A volume of another cluster is refused before Kafka starts.
    other = broker.run("configure.sh", KAFKA_CLUSTER_ID="AAAAAAAAAAAAAAAAAAAAAA")
    assert other.returncode != 0
    assert "belongs to cluster" in other.stderr, other.stderr
    assert "refusing to start on another cluster's volume" in other.stderr
