"""Chart CI value sets (the chart-testing convention: charts/<chart>/ci/*-values.yaml).

Each file switches on something that changes the rendered shape. Each is rendered here with
its chart (render_chart validates every object against the strict Kubernetes schema), must
differ from the defaults, and must show the switch it is named after; tests/test_pod_security
checks the same renders against Pod Security "restricted". `ct lint` reads the same files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import CHARTS, by_kind, one, render_chart

Objs = list[dict[str, Any]]
CI_FILES = sorted(CHARTS.glob("*/ci/*-values.yaml"))


def sts(objs: Objs, name: str | None = None) -> dict[str, Any]:
    return one(objs, "StatefulSet", name)


def pod(objs: Objs, name: str | None = None) -> dict[str, Any]:
    return sts(objs, name)["spec"]["template"]["spec"]


def volumes(objs: Objs, name: str | None = None) -> dict[str, Any]:
    return {v["name"]: v for v in pod(objs, name)["volumes"]}


def claims(objs: Objs, name: str | None = None) -> list[str]:
    return [c["metadata"]["name"] for c in sts(objs, name)["spec"].get("volumeClaimTemplates", [])]


def required_anti_affinity(objs: Objs, name: str | None = None) -> bool:
    return "requiredDuringSchedulingIgnoredDuringExecution" in pod(objs, name)["affinity"][
        "podAntiAffinity"]


EXPECT: dict[str, Callable[[Objs], Any]] = {
    "zookeeper/no-persistence": lambda o: (
        not claims(o) and volumes(o)["data"]["emptyDir"] == {"sizeLimit": "8Gi"}
        and "datalog" in volumes(o)),
    "zookeeper/datalog": lambda o: claims(o) == ["data", "datalog"],
    "zookeeper/hard-affinity": lambda o: (
        required_anti_affinity(o) and pod(o)["topologySpreadConstraints"]),
    "zookeeper/renamed": lambda o: (
        sts(o, "zk")["spec"]["serviceName"] == "zk-svc"
        and pod(o, "zk")["serviceAccountName"] == "zk-runner"
        and not by_kind(o, "ServiceAccount")),
    "zookeeper/single-server": lambda o: (
        sts(o)["spec"]["replicas"] == 1
        and one(o, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1),
    "zookeeper/admin-server": lambda o: (
        {"name": "admin", "containerPort": 9090} in pod(o)["containers"][0]["ports"]
        and one(o, "PodDisruptionBudget")["spec"]["minAvailable"] == 2
        and pod(o)["containers"][0]["image"].startswith("mirror.example.com/")
        and "@sha256:" in pod(o)["containers"][0]["image"]),
    "zookeeper/sasl": lambda o: (
        list(one(o, "Secret")["data"]) == ["client-password"]
        and volumes(o)["auth-client"]["secret"]["secretName"] == "stack-zookeeper-auth"
        and {"name": "ZK_CLIENT_AUTH_ENFORCE", "value": "true"} in pod(o)["initContainers"][0][
            "env"]),
    "zookeeper/sasl-quorum": lambda o: (
        list(one(o, "Secret")["data"]) == ["quorum-password"]
        and volumes(o)["auth-client"]["secret"]["secretName"] == "zk-client-credentials"
        and volumes(o)["auth-quorum"]["secret"]["secretName"] == "stack-zookeeper-auth"),
    "zookeeper/metrics": lambda o: (
        {"name": "metrics", "containerPort": 7070} in pod(o)["containers"][0]["ports"]
        and one(o, "PodMonitor")["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        and one(o, "Service", "stack-zookeeper-metrics")["spec"]["ports"][0]["targetPort"]
        == "metrics"),
    "kafka/no-persistence": lambda o: (
        not claims(o) and volumes(o)["data"]["emptyDir"] == {"sizeLimit": "8Gi"}),
    "kafka/hard-affinity": lambda o: (
        required_anti_affinity(o)
        and "requiredDuringSchedulingIgnoredDuringExecution" in pod(o)["affinity"]["podAffinity"]),
    "kafka/renamed": lambda o: (
        sts(o, "kafka")["spec"]["serviceName"] == "kafka-svc"
        and sts(o, "kafka")["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        == "broker"),
    "kafka/single-broker": lambda o: sts(o)["spec"]["replicas"] == 1,
    "kafka/kraft": lambda o: (
        sts(o, "stack-kafka-controller")["spec"]["replicas"] == 3
        and required_anti_affinity(o, "stack-kafka-controller")
        and "process.roles=broker"
        in one(o, "ConfigMap", "stack-kafka-scripts")["data"]["server.properties"]
        and "zookeeper.connect" not in one(o, "ConfigMap", "stack-kafka-scripts")["data"][
            "server.properties"]
        and one(o, "PodDisruptionBudget", "stack-kafka-controller")["spec"]["maxUnavailable"] == 1),
    "kafka/kraft-combined": lambda o: (
        "process.roles=broker,controller"
        in one(o, "ConfigMap", "stack-kafka-scripts")["data"]["server.properties"]
        and not [s for s in by_kind(o, "StatefulSet") if "controller" in s["metadata"]["name"]]
        and one(o, "Secret", "stack-kafka-kraft")["data"]["cluster-id"]
        == "TWtVM09FVkJOVGN3TlRKRU5ETTJRaw=="),
    "kafka/external-zookeeper": lambda o: (
        "zk-0.zk.ops:2181,zk-1.zk.ops:2181,zk-2.zk.ops:2181/kafka/orders"
        in one(o, "ConfigMap")["data"]["server.properties"]
        and "podAffinity" not in pod(o)["affinity"]
        and one(o, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 2),
    "kafka/sasl-ssl": lambda o: (
        "listener.security.protocol.map=CLIENT:SASL_SSL,INTERNAL:SASL_SSL"
        in one(o, "ConfigMap")["data"]["server.properties"]
        and one(o, "Secret", "stack-kafka-tls")
        and sorted(one(o, "Secret", "stack-kafka-users")["data"])
        == ["app", "inter_broker", "monitoring"]
        and volumes(o)["zookeeper-auth"]["secret"]["secretName"] == "stack-zookeeper-auth"),
    "kafka/ssl-mtls": lambda o: (
        "listener.name.client.ssl.client.auth=required"
        in one(o, "ConfigMap")["data"]["server.properties"]
        and volumes(o)["tls"]["secret"]["secretName"] == "kafka-broker-tls"
        and not by_kind(o, "Secret")),
    "kafka/sasl-plaintext-scram256": lambda o: (
        "sasl.enabled.mechanisms=SCRAM-SHA-256,PLAIN"
        in one(o, "ConfigMap")["data"]["server.properties"]
        and volumes(o)["users"]["secret"]["secretName"] == "kafka-passwords"
        and not by_kind(o, "Secret")),
    "kafka/provisioning": lambda o: (
        one(o, "Job", "stack-kafka-provisioning")["metadata"]["annotations"]["helm.sh/hook"]
        == "post-install,post-upgrade"
        and one(o, "ConfigMap", "stack-kafka-provisioning")["data"]["topics"]
        == "orders\t6\t3\tdeclared\naudit\t1\t3\tdefault\n"
        and "super.users=User:inter_broker;User:admin"
        in one(o, "ConfigMap", "stack-kafka-scripts")["data"]["server.properties"]),
    "kafka/zookeeper-auth": lambda o: (
        "zookeeper.set.acl=true" in one(o, "ConfigMap")["data"]["server.properties"]
        and volumes(o)["zookeeper-auth"]["secret"]["items"]
        == [{"key": "orders-kafka", "path": "orders-kafka"}]),
    "kafka/external-access": lambda o: (
        [s["metadata"]["name"] for s in by_kind(o, "Service")
         if s["spec"]["type"] == "NodePort"]
        == ["stack-kafka-external-bootstrap", "stack-kafka-0-external", "stack-kafka-1-external",
            "stack-kafka-2-external"]
        and "EXTERNAL:SASL_SSL" in one(o, "ConfigMap")["data"]["server.properties"]
        and volumes(o)["tls"]["secret"]["secretName"] == "kafka-external-tls"),
    "kafka/external-loadbalancer": lambda o: (
        pod(o)["initContainers"][0]["name"] == "external-address"
        and one(o, "Role")["rules"][0]["resourceNames"]
        == [f"stack-kafka-{i}-external" for i in range(3)]
        and not by_kind(o, "Secret")
        and volumes(o)["tls"]["secret"]["secretName"] == "kafka-external-tls"),
    "kafka/rack-awareness": lambda o: (
        [i["name"] for i in pod(o)["initContainers"]] == ["rack"]
        and one(o, "ClusterRole")["rules"]
        == [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]
        and "rack.sh" in one(o, "ConfigMap", "stack-kafka-scripts")["data"]),
    "kafka/metrics": lambda o: (
        [i["name"] for i in pod(o)["initContainers"]] == ["jmx-agent"]
        and "-javaagent:" in {e["name"]: e.get("value", "") for e in pod(o)["containers"][0][
            "env"]}["BROKER_OPTS"]
        and "kafka_server_brokerstate" in one(o, "ConfigMap", "stack-kafka-metrics")["data"][
            "jmx-exporter.yaml"]
        and one(o, "ServiceMonitor")["spec"]["endpoints"][0]["interval"] == "15s"),
    "stack/renamed": lambda o: (
        sts(o, "zk") and sts(o, "kafka")
        and "zookeeper.connect=zk:2181" in one(o, "ConfigMap", "kafka-scripts")["data"][
            "server.properties"]),
    "stack/external-zookeeper": lambda o: (
        [s["metadata"]["name"] for s in by_kind(o, "StatefulSet")] == ["stack-kafka"]),
    "stack/zookeeper-only": lambda o: (
        [s["metadata"]["name"] for s in by_kind(o, "StatefulSet")] == ["stack-zookeeper"]),
}


def case(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.name.removesuffix('-values.yaml')}"


def test_every_ci_value_set_says_what_it_shows() -> None:
    assert sorted(case(p) for p in CI_FILES) == sorted(EXPECT)


@pytest.mark.parametrize("path", CI_FILES, ids=case)
def test_ci_value_set_renders_valid_objects_with_its_switch(path: Path) -> None:
    chart = path.parent.parent.name
    objs = render_chart(chart, value_files=[path])
    assert objs != render_chart(chart), f"{case(path)} renders the same as the defaults"
    assert EXPECT[case(path)](objs), f"{case(path)} does not show its switch"
