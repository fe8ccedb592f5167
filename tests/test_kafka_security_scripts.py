"""The pod scripts' security work, run outside a cluster as the pod would: configure.sh's
keystore, certificate check, JAAS entries and client config; tls.sh's PKCS#1 to PKCS#8
conversion; start.sh's SCRAM credentials and ZooKeeper JAAS; the helm test's client config.
Certificates are made here with the openssl CLI; Secrets become files as the kubelet mounts
them. The rendered ConfigMap and StatefulSet env are the chart's (test_kafka_config_script's
Broker)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from helpers import CHARTS, one, render_chart
from test_kafka_config_script import FIXTURES, Broker, parse_properties

pytestmark = pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("keytool")),
                                reason="needs openssl (to make certificates) and keytool")

TLS_SH = CHARTS / "kafka" / "files" / "tls.sh"
FQDN = "kafka-2.kafka-headless.streaming.svc.cluster.local"
WILDCARD = "*.kafka-headless.streaming.svc.cluster.local"
SASL_SSL = {"listeners": {"client": {"containerPort": 9092, "protocol": "SASL_SSL"},
                          "interbroker": {"containerPort": 9094, "protocol": "SASL_SSL"}}}
PASSWORDS = {"user1": "u1-Secret-Pw-0123456789", "inter_broker": "ib-Secret-Pw-9876543210"}


def make_tls(target: Path, sans: list[str], *, pkcs1: bool = False) -> Path:
    """tls.crt, tls.key (PKCS#8, or PKCS#1 like Helm's genSignedCert) and ca.crt (the
    self-signed certificate itself) in ``target``; ``sans`` are DNS names, or "IP:<addr>"."""
    target.mkdir(parents=True, exist_ok=True)
    san = ",".join(s if s.startswith("IP:") else f"DNS:{s}" for s in sans)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=kafka", "-addext", f"subjectAltName={san}",
                    "-keyout", str(target / "tls.key"), "-out", str(target / "tls.crt")],
                   check=True, capture_output=True, timeout=60)
    if pkcs1:
        subprocess.run(["openssl", "rsa", "-traditional", "-in", str(target / "tls.key"),
                        "-out", str(target / "tls.key")], check=True, capture_output=True,
                       timeout=60)
    shutil.copy(target / "tls.crt", target / "ca.crt")
    return target


def write_users(target: Path, passwords: dict[str, str]) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for user, password in passwords.items():
        (target / user).write_text(password)
    return target


class SecureBroker(Broker):
    """A Broker whose Secret volumes are directories under tmp."""

    def __init__(self, tmp: Path, values: dict, *, sans: list[str] | None = None,
                 passwords: dict[str, str] | None = None, pkcs1: bool = True,
                 zk_password: str = "zk-Secret-Pw-5555555555") -> None:
        super().__init__(tmp, values)
        if "TLS_DIR" in self.env:
            self.env["TLS_DIR"] = str(make_tls(tmp / "secrets" / "tls",
                                               sans if sans is not None else [WILDCARD],
                                               pkcs1=pkcs1))
        if "USERS_DIR" in self.env:
            self.env["USERS_DIR"] = str(write_users(tmp / "secrets" / "users",
                                                    passwords or PASSWORDS))
        if "ZOOKEEPER_AUTH_PASSWORD_FILE" in self.env:
            zk = tmp / "secrets" / "zookeeper"
            zk.mkdir(parents=True)
            (zk / "client-password").write_text(zk_password)
            self.env["ZOOKEEPER_AUTH_PASSWORD_FILE"] = str(zk / "client-password")
        self.config_dir = self.server_properties.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sasl_ssl_broker_gets_keystore_jaas_and_client_config(tmp_path: Path):
    broker = SecureBroker(tmp_path, SASL_SSL)
    props = broker.properties()
    assert props["advertised.listeners"] == f"CLIENT://{FQDN}:9092,INTERNAL://{FQDN}:9094"
    keystore = broker.config_dir / "tls" / "keystore.pem"
    assert props["ssl.keystore.location"] == str(keystore)
    assert props["ssl.truststore.location"] == broker.env["TLS_DIR"] + "/ca.crt"
    assert props["ssl.keystore.type"] == "PEM" and "ssl.key.password" not in props
    text = keystore.read_text()
    assert text.startswith("-----BEGIN PRIVATE KEY-----") and "BEGIN CERTIFICATE" in text
    # The client listener verifies SCRAM against ZooKeeper: no password there. The
    # inter-broker listener logs in as the inter-broker user.
    assert props["listener.name.client.scram-sha-512.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
    assert props["listener.name.internal.scram-sha-512.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="inter_broker" password="{PASSWORDS["inter_broker"]}";')
    for secret_file in (broker.server_properties, keystore,
                        broker.config_dir / "client.properties"):
        assert mode(secret_file) == 0o600, secret_file
    client = parse_properties((broker.config_dir / "client.properties").read_text())
    assert client["security.protocol"] == "SASL_SSL"
    assert client["sasl.mechanism"] == "SCRAM-SHA-512"
    assert client["ssl.truststore.type"] == "PEM"
    assert client["ssl.endpoint.identification.algorithm"] == "https"
    assert f'username="inter_broker" password="{PASSWORDS["inter_broker"]}"' in client[
        "sasl.jaas.config"]
    result = broker.configure()
    assert not any(p in result.stdout + result.stderr for p in PASSWORDS.values())


def test_plain_checks_every_user_in_the_listener_jaas(tmp_path: Path):
    values = {**SASL_SSL, "auth": {"sasl": {"mechanisms": ["SCRAM-SHA-512", "PLAIN"]}}}
    props = SecureBroker(tmp_path, values).properties()
    entry = props["listener.name.client.plain.sasl.jaas.config"]
    assert entry.startswith("org.apache.kafka.common.security.plain.PlainLoginModule required")
    assert f'user_user1="{PASSWORDS["user1"]}"' in entry
    assert f'user_inter_broker="{PASSWORDS["inter_broker"]}"' in entry
    assert "listener.name.client.scram-sha-512.sasl.jaas.config" in props


def test_ssl_only_broker_presents_its_certificate_to_peers(tmp_path: Path):
    values = {"listeners": {"client": {"containerPort": 9092, "protocol": "SSL"},
                            "interbroker": {"containerPort": 9094, "protocol": "SSL"}}}
    broker = SecureBroker(tmp_path, values)
    props = broker.properties()
    assert props["listener.name.internal.ssl.client.auth"] == "required"
    assert not [k for k in props if "jaas" in k]
    client = parse_properties((broker.config_dir / "client.properties").read_text())
    assert client["security.protocol"] == "SSL"
    assert client["ssl.keystore.type"] == "PEM"
    assert Path(client["ssl.keystore.location"]).read_text().startswith(
        "-----BEGIN PRIVATE KEY-----")


def test_plaintext_broker_writes_a_plaintext_client_config(tmp_path: Path):
    broker = Broker(tmp_path)
    broker.properties()
    client = (broker.server_properties.parent / "client.properties").read_text()
    assert "security.protocol=PLAINTEXT" in client and "ssl." not in client


def test_certificate_without_this_brokers_name_stops_the_start(tmp_path: Path):
    broker = SecureBroker(tmp_path, SASL_SSL,
                          sans=["kafka-0.kafka-headless.streaming.svc.cluster.local", "kafka"])
    result = broker.configure()
    assert result.returncode != 0
    assert ("the certificate in Secret kafka-tls (tls.crt) does not cover this broker's name "
            f"{FQDN}") in result.stderr
    assert "covers: kafka-0.kafka-headless.streaming.svc.cluster.local kafka" in result.stderr


def test_a_missing_password_key_names_the_secret_and_key(tmp_path: Path):
    broker = SecureBroker(tmp_path, SASL_SSL, passwords={"user1": "only-the-client-user-pw"})
    result = broker.configure()
    assert result.returncode != 0
    assert "Secret kafka-users has no key 'inter_broker'" in result.stderr


def test_a_password_jaas_cannot_carry_is_refused_without_printing_it(tmp_path: Path):
    bad = 'has"quote-and-is-long'
    broker = SecureBroker(tmp_path, SASL_SSL, passwords={**PASSWORDS, "user1": bad})
    result = broker.configure()
    assert result.returncode != 0
    assert "Secret kafka-users key 'user1' contains a quote" in result.stderr
    assert bad not in result.stderr + result.stdout


def test_a_password_with_a_trailing_newline_is_refused_not_trimmed(tmp_path: Path):
    # `echo pw | kubectl create secret --from-file`: trimming would make the SCRAM
    # credential "pw" while every client that reads the Secret sends "pw\n"
    broker = SecureBroker(tmp_path, SASL_SSL, passwords={**PASSWORDS, "user1": "a-pw-long\n"})
    result = broker.configure()
    assert result.returncode != 0
    assert "Secret kafka-users key 'user1' contains a line break" in result.stderr
    assert "a-pw-long" not in result.stderr + result.stdout


def test_zookeeper_password_quotes_and_backslashes_are_escaped_as_the_servers_do(
        tmp_path: Path):
    # the zookeeper chart accepts them (zk-jaas.sh): a shared Secret must work on both sides
    broker = SecureBroker(tmp_path, {"zookeeper": {"auth": {"enabled": True}}},
                          zk_password='zk "pw" \\ x,y')
    broker.properties()
    jaas = (broker.config_dir / "zookeeper-jaas.conf").read_text()
    assert '  password="zk \\"pw\\" \\\\ x,y";\n' in jaas


def test_zookeeper_jaas_client_section(tmp_path: Path):
    broker = SecureBroker(tmp_path, {"zookeeper": {"auth": {"enabled": True}}})
    broker.properties()
    jaas = broker.config_dir / "zookeeper-jaas.conf"
    assert jaas.read_text() == (
        "Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
        '  username="kafka"\n  password="zk-Secret-Pw-5555555555";\n};\n')
    assert mode(jaas) == 0o600


@pytest.mark.parametrize("pkcs1", [True, False], ids=["pkcs1", "pkcs8"])
def test_keystore_key_is_the_same_key_as_pkcs8(tmp_path: Path, pkcs1: bool):
    tls = make_tls(tmp_path / "tls", ["kafka"], pkcs1=pkcs1)
    out = tmp_path / "out" / "keystore.pem"
    subprocess.run(["bash", str(TLS_SH), "keystore", str(tls), str(out)], check=True,
                   capture_output=True, timeout=30)
    key = out.read_text().split("-----END PRIVATE KEY-----")[0] + "-----END PRIVATE KEY-----\n"
    (tmp_path / "k.pem").write_text(key)

    def canonical(path: Path) -> str:
        return subprocess.run(["openssl", "pkey", "-in", str(path)], check=True,
                              capture_output=True, text=True, timeout=30).stdout

    assert canonical(tmp_path / "k.pem") == canonical(tls / "tls.key")
    assert out.read_text().count("BEGIN CERTIFICATE") == 1


def test_keystore_refuses_an_ec_key_in_sec1_form(tmp_path: Path):
    tls = make_tls(tmp_path / "tls", ["kafka"])
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                    "-out", str(tls / "tls.key")], check=True, capture_output=True, timeout=30)
    result = subprocess.run(["bash", str(TLS_SH), "keystore", str(tls), str(tmp_path / "o")],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode != 0
    assert "EC key in SEC1 form; convert it to PKCS#8" in result.stderr


def start(broker: SecureBroker, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    for tool in ("kafka-server-start.sh", "zookeeper-shell.sh", "kafka-configs.sh"):
        shutil.copy(FIXTURES / tool, home / "bin")
    env = {**broker.env, "KAFKA_HOME": str(home), "FAKE_KAFKA_ARGS": str(tmp_path / "args"),
           "FAKE_KAFKA_ENV": str(tmp_path / "kafka-env"), "FAKE_ZK_CALLS": str(tmp_path / "zk"),
           "FAKE_CONFIGS_CALLS": str(tmp_path / "configs"), **extra}
    return subprocess.run(["bash", str(broker.chart_dir / "start.sh")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_start_writes_scram_credentials_of_every_user_before_the_broker(tmp_path: Path):
    values = {**SASL_SSL, "zookeeper": {"auth": {"enabled": True}, "chroot": "/kafka/orders"}}
    broker = SecureBroker(tmp_path, values)
    result = start(broker, tmp_path)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "configs").read_text().splitlines()
    args = [c for c in calls if c.startswith("ARGS ")]
    assert [a.split()[-3] for a in args] == ["user1", "inter_broker"]
    assert all("--zookeeper kafka-zookeeper:2181/kafka/orders --alter --entity-type users"
               in a for a in args)
    assert [c for c in calls if c.startswith("FILE ")] == [
        f"FILE SCRAM-SHA-512=password={PASSWORDS['user1']}",
        f"FILE SCRAM-SHA-512=password={PASSWORDS['inter_broker']}"]
    jaas = f"-Djava.security.auth.login.config={broker.config_dir}/zookeeper-jaas.conf"
    assert all(c == f"KAFKA_OPTS {jaas}" for c in calls if c.startswith("KAFKA_OPTS"))
    # The chroot exists before kafka-configs.sh writes under it, with the broker's ACL.
    zk = (tmp_path / "zk").read_text().splitlines()
    assert zk[0].endswith("|kafka-zookeeper:2181 create /kafka  sasl:kafka:cdrwa,world:anyone:r")
    assert zk[1].endswith("|kafka-zookeeper:2181 create /kafka/orders  "
                          "sasl:kafka:cdrwa,world:anyone:r")
    # The password file is gone, no password in the output, the broker alone has the JAAS.
    assert not (broker.config_dir / "scram-credentials.properties").exists()
    assert not any(p in result.stdout + result.stderr for p in PASSWORDS.values())
    assert f"KAFKA_OPTS={jaas}" in (tmp_path / "kafka-env").read_text().splitlines()


def test_start_stops_when_zookeeper_refuses_the_credentials_without_printing_them(
        tmp_path: Path):
    broker = SecureBroker(tmp_path, SASL_SSL)
    result = start(broker, tmp_path, FAKE_CONFIGS_FAIL="1")
    assert result.returncode == 1
    assert "could not write the SCRAM credentials of user user1" in result.stderr
    assert "Path length must be > 0" in result.stderr
    assert not any(p in result.stdout + result.stderr for p in PASSWORDS.values())
    assert not (tmp_path / "args").exists()  # the broker never started


def test_start_waits_for_a_zookeeper_that_is_not_serving_yet(tmp_path: Path):
    broker = SecureBroker(tmp_path, SASL_SSL)
    result = start(broker, tmp_path, FAKE_CONFIGS_TIMEOUTS="2", SCRAM_WRITE_POLL_SECONDS="0")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("is not answering yet; retrying the SCRAM credentials") == 2
    assert (tmp_path / "args").exists()  # then the broker started


def test_start_gives_up_on_zookeeper_after_its_bound(tmp_path: Path):
    broker = SecureBroker(tmp_path, SASL_SSL)
    result = start(broker, tmp_path, FAKE_CONFIGS_TIMEOUTS="1000", SCRAM_WRITE_SECONDS="1",
                   SCRAM_WRITE_POLL_SECONDS="0.3")
    assert result.returncode == 1
    assert "could not write the SCRAM credentials of user user1" in result.stderr
    assert "Timed out waiting for connection" in result.stderr
    assert not (tmp_path / "args").exists()


def test_plain_only_writes_no_scram_credentials(tmp_path: Path):
    values = {**SASL_SSL, "auth": {"sasl": {"mechanisms": ["PLAIN"],
                                            "interBrokerMechanism": "PLAIN"}}}
    result = start(SecureBroker(tmp_path, values), tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "configs").exists()


def test_helm_test_client_config_from_the_mounted_secrets(tmp_path: Path):
    values = {**SASL_SSL, "tls": {"clientAuth": "required", "existingSecret": "kafka-tls"}}
    objs = render_chart("kafka", values, release="kafka", namespace="streaming")
    container = one(objs, "Pod")["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    tls = make_tls(tmp_path / "tls", [WILDCARD, "kafka.streaming.svc.cluster.local"], pkcs1=True)
    users = write_users(tmp_path / "users", {"user1": PASSWORDS["user1"]})
    env.update(PATH=os.environ["PATH"], TLS_DIR=str(tls), USERS_DIR=str(users),
               CLIENT_PROPERTIES=str(tmp_path / "config" / "client.properties"))
    result = subprocess.run(["bash", str(CHARTS / "kafka" / "files" / "client-config.sh")],
                            env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    client = parse_properties((tmp_path / "config" / "client.properties").read_text())
    assert client["security.protocol"] == "SASL_SSL"
    assert client["sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="user1" password="{PASSWORDS["user1"]}";')
    assert client["ssl.truststore.location"] == f"{tls}/ca.crt"
    assert Path(client["ssl.keystore.location"]).exists()  # mutual TLS
    assert mode(tmp_path / "config" / "client.properties") == 0o600
