"""External access (externalAccess.*, listeners.external) as rendered: the per-broker and
bootstrap Services of every type, what the brokers get to compute their address, the
autoDiscovery Role, the render-time checks, the certificate's names, the NetworkPolicy and
the NOTES. What the pod scripts make of it (external-address.sh, auto-discovery.sh) is run
outside a cluster at the end, against a stand-in kubectl."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import (
    CHARTS,
    FEED_CONFIGMAP,
    by_kind,
    fed_copy,
    one,
    prepared,
    render_chart,
    render_chart_text,
)
from stackctl import helm
from stackctl.errors import HelmError
from test_kafka_config_script import Broker, parse_properties

RELEASE, NAMESPACE = "kafka", "streaming"
FILES = CHARTS / "kafka" / "files"
FAKE_KUBECTL = Path(__file__).parent / "scripts" / "kafka" / "kubectl"

NODE_PORT = {"externalAccess": {"enabled": True, "service": {"nodePortBase": 31090},
                                "bootstrap": {"nodePort": 31099}}}
LOAD_BALANCER = {"externalAccess": {"enabled": True, "service": {"type": "LoadBalancer"},
                                    "autoDiscovery": {"enabled": True}}}
CLUSTER_IP = {"externalAccess": {"enabled": True, "service": {"type": "ClusterIP"},
                                 "hostPattern": "broker-{id}.kafka.example.com"}}


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return render_chart("kafka", values, release=RELEASE, namespace=NAMESPACE)


def render_error(values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as err:
        render(values)
    return str(err.value)


def external_services(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["metadata"]["name"]: s for s in by_kind(objs, "Service")
            if "external" in s["metadata"]["name"]}


def pod_spec(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objs, "StatefulSet")["spec"]["template"]["spec"]


def kafka_container(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in pod_spec(objs)["containers"] if c["name"] == "kafka")


def env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def props(objs: list[dict[str, Any]]) -> dict[str, str]:
    text = one(objs, "ConfigMap")["data"]["server.properties"]
    return dict(line.strip().split("=", 1) for line in text.splitlines() if line.strip())


def with_ea(base: dict[str, Any], **ea: Any) -> dict[str, Any]:
    values = json.loads(json.dumps(base))
    for key, value in ea.items():
        if isinstance(value, dict):
            values["externalAccess"].setdefault(key, {}).update(value)
        else:
            values["externalAccess"][key] = value
    return values


# --- off by default ----------------------------------------------------------------------

def test_off_by_default_renders_nothing_external():
    objs = render()
    assert not external_services(objs)
    assert "EXTERNAL" not in props(objs)["listeners"]
    assert not [e for e in env(kafka_container(objs)) if e.startswith("EXTERNAL_")]
    assert "initContainers" not in pod_spec(objs)
    assert not by_kind(objs, "Role")


# --- NodePort ----------------------------------------------------------------------------

def test_node_port_services_one_per_broker_with_fixed_node_ports():
    objs = render(NODE_PORT)
    services = external_services(objs)
    assert sorted(services) == ["kafka-0-external", "kafka-1-external", "kafka-2-external",
                                "kafka-external-bootstrap"]
    for i in range(3):
        spec = services[f"kafka-{i}-external"]["spec"]
        assert spec["type"] == "NodePort"
        assert spec["externalTrafficPolicy"] == "Cluster"
        assert spec["ports"] == [{"name": "tcp-external", "port": 9095,
                                  "targetPort": "tcp-external", "protocol": "TCP",
                                  "nodePort": 31090 + i}]
        assert spec["selector"]["statefulset.kubernetes.io/pod-name"] == f"kafka-{i}"
        assert spec["selector"]["app.kubernetes.io/component"] == "broker"
    bootstrap = services["kafka-external-bootstrap"]["spec"]
    assert bootstrap["ports"][0]["nodePort"] == 31099
    assert "statefulset.kubernetes.io/pod-name" not in bootstrap["selector"]


def test_node_port_brokers_learn_their_node_ip_and_port_base():
    objs = render(NODE_PORT)
    e = env(kafka_container(objs))
    assert e["EXTERNAL_SERVICE_TYPE"] == "NodePort"
    assert e["EXTERNAL_NODE_PORT_BASE"] == "31090"
    assert e["HOST_IP"] == {"fieldRef": {"fieldPath": "status.hostIP"}}
    assert "EXTERNAL_HOST_FILE" not in e
    ports = {p["name"]: p["containerPort"] for p in kafka_container(objs)["ports"]}
    assert ports == {"tcp-client": 9092, "tcp-internal": 9094, "tcp-external": 9095}
    p = props(objs)
    assert p["listeners"] == "CLIENT://:9092,INTERNAL://:9094,EXTERNAL://:9095"
    assert p["listener.security.protocol.map"] == (
        "CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT")
    # no API access: the pod still mounts no token
    assert pod_spec(objs)["automountServiceAccountToken"] is False
    assert not by_kind(objs, "Role")


def test_node_ports_from_a_list():
    values = with_ea(NODE_PORT, service={"nodePortBase": None,
                                         "nodePorts": [30100, 30200, 30300]})
    services = external_services(render(values))
    assert [services[f"kafka-{i}-external"]["spec"]["ports"][0]["nodePort"]
            for i in range(3)] == [30100, 30200, 30300]
    assert env(kafka_container(render(values)))["EXTERNAL_NODE_PORTS"] == "30100,30200,30300"


def test_bootstrap_node_port_is_allocated_or_the_bootstrap_left_out():
    allocated = external_services(render(with_ea(NODE_PORT, bootstrap={"nodePort": None})))
    assert "nodePort" not in allocated["kafka-external-bootstrap"]["spec"]["ports"][0]
    off = external_services(render(with_ea(NODE_PORT, bootstrap={"enabled": False})))
    assert "kafka-external-bootstrap" not in off


# --- LoadBalancer ------------------------------------------------------------------------

def test_load_balancer_services_with_fixed_addresses_and_hosts():
    values = with_ea(NODE_PORT, service={
        "type": "LoadBalancer", "nodePortBase": None,
        "loadBalancerIPs": ["203.0.113.10", "203.0.113.11", "203.0.113.12"],
        "loadBalancerSourceRanges": ["198.51.100.0/24"], "loadBalancerClass": "example.com/lb",
        "externalTrafficPolicy": "Local", "annotations": {"lb": "internal"},
        "labels": {"exposed": "yes"}},
        bootstrap={"nodePort": None, "annotations": {"bootstrap": "yes"}},
        hosts=["b0.example.com", "b1.example.com", "b2.example.com:19095"])
    objs = render(values)
    services = external_services(objs)
    for i in range(3):
        svc = services[f"kafka-{i}-external"]
        assert svc["spec"]["type"] == "LoadBalancer"
        assert svc["spec"]["loadBalancerIP"] == f"203.0.113.1{i}"
        assert svc["spec"]["loadBalancerSourceRanges"] == ["198.51.100.0/24"]
        assert svc["spec"]["loadBalancerClass"] == "example.com/lb"
        assert svc["spec"]["externalTrafficPolicy"] == "Local"
        assert svc["metadata"]["annotations"] == {"lb": "internal"}
        assert svc["metadata"]["labels"]["exposed"] == "yes"
        assert "nodePort" not in svc["spec"]["ports"][0]
    bootstrap = services["kafka-external-bootstrap"]
    assert "loadBalancerIP" not in bootstrap["spec"]
    assert bootstrap["metadata"]["annotations"] == {"lb": "internal", "bootstrap": "yes"}
    assert env(kafka_container(objs))["EXTERNAL_HOSTS"] == (
        "b0.example.com,b1.example.com,b2.example.com:19095")
    # hosts named: nothing to discover, no Role
    assert "initContainers" not in pod_spec(objs)
    assert not by_kind(objs, "Role")


def test_auto_discovery_gives_the_init_container_alone_a_token():
    objs = render(LOAD_BALANCER)
    spec = pod_spec(objs)
    assert spec["automountServiceAccountToken"] is False
    [init] = spec["initContainers"]
    assert init["name"] == "external-address"
    assert init["image"] == "registry.k8s.io/kubectl:v1.34.2"
    assert init["command"] == ["/bin/bash", "/opt/kafka/chart/auto-discovery.sh"]
    init_env = env(init)
    assert init_env["EXTERNAL_SERVICE_PREFIX"] == "kafka"
    assert init_env["DISCOVERY_TIMEOUT_SECONDS"] == "300"
    mounts = {m["name"]: m for m in init["volumeMounts"]}
    assert mounts["kube-api-access"]["mountPath"] == (
        "/var/run/secrets/kubernetes.io/serviceaccount")
    assert mounts["external"]["mountPath"] == "/opt/kafka/external"
    broker_mounts = {m["name"]: m for m in kafka_container(objs)["volumeMounts"]}
    assert "kube-api-access" not in broker_mounts
    assert broker_mounts["external"]["readOnly"] is True
    assert env(kafka_container(objs))["EXTERNAL_HOST_FILE"] == "/opt/kafka/external/host"
    volumes = {v["name"]: v for v in spec["volumes"]}
    sources = volumes["kube-api-access"]["projected"]["sources"]
    assert sources[0]["serviceAccountToken"] == {"path": "token", "expirationSeconds": 3600}
    assert "auto-discovery.sh" in one(objs, "ConfigMap")["data"]


def test_auto_discovery_role_reads_only_this_releases_broker_services():
    objs = render({**LOAD_BALANCER, "replicaCount": 4})
    role = one(objs, "Role", "kafka-external-discovery")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["services"], "verbs": ["get"],
                              "resourceNames": [f"kafka-{i}-external" for i in range(4)]}]
    binding = one(objs, "RoleBinding", "kafka-external-discovery")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": "kafka-external-discovery"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "kafka",
                                    "namespace": NAMESPACE}]
    assert not by_kind(objs, "ClusterRole")


# --- ClusterIP ---------------------------------------------------------------------------

def test_cluster_ip_services_for_a_proxy_advertise_the_pattern():
    objs = render(CLUSTER_IP)
    for svc in external_services(objs).values():
        assert svc["spec"]["type"] == "ClusterIP"
        assert "externalTrafficPolicy" not in svc["spec"]
        assert "nodePort" not in svc["spec"]["ports"][0]
    e = env(kafka_container(objs))
    assert e["EXTERNAL_HOST_PATTERN"] == "broker-{id}.kafka.example.com"
    assert "HOST_IP" not in e


# --- scaling -----------------------------------------------------------------------------

@pytest.mark.parametrize("replicas", [1, 3, 5])
def test_scaling_renders_exactly_one_service_per_broker(replicas: int):
    objs = render({**NODE_PORT, "replicaCount": replicas, "pdb": {"create": replicas > 1}})
    names = sorted(n for n in external_services(objs) if n != "kafka-external-bootstrap")
    assert names == sorted(f"kafka-{i}-external" for i in range(replicas))
    ports = [s["spec"]["ports"][0]["nodePort"] for n, s in external_services(objs).items()
             if n != "kafka-external-bootstrap"]
    assert sorted(ports) == [31090 + i for i in range(replicas)]


def test_long_names_keep_the_ordinal_and_stay_dns_labels():
    objs = render({**NODE_PORT, "fullnameOverride": "k" * 52})
    names = sorted(external_services(objs))
    assert all(len(n) <= 63 for n in names)
    assert names[0] == "k" * 44 + "-0-external"
    assert names[-1] == "k" * 44 + "-external-bootstrap"


# --- render-time checks ------------------------------------------------------------------

@pytest.mark.parametrize(("values", "message"), [
    ({"service": {"type": "LoadBalancer"}},
     "service.type: LoadBalancer would expose only a bootstrap: the brokers answer it with "
     "their in-cluster names"),
    ({"service": {"type": "NodePort"}}, "set externalAccess.enabled=true"),
    ({"externalAccess": {"enabled": True}},
     "externalAccess.service.nodePorts: empty (and no nodePortBase) with "
     "externalAccess.service.type NodePort: Kubernetes would allocate random node ports, "
     "which a broker cannot know"),
    (with_ea(NODE_PORT, service={"nodePortBase": None}, hosts=["a:1", "b", "c:3"]),
     "or give every externalAccess.hosts entry its port (host:port)"),
    (with_ea(LOAD_BALANCER, autoDiscovery={"enabled": False}),
     "externalAccess.autoDiscovery.enabled: false with externalAccess.service.type "
     "LoadBalancer and no externalAccess.hosts or hostPattern"),
    (with_ea(CLUSTER_IP, hostPattern=""),
     "externalAccess.hosts: empty while externalAccess.service.type is ClusterIP"),
    (with_ea(CLUSTER_IP, service={"nodePortBase": 31000}),
     "externalAccess.service.type: ClusterIP Services have no node ports"),
    (with_ea(CLUSTER_IP, hostPattern="broker.example.com"),
     "externalAccess.hostPattern: broker.example.com has no {id}"),
    (with_ea(CLUSTER_IP, hosts=["a", "b", "c"]),
     "externalAccess.hostPattern: set together with externalAccess.hosts"),
    (with_ea(NODE_PORT, hosts=["a", "b"]),
     "externalAccess.hosts: 2 entries for replicaCount 3"),
    (with_ea(NODE_PORT, service={"nodePortBase": None, "nodePorts": [31000, 31001]}),
     "externalAccess.service.nodePorts: 2 entries for replicaCount 3"),
    (with_ea(LOAD_BALANCER, service={"loadBalancerIPs": ["1.2.3.4"]}),
     "externalAccess.service.loadBalancerIPs: 1 entries for replicaCount 3"),
    (with_ea(NODE_PORT, service={"nodePorts": [31000, 31001, 31002]}),
     "externalAccess.service.nodePortBase: set together with externalAccess.service.nodePorts"),
    (with_ea(NODE_PORT, service={"nodePortBase": None, "nodePorts": [31000, 31001, 31000]}),
     "externalAccess.service.nodePorts: node port 31000 is asked for by broker 0 and broker 2"),
    (with_ea(NODE_PORT, bootstrap={"nodePort": 31091}),
     "externalAccess.bootstrap.nodePort: 31091 is also broker 1's node port"),
    ({**NODE_PORT, "listeners": {"external": {"containerPort": 9094}}},
     "listeners.external.containerPort: 9094 is also listeners.interbroker.containerPort"),
    ({**NODE_PORT, "listeners": {"external": {"containerPort": 9092}}},
     "listeners.external.containerPort: 9092 is also listeners.client.containerPort"),
    (with_ea(NODE_PORT, autoDiscovery={"enabled": True}),
     "externalAccess.autoDiscovery.enabled: only for externalAccess.service.type LoadBalancer"),
    (with_ea(LOAD_BALANCER, hostPattern="b-{id}.example.com"),
     "externalAccess.autoDiscovery.enabled: set together with externalAccess.hostPattern"),
    ({**NODE_PORT, "listeners": {"external": {"protocol": "SASL_SSL"}}, "auth": {"users": []}},
     "auth.users: empty, but listeners.external.protocol is SASL_SSL"),
    ({**NODE_PORT, "listeners": {"external": {"protocol": "SASL_SSL"}},
      "tls": {"extraSans": ["kafka.example.com"]}},
     "tls.extraSans: no IP address while the brokers advertise their node's IP"),
    ({**LOAD_BALANCER, "listeners": {"external": {"protocol": "SSL"}},
      "tls": {"extraSans": ["kafka.example.com"]}},
     "externalAccess.autoDiscovery.enabled: the brokers advertise the load balancers' addresses"),
], ids=lambda x: None if isinstance(x, dict) else x.split(":")[0])
def test_external_access_problems_fail_the_render(values: dict[str, Any], message: str):
    assert message in render_error(values)


def test_every_problem_is_reported_at_once():
    values = with_ea(NODE_PORT, hosts=["a"], bootstrap={"nodePort": 31090},
                     hostPattern="x.example.com")
    error = render_error(values)
    for key in ("externalAccess.hosts: 1 entries", "externalAccess.hostPattern: set together",
                "has no {id}", "externalAccess.bootstrap.nodePort: 31090"):
        assert key in error


def test_problems_name_the_stack_keys_inside_the_umbrella():
    with pytest.raises(HelmError) as err:
        render_chart("stack", {"kafka": {"externalAccess": {"enabled": True}}})
    assert "kafka.externalAccess.service.nodePorts: empty" in str(err.value)


def test_node_ip_tls_is_fine_with_the_nodes_in_extra_sans_or_an_own_certificate():
    tls = {"listeners": {"external": {"protocol": "SSL"}}}
    render({**NODE_PORT, **tls, "tls": {"extraSans": ["10.213.0.10"]}})
    render({**NODE_PORT, **tls, "tls": {"existingSecret": "corp-tls"}})
    render({**with_ea(NODE_PORT, hostPattern="b-{id}.example.com"), **tls})


def test_client_auth_applies_to_an_external_tls_listener():
    values = {**NODE_PORT, "listeners": {"external": {"protocol": "SSL"}},
              "tls": {"clientAuth": "required", "existingSecret": "corp-tls"}}
    p = props(render(values))
    assert p["listener.name.external.ssl.client.auth"] == "required"
    assert "listener.name.client.ssl.client.auth" not in p


# --- certificates ------------------------------------------------------------------------

SAN_VALUES = with_ea(NODE_PORT, service={"nodePortBase": None},
                     hosts=["b0.example.com:31000", "192.0.2.1:31001", "b2.example.com:31002"])
SAN_VALUES["listeners"] = {"external": {"protocol": "SASL_SSL"}}
SAN_VALUES["tls"] = {"extraSans": ["kafka.example.com", "10.213.0.10"]}


def test_generated_certificate_names_the_external_hosts_and_ips(tmp_path: Path):
    if not shutil.which("keytool"):
        pytest.skip("needs keytool")
    objs = render(SAN_VALUES)
    secret = one(objs, "Secret", "kafka-tls")
    cert = tmp_path / "tls.crt"
    cert.write_bytes(base64.b64decode(secret["data"]["tls.crt"]))
    for name in ("b0.example.com", "b2.example.com", "kafka.example.com", "192.0.2.1",
                 "10.213.0.10", "kafka-1.kafka-headless.streaming.svc.cluster.local"):
        result = subprocess.run(["bash", str(FILES / "tls.sh"), "covers", str(cert), name],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, (name, result.stderr)
    covered = secret["metadata"]["annotations"]["kafka.chart/tls-names"].split(",")
    assert {"b0.example.com", "192.0.2.1", "10.213.0.10", "kafka.example.com"} <= set(covered)
    assert covered == sorted(covered)


def cert_manager_spec(values: dict[str, Any]) -> dict[str, Any]:
    values = json.loads(json.dumps(values))
    values.setdefault("tls", {})["certManager"] = {"issuerRef": {"name": "corp-ca"}}
    text = render_chart_text("kafka", values, release=RELEASE, namespace=NAMESPACE)
    return one([d for d in yaml.safe_load_all(text) if d], "Certificate")["spec"]


def test_cert_manager_certificate_gets_dns_names_and_ip_addresses():
    spec = cert_manager_spec(SAN_VALUES)
    assert {"b0.example.com", "b2.example.com", "kafka.example.com"} <= set(spec["dnsNames"])
    assert "192.0.2.1" not in spec["dnsNames"]
    assert spec["ipAddresses"] == ["192.0.2.1", "10.213.0.10"]


@pytest.mark.parametrize(("pattern", "names"), [
    ("{id}.kafka.example.com", ["*.kafka.example.com"]),
    ("broker-{id}.kafka.example.com:9095", ["*.kafka.example.com"]),
    ("kafka.example.com:{id}", None),
    ("kafka-{id}", ["kafka-1", "kafka-2", "kafka-3"]),
    ("b.{id}.example.com", ["b.1.example.com", "b.2.example.com", "b.3.example.com"]),
])
def test_host_pattern_becomes_a_wildcard_where_it_fits(pattern: str, names: list[str] | None):
    values = with_ea(CLUSTER_IP, hostPattern=pattern)
    values.update({"brokerIdOffset": 1, "listeners": {"external": {"protocol": "SSL"}}})
    if names is None:  # a port is not a host: the schema refuses {id} there
        with pytest.raises(HelmError):
            cert_manager_spec(values)
        return
    dns = cert_manager_spec(values)["dnsNames"]
    assert dns[-len(names):] == names
    assert "ipAddresses" not in cert_manager_spec(values)


FEED = """{{- $ca := .Values.testCA | default dict -}}
{{- $in := dict "existing" (.Values.testExisting | default dict) "ca" $ca "ctx" . -}}
tls: {{ include "kafka.tlsSecretData" $in | fromYaml | toJson }}
"""


@pytest.fixture(scope="module")
def fed_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fed_copy("kafka", tmp_path_factory.mktemp("fed") / "kafka", "zz-test-feed.yaml",
                    FEED_CONFIGMAP % FEED, keys=("testExisting", "testCA"))


OLD_TLS = {"tls.crt": "Y2VydA==", "tls.key": "a2V5", "ca.crt": "Y2E="}


def fed_tls(chart: Path, values: dict[str, Any], existing: dict[str, Any],
            ca: dict[str, Any] | None = None) -> dict[str, str]:
    text = helm.template(chart, values={**values, "testExisting": existing, "testCA": ca or {}},
                         release=RELEASE, namespace=NAMESPACE,
                         show_only=["templates/zz-test-feed.yaml"])
    out: dict[str, str] = yaml.safe_load(yaml.safe_load(text)["data"]["out"])["tls"]
    return out


def test_a_0_3_secret_is_kept_but_cannot_be_extended_without_its_ca_key(fed_chart: Path):
    tls_only = {"listeners": {"client": {"protocol": "SSL"}}}
    assert fed_tls(fed_chart, tls_only, {"data": OLD_TLS}) == OLD_TLS
    with pytest.raises(HelmError) as err:
        fed_tls(fed_chart, SAN_VALUES, {"data": OLD_TLS})
    message = str(err.value)
    assert "tls: the certificate the chart generated in Secret kafka-tls does not name " in message
    assert "b0.example.com" in message and "its CA key was not kept (Secret kafka-tls-ca" in message
    assert "would split the brokers" in message and "tls.existingSecret" in message


def test_new_names_are_signed_by_the_kept_ca(fed_chart: Path):
    tls_only = {"listeners": {"client": {"protocol": "SSL"}}}
    first = fed_tls(fed_chart, tls_only, {})  # a first install: CA and certificate
    ca = {"data": {"ca.crt": first["ca.crt"], "ca.key": first["ca.key"]}}
    names = one(render(tls_only), "Secret", "kafka-tls")["metadata"]["annotations"][
        "kafka.chart/tls-names"]
    existing = {"metadata": {"annotations": {"kafka.chart/tls-names": names}},
                "data": {k: first[k] for k in ("tls.crt", "tls.key", "ca.crt")}}
    assert fed_tls(fed_chart, tls_only, existing, ca) == first
    more = fed_tls(fed_chart, SAN_VALUES, existing, ca)
    assert more["ca.crt"] == first["ca.crt"] and more["ca.key"] == first["ca.key"]
    assert more["tls.crt"] != first["tls.crt"] and more["tls.key"] != first["tls.key"]
    pem = base64.b64decode(more["tls.crt"])
    check = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName"], input=pem,
                           capture_output=True, check=True).stdout.decode()
    assert "DNS:b0.example.com" in check and "IP Address:192.0.2.1" in check
    ca_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"ea-ca-{os.getpid()}.pem"
    ca_file.write_bytes(base64.b64decode(first["ca.crt"]))
    try:
        verify = subprocess.run(["openssl", "verify", "-CAfile", str(ca_file)], input=pem,
                                capture_output=True, check=False)
    finally:
        ca_file.unlink()
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_secret_that_covers_every_name_is_kept(fed_chart: Path):
    names = one(render(SAN_VALUES), "Secret", "kafka-tls")["metadata"]["annotations"][
        "kafka.chart/tls-names"]
    existing = {"metadata": {"annotations": {"kafka.chart/tls-names": names}}, "data": OLD_TLS}
    assert fed_tls(fed_chart, SAN_VALUES, existing) == OLD_TLS
    # externalAccess off again: it covers more than needed, still kept
    tls_only = {"listeners": {"client": {"protocol": "SSL"}}}
    assert fed_tls(fed_chart, tls_only, existing) == OLD_TLS


def test_changed_names_roll_the_brokers_onto_the_new_certificate():
    def checksum(values: dict[str, Any]) -> str:
        return one(render(values), "StatefulSet")["spec"]["template"]["metadata"][
            "annotations"]["checksum/tls-names"]
    more = json.loads(json.dumps(SAN_VALUES))
    more["tls"]["extraSans"].append("new.example.com")
    assert checksum(SAN_VALUES) == checksum(SAN_VALUES)
    assert checksum(more) != checksum(SAN_VALUES)


# --- network policy, NOTES, upgrade ------------------------------------------------------

def test_network_policy_opens_the_external_port_to_any_source():
    objs = render({**NODE_PORT, "networkPolicy": {"allowExternal": False}})
    ingress = one(objs, "NetworkPolicy")["spec"]["ingress"]
    assert {"ports": [{"port": 9095, "protocol": "TCP"}]} in ingress
    # the client port stays closed to outsiders, as asked
    client = next(r for r in ingress if r["ports"] == [{"port": 9092, "protocol": "TCP"}])
    assert client["from"]
    assert all(r["ports"][0]["port"] != 9095 for r in one(render(), "NetworkPolicy")["spec"][
        "ingress"])


def notes(values: dict[str, Any]) -> str:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"ea-notes-{os.getpid()}.json"
    path.write_text(json.dumps(values))
    try:
        return helm.run_helm(["install", RELEASE, str(prepared("kafka")), "--dry-run=client",
                              "--namespace", NAMESPACE, "-f", str(path)]).split("NOTES:", 1)[1]
    finally:
        path.unlink()


def test_notes_say_how_to_connect_from_outside():
    text = notes(NODE_PORT)
    assert "bootstrap.servers=<any node's IP>:31099" in text
    assert "broker.id 2: <IP of the node running kafka-2>:31092" in text
    assert "WARNING: listeners.external.protocol is PLAINTEXT" in text
    lb = notes(LOAD_BALANCER)
    assert ("get service kafka-external-bootstrap "
            "-o jsonpath='{.status.loadBalancer.ingress[0]}'") in lb
    assert "<address of Service kafka-1-external, discovered at start>:9095" in lb
    proxy = notes(CLUSTER_IP)
    assert "broker.id 1: broker-1.kafka.example.com:9095" in proxy
    assert "From outside" not in notes({})


# --- the pod scripts, outside a cluster -------------------------------------------------

def external_address(tmp: Path, values: dict[str, Any], pod: str = "kafka-2",
                     **extra: str) -> subprocess.CompletedProcess[str]:
    broker = Broker(tmp, values, pod=pod)
    broker.env.update(extra)
    return subprocess.run(["bash", str(broker.chart_dir / "external-address.sh")],
                          env=broker.env, capture_output=True, text=True, timeout=30,
                          check=False)


def test_node_port_broker_advertises_its_node_ip_and_node_port(tmp_path: Path):
    broker = Broker(tmp_path, NODE_PORT, pod="kafka-2")
    broker.env["HOST_IP"] = "10.213.0.10"
    p = broker.properties()
    fqdn = "kafka-2.kafka-headless.streaming.svc.cluster.local"
    assert p["advertised.listeners"] == (
        f"CLIENT://{fqdn}:9092,INTERNAL://{fqdn}:9094,EXTERNAL://10.213.0.10:31092")
    assert p["listeners"] == "CLIENT://:9092,INTERNAL://:9094,EXTERNAL://:9095"


@pytest.mark.parametrize(("values", "pod", "extra", "address"), [
    (with_ea(NODE_PORT, service={"nodePortBase": None, "nodePorts": [30001, 30002, 30003]}),
     "kafka-1", {"HOST_IP": "192.0.2.7"}, "192.0.2.7:30002"),
    (NODE_PORT, "kafka-0", {"HOST_IP": "fd00::7"}, "[fd00::7]:31090"),
    (with_ea(NODE_PORT, hosts=["a.example.com", "b.example.com:19000", "c.example.com"]),
     "kafka-1", {"HOST_IP": "192.0.2.7"}, "b.example.com:19000"),
    (with_ea(NODE_PORT, hosts=["a.example.com", "b.example.com:19000", "c.example.com"]),
     "kafka-2", {"HOST_IP": "192.0.2.7"}, "c.example.com:31092"),
    ({**CLUSTER_IP, "brokerIdOffset": 1}, "kafka-2", {}, "broker-3.kafka.example.com:9095"),
    (with_ea(CLUSTER_IP, hostPattern="{id}.k.example.com:443"), "kafka-0", {},
     "0.k.example.com:443"),
])
def test_external_address_sources(tmp_path: Path, values: dict[str, Any], pod: str,
                                  extra: dict[str, str], address: str):
    result = external_address(tmp_path, values, pod, **extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout == address + "\n"


def test_discovered_load_balancer_address_is_advertised(tmp_path: Path):
    host_file = tmp_path / "external" / "host"
    host_file.parent.mkdir()
    host_file.write_text("lb-1.elb.example.com\n")
    result = external_address(tmp_path, LOAD_BALANCER, "kafka-1",
                              EXTERNAL_HOST_FILE=str(host_file))
    assert result.stdout == "lb-1.elb.example.com:9095\n", result.stderr


def test_missing_discovered_address_stops_the_start(tmp_path: Path):
    result = external_address(tmp_path, LOAD_BALANCER, "kafka-1",
                              EXTERNAL_HOST_FILE=str(tmp_path / "none"))
    assert result.returncode == 1
    assert "the external-address init container writes the load balancer's address" in (
        result.stderr)


def test_a_broker_beyond_the_node_port_list_is_refused(tmp_path: Path):
    values = with_ea(NODE_PORT, service={"nodePortBase": None, "nodePorts": [30001, 30002, 30003]})
    result = external_address(tmp_path, values, "kafka-3", HOST_IP="192.0.2.7")
    assert result.returncode == 1
    assert "externalAccess.service.nodePorts has 3 entries, none for broker ordinal 3" in (
        result.stderr)


needs_tls_tools = pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("keytool")),
                                     reason="needs openssl and keytool")

E2E = {**NODE_PORT,
       "listeners": {"client": {"protocol": "SASL_SSL"}, "interbroker": {"protocol": "SASL_SSL"},
                     "external": {"protocol": "SASL_SSL"}},
       "tls": {"existingSecret": "kafka-external-tls"}}


@needs_tls_tools
def test_e2e_shape_sasl_ssl_external_on_the_node_ip(tmp_path: Path):
    """What e2e runs: NodePort, status.hostIP, nodePortBase 31090, SASL_SSL external, an
    existingSecret whose certificate has the node IP as an IP SAN."""
    from test_kafka_security_scripts import WILDCARD, SecureBroker

    broker = SecureBroker(tmp_path, E2E, sans=[WILDCARD, "IP:10.213.0.10"])
    broker.env["HOST_IP"] = "10.213.0.10"
    p = broker.properties()
    assert p["advertised.listeners"].endswith(",EXTERNAL://10.213.0.10:31092")
    assert p["listener.security.protocol.map"] == (
        "CLIENT:SASL_SSL,INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL")
    assert p["listener.name.external.scram-sha-512.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
    assert p["listener.name.external.ssl.client.auth"] == "none"


@needs_tls_tools
def test_certificate_without_the_external_address_stops_the_start(tmp_path: Path):
    from test_kafka_security_scripts import WILDCARD, SecureBroker

    broker = SecureBroker(tmp_path, E2E, sans=[WILDCARD])
    broker.env["HOST_IP"] = "10.213.0.10"
    result = broker.configure()
    assert result.returncode == 1
    assert ("does not cover this broker's external address 10.213.0.10, which clients outside "
            "the cluster verify; add it to tls.extraSans") in result.stderr


class Discovery:
    """auto-discovery.sh with the init container's env and a stand-in kubectl on PATH."""

    def __init__(self, tmp: Path, answers: list[str], *, pod: str = "kafka-1",
                 timeout: str = "30") -> None:
        objs = render_chart("kafka", LOAD_BALANCER, release=RELEASE, namespace=NAMESPACE,
                            show_only=["templates/configmap-scripts.yaml",
                                       "templates/statefulset.yaml"])
        init = pod_spec(objs)["initContainers"][0]
        script = tmp / "auto-discovery.sh"
        script.write_text(one(objs, "ConfigMap")["data"]["auto-discovery.sh"])
        self.script = script
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        shutil.copy(FAKE_KUBECTL, bin_dir / "kubectl")
        (tmp / "answers").write_text("\n".join(answers) + "\n")
        self.calls = tmp / "calls"
        self.calls.touch()
        self.host_file = tmp / "external" / "host"
        self.env = {e["name"]: e["value"] for e in init["env"] if "value" in e}
        self.env.update(POD_NAME=pod, POD_NAMESPACE=NAMESPACE,
                        PATH=f"{bin_dir}:{os.environ['PATH']}",
                        EXTERNAL_HOST_FILE=str(self.host_file), DISCOVERY_POLL_SECONDS="0",
                        DISCOVERY_TIMEOUT_SECONDS=timeout,
                        FAKE_KUBECTL_CALLS=str(self.calls),
                        FAKE_KUBECTL_ANSWERS=str(tmp / "answers"))

    def run(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(self.script)], env=self.env, capture_output=True,
                              text=True, timeout=60, check=False)


def test_discovery_waits_for_the_load_balancer_ip(tmp_path: Path):
    d = Discovery(tmp_path, ["|", "ERR Error from server (NotFound): services not found",
                             "203.0.113.11|"])
    result = d.run()
    assert result.returncode == 0, result.stderr
    assert d.host_file.read_text() == "203.0.113.11\n"
    calls = d.calls.read_text().splitlines()
    assert len(calls) == 3
    assert calls[0].startswith(f"get service kafka-1-external --namespace {NAMESPACE} --output")
    assert "no load-balancer address yet" in result.stderr
    assert "NotFound" in result.stderr


def test_discovery_ignores_kubectl_warnings_on_stderr(tmp_path: Path):
    d = Discovery(tmp_path, ["203.0.113.11|"])
    d.env["FAKE_KUBECTL_WARNING"] = "I1202 throttling request took 1.1s"
    result = d.run()
    assert result.returncode == 0, result.stderr
    assert d.host_file.read_text() == "203.0.113.11\n"


def test_discovery_takes_the_hostname_when_there_is_no_ip(tmp_path: Path):
    d = Discovery(tmp_path, ["|abc-123.elb.example.com"], pod="kafka-0")
    assert d.run().returncode == 0
    assert d.host_file.read_text() == "abc-123.elb.example.com\n"
    assert "kafka-0-external" in d.calls.read_text()


def test_discovery_gives_up_naming_the_service_and_where_to_look(tmp_path: Path):
    d = Discovery(tmp_path, ["ERR Error from server (Forbidden): services is forbidden"],
                  timeout="0")
    result = d.run()
    assert result.returncode == 1
    assert ("Service streaming/kafka-1-external has no load-balancer address after 0s "
            "(last: Error from server (Forbidden): services is forbidden)") in result.stderr
    assert "kubectl describe service kafka-1-external -n streaming" in result.stderr
    assert "the cloud's load-balancer controller" in result.stderr
    assert not d.host_file.exists()


def test_env_values_carry_no_secret_and_name_no_token():
    ips = ["203.0.113.10", "203.0.113.11", "203.0.113.12"]
    objs = render({**with_ea(LOAD_BALANCER, service={"loadBalancerIPs": ips}),
                   "listeners": {"external": {"protocol": "SASL_SSL"}}})
    secrets = [base64.b64decode(v).decode() for s in by_kind(objs, "Secret")
               for v in s["data"].values()]
    values = [str(v) for c in pod_spec(objs)["containers"] + pod_spec(objs)["initContainers"]
              for v in env(c).values()]
    for password in secrets:
        for line in password.splitlines():
            if len(line) >= 16 and not line.startswith("-----"):
                assert not any(line in v for v in values)
    assert parse_properties(one(objs, "ConfigMap")["data"]["server.properties"])[
        "listener.security.protocol.map"].endswith("EXTERNAL:SASL_SSL")


# --- the external listener's protocol ------------------------------------------------------

def test_the_external_listener_follows_the_client_listener_unless_set():
    secure = {**NODE_PORT, "listeners": {"client": {"protocol": "SASL_SSL"}},
              "tls": {"existingSecret": "corp-tls"}}
    assert props(render(secure))["listener.security.protocol.map"] == (
        "CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL")
    secure["listeners"]["external"] = {"protocol": "SSL"}
    assert props(render(secure))["listener.security.protocol.map"].endswith("EXTERNAL:SSL")


def test_authorization_warns_about_an_unauthenticated_external_listener():
    values = {**NODE_PORT, "listeners": {"client": {"protocol": "SASL_SSL"},
                                         "interbroker": {"protocol": "SASL_SSL"},
                                         "external": {"protocol": "PLAINTEXT"}},
              "tls": {"existingSecret": "corp-tls"}, "authorization": {"enabled": True}}
    text = notes(values)
    assert ("authorization.enabled: listeners.external.protocol is PLAINTEXT, which does not "
            "authenticate clients: every client is User:ANONYMOUS on that listener") in text
    assert ("listeners.external.protocol is PLAINTEXT: traffic on this listener is neither "
            "encrypted nor authenticated; anyone who reaches a node port or load balancer is "
            "User:ANONYMOUS, allowed what its ACLs allow") in text
    assert "read and write every topic" not in text
    assert "authorization is on: a user may do only what its ACLs allow" in text
