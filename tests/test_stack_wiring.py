"""The umbrella chart: Kafka finds the bundled ensemble, environments keep their promises,
and impossible wiring fails at render time with the value to change."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import CHARTS, by_kind, one, problem_lines, render_chart, render_chart_text
from stackctl.errors import HelmError

ENVS = CHARTS / "stack" / "environments"


def render_env(env: str, values: dict[str, Any] | None = None, **kw: Any) -> list[dict[str, Any]]:
    return render_chart("stack", values, value_files=[ENVS / f"{env}.yaml"], **kw)


def server_properties(objs: list[dict[str, Any]]) -> dict[str, str]:
    """The key=value lines of the broker ConfigMap that holds server.properties."""
    for cm in by_kind(objs, "ConfigMap"):
        for text in (cm.get("data") or {}).values():
            if "zookeeper.connect=" in text:
                return dict(
                    line.split("=", 1) for line in text.splitlines()
                    if "=" in line and not line.startswith("#")
                )
    raise AssertionError("no ConfigMap carries server.properties")


def test_kafka_connects_to_the_bundled_zookeeper_client_service_with_no_wiring() -> None:
    objs = render_chart("stack", release="orders", namespace="data")
    zk_sts = one(objs, "StatefulSet", "orders-zookeeper")
    services = {s["metadata"]["name"]: s for s in by_kind(objs, "Service")}
    connect = server_properties(objs)["zookeeper.connect"]
    host, port = connect.split(":")
    assert host in services, f"{host} is not a Service of the release: {sorted(services)}"
    client = services[host]
    assert client["spec"].get("clusterIP") != "None"
    assert client["spec"]["selector"].items() <= zk_sts["spec"]["template"]["metadata"][
        "labels"
    ].items()
    assert int(port) in [p["port"] for p in client["spec"]["ports"]]


def test_seed_names_are_reachable_with_overrides() -> None:
    values = {
        "zookeeper": {"fullnameOverride": "zk", "service": {"headless": {"name": "zk-svc"}}},
        "kafka": {
            "fullnameOverride": "kafka",
            "service": {"headless": {"name": "kafka-svc"}},
            "zookeeper": {"serviceName": "zk"},
        },
    }
    objs = render_chart("stack", values)
    assert one(objs, "StatefulSet", "zk")["spec"]["serviceName"] == "zk-svc"
    assert one(objs, "StatefulSet", "kafka")["spec"]["serviceName"] == "kafka-svc"
    assert {"zk", "zk-svc", "kafka", "kafka-svc"} <= {
        s["metadata"]["name"] for s in by_kind(objs, "Service")
    }
    assert server_properties(objs)["zookeeper.connect"] == "zk:2181"


def test_renamed_ensemble_without_kafka_wiring_fails_naming_the_value() -> None:
    with pytest.raises(HelmError, match=r"set kafka\.zookeeper\.serviceName=zk"):
        render_chart("stack", {"zookeeper": {"fullnameOverride": "zk"}})


def test_moved_client_port_without_kafka_wiring_fails() -> None:
    with pytest.raises(HelmError, match=r"set kafka\.zookeeper\.port=2182"):
        render_chart("stack", {"zookeeper": {"service": {"ports": {"client": 2182}}}})


def test_disabled_zookeeper_needs_an_external_ensemble() -> None:
    with pytest.raises(HelmError, match=r"kafka\.externalZookeeper\.connect: empty while "
                                        r"zookeeper\.enabled is false"):
        render_chart("stack", {"zookeeper": {"enabled": False}})


def test_external_ensemble_replaces_the_bundled_one() -> None:
    objs = render_chart("stack", {
        "zookeeper": {"enabled": False},
        "kafka": {"externalZookeeper": {"connect": "zk-a.ops:2181,zk-b.ops:2181"}},
    })
    assert not [o for o in objs if "zookeeper" in o["metadata"]["name"]]
    assert server_properties(objs)["zookeeper.connect"] == "zk-a.ops:2181,zk-b.ops:2181"


def test_external_ensemble_while_bundled_enabled_is_refused() -> None:
    with pytest.raises(HelmError, match="while the bundled zookeeper is enabled"):
        render_chart("stack", {"kafka": {"externalZookeeper": {"connect": "x:2181"}}})


def test_kafka_alone_can_be_disabled() -> None:
    objs = render_chart("stack", {"kafka": {"enabled": False}})
    assert [o["metadata"]["name"] for o in by_kind(objs, "StatefulSet")] == ["stack-zookeeper"]


def test_unknown_top_level_key_is_rejected_by_the_stack_schema() -> None:
    with pytest.raises(HelmError, match="kafak"):
        render_chart("stack", {"kafak": {"replicaCount": 3}})


@pytest.mark.parametrize(
    ("env", "servers", "brokers", "anti_affinity"),
    [("dev", 1, 1, None), ("staging", 3, 3, "preferred"), ("prod", 3, 3, "required")],
)
def test_environment_topology(env: str, servers: int, brokers: int, anti_affinity: str | None):
    objs = render_env(env)
    zk = one(objs, "StatefulSet", "stack-zookeeper")
    kafka = one(objs, "StatefulSet", "stack-kafka")
    assert zk["spec"]["replicas"] == servers
    assert kafka["spec"]["replicas"] == brokers
    for sts in (zk, kafka):
        affinity = sts["spec"]["template"]["spec"].get("affinity", {}).get("podAntiAffinity")
        if anti_affinity is None:
            assert not affinity
        else:
            keys = [k for k in affinity if k.startswith(anti_affinity)]
            assert keys, f"{env}: {sts['metadata']['name']} anti-affinity is {list(affinity)}"
    props = server_properties(objs)
    assert int(props["default.replication.factor"]) == min(3, brokers)
    assert int(props["min.insync.replicas"]) <= int(props["default.replication.factor"])


def test_prod_keeps_the_zookeeper_quorum_and_kafka_min_isr_during_drains() -> None:
    objs = render_env("prod")
    pdbs = {p["metadata"]["name"]: p["spec"] for p in by_kind(objs, "PodDisruptionBudget")}
    # 3 servers: a quorum is 2, so at most one may be evicted at a time; same for 3 brokers
    # with min.insync.replicas 2.
    for name in ("stack-zookeeper", "stack-kafka"):
        spec = pdbs[name]
        assert spec.get("maxUnavailable") == 1 or spec.get("minAvailable") == 2, spec


def test_heap_fits_in_the_memory_limit_in_every_environment() -> None:
    def gib(quantity: str) -> float:
        units = {"Gi": 1.0, "Mi": 1 / 1024, "G": 1.0, "M": 1 / 1024}
        for suffix, factor in units.items():
            if quantity.endswith(suffix):
                return float(quantity[: -len(suffix)]) * factor
        raise AssertionError(f"unexpected quantity {quantity}")

    for env in sorted(p.stem for p in ENVS.glob("*.yaml")):
        objs = render_env(env)
        for sts in by_kind(objs, "StatefulSet"):
            container = sts["spec"]["template"]["spec"]["containers"][0]
            env_vars = {e["name"]: e.get("value", "") for e in container.get("env", [])}
            heap = next(
                (tok[4:] for v in env_vars.values() for tok in str(v).split()
                 if tok.startswith("-Xmx")),
                None,
            )
            assert heap, f"{env}: {sts['metadata']['name']} sets no -Xmx in its env"
            limit = container["resources"]["limits"]["memory"]
            assert gib(heap) < gib(limit), f"{env}: heap {heap} >= limit {limit}"


def test_renamed_ensemble_keeps_the_brokers_schedulable_with_hard_affinity() -> None:
    """zookeeper.nameOverride plus the matching serviceName used to leave hard-affinity
    brokers Pending: they required pods labelled name=zookeeper, which no longer existed."""
    objs = render_chart("stack", {
        "zookeeper": {"nameOverride": "zk"},
        "kafka": {"zookeeper": {"serviceName": "stack-zk"}, "podAffinityPreset": "hard"}})
    zk = one(objs, "StatefulSet", "stack-zk")
    kafka = one(objs, "StatefulSet", "stack-kafka")
    term = kafka["spec"]["template"]["spec"]["affinity"]["podAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"][0]
    wanted = term["labelSelector"]["matchLabels"]
    assert wanted.items() <= zk["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("preset", ["soft", "hard"])
def test_zookeeper_affinity_labels_that_match_no_server_fail(preset: str) -> None:
    with pytest.raises(HelmError) as err:
        render_chart("stack", {"kafka": {"podAffinityPreset": preset,
                                         "zookeeper": {"selectorLabels": {"app": "zk"}}}})
    [line] = problem_lines(str(err.value))
    assert line.startswith("kafka.zookeeper.selectorLabels: the brokers' podAffinityPreset")
    assert "app=zk" in line
    assert ("could never be scheduled" in line) == (preset == "hard")


def test_zookeeper_affinity_labels_may_name_custom_pod_labels() -> None:
    objs = render_chart("stack", {"zookeeper": {"podLabels": {"team": "data"}},
                                  "kafka": {"zookeeper": {"selectorLabels": {"team": "data"}}}})
    assert one(objs, "StatefulSet", "stack-kafka")


def test_umbrella_needs_the_kubernetes_version_its_subcharts_need() -> None:
    """The stack rendered for 1.20 while the subcharts need 1.27."""
    with pytest.raises(HelmError, match=r"chart requires kubeVersion: >=1\.27\.0-0 which is "
                                        r"incompatible with Kubernetes v1\.26\.0"):
        render_chart("stack", kube_version="1.26.0")
    assert render_chart("stack", kube_version="1.27.0")


@pytest.mark.parametrize(("replicas", "warned"), [(1, False), (2, True), (3, False),
                                                  (4, True), (5, False)])
def test_an_even_ensemble_renders_with_a_warning(replicas: int, warned: bool) -> None:
    text = render_chart_text("stack", {"zookeeper": {"replicaCount": replicas}})
    warnings = [line for line in text.splitlines() if line.startswith("# WARNING: ")]
    if not warned:
        assert not warnings
        return
    [line] = warnings
    assert line.startswith(f"# WARNING: zookeeper.replicaCount: {replicas} servers (an even "
                           "number) need")
    assert ("node drains wait" in line) == (replicas == 2)


def test_an_enforcing_zookeeper_without_kafka_credentials_fails() -> None:
    with pytest.raises(HelmError) as err:
        render_chart("stack", {"zookeeper": {"auth": {"client": {"enabled": True,
                                                                 "enforce": True}}}})
    [line] = problem_lines(str(err.value))
    assert line.startswith("kafka.zookeeper.auth.enabled: false while "
                           "zookeeper.auth.client.enabled is true")
    assert "would close their sessions" in line
    assert line.endswith("set kafka.zookeeper.auth.enabled=true")


def test_zookeeper_auth_before_kafka_is_the_first_migration_step_and_warns() -> None:
    # the README's path for a running cluster: the servers learn SASL first, while the
    # brokers still connect anonymously; then Kafka
    text = render_chart_text("stack", {"zookeeper": {"auth": {"client": {"enabled": True}}}})
    assert ("# WARNING: kafka.zookeeper.auth.enabled: false while "
            "zookeeper.auth.client.enabled is true: the brokers connect anonymously") in text


def test_a_zookeeper_policy_that_admits_no_broker_fails() -> None:
    with pytest.raises(HelmError) as err:
        render_chart("stack", {"zookeeper": {"networkPolicy": {
            "kafkaSelectorLabels": {"app": "kafka"}}}})
    [line] = problem_lines(str(err.value))
    assert line.startswith("zookeeper.networkPolicy.kafkaSelectorLabels: admits pods "
                           "labelled app=kafka, which the brokers' pods are not")


def test_a_zookeeper_policy_may_admit_the_brokers_by_their_own_pod_labels() -> None:
    objs = render_chart("stack", {
        "zookeeper": {"networkPolicy": {"kafkaSelectorLabels": {"team": "data"}}},
        "kafka": {"podLabels": {"team": "data"}}})
    policy = one(objs, "NetworkPolicy", "stack-zookeeper")
    peers = [p for rule in policy["spec"]["ingress"] for p in rule.get("from", [])]
    assert {"podSelector": {"matchLabels": {"team": "data"}}} in peers


ZK_AUTH = {"auth": {"client": {"enabled": True}}}


def test_kafka_credentials_without_zookeeper_auth_fail() -> None:
    with pytest.raises(HelmError) as err:
        render_chart("stack", {"kafka": {"zookeeper": {"auth": {"enabled": True}}}})
    [line] = problem_lines(str(err.value))
    assert line.startswith("kafka.zookeeper.auth.enabled: true while "
                           "zookeeper.auth.client.enabled is false")


def test_zookeeper_auth_on_both_sides_shares_one_generated_secret() -> None:
    objs = render_chart("stack", {"zookeeper": ZK_AUTH,
                                  "kafka": {"zookeeper": {"auth": {"enabled": True}}}})
    [secret] = [s for s in by_kind(objs, "Secret") if s["metadata"]["name"].endswith("-auth")]
    assert secret["metadata"]["name"] == "stack-zookeeper-auth"
    assert sorted(secret["data"]) == ["client-password"]
    kafka = one(objs, "StatefulSet", "stack-kafka")
    names = {v["secret"]["secretName"] for v in kafka["spec"]["template"]["spec"]["volumes"]
             if "secret" in v}
    assert "stack-zookeeper-auth" in names
    assert server_properties(objs)["zookeeper.set.acl"] == "true"


@pytest.mark.parametrize(("zk", "kafka", "expected"), [
    ({"username": "broker"}, {}, "kafka.zookeeper.auth.username: \"kafka\" but the "
                                 "ensemble's user is zookeeper.auth.client.username \"broker\""),
    ({"existingSecret": "zk-pw"}, {}, "kafka.zookeeper.auth.existingSecret: the brokers read "
                                      "the ZooKeeper password from Secret "
                                      "\"stack-zookeeper-auth\" but the ensemble reads it from "
                                      "\"zk-pw\""),
    ({}, {"passwordKey": "pw"}, "kafka.zookeeper.auth.passwordKey: \"pw\" is not a key of the "
                                "ensemble's generated Secret"),
])
def test_zookeeper_auth_the_two_charts_disagree_on_fails(zk: dict[str, Any],
                                                         kafka: dict[str, Any],
                                                         expected: str) -> None:
    with pytest.raises(HelmError) as err:
        render_chart("stack", {
            "zookeeper": {"auth": {"client": {"enabled": True, **zk}}},
            "kafka": {"zookeeper": {"auth": {"enabled": True, **kafka}}}})
    [line] = problem_lines(str(err.value))
    assert line.startswith(expected)


def test_zookeeper_auth_with_one_existing_secret_named_on_both_sides_renders() -> None:
    objs = render_chart("stack", {
        "zookeeper": {"auth": {"client": {"enabled": True, "existingSecret": "zk-pw"}}},
        "kafka": {"zookeeper": {"auth": {"enabled": True, "existingSecret": "zk-pw"}}}})
    assert not [s for s in by_kind(objs, "Secret") if s["metadata"]["name"].endswith("-auth")]
