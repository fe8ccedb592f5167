"""KRaft mode of the kafka chart (kraft.enabled): what it renders, what it refuses, what the
upgrade guard keeps from changing, and what the pod scripts do with it.

A real controller and broker started by these scripts: tests/test_kafka_kraft_local_smoke.py.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    CHARTS,
    fed_copy,
    one,
    prepared,
    problem_lines,
    render_chart,
    render_chart_text,
    secret_values_redacted,
)
from stackctl import helm
from stackctl.errors import HelmError
from test_kafka_config_script import parse_properties

FIXTURES = Path(__file__).parent / "scripts" / "kafka"
KRAFT = {"kraft": {"enabled": True}}
COMBINED = {"kraft": {"enabled": True, "combined": True}, "replicaCount": 1}
FQDN = "{pod}.{svc}.default.svc.cluster.local"


def props(cm: dict, key: str) -> dict[str, str]:
    return parse_properties(cm["data"][key])


def env_of(sts: dict) -> dict[str, dict]:
    return {e["name"]: e for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]}


def voters(first: int, n: int, sts: str, svc: str, port: int = 9093) -> str:
    return ",".join(f"{first + i}@{FQDN.format(pod=f'{sts}-{i}', svc=svc)}:{port}"
                    for i in range(n))


# --- what KRaft mode renders -------------------------------------------------------------

def test_dedicated_controllers_form_the_quorum_and_no_zookeeper_is_used():
    objs = render_chart("kafka", KRAFT, release="kafka")
    cm = one(objs, "ConfigMap", "kafka-scripts")
    quorum = voters(1000, 3, "kafka-controller", "kafka-controller-headless")
    broker = props(cm, "server.properties")
    assert broker["process.roles"] == "broker"
    assert broker["controller.quorum.voters"] == quorum
    assert broker["controller.listener.names"] == "CONTROLLER"
    assert broker["listeners"] == "CLIENT://:9092,INTERNAL://:9094"
    assert broker["listener.security.protocol.map"].endswith(",CONTROLLER:PLAINTEXT")
    assert "zookeeper.connect" not in broker
    controller = props(cm, "controller.properties")
    assert controller == {
        "process.roles": "controller", "controller.quorum.voters": quorum,
        "controller.listener.names": "CONTROLLER", "listeners": "CONTROLLER://:9093",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT",
        # a KRaft controller creates the topics: it applies the replication defaults
        "default.replication.factor": "3", "min.insync.replicas": "2"}

    sts = one(objs, "StatefulSet", "kafka-controller")
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    assert sts["spec"]["serviceName"] == "kafka-controller-headless"
    assert sts["metadata"]["annotations"]["kafka.chart/quorum"] == quorum
    pod = sts["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "docker.io/apache/kafka:4.3.2"
    env = env_of(sts)
    assert env["NODE_ID_OFFSET"]["value"] == "1000"
    assert env["BASE_CONFIG"]["value"] == "/opt/kafka/chart/controller.properties"
    assert env["KAFKA_CLUSTER_ID"]["valueFrom"] == {
        "secretKeyRef": {"name": "kafka-kraft", "key": "cluster-id"}}
    assert [p["name"] for p in pod["containers"][0]["ports"]] == ["tcp-controller"]
    assert sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"] == {
        "storage": "1Gi"}
    assert one(objs, "Service", "kafka-controller-headless")["spec"]["publishNotReadyAddresses"]
    assert one(objs, "PodDisruptionBudget", "kafka-controller")["spec"]["maxUnavailable"] == 1

    brokers = one(objs, "StatefulSet", "kafka")
    assert env_of(brokers)["KAFKA_CLUSTER_ID"]["valueFrom"]["secretKeyRef"]["name"] == "kafka-kraft"
    assert brokers["metadata"]["annotations"]["kafka.chart/metadata"] == "kraft"
    # no affinity to ZooKeeper pods that do not exist
    assert "podAffinity" not in brokers["spec"]["template"]["spec"]["affinity"]
    for obj in objs:
        if "labels" in obj["metadata"] and obj["kind"] != "Secret":
            assert obj["metadata"]["labels"]["app.kubernetes.io/version"] == "4.3.2", obj["kind"]


def test_a_generated_cluster_id_never_starts_with_a_dash(tmp_path: Path):
    # Kafka's own Uuid.randomUuid skips those: kafka-storage.sh would read one as an
    # option. 1 in 64 random ids starts with "-": 400 of them all but surely meet one.
    feed = ('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feed\ndata:\n'
            '  ids: {{ range until 400 }}{{ include "kafka.clusterId" (dict "ctx" $) }} '
            '{{ end }}\n')
    chart = fed_copy("kafka", tmp_path / "kafka", "zz-feed.yaml", feed, keys=())
    out = helm.template(chart, values=KRAFT, show_only=["templates/zz-feed.yaml"])
    ids = out.split("ids: ", 1)[1].split()
    assert len(ids) == 400 and len(set(ids)) == 400
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}", i) for i in ids), ids


def test_the_cluster_id_is_generated_as_kafka_writes_one_and_can_be_given():
    secret = one(render_chart("kafka", KRAFT, release="kafka"), "Secret", "kafka-kraft")
    cluster_id = base64.b64decode(secret["data"]["cluster-id"]).decode()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id)
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    given = one(render_chart("kafka", {**KRAFT, "kraft": {"enabled": True,
                                                          "clusterId": "MkU3OEVBNTcwNTJENDM2Qk"}},
                             release="kafka"), "Secret", "kafka-kraft")
    assert base64.b64decode(given["data"]["cluster-id"]).decode() == "MkU3OEVBNTcwNTJENDM2Qk"


def test_an_upgrade_keeps_the_cluster_id_it_finds(tmp_path: Path):
    feed = ('{{- $existing := dict "data" '
            '(dict "cluster-id" ("AAAAAAAAAAAAAAAAAAAAAA" | b64enc)) -}}\n'
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feed\ndata:\n'
            '  id: {{ include "kafka.clusterId" (dict "existing" $existing "ctx" .) | quote }}\n')
    chart = fed_copy("kafka", tmp_path / "kafka", "zz-feed.yaml", feed, keys=())
    out = helm.template(chart, values=KRAFT, show_only=["templates/zz-feed.yaml"])
    assert 'id: "AAAAAAAAAAAAAAAAAAAAAA"' in out


def test_combined_mode_makes_every_broker_a_voter():
    objs = render_chart("kafka", {**COMBINED, "replicaCount": 3}, release="kafka")
    assert [o for o in objs if o["metadata"]["name"].startswith("kafka-controller")] == []
    broker = props(one(objs, "ConfigMap", "kafka-scripts"), "server.properties")
    assert broker["process.roles"] == "broker,controller"
    assert broker["controller.quorum.voters"] == voters(0, 3, "kafka", "kafka-headless")
    assert broker["listeners"] == "CLIENT://:9092,INTERNAL://:9094,CONTROLLER://:9093"
    sts = one(objs, "StatefulSet", "kafka")
    ports = [p["name"] for p in sts["spec"]["template"]["spec"]["containers"][0]["ports"]]
    assert "tcp-controller" in ports
    headless = one(objs, "Service", "kafka-headless")
    assert "tcp-controller" in [p["name"] for p in headless["spec"]["ports"]]
    assert sts["metadata"]["annotations"]["kafka.chart/metadata"] == "kraft-combined"


def test_zookeeper_mode_is_unchanged_by_the_kraft_values():
    """No KRaft object, annotation or setting unless kraft.enabled; 3.9.1 stays the image."""
    objs = render_chart("kafka", {}, release="kafka")
    assert not [o for o in objs if "controller" in o["metadata"]["name"] or
                o["metadata"]["name"] == "kafka-kraft"]
    sts = one(objs, "StatefulSet", "kafka")
    assert "kafka.chart/metadata" not in sts["metadata"]["annotations"]
    assert "KAFKA_CLUSTER_ID" not in env_of(sts)
    image = sts["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "docker.io/apache/kafka:3.9.1"
    cm = one(objs, "ConfigMap", "kafka-scripts")
    assert "process.roles" not in props(cm, "server.properties")
    assert "controller.properties" not in cm["data"]
    assert "BROKER_LOG4J2_CONFIG" not in env_of(sts)


def test_controllers_network_policy_admits_brokers_and_controllers_only():
    objs = render_chart("kafka", {**KRAFT, "networkPolicy": {"allowExternalEgress": False}},
                        release="kafka")
    policy = one(objs, "NetworkPolicy", "kafka-controller")
    [rule] = policy["spec"]["ingress"]
    assert rule["ports"] == [{"port": 9093, "protocol": "TCP"}]
    assert sorted(p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                  for p in rule["from"]) == ["broker", "controller"]
    egress = policy["spec"]["egress"]
    peer = egress[-1]["to"][0]["podSelector"]["matchLabels"]
    assert peer["app.kubernetes.io/component"] == "controller"
    brokers = one(objs, "NetworkPolicy", "kafka")
    to_controllers = [r for r in brokers["spec"]["egress"] if r.get("ports") == [
        {"port": 9093, "protocol": "TCP"}]]
    assert to_controllers[0]["to"][0]["podSelector"]["matchLabels"][
        "app.kubernetes.io/component"] == "controller"
    # no rule to ZooKeeper pods
    assert not [r for r in brokers["spec"]["egress"] for p in r.get("to", [])
                if p.get("podSelector", {}).get("matchLabels", {}).get(
                    "app.kubernetes.io/component") == "zookeeper"]


# --- what KRaft mode refuses -------------------------------------------------------------

@pytest.mark.parametrize(("values", "message"), [
    ({**KRAFT, "listeners": {"client": {"protocol": "SASL_SSL"}}},
     "listeners.client.protocol: SASL_SSL is not supported in KRaft mode by this chart"),
    ({**KRAFT, "listeners": {"interbroker": {"protocol": "SSL"}}},
     "listeners.interbroker.protocol: SSL is not supported in KRaft mode"),
    ({**KRAFT, "authorization": {"enabled": True, "superUsers": ["User:ANONYMOUS"]}},
     "authorization.enabled: an authorizer is not supported in KRaft mode"),
    ({**KRAFT, "listeners": {"controller": {"containerPort": 9092}}},
     "listeners.controller.containerPort: 9092 is also listeners.client.containerPort"),
    ({**KRAFT, "controller": {"nodeIdOffset": 2}},
     "controller.nodeIdOffset: the controllers' node ids 2..4 overlap the brokers' 0..2"),
    ({**KRAFT, "controller": {"heapSize": "1G"}},
     "controller.heapSize: 1G (1073741824 bytes: the JVM reads M as 2^20, G as 2^30) does not fit"),
    ({**KRAFT, "controller": {"pdb": {"minAvailable": 3}}},
     "controller.pdb.minAvailable: 3 is not below controller.replicaCount (3)"),
    ({**KRAFT, "controller": {"config": {"node.id": 7}}},
     "controller.config.node.id: owned by the chart"),
    ({**KRAFT, "config": {"process.roles": "broker"}},
     "config.process.roles: owned by the chart (KRaft mode: kraft.enabled"),
    ({"image": {"tag": "4.1.0"}},
     "image.tag: 4.1.0 is Kafka 4, which has no ZooKeeper mode"),
    ({**KRAFT, "image": {"tag": "2.8.2"}},
     "image.tag: 2.8.2 is Kafka 2, which has no production KRaft mode"),
])
def test_what_kraft_mode_does_not_run_fails_at_render(values: dict[str, Any], message: str):
    with pytest.raises(HelmError) as err:
        render_chart("kafka", values)
    assert any(line.startswith(message) for line in problem_lines(str(err.value))), str(err.value)


def test_a_malformed_cluster_id_is_refused_by_the_schema():
    with pytest.raises(HelmError) as err:
        render_chart("kafka", {"kraft": {"enabled": True, "clusterId": "not-an-id"}})
    assert "at '/kraft/clusterId': 'not-an-id' does not match pattern" in str(err.value)


@pytest.mark.parametrize(("values", "warning"), [
    ({**KRAFT, "controller": {"replicaCount": 4}},
     "controller.replicaCount: 4 voters tolerate no more failures than 3 would (1)"),
    ({**COMBINED, "replicaCount": 3},
     "kraft.combined: every broker is also a controller"),
    # what a migrated release still carries from ZooKeeper mode: unused, not in the way
    ({**KRAFT, "externalZookeeper": {"connect": "zk:2181"}},
     "externalZookeeper.connect: unused, KRaft mode uses no ZooKeeper; remove it"),
    ({**KRAFT, "zookeeper": {"chroot": "/kafka"}},
     "zookeeper.chroot: unused, KRaft mode uses no ZooKeeper; remove it"),
])
def test_kraft_warnings(values: dict[str, Any], warning: str):
    assert f"# WARNING: {warning}" in render_chart_text("kafka", values)


# --- the upgrade guard -------------------------------------------------------------------

FEED = ('{{- include "kafka.upgradeGuard.compare" '
        '(dict "existing" (.Values.testExisting | default dict) "ctx" .) -}}\n'
        '{{- include "kafka.controllerUpgradeGuard.compare" '
        '(dict "existing" (.Values.testController | default dict) "ctx" .) -}}\n')


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fed_copy("kafka", tmp_path_factory.mktemp("kraft-guard") / "kafka",
                    "zz-test-guard.yaml", FEED, keys=("testExisting", "testController"))


def stored(values: dict[str, Any], name: str = "stack-kafka") -> dict[str, Any]:
    obj = one(render_chart("kafka", values, release="stack"), "StatefulSet", name)
    obj["metadata"]["annotations"].update({"meta.helm.sh/release-name": "stack",
                                           "meta.helm.sh/release-namespace": "default"})
    return obj


def upgrade(guarded: Path, old: dict[str, Any], values: dict[str, Any],
            controller: dict[str, Any] | None = None) -> str:
    return helm.template(guarded, release="stack", values={
        **values, "testExisting": old, "testController": controller or {}})


def test_a_zookeeper_mode_release_is_not_switched_to_kraft(guarded: Path):
    with pytest.raises(HelmError) as err:
        upgrade(guarded, stored({}), KRAFT)
    assert 'run as "zookeeper", this upgrade as "kraft"' in str(err.value)
    assert "a ZooKeeper-mode cluster moves to KRaft only through the migration" in str(err.value)
    assert "Next: kraft.migration.phase=controllers" in str(err.value)


def test_a_kraft_release_is_not_switched_back_to_zookeeper(guarded: Path):
    with pytest.raises(HelmError) as err:
        upgrade(guarded, stored(KRAFT), {})
    assert 'run as "kraft", this upgrade as "zookeeper"' in str(err.value)
    assert "a KRaft cluster never goes back" in str(err.value)


def test_the_static_quorum_keeps_its_voters(guarded: Path):
    old, old_controller = stored(KRAFT), stored(KRAFT, "stack-kafka-controller")
    assert "kind: StatefulSet" in upgrade(guarded, old, KRAFT, old_controller)
    for change in ({"controller": {"replicaCount": 5}}, {"controller": {"nodeIdOffset": 2000}},
                   {"listeners": {"controller": {"containerPort": 9193}}}):
        with pytest.raises(HelmError) as err:
            upgrade(guarded, old, {**KRAFT, **change}, old_controller)
        assert "whose voters never change" in str(err.value), change
    with pytest.raises(HelmError) as err:
        upgrade(guarded, old, {"kraft": {"enabled": True, "combined": True}})
    assert 'run as "kraft", this upgrade as "kraft-combined"' in str(err.value)
    assert "Next: keep kraft.enabled=true and kraft.combined=false" in str(err.value)


def test_the_controllers_claims_are_guarded_like_the_brokers(guarded: Path):
    old, old_controller = stored(KRAFT), stored(KRAFT, "stack-kafka-controller")
    with pytest.raises(HelmError) as err:
        upgrade(guarded, old, {**KRAFT, "controller": {"persistence": {"size": "512Mi"}}},
                old_controller)
    assert "controller.persistence.size: the claim template \"data\" requests 1Gi" in str(err.value)


# --- the pod scripts ---------------------------------------------------------------------

class Node:
    """A KRaft pod's filesystem and environment under a temporary directory."""

    def __init__(self, tmp: Path, values: dict[str, Any], sts: str, pod: str,
                 cluster_id: str = "MkU3OEVBNTcwNTJENDM2Qk") -> None:
        objs = render_chart("kafka", values, release="kafka", namespace="streaming")
        self.chart = tmp / "chart"
        self.chart.mkdir()
        for key, text in one(objs, "ConfigMap")["data"].items():
            (self.chart / key).write_text(text)
        env = {k: e["value"] for k, e in env_of(one(objs, "StatefulSet", sts)).items()
               if "value" in e}
        env.update(POD_NAME=pod, POD_NAMESPACE="streaming", KAFKA_CLUSTER_ID=cluster_id,
                   BASE_CONFIG=str(self.chart / Path(env["BASE_CONFIG"]).name),
                   SERVER_PROPERTIES=str(tmp / "config" / "server.properties"),
                   DATA_LOG_DIR=str(tmp / "data" / "log"))
        self.env = {"PATH": "/usr/bin:/bin", **env}
        self.data = Path(env["DATA_LOG_DIR"])
        self.tmp = tmp

    def run(self, script: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(self.chart / script)], env={**self.env, **extra},
                              capture_output=True, text=True, timeout=60, check=False)

    def properties(self) -> dict[str, str]:
        result = self.run("configure.sh")
        assert result.returncode == 0, result.stderr
        return parse_properties(Path(self.env["SERVER_PROPERTIES"]).read_text())

    def home(self) -> Path:
        """A fake /opt/kafka whose kafka-storage.sh formats as the real one does."""
        home = self.tmp / "kafka"
        (home / "bin").mkdir(parents=True, exist_ok=True)
        for tool in ("kafka-server-start.sh", "kafka-storage.sh"):
            shutil.copy(FIXTURES / tool, home / "bin")
        return home


def test_a_controller_takes_its_node_id_and_advertises_its_listener(tmp_path: Path):
    node = Node(tmp_path, KRAFT, "kafka-controller", "kafka-controller-2")
    p = node.properties()
    assert p["node.id"] == "1002" and "broker.id" not in p
    assert p["advertised.listeners"] == (
        "CONTROLLER://kafka-controller-2.kafka-controller-headless.streaming.svc.cluster.local:9093")
    assert p["process.roles"] == "controller"


def test_a_kraft_broker_is_node_id_of_its_ordinal(tmp_path: Path):
    p = Node(tmp_path, KRAFT, "kafka", "kafka-1").properties()
    assert p["node.id"] == "1" and "broker.id" not in p
    assert p["advertised.listeners"].startswith("CLIENT://kafka-1.kafka-headless.streaming")


def test_a_volume_of_another_cluster_is_refused(tmp_path: Path):
    node = Node(tmp_path, KRAFT, "kafka", "kafka-0")
    node.data.mkdir(parents=True)
    (node.data / "meta.properties").write_text(
        "version=1\nnode.id=0\ncluster.id=QzZCRjRCRjQ0MDY2NDMxNE\ndirectory.id=x\n")
    result = node.run("configure.sh")
    assert result.returncode != 0
    assert ("belongs to cluster QzZCRjRCRjQ0MDY2NDMxNE, but this release's cluster id is "
            "MkU3OEVBNTcwNTJENDM2Qk") in result.stderr
    assert ("Give kraft.clusterId=QzZCRjRCRjQ0MDY2NDMxNE to keep that cluster's data"
            in result.stderr)
    (node.data / "meta.properties").write_text(
        "version=1\nnode.id=0\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n")
    assert node.run("configure.sh").returncode == 0


def test_start_formats_an_empty_volume_once(tmp_path: Path):
    node = Node(tmp_path, KRAFT, "kafka-controller", "kafka-controller-0")
    home = node.home()
    calls = tmp_path / "storage-calls"
    extra = {"KAFKA_HOME": str(home), "FAKE_KAFKA_ARGS": str(tmp_path / "args"),
             "FAKE_STORAGE_CALLS": str(calls)}
    first = node.run("start.sh", **extra)
    assert first.returncode == 0, first.stderr
    [call] = calls.read_text().splitlines()
    assert call == (f"format --config {node.env['SERVER_PROPERTIES']} "
                    "--cluster-id=MkU3OEVBNTcwNTJENDM2Qk --ignore-formatted")
    assert "node.id=1000" in (node.data / "meta.properties").read_text()
    second = node.run("start.sh", **extra)
    assert second.returncode == 0, second.stderr
    assert len(calls.read_text().splitlines()) == 1
    # then the JVM: kafka-server-start.sh with the generated settings
    assert (tmp_path / "args").read_text().split() == [node.env["SERVER_PROPERTIES"]]


def test_a_kraft_node_without_its_cluster_id_does_not_start(tmp_path: Path):
    node = Node(tmp_path, KRAFT, "kafka", "kafka-0")
    home = node.home()
    env = {k: v for k, v in node.env.items() if k != "KAFKA_CLUSTER_ID"}
    result = subprocess.run(["bash", str(node.chart / "start.sh")],
                            env={**env, "KAFKA_HOME": str(home),
                                 "FAKE_KAFKA_ARGS": str(tmp_path / "args"),
                                 "FAKE_STORAGE_CALLS": str(tmp_path / "calls")},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "KAFKA_CLUSTER_ID must be set in KRaft mode" in result.stderr
    assert not (tmp_path / "args").exists()


def test_start_picks_log4j2_when_the_image_is_kafka_4(tmp_path: Path):
    node = Node(tmp_path, KRAFT, "kafka", "kafka-0")
    home = node.home()
    (home / "libs").mkdir()
    (home / "libs" / "log4j-core-2.24.3.jar").write_text("")
    extra = {"KAFKA_HOME": str(home), "FAKE_KAFKA_ARGS": str(tmp_path / "args"),
             "FAKE_KAFKA_ENV": str(tmp_path / "env"), "FAKE_STORAGE_CALLS": str(tmp_path / "c"),
             "BROKER_LOG4J2_CONFIG": "/opt/kafka/chart/log4j2.yaml"}
    assert node.run("start.sh", **extra).returncode == 0
    assert ("KAFKA_LOG4J_OPTS=-Dlog4j2.configurationFile=/opt/kafka/chart/log4j2.yaml"
            in (tmp_path / "env").read_text().splitlines())
    (home / "libs" / "log4j-core-2.24.3.jar").unlink()
    assert node.run("start.sh", **extra).returncode == 0
    assert ("KAFKA_LOG4J_OPTS=-Dlog4j.configuration=file:/opt/kafka/chart/log4j.properties"
            in (tmp_path / "env").read_text().splitlines())


def test_no_secret_value_in_the_kraft_snapshot_form():
    """The cluster id Secret is redacted like every chart-generated Secret."""
    objs = secret_values_redacted(render_chart("kafka", KRAFT, release="kafka"))
    secret = one(objs, "Secret", "kafka-kraft")
    assert set(secret["data"]) == {"cluster-id"}
    assert not re.fullmatch(r"[A-Za-z0-9+/=]{28,}", str(secret["data"]["cluster-id"]))


def test_notes_name_the_quorum_instead_of_zookeeper():
    out = helm.run_helm(["install", "kafka", str(prepared("kafka")), "--dry-run=client",
                         "--set", "kraft.enabled=true"]).split("NOTES:", 1)[1]
    assert ("Kafka 4.3.2 (3 brokers, KRaft mode, 3 controllers in StatefulSet "
            "kafka-controller)") in out
    assert "1000@kafka-controller-0.kafka-controller-headless.default.svc.cluster.local:9093" in out
    assert "kafka-metadata-quorum.sh" in out
    assert "ZooKeeper:" not in out


# --- the stack -----------------------------------------------------------------------------

def test_the_kraft_environment_runs_no_zookeeper():
    objs = render_chart("stack", value_files=[CHARTS / "stack" / "environments" / "kraft.yaml"])
    assert not [o for o in objs if "zookeeper" in o["metadata"]["name"]]
    assert one(objs, "StatefulSet", "stack-kafka-controller")["spec"]["replicas"] == 3


def test_the_stack_warns_of_an_ensemble_beside_kraft():
    # A warning, not a refusal: the migration's last step still runs the ensemble, which
    # goes only once the controllers have left migration mode.
    assert ("# WARNING: zookeeper.enabled: true while kafka.kraft.enabled is true: KRaft mode "
            "uses no ZooKeeper") in render_chart_text("stack", {"kafka": KRAFT})
    assert "zookeeper.enabled: true while" not in render_chart_text(
        "stack", {"kafka": KRAFT, "zookeeper": {"enabled": False}})


def test_a_change_of_the_brokers_settings_alone_does_not_roll_the_controllers():
    def checksums(extra: dict[str, Any]) -> tuple[str, str]:
        objs = render_chart("kafka", {**KRAFT, **extra}, release="kafka")
        return tuple(one(objs, "StatefulSet", name)["spec"]["template"]["metadata"][
            "annotations"]["checksum/config"] for name in ("kafka-controller", "kafka"))

    controller, broker = checksums({})
    after = checksums({"log": {"retentionHours": 100}})
    assert after[0] == controller and after[1] != broker
    assert checksums({"controller": {"config": {"quorum.fetch.timeout.ms": 3000}}})[0] != controller
