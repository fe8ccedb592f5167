"""The migration from ZooKeeper mode to KRaft (kraft.migration.phase): what each phase
renders, what it refuses, and the upgrade guard's order of the phases.

Real Kafka processes going through every phase: tests/test_kafka_migration_local_smoke.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import one, problem_lines, render_chart, render_chart_text
from stackctl.errors import HelmError
from test_kafka_kraft import env_of, guarded, props, stored, upgrade, voters

__all__ = ["guarded"]  # the fixture, imported for this module's tests

CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qg"
QUORUM = voters(1000, 3, "kafka-controller", "kafka-controller-headless")


def phase(name: str, **extra: Any) -> dict[str, Any]:
    return {"kraft": {"clusterId": CLUSTER_ID, "migration": {"phase": name}}, **extra}


def rendered(values: dict[str, Any]) -> list[dict]:
    return render_chart("kafka", values, release="kafka")


def broker_template(values: dict[str, Any]) -> dict:
    return one(rendered(values), "StatefulSet", "kafka")["spec"]["template"]


def broker_props(values: dict[str, Any]) -> dict[str, str]:
    return props(one(rendered(values), "ConfigMap", "kafka-scripts"), "server.properties")


def test_the_controllers_phase_adds_migrating_controllers_and_leaves_the_brokers_alone():
    objs = rendered(phase("controllers"))
    # Not a byte of the brokers' pods changes: they do not roll in this phase.
    assert broker_template(phase("controllers")) == broker_template({})
    controller = props(one(objs, "ConfigMap", "kafka-scripts"), "controller.properties")
    assert controller["process.roles"] == "controller"
    assert controller["zookeeper.metadata.migration.enable"] == "true"
    assert controller["zookeeper.connect"] == broker_props({})["zookeeper.connect"]
    assert controller["controller.quorum.voters"] == QUORUM
    # the controllers reach the ZooKeeper-mode brokers on their inter-broker listener
    assert controller["inter.broker.listener.name"] == "INTERNAL"
    assert controller["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT"
    sts = one(objs, "StatefulSet", "kafka-controller")
    assert sts["metadata"]["annotations"]["kafka.chart/metadata"] == "migration-controllers"
    assert "KAFKA_CLUSTER_ID" in env_of(sts)
    secret = one(objs, "Secret", "kafka-kraft")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_dual_write_rolls_the_brokers_into_migration_mode():
    broker = broker_props(phase("dual-write"))
    assert broker["zookeeper.metadata.migration.enable"] == "true"
    assert broker["zookeeper.connect"] == "kafka-zookeeper:2181"
    assert broker["controller.quorum.voters"] == QUORUM
    assert broker["controller.listener.names"] == "CONTROLLER"
    assert broker["listener.security.protocol.map"].endswith(",CONTROLLER:PLAINTEXT")
    assert broker["inter.broker.protocol.version"] == "3.9"
    assert "process.roles" not in broker
    # configure.sh checks the given cluster id against every broker's meta.properties
    assert env_of(one(rendered(phase("dual-write")), "StatefulSet", "kafka"))[
        "KAFKA_CLUSTER_ID"]["valueFrom"]["secretKeyRef"]["name"] == "kafka-kraft"


def test_the_brokers_phase_runs_kraft_brokers_beside_migrating_controllers():
    objs = rendered(phase("brokers"))
    broker = props(one(objs, "ConfigMap", "kafka-scripts"), "server.properties")
    assert broker["process.roles"] == "broker"
    assert "zookeeper.connect" not in broker
    assert "zookeeper.metadata.migration.enable" not in broker
    assert "inter.broker.protocol.version" not in broker
    controller = props(one(objs, "ConfigMap", "kafka-scripts"), "controller.properties")
    assert controller["zookeeper.metadata.migration.enable"] == "true"
    # The controllers do not roll from dual-write to brokers, nor does the end of the
    # migration roll the brokers: each step rolls one StatefulSet.
    def checksum(values: dict[str, Any], name: str) -> str:
        return one(rendered(values), "StatefulSet", name)["spec"]["template"]["metadata"][
            "annotations"]["checksum/config"]
    assert checksum(phase("brokers"), "kafka-controller") == checksum(phase("dual-write"),
                                                                     "kafka-controller")
    end = {"kraft": {"enabled": True, "clusterId": CLUSTER_ID}, "image": {"tag": "3.9.1"}}
    assert checksum(end, "kafka") == checksum(phase("brokers"), "kafka")
    assert checksum(end, "kafka-controller") != checksum(phase("brokers"), "kafka-controller")
    assert "zookeeper.connect" not in props(one(rendered(end), "ConfigMap", "kafka-scripts"),
                                            "controller.properties")


def test_rollback_removes_the_controllers_and_keeps_the_brokers_as_in_dual_write():
    objs = rendered(phase("rollback"))
    assert not [o for o in objs if o["metadata"]["name"].startswith("kafka-controller")]
    assert broker_props(phase("rollback")) == broker_props(phase("dual-write"))
    assert broker_template(phase("rollback")) == broker_template(phase("dual-write"))


def test_the_network_policies_open_what_the_migration_needs():
    values = phase("dual-write", networkPolicy={"enabled": True, "allowExternalEgress": False})
    objs = rendered(values)
    controller = one(objs, "NetworkPolicy", "kafka-controller")["spec"]["egress"]
    zk = [r for r in controller if any(
        p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component")
        == "zookeeper" for p in r.get("to", []))]
    assert zk, controller
    assert any(r.get("ports") == [{"port": 9094, "protocol": "TCP"}] for r in controller)
    broker = one(objs, "NetworkPolicy", "kafka")["spec"]
    internal = next(r for r in broker["ingress"]
                    if r["ports"] == [{"port": 9094, "protocol": "TCP"}])
    assert {"app.kubernetes.io/component": "controller"}.items() <= internal["from"][-1][
        "podSelector"]["matchLabels"].items()
    egress_ports = [r.get("ports") for r in broker["egress"]]
    assert [{"port": 9093, "protocol": "TCP"}] in egress_ports
    # the ensemble admits the controllers too
    zk_np = one(render_chart("stack", {"kafka": phase("dual-write"),
                                       "zookeeper": {"networkPolicy": {"enabled": True}}}),
                "NetworkPolicy", "stack-zookeeper")
    peers = [p["podSelector"]["matchLabels"] for p in zk_np["spec"]["ingress"][0]["from"]]
    assert {"app.kubernetes.io/instance": "stack",
            "app.kubernetes.io/component": "controller"} in peers


@pytest.mark.parametrize(("values", "message"), [
    ({"kraft": {"migration": {"phase": "controllers"}}},
     "kraft.clusterId: empty with kraft.migration.phase controllers: the controllers join"),
    ({"kraft": {"enabled": True, "migration": {"phase": "brokers"}}},
     "kraft.migration.phase: brokers while kraft.enabled is true"),
    ({"kraft": {"clusterId": CLUSTER_ID, "combined": True, "migration": {"phase": "controllers"}}},
     "kraft.combined: the migration runs dedicated controllers"),
    (phase("controllers", image={"tag": "3.7.2"}),
     "image.tag: 3.7.2 is not Kafka 3.9: the migration runs on 3.9"),
    (phase("brokers", image={"tag": "4.3.2"}),
     "image.tag: 4.3.2 is Kafka 4, which has no ZooKeeper mode: keep a 3.9 tag while the "
     "cluster runs on ZooKeeper and through the migration"),
    (phase("dual-write", listeners={"client": {"protocol": "SASL_PLAINTEXT"}}),
     "listeners.client.protocol: SASL_PLAINTEXT is not supported by this chart version's "
     "migration yet"),
    (phase("controllers", metrics={"jmx": {"enabled": True}}),
     "metrics.jmx.enabled: metrics is not supported by this chart version's migration yet"),
    (phase("dual-write", zookeeper={"auth": {"enabled": True, "existingSecret": "zk"}}),
     "zookeeper.auth.enabled: the migration with ZooKeeper authentication is not supported"),
])
def test_what_the_migration_cannot_run_fails_at_render(values: dict[str, Any], message: str):
    with pytest.raises(HelmError) as err:
        render_chart("kafka", values)
    assert any(line.startswith(message) for line in problem_lines(str(err.value))), str(err.value)


def test_the_schema_knows_the_phases():
    with pytest.raises(HelmError) as err:
        render_chart("kafka", phase("finalize"))
    assert "at '/kraft/migration/phase'" in str(err.value)


def test_the_stack_runs_the_migration_beside_its_ensemble():
    text = render_chart_text("stack", {"kafka": phase("dual-write")})
    assert "name: stack-kafka-controller" in text and "name: stack-zookeeper" in text
    assert "# WARNING" not in text


# --- the upgrade guard: one phase at a time, back only where Kafka allows ---------------

MODES = {
    "zookeeper": {},
    "migration-controllers": phase("controllers"),
    "migration-dual-write": phase("dual-write"),
    "migration-brokers": phase("brokers"),
    "migration-rollback": phase("rollback"),
    "kraft": {"kraft": {"enabled": True, "clusterId": CLUSTER_ID}, "image": {"tag": "3.9.1"}},
}
ALLOWED = {
    ("zookeeper", "migration-controllers"),
    ("migration-controllers", "migration-dual-write"), ("migration-controllers", "zookeeper"),
    ("migration-dual-write", "migration-brokers"), ("migration-dual-write", "migration-rollback"),
    ("migration-brokers", "kraft"), ("migration-brokers", "migration-dual-write"),
    ("migration-rollback", "zookeeper"),
}


@pytest.mark.parametrize("old", list(MODES))
def test_the_guard_allows_exactly_the_migrations_steps(guarded: Path, old: str):
    existing = stored(MODES[old])
    controller = stored(MODES[old], "stack-kafka-controller") if old not in (
        "zookeeper", "migration-rollback") else None
    for new, values in MODES.items():
        if new == old or (old, new) in ALLOWED:
            assert "kind: StatefulSet" in upgrade(guarded, existing, values, controller), (old, new)
        else:
            with pytest.raises(HelmError) as err:
                upgrade(guarded, existing, values, controller)
            assert f'run as "{old}", this upgrade as "{new}"' in str(err.value), (old, new)
            assert "Next: " in str(err.value)


def test_the_guard_names_the_next_step(guarded: Path):
    with pytest.raises(HelmError) as err:
        upgrade(guarded, stored(MODES["migration-controllers"]), MODES["migration-brokers"],
                stored(MODES["migration-controllers"], "stack-kafka-controller"))
    assert "The migration moves one phase per upgrade" in str(err.value)
    assert "Next: kraft.migration.phase=dual-write is the next step" in str(err.value)
    with pytest.raises(HelmError) as err:
        upgrade(guarded, stored(MODES["migration-brokers"]), MODES["zookeeper"])
    assert "Kafka allows no way back from here but through the dual-write phase" in str(err.value)
