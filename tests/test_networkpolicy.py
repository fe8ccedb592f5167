"""The charts' NetworkPolicies, read the way an implementation reads them: who may open
which port of which pod. The policies are evaluated against the pods the charts render
(StatefulSet pod templates, helm test pods), so a selector that drifts from the pod labels
fails here, not as a silently refused connection in a cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from helpers import by_kind, one, problem_lines, render_chart, render_chart_text
from stackctl.errors import HelmError

NS = "data"


@dataclass(frozen=True)
class Pod:
    """A connection's source (or destination): its labels and its namespace's labels."""

    labels: dict[str, str]
    namespace: str = NS
    namespace_labels: dict[str, str] = field(default_factory=dict)

    def ns_labels(self) -> dict[str, str]:
        return {"kubernetes.io/metadata.name": self.namespace, **self.namespace_labels}


STRANGER = Pod({"app": "somebody-else"})
# Both charts renamed: the name labels change, the wiring follows the renamed Service.
RENAMED: dict[str, Any] = {
    "zookeeper": {"nameOverride": "coordination"},
    "kafka": {"nameOverride": "events", "zookeeper": {"serviceName": "orders-coordination"}},
}


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, f"evaluator knows matchLabels only: {selector}"
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def peer_matches(peer: dict[str, Any], pod: Pod, policy_ns: str) -> bool:
    assert "ipBlock" not in peer, "the charts' own rules select pods, never addresses"
    if "namespaceSelector" in peer:
        if not matches(peer["namespaceSelector"], pod.ns_labels()):
            return False
    elif pod.namespace != policy_ns:
        return False
    return matches(peer.get("podSelector", {}), pod.labels)


def port_matches(rule: dict[str, Any], port: int, protocol: str) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    for p in ports:
        assert isinstance(p.get("port"), int), f"ports are numbers, not names: {p}"
        if p["port"] == port and p.get("protocol", "TCP") == protocol:
            return True
    return False


def admits(policy: dict[str, Any], peer: Pod, port: int, *, direction: str = "ingress",
           protocol: str = "TCP") -> bool:
    """Whether ``policy`` alone lets ``peer`` reach the selected pods on ``port`` (ingress),
    or the selected pods reach ``peer`` on ``port`` (egress). A direction the policy does not
    restrict is open."""
    spec = policy["spec"]
    kind = direction.capitalize()
    if kind not in spec.get("policyTypes", ["Ingress"]):
        return True
    key = "from" if direction == "ingress" else "to"
    ns = policy["metadata"]["namespace"]
    for rule in spec.get(direction) or []:
        if not port_matches(rule, port, protocol):
            continue
        peers = rule.get(key)
        if not peers or any(peer_matches(p, peer, ns) for p in peers):
            return True
    return False


def policy_of(objs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return one(objs, "NetworkPolicy", name)


def pod_of(objs: list[dict[str, Any]], statefulset: str) -> Pod:
    sts = one(objs, "StatefulSet", statefulset)
    return Pod(sts["spec"]["template"]["metadata"]["labels"], sts["metadata"]["namespace"])


def helm_test_pod(objs: list[dict[str, Any]], chart: str) -> Pod:
    pods = [p for p in by_kind(objs, "Pod")
            if p["metadata"].get("labels", {}).get("helm.sh/chart", "").startswith(chart + "-")]
    assert len(pods) == 1, f"one helm test pod of {chart} expected, got {len(pods)}"
    return Pod(pods[0]["metadata"]["labels"], pods[0]["metadata"]["namespace"])


def container_ports(objs: list[dict[str, Any]], statefulset: str) -> dict[str, int]:
    sts = one(objs, "StatefulSet", statefulset)
    return {p["name"]: p["containerPort"]
            for c in sts["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}


def selects(policy: dict[str, Any], pod: Pod) -> bool:
    return (pod.namespace == policy["metadata"]["namespace"]
            and matches(policy["spec"]["podSelector"], pod.labels))


def stack(values: dict[str, Any] | None = None, release: str = "orders") -> list[dict[str, Any]]:
    return render_chart("stack", values, release=release, namespace=NS)


def zk_chart(np: dict[str, Any] | None = None, *, release: str = "orders-zookeeper",
             values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    vals = {**(values or {}), **({"networkPolicy": np} if np is not None else {})}
    return render_chart("zookeeper", vals or None, release=release, namespace=NS)


def kafka_chart(np: dict[str, Any] | None = None, *, release: str = "orders",
             values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    vals = {**(values or {}), **({"networkPolicy": np} if np is not None else {})}
    return render_chart("kafka", vals or None, release=release, namespace=NS)


# --- the stack: the two charts admit each other ------------------------------------------

@pytest.mark.parametrize("overrides", [{}, RENAMED], ids=["defaults", "nameOverrides"])
def test_zookeeper_client_port_admits_the_stacks_brokers_and_nobody_else(
        overrides: dict[str, Any]) -> None:
    objs = stack(overrides)
    zk_name = "orders-" + overrides.get("zookeeper", {}).get("nameOverride", "zookeeper")
    kafka_name = "orders-" + overrides.get("kafka", {}).get("nameOverride", "kafka")
    policy = policy_of(objs, zk_name)
    zk, broker = pod_of(objs, zk_name), pod_of(objs, kafka_name)
    ports = container_ports(objs, zk_name)
    assert selects(policy, zk) and not selects(policy, broker)
    assert admits(policy, broker, ports["client"])
    assert not admits(policy, STRANGER, ports["client"])
    assert not admits(policy, broker, ports["server"])
    assert not admits(policy, broker, ports["leader-election"])


@pytest.mark.parametrize("overrides", [{}, RENAMED], ids=["defaults", "nameOverrides"])
def test_restricted_broker_egress_reaches_the_bundled_ensemble_dns_and_brokers(
        overrides: dict[str, Any]) -> None:
    values = {**overrides, "kafka": {**overrides.get("kafka", {}),
                                     "networkPolicy": {"allowExternalEgress": False}}}
    objs = stack(values)
    zk_name = "orders-" + overrides.get("zookeeper", {}).get("nameOverride", "zookeeper")
    kafka_name = "orders-" + overrides.get("kafka", {}).get("nameOverride", "kafka")
    policy = policy_of(objs, kafka_name)
    zk, broker = pod_of(objs, zk_name), pod_of(objs, kafka_name)
    assert admits(policy, zk, container_ports(objs, zk_name)["client"], direction="egress")
    for port in container_ports(objs, kafka_name).values():
        assert admits(policy, broker, port, direction="egress")
    assert not admits(policy, STRANGER, 443, direction="egress")
    dns = Pod({"k8s-app": "kube-dns"}, "kube-system")
    assert admits(policy, dns, 53, direction="egress", protocol="UDP")
    assert admits(policy, dns, 53, direction="egress", protocol="TCP")


def test_quorum_ports_admit_only_the_other_servers() -> None:
    objs = stack()
    policy = policy_of(objs, "orders-zookeeper")
    zk = pod_of(objs, "orders-zookeeper")
    ports = container_ports(objs, "orders-zookeeper")
    for port in (ports["server"], ports["leader-election"]):
        assert admits(policy, zk, port)
        assert not admits(policy, STRANGER, port)
        assert not admits(policy, helm_test_pod(objs, "zookeeper"), port)


def test_helm_test_pods_reach_the_ports_they_test() -> None:
    objs = stack()
    zk_test, kafka_test = helm_test_pod(objs, "zookeeper"), helm_test_pod(objs, "kafka")
    assert admits(policy_of(objs, "orders-zookeeper"), zk_test,
                  container_ports(objs, "orders-zookeeper")["client"])
    kafka_policy = policy_of(
        stack({"kafka": {"networkPolicy": {"allowExternal": False}}}), "orders-kafka")
    assert admits(kafka_policy, kafka_test, container_ports(objs, "orders-kafka")["tcp-client"])
    assert not admits(kafka_policy, STRANGER,
                      container_ports(objs, "orders-kafka")["tcp-client"])


def test_every_policy_port_is_a_container_port_of_the_pods_it_selects() -> None:
    objs = stack({"kafka": {"networkPolicy": {"allowExternal": False}}})
    for name in ("orders-kafka", "orders-zookeeper"):
        policy = policy_of(objs, name)
        assert selects(policy, pod_of(objs, name))
        opened = {p["port"] for rule in policy["spec"]["ingress"] for p in rule.get("ports", [])}
        assert opened <= set(container_ports(objs, name).values()), name


def test_policy_objects_carry_the_charts_labels() -> None:
    objs = stack()
    for name, sts in (("orders-kafka", "orders-kafka"), ("orders-zookeeper", "orders-zookeeper")):
        labels = policy_of(objs, name)["metadata"]["labels"]
        selector = one(objs, "StatefulSet", sts)["spec"]["selector"]["matchLabels"]
        assert policy_of(objs, name)["spec"]["podSelector"]["matchLabels"] == selector
        assert selector.items() <= labels.items()


# --- the charts installed on their own ---------------------------------------------------

def test_zookeeper_alone_admits_the_brokers_of_the_kafka_release_it_serves() -> None:
    """kafka release "orders" looks for "orders-zookeeper" (the kafka README's install)."""
    policy = policy_of(zk_chart(), "orders-zookeeper")
    brokers = pod_of(kafka_chart(), "orders-kafka")
    port = container_ports(zk_chart(), "orders-zookeeper")["client"]
    assert admits(policy, brokers, port)
    assert not admits(policy, Pod({**brokers.labels, "app.kubernetes.io/instance": "other"}),
                      port)


def test_kafka_alone_restricted_egress_reaches_the_ensemble_it_connects_to() -> None:
    policy = policy_of(kafka_chart({"allowExternalEgress": False}), "orders-kafka")
    zk_objs = zk_chart()
    zk = pod_of(zk_objs, "orders-zookeeper")
    assert admits(policy, zk, container_ports(zk_objs, "orders-zookeeper")["client"],
                  direction="egress")


def test_kafka_selector_labels_replace_the_default_broker_peers() -> None:
    labels = {"app.kubernetes.io/name": "kafka", "team": "payments"}
    objs = zk_chart({"kafkaSelectorLabels": labels})
    policy = policy_of(objs, "orders-zookeeper")
    port = container_ports(objs, "orders-zookeeper")["client"]
    assert admits(policy, Pod(labels), port)
    assert not admits(policy, pod_of(kafka_chart(), "orders-kafka"), port)


def test_zookeeper_allow_external_opens_only_the_client_port_to_anyone() -> None:
    objs = zk_chart({"allowExternal": True})
    policy = policy_of(objs, "orders-zookeeper")
    ports = container_ports(objs, "orders-zookeeper")
    elsewhere = Pod({"app": "x"}, "other")
    assert admits(policy, elsewhere, ports["client"])
    assert not admits(policy, elsewhere, ports["server"])
    assert not admits(policy, elsewhere, ports["leader-election"])


def test_kafka_client_port_is_open_by_default_and_closed_with_allow_external_false() -> None:
    objs = kafka_chart()
    port = container_ports(objs, "orders-kafka")["tcp-client"]
    assert admits(policy_of(objs, "orders-kafka"), Pod({"app": "x"}, "other"), port)
    closed = policy_of(kafka_chart({"allowExternal": False}), "orders-kafka")
    assert not admits(closed, Pod({"app": "x"}, "other"), port)
    assert not admits(closed, STRANGER, port)
    assert admits(closed, pod_of(objs, "orders-kafka"), port)


def test_inter_broker_port_admits_only_brokers() -> None:
    objs = kafka_chart()
    ports = container_ports(objs, "orders-kafka")
    if "tcp-internal" not in ports:
        pytest.skip("one listener serves clients and brokers until listeners.interbroker lands")
    policy = policy_of(objs, "orders-kafka")
    assert admits(policy, pod_of(objs, "orders-kafka"), ports["tcp-internal"])
    assert not admits(policy, STRANGER, ports["tcp-internal"])
    assert not admits(policy, helm_test_pod(objs, "kafka"), ports["tcp-internal"])


@pytest.mark.parametrize("chart", ["kafka", "zookeeper"])
def test_namespace_and_pod_selectors_admit_the_selected_clients(chart: str) -> None:
    render = kafka_chart if chart == "kafka" else zk_chart
    name = "orders-kafka" if chart == "kafka" else "orders-zookeeper"
    port_name = "tcp-client" if chart == "kafka" else "client"
    objs = render({"allowExternal": False})
    port = container_ports(objs, name)[port_name]
    team = Pod({"app": "billing"}, "billing", {"team": "billing"})
    other_app = Pod({"app": "report"}, "billing", {"team": "billing"})
    by_ns = policy_of(render({"allowExternal": False, "ingressNSMatchLabels": {"team": "billing"}}),
                      name)
    assert admits(by_ns, team, port) and admits(by_ns, other_app, port)
    assert not admits(by_ns, Pod({"app": "billing"}, "web"), port)
    both = policy_of(render({"allowExternal": False, "ingressNSMatchLabels": {"team": "billing"},
                             "ingressNSPodMatchLabels": {"app": "billing"}}), name)
    assert admits(both, team, port) and not admits(both, other_app, port)
    pods_only = policy_of(render({"allowExternal": False,
                                  "ingressNSPodMatchLabels": {"app": "billing"}}), name)
    assert admits(pods_only, Pod({"app": "billing"}), port)
    assert not admits(pods_only, team, port)


@pytest.mark.parametrize("chart", ["kafka", "zookeeper"])
def test_extra_ingress_and_egress_rules_are_appended_as_given(chart: str) -> None:
    render = kafka_chart if chart == "kafka" else zk_chart
    name = "orders-kafka" if chart == "kafka" else "orders-zookeeper"
    monitoring = {"from": [{"namespaceSelector": {"matchLabels": {"team": "monitoring"}}}],
                  "ports": [{"port": 7071, "protocol": "TCP"}]}
    out = {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": 2181}]}
    objs = render({"allowExternalEgress": False, "extraIngress": [monitoring],
                   "extraEgress": [out]})
    spec = policy_of(objs, name)["spec"]
    assert spec["ingress"][-1] == monitoring
    assert spec["egress"][-1] == out


@pytest.mark.parametrize("chart", ["kafka", "zookeeper"])
def test_egress_is_unrestricted_by_default_and_restricted_on_request(chart: str) -> None:
    render = kafka_chart if chart == "kafka" else zk_chart
    name = "orders-kafka" if chart == "kafka" else "orders-zookeeper"
    default = policy_of(render(), name)["spec"]
    # no Egress type at all: a namespace's own default-deny egress policy keeps applying
    assert default["policyTypes"] == ["Ingress"] and "egress" not in default
    restricted = policy_of(render({"allowExternalEgress": False}), name)
    assert restricted["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert restricted["spec"]["egress"][0] == {"ports": [{"port": 53, "protocol": "UDP"},
                                                         {"port": 53, "protocol": "TCP"}]}
    assert not admits(restricted, STRANGER, 443, direction="egress")


def test_zookeeper_restricted_egress_reaches_only_its_peers_and_dns() -> None:
    objs = zk_chart({"allowExternalEgress": False})
    policy = policy_of(objs, "orders-zookeeper")
    zk = pod_of(objs, "orders-zookeeper")
    ports = container_ports(objs, "orders-zookeeper")
    assert admits(policy, zk, ports["server"], direction="egress")
    assert admits(policy, zk, ports["leader-election"], direction="egress")
    assert not admits(policy, pod_of(kafka_chart(), "orders-kafka"), 9092, direction="egress")


@pytest.mark.parametrize("chart", ["kafka", "zookeeper"])
def test_disabled_renders_no_policy(chart: str) -> None:
    render = kafka_chart if chart == "kafka" else zk_chart
    assert not by_kind(render({"enabled": False}), "NetworkPolicy")


def test_kafka_restricted_egress_with_an_external_ensemble_needs_an_egress_rule() -> None:
    external = {"externalZookeeper": {"connect": "zk-0.example:2181"}}
    with pytest.raises(HelmError) as err:
        kafka_chart({"allowExternalEgress": False}, values=external)
    assert problem_lines(str(err.value)) == [
        "networkPolicy.allowExternalEgress: false while externalZookeeper.connect "
        "(zk-0.example:2181) points at an ensemble the chart cannot select: the brokers "
        "could not reach it; add an egress rule for it to networkPolicy.extraEgress"]
    rule = {"to": [{"ipBlock": {"cidr": "192.0.2.0/24"}}], "ports": [{"port": 2181}]}
    objs = kafka_chart({"allowExternalEgress": False, "extraEgress": [rule]}, values=external)
    egress = policy_of(objs, "orders-kafka")["spec"]["egress"]
    assert egress[-1] == rule
    assert not any("podSelector" in str(r) and "zookeeper" in str(r) for r in egress)


def test_ignored_values_are_warned_about() -> None:
    text = render_chart_text("kafka", {"networkPolicy": {"extraEgress": [{"ports": [{"port": 1}]}],
                                                        "ingressNSMatchLabels": {"a": "b"}}})
    assert "# WARNING: networkPolicy.extraEgress: ignored while " in text
    assert "# WARNING: networkPolicy.ingressNSMatchLabels/ingressNSPodMatchLabels: have no " \
           "effect while networkPolicy.allowExternal is true" in text
    inside = render_chart_text("stack", {"zookeeper": {"networkPolicy": {
        "extraEgress": [{"ports": [{"port": 1}]}]}}})
    assert "# WARNING: zookeeper.networkPolicy.extraEgress: ignored while " \
           "zookeeper.networkPolicy.allowExternalEgress is true" in inside
