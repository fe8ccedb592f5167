"""The kafka chart's security model as rendered: listener protocols, the three sources of
the brokers' certificate, the SASL users' Secret, ZooKeeper authentication, the render-time
problems, and the rule that no password reaches a ConfigMap, an env value or an annotation.
What the pod scripts make of it is tested in test_kafka_security_scripts.py."""

from __future__ import annotations

import base64
import itertools
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

PROTOCOLS = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
RELEASE, NAMESPACE = "kafka", "streaming"


def listeners(client: str, interbroker: str) -> dict[str, Any]:
    return {"listeners": {"client": {"containerPort": 9092, "protocol": client},
                          "interbroker": {"containerPort": 9094, "protocol": interbroker}}}


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return render_chart("kafka", values, release=RELEASE, namespace=NAMESPACE)


def props(objs: list[dict[str, Any]]) -> dict[str, str]:
    text = one(objs, "ConfigMap")["data"]["server.properties"]
    return dict(line.strip().split("=", 1) for line in text.splitlines() if line.strip())


def pod_spec(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objs, "StatefulSet")["spec"]["template"]["spec"]


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container["env"]}


def render_error(values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as err:
        render(values)
    return str(err.value)


@pytest.mark.parametrize(("client", "interbroker"), list(itertools.product(PROTOCOLS, PROTOCOLS)))
def test_every_protocol_combination_renders_what_it_needs(client: str, interbroker: str):
    objs = render(listeners(client, interbroker))
    p = props(objs)
    assert p["listeners"] == "CLIENT://:9092,INTERNAL://:9094"
    assert p["listener.security.protocol.map"] == f"CLIENT:{client},INTERNAL:{interbroker}"
    assert p["inter.broker.listener.name"] == "INTERNAL"
    tls = any(x.endswith("SSL") for x in (client, interbroker))
    sasl = any(x.startswith("SASL_") for x in (client, interbroker))
    assert (p.get("ssl.keystore.type"), p.get("ssl.truststore.type")) == (
        ("PEM", "PEM") if tls else (None, None))
    assert p.get("ssl.endpoint.identification.algorithm") == ("https" if tls else None)
    assert p.get("sasl.enabled.mechanisms") == ("SCRAM-SHA-512" if sasl else None)
    assert p.get("sasl.mechanism.inter.broker.protocol") == (
        "SCRAM-SHA-512" if interbroker.startswith("SASL_") else None)
    # An SSL inter-broker listener authenticates brokers by their certificates.
    assert p.get("listener.name.internal.ssl.client.auth") == {
        "SSL": "required", "SASL_SSL": "none"}.get(interbroker)
    spec = pod_spec(objs)
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
    assert ("tls" in volumes, "users" in volumes) == (tls, sasl)
    for name in ("tls", "users"):
        if name in mounts:
            assert mounts[name]["readOnly"] is True
            assert volumes[name]["secret"]["defaultMode"] == 0o440
    secrets = {s["metadata"]["name"] for s in by_kind(objs, "Secret")}
    assert secrets == {n for n, on in (("kafka-tls", tls), ("kafka-tls-ca", tls),
                                       ("kafka-users", sasl)) if on}
    # The helm test speaks the client listener's protocol, as the first client user.
    test_env = env(one(objs, "Pod")["spec"]["containers"][0])
    assert test_env["CLIENT_SECURITY_PROTOCOL"] == client
    assert test_env.get("CLIENT_USER") == ("user1" if client.startswith("SASL_") else None)
    ports = {p["name"]: p["containerPort"] for p in spec["containers"][0]["ports"]}
    assert ports == {"tcp-client": 9092, "tcp-internal": 9094}


def test_defaults_stay_plaintext_without_secrets():
    objs = render()
    assert props(objs)["listener.security.protocol.map"] == "CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT"
    assert not by_kind(objs, "Secret")
    assert not {"tls", "users", "zookeeper-auth"} & {v["name"] for v in pod_spec(objs)["volumes"]}


def test_generated_certificate_covers_every_broker_and_both_services(tmp_path: Path):
    if not shutil.which("keytool"):
        pytest.skip("needs keytool")
    objs = render({**listeners("SASL_SSL", "SSL"), "replicaCount": 3})
    secret = one(objs, "Secret", "kafka-tls")
    assert secret["type"] == "kubernetes.io/tls"
    assert sorted(secret["data"]) == ["ca.crt", "tls.crt", "tls.key"]
    cert = tmp_path / "tls.crt"
    cert.write_bytes(base64.b64decode(secret["data"]["tls.crt"]))
    tls_sh = CHARTS / "kafka" / "files" / "tls.sh"
    names = [f"kafka-{i}.kafka-headless.streaming.svc.cluster.local" for i in range(5)] + [
        "kafka", "kafka.streaming", "kafka.streaming.svc", "kafka.streaming.svc.cluster.local",
        "kafka-headless", "kafka-headless.streaming.svc.cluster.local"]
    for name in names:
        result = subprocess.run(["bash", str(tls_sh), "covers", str(cert), name],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, (name, result.stderr)
    # One label only: not a name under a broker's name.
    result = subprocess.run(["bash", str(tls_sh), "covers", str(cert),
                             "x.kafka-0.kafka-headless.streaming.svc.cluster.local"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1


def test_existing_tls_secret_is_mounted_and_nothing_generated():
    objs = render({**listeners("SSL", "SSL"), "tls": {"existingSecret": "my-tls"}})
    assert not by_kind(objs, "Secret")
    assert {v["name"]: v for v in pod_spec(objs)["volumes"]}["tls"]["secret"][
        "secretName"] == "my-tls"
    assert env(pod_spec(objs)["containers"][0])["TLS_SECRET"] == "my-tls"


def test_cert_manager_certificate_names_every_broker_and_service():
    # cert-manager's CRD is not in the Kubernetes schemas render_chart validates against:
    # helm's own output, parsed here.
    values = {**listeners("SASL_SSL", "SASL_SSL"),
              "tls": {"certManager": {"issuerRef": {"name": "corp-ca", "kind": "ClusterIssuer"},
                                      "duration": "2160h"}}}
    text = render_chart_text("kafka", values, release=RELEASE, namespace=NAMESPACE)
    docs = [d for d in yaml.safe_load_all(text) if d]
    cert = one(docs, "Certificate")
    assert cert["apiVersion"] == "cert-manager.io/v1"
    spec = cert["spec"]
    assert spec["secretName"] == "kafka-tls"
    assert spec["issuerRef"] == {"name": "corp-ca", "kind": "ClusterIssuer",
                                 "group": "cert-manager.io"}
    assert spec["duration"] == "2160h" and "renewBefore" not in spec
    assert spec["privateKey"]["encoding"] == "PKCS8"
    assert {"server auth", "client auth"} <= set(spec["usages"])
    assert spec["dnsNames"][0] == "*.kafka-headless.streaming.svc.cluster.local"
    assert {"kafka", "kafka.streaming.svc.cluster.local", "kafka-headless"} <= set(
        spec["dnsNames"])
    # cert-manager writes the Secret: the chart generates none.
    assert "kafka-tls" not in {d["metadata"]["name"] for d in docs if d["kind"] == "Secret"}


def test_generated_users_secret_has_one_key_per_user():
    objs = render({**listeners("SASL_SSL", "SASL_SSL"),
                   "auth": {"users": ["orders", "billing"], "interBrokerUser": "broker"}})
    data = one(objs, "Secret", "kafka-users")["data"]
    assert sorted(data) == ["billing", "broker", "orders"]
    passwords = [base64.b64decode(v).decode() for v in data.values()]
    assert all(len(p) == 32 and p.isalnum() for p in passwords)
    assert len(set(passwords)) == 3
    assert env(pod_spec(objs)["containers"][0])["SASL_USERS"] == "orders,billing,broker"


def test_existing_users_secret_is_mounted_and_nothing_generated():
    objs = render({**listeners("SASL_PLAINTEXT", "SASL_PLAINTEXT"),
                   "auth": {"existingSecret": "kafka-passwords"}})
    assert not by_kind(objs, "Secret")
    volumes = {v["name"]: v for v in pod_spec(objs)["volumes"]}
    assert volumes["users"]["secret"]["secretName"] == "kafka-passwords"
    # the helm test mounts only its own user's key
    test_volumes = {v["name"]: v for v in one(objs, "Pod")["spec"]["volumes"]}
    assert test_volumes["users"]["secret"]["items"] == [{"key": "user1", "path": "user1"}]


def test_mutual_tls_on_the_client_listener():
    objs = render({**listeners("SSL", "SASL_SSL"),
                   "tls": {"clientAuth": "required", "existingSecret": "broker-tls"}})
    assert props(objs)["listener.name.client.ssl.client.auth"] == "required"
    test_pod = one(objs, "Pod")
    assert env(test_pod["spec"]["containers"][0])["CLIENT_CERT"] == "true"
    items = {v["name"]: v for v in test_pod["spec"]["volumes"]}["tls"]["secret"]["items"]
    assert [i["key"] for i in items] == ["ca.crt", "tls.crt", "tls.key"]


def test_helm_test_gets_only_the_ca_without_mutual_tls():
    objs = render(listeners("SASL_SSL", "SASL_SSL"))
    items = {v["name"]: v for v in one(objs, "Pod")["spec"]["volumes"]}["tls"]["secret"]["items"]
    assert [i["key"] for i in items] == ["ca.crt"]


def test_zookeeper_auth_uses_the_bundled_ensembles_secret():
    objs = render({"zookeeper": {"auth": {"enabled": True}}})
    assert props(objs)["zookeeper.set.acl"] == "true"
    volume = {v["name"]: v for v in pod_spec(objs)["volumes"]}["zookeeper-auth"]
    assert volume["secret"]["secretName"] == "kafka-zookeeper-auth"
    assert volume["secret"]["items"] == [{"key": "client-password", "path": "client-password"}]
    e = env(pod_spec(objs)["containers"][0])
    assert e["ZOOKEEPER_AUTH_USERNAME"] == "kafka"
    assert e["ZOOKEEPER_AUTH_PASSWORD_FILE"] == "/opt/kafka/secrets/zookeeper/client-password"
    # The JAAS file reaches the broker through start.sh, never through the pod's env.
    assert "java.security.auth.login.config" not in str(pod_spec(objs))


def test_zookeeper_auth_off_sets_no_acls():
    assert "zookeeper.set.acl" not in props(render())


SECURE = {**listeners("SASL_SSL", "SASL_SSL"), "zookeeper": {"auth": {"enabled": True}},
          "auth": {"sasl": {"mechanisms": ["SCRAM-SHA-512", "PLAIN"]}}}


def test_no_password_in_a_config_map_env_value_or_annotation():
    objs = render(SECURE)
    secrets = [base64.b64decode(v).decode() for s in by_kind(objs, "Secret")
               for v in s["data"].values()]
    assert len(secrets) >= 5
    exposed = [yaml.safe_dump(o) for o in objs if o["kind"] == "ConfigMap"]
    for o in objs:
        spec = o["spec"]["template"]["spec"] if o["kind"] == "StatefulSet" else o.get("spec", {})
        for c in spec.get("containers", []) if isinstance(spec, dict) else []:
            exposed += [str(e) for e in c.get("env", [])]
        exposed.append(str(o["metadata"].get("annotations", {})))
        if o["kind"] == "StatefulSet":
            exposed.append(str(o["spec"]["template"]["metadata"].get("annotations", {})))
    for password in secrets:
        for line in password.splitlines():
            if len(line) >= 16 and not line.startswith("-----"):
                assert not any(line in text for text in exposed)


def test_no_secret_checksum_rolls_the_pods():
    annotations = one(render({**SECURE, "tls": {"existingSecret": "corp-tls"}}),
                      "StatefulSet")["spec"]["template"]["metadata"]["annotations"]
    assert [a for a in annotations if a.startswith("checksum/")] == ["checksum/config"]
    generated = one(render(SECURE), "StatefulSet")["spec"]["template"]["metadata"][
        "annotations"]
    assert generated["checksum/config"] == annotations["checksum/config"]
    # with the chart's own certificate: a hash of the names it covers, no secret in it
    assert [a for a in generated if a.startswith("checksum/")] == [
        "checksum/config", "checksum/tls-names"]


@pytest.mark.parametrize(("values", "message"), [
    ({"containerPorts": {"client": 9093}},
     "containerPorts: replaced by listeners.client.containerPort"),
    ({"listeners": {"interbroker": {"containerPort": 9092}}},
     "listeners.interbroker.containerPort: 9092 is also listeners.client.containerPort"),
    ({**listeners("SASL_SSL", "SASL_SSL"),
      "auth": {"sasl": {"mechanisms": ["SCRAM-SHA-256"]}}},
     "auth.sasl.interBrokerMechanism: SCRAM-SHA-512 is not one of auth.sasl.mechanisms"),
    ({**listeners("SASL_SSL", "SSL"), "auth": {"users": []}},
     "auth.users: empty, but listeners.client.protocol is SASL_SSL"),
    ({**listeners("SASL_SSL", "SASL_SSL"), "auth": {"users": ["inter_broker"]}},
     "auth.users: inter_broker is auth.interBrokerUser"),
    ({**listeners("SSL", "SSL"), "tls": {"existingSecret": "x",
                                         "certManager": {"issuerRef": {"name": "ca"}}}},
     "tls.certManager.issuerRef.name: set together with tls.existingSecret"),
    ({"tls": {"clientAuth": "required"}},
     "tls.clientAuth: required needs TLS on the client listener"),
    ({**listeners("SSL", "SASL_SSL"), "tls": {"clientAuth": "requested"}},
     "tls.clientAuth: requested needs a CA that can sign client certificates: the "
     "chart-generated CA keeps no key"),
    ({"externalZookeeper": {"connect": "zk:2181"}, "zookeeper": {"auth": {"enabled": True}}},
     "zookeeper.auth.existingSecret: required with externalZookeeper.connect"),
    ({"config": {"ssl.keystore.location": "/x"}}, "config.ssl.keystore.location: owned by"),
    ({"config": {"listener.name.client.scram-sha-512.sasl.jaas.config": "x"}},
     "owned by the chart"),
    ({"config": {"zookeeper.set.acl": "false"}}, "zookeeper.auth.enabled"),
])
def test_security_problems_fail_the_render(values: dict[str, Any], message: str):
    assert message in render_error(values)


def notes(values: list[str]) -> str:
    args = ["install", "kafka", str(prepared("kafka")), "--dry-run=client",
            "--namespace", NAMESPACE]
    for item in values:
        args += ["--set", item]
    return helm.run_helm(args).split("NOTES:", 1)[1]


def test_notes_warn_about_plaintext_listeners():
    text = notes([])
    assert "WARNING: listeners.client.protocol is PLAINTEXT" in text
    assert "WARNING: listeners.interbroker.protocol is PLAINTEXT" in text


def test_notes_of_a_secure_release_say_where_the_ca_and_passwords_are():
    text = notes(["listeners.client.protocol=SASL_SSL", "listeners.interbroker.protocol=SASL_SSL"])
    assert "WARNING" not in text
    assert "get secret kafka-tls -o jsonpath='{.data.ca\\.crt}'" in text
    assert "get secret kafka-users -o jsonpath='{.data.<user>}'" in text


# --- kept on upgrade ---------------------------------------------------------------------
# lookup is empty under helm template: a copy of the chart feeds .Values.testExisting to the
# helpers the Secret templates give the lookup result (as tests/test_upgrade_guard.py does).

FEED = """{{- $in := dict "existing" (.Values.testExisting | default dict) "ctx" . -}}
tls: {{ include "kafka.tlsSecretData" $in | fromYaml | toJson }}
users: {{ include "kafka.usersSecretData" $in | fromYaml | toJson }}
"""


@pytest.fixture(scope="module")
def fed_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fed_copy("kafka", tmp_path_factory.mktemp("fed") / "kafka", "zz-test-feed.yaml",
                    FEED_CONFIGMAP % FEED, keys=("testExisting",))


def fed(chart: Path, existing: dict[str, Any] | None) -> dict[str, Any]:
    values = {**listeners("SASL_SSL", "SASL_SSL"), "auth": {"users": ["app", "new"]}}
    if existing is not None:
        values["testExisting"] = existing
    text = helm.template(chart, values=values, release=RELEASE, namespace=NAMESPACE,
                         show_only=["templates/zz-test-feed.yaml"])
    return yaml.safe_load(yaml.safe_load(text)["data"]["out"])


def test_generated_secrets_are_kept_on_upgrade(fed_chart: Path):
    tls = {"tls.crt": "Y2VydA==", "tls.key": "a2V5", "ca.crt": "Y2E="}
    existing = {"data": {**tls, "app": "b2xkLWFwcA==", "inter_broker": "b2xkLWli"}}
    out = fed(fed_chart, existing)
    assert out["tls"] == tls
    # Kept passwords stay; a user that is new gets one of its own.
    assert out["users"]["app"] == "b2xkLWFwcA=="
    assert out["users"]["inter_broker"] == "b2xkLWli"
    assert len(base64.b64decode(out["users"]["new"])) == 32


def test_first_install_generates_everything(fed_chart: Path):
    out = fed(fed_chart, None)
    # ca.key goes to the CA Secret (kafka-tls-ca), which no pod mounts
    assert sorted(out["tls"]) == ["ca.crt", "ca.key", "tls.crt", "tls.key"]
    assert base64.b64decode(out["tls"]["tls.key"]).startswith(b"-----BEGIN RSA PRIVATE KEY")
    assert sorted(out["users"]) == ["app", "inter_broker", "new"]


def test_a_partial_tls_secret_is_replaced_whole(fed_chart: Path):
    out = fed(fed_chart, {"data": {"tls.crt": "Y2VydA=="}})
    assert out["tls"]["tls.crt"] != "Y2VydA==" and "ca.crt" in out["tls"]
