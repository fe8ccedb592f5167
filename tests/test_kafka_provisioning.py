"""Authorization and declarative topics, users and ACLs (authorization.*, provisioning.*).

The render: the authorizer's server.properties, the hook Job and its ConfigMap, the
render-time problems. The Job's script (files/provision.sh) runs outside a cluster with the
spec and environment the chart renders, against stand-in Kafka admin tools that keep a
cluster as files (tests/scripts/kafka/fake-admin-tool.sh)."""

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

from helpers import CHARTS, by_kind, one, prepared, problem_lines, render_chart, render_chart_text
from stackctl import helm
from stackctl.errors import HelmError

FIXTURES = Path(__file__).parent / "scripts" / "kafka"
FILES = CHARTS / "kafka" / "files"
TOOLS = ("kafka-broker-api-versions.sh", "kafka-topics.sh", "kafka-configs.sh", "kafka-acls.sh")
RELEASE, NAMESPACE = "kafka", "streaming"
JOB = "templates/job-provisioning.yaml"
SPEC = "templates/configmap-provisioning.yaml"
SECURE = {"listeners": {"client": {"containerPort": 9092, "protocol": "SASL_SSL"},
                        "interbroker": {"containerPort": 9094, "protocol": "SASL_SSL"}}}
WRITER_PW = "wr1ter-Secret-Pw-0123456789"
INTER_BROKER_PW = "ib-Secret-Pw-9876543210"


def values(**provisioning: Any) -> dict[str, Any]:
    """The secured chart with the authorizer and provisioning on, plus ``provisioning``."""
    return {**SECURE, "authorization": {"enabled": True},
            "provisioning": {"enabled": True, **provisioning}}


def render(vals: dict[str, Any] | None = None, **kw: Any) -> list[dict[str, Any]]:
    return render_chart("kafka", vals, release=RELEASE, namespace=NAMESPACE, **kw)


def problems(vals: dict[str, Any], chart: str = "kafka") -> list[str]:
    with pytest.raises(HelmError) as err:
        render_chart(chart, vals, release=RELEASE, namespace=NAMESPACE)
    return problem_lines(str(err.value))


def props(objs: list[dict[str, Any]]) -> dict[str, str]:
    text = one(objs, "ConfigMap", f"{RELEASE}-scripts")["data"]["server.properties"]
    return dict(line.strip().split("=", 1) for line in text.splitlines() if line.strip())


ORDERS = {"name": "orders", "partitions": 6, "replicationFactor": 3,
          "configs": {"retention.ms": "86400000", "cleanup.policy": "compact"}}
WRITER = {"name": "writer", "existingSecret": "writer-password", "passwordKey": "password"}
WRITE_ORDERS = {"principal": "User:writer", "resourceType": "Topic", "resourceName": "orders",
                "operations": ["Write", "Describe"]}


# --- the authorizer -------------------------------------------------------------------

def test_authorization_sets_the_acl_authorizer_with_the_inter_broker_user_as_super_user():
    p = props(render({**SECURE, "authorization": {"enabled": True,
                                                  "superUsers": ["User:admin"]}}))
    assert p["authorizer.class.name"] == "kafka.security.authorizer.AclAuthorizer"
    assert p["super.users"] == "User:inter_broker;User:admin"
    assert p["allow.everyone.if.no.acl.found"] == "false"
    assert "authorizer.class.name" not in props(render(SECURE))


def test_brokers_authenticating_with_the_generated_certificate_are_super_users():
    vals = {"listeners": {"client": {"containerPort": 9092, "protocol": "SASL_SSL"},
                          "interbroker": {"containerPort": 9094, "protocol": "SSL"}},
            "authorization": {"enabled": True}}
    assert props(render(vals))["super.users"] == "User:inter_broker;User:CN=kafka"


@pytest.mark.parametrize("key", ["authorizer.class.name", "super.users",
                                 "allow.everyone.if.no.acl.found"])
def test_config_cannot_set_the_authorizer_keys(key):
    lines = problems({"config": {key: "x"}})
    assert lines == [f"config.{key}: owned by the chart (the ACL authorizer: "
                     "authorization.enabled, "
                     "authorization.superUsers and authorization.allowEveryoneIfNoAclFound); "
                     "remove it from config"]


def test_authorization_with_a_plaintext_inter_broker_listener_fails():
    lines = problems({"authorization": {"enabled": True}})
    assert len(lines) == 1
    assert lines[0].startswith("authorization.enabled: listeners.interbroker.protocol is "
                               "PLAINTEXT, so the brokers (and the startup probe and "
                               "provisioning Job) are User:ANONYMOUS")
    # an explicit ANONYMOUS super user is the way to say "yes, on purpose"
    render({"authorization": {"enabled": True, "superUsers": ["User:ANONYMOUS"]}})


def test_authorization_with_ssl_brokers_and_a_certificate_of_your_own_needs_its_subject():
    vals = {"listeners": {"client": {"containerPort": 9092, "protocol": "SSL"},
                          "interbroker": {"containerPort": 9094, "protocol": "SSL"}},
            "tls": {"existingSecret": "broker-tls", "clientAuth": "required"},
            "authorization": {"enabled": True}}
    [line] = problems(vals)
    assert line.startswith("authorization.superUsers: listeners.interbroker.protocol is SSL, "
                           "so the brokers are User:<the subject of the certificate in "
                           "tls.existingSecret (broker-tls)>")
    vals["authorization"]["superUsers"] = ["User:CN=broker,O=example"]
    assert props(render(vals))["super.users"] == "User:inter_broker;User:CN=broker,O=example"


def test_authorization_without_client_authentication_warns_that_clients_are_anonymous():
    text = render_chart_text("kafka", {"listeners": {
        "client": {"containerPort": 9092, "protocol": "PLAINTEXT"},
        "interbroker": {"containerPort": 9094, "protocol": "SASL_SSL"}},
        "authorization": {"enabled": True}}, show_only=["templates/statefulset.yaml"])
    assert ("# WARNING: authorization.enabled: listeners.client.protocol is PLAINTEXT, which "
            "does not authenticate clients: every client is User:ANONYMOUS") in text
    assert "User:ANONYMOUS" not in render_chart_text(
        "kafka", {**SECURE, "authorization": {"enabled": True}},
        show_only=["templates/statefulset.yaml"])


def test_helm_test_runs_as_the_super_user_when_the_authorizer_is_on():
    def test_user(vals):
        pod = one(render(vals), "Pod")
        env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
        items = {v["name"]: v for v in pod["spec"]["volumes"]}["users"]["secret"]["items"]
        return env["CLIENT_USER"], [i["key"] for i in items]

    assert test_user(SECURE) == ("user1", ["user1"])
    assert test_user({**SECURE, "authorization": {"enabled": True}}) == (
        "inter_broker", ["inter_broker"])


# --- the Job and its ConfigMap --------------------------------------------------------

def test_nothing_is_rendered_while_provisioning_is_off():
    objs = render(SECURE)
    assert not by_kind(objs, "Job")
    assert not [o for o in by_kind(objs, "ConfigMap") if "provisioning" in o["metadata"]["name"]]


def test_job_is_a_hook_that_keeps_its_pod_on_failure_only():
    job = one(render(values(topics=[ORDERS]), show_only=[JOB]), "Job")
    assert job["metadata"]["name"] == "kafka-provisioning"
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "post-install,post-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    assert job["spec"]["backoffLimit"] == 0
    assert job["spec"]["activeDeadlineSeconds"] == 900
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "provisioning"


def test_job_runs_with_the_helm_test_pods_security_and_no_token():
    objs = render(values(topics=[ORDERS]))
    job = one(objs, "Job")["spec"]["template"]["spec"]
    test = one(objs, "Pod")["spec"]
    for key in ("securityContext", "serviceAccountName", "automountServiceAccountToken",
                "enableServiceLinks"):
        assert job[key] == test[key], key
    assert job["automountServiceAccountToken"] is False
    container = job["containers"][0]
    assert container["securityContext"] == test["containers"][0]["securityContext"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    assert container["image"] == test["containers"][0]["image"]


def test_job_talks_to_every_broker_on_the_inter_broker_listener_as_the_inter_broker_user():
    job = one(render(values(users=[WRITER])), "Job")["spec"]["template"]["spec"]
    env = {e["name"]: e for e in job["containers"][0]["env"]}
    assert all("value" in e for e in env.values()), "no secretKeyRef: passwords are files"
    headless = "kafka-headless.streaming.svc.cluster.local:9094"
    assert env["BOOTSTRAP_SERVER"]["value"] == ",".join(f"kafka-{i}.{headless}" for i in range(3))
    assert env["EXPECTED_BROKERS"]["value"] == "3"
    assert env["CLIENT_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
    assert env["CLIENT_USER"]["value"] == "inter_broker"
    volumes = {v["name"]: v for v in job["volumes"]}
    assert volumes["users"]["secret"]["items"] == [{"key": "inter_broker", "path": "inter_broker"}]
    assert volumes["user-0"]["secret"] == {"secretName": "writer-password", "defaultMode": 0o440,
                                           "items": [{"key": "password", "path": "password"}]}
    assert volumes["tls"]["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]
    mounts = {m["name"]: m["mountPath"] for m in job["containers"][0]["volumeMounts"]}
    assert mounts["user-0"] == "/opt/kafka/secrets/provisioning/writer"
    assert volumes["spec"]["configMap"]["name"] == "kafka-provisioning"


def test_spec_configmap_holds_the_declared_state_and_no_password():
    vals = values(topics=[ORDERS, {"name": "logs", "partitions": 1}], users=[WRITER],
                  acls=[WRITE_ORDERS, {"principal": "User:writer", "resourceType": "Cluster",
                                       "operations": ["IdempotentWrite"]}])
    objs = render(vals)
    cm = one(objs, "ConfigMap", "kafka-provisioning")
    assert "helm.sh/hook" not in cm["metadata"].get("annotations", {})
    data = cm["data"]
    assert data["topics"] == "orders\t6\t3\tdeclared\nlogs\t1\t3\tdefault\n"
    assert data["topic-configs"] == ("orders\tcleanup.policy\tcompact\n"
                                     "orders\tretention.ms\t86400000\n")
    assert data["users"] == "writer\twriter-password\tpassword\tSCRAM-SHA-512\n"
    assert data["acls"] == ("User:writer\tALLOW\tTOPIC\torders\tLITERAL\tWRITE\t*\n"
                            "User:writer\tALLOW\tTOPIC\torders\tLITERAL\tDESCRIBE\t*\n"
                            "User:writer\tALLOW\tCLUSTER\tkafka-cluster\tLITERAL\tIDEMPOTENT_WRITE\t*\n")
    # offline render: no previous ConfigMap to look up, so the managed set is the declared one
    assert data["managed-topics"] == "logs\norders\n"
    assert data["provision.sh"] == (FILES / "provision.sh").read_text()
    users = one(objs, "Secret", "kafka-users")["data"]
    passwords = [base64.b64decode(v).decode() for v in users.values()]
    for cm in by_kind(objs, "ConfigMap"):
        assert not any(pw in text for pw in passwords for text in cm["data"].values())


def test_network_policy_admits_the_job_to_the_inter_broker_port():
    objs = render(values(topics=[ORDERS]))
    rules = one(objs, "NetworkPolicy")["spec"]["ingress"]
    internal = next(r for r in rules if r["ports"] == [{"port": 9094, "protocol": "TCP"}])
    components = [p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                  for p in internal["from"]]
    assert components == ["broker", "provisioning"]


def test_stack_names_the_provisioning_values_with_their_prefix():
    lines = problems({"kafka": {"provisioning": {"enabled": True, "topics": [
        {"name": "a", "partitions": 1}, {"name": "a", "partitions": 0}]}}}, chart="stack")
    assert lines == [
        "kafka.provisioning.topics[1].name: a is declared twice "
        "(also kafka.provisioning.topics[0])",
        "kafka.provisioning.topics[1].partitions: 0 must be at least 1"]
    job = one(render_chart("stack", {"kafka": {"provisioning": {"enabled": True}}},
                           show_only=["charts/kafka/" + JOB]), "Job")
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["VALUES_PREFIX"] == "kafka."


@pytest.mark.parametrize(("provisioning", "extra", "expected"), [
    ({"topics": [{"name": "t", "partitions": 1, "replicationFactor": 4}]}, {},
     "provisioning.topics[0].replicationFactor: 4 is above replicaCount (3): Kafka cannot place "
     "more replicas than brokers"),
    ({"topics": [{"name": "t", "partitions": 1, "configs": {"x.y": "a\tb"}}]}, {},
     "provisioning.topics[0].configs.x.y: a topic config value must be one line without tabs"),
    ({"acls": [WRITE_ORDERS]}, {"authorization": {"enabled": False}},
     "provisioning.acls: ACLs need an authorizer, but authorization.enabled is false (without "
     "one, Kafka refuses to store ACLs and every client may do everything)"),
    ({"users": [WRITER]}, {"listeners": {"client": {"containerPort": 9092, "protocol": "SSL"},
                                         "interbroker": {"containerPort": 9094, "protocol": "SSL"}},
                           "authorization": {"enabled": False}},
     "provisioning.users: SCRAM users need a SASL listener with a SCRAM mechanism, but no listener "
     "runs SASL_SSL or SASL_PLAINTEXT (listeners.client.protocol SSL, "
     "listeners.interbroker.protocol SSL): no client could log in as these users"),
    ({"users": [{**WRITER, "mechanisms": ["SCRAM-SHA-256"]}]}, {},
     "provisioning.users[0].mechanisms: SCRAM-SHA-256 is not one of auth.sasl.mechanisms "
     "(SCRAM-SHA-512): no listener would accept it"),
    ({"users": [{**WRITER, "name": "user1"}]}, {},
     "provisioning.users[0].name: user1 is in auth.users, whose credentials the brokers write at "
     "start from kafka-users: declare the user in one place"),
    ({"users": [{**WRITER, "existingSecret": ""}]}, {},
     "provisioning.users[0].existingSecret: required: the Secret that holds writer's password"),
    ({"acls": [{**WRITE_ORDERS, "operations": ["Write", "ClusterAction"]}]}, {},
     "provisioning.acls[0].operations: ClusterAction is not an operation on Topic resources "
     "(All, Read, Write, Create, Delete, Alter, Describe, DescribeConfigs, AlterConfigs)"),
    ({"acls": [{"principal": "User:a", "resourceType": "Group", "operations": ["Read"]}]}, {},
     "provisioning.acls[0].resourceName: required for a Group (\"*\" for every one)"),
    ({"waitSeconds": 900}, {},
     "provisioning.activeDeadlineSeconds: 900 is not above provisioning.waitSeconds (900): the "
     "Job would be stopped while it waits for the brokers, without its message"),
], ids=["rf-above-brokers", "config-tab", "acls-without-authorizer", "users-without-sasl",
        "mechanism-not-enabled", "user-of-auth-users", "no-secret", "operation-of-another-type",
        "group-without-name", "deadline-not-above-wait"])
def test_provisioning_values_that_cannot_work_fail_the_render(provisioning, extra, expected):
    assert expected in problems({**values(**provisioning), **extra})


# --- provision.sh against stand-in tools ----------------------------------------------

class Cluster:
    """A cluster as the stand-in tools keep it, and the Job's pod laid out under tmp."""

    def __init__(self, tmp: Path, vals: dict[str, Any], *, brokers: int = 3) -> None:
        objs = render(vals)
        self.spec = tmp / "spec"
        self.spec.mkdir()
        for name, text in one(objs, "ConfigMap", "kafka-provisioning")["data"].items():
            (self.spec / name).write_text(text)
        job = one(objs, "Job")["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e["value"] for e in job["env"]}
        home = tmp / "kafka"
        (home / "bin").mkdir(parents=True)
        for tool in TOOLS:
            shutil.copy(FIXTURES / "fake-admin-tool.sh", home / "bin" / tool)
        self.state = tmp / "state"
        self.state.mkdir()
        (self.state / "brokers").write_text("".join(f"{i}\n" for i in range(brokers)))
        users = tmp / "secrets" / "users"
        users.mkdir(parents=True)
        (users / "inter_broker").write_text(INTER_BROKER_PW)
        self.user_secrets = tmp / "secrets" / "provisioning"
        for user in vals["provisioning"].get("users", []):
            (self.user_secrets / user["name"]).mkdir(parents=True)
            (self.user_secrets / user["name"] / user["passwordKey"]).write_text(WRITER_PW)
        # PLAINTEXT to the stand-ins: client-config.sh's SASL_SSL output is tested elsewhere
        env.update(PATH=os.environ["PATH"], KAFKA_HOME=str(home), FAKE_KAFKA_STATE=str(self.state),
                   SPEC_DIR=str(self.spec), SCRIPT_DIR=str(FILES),
                   USER_SECRETS_DIR=str(self.user_secrets), USERS_DIR=str(users),
                   CLIENT_PROPERTIES=str(tmp / "config" / "client.properties"),
                   CLIENT_SECURITY_PROTOCOL="SASL_PLAINTEXT", POLL_SECONDS="0", TMPDIR=str(tmp))
        env.pop("TLS_DIR", None)
        self.env = env

    def topics(self, text: str) -> None:
        (self.state / "topics").write_text(text)

    def configs(self, topic: str, text: str) -> None:
        (self.state / "configs").mkdir(exist_ok=True)
        (self.state / "configs" / topic).write_text(text)

    def run(self, **extra: str) -> subprocess.CompletedProcess[str]:
        calls = self.state / "calls"
        calls.unlink(missing_ok=True)
        return subprocess.run(["bash", str(self.spec / "provision.sh")], env={**self.env, **extra},
                              capture_output=True, text=True, timeout=120, check=False)

    def calls(self) -> list[str]:
        path = self.state / "calls"
        return path.read_text().splitlines() if path.exists() else []

    def writes(self) -> list[str]:
        reads = ("kafka-broker-api-versions.sh", "kafka-topics.sh --describe",
                 "kafka-configs.sh --describe", "kafka-acls.sh --list")
        return [c for c in self.calls() if not c.startswith(reads)]


def test_creates_missing_topics_with_their_partitions_replication_and_configs(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[ORDERS, {"name": "logs", "partitions": 1}]))
    result = cluster.run()
    assert result.returncode == 0, result.stderr
    assert cluster.writes() == [
        "kafka-topics.sh --create --topic orders --partitions 6 --replication-factor 3 "
        "--config cleanup.policy=compact --config retention.ms=86400000",
        "kafka-topics.sh --create --topic logs --partitions 1 --replication-factor 3"]
    assert (cluster.state / "topics").read_text() == "orders\t6\t3\nlogs\t1\t3\n"
    assert ("created topic orders (partitions 6, replication factor 3, configs "
            "cleanup.policy=compact retention.ms=86400000)") in result.stdout


def test_a_second_run_reads_once_per_kind_and_changes_nothing(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[ORDERS], acls=[WRITE_ORDERS]))
    assert cluster.run().returncode == 0
    result = cluster.run()
    assert result.returncode == 0, result.stderr
    assert cluster.calls() == ["kafka-broker-api-versions.sh ",
                               "kafka-topics.sh --describe --exclude-internal",
                               "kafka-configs.sh --describe --entity-type topics",
                               "kafka-acls.sh --list"]
    assert "done: topics and ACLs already match provisioning (1 topics, 2 ACLs)" in result.stdout


def test_raises_partitions_sets_declared_configs_and_removes_undeclared_ones(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[ORDERS]))
    cluster.topics("orders\t3\t3\n")
    cluster.configs("orders", "retention.ms=1000\nmax.message.bytes=2097152\n")
    result = cluster.run()
    assert result.returncode == 0, result.stderr
    assert cluster.writes()[0] == "kafka-topics.sh --alter --topic orders --partitions 6"
    alter = cluster.writes()[1]
    assert alter.startswith("kafka-configs.sh --alter --entity-type topics --entity-name orders "
                            "--add-config-file ")
    assert alter.endswith(" --delete-config max.message.bytes")
    assert sorted((cluster.state / "configs" / "orders").read_text().splitlines()) == [
        "cleanup.policy=compact", "retention.ms=86400000"]
    assert "topic orders: partitions 3 -> 6" in result.stdout
    assert ("topic orders: set cleanup.policy=compact retention.ms=86400000; removed "
            "max.message.bytes") in result.stdout


def test_a_lower_partition_count_fails_and_changes_nothing(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[{**ORDERS, "partitions": 2},
                                               {"name": "new", "partitions": 1}]))
    cluster.topics("orders\t6\t3\n")
    result = cluster.run()
    assert result.returncode == 1
    assert ("provision.sh: topic orders has 6 partitions, provisioning.topics[0].partitions asks "
            "for 2: Kafka cannot lower a partition count;") in result.stderr
    assert "provision.sh: 1 problem(s): nothing was changed" in result.stderr
    assert cluster.writes() == []
    assert (cluster.state / "topics").read_text() == "orders\t6\t3\n"


def test_a_replication_factor_change_fails_unless_it_is_only_the_default(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[ORDERS, {"name": "old", "partitions": 1}]))
    cluster.topics("orders\t6\t2\nold\t1\t1\n")
    result = cluster.run()
    assert result.returncode == 1
    assert ("topic orders has replication factor 2, provisioning.topics[0].replicationFactor asks "
            "for 3: changing it needs a partition reassignment (kafka-reassign-partitions.sh)"
            ) in result.stderr
    assert "topic old" not in result.stderr
    assert ("warning: topic old keeps its replication factor 1 (the default is 3; set "
            "provisioning.topics[1].replicationFactor to say which you want)") in result.stdout


def test_a_replication_factor_above_the_registered_brokers_fails(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[ORDERS]), brokers=2)
    result = cluster.run(EXPECTED_BROKERS="2")
    assert result.returncode == 1
    assert ("topic orders: provisioning.topics[0].replicationFactor is 3, but only 2 brokers are "
            "registered") in result.stderr
    assert cluster.writes() == []


def test_a_topic_no_longer_declared_that_still_exists_fails(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[ORDERS]))
    (cluster.spec / "managed-topics").write_text("logs\norders\ngone\n")
    cluster.topics("orders\t6\t3\nlogs\t1\t3\n")
    result = cluster.run()
    assert result.returncode == 1
    assert ("provision.sh: topic logs is no longer in provisioning.topics but still exists: the "
            "chart never deletes a topic; delete it yourself (kafka-topics.sh --delete --topic "
            "logs) or declare it again") in result.stderr
    assert "gone" not in result.stderr  # deleted by hand: nothing to say
    assert cluster.writes() == []


def test_users_get_scram_credentials_from_their_secret_file_never_printed(tmp_path):
    cluster = Cluster(tmp_path, values(users=[WRITER]))
    result = cluster.run()
    assert result.returncode == 0, result.stderr
    [call] = cluster.writes()
    assert call.startswith("kafka-configs.sh --alter --entity-type users --entity-name writer "
                           "--add-config-file ")
    scram = (cluster.state / "users" / "writer").read_text()
    assert scram == f"SCRAM-SHA-512=password={WRITER_PW}\n"
    assert not list(tmp_path.glob("provision.*"))  # the work dir with the 0600 file is gone
    output = result.stdout + result.stderr + "\n".join(cluster.calls())
    assert WRITER_PW not in output and INTER_BROKER_PW not in output
    assert ("user writer: SCRAM credentials written (SCRAM-SHA-512, password from Secret "
            "writer-password key password)") in result.stdout


def test_a_password_scram_cannot_carry_is_refused_without_printing_it(tmp_path):
    cluster = Cluster(tmp_path, values(users=[WRITER]))
    (cluster.user_secrets / "writer" / "password").write_text("has,comma-and-is-long")
    result = cluster.run()
    assert result.returncode == 1
    assert ("Secret writer-password key 'password' contains a quote, a backslash or a comma"
            in result.stderr)
    assert "has,comma" not in result.stdout + result.stderr
    assert cluster.writes() == []


def test_a_failing_tool_fails_the_job_with_its_error_but_never_a_password(tmp_path):
    cluster = Cluster(tmp_path, values(users=[WRITER]))
    result = cluster.run(FAKE_SCRAM_FAIL="1")
    assert result.returncode == 1
    assert ("provision.sh: writing the SCRAM credentials of user writer failed (exit 1):"
            in result.stderr)
    assert WRITER_PW not in result.stdout + result.stderr
    assert "at org.apache" not in result.stderr


def test_acls_of_declared_principals_become_exactly_the_declared_ones(tmp_path):
    cluster = Cluster(tmp_path, values(acls=[WRITE_ORDERS, {
        "principal": "User:writer", "permission": "Deny", "resourceType": "Group",
        "resourceName": "app-", "patternType": "Prefixed", "operations": ["Read"]}]))
    (cluster.state / "acls").write_text(
        "User:writer\tALLOW\tTOPIC\torders\tLITERAL\tWRITE\t*\n"
        "User:writer\tALLOW\tTOPIC\torders\tLITERAL\tDELETE\t*\n"
        "User:writer\tALLOW\tCLUSTER\tkafka-cluster\tLITERAL\tALTER\t*\n"
        "User:other\tALLOW\tTOPIC\torders\tLITERAL\tREAD\t*\n")
    result = cluster.run()
    assert result.returncode == 0, result.stderr
    assert cluster.writes() == [
        "kafka-acls.sh --remove --allow-principal User:writer --allow-host * --force "
        "--operation Alter --cluster --resource-pattern-type literal",
        "kafka-acls.sh --remove --allow-principal User:writer --allow-host * --force "
        "--operation Delete --topic orders --resource-pattern-type literal",
        "kafka-acls.sh --add --allow-principal User:writer --allow-host * --operation Describe "
        "--topic orders --resource-pattern-type literal",
        "kafka-acls.sh --add --deny-principal User:writer --deny-host * --operation Read "
        "--group app- --resource-pattern-type prefixed"]
    assert sorted((cluster.state / "acls").read_text().splitlines()) == sorted([
        "User:writer\tALLOW\tTOPIC\torders\tLITERAL\tWRITE\t*",
        "User:writer\tALLOW\tTOPIC\torders\tLITERAL\tDESCRIBE\t*",
        "User:writer\tDENY\tGROUP\tapp-\tPREFIXED\tREAD\t*",
        "User:other\tALLOW\tTOPIC\torders\tLITERAL\tREAD\t*"])  # not declared: left alone
    assert ("ACL removed: User:writer ALLOW DELETE on TOPIC orders (LITERAL) from host *"
            in result.stdout)
    assert cluster.run().returncode == 0 and cluster.writes() == []


def test_waits_for_every_broker_then_provisions(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[ORDERS]))
    (cluster.state / "down").write_text("2")
    result = cluster.run()
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("waiting for the brokers: 0 of 3 answer") == 2
    assert "3 brokers answer on" in result.stdout


def test_gives_up_on_the_brokers_after_wait_seconds_with_a_clear_message(tmp_path):
    cluster = Cluster(tmp_path, values(topics=[ORDERS]), brokers=2)
    result = cluster.run(WAIT_SECONDS="1", POLL_SECONDS="0.2")
    assert result.returncode == 1
    assert ("provision.sh: only 2 of 3 brokers answer on kafka-0.kafka-headless.streaming.svc."
            "cluster.local:9094,") in result.stderr
    assert "after 1s (provisioning.waitSeconds); nothing was changed" in result.stderr
    assert cluster.writes() == []


def test_nothing_declared_needs_no_broker(tmp_path):
    cluster = Cluster(tmp_path, values())
    result = cluster.run()
    assert result.returncode == 0, result.stderr
    assert cluster.calls() == []
    assert "nothing declared" in result.stdout


@pytest.mark.parametrize("chart", ["kafka", "zookeeper"])
def test_a_render_time_warning_leaves_the_statefulset_whole(chart):
    # the warning comment used to end without a newline and swallow "apiVersion: apps/v1"
    sts = one(render_chart(chart, {"pdb": {"maxUnavailable": 0}}), "StatefulSet")
    assert sts["apiVersion"] == "apps/v1"


def test_wildcard_resource_names_are_acls_not_globs(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "orders").touch()  # a file a glob of "*" would find
    cluster = Cluster(tmp_path / "x", values(acls=[
        {"principal": "User:user1", "resourceType": "Topic", "resourceName": "*",
         "operations": ["Read", "Write"]}]))
    result = cluster.run()
    assert result.returncode == 0, result.stderr
    assert cluster.writes() == ["kafka-acls.sh --add --allow-principal User:user1 --allow-host * "
                                "--operation Read --operation Write --topic * "
                                "--resource-pattern-type literal"]
    assert cluster.run().returncode == 0 and cluster.writes() == []


def test_managed_topics_keep_what_earlier_releases_declared(tmp_path):
    """The previous ConfigMap (lookup on a cluster; fed here) adds its managed topics."""
    chart = tmp_path / "kafka"
    shutil.copytree(prepared("kafka"), chart)
    (chart / "templates" / "zz-test-spec.yaml").write_text(
        'kind: SpecUnderTest\nspec:\n  {{- include "kafka.provisioningSpec" (dict "ctx" . '
        '"previous" .Values.testPrevious) | nindent 2 }}\n')
    schema = json.loads((chart / "values.schema.json").read_text())
    schema["properties"]["testPrevious"] = {"type": "object"}
    (chart / "values.schema.json").write_text(json.dumps(schema))
    previous = {"data": {"managed-topics": "audit\norders\n", "topics": "ignored\n"}}
    text = helm.template(chart, show_only=["templates/zz-test-spec.yaml"],
                         values={**values(topics=[ORDERS, {"name": "new", "partitions": 1}]),
                                 "testPrevious": previous})
    spec = yaml.safe_load(text)["spec"]
    assert spec["managed-topics"] == ["audit", "new", "orders"]
