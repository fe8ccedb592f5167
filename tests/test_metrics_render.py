"""Prometheus metrics of both charts (values metrics.*, README "Metrics"): the JMX exporter
javaagent in the brokers, ZooKeeper's own provider, the metrics Service, ServiceMonitor and
PodMonitor, the NetworkPolicy's metrics rule and the render errors. render_chart checks
every monitoring.coreos.com object against the real prometheus-operator CRDs
(tests/crds.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

import crds
from helpers import CHARTS, InvalidObjects, by_kind, one, prepared, problem_lines, render_chart
from stackctl import helm
from stackctl.errors import HelmError

Objs = list[dict[str, Any]]
ON = {"kafka": {"metrics": {"jmx": {"enabled": True}}},
      "zookeeper": {"metrics": {"enabled": True}}}
ON_KEY = {"kafka": "metrics.jmx.enabled", "zookeeper": "metrics.enabled"}
PORT = {"kafka": 5556, "zookeeper": 7000}
RELEASE = {"kafka": "kafka", "zookeeper": "zk"}
FULLNAME = {"kafka": "kafka", "zookeeper": "zk-zookeeper"}
CHART_NAMES = ("kafka", "zookeeper")


def merged(*parts: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        _merge(out, copy.deepcopy(part))
    return out


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        else:
            dst[key] = value


def render(chart: str, *values: dict[str, Any]) -> Objs:
    return render_chart(chart, merged(*values), release=RELEASE[chart], namespace="data")


def render_error(chart: str, *values: dict[str, Any]) -> list[str]:
    with pytest.raises(HelmError) as err:
        render(chart, *values)
    return problem_lines(str(err.value))


def monitor(kind: str) -> dict[str, Any]:
    key = "serviceMonitor" if kind == "ServiceMonitor" else "podMonitor"
    return {"metrics": {key: {"enabled": True}}}


def pod_spec(objs: Objs) -> dict[str, Any]:
    spec: dict[str, Any] = one(objs, "StatefulSet")["spec"]["template"]["spec"]
    return spec


def main_container(objs: Objs) -> dict[str, Any]:
    return pod_spec(objs)["containers"][0]


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


def metrics_objects(objs: Objs) -> list[str]:
    return sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objs
                  if o["metadata"]["name"].endswith("-metrics") or crds.is_monitoring(o))


def subset(small: dict[str, str], big: dict[str, str]) -> bool:
    return all(big.get(k) == v for k, v in small.items())


# --- off by default -----------------------------------------------------------------------

@pytest.mark.parametrize("chart", CHART_NAMES)
def test_metrics_are_off_by_default_and_leave_no_trace(chart):
    objs = render(chart)
    assert metrics_objects(objs) == []
    container = main_container(objs)
    assert "metrics" not in {p["name"] for p in container["ports"]}
    assert "javaagent" not in env(container).get("BROKER_OPTS", "")
    assert [c["name"] for c in pod_spec(objs).get("initContainers", [])
            ] == ([] if chart == "kafka" else ["config"])


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_metrics_on_render_the_service_and_its_port(chart):
    objs = render(chart, ON[chart])
    assert metrics_objects(objs) == (
        [f"ConfigMap/{FULLNAME[chart]}-metrics", f"Service/{FULLNAME[chart]}-metrics"]
        if chart == "kafka" else [f"Service/{FULLNAME[chart]}-metrics"])
    assert {"name": "metrics", "containerPort": PORT[chart]}.items() <= next(
        p for p in main_container(objs)["ports"] if p["name"] == "metrics").items()


# --- kafka: the JMX exporter javaagent ----------------------------------------------------

def test_kafka_jmx_agent_is_copied_by_an_init_container_and_loaded_by_the_broker_only():
    objs = render("kafka", ON["kafka"], {"kafkaOpts": "-XX:+UseG1GC"})
    spec = pod_spec(objs)
    (init,) = spec["initContainers"]
    assert init["name"] == "jmx-agent"
    assert init["image"] == "docker.io/bitnamilegacy/jmx-exporter:1.0.1-debian-12-r9"
    assert init["command"] == ["cp", "/opt/bitnami/jmx-exporter/jmx_prometheus_javaagent.jar",
                               "/opt/kafka/jmx-agent/jmx_prometheus_javaagent.jar"]
    assert init["volumeMounts"] == [{"name": "jmx-agent", "mountPath": "/opt/kafka/jmx-agent"}]
    assert init["securityContext"] == main_container(objs)["securityContext"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes["jmx-agent"]
    assert volumes["metrics"]["configMap"]["name"] == "kafka-metrics"
    container = main_container(objs)
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["jmx-agent"]["readOnly"]
    assert mounts["metrics"]["mountPath"] == "/opt/kafka/metrics"
    # start.sh hands BROKER_OPTS to the broker JVM alone (KAFKA_OPTS), never to the tools.
    assert env(container)["BROKER_OPTS"] == (
        "-javaagent:/opt/kafka/jmx-agent/jmx_prometheus_javaagent.jar"
        "=5556:/opt/kafka/metrics/jmx-exporter.yaml -XX:+UseG1GC")
    assert "KAFKA_OPTS" not in env(container)


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_kubectl_exec_defaults_to_the_main_container_without_a_word(chart):
    """With the jmx-agent init container, `kubectl exec kafka-0 -- kafka-topics.sh ...`
    printed 'Defaulted container "kafka" out of: kafka, jmx-agent (init)' to stderr (the
    e2e run of the seed article's commands caught it); the pod names its default."""
    for values in ({}, ON[chart]):
        objs = render(chart, values)
        sts = one(objs, "StatefulSet")
        annotations = sts["spec"]["template"]["metadata"]["annotations"]
        assert annotations["kubectl.kubernetes.io/default-container"] == chart
        assert main_container(objs)["name"] == chart


def test_kafka_jmx_agent_path_in_the_image_needs_no_init_container():
    objs = render("kafka", ON["kafka"],
                  {"metrics": {"jmx": {"agentPath": "/opt/agents/jmx.jar", "containerPort": 9404}}})
    spec = pod_spec(objs)
    assert "initContainers" not in spec
    assert "jmx-agent" not in {v["name"] for v in spec["volumes"]}
    assert env(main_container(objs))["BROKER_OPTS"] == (
        "-javaagent:/opt/agents/jmx.jar=9404:/opt/kafka/metrics/jmx-exporter.yaml")
    assert one(objs, "Service", "kafka-metrics")["spec"]["ports"][0]["port"] == 5556


def test_kafka_jmx_image_follows_global_registry_and_digest():
    digest = "sha256:" + "a" * 64
    objs = render("kafka", ON["kafka"], {"global": {"imageRegistry": "mirror.example.com"},
                                         "metrics": {"jmx": {"image": {"digest": digest}}}})
    assert pod_spec(objs)["initContainers"][0]["image"] == (
        f"mirror.example.com/bitnamilegacy/jmx-exporter@{digest}")


def exporter_config(objs: Objs) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(
        one(objs, "ConfigMap", "kafka-metrics")["data"]["jmx-exporter.yaml"])
    return config


def test_kafka_exporter_config_is_the_chart_file_with_extra_rules_first():
    default = yaml.safe_load((CHARTS / "kafka" / "files" / "jmx-exporter.yaml").read_text())
    assert exporter_config(render("kafka", ON["kafka"])) == default
    extra = [{"pattern": "kafka.server<type=KafkaServer, name=BrokerState><>Value",
              "name": "kafka_server_brokerstate", "type": "GAUGE"}]
    config = exporter_config(
        render("kafka", ON["kafka"], {"metrics": {"jmx": {"extraRules": extra}}}))
    assert config["rules"] == extra + default["rules"]
    assert config["lowercaseOutputName"] is True


def test_kafka_exporter_config_change_rolls_the_brokers():
    def checksum(values: dict[str, Any]) -> str:
        annotations = one(render("kafka", ON["kafka"], values), "StatefulSet")["spec"][
            "template"]["metadata"]["annotations"]
        return str(annotations["checksum/metrics"])
    extra = {"metrics": {"jmx": {"extraRules": [{"pattern": "x<>Value"}]}}}
    assert checksum({}) != checksum(extra)
    assert "checksum/metrics" not in one(render("kafka"), "StatefulSet")["spec"]["template"][
        "metadata"]["annotations"]


# --- zookeeper: the built-in provider -----------------------------------------------------

def test_zookeeper_metrics_reach_the_config_generator_only_when_on():
    def config_env(objs: Objs) -> dict[str, str]:
        return env(pod_spec(objs)["initContainers"][0])
    assert not {"ZK_METRICS_ENABLED", "ZK_METRICS_PORT"} & set(config_env(render("zookeeper")))
    on = config_env(render("zookeeper", {"metrics": {"enabled": True, "containerPort": 7070}}))
    assert (on["ZK_METRICS_ENABLED"], on["ZK_METRICS_PORT"]) == ("true", "7070")


# --- the Service, ServiceMonitor and PodMonitor -------------------------------------------

@pytest.mark.parametrize("chart", CHART_NAMES)
def test_metrics_service_selects_the_pods_on_the_metrics_port_ready_or_not(chart):
    objs = render(chart, ON[chart], {"metrics": {"service": {
        "port": 9100, "annotations": {"prometheus.io/scrape": "true"}, "labels": {"team": "a"}}}})
    svc = one(objs, "Service", f"{FULLNAME[chart]}-metrics")
    sts = one(objs, "StatefulSet")
    assert svc["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
    assert svc["spec"]["type"] == "ClusterIP" and svc["spec"]["publishNotReadyAddresses"] is True
    assert svc["spec"]["ports"] == [{"name": "metrics", "port": 9100, "targetPort": "metrics",
                                     "protocol": "TCP"}]
    assert svc["metadata"]["annotations"] == {"prometheus.io/scrape": "true"}
    assert svc["metadata"]["labels"]["team"] == "a"


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_service_monitor_selects_the_metrics_service_and_no_other(chart):
    objs = render(chart, ON[chart], monitor("ServiceMonitor"))
    sm = one(objs, "ServiceMonitor")
    selector = sm["spec"]["selector"]["matchLabels"]
    selected = [s["metadata"]["name"] for s in by_kind(objs, "Service")
                if subset(selector, s["metadata"]["labels"])]
    assert selected == [f"{FULLNAME[chart]}-metrics"]
    assert sm["spec"]["namespaceSelector"] == {"matchNames": ["data"]}
    (endpoint,) = sm["spec"]["endpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    assert endpoint["interval"] == "30s" and endpoint["honorLabels"] is False
    assert "scrapeTimeout" not in endpoint and "relabelings" not in endpoint


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_pod_monitor_selects_the_pods_and_their_metrics_port(chart):
    objs = render(chart, ON[chart], monitor("PodMonitor"))
    pm = one(objs, "PodMonitor")
    pod_labels = one(objs, "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    assert subset(pm["spec"]["selector"]["matchLabels"], pod_labels)
    (endpoint,) = pm["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] in {p["name"] for p in main_container(objs)["ports"]}
    assert not by_kind(objs, "ServiceMonitor")


@pytest.mark.parametrize("chart", CHART_NAMES)
@pytest.mark.parametrize("kind", ["ServiceMonitor", "PodMonitor"])
def test_monitor_values_reach_the_object(chart, kind):
    key = "serviceMonitor" if kind == "ServiceMonitor" else "podMonitor"
    relabel = [{"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}]
    drop = [{"sourceLabels": ["__name__"], "regex": "jvm_buffer_.*", "action": "drop"}]
    objs = render(chart, ON[chart], {"metrics": {key: {
        "enabled": True, "namespace": "monitoring", "labels": {"release": "prom"},
        "annotations": {"a": "b"}, "jobLabel": "app.kubernetes.io/name", "interval": "15s",
        "scrapeTimeout": "10s", "honorLabels": True, "relabelings": relabel,
        "metricRelabelings": drop}}})
    obj = one(objs, kind)
    assert obj["metadata"]["namespace"] == "monitoring"
    assert obj["metadata"]["labels"]["release"] == "prom"
    assert obj["metadata"]["annotations"] == {"a": "b"}
    # the object lives in monitoring, the targets stay in the release's namespace
    assert obj["spec"]["namespaceSelector"] == {"matchNames": ["data"]}
    assert obj["spec"]["jobLabel"] == "app.kubernetes.io/name"
    (endpoint,) = obj["spec"]["endpoints" if kind == "ServiceMonitor" else "podMetricsEndpoints"]
    assert (endpoint["interval"], endpoint["scrapeTimeout"], endpoint["honorLabels"]) == (
        "15s", "10s", True)
    assert endpoint["relabelings"] == relabel and endpoint["metricRelabelings"] == drop


def test_a_monitor_field_the_crd_does_not_know_fails_the_render():
    # The CRD check is live: a relabeling with a misspelt field is refused, not pruned.
    with pytest.raises(InvalidObjects, match="sourcelabels"):
        render("kafka", ON["kafka"], {"metrics": {"serviceMonitor": {
            "enabled": True, "relabelings": [{"sourcelabels": ["a"], "targetLabel": "b"}]}}})


# --- NetworkPolicy ------------------------------------------------------------------------

def metrics_rules(objs: Objs, port: int) -> list[dict[str, Any]]:
    return [r for r in one(objs, "NetworkPolicy")["spec"]["ingress"]
            if {"port": port, "protocol": "TCP"} in r.get("ports", [])]


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_network_policy_opens_the_metrics_port_to_any_source_by_default(chart):
    assert metrics_rules(render(chart), PORT[chart]) == []
    assert metrics_rules(render(chart, ON[chart]), PORT[chart]) == [
        {"ports": [{"port": PORT[chart], "protocol": "TCP"}]}]


@pytest.mark.parametrize("chart", CHART_NAMES)
@pytest.mark.parametrize(("selectors", "peers"), [
    ({"ingressNSMatchLabels": {"name": "monitoring"}},
     [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]),
    ({"ingressNSMatchLabels": {"name": "monitoring"},
      "ingressNSPodMatchLabels": {"app": "prometheus"}},
     [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}},
       "podSelector": {"matchLabels": {"app": "prometheus"}}}]),
    ({"ingressNSPodMatchLabels": {"app": "prometheus"}},
     [{"podSelector": {"matchLabels": {"app": "prometheus"}}}]),
])
def test_network_policy_metrics_selectors_admit_only_the_selected_scrapers(chart, selectors, peers):
    objs = render(chart, ON[chart], {"networkPolicy": {"metrics": selectors}})
    assert metrics_rules(objs, PORT[chart]) == [
        {"ports": [{"port": PORT[chart], "protocol": "TCP"}], "from": peers}]


# --- render errors ------------------------------------------------------------------------

@pytest.mark.parametrize("chart", CHART_NAMES)
@pytest.mark.parametrize("key", ["serviceMonitor", "podMonitor", "prometheusRule", "dashboards"])
def test_scraping_alerting_or_charting_metrics_that_are_off_fails_the_render(chart, key):
    lines = render_error(chart, {"metrics": {key: {"enabled": True}}})
    assert [line for line in lines if line.startswith(f"metrics.{key}.enabled: ")] == [
        line for line in lines if f"needs {ON_KEY[chart]}=true" in line]
    assert any(line.startswith(f"metrics.{key}.enabled: needs {ON_KEY[chart]}=true")
               for line in lines)


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_service_monitor_and_pod_monitor_together_fail_naming_both(chart):
    lines = render_error(chart, ON[chart], monitor("ServiceMonitor"), monitor("PodMonitor"))
    assert lines == ["metrics.serviceMonitor.enabled: set together with "
                     "metrics.podMonitor.enabled: every pod would be scraped twice "
                     "(duplicate series, every alert twice); keep one"]


def test_problems_inside_the_stack_carry_the_subchart_prefix():
    with pytest.raises(HelmError) as err:
        render_chart("stack", {"kafka": {"metrics": {"serviceMonitor": {"enabled": True}}}})
    assert "kafka.metrics.serviceMonitor.enabled: needs kafka.metrics.jmx.enabled=true" in str(
        err.value)


@pytest.mark.parametrize(("values", "start"), [
    ({"metrics": {"jmx": {"containerPort": 9092}}},
     "metrics.jmx.containerPort: 9092 is also listeners.client.containerPort"),
    ({"metrics": {"jmx": {"containerPort": 9094}}},
     "metrics.jmx.containerPort: 9094 is also listeners.interbroker.containerPort"),
    ({"kafkaOpts": "-javaagent:/opt/jmx_prometheus_javaagent.jar=7071:/x.yaml"},
     "kafkaOpts: loads a JMX exporter javaagent"),
])
def test_kafka_metrics_values_that_cannot_work_fail_the_render(values, start):
    lines = render_error("kafka", ON["kafka"], values)
    assert any(line.startswith(start) for line in lines), lines


def test_kafka_external_port_clashes_only_with_external_access_on():
    port = {"metrics": {"jmx": {"containerPort": 9095}}}
    render("kafka", ON["kafka"], port)  # listeners.external unused: no clash
    external = {"externalAccess": {"enabled": True, "service": {"type": "NodePort",
                                                                "nodePortBase": 31090}}}
    lines = render_error("kafka", ON["kafka"], port, external)
    assert any(line.startswith("metrics.jmx.containerPort: 9095 is also "
                               "listeners.external.containerPort") for line in lines), lines


@pytest.mark.parametrize(("values", "start"), [
    ({"metrics": {"containerPort": 2181}}, "containerPorts: client (2181)"),
    ({"config": {"metricsProvider.httpPort": "7001"}}, "config.metricsProvider.httpPort: set by"),
])
def test_zookeeper_metrics_values_that_cannot_work_fail_the_render(values, start):
    lines = render_error("zookeeper", ON["zookeeper"], values)
    assert any(line.startswith(start) for line in lines), lines


@pytest.mark.parametrize("chart", CHART_NAMES)
@pytest.mark.parametrize(("interval", "timeout", "refused"), [
    ("15s", "20s", True), ("1m", "1m", False), ("1m30s", "90s", False), ("1m30s", "91s", True),
    ("30s", "500ms", False)])
def test_scrape_timeout_above_the_interval_fails_the_render(chart, interval, timeout, refused):
    values = {"metrics": {"serviceMonitor": {"enabled": True, "interval": interval,
                                             "scrapeTimeout": timeout}}}
    if not refused:
        render(chart, ON[chart], values)
        return
    assert render_error(chart, ON[chart], values) == [
        f"metrics.serviceMonitor.scrapeTimeout: {timeout} is longer than "
        f"metrics.serviceMonitor.interval ({interval}): Prometheus refuses such a scrape "
        "configuration; keep the timeout at or below the interval"]


def notes(chart: str, *sets: str) -> str:
    args = ["install", RELEASE[chart], str(prepared(chart)), "--dry-run=client",
            "--namespace", "data"]
    for item in sets:
        args += ["--set", item]
    return helm.run_helm(args).split("NOTES:", 1)[1]


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_notes_say_where_the_metrics_are_only_when_on(chart):
    assert "Prometheus metrics" not in notes(chart)
    text = notes(chart, f"{ON_KEY[chart]}=true", "metrics.podMonitor.enabled=true",
                 "metrics.podMonitor.namespace=monitoring")
    assert (f"on port {PORT[chart]} of every pod, behind Service\n"
            f"  {FULLNAME[chart]}-metrics.data.svc.cluster.local:{PORT[chart]}") in text
    assert f"Scraped through PodMonitor {FULLNAME[chart]}-metrics in namespace monitoring" in text
