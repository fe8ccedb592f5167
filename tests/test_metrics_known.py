"""Every metric an alert or a dashboard uses is one the exporters produce, as configured.

The truth is a real scrape, trimmed to names and labels (tests/fixtures/metrics/
{kafka,zookeeper}.prom). It is written from the e2e cluster's staging release by
e2e/checks/test_8_metrics.py (``E2E_REFRESH_METRICS=1 make e2e``), or without a cluster by
tests/fixtures/metrics/capture.py (a local ZooKeeper 3.8.4 ensemble with its Prometheus
provider and a Kafka 3.9.1 broker with the JMX exporter agent and the chart's rendered
exporter config). Every e2e run also runs these tests against its own live scrape
(METRICS_SCRAPES names the directory it wrote). Label names an expression matches on must
be on that metric too (namespace and pod come from the scrape). Series from other exporters
are listed in EXTERNAL, each with where it comes from.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from fixtures.metrics.capture import config_digest, exporter_config
from helpers import one, render_chart
from test_prometheus_rules import rendered_rule

FIXTURES = Path(os.environ.get("METRICS_SCRAPES") or Path(__file__).parent / "fixtures" / "metrics")
NS = "ns"
VALUES: dict[str, dict[str, Any]] = {
    "kafka": {"metrics": {"jmx": {"enabled": True}, "prometheusRule": {"enabled": True},
                          "dashboards": {"enabled": True}},
              "listeners": {"client": {"protocol": "SSL"}, "interbroker": {"protocol": "SSL"}},
              "tls": {"certManager": {"issuerRef": {"name": "corp-ca"}}}},
    "zookeeper": {"metrics": {"enabled": True, "prometheusRule": {"enabled": True},
                              "dashboards": {"enabled": True}}},
    # KRaft mode (kafka-kraft.prom: a controller's and a broker's scrape, Kafka 4)
    "kafka-kraft": {"kraft": {"enabled": True},
                    "metrics": {"jmx": {"enabled": True}, "prometheusRule": {"enabled": True},
                                "dashboards": {"enabled": True}}},
}
CHARTS = ["kafka", "zookeeper", "kafka-kraft"]
CHART_DIR = {"kafka-kraft": "kafka"}
# Series that other exporters write, and the labels the alerts and dashboards read of them.
EXTERNAL = {
    "up": {"namespace", "pod"},  # Prometheus, one per scraped target
    "kubelet_volume_stats_available_bytes": {"namespace", "persistentvolumeclaim"},  # kubelet
    "kubelet_volume_stats_capacity_bytes": {"namespace", "persistentvolumeclaim"},
    # cert-manager's controller, per Certificate
    "certmanager_certificate_expiration_timestamp_seconds": {"namespace", "name"},
}
SCRAPE_LABELS = {"namespace", "pod"}  # added by the ServiceMonitor / PodMonitor
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "and", "or", "unless", "inf", "nan",
            # aggregations, which may take "by (...)" before their parenthesis
            "sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk",
            "bottomk", "quantile", "count_values", "limitk", "limit_ratio"}


def fixture(chart: str) -> dict[str, set[str]]:
    """metric name -> the label names its samples carry in the real scrape."""
    found: dict[str, set[str]] = {}
    for line in (FIXTURES / f"{chart}.prom").read_text().splitlines():
        if line and not line.startswith("#"):
            match = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ", line)
            assert match, line
            labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', match[2] or ""))
            found.setdefault(match[1], set()).update(labels)
    return found


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names it matches on) of each selector in a PromQL expression."""
    expr = re.sub(r"\$\{?\w+\}?", "x", expr)  # Grafana variables
    expr = re.sub(r"label_values\(([^,()]*(?:\{[^}]*\})?),[^)]*\)", r"\1", expr)  # Grafana's
    out: list[tuple[str, set[str]]] = []
    # name{matchers}, or a bare name; string literals hold no names
    pattern = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"
                         r'|"(?:[^"\\]|\\.)*"|\[[^\]]*\]'
                         r"|([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?\s*(\()?")
    for m in pattern.finditer(expr):
        name, matchers, call = m.group(1), m.group(2), m.group(3)
        if not name or name.lower() in KEYWORDS or (call and not matchers):
            continue  # a string, a range, a grouping clause, a keyword, a function
        labels = set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers or ""))
        out.append((name, labels))
    return out


def label_values(chart: str) -> dict[tuple[str, str], set[str]]:
    """(metric, label) -> the values the real scrape has ("x": normalised by capture.py)."""
    found: dict[tuple[str, str], set[str]] = {}
    for line in (FIXTURES / f"{chart}.prom").read_text().splitlines():
        match = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} ", line)
        for label, value in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                                       match[2] if match else ""):
            found.setdefault((match[1], label), set()).add(value)  # type: ignore[index]
    return found


def matched_values(expr: str) -> list[tuple[str, str, list[str]]]:
    """(metric, label, values) of each = or =~ matcher whose value is a literal or a plain
    alternation (a|b); regexes, empty values and Grafana variables are left out."""
    out = []
    for selector in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}", expr):
        for label, op, value in re.findall(r'([a-zA-Z_]\w*)\s*(=~|=)\s*"([^"]*)"', selector[2]):
            if value and "$" not in value and (op == "=" or re.fullmatch(r"[\w.]+(\|[\w.]+)*",
                                                                         value)):
                out.append((selector[1], label, value.split("|") if op == "=~" else [value]))
    return out


def test_matched_values_takes_literals_and_alternations_only():
    expr = ('a{quantile="0.99", request=~"Produce|Fetch", pod=~"$pod", x=~"b.+", t=""}'
            ' / b{area="heap"}')
    assert matched_values(expr) == [("a", "quantile", ["0.99"]),
                                    ("a", "request", ["Produce", "Fetch"]),
                                    ("b", "area", ["heap"])]


def test_selectors_finds_names_and_matched_labels():
    expr = ('sum by (pod) (rate(a_total{namespace="x", topic!=""}[5m])) / on (pod) '
            'max(b) > bool 0 or vector(0) and label_values(c{namespace="$namespace"}, pod)')
    assert selectors(expr) == [("a_total", {"namespace", "topic"}), ("b", set()),
                               ("c", {"namespace"})]


def alert_exprs(chart: str) -> list[tuple[str, str]]:
    rule = rendered_rule(chart, VALUES[chart])
    return [(r["alert"], r["expr"]) for g in rule["spec"]["groups"] for r in g["rules"]]


def dashboard_exprs(chart: str) -> list[tuple[str, str]]:
    objs = render_chart(CHART_DIR.get(chart, chart), VALUES[chart], release="rel", namespace=NS,
                        show_only=["templates/configmap-dashboards.yaml"])
    out = []
    for key, text in one(objs, "ConfigMap")["data"].items():
        board = json.loads(text)
        for var in board["templating"]["list"]:
            query = var.get("query")
            if var["type"] == "query":
                out.append((f"{key} variable {var['name']}",
                            query["query"] if isinstance(query, dict) else query))
        for panel in board["panels"]:
            if chart == "kafka-kraft" and panel["title"].endswith("(ZooKeeper mode)"):
                continue  # one dashboard serves both modes; these panels are ZooKeeper mode's
            out.extend((f"{key} panel {panel['title']!r}", t["expr"]) for t in panel["targets"])
    return out


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("source", [alert_exprs, dashboard_exprs])
def test_every_metric_used_is_in_the_real_scrape(chart, source):
    scraped = fixture(chart)
    unknown = []
    for where, expr in source(chart):
        found = selectors(expr)
        assert found, f"{where}: no metric in {expr!r}"
        for name, labels in found:
            have = EXTERNAL.get(name) or (scraped[name] | SCRAPE_LABELS if name in scraped
                                          else None)
            if have is None:
                unknown.append(f"{where}: {name} is not in {chart}.prom")
            elif labels - have:
                unknown.append(f"{where}: {name} has no label {sorted(labels - have)} "
                               f"(it has {sorted(have)})")
    assert unknown == []


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("source", [alert_exprs, dashboard_exprs])
def test_every_label_value_matched_is_in_the_real_scrape(chart, source):
    """quantile="0.99", area="heap", request=~"Produce|...": values the exporters write."""
    scraped = label_values(chart)
    wrong = []
    for where, expr in source(chart):
        for name, label, values in matched_values(expr):
            if name in EXTERNAL or label in SCRAPE_LABELS:
                continue
            have = scraped.get((name, label), set())
            if "x" not in have and set(values) - have:
                wrong.append(f"{where}: {name}{{{label}}} has no {sorted(set(values) - have)}"
                             f" (it has {sorted(have)[:12]})")
    assert wrong == []


@pytest.mark.parametrize("chart", ["kafka", "zookeeper"])
def test_dashboards_are_valid_grafana_json_with_unique_panel_ids(chart):
    objs = render_chart(chart, VALUES[chart], release="rel", namespace=NS,
                        show_only=["templates/configmap-dashboards.yaml"])
    cm = one(objs, "ConfigMap")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    for key, text in cm["data"].items():
        board = json.loads(text)
        assert key.endswith(".json") and board["uid"] and board["title"]
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), key
        for panel in board["panels"]:
            assert panel["targets"] and panel["datasource"]["uid"] == "${datasource}", panel
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, panel["title"]
        assert [v["name"] for v in board["templating"]["list"]] == [
            "datasource", "namespace", "pod"]


def test_the_fixtures_are_a_real_scrape_of_both_exporters():
    kafka, zk = fixture("kafka"), fixture("zookeeper")
    assert "jmx_exporter_build_info" in kafka and "jvm_memory_used_bytes" in kafka
    assert "topic" in kafka["kafka_server_brokertopicmetrics_messagesin_total"]
    assert "quorum_size" in zk and "synced_followers" in zk  # a leader was scraped


@pytest.mark.parametrize(("fixture_file", "how"),
                         [("kafka.prom", ""), ("kafka-kraft.prom", " kraft")])
def test_the_kafka_fixtures_were_scraped_with_the_charts_exporter_config(fixture_file, how):
    """Change the exporter rules and this fails until capture.py has scraped with them."""
    config = exporter_config()
    header = (FIXTURES / fixture_file).read_text().splitlines()[0]
    assert header == f"# exporter config {config_digest(config)}", (
        f"regenerate: python3 tests/fixtures/metrics/capture.py{how}")


def test_the_kraft_fixture_holds_a_controller_and_a_broker():
    kraft = fixture("kafka-kraft")
    assert "kafka_controller_kafkacontroller_activecontrollercount" in kraft  # the controller
    assert "topic" in kraft["kafka_server_brokertopicmetrics_messagesin_total"]  # the broker
    assert "state" in kraft["kafka_server_raftmetrics_current_state"]


@pytest.mark.parametrize("chart", ["kafka", "zookeeper"])
def test_dashboards_go_where_and_as_asked_and_only_when_enabled(chart):
    values = {**VALUES[chart], "metrics": {**VALUES[chart]["metrics"], "dashboards": {
        "enabled": True, "namespace": "monitoring", "labels": {"team": "data"},
        "annotations": {"grafana_folder": "Kafka"}}}}
    objs = render_chart(chart, values, release="rel", namespace=NS,
                        show_only=["templates/configmap-dashboards.yaml"])
    meta = one(objs, "ConfigMap")["metadata"]
    assert meta["name"] == f"rel-{chart}-dashboards" and meta["namespace"] == "monitoring"
    # helm merges maps: the sidecar's label stays beside the user's (null removes it)
    assert meta["labels"]["team"] == "data" and meta["labels"]["grafana_dashboard"] == "1"
    assert meta["annotations"] == {"grafana_folder": "Kafka"}
    metrics_on = {"jmx": {"enabled": True}} if chart == "kafka" else {"enabled": True}
    objs = render_chart(chart, {"metrics": {**metrics_on, "dashboards": {"enabled": False}}},
                        release="rel", namespace=NS)
    assert not [o for o in objs if o["metadata"]["name"].endswith("-dashboards")]
