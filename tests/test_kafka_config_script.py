"""Run the chart's own configure.sh / start.sh outside a cluster, as the pod would.

The script and the shared server.properties come from the rendered ConfigMap, so these
tests exercise exactly what a broker receives; the pod's environment is the one the
StatefulSet declares, with paths moved under tmp_path.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import CHARTS, one, render_chart

FIXTURES = Path(__file__).parent / "scripts" / "kafka"
FILES = CHARTS / "kafka" / "files"


def parse_properties(text: str) -> dict[str, str]:
    """Last value wins, as with java.util.Properties."""
    props: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            props[key.strip()] = value.strip()
    return props


@functools.cache
def rendered(values_json: str, release: str, namespace: str) -> tuple[dict, dict]:
    """(scripts ConfigMap, StatefulSet) as helm renders them; memoised across tests."""
    objs = render_chart("kafka", json.loads(values_json), release=release,
                        namespace=namespace,
                        show_only=["templates/configmap-scripts.yaml",
                                   "templates/statefulset.yaml"])
    return one(objs, "ConfigMap"), one(objs, "StatefulSet")


class Broker:
    """A broker pod's filesystem and environment laid out under a temporary directory."""

    def __init__(self, tmp: Path, values: dict | None = None, *, pod: str = "kafka-2",
                 release: str = "kafka", namespace: str = "streaming") -> None:
        cm, sts = rendered(json.dumps(values or {}, sort_keys=True), release, namespace)
        self.chart_dir = tmp / "chart"
        self.chart_dir.mkdir()
        for name, text in cm["data"].items():
            (self.chart_dir / name).write_text(text)
        container = sts["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
        # Downward API values, as the kubelet would set them.
        env.update(POD_NAME=pod, POD_NAMESPACE=namespace)
        env.update(
            BASE_CONFIG=str(self.chart_dir / "server.properties"),
            SERVER_PROPERTIES=str(tmp / "config-generated" / "server.properties"),
            DATA_LOG_DIR=str(tmp / "data" / "log"),
        )
        self.env = {"PATH": os.environ["PATH"], **env}
        self.data_log_dir = Path(env["DATA_LOG_DIR"])
        self.server_properties = Path(env["SERVER_PROPERTIES"])

    def configure(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(self.chart_dir / "configure.sh")], env=self.env,
                              capture_output=True, text=True, timeout=30, check=False)

    def properties(self) -> dict[str, str]:
        result = self.configure()
        assert result.returncode == 0, result.stderr
        return parse_properties(self.server_properties.read_text())


@pytest.mark.parametrize(("pod", "broker_id"), [("kafka-0", "0"), ("kafka-2", "2"),
                                                 ("my-kafka-10", "10")])
def test_broker_ids_follow_pod_ordinal(tmp_path, pod, broker_id):
    assert Broker(tmp_path, pod=pod).properties()["broker.id"] == broker_id


def test_broker_id_offset_keeps_seed_ids(tmp_path):
    assert Broker(tmp_path, {"brokerIdOffset": 1}).properties()["broker.id"] == "3"


def test_pod_name_without_ordinal_is_refused(tmp_path):
    result = Broker(tmp_path, pod="kafka").configure()
    assert result.returncode != 0
    assert "cannot take a broker id from pod name 'kafka'" in result.stderr


def test_advertised_listener_is_the_pods_fqdn(tmp_path):
    props = Broker(tmp_path, pod="kafka-2", release="kafka", namespace="streaming").properties()
    assert props["listeners"] == "CLIENT://:9092,INTERNAL://:9094"
    assert props["advertised.listeners"] == (
        "CLIENT://kafka-2.kafka-headless.streaming.svc.cluster.local:9092,"
        "INTERNAL://kafka-2.kafka-headless.streaming.svc.cluster.local:9094")
    assert props["listener.security.protocol.map"] == "CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT"
    assert props["inter.broker.listener.name"] == "INTERNAL"


def test_advertised_listener_follows_cluster_domain_and_headless_name(tmp_path):
    values = {"clusterDomain": "corp.example", "fullnameOverride": "kafka",
              "service": {"headless": {"name": "kafka-svc"}}}
    props = Broker(tmp_path, values, pod="kafka-0", namespace="default").properties()
    assert props["advertised.listeners"] == (
        "CLIENT://kafka-0.kafka-svc.default.svc.corp.example:9092,"
        "INTERNAL://kafka-0.kafka-svc.default.svc.corp.example:9094")


def test_generated_properties_from_defaults(tmp_path):
    props = Broker(tmp_path, release="stack").properties()
    assert props["zookeeper.connect"] == "stack-zookeeper:2181"
    assert props["log.dirs"] == str(tmp_path / "data" / "log")
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["transaction.state.log.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2"
    assert props["log.retention.hours"] == "168"
    assert props["controlled.shutdown.enable"] == "true"
    # log.dirs is a subdirectory of the volume, created by the script: lost+found at the
    # volume root is not in Kafka's way.
    assert (tmp_path / "data" / "log").is_dir()


def test_generated_properties_merge_config_and_external_zookeeper(tmp_path):
    values = {"replicaCount": 1,
              "externalZookeeper": {"connect": "zk-a:2181,zk-b:2181"},
              "zookeeper": {"chroot": "/kafka"},
              "config": {"num.partitions": 12, "log.retention.hours": 48,
                         "replica.selector.class": ""}}
    props = Broker(tmp_path, values, pod="kafka-0").properties()
    assert props["zookeeper.connect"] == "zk-a:2181,zk-b:2181/kafka"
    assert props["num.partitions"] == "12"
    assert props["log.retention.hours"] == "48"
    assert props["replica.selector.class"] == ""
    assert props["default.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"


def test_restart_on_same_volume_keeps_identity(tmp_path):
    broker = Broker(tmp_path, pod="kafka-1")
    broker.data_log_dir.mkdir(parents=True)
    shutil.copy(FIXTURES / "meta.properties", broker.data_log_dir / "meta.properties")
    assert broker.properties()["broker.id"] == "1"
    # Rewritten at each start, not appended to.
    assert broker.properties()["broker.id"] == "1"
    assert broker.server_properties.read_text().count("broker.id=") == 1


def test_refuses_a_volume_of_another_broker(tmp_path):
    broker = Broker(tmp_path, pod="kafka-2")
    broker.data_log_dir.mkdir(parents=True)
    shutil.copy(FIXTURES / "meta.properties", broker.data_log_dir / "meta.properties")
    result = broker.configure()
    assert result.returncode != 0
    assert "broker.id=1 but pod kafka-2 is broker 2" in result.stderr
    assert not broker.server_properties.exists()


def test_refuses_base_config_with_owned_keys(tmp_path):
    broker = Broker(tmp_path)
    base = Path(broker.env["BASE_CONFIG"])
    base.write_text(base.read_text() + "broker.id=7\n")
    result = broker.configure()
    assert result.returncode != 0
    assert "sets keys this script owns" in result.stderr


def test_start_execs_kafka_with_generated_properties(tmp_path):
    broker = Broker(tmp_path)
    fake_home = tmp_path / "kafka-home"
    (fake_home / "bin").mkdir(parents=True)
    shutil.copy(FIXTURES / "kafka-server-start.sh", fake_home / "bin")
    args_file = tmp_path / "args"
    env = {**broker.env, "KAFKA_HOME": str(fake_home), "FAKE_KAFKA_ARGS": str(args_file)}
    result = subprocess.run(["bash", str(broker.chart_dir / "start.sh")], env=env,
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert args_file.read_text().splitlines() == [str(broker.server_properties)]
    assert parse_properties(broker.server_properties.read_text())["broker.id"] == "2"


def test_start_gives_the_broker_alone_its_jvm_settings(tmp_path):
    """The container env carries BROKER_*; only the broker process gets KAFKA_* (a tool run
    with kubectl exec used to inherit the broker's heap and console logging)."""
    broker = Broker(tmp_path, {"heapSize": "768M", "kafkaOpts": "-Dx=y"})
    assert not [k for k in broker.env if k.startswith("KAFKA_")]
    fake_home = tmp_path / "kafka-home"
    (fake_home / "bin").mkdir(parents=True)
    shutil.copy(FIXTURES / "kafka-server-start.sh", fake_home / "bin")
    seen = tmp_path / "env"
    env = {**broker.env, "KAFKA_HOME": str(fake_home), "FAKE_KAFKA_ARGS": str(tmp_path / "a"),
           "FAKE_KAFKA_ENV": str(seen)}
    result = subprocess.run(["bash", str(broker.chart_dir / "start.sh")], env=env,
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    kafka_env = dict(line.split("=", 1) for line in seen.read_text().splitlines())
    assert kafka_env["KAFKA_HEAP_OPTS"] == "-Xmx768M -Xms768M"
    assert kafka_env["KAFKA_OPTS"] == "-Dx=y"
    assert kafka_env["KAFKA_LOG4J_OPTS"] == (
        "-Dlog4j.configuration=file:/opt/kafka/chart/log4j.properties")
    # Kafka's own GC log default (10 x 100M) would overflow the bounded logs emptyDir.
    assert kafka_env["KAFKA_GC_LOG_OPTS"] == (
        "-Xlog:gc*:file=/opt/kafka/logs/kafkaServer-gc.log:time,tags:filecount=4,filesize=16M")


def start_with_fake_zookeeper(tmp_path, registered_calls, wait_seconds="30"):
    broker = Broker(tmp_path)
    fake_home = tmp_path / "kafka-home"
    (fake_home / "bin").mkdir(parents=True)
    shutil.copy(FIXTURES / "kafka-server-start.sh", fake_home / "bin")
    shutil.copy(FIXTURES / "zookeeper-shell.sh", fake_home / "bin")
    calls = tmp_path / "zk-calls"
    calls.touch()
    env = {**broker.env, "KAFKA_HOME": str(fake_home), "FAKE_KAFKA_ARGS": str(tmp_path / "args"),
           "FAKE_ZK_CALLS": str(calls), "FAKE_REGISTERED_CALLS": str(registered_calls),
           "REGISTRATION_POLL_SECONDS": "0", "REGISTRATION_WAIT_SECONDS": wait_seconds,
           "KAFKA_HEAP_OPTS": "-Xmx1G -Xms1G", "JMX_PORT": "5555"}
    result = subprocess.run(["bash", str(broker.chart_dir / "start.sh")], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    return broker, result, calls.read_text().splitlines(), tmp_path / "args"


def test_start_waits_out_a_stale_registration_of_its_broker_id(tmp_path):
    broker, result, calls, args = start_with_fake_zookeeper(tmp_path, registered_calls=2)
    assert result.returncode == 0, result.stderr
    assert len(calls) == 3  # registered, registered, gone -> start
    heap, argv = calls[0].split("|")
    assert heap == "-Xmx64m"
    connect = parse_properties(broker.server_properties.read_text())["zookeeper.connect"]
    assert argv.split() == [connect, "get", "/brokers/ids/2"]
    assert result.stderr.count("still registered by an expiring session") == 2
    assert args.read_text().splitlines() == [str(broker.server_properties)]


def test_start_does_not_wait_when_the_broker_is_not_registered(tmp_path):
    _, result, calls, args = start_with_fake_zookeeper(tmp_path, registered_calls=0)
    assert result.returncode == 0, result.stderr
    assert len(calls) == 1
    assert "still registered" not in result.stderr
    assert args.exists()


def test_start_gives_up_waiting_after_the_bound_and_starts_anyway(tmp_path):
    _, result, calls, args = start_with_fake_zookeeper(tmp_path, registered_calls=10**6,
                                                       wait_seconds="1")
    assert result.returncode == 0, result.stderr
    # At least one look, however slow the machine (a check that needed two looks within the
    # 1 s bound failed under CPU load); looking again is test_start_waits_out_...'s job.
    assert len(calls) >= 1
    assert "still registered after 1s; starting anyway" in result.stderr
    assert args.exists()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_scripts_are_shellcheck_clean():
    scripts = sorted(str(p) for p in FILES.glob("*.sh"))
    assert scripts
    result = subprocess.run(["shellcheck", "-x", *scripts], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout
