"""rackAwareness: broker.rack from the node's zone label. The render (ClusterRole scope, the
token in the init container alone, broker.rack owned by the chart), rack.sh against a
stand-in kubectl, and configure.sh writing broker.rack from the init container's file."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import by_kind, one, render_chart
from stackctl.errors import HelmError
from test_kafka_config_script import Broker

RELEASE, NAMESPACE = "kafka", "streaming"
FAKE_KUBECTL = Path(__file__).parent / "scripts" / "kafka" / "kubectl"
RACK = {"rackAwareness": {"enabled": True}}


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return render_chart("kafka", values, release=RELEASE, namespace=NAMESPACE)


def pod_spec(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objs, "StatefulSet")["spec"]["template"]["spec"]


def test_off_by_default_no_cluster_role_no_init_container():
    objs = render()
    assert not by_kind(objs, "ClusterRole") and not by_kind(objs, "ClusterRoleBinding")
    assert "initContainers" not in pod_spec(objs)
    assert "rack.sh" not in one(objs, "ConfigMap", "kafka-scripts")["data"]


def test_cluster_role_may_only_get_nodes_and_is_named_per_namespace():
    objs = render(RACK)
    role = one(objs, "ClusterRole")
    assert role["metadata"]["name"] == "streaming-kafka-rack"
    assert role["rules"] == [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]
    binding = one(objs, "ClusterRoleBinding")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                  "kind": "ClusterRole", "name": "streaming-kafka-rack"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "kafka",
                                    "namespace": NAMESPACE}]


def test_the_rack_init_container_alone_holds_a_token():
    objs = render(RACK)
    spec = pod_spec(objs)
    assert spec["automountServiceAccountToken"] is False
    [init] = spec["initContainers"]
    assert init["name"] == "rack"
    assert init["image"] == "registry.k8s.io/kubectl:v1.34.2"
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in init["env"]}
    assert env["NODE_NAME"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    assert env["TOPOLOGY_KEY"] == "topology.kubernetes.io/zone"
    assert "kube-api-access" in {m["name"] for m in init["volumeMounts"]}
    broker = next(c for c in spec["containers"] if c["name"] == "kafka")
    assert "kube-api-access" not in {m["name"] for m in broker["volumeMounts"]}
    assert {"name": "RACK_FILE", "value": "/opt/kafka/rack/rack"} in broker["env"]


def test_with_auto_discovery_both_init_containers_share_the_image_settings():
    values = {**RACK, "kubectl": {"image": {"registry": "mirror.example.com", "tag": "v1.33.0"}},
              "externalAccess": {"enabled": True, "service": {"type": "LoadBalancer"},
                                 "autoDiscovery": {"enabled": True}}}
    inits = pod_spec(render(values))["initContainers"]
    assert [i["name"] for i in inits] == ["external-address", "rack"]
    assert {i["image"] for i in inits} == {"mirror.example.com/kubectl:v1.33.0"}


def test_config_may_not_set_broker_rack_once_the_chart_owns_it():
    render({"config": {"broker.rack": "a"}})  # without rackAwareness: the user's to set
    with pytest.raises(HelmError) as err:
        render({**RACK, "config": {"broker.rack": "a"}})
    assert "config.broker.rack: owned by the chart (rackAwareness" in str(err.value)


class Rack:
    """rack.sh as the init container runs it, with a stand-in kubectl on PATH."""

    def __init__(self, tmp: Path, answers: list[str], timeout: str = "30",
                 key: str = "topology.kubernetes.io/zone") -> None:
        objs = render_chart("kafka", {**RACK, "rackAwareness": {"enabled": True,
                                                                 "topologyKey": key}},
                            release=RELEASE, namespace=NAMESPACE,
                            show_only=["templates/configmap-scripts.yaml"])
        self.script = tmp / "rack.sh"
        self.script.write_text(one(objs, "ConfigMap")["data"]["rack.sh"])
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        shutil.copy(FAKE_KUBECTL, bin_dir / "kubectl")
        (tmp / "answers").write_text("\n".join(answers) + "\n")
        self.calls = tmp / "calls"
        self.calls.touch()
        self.rack_file = tmp / "rack" / "rack"
        self.env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "NODE_NAME": "node-b",
                    "TOPOLOGY_KEY": key, "RACK_FILE": str(self.rack_file),
                    "RACK_TIMEOUT_SECONDS": timeout, "RACK_POLL_SECONDS": "0",
                    "FAKE_KUBECTL_CALLS": str(self.calls),
                    "FAKE_KUBECTL_ANSWERS": str(tmp / "answers")}

    def run(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(self.script)], env=self.env, capture_output=True,
                              text=True, timeout=60, check=False)


def test_rack_reads_the_nodes_label_and_retries_api_errors(tmp_path: Path):
    r = Rack(tmp_path, ["ERR Unable to connect to the server: dial tcp: i/o timeout",
                        "europe-west1-b"])
    result = r.run()
    assert result.returncode == 0, result.stderr
    assert r.rack_file.read_text() == "europe-west1-b\n"
    calls = r.calls.read_text().splitlines()
    jsonpath = r"jsonpath={.metadata.labels.topology\.kubernetes\.io/zone}"
    assert calls == [f"get node node-b --output {jsonpath}"] * 2
    assert "i/o timeout; retrying" in result.stderr


def test_rack_ignores_kubectl_warnings_on_stderr(tmp_path: Path):
    r = Rack(tmp_path, ["zone-c"])
    r.env["FAKE_KUBECTL_WARNING"] = "Warning: v1 ComponentStatus is deprecated"
    assert r.run().returncode == 0
    assert r.rack_file.read_text() == "zone-c\n"


def test_rack_stops_the_pod_when_the_node_has_no_label(tmp_path: Path):
    r = Rack(tmp_path, [""])
    result = r.run()
    assert result.returncode == 1
    assert "node node-b has no label topology.kubernetes.io/zone" in result.stderr
    assert "kubectl label node node-b topology.kubernetes.io/zone=<zone>" in result.stderr
    assert not r.rack_file.exists()
    assert len(r.calls.read_text().splitlines()) == 1  # no retry: waiting would not help


def test_rack_gives_up_after_its_timeout_naming_the_grant(tmp_path: Path):
    r = Rack(tmp_path, ['ERR Error from server (Forbidden): nodes "node-b" is forbidden'],
             timeout="0")
    result = r.run()
    assert result.returncode == 1
    assert "cannot read node node-b after 0s" in result.stderr
    assert "ClusterRole of rackAwareness" in result.stderr


def test_configure_writes_broker_rack_from_the_init_containers_file(tmp_path: Path):
    broker = Broker(tmp_path, RACK)
    assert broker.env["RACK_FILE"] == "/opt/kafka/rack/rack"
    rack_file = tmp_path / "rack"
    rack_file.write_text("zone-a\n")
    broker.env["RACK_FILE"] = str(rack_file)
    result = broker.configure()
    assert result.returncode == 0, result.stderr
    assert "broker.rack=zone-a" in broker.server_properties.read_text().splitlines()
    assert "in rack zone-a" in result.stdout


def test_configure_refuses_a_missing_rack_file(tmp_path: Path):
    broker = Broker(tmp_path, RACK)
    broker.env["RACK_FILE"] = str(tmp_path / "absent")
    result = broker.configure()
    assert result.returncode == 1
    assert "the rack init container writes this node's zone there" in result.stderr


def test_without_rack_awareness_no_broker_rack(tmp_path: Path):
    assert "broker.rack" not in Broker(tmp_path).properties()
