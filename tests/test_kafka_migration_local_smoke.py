"""Opt-in smoke test: the migration from ZooKeeper mode to KRaft (kraft.migration.phase),
run on real Kafka 3.9.1 processes by the chart's own scripts, then the upgrade to 4.3.2.

As tests/test_kafka_kraft_local_smoke.py does for KRaft mode: each pod is a local process
that gets exactly the rendered ConfigMap and the StatefulSet's environment of the phase, its
volume kept from phase to phase; ZooKeeper is a standalone server from the same jars. One
broker and one controller go through every phase, a topic with data and a config on them:

    e2e/images/build.sh --no-import kafka kafka4        # once: the jars
    KAFKA_LOCAL_SMOKE=1 pytest tests/test_kafka_migration_local_smoke.py

Checked: the controller waits in migration mode while the brokers are untouched, the
metadata migrates once the broker registers (dual-write), the broker runs in KRaft mode
with its ZooKeeper-mode volume, the controller leaves migration mode, the topic, its
partitions, its config and its messages are all there after every step and after the
upgrade to Kafka 4; and a rollback from dual-write (the chart's rollback phase, the znodes
deleted) gives a working ZooKeeper-mode broker without the metadata log, from which a
second migration succeeds.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO, one, render_chart
from localproc import free_port, standalone_zookeeper, stop, wait_for
from stackctl import migrate
from test_kafka_kraft_local_smoke import NAMESPACE, RELEASE, jars

TOPIC = "kept"

pytestmark = pytest.mark.skipif(
    os.environ.get("KAFKA_LOCAL_SMOKE") != "1" or os.geteuid() != 0
    or not all(shutil.which(t) for t in ("java", "unshare")),
    reason="opt-in (KAFKA_LOCAL_SMOKE=1), needs root, java and unshare")


def distribution(tmp: Path, version: str, image_dir: str) -> Path:
    home = tmp / f"kafka-{version}"
    shutil.copytree(REPO / "e2e" / "images" / image_dir / "bin", home / "bin")
    shutil.copytree(REPO / "e2e" / "images" / image_dir / "config", home / "config")
    (home / "libs").symlink_to(jars(version))
    return home


class Node:
    """One pod (broker or controller), its volume kept across the phases' renders."""

    def __init__(self, tmp: Path, sts: str, hosts: Path) -> None:
        self.name = f"{sts}-0"
        self.sts = sts
        self.root = tmp / self.name
        self.hosts = hosts
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.env: dict[str, str] = {}

    def render(self, objs: list[dict], home: Path) -> None:
        chart = self.root / "chart"
        shutil.rmtree(chart, ignore_errors=True)
        chart.mkdir(parents=True)
        for key, text in one(objs, "ConfigMap", f"{RELEASE}-kafka-scripts")["data"].items():
            (chart / key).write_text(text)
        container = one(objs, "StatefulSet", self.sts)["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
        if any(e["name"] == "KAFKA_CLUSTER_ID" for e in container["env"]):
            secret = one(objs, "Secret", f"{RELEASE}-kafka-kraft")["data"]["cluster-id"]
            env["KAFKA_CLUSTER_ID"] = base64.b64decode(secret).decode()
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        env.update(
            PATH=os.environ["PATH"], POD_NAME=self.name, POD_NAMESPACE=NAMESPACE,
            BASE_CONFIG=str(chart / Path(env["BASE_CONFIG"]).name),
            SERVER_PROPERTIES=str(self.root / "config-generated" / "server.properties"),
            DATA_LOG_DIR=str(self.root / "data" / "log"), LOG_DIR=str(self.root / "logs"),
            BROKER_LOG4J_CONFIG=str(chart / "log4j.properties"),
            BROKER_LOG4J2_CONFIG=str(chart / "log4j2.yaml"),
            BROKER_HEAP_OPTS="-Xmx384m -Xms384m", KAFKA_HOME=str(home),
            REGISTRATION_WAIT_SECONDS="40")
        self.env = env

    def shell(self, line: str) -> list[str]:
        return ["unshare", "-m", "bash", "-c",
                f'mount --bind "{self.hosts}" /etc/hosts && exec {line}']

    @property
    def log(self) -> Path:
        return self.root / f"pod-{self.starts}.log"

    def start(self, ready: str) -> None:
        self.starts += 1
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                self.shell(f'bash "{self.root / "chart" / "start.sh"}"'), env=self.env,
                stdout=out, stderr=subprocess.STDOUT)
        wait_for(self.log, ready, 180, self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            code = stop(self.proc)
            assert code in (0, 143), self.log.read_text()[-3000:]
            self.proc = None

    def tool(self, line: str, timeout: int = 120) -> str:
        result = subprocess.run(self.shell(line), env={**self.env, "KAFKA_HEAP_OPTS": "-Xmx128m"},
                                capture_output=True, text=True, timeout=timeout, check=False)
        assert result.returncode == 0, line + "\n" + result.stdout + result.stderr
        return result.stdout


@pytest.fixture
def zookeeper(tmp_path: Path) -> Iterator[int]:
    with standalone_zookeeper(tmp_path, f"{jars('3.9.1')}/*",
                              REPO / "e2e/images/kafka/config/tools-log4j.properties") as port:
        yield port


class Cluster:
    """The release: its values, the two nodes, the distribution each phase runs."""

    def __init__(self, tmp: Path, zk_port: int) -> None:
        self.ports = {"client": free_port(), "internal": free_port(), "controller": free_port()}
        self.zk = f"127.0.0.1:{zk_port}/smoke"
        self.hosts = tmp / "hosts"
        names = [f"{RELEASE}-kafka-0.{RELEASE}-kafka-headless",
                 f"{RELEASE}-kafka-controller-0.{RELEASE}-kafka-controller-headless",
                 f"{RELEASE}-kafka"]
        self.hosts.write_text("127.0.0.1 localhost\n" + "".join(
            f"127.0.0.1 {n}.{NAMESPACE}.svc.cluster.local\n" for n in names))
        self.broker = Node(tmp, f"{RELEASE}-kafka", self.hosts)
        self.controller = Node(tmp, f"{RELEASE}-kafka-controller", self.hosts)
        self.homes = {"3.9.1": distribution(tmp, "3.9.1", "kafka")}
        self.tmp = tmp
        self.zk_port = zk_port
        self.cluster_id = ""

    def render(self, phase: str = "", kraft: bool = False, version: str = "3.9.1") -> list[dict]:
        p = self.ports
        values: dict[str, Any] = {
            "replicaCount": 1, "heapSize": "384M", "image": {"tag": version},
            "controller": {"replicaCount": 1, "heapSize": "384M"},
            "zookeeper": {"serviceName": "127.0.0.1", "port": self.zk_port, "chroot": "/smoke"},
            "service": {"ports": {"client": p["client"]}},
            "listeners": {"client": {"containerPort": p["client"], "protocol": "PLAINTEXT"},
                          "interbroker": {"containerPort": p["internal"], "protocol": "PLAINTEXT"},
                          "controller": {"containerPort": p["controller"]}}}
        if phase or kraft:
            values["kraft"] = {"enabled": kraft, "clusterId": self.cluster_id,
                               "migration": {"phase": phase}}
        return render_chart("kafka", values, release=RELEASE, namespace=NAMESPACE)

    def home(self, version: str) -> Path:
        if version not in self.homes:
            self.homes[version] = distribution(self.tmp, version, "kafka4")
        return self.homes[version]

    def restart(self, node: Node, objs: list[dict], ready: str, version: str = "3.9.1") -> None:
        node.stop()
        node.render(objs, self.home(version))
        node.start(ready)

    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports['internal']}"

    def kafka(self, tool: str, args: str, version: str = "3.9.1") -> str:
        return self.broker.tool(f'"{self.home(version)}/bin/{tool}" --bootstrap-server '
                                f'{self.bootstrap()} {args}')

    def zk_shell(self, args: str) -> str:
        return self.broker.tool(f'"{self.home("3.9.1")}/bin/zookeeper-shell.sh" {self.zk} {args}')

    def produce(self, first: int, count: int, version: str = "3.9.1") -> None:
        lines = self.tmp / "lines.txt"
        lines.write_text("".join(f"m{i}\n" for i in range(first, first + count)))
        self.kafka("kafka-console-producer.sh",
                   f"--topic {TOPIC} --producer-property acks=all < {lines}", version)

    def assert_topic_kept(self, count: int, version: str = "3.9.1") -> None:
        described = self.kafka("kafka-topics.sh", f"--describe --topic {TOPIC}", version)
        assert "PartitionCount: 3" in described, described
        assert "retention.ms=3600000" in described, described
        out = self.kafka("kafka-console-consumer.sh",
                         f"--topic {TOPIC} --from-beginning --max-messages {count}"
                         " --timeout-ms 60000", version)
        got = sorted(line for line in out.splitlines() if line.startswith("m"))
        assert got == sorted(f"m{i}" for i in range(count)), out

    def stop_all(self) -> None:
        for node in (self.broker, self.controller):
            if node.proc is not None:
                node.stop()


ZK_STARTED = "[KafkaServer id=0] started"
KRAFT_STARTED = "Kafka Server started"
MIGRATED = "Completed migration of metadata from ZooKeeper to KRaft"


def zookeeper_mode_cluster_with_data(c: Cluster) -> None:
    c.broker.render(c.render(), c.home("3.9.1"))
    c.broker.start(ZK_STARTED)
    c.kafka("kafka-topics.sh", f"--create --topic {TOPIC} --partitions 3 --replication-factor 1"
            " --config retention.ms=3600000")
    c.produce(0, 10)
    meta = (c.broker.root / "data" / "log" / "meta.properties").read_text()
    # The migration's cluster id is the ZooKeeper-mode cluster's own: give it to the chart.
    c.cluster_id = next(line.split("=", 1)[1] for line in meta.splitlines()
                        if line.startswith("cluster.id="))


def zookeeper_controller_epoch(c: Cluster, seconds: float = 60) -> int:
    """/controller_epoch once broker 0 holds /controller (within `seconds`)."""
    deadline = time.monotonic() + seconds
    while '"brokerid":0' not in (controller := c.zk_shell("get /controller || true")):
        assert time.monotonic() < deadline, controller
        time.sleep(1)
    epoch = re.search(r"^(\d+)\s*$", c.zk_shell("get /controller_epoch"), re.M)
    assert epoch, "no /controller_epoch"
    return int(epoch.group(1))


def to_dual_write(c: Cluster, first: int, controller_restarts: int = 0) -> None:
    """The controllers phase (the controller restarted `controller_restarts` times before the
    brokers come: each start is a Raft election, ZooKeeper's /controller_epoch does not move),
    then dual-write; then messages first..first+4."""
    objs = c.render("controllers")
    # The brokers' pods are not touched by the first phase.
    assert (one(objs, "StatefulSet", c.broker.sts)["spec"]["template"]
            == one(c.render(), "StatefulSet", c.broker.sts)["spec"]["template"])
    c.controller.render(objs, c.home("3.9.1"))
    c.controller.start(KRAFT_STARTED)
    for _ in range(controller_restarts):
        c.restart(c.controller, objs, KRAFT_STARTED)
    meta = (c.controller.root / "data" / "log" / "meta.properties").read_text()
    assert f"cluster.id={c.cluster_id}" in meta
    c.restart(c.broker, c.render("dual-write"), ZK_STARTED)
    wait_for(c.controller.log, MIGRATED, 120, c.controller.proc)  # type: ignore[arg-type]
    c.produce(first, 5)


def test_a_zookeeper_mode_cluster_migrates_to_kraft_and_upgrades_to_kafka_4(
        tmp_path: Path, zookeeper: int) -> None:
    c = Cluster(tmp_path, zookeeper)
    try:
        zookeeper_mode_cluster_with_data(c)
        to_dual_write(c, 10)
        c.assert_topic_kept(15)
        c.restart(c.broker, c.render("brokers"), KRAFT_STARTED)
        assert "zookeeper.connect" not in (c.broker.root / "config-generated" /
                                           "server.properties").read_text()
        c.produce(15, 5)
        c.assert_topic_kept(20)
        c.restart(c.controller, c.render(kraft=True), KRAFT_STARTED)
        settings = c.controller.root / "config-generated" / "server.properties"
        assert "zookeeper.metadata.migration.enable" not in settings.read_text()
        c.produce(20, 5)
        c.assert_topic_kept(25)
        status = c.kafka("kafka-metadata-quorum.sh", "describe --status")
        assert "LeaderId:               1000" in status, status
        # Kafka 4: the controller first, then the broker, as the StatefulSets roll.
        c.restart(c.controller, c.render(kraft=True, version="4.3.2"), KRAFT_STARTED, "4.3.2")
        c.restart(c.broker, c.render(kraft=True, version="4.3.2"), KRAFT_STARTED, "4.3.2")
        c.produce(25, 5, "4.3.2")
        c.assert_topic_kept(30, "4.3.2")
    finally:
        c.stop_all()


def test_a_rollback_from_dual_write_returns_to_zookeeper_mode_and_a_second_attempt_works(
        tmp_path: Path, zookeeper: int) -> None:
    c = Cluster(tmp_path, zookeeper)
    try:
        zookeeper_mode_cluster_with_data(c)
        # Restarts put the KRaft epoch above ZooKeeper's controller epoch (KAFKA-20488).
        to_dual_write(c, 10, controller_restarts=5)
        # rollback: the controllers go (and their volumes), then the znodes, then the brokers
        objs = c.render("rollback")
        assert not [o for o in objs if o["metadata"]["name"] == c.controller.sts]
        c.controller.stop()
        shutil.rmtree(c.controller.root / "data")
        said: list[str] = []
        migrate.forget_the_kraft_controllers(c.zk_shell, said.append)
        text = "\n".join(said)
        kraft = re.search(r"the KRaft controllers' epoch (\d+)", text)
        assert kraft and "raised /controller_epoch from" in text, text
        assert "deleted /controller" in text and "deleted /migration" in text, text
        # The broker, still in migration mode, takes /controller as soon as it is free: the
        # ZooKeeper controller again, in an epoch above every KRaft write (without the raise
        # it was 4 when written, below the KRaft epoch 6).
        assert zookeeper_controller_epoch(c) > int(kraft.group(1)), text
        c.restart(c.broker, c.render(), ZK_STARTED)
        log = c.broker.log.read_text()
        assert "deleted" in log and "__cluster_metadata-0" in log, log[-3000:]
        assert not (c.broker.root / "data" / "log" / "__cluster_metadata-0").exists()
        c.produce(15, 5)
        c.assert_topic_kept(20)
        # the second attempt
        c.controller.starts = 10
        to_dual_write(c, 20)
        c.assert_topic_kept(25)
    finally:
        c.stop_all()
