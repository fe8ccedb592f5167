"""Replication settings follow the broker count; impossible ones fail at render time."""

from __future__ import annotations

import re

import pytest

from helpers import one, problem_lines, render_chart
from stackctl.errors import HelmError

CM = "templates/configmap-scripts.yaml"
RF_KEYS = ("default.replication.factor", "offsets.topic.replication.factor",
           "transaction.state.log.replication.factor")


def properties(values: dict) -> dict[str, int | str]:
    cm = one(render_chart("kafka", values, show_only=[CM]), "ConfigMap")
    lines = cm["data"]["server.properties"].splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 5])
def test_replication_never_above_broker_count(replicas):
    props = properties({"replicaCount": replicas})
    rf = min(3, replicas)
    for key in RF_KEYS:
        assert int(props[key]) == rf <= replicas, key
    assert int(props["min.insync.replicas"]) == max(1, rf - 1)
    assert int(props["transaction.state.log.min.isr"]) == max(1, rf - 1)
    assert int(props["min.insync.replicas"]) <= rf


def test_three_brokers_keep_two_in_sync():
    props = properties({"replicaCount": 3})
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"


def test_overrides_within_bounds():
    props = properties({"replicaCount": 5, "replication": {
        "defaultReplicationFactor": 5, "minInsyncReplicas": 3,
        "offsetsTopicReplicationFactor": 4, "transactionStateLogReplicationFactor": 4,
        "transactionStateLogMinIsr": 3}})
    assert [props[k] for k in RF_KEYS] == ["5", "4", "4"]
    assert props["min.insync.replicas"] == "3"
    assert props["transaction.state.log.min.isr"] == "3"


@pytest.mark.parametrize(("values", "message"), [
    ({"replicaCount": 1, "replication": {"defaultReplicationFactor": 3}},
     r"^replication.defaultReplicationFactor: 3 is above replicaCount \(1\)"),
    ({"replicaCount": 2, "replication": {"offsetsTopicReplicationFactor": 3}},
     r"^replication.offsetsTopicReplicationFactor: 3 is above replicaCount \(2\)"),
    ({"replicaCount": 2, "replication": {"transactionStateLogReplicationFactor": 3}},
     r"^replication.transactionStateLogReplicationFactor: 3 is above replicaCount \(2\)"),
    ({"replication": {"minInsyncReplicas": 4}},
     r"^replication.minInsyncReplicas: 4 is above replication.defaultReplicationFactor \(3\)"),
    ({"replication": {"transactionStateLogMinIsr": 3,
                      "transactionStateLogReplicationFactor": 2}},
     r"^replication.transactionStateLogMinIsr: 3 is above "
     r"replication.transactionStateLogReplicationFactor \(2\)"),
    ({"replicaCount": 1, "config": {"default.replication.factor": 2}},
     r"^config.default.replication.factor: 2 is above replicaCount \(1\)"),
    ({"config": {"min.insync.replicas": "many"}},
     r"^config.min.insync.replicas: many is not a positive whole number"),
])
def test_impossible_replication_fails_at_render(values, message):
    """Each problem is one "key.path: reason" line, the key as the user wrote it."""
    with pytest.raises(HelmError) as err:
        render_chart("kafka", values, show_only=[CM])
    lines = problem_lines(str(err.value))
    assert any(re.search(message, line) for line in lines), lines


def test_every_replication_problem_is_reported_at_once():
    with pytest.raises(HelmError) as err:
        render_chart("kafka", {"replicaCount": 1, "replication": {
            "defaultReplicationFactor": 3, "offsetsTopicReplicationFactor": 2}}, show_only=[CM])
    keys = sorted(line.split(":", 1)[0] for line in problem_lines(str(err.value)))
    assert keys == ["replication.defaultReplicationFactor",
                    "replication.offsetsTopicReplicationFactor"]


def test_in_the_stack_the_key_carries_the_kafka_prefix():
    with pytest.raises(HelmError) as err:
        render_chart("stack", {"kafka": {"replication": {"defaultReplicationFactor": 5}}})
    assert problem_lines(str(err.value)) == [
        "kafka.replication.defaultReplicationFactor: 5 is above kafka.replicaCount (3): Kafka "
        "cannot place more replicas than brokers; lower it or raise kafka.replicaCount"]


def test_scaling_down_below_explicit_factor_fails():
    """Derived factors shrink with replicaCount; an explicit one must be lowered by hand."""
    assert properties({"replicaCount": 2})["default.replication.factor"] == "2"
    with pytest.raises(HelmError, match="replicaCount"):
        render_chart("kafka", {"replicaCount": 2,
                               "replication": {"defaultReplicationFactor": 3}},
                     show_only=[CM])
