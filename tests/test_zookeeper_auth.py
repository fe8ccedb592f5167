"""The zookeeper chart's SASL authentication (auth.client, auth.quorum), rendered.

Passwords only ever live in a Secret: the chart's own (<fullname>-auth, random on first
install, kept on upgrade) or an existing one. The pods get the Secret as a read-only volume
of the config init container (and the helm test pod), never as an environment variable;
no ConfigMap or env value ever holds one. ``lookup`` is empty under ``helm template``, so
the "kept on upgrade" test feeds the existing Secret to ``zookeeper.authSecret`` from a
copy of the chart, like tests/test_upgrade_guard.py does for the StatefulSet.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import (
    CHARTS,
    by_kind,
    fed_copy,
    one,
    prepared,
    problem_lines,
    render_chart,
    render_chart_text,
)
from stackctl import helm
from stackctl.errors import HelmError

RELEASE = "zk"
SECRET = "zk-zookeeper-auth"
TEST_POD = "zk-zookeeper-test-ensemble"
CLIENT = {"auth": {"client": {"enabled": True}}}
QUORUM = {"auth": {"quorum": {"enabled": True}}}
BOTH = {"auth": {"client": {"enabled": True}, "quorum": {"enabled": True}}}


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return render_chart("zookeeper", values, release=RELEASE, namespace="data")


def pod_spec(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objs, "StatefulSet")["spec"]["template"]["spec"]


def container(spec: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [c for c in spec.get("initContainers", []) + spec["containers"]
                if c["name"] == name]
    return found


def env(c: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


def secret_volumes(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v["secret"] for v in spec["volumes"] if "secret" in v}


def mounts(c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in c.get("volumeMounts", [])}


def generated(objs: list[dict[str, Any]]) -> dict[str, str]:
    """The chart-generated Secret's passwords, decoded ({} when there is none)."""
    secrets = by_kind(objs, "Secret")
    if not secrets:
        return {}
    (secret,) = secrets
    assert secret["metadata"]["name"].endswith("-zookeeper-auth")
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


# --- off by default -----------------------------------------------------------------------

def test_auth_is_off_by_default_and_nothing_mounts_a_secret():
    objs = render()
    spec = pod_spec(objs)
    assert by_kind(objs, "Secret") == []
    assert secret_volumes(spec) == {}
    assert not [name for name in env(container(spec, "config")) if "AUTH" in name]
    assert env(container(spec, "zookeeper"))["SERVER_JVMFLAGS"] == "-Xmx1G -Xms1G"
    test_pod = one(objs, "Pod", TEST_POD)["spec"]
    assert [v for v in test_pod["volumes"] if "secret" in v] == []


# --- client authentication ----------------------------------------------------------------

def test_client_auth_generates_a_random_password_the_init_container_reads_from_a_volume():
    objs = render(CLIENT)
    passwords = generated(objs)
    assert list(passwords) == ["client-password"]
    assert re.fullmatch(r"[A-Za-z0-9]{32}", passwords["client-password"])
    spec = pod_spec(objs)
    assert secret_volumes(spec) == {"auth-client": {"secretName": SECRET, "defaultMode": 0o440}}
    init = container(spec, "config")
    assert mounts(init)["auth-client"] == {"name": "auth-client", "mountPath": "/secrets/client",
                                           "readOnly": True}
    assert {k: v for k, v in env(init).items() if k.startswith("ZK_CLIENT_")} == {
        "ZK_CLIENT_PORT": "2181", "ZK_CLIENT_AUTH_ENABLED": "true",
        "ZK_CLIENT_AUTH_USERNAME": "kafka", "ZK_CLIENT_AUTH_SECRET": SECRET,
        "ZK_CLIENT_PASSWORD_FILE": "/secrets/client/client-password",
        "ZK_CLIENT_AUTH_ENFORCE": "false"}
    server = container(spec, "zookeeper")
    # The server reads the JAAS file the init container wrote; it never mounts the Secret.
    assert not [m for m in mounts(server) if m.startswith("auth-")]
    assert env(server)["SERVER_JVMFLAGS"] == (
        "-Xmx1G -Xms1G -Djava.security.auth.login.config=/conf/jaas.conf")


def test_two_renders_without_a_cluster_generate_different_passwords():
    # Proof that the password is random, not derived from values: kept only through lookup.
    first = generated(render_chart("zookeeper", CLIENT, release="a"))
    second = generated(render_chart("zookeeper", CLIENT, release="b"))
    assert first["client-password"] != second["client-password"]


def test_existing_secret_is_mounted_and_nothing_is_generated():
    objs = render({"auth": {"client": {"enabled": True, "existingSecret": "zk-creds",
                                       "username": "broker"}}})
    assert by_kind(objs, "Secret") == []
    spec = pod_spec(objs)
    assert secret_volumes(spec)["auth-client"]["secretName"] == "zk-creds"
    init_env = env(container(spec, "config"))
    assert (init_env["ZK_CLIENT_AUTH_SECRET"], init_env["ZK_CLIENT_AUTH_USERNAME"]) == (
        "zk-creds", "broker")
    test_pod = one(objs, "Pod", TEST_POD)["spec"]
    assert [v["secret"]["secretName"] for v in test_pod["volumes"] if "secret" in v] == [
        "zk-creds"]


def test_enforce_is_passed_to_the_config_generator():
    objs = render({"auth": {"client": {"enabled": True, "enforce": True}}})
    assert env(container(pod_spec(objs), "config"))["ZK_CLIENT_AUTH_ENFORCE"] == "true"


def test_helm_test_pod_mounts_the_client_secret_read_only():
    test_pod = one(render(CLIENT), "Pod", TEST_POD)["spec"]
    (c,) = test_pod["containers"]
    assert mounts(c)["auth-client"] == {"name": "auth-client", "mountPath": "/secrets/client",
                                        "readOnly": True}
    assert [v for v in test_pod["volumes"] if v["name"] == "auth-client"] == [
        {"name": "auth-client", "secret": {"secretName": SECRET, "defaultMode": 0o440}}]
    assert env(c)["ZK_CLIENT_PASSWORD_FILE"] == "/secrets/client/client-password"
    assert env(c)["ZK_CLIENT_AUTH_USERNAME"] == "kafka"


# --- quorum authentication ----------------------------------------------------------------

def test_quorum_auth_gets_its_own_key_volume_and_require_flags():
    objs = render({"auth": {"quorum": {"enabled": True, "learnerRequireSasl": False,
                                       "serverRequireSasl": False}}})
    assert list(generated(objs)) == ["quorum-password"]
    spec = pod_spec(objs)
    assert secret_volumes(spec) == {"auth-quorum": {"secretName": SECRET, "defaultMode": 0o440}}
    init_env = env(container(spec, "config"))
    assert {k: v for k, v in init_env.items() if k.startswith("ZK_QUORUM_")} == {
        "ZK_QUORUM_AUTH_ENABLED": "true", "ZK_QUORUM_AUTH_USERNAME": "zookeeper",
        "ZK_QUORUM_AUTH_SECRET": SECRET,
        "ZK_QUORUM_PASSWORD_FILE": "/secrets/quorum/quorum-password",
        "ZK_QUORUM_LEARNER_REQUIRE_SASL": "false", "ZK_QUORUM_SERVER_REQUIRE_SASL": "false"}
    assert "ZK_CLIENT_AUTH_ENABLED" not in init_env
    assert "-Djava.security.auth.login.config=/conf/jaas.conf" in env(
        container(spec, "zookeeper"))["SERVER_JVMFLAGS"]
    # The helm test is a client: quorum authentication is none of its business.
    assert "ZK_CLIENT_AUTH_ENABLED" not in env(one(objs, "Pod", TEST_POD)["spec"]["containers"][0])


@pytest.mark.parametrize(("auth", "keys", "volumes"), [
    ({"client": {"enabled": True}, "quorum": {"enabled": True}},
     ["client-password", "quorum-password"], {"auth-client": SECRET, "auth-quorum": SECRET}),
    ({"client": {"enabled": True, "existingSecret": "c"}, "quorum": {"enabled": True}},
     ["quorum-password"], {"auth-client": "c", "auth-quorum": SECRET}),
    ({"client": {"enabled": True}, "quorum": {"enabled": True, "existingSecret": "q"}},
     ["client-password"], {"auth-client": SECRET, "auth-quorum": "q"}),
    ({"client": {"enabled": True, "existingSecret": "c"},
      "quorum": {"enabled": True, "existingSecret": "c"}},
     [], {"auth-client": "c", "auth-quorum": "c"}),
    ({"client": {"enabled": False, "existingSecret": "c"}, "quorum": {"enabled": False}}, [], {}),
])
def test_generated_secret_holds_exactly_the_keys_no_existing_secret_provides(auth, keys, volumes):
    objs = render({"auth": auth})
    assert sorted(generated(objs)) == keys
    assert {k: v["secretName"] for k, v in secret_volumes(pod_spec(objs)).items()} == volumes


# --- passwords never in a ConfigMap or an env value ---------------------------------------

COMBINATIONS = [
    CLIENT, QUORUM, BOTH,
    {"auth": {"client": {"enabled": True, "enforce": True}, "quorum": {"enabled": True}}},
    {"replicaCount": 1, **CLIENT},
]


def _env_values(objs: list[dict[str, Any]]) -> list[Any]:
    found = []
    for obj in objs:
        spec = obj.get("spec", {})
        spec = spec.get("template", {}).get("spec", spec)
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            found += c.get("env", []) + c.get("envFrom", [])
    return found


@pytest.mark.parametrize("values", COMBINATIONS)
def test_no_configmap_or_env_value_holds_a_password(values):
    objs = render(values)
    passwords = list(generated(objs).values())
    assert passwords
    configmaps = json.dumps([o["data"] for o in by_kind(objs, "ConfigMap")])
    envs = _env_values(objs)
    for password in passwords:
        assert password not in configmaps
        assert password not in json.dumps(envs)
    # Nor through a reference: no env var takes a Secret key, no envFrom takes a Secret.
    assert "secretKeyRef" not in json.dumps(envs)
    assert "secretRef" not in json.dumps(envs)
    # The Secret is the only object that holds them.
    others = json.dumps([o for o in objs if o["kind"] != "Secret"])
    assert not [p for p in passwords if p in others]


@pytest.mark.parametrize("values", COMBINATIONS)
def test_secret_volumes_are_mounted_read_only_everywhere(values):
    objs = render(values)
    for obj in objs:
        spec = obj.get("spec", {})
        spec = spec.get("template", {}).get("spec", spec)
        secret_names = {v["name"] for v in spec.get("volumes", []) if "secret" in v}
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            for m in c.get("volumeMounts", []):
                if m["name"] in secret_names:
                    assert m.get("readOnly") is True, (obj["metadata"]["name"], c["name"])


def install_dry_run(values: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """helm install --dry-run=client: the manifests and the NOTES of one render."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "values.json"
        path.write_text(json.dumps(values))
        out = helm.run_helm(["install", RELEASE, str(prepared("zookeeper")), "--dry-run=client",
                             "--namespace", "data", "--values", str(path)])
    manifest, notes = out.split("NOTES:", 1)
    manifest = manifest.split("MANIFEST:", 1)[1]
    return [d for d in yaml.safe_load_all(manifest) if d], notes


def test_notes_name_the_secret_and_never_show_a_password():
    objs, notes = install_dry_run(BOTH)
    passwords = generated(objs)
    assert passwords
    assert not [p for p in passwords.values() if p in notes]
    assert "SASL DIGEST-MD5 as user kafka, password in Secret\nzk-zookeeper-auth key " \
           "client-password" in notes
    assert "Anonymous clients still connect (auth.client.enforce=false)" in notes
    assert "(Secret zk-zookeeper-auth key quorum-password)" in notes


def test_notes_do_not_mention_anonymous_clients_when_enforced_or_off():
    _, enforced = install_dry_run({"auth": {"client": {"enabled": True, "enforce": True}}})
    assert "password in Secret" in enforced
    assert "Anonymous clients" not in enforced
    _, off = install_dry_run({})
    assert "authentication" not in off


# --- render-time problems and warnings ----------------------------------------------------

def render_error(values: dict[str, Any]) -> list[str]:
    with pytest.raises(HelmError) as err:
        render_chart("zookeeper", values, release=RELEASE)
    return problem_lines(str(err.value))


def test_enforce_without_client_auth_fails():
    assert render_error({"auth": {"client": {"enforce": True}}}) == [
        "auth.client.enforce: needs auth.client.enabled (without the SASL provider no client "
        "could ever authenticate)"]


@pytest.mark.parametrize("values", [CLIENT, QUORUM])
def test_jvm_flags_cannot_name_another_jaas_file(values):
    lines = render_error({**values, "jvmFlags": "-Djava.security.auth.login.config=/x.conf"})
    assert lines == ["jvmFlags: -Djava.security.auth.login.config is set by the chart (the JAAS "
                     "file it writes from the Secret) when auth.client.enabled or "
                     "auth.quorum.enabled"]


def test_jvm_flags_may_name_a_jaas_file_without_auth():
    render({"jvmFlags": "-Djava.security.auth.login.config=/x.conf"})


@pytest.mark.parametrize("key", ["authProvider.sasl", "enforce.auth.enabled",
                                 "enforce.auth.schemes", "quorum.auth.enableSasl",
                                 "quorum.auth.learnerRequireSasl",
                                 "quorum.auth.serverRequireSasl",
                                 "quorum.auth.learner.saslLoginContext",
                                 "quorum.auth.server.saslLoginContext"])
def test_auth_keys_in_config_are_refused(key):
    assert render_error({"config": {key: "x"}}) == [
        f"config.{key}: set by the chart from a typed value; use that value instead (see the "
        "chart's README)"]


@pytest.mark.parametrize("username", ["ka fka", "kafka\"", "", "-x", "k=v"])
def test_schema_refuses_usernames_a_jaas_file_cannot_hold(username):
    with pytest.raises(HelmError):
        render_chart("zookeeper", {"auth": {"client": {"enabled": True, "username": username}}},
                     release=RELEASE)


def test_quorum_auth_on_a_single_server_warns():
    text = render_chart_text("zookeeper", {"replicaCount": 1, **QUORUM}, release=RELEASE)
    assert ("# WARNING: auth.quorum.enabled: a single server runs standalone and has no peers "
            "to authenticate: quorum SASL only takes effect with more than one replica") in text


# --- the generated Secret is kept on upgrade ------------------------------------------------

FEED = ('{{- include "zookeeper.authSecret" '
        '(dict "ctx" . "existing" (.Values.testExisting | default dict)) }}\n')


@pytest.fixture(scope="module")
def fed_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """charts/zookeeper with a template feeding .Values.testExisting to zookeeper.authSecret."""
    return fed_copy("zookeeper", tmp_path_factory.mktemp("fed") / "zookeeper",
                    "zz-test-secret.yaml", FEED)


def fed_secret(chart: Path, values: dict[str, Any]) -> dict[str, str]:
    text = helm.template(chart, values=values, release=RELEASE,
                         show_only=["templates/zz-test-secret.yaml"])
    (secret,) = [d for d in yaml.safe_load_all(text) if d]
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_existing_generated_passwords_are_kept_and_a_new_key_is_added(fed_chart):
    stored = {"data": {"client-password": base64.b64encode(b"kept-on-upgrade").decode()}}
    passwords = fed_secret(fed_chart, {**BOTH, "testExisting": stored})
    assert passwords["client-password"] == "kept-on-upgrade"
    assert re.fullmatch(r"[A-Za-z0-9]{32}", passwords["quorum-password"])


def test_keys_no_longer_needed_are_dropped(fed_chart):
    stored = {"data": {"client-password": base64.b64encode(b"a").decode(),
                       "quorum-password": base64.b64encode(b"b").decode()}}
    assert fed_secret(fed_chart, {**CLIENT, "testExisting": stored}) == {"client-password": "a"}


def test_the_chart_templates_pass_the_lookup_result_to_the_helper():
    text = (CHARTS / "zookeeper" / "templates" / "secret-auth.yaml").read_text()
    assert ('lookup "v1" "Secret" .Release.Namespace (include "zookeeper.authSecretName" .)'
            in text)
