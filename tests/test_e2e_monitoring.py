"""What the e2e metrics check relies on (e2e/stack_e2e/monitoring.py), without a cluster:
a ServiceMonitor resolved to scrape targets as prometheus-operator's configuration resolves
it, the text exposition parsed, and samples written for promtool, whose staleness handling
is checked with the real promtool."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from stack_e2e import monitoring

from test_prometheus_rules import promtool_binary

SM = {"spec": {
    "endpoints": [{"port": "metrics", "path": "/metrics", "scheme": "http"}],
    "namespaceSelector": {"matchNames": ["ns"]},
    "selector": {"matchLabels": {"app.kubernetes.io/name": "kafka", "kafka.chart/metrics": "true"}},
}}
SERVICES = {"app.kubernetes.io/name=kafka,kafka.chart/metrics=true": [
    {"metadata": {"name": "kafka-metrics", "labels": {}}}]}
SLICES = {"kubernetes.io/service-name=kafka-metrics": [{
    "ports": [{"name": "metrics", "port": 5556}, {"name": "other", "port": 1}],
    "endpoints": [
        {"addresses": ["10.0.0.2"], "targetRef": {"kind": "Pod", "name": "kafka-1"}},
        {"addresses": ["10.0.0.1"], "targetRef": {"kind": "Pod", "name": "kafka-0"}},
        {"addresses": ["10.0.0.9"]},  # no pod behind it: not a target of the pod role
    ]}]}


class FakeKube:
    def __init__(self, namespace: str, sm: dict[str, Any] = SM) -> None:
        self.namespace, self.sm = namespace, sm

    def get(self, kind: str, name: str) -> dict[str, Any]:
        assert (kind, name) == ("servicemonitor", "kafka-metrics")
        return self.sm

    def items(self, kind: str, selector: str | None = None) -> list[dict[str, Any]]:
        assert self.namespace == "ns"
        return {"service": SERVICES, "endpointslice": SLICES}[kind].get(selector or "", [])


def test_a_service_monitor_resolves_to_one_target_per_pod_with_prometheus_labels(monkeypatch):
    monkeypatch.setattr(monitoring, "Kube", FakeKube)
    found = monitoring.targets(FakeKube("ns"), "kafka-metrics")  # type: ignore[arg-type]
    assert [t.url for t in found] == ["http://10.0.0.1:5556/metrics",
                                      "http://10.0.0.2:5556/metrics"]
    assert found[0].labels == {"namespace": "ns", "service": "kafka-metrics", "pod": "kafka-0",
                               "endpoint": "metrics", "job": "kafka-metrics",
                               "instance": "10.0.0.1:5556"}


@pytest.mark.parametrize("endpoint", [{"relabelings": [{"action": "drop"}]},
                                      {"metricRelabelings": [{"action": "drop"}]}])
def test_a_service_monitor_with_relabelings_is_refused_not_scraped_differently(endpoint):
    sm = {"spec": {**SM["spec"], "endpoints": [{**SM["spec"]["endpoints"][0], **endpoint}]}}
    with pytest.raises(ValueError, match="relabelings are not modelled"):
        monitoring.targets(FakeKube("ns", sm), "kafka-metrics")  # type: ignore[arg-type]


def test_parse_reads_names_labels_values_and_skips_comments():
    text = ('# HELP a x\n# TYPE a gauge\na 1.0\n'
            'b_total{topic="t",quote="say \\"hi\\""} 2.5e3 1700000000000\n\n'
            'c{quantile="0.99",} NaN\n')
    parsed = monitoring.parse(text)
    assert parsed[:2] == [("a", {}, 1.0),
                          ("b_total", {"topic": "t", "quote": 'say "hi"'}, 2500.0)]
    assert parsed[2][0] == "c" and parsed[2][1] == {"quantile": "0.99"}
    with pytest.raises(ValueError, match="not a sample line"):
        monitoring.parse("{oops} 1\n")


def test_series_spells_labels_sorted_and_escaped():
    assert monitoring.series("up", {"pod": "p", "a": 'x"y'}) == 'up{a="x\\"y", pod="p"}'


def test_values_are_stale_once_a_series_is_gone_and_missing_where_nobody_scraped():
    slots: list[dict[str, float | str]] = [{"other": 1}, {"s": 3}, {}, {"other": 1},
                                           {"s": 0}]
    assert monitoring.promtool_values(slots, "s") == "_ 3 _ stale 0"


def test_promtool_reads_the_values_as_prometheus_stores_them(tmp_path):
    """After a failed scrape ("stale") the series is gone; a slot nobody scraped ("_")
    keeps the last value (the 5 m lookback): what the e2e check's expectations assume."""
    slots: list[dict[str, float | str]] = [{"m": 2, "n": 2}, {"m": 2}, {"n": 2}, {"n": 2}, {}]
    case = {"interval": "2s",
            "input_series": [{"series": s, "values": monitoring.promtool_values(slots, s)}
                             for s in ("m", "n")],
            "promql_expr_test": [
                {"expr": "m > 0", "eval_time": "2s", "exp_samples": [{"labels": "m",
                                                                      "value": 2}]},
                {"expr": "m > 0", "eval_time": "6s", "exp_samples": []},
                {"expr": "n > 0", "eval_time": "2s", "exp_samples": []},
                {"expr": "n > 0", "eval_time": "8s", "exp_samples": [{"labels": "n",
                                                                      "value": 2}]},
            ]}
    (tmp_path / "rules.yaml").write_text("groups: []\n")
    # promtool loads the samples as its rule evaluation loop advances: with the default
    # evaluation_interval (1m) an expression at 8s sees only the samples at 0s.
    (tmp_path / "t.yaml").write_text(yaml.safe_dump({"rule_files": ["rules.yaml"],
                                                     "evaluation_interval": "2s",
                                                     "tests": [case]}))
    proc = subprocess.run([str(promtool_binary()), "test", "rules", "t.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
