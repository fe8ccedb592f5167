"""The e2e Metadata wire client (e2e/stack_e2e/kafka_wire.py) on every listener kind,
against a fake broker in this process: PLAINTEXT as today, and TLS (a CA made here,
hostname verified) with SASL SCRAM-SHA-512 or PLAIN in Kafka's framing (SaslHandshake v1,
SaslAuthenticate v0). The fake broker checks the SCRAM proof with the RFC 5802 server
math, so a wrong password is refused as a broker refuses it. No cluster needed."""

import base64
import hashlib
import hmac
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from stack_e2e import kafka_wire
from stack_e2e.security import KafkaSecurity, from_env

USER, PASSWORD = "e2e-client", "s3cret-Pa55"
SALT, ITERATIONS = b"fake-broker-salt", 4096
SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM = 58, 33


def _string(value: str | None) -> bytes:
    if value is None:
        return struct.pack(">h", -1)
    data = value.encode()
    return struct.pack(">h", len(data)) + data


class ScramServer:
    """The broker's half of SCRAM-SHA-512 for one user (what Kafka computes from the
    credential stored in ZooKeeper)."""

    def __init__(self) -> None:
        salted = hashlib.pbkdf2_hmac("sha512", PASSWORD.encode(), SALT, ITERATIONS)
        client_key = hmac.new(salted, b"Client Key", "sha512").digest()
        self.stored_key = hashlib.sha512(client_key).digest()
        self.server_key = hmac.new(salted, b"Server Key", "sha512").digest()
        self.first_bare = self.server_first = ""

    def first(self, message: bytes) -> bytes:
        gs2, _, bare = message.decode().partition(",,")
        assert gs2 == "n"
        self.first_bare = bare
        attrs = dict(p.split("=", 1) for p in bare.split(","))
        assert attrs["n"] == USER
        self.server_first = (f"r={attrs['r']}srv-nonce,s={base64.b64encode(SALT).decode()},"
                             f"i={ITERATIONS}")
        return self.server_first.encode()

    def final(self, message: bytes) -> bytes | None:
        without_proof, _, proof = message.decode().rpartition(",p=")
        auth = f"{self.first_bare},{self.server_first},{without_proof}".encode()
        signature = hmac.new(self.stored_key, auth, "sha512").digest()
        client_key = bytes(a ^ b for a, b in zip(base64.b64decode(proof), signature, strict=True))
        if hashlib.sha512(client_key).digest() != self.stored_key:
            return None
        return b"v=" + base64.b64encode(hmac.new(self.server_key, auth, "sha512").digest())


class FakeBroker:
    """Answers SaslHandshake, SaslAuthenticate and Metadata v1 (one broker, no topics) on
    127.0.0.1, optionally behind TLS."""

    def __init__(self, tls: ssl.SSLContext | None = None, mechanism: str = "SCRAM-SHA-512") -> None:
        self.tls, self.mechanism = tls, mechanism
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.errors: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        scram = ScramServer()
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            with conn:
                while True:
                    head = conn.recv(4)
                    if len(head) < 4:
                        return
                    (size,) = struct.unpack(">i", head)
                    frame = b""
                    while len(frame) < size:
                        frame += conn.recv(size - len(frame))
                    key, _version, corr, idlen = struct.unpack(">hhih", frame[:10])
                    body = frame[10 + idlen:]
                    answer = self._answer(key, body, scram)
                    reply = struct.pack(">i", corr) + answer
                    conn.sendall(struct.pack(">i", len(reply)) + reply)
        except (OSError, ssl.SSLError) as exc:
            self.errors.append(repr(exc))

    def _answer(self, key: int, body: bytes, scram: ScramServer) -> bytes:
        if key == kafka_wire.SASL_HANDSHAKE:
            (size,) = struct.unpack(">h", body[:2])
            asked = body[2:2 + size].decode()
            error = 0 if asked == self.mechanism else UNSUPPORTED_SASL_MECHANISM
            return struct.pack(">hi", error, 1) + _string(self.mechanism)
        if key == kafka_wire.SASL_AUTHENTICATE:
            (size,) = struct.unpack(">i", body[:4])
            token = body[4:4 + size]
            if self.mechanism == "PLAIN":
                reply = b"" if token == f"\0{USER}\0{PASSWORD}".encode() else None
            elif not scram.first_bare:
                reply = scram.first(token)
            else:
                reply = scram.final(token)
            if reply is None:
                return (struct.pack(">h", SASL_AUTHENTICATION_FAILED)
                        + _string(f"Authentication failed for user {USER}") + struct.pack(">i", 0))
            return struct.pack(">h", 0) + _string(None) + struct.pack(">i", len(reply)) + reply
        assert key == kafka_wire.METADATA
        return (struct.pack(">ii", 1, 0) + _string("localhost") + struct.pack(">i", self.port)
                + _string(None) + struct.pack(">ii", 0, 0))

    def close(self) -> None:
        self.listener.close()


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("pki")
    for ca in ("ca", "other-ca"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                 f"/CN={ca}", "-keyout", str(d / f"{ca}.key"), "-out", str(d / f"{ca}.crt"))
    (d / "ext").write_text("subjectAltName=DNS:localhost\n")
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-keyout", str(d / "broker.key"), "-out", str(d / "broker.csr"))
    _openssl("x509", "-req", "-in", str(d / "broker.csr"), "-CA", str(d / "ca.crt"),
             "-CAkey", str(d / "ca.key"), "-CAcreateserial", "-days", "1",
             "-extfile", str(d / "ext"), "-out", str(d / "broker.crt"))
    return {"ca": d / "ca.crt", "other-ca": d / "other-ca.crt", "crt": d / "broker.crt",
            "key": d / "broker.key"}


def tls_server(pki: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["crt"], pki["key"])
    return context


def test_plaintext_metadata_is_unchanged():
    broker = FakeBroker()
    try:
        meta = kafka_wire.metadata("127.0.0.1", broker.port)
        assert meta.brokers == {0: ("localhost", broker.port)}
        assert kafka_wire.metadata("127.0.0.1", broker.port, security=KafkaSecurity()).brokers
    finally:
        broker.close()


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "PLAIN"])
def test_sasl_ssl_with_the_ca_and_the_right_password(pki, mechanism):
    broker = FakeBroker(tls_server(pki), mechanism)
    security = KafkaSecurity("SASL_SSL", broker.port, str(pki["ca"]), mechanism, USER, PASSWORD)
    try:
        meta = kafka_wire.metadata("localhost", security=security)
        assert meta.brokers == {0: ("localhost", broker.port)}
        assert PASSWORD not in repr(security)
    finally:
        broker.close()


def test_wrong_password_wrong_ca_wrong_name_and_plaintext_all_fail(pki):
    broker = FakeBroker(tls_server(pki))
    good = KafkaSecurity("SASL_SSL", broker.port, str(pki["ca"]), "SCRAM-SHA-512", USER, PASSWORD)
    try:
        with pytest.raises(kafka_wire.AuthenticationFailed, match="failed") as refused:
            kafka_wire.metadata("localhost", security=good.with_(password="wrong"))
        assert refused.value.code == SASL_AUTHENTICATION_FAILED
        with pytest.raises(kafka_wire.AuthenticationFailed, match="does not enable"):
            kafka_wire.metadata("localhost", security=good.with_(mechanism="SCRAM-SHA-256"))
        with pytest.raises(ssl.SSLCertVerificationError):
            kafka_wire.metadata("localhost", security=good.with_(cafile=str(pki["other-ca"])))
        with pytest.raises(ssl.SSLCertVerificationError, match=r"[Hh]ostname|IP address"):
            kafka_wire.metadata("127.0.0.1", security=good)  # not a name in the certificate
        with pytest.raises((OSError, ValueError)):
            kafka_wire.metadata("localhost", broker.port, timeout=2)  # PLAINTEXT on TLS
    finally:
        broker.close()


def test_security_from_the_environment(monkeypatch):
    assert from_env("ns", {}) == KafkaSecurity()
    assert from_env("ns", {"E2E_KAFKA_PORT": "9093"}).port == 9093
    with pytest.raises(ValueError, match="E2E_KAFKA_CA_SECRET"):
        from_env("ns", {"E2E_KAFKA_SECURITY_PROTOCOL": "SSL"})
    with pytest.raises(ValueError, match="E2E_KAFKA_SASL_USER, E2E_KAFKA_SASL_SECRET"):
        from_env("ns", {"E2E_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"})
    with pytest.raises(ValueError, match="one of"):
        KafkaSecurity("TLS")

    read: list[tuple[str, str, str]] = []

    def secret_value(namespace: str, name: str, key: str) -> str:
        read.append((namespace, name, key))
        return "-----BEGIN CERTIFICATE-----\n" if key == "ca.crt" else PASSWORD

    monkeypatch.setattr("stack_e2e.security.secret_value", secret_value)
    sec = from_env("stack-e2e", {
        "E2E_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "E2E_KAFKA_CA_SECRET": "kafka-tls",
        "E2E_KAFKA_SASL_USER": USER, "E2E_KAFKA_SASL_SECRET": "kafka-users",
        "E2E_KAFKA_SASL_PASSWORD_KEY": "client-password"})
    assert read == [("stack-e2e", "kafka-tls", "ca.crt"),
                    ("stack-e2e", "kafka-users", "client-password")]
    assert sec.password == PASSWORD and PASSWORD not in repr(sec)
    assert sec.cafile and oct(os.stat(sec.cafile).st_mode & 0o777) == "0o600"
    assert sec.kafka_python() == {
        "security_protocol": "SASL_SSL", "ssl_cafile": sec.cafile, "ssl_check_hostname": True,
        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": USER,
        "sasl_plain_password": PASSWORD}
    assert KafkaSecurity().kafka_python() == {"security_protocol": "PLAINTEXT"}
