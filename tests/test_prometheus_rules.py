"""The charts' alerts, run by promtool (tests/promtool.py builds it from the Go module).

The rules are what the chart renders: spec.groups of its PrometheusRule. Each alert has
cases below: a series that must fire it (with the labels the alert must carry) and a healthy
one that must not, plus the same bad series from another namespace or release, which must
not either (the alerts are scoped to this release's pods). promtool `test rules` runs them
all in one call per chart; `check rules` lints the rendered file first.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import promtool
import pss
from helpers import HelmError, one, render_chart

NS = "ns"
RELEASE = {"kafka": "rel", "zookeeper": "rel", "kafka-kraft": "rel"}
# "kafka-kraft": the kafka chart in KRaft mode; its controllers' pods are rel-kafka-controller-N
POD = {"kafka": "rel-kafka", "zookeeper": "rel-zookeeper", "kafka-kraft": "rel-kafka-controller"}
CHART_DIR = {"kafka-kraft": "kafka"}
VALUES: dict[str, dict[str, Any]] = {
    "kafka": {"replicaCount": 3, "metrics": {"jmx": {"enabled": True},
                                             "prometheusRule": {"enabled": True}}},
    "zookeeper": {"replicaCount": 3, "metrics": {"enabled": True,
                                                 "prometheusRule": {"enabled": True}}},
    "kafka-kraft": {"replicaCount": 3, "kraft": {"enabled": True}, "image": {"tag": "4.3.2"},
                    "controller": {"replicaCount": 3},
                    "metrics": {"jmx": {"enabled": True}, "prometheusRule": {"enabled": True}}},
}


@dataclass
class Case:
    """Series (name{labels} -> promtool values notation) and the alert's expected firing
    instances at ``at`` (each a dict of labels beside alertname/severity; [] = silent)."""

    alert: str
    what: str
    series: dict[str, str]
    at: str
    fires: list[dict[str, str]] = field(default_factory=list)


def s(name: str, pod: str | None = "0", ns: str = NS, chart: str = "kafka",
      **labels: str) -> str:
    """A series name of ``chart``'s pod <release>-<chart>-<pod> in ``ns``."""
    all_labels = {"namespace": ns, **({"pod": f"{POD[chart]}-{pod}"} if pod else {}), **labels}
    return name + "{" + ", ".join(f'{k}="{v}"' for k, v in all_labels.items()) + "}"


def up(chart: str, n: int, healthy: int, ns: str = NS) -> dict[str, str]:
    return {s("up", str(i), ns=ns, chart=chart): ("1x20" if i < healthy else "0x20")
            for i in range(n)}


def pvc(claim: str, ns: str = NS, free: float = 0.5) -> dict[str, str]:
    labels = {"persistentvolumeclaim": claim}
    return {s("kubelet_volume_stats_available_bytes", None, ns, **labels): f"{int(100 * free)}x20",
            s("kubelet_volume_stats_capacity_bytes", None, ns, **labels): "100x20"}


def three(name: str, values: list[str], ns: str = NS, chart: str = "kafka") -> dict[str, str]:
    return {s(name, str(i), ns, chart): v for i, v in enumerate(values)}


URP = "kafka_server_replicamanager_underreplicatedpartitions"
MINISR = "kafka_server_replicamanager_underminisrpartitioncount"
OFFLINE = "kafka_controller_kafkacontroller_offlinepartitionscount"
LOGDIR = "kafka_log_logmanager_offlinelogdirectorycount"
ACTIVE = "kafka_controller_kafkacontroller_activecontrollercount"
BROKERS = "kafka_controller_kafkacontroller_activebrokercount"
EXPIRES = "kafka_server_sessionexpirelistener_zookeeperexpires_total"
POD0 = {"namespace": NS, "pod": "rel-kafka-0"}
ZPOD0 = {"namespace": NS, "pod": "rel-zookeeper-0"}

KAFKA_CASES = [
    Case("KafkaUnderReplicatedPartitions", "5 minutes above 0", {s(URP): "0 3x10"}, "8m",
         [POD0]),
    Case("KafkaUnderReplicatedPartitions", "a blip shorter than its for", {s(URP): "0 3 0x10"},
         "8m"),
    Case("KafkaUnderReplicatedPartitions", "another namespace", {s(URP, ns="other"): "3x10"},
         "8m"),
    Case("KafkaUnderReplicatedPartitions", "all in sync", three(URP, ["0x10"] * 3), "8m"),
    Case("KafkaUnderMinIsrPartitions", "below min ISR", {s(MINISR): "1x5"}, "3m", [POD0]),
    Case("KafkaUnderMinIsrPartitions", "at min ISR", {s(MINISR): "0x5"}, "3m"),
    Case("KafkaUnderMinIsrPartitions", "another release",
         {s(MINISR).replace("rel-kafka", "other-kafka"): "1x5"}, "3m"),
    Case("KafkaOfflinePartitions", "the controller counts 2", three(OFFLINE, ["0x5", "2x5", "0x5"]),
         "3m", [{}]),
    Case("KafkaOfflinePartitions", "none offline", three(OFFLINE, ["0x5"] * 3), "3m"),
    Case("KafkaOfflinePartitions", "another namespace", {s(OFFLINE, ns="other"): "2x5"}, "3m"),
    Case("KafkaOfflineLogDirectory", "one offline", {s(LOGDIR): "1x5"}, "3m", [POD0]),
    Case("KafkaOfflineLogDirectory", "all online", {s(LOGDIR): "0x5"}, "3m"),
    Case("KafkaOfflineLogDirectory", "another namespace", {s(LOGDIR, ns="other"): "1x5"}, "3m"),
    Case("KafkaNoActiveController", "every broker reports 0", three(ACTIVE, ["0x5"] * 3), "3m",
         [{}]),
    Case("KafkaNoActiveController", "no broker reports (all down)", {}, "3m", [{}]),
    Case("KafkaNoActiveController", "only another namespace has one",
         {s(ACTIVE, ns="other"): "1x5"}, "3m", [{}]),
    Case("KafkaNoActiveController", "one controller", three(ACTIVE, ["0x5", "1x5", "0x5"]), "3m"),
    Case("KafkaMultipleActiveControllers", "two controllers",
         three(ACTIVE, ["1x5", "1x5", "0x5"]), "3m", [{}]),
    Case("KafkaMultipleActiveControllers", "one controller",
         three(ACTIVE, ["0x5", "1x5", "0x5"]), "3m"),
    Case("KafkaMultipleActiveControllers", "another namespace's controller",
         {**three(ACTIVE, ["0x5", "1x5", "0x5"]), s(ACTIVE, ns="other"): "1x5"}, "3m"),
    Case("KafkaBrokerMissing", "the controller sees 2 of 3",
         three(BROKERS, ["0x10", "2x10", "0x10"]), "7m", [{}]),
    Case("KafkaBrokerMissing", "the controller sees 3 of 3",
         three(BROKERS, ["0x10", "3x10", "0x10"]), "7m"),
    Case("KafkaBrokerMissing", "no broker reports", {}, "7m", [{}]),
    Case("KafkaBrokerDown", "2 of 3 scraped", up("kafka", 3, 2), "7m", [{}]),
    Case("KafkaBrokerDown", "3 of 3 scraped", up("kafka", 3, 3), "7m"),
    Case("KafkaBrokerDown", "3 scraped in another namespace", up("kafka", 3, 3, "other"), "7m",
         [{}]),
    Case("KafkaZooKeeperSessionExpired", "one expiry", {s(EXPIRES): "0x5 1x10"}, "8m", [POD0]),
    Case("KafkaZooKeeperSessionExpired", "none", {s(EXPIRES): "4x15"}, "8m"),
    Case("KafkaZooKeeperSessionExpired", "the expiry is 10 minutes old",
         {s(EXPIRES): "0x5 1x20"}, "20m"),
    Case("KafkaVolumeAlmostFull", "10% free", pvc("data-rel-kafka-1", free=0.1), "7m",
         [{"namespace": NS, "persistentvolumeclaim": "data-rel-kafka-1"}]),
    Case("KafkaVolumeAlmostFull", "50% free", pvc("data-rel-kafka-1"), "7m"),
    Case("KafkaVolumeAlmostFull", "another release's claim",
         pvc("data-other-kafka-1", free=0.1), "7m"),
]

LEADER = three("leader_uptime", ["_x10", "_x10", "100+60x10"], chart="zookeeper")
SYNCED = "synced_followers"
ZK_CASES = [
    Case("ZooKeeperServerDown", "2 of 3 scraped", up("zookeeper", 3, 2), "7m", [{}]),
    Case("ZooKeeperServerDown", "3 of 3 scraped", up("zookeeper", 3, 3), "7m"),
    Case("ZooKeeperServerDown", "only another namespace", up("zookeeper", 3, 3, "other"), "7m",
         [{}]),
    # absent() keeps the selector's equality matchers: namespace
    Case("ZooKeeperNoLeader", "no server leads", up("zookeeper", 3, 3), "4m", [{"namespace": NS}]),
    Case("ZooKeeperNoLeader", "server 2 leads", LEADER, "4m"),
    Case("ZooKeeperNoLeader", "only another namespace has a leader",
         {s("leader_uptime", "2", "other", "zookeeper"): "1+60x10"}, "4m", [{"namespace": NS}]),
    Case("ZooKeeperQuorumBelowEnsemble", "1 follower in sync",
         {s(SYNCED, "2", chart="zookeeper"): "1x10"}, "7m", [{}]),
    Case("ZooKeeperQuorumBelowEnsemble", "2 followers in sync",
         {s(SYNCED, "2", chart="zookeeper"): "2x10"}, "7m"),
    Case("ZooKeeperQuorumBelowEnsemble", "another namespace's leader",
         {s(SYNCED, "2", chart="zookeeper"): "2x10",
          s(SYNCED, "2", "other", "zookeeper"): "0x10"}, "7m"),
    Case("ZooKeeperHighRequestLatency", "writes take 250 ms",
         {s("updatelatency_sum", chart="zookeeper"): "0+2500x20",
          s("updatelatency_count", chart="zookeeper"): "0+10x20"}, "17m", [ZPOD0]),
    Case("ZooKeeperHighRequestLatency", "reads take 250 ms",
         {s("readlatency_sum", chart="zookeeper"): "0+2500x20",
          s("readlatency_count", chart="zookeeper"): "0+10x20"}, "17m", [ZPOD0]),
    Case("ZooKeeperHighRequestLatency", "writes take 2 ms",
         {s("updatelatency_sum", chart="zookeeper"): "0+20x20",
          s("updatelatency_count", chart="zookeeper"): "0+10x20"}, "17m"),
    Case("ZooKeeperHighRequestLatency", "no requests at all",
         {s("updatelatency_sum", chart="zookeeper"): "0x20",
          s("updatelatency_count", chart="zookeeper"): "0x20"}, "17m"),
    Case("ZooKeeperOutstandingRequests", "50 queued",
         {s("outstanding_requests", chart="zookeeper"): "50x10"}, "7m", [ZPOD0]),
    Case("ZooKeeperOutstandingRequests", "2 queued",
         {s("outstanding_requests", chart="zookeeper"): "2x10"}, "7m"),
    Case("ZooKeeperOutstandingRequests", "another namespace",
         {s("outstanding_requests", ns="other", chart="zookeeper"): "50x10"}, "7m"),
    Case("ZooKeeperVolumeAlmostFull", "transaction log 5% free",
         pvc("datalog-rel-zookeeper-2", free=0.05), "7m",
         [{"namespace": NS, "persistentvolumeclaim": "datalog-rel-zookeeper-2"}]),
    Case("ZooKeeperVolumeAlmostFull", "data 50% free", pvc("data-rel-zookeeper-2"), "7m"),
    Case("ZooKeeperVolumeAlmostFull", "a Kafka claim of the same release",
         pvc("data-rel-kafka-0", free=0.05), "7m"),
]
# KRaft mode: the controller's metrics come from the controllers' pods (three() of
# chart="kafka-kraft"), whose every member reports the metadata image's counts (offline
# partitions, active brokers); the brokers report none of them.
C = "kafka-kraft"
ERRORS = "kafka_controller_kafkacontroller_metadataerrorcount"
APPLY = "kafka_server_brokermetadatametrics_metadata_apply_error_count"
LOAD = "kafka_server_brokermetadatametrics_metadata_load_error_count"
CPOD1 = {"namespace": NS, "pod": "rel-kafka-controller-1"}
KRAFT_CASES = [
    *(c for c in KAFKA_CASES if c.alert in (
        "KafkaUnderReplicatedPartitions", "KafkaUnderMinIsrPartitions",
        "KafkaOfflineLogDirectory", "KafkaBrokerDown")),
    Case("KafkaOfflinePartitions", "every controller counts 2",
         three(OFFLINE, ["2x5"] * 3, chart=C), "3m", [{}]),
    Case("KafkaOfflinePartitions", "none offline", three(OFFLINE, ["0x5"] * 3, chart=C), "3m"),
    Case("KafkaOfflinePartitions", "a broker's series of that name",
         three(OFFLINE, ["2x5"] * 3), "3m"),
    Case("KafkaNoActiveController", "every controller reports 0",
         three(ACTIVE, ["0x5"] * 3, chart=C), "3m", [{}]),
    Case("KafkaNoActiveController", "no controller reports (all down)", {}, "3m", [{}]),
    Case("KafkaNoActiveController", "only brokers report one", three(ACTIVE, ["1x5", "0x5"]),
         "3m", [{}]),
    Case("KafkaNoActiveController", "controller 1 leads",
         three(ACTIVE, ["0x5", "1x5", "0x5"], chart=C), "3m"),
    Case("KafkaMultipleActiveControllers", "two controllers",
         three(ACTIVE, ["1x5", "1x5", "0x5"], chart=C), "3m", [{}]),
    Case("KafkaMultipleActiveControllers", "one controller",
         three(ACTIVE, ["0x5", "1x5", "0x5"], chart=C), "3m"),
    Case("KafkaBrokerMissing", "the controllers see 2 of 3",
         three(BROKERS, ["2x10"] * 3, chart=C), "7m", [{}]),
    Case("KafkaBrokerMissing", "the controllers see 3 of 3",
         three(BROKERS, ["3x10"] * 3, chart=C), "7m"),
    Case("KafkaControllerDown", "2 of 3 scraped", up(C, 3, 2), "7m", [{}]),
    Case("KafkaControllerDown", "3 of 3 scraped", up(C, 3, 3), "7m"),
    Case("KafkaControllerDown", "the brokers scraped, no controller", up("kafka", 3, 3), "7m",
         [{}]),
    Case("KafkaMetadataErrors", "controller 1 counts a new error",
         {s(ERRORS, "1", chart=C): "0x3 1x10"}, "6m", [CPOD1]),
    Case("KafkaMetadataErrors", "an error 10 minutes old", {s(ERRORS, "1", chart=C): "1x20"},
         "15m"),
    Case("KafkaMetadataErrors", "broker 2 fails to apply a record",
         {s(APPLY, "2"): "0x3 1x10", s(LOAD, "2"): "0x13"}, "6m",
         [{"namespace": NS, "pod": "rel-kafka-2"}]),
    Case("KafkaMetadataErrors", "a broker without errors",
         {s(APPLY, "2"): "0x13", s(LOAD, "2"): "0x13"}, "6m"),
    Case("KafkaMetadataErrors", "another namespace",
         {s(ERRORS, "1", ns="other", chart=C): "0x3 1x10"}, "6m"),
    Case("KafkaVolumeAlmostFull", "a controller's claim 10% free",
         pvc("data-rel-kafka-controller-2", free=0.1), "7m",
         [{"namespace": NS, "persistentvolumeclaim": "data-rel-kafka-controller-2"}]),
    *(c for c in KAFKA_CASES if c.alert == "KafkaVolumeAlmostFull"),
]
CASES = {"kafka": KAFKA_CASES, "zookeeper": ZK_CASES, "kafka-kraft": KRAFT_CASES}


def promtool_binary() -> Path:
    return pss.required(promtool.binary, promtool.PromtoolUnavailable, "promtool rule tests")


def rendered_rule(chart: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The chart's PrometheusRule, checked against prometheus-operator's CRD schema."""
    objs = render_chart(CHART_DIR.get(chart, chart), values or VALUES[chart],
                        release=RELEASE[chart], namespace=NS,
                        show_only=["templates/prometheusrule.yaml"])
    return one(objs, "PrometheusRule")


def alert_names(rule: dict[str, Any]) -> list[str]:
    return [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]


def rule_file(tmp_path: Path, chart: str) -> Path:
    path = tmp_path / f"{chart}-rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rendered_rule(chart)["spec"]["groups"]}))
    return path


def unit_tests(chart: str, rules: Path, groups: list[dict[str, Any]]) -> dict[str, Any]:
    severity = {r["alert"]: r["labels"]["severity"] for g in groups for r in g["rules"]}
    tests = [{
        "name": f"{case.alert}: {case.what}",
        "interval": "1m",
        "input_series": [{"series": k, "values": v} for k, v in case.series.items()],
        "alert_rule_test": [{
            "eval_time": case.at, "alertname": case.alert,
            "exp_alerts": [{"exp_labels": {"severity": severity[case.alert], **labels}}
                           for labels in case.fires]}],
    } for case in CASES[chart]]
    return {"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": tests}


def without_annotations(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """promtool compares annotations too; the cases pin labels (the annotations' templates
    are checked by test_annotations_expand_to_prometheus_templates)."""
    return [{**g, "rules": [{k: v for k, v in r.items() if k != "annotations"}
                            for r in g["rules"]]} for g in groups]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool_binary()), *args], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("chart", ["kafka", "zookeeper", "kafka-kraft"])
def test_every_alert_fires_on_a_bad_series_and_stays_silent_on_a_healthy_one(tmp_path, chart):
    rules = rule_file(tmp_path, chart)
    checked = run(["check", "rules", str(rules)])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    groups = without_annotations(yaml.safe_load(rules.read_text())["groups"])
    rules.write_text(yaml.safe_dump({"groups": groups}))
    tests = tmp_path / f"{chart}-tests.yaml"
    tests.write_text(yaml.safe_dump(unit_tests(chart, rules, groups), sort_keys=False))
    result = run(["test", "rules", str(tests)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("chart", ["kafka", "zookeeper", "kafka-kraft"])
def test_every_alert_has_a_firing_and_a_silent_case(chart):
    names = alert_names(rendered_rule(chart))
    firing = {c.alert for c in CASES[chart] if c.fires}
    silent = {c.alert for c in CASES[chart] if not c.fires}
    assert sorted(set(names) - firing) == [], "alerts no case fires"
    assert sorted(set(names) - silent) == [], "alerts no case keeps silent"
    assert sorted({c.alert for c in CASES[chart]} - set(names)) == [], "cases of no alert"


def test_annotations_expand_to_prometheus_templates(tmp_path):
    """Helm leaves Prometheus' {{ $labels.x }} / {{ $value }} templates to Prometheus."""
    rules = rule_file(tmp_path, "kafka")
    tests = {"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [{"series": s(URP), "values": "3x10"},
                         *({"series": k, "values": v} for k, v in up("kafka", 3, 2).items())],
        "alert_rule_test": [
            {"eval_time": "8m", "alertname": "KafkaUnderReplicatedPartitions", "exp_alerts": [{
                "exp_labels": {"severity": "warning", **POD0},
                "exp_annotations": {
                    "summary": "Broker rel-kafka-0 leads 3 under-replicated partitions",
                    "description": "Some followers of partitions that rel-kafka-0 leads are out"
                    " of the ISR for 5 minutes. Find the broker that is down, restarting or"
                    " slow (KafkaBrokerMissing, its disk, GC, network); kafka-topics.sh"
                    " --describe --under-replicated-partitions names the partitions.",
                    "runbook_url": "charts/kafka/README.md#kafkaunderreplicatedpartitions"}}]},
            {"eval_time": "8m", "alertname": "KafkaBrokerDown", "exp_alerts": [{
                "exp_labels": {"severity": "warning"},
                "exp_annotations": {
                    "summary": "Prometheus scrapes 2 of 3 brokers",
                    "description": "A broker pod is not running or its metrics endpoint (the"
                    " JMX exporter agent) does not answer. Check kubectl get pods and the"
                    " pod's events; with a NetworkPolicy, check networkPolicy.metrics lets"
                    " Prometheus in.",
                    "runbook_url": "charts/kafka/README.md#kafkabrokerdown"}}]}]}]}
    path = tmp_path / "tests.yaml"
    path.write_text(yaml.safe_dump(tests))
    result = run(["test", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def readme_anchors(chart: str) -> set[str]:
    """GitHub's anchors of the README's headings (lowercase, spaces to dashes)."""
    text = (Path(__file__).parents[1] / "charts" / chart / "README.md").read_text()
    return {"#" + line.lstrip("#").strip().lower().replace(" ", "-")
            for line in text.splitlines() if line.startswith("#")}


TLS = {"listeners": {"client": {"protocol": "SSL"}, "interbroker": {"protocol": "SSL"}},
       "tls": {"certManager": {"issuerRef": {"name": "corp-ca"}}}}


@pytest.mark.parametrize(("chart", "extra"), [("kafka", TLS), ("zookeeper", {}),
                                              ("kafka-kraft", {})])
def test_each_alert_says_what_to_do_and_links_its_readme_section(chart, extra):
    rule = rendered_rule(chart, {**VALUES[chart], **extra})
    chart = CHART_DIR.get(chart, chart)
    anchors = readme_anchors(chart)
    for g in rule["spec"]["groups"]:
        for r in g["rules"]:
            notes = r["annotations"]
            assert notes["summary"] and len(notes["description"]) > 60, r["alert"]
            url, _, anchor = notes["runbook_url"].partition("#")
            assert url == f"charts/{chart}/README.md", r["alert"]
            assert anchor == r["alert"].lower() and f"#{anchor}" in anchors, r["alert"]
            assert r["labels"]["severity"] in ("warning", "critical"), r["alert"]


def test_the_certificate_alert_comes_with_cert_managers_certificate():
    assert "KafkaCertificateExpiring" not in alert_names(rendered_rule("kafka"))
    rule = rendered_rule("kafka", {**VALUES["kafka"], **TLS})
    (expiring,) = [r for g in rule["spec"]["groups"] for r in g["rules"]
                   if r.get("alert") == "KafkaCertificateExpiring"]
    assert 'namespace="ns", name="rel-kafka"' in expiring["expr"]


def test_a_single_zookeeper_server_has_no_leader_alerts():
    values = {**VALUES["zookeeper"], "replicaCount": 1}
    names = alert_names(rendered_rule("zookeeper", values))
    assert "ZooKeeperNoLeader" not in names and "ZooKeeperQuorumBelowEnsemble" not in names
    assert "ZooKeeperServerDown" in names
    # disabling an alert these values do not render is no error: another env may render it
    values["metrics"] = {**values["metrics"], "prometheusRule": {
        "enabled": True, "disabled": {"ZooKeeperNoLeader": True}}}
    assert "ZooKeeperNoLeader" not in alert_names(rendered_rule("zookeeper", values))


def test_the_counts_come_from_replica_count():
    rule = rendered_rule("kafka", {**VALUES["kafka"], "replicaCount": 5})
    exprs = {r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert exprs["KafkaBrokerMissing"].endswith("< 5")
    assert exprs["KafkaBrokerDown"].endswith("< 5")


def test_disabled_alerts_are_left_out_and_additional_groups_appended():
    extra = {"name": "mine", "rules": [{"alert": "MyAlert", "expr": "vector(1)"}]}
    rule = rendered_rule("kafka", {**VALUES["kafka"], "metrics": {
        "jmx": {"enabled": True},
        "prometheusRule": {"enabled": True, "namespace": "monitoring",
                           "labels": {"release": "prom"},
                           "disabled": {"KafkaOfflineLogDirectory": True,
                                        "KafkaBrokerDown": False},
                           "additionalGroups": [extra]}}})
    names = alert_names(rule)
    assert "KafkaOfflineLogDirectory" not in names and "KafkaBrokerDown" in names
    assert rule["spec"]["groups"][-1] == extra
    assert rule["metadata"]["namespace"] == "monitoring"
    assert rule["metadata"]["labels"]["release"] == "prom"
    # the alerts still select the release's namespace, not the rule's
    assert all('namespace="ns"' in r["expr"] for g in rule["spec"]["groups"][:-1]
               for r in g["rules"])


def test_a_group_whose_alerts_are_all_disabled_is_left_out():
    rule = rendered_rule("zookeeper", {**VALUES["zookeeper"], "metrics": {
        "enabled": True, "prometheusRule": {"enabled": True, "disabled": {
            "ZooKeeperHighRequestLatency": True, "ZooKeeperOutstandingRequests": True}}}})
    assert "zookeeper.performance" not in [g["name"] for g in rule["spec"]["groups"]]


def test_an_unknown_disabled_alert_fails_the_render_naming_the_alerts():
    with pytest.raises(HelmError) as err:
        rendered_rule("kafka", {**VALUES["kafka"], "metrics": {
            "jmx": {"enabled": True},
            "prometheusRule": {"enabled": True, "disabled": {"KafkaUnderReplicated": True}}}})
    assert ("metrics.prometheusRule.disabled.KafkaUnderReplicated: no alert of the chart has"
            " that name; its alerts: KafkaBrokerDown, KafkaBrokerMissing,") in str(err.value)


@pytest.mark.parametrize("chart", ["kafka", "zookeeper"])
def test_no_rule_without_the_rule_enabled(chart):
    values = {**VALUES[chart], "metrics": {**VALUES[chart]["metrics"], "prometheusRule": {}}}
    objs = render_chart(chart, values, release="rel", namespace=NS)
    assert [o for o in objs if o["kind"] == "PrometheusRule"] == []


def test_promtool_without_go_says_so_and_is_not_retried(monkeypatch):
    monkeypatch.setattr(promtool.shutil, "which", lambda _: None)
    with pytest.raises(promtool.PromtoolUnavailable, match="go not found on PATH"):
        promtool._build_or_raise()
    calls = []
    binary = pss.remembered(lambda: calls.append(1) or promtool._build_or_raise(),
                            promtool.PromtoolUnavailable)
    for _ in range(2):
        with pytest.raises(promtool.PromtoolUnavailable):
            binary()
    assert calls == [1]
