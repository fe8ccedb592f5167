"""Opt-in smoke test: a real Kafka 3.9.1 broker started by the chart's own scripts.

Runs outside Kubernetes: ZooKeeper standalone and one broker as local processes, the
Kafka jars from Maven Central (tests/scripts/kafka/smoke-pom.xml), stand-ins for the
image's bin scripts (tests/scripts/kafka/smoke-bin/). The broker gets exactly the rendered
ConfigMap (configure.sh, start.sh, server.properties, log4j.properties) and the
StatefulSet's environment; its advertised FQDN resolves through a private /etc/hosts
(a mount namespace, so root is needed). Then the helm test script runs against it, the
broker stops on SIGTERM, and configure.sh refuses the volume for another pod.

    KAFKA_LOCAL_SMOKE=1 pytest tests/test_kafka_local_smoke.py     # java, mvn, root
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import one, render_chart
from localproc import free_port, standalone_zookeeper, stop, wait_for

FIXTURES = Path(__file__).parent / "scripts" / "kafka"
LIBS = Path.home() / ".cache" / "stackctl" / "kafka-smoke-libs"
RELEASE, NAMESPACE = "smoke", "ns"

pytestmark = pytest.mark.skipif(
    os.environ.get("KAFKA_LOCAL_SMOKE") != "1" or os.geteuid() != 0
    or not all(shutil.which(t) for t in ("java", "mvn", "unshare")),
    reason="opt-in (KAFKA_LOCAL_SMOKE=1), needs root, java, mvn and unshare")


@pytest.fixture(scope="module")
def libs() -> Path:
    if not (LIBS / "kafka_2.13-3.9.1.jar").exists():
        subprocess.run(["mvn", "-q", "-B", "-f", str(FIXTURES / "smoke-pom.xml"),
                        "dependency:copy-dependencies", f"-DoutputDirectory={LIBS}"],
                       check=True, timeout=600)
    return LIBS


ZK_PASSWORD = "zk-smoke-password-0123456789"
ZK_SASL = {"zookeeper": {"auth": {"enabled": True, "existingSecret": "zk-auth"}}}


@pytest.fixture
def zookeeper(request: pytest.FixtureRequest, tmp_path: Path, libs: Path) -> Iterator[int]:
    """A standalone ZooKeeper; when the test's security values turn on zookeeper.auth it
    requires SASL (DIGEST-MD5) from every client, user kafka with ZK_PASSWORD, as the
    zookeeper chart's auth.client does."""
    callspec = getattr(request.node, "callspec", None)
    sasl = "zookeeper" in (callspec.params.get("security", {}) if callspec else {})
    extra, opts = "", []
    if sasl:
        extra = ("authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n"
                 "enforce.auth.enabled=true\nenforce.auth.schemes=sasl\n")
        jaas = tmp_path / "zk-server-jaas.conf"
        jaas.write_text("Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
                        f'  user_kafka="{ZK_PASSWORD}";\n}};\n')
        opts = [f"-Djava.security.auth.login.config={jaas}"]
    log4j = FIXTURES / "smoke-bin" / "tools-log4j.properties"
    with standalone_zookeeper(tmp_path, f"{libs}/*", log4j, extra_cfg=extra,
                              jvm_opts=opts) as port:
        yield port


def secret_files(objs: list[dict], name: str, target: Path) -> None:
    """A rendered Secret's data as files, as the kubelet mounts them (mode 0440)."""
    target.mkdir(parents=True)
    for key, value in one(objs, "Secret", name)["data"].items():
        (target / key).write_bytes(base64.b64decode(value))
        (target / key).chmod(0o440)


SECURE = {"listeners": {"client": {"protocol": "SASL_SSL"},
                        "interbroker": {"protocol": "SASL_SSL"}}}


# Mutual TLS needs a CA the user holds (the chart-generated one keeps no key): a Secret
# "managed by the user", here the chart's own generated pair rendered without clientAuth.
MTLS = {"listeners": {"client": {"protocol": "SSL"}, "interbroker": {"protocol": "SSL"}},
        "tls": {"clientAuth": "required", "existingSecret": f"{RELEASE}-kafka-tls"}}


@pytest.mark.parametrize("security", [{}, SECURE, {**SECURE, **ZK_SASL}, MTLS],
                         ids=["plaintext", "sasl-ssl", "sasl-ssl-zookeeper-sasl", "ssl-mtls"])
def test_chart_scripts_start_a_real_broker(tmp_path: Path, libs: Path, zookeeper: int,
                                           security: dict):
    port, internal = free_port(), free_port()
    values = {"replicaCount": 1, "heapSize": "512M", **security,
              "service": {"ports": {"client": port}},
              "zookeeper": {"serviceName": "127.0.0.1", "port": zookeeper,
                            "chroot": "/smoke", **security.get("zookeeper", {})}}
    protocols = {name: listener["protocol"]
                 for name, listener in security.get("listeners", {}).items()}
    values["listeners"] = {
        "client": {"containerPort": port, "protocol": protocols.get("client", "PLAINTEXT")},
        "interbroker": {"containerPort": internal,
                        "protocol": protocols.get("interbroker", "PLAINTEXT")}}
    objs = render_chart("kafka", values, release=RELEASE, namespace=NAMESPACE)
    chart = tmp_path / "chart"
    chart.mkdir()
    for name, text in one(objs, "ConfigMap")["data"].items():
        (chart / name).write_text(text)
    container = one(objs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    pod = f"{RELEASE}-kafka-0"
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env.update(
        PATH=os.environ["PATH"], POD_NAME=pod, POD_NAMESPACE=NAMESPACE,
        BASE_CONFIG=str(chart / "server.properties"),
        SERVER_PROPERTIES=str(tmp_path / "config-generated" / "server.properties"),
        DATA_LOG_DIR=str(tmp_path / "data" / "log"), LOG_DIR=str(tmp_path / "logs"),
        BROKER_LOG4J_CONFIG=str(chart / "log4j.properties"),
        KAFKA_HOME=str(tmp_path / "kafka"), KAFKA_SMOKE_LIBS=str(libs))
    if "TLS_DIR" in env:
        env["TLS_DIR"] = str(tmp_path / "secrets" / "tls")
        tls_objs = objs
        if security.get("tls", {}).get("existingSecret"):
            tls_objs = render_chart("kafka", {**values, "tls": {}}, release=RELEASE,
                                    namespace=NAMESPACE)
        secret_files(tls_objs, env["TLS_SECRET"], Path(env["TLS_DIR"]))
    if "USERS_DIR" in env:
        env["USERS_DIR"] = str(tmp_path / "secrets" / "users")
        secret_files(objs, env["USERS_SECRET"], Path(env["USERS_DIR"]))
    if "ZOOKEEPER_AUTH_PASSWORD_FILE" in env:
        zk_secret = tmp_path / "secrets" / "zookeeper"
        zk_secret.mkdir(parents=True)
        (zk_secret / "client-password").write_text(ZK_PASSWORD)
        env["ZOOKEEPER_AUTH_PASSWORD_FILE"] = str(zk_secret / "client-password")
    shutil.copytree(FIXTURES / "smoke-bin", tmp_path / "kafka" / "bin")

    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 localhost\n"
                     f"127.0.0.1 {pod}.{RELEASE}-kafka-headless.{NAMESPACE}.svc.cluster.local\n"
                     f"127.0.0.1 {RELEASE}-kafka.{NAMESPACE}.svc.cluster.local\n")

    def with_hosts(script: Path) -> list[str]:
        return ["unshare", "-m", "bash", "-c",
                f'mount --bind "{hosts}" /etc/hosts && exec bash "{script}"']

    log = tmp_path / "broker.log"
    with log.open("w") as out:
        broker = subprocess.Popen(with_hosts(chart / "start.sh"), env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_for(log, "[KafkaServer id=0] started", 180, broker)
        probe = subprocess.run(with_hosts(chart / "startup-check.sh"),
                               env={**env, "KAFKA_BIN": env["KAFKA_HOME"] + "/bin"},
                               capture_output=True, text=True, timeout=120, check=False)
        assert probe.returncode == 0, probe.stdout + probe.stderr
        test_pod = one(objs, "Pod")["spec"]["containers"][0]
        test_env = {e["name"]: e["value"] for e in test_pod["env"]}
        test_env.update(PATH=os.environ["PATH"], KAFKA_HOME=env["KAFKA_HOME"],
                        KAFKA_SMOKE_LIBS=str(libs), LOG_DIR=str(tmp_path / "test-logs"),
                        CLIENT_PROPERTIES=str(tmp_path / "test-config" / "client.properties"))
        if "TLS_DIR" in test_env:
            test_env["TLS_DIR"] = env["TLS_DIR"]
        if "USERS_DIR" in test_env:
            test_env["USERS_DIR"] = env["USERS_DIR"]
        result = subprocess.run(with_hosts(chart / "test-produce-consume.sh"), env=test_env,
                                capture_output=True, text=True, timeout=600, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "--- OK: message went through" in result.stdout
        if "USERS_DIR" in env:
            # A wrong password is refused.
            users = Path(env["USERS_DIR"])
            wrong = tmp_path / "wrong-users"
            wrong.mkdir()
            (wrong / "user1").write_text("not-the-password")
            bad = subprocess.run(with_hosts(chart / "test-produce-consume.sh"),
                                 env={**test_env, "USERS_DIR": str(wrong), "TOOL_TIMEOUT": "30",
                                      "CLIENT_PROPERTIES": str(tmp_path / "bad" / "c.properties")},
                                 capture_output=True, text=True, timeout=300, check=False)
            assert bad.returncode != 0
            assert "Authentication failed" in bad.stdout + bad.stderr, bad.stdout + bad.stderr
            logged = log.read_text() + result.stdout + result.stderr
            for secret in users.iterdir():
                assert secret.read_text() not in logged
        if "ZOOKEEPER_AUTH_PASSWORD_FILE" in env:
            # The broker's znodes carry ACLs: writable by the kafka user only.
            acl = subprocess.run(
                [env["KAFKA_HOME"] + "/bin/zookeeper-shell.sh", f"127.0.0.1:{zookeeper}",
                 "getAcl", "/smoke/brokers/ids/0"],
                env={**env, "KAFKA_OPTS": "-Djava.security.auth.login.config="
                     + str(Path(env["SERVER_PROPERTIES"]).parent / "zookeeper-jaas.conf")},
                capture_output=True, text=True, timeout=60, check=False)
            assert "'sasl,'kafka" in acl.stdout, acl.stdout + acl.stderr
            assert "'world,'anyone\n: cdrwa" not in acl.stdout
            assert ZK_PASSWORD not in log.read_text()
    finally:
        stop(broker)
    wait_for(log, "[KafkaServer id=0] shut down completed", 5)

    meta = (tmp_path / "data" / "log" / "meta.properties").read_text()
    assert "broker.id=0" in meta.splitlines()
    other = subprocess.run(["bash", str(chart / "configure.sh")],
                           env={**env, "POD_NAME": f"{RELEASE}-kafka-1"},
                           capture_output=True, text=True, timeout=30, check=False)
    assert other.returncode != 0
    assert "records broker.id=0 but pod smoke-kafka-1 is broker 1" in other.stderr
