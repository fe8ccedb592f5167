"""The e2e ZooKeeper wire client's SASL (e2e/stack_e2e/digest_md5.py, zk_wire.py): the
DIGEST-MD5 math against RFC 2831's own exchange, and a session against a fake ZooKeeper
in this process that checks the digest response with the RFC formula and refuses a wrong
password as ZooKeeper does (AUTH_FAILED). Anonymous sessions stay as they are. No cluster."""

import hashlib
import socket
import struct
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from stack_e2e import zk_wire
from stack_e2e.digest_md5 import DigestError, DigestMD5Client, parse

USER, PASSWORD, REALM, NONCE = "kafka", "zk-Pa55word", "zk-sasl-md5", "srv-nonce-123"


def test_digest_md5_matches_rfc_2831():
    # RFC 2831 section 4: chris / secret, IMAP on elwood.innosoft.com
    client = DigestMD5Client("chris", "secret", protocol="imap", server="elwood.innosoft.com",
                             cnonce="OA6MHXh6VqTrRk")
    answer = parse(client.respond(b'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",'
                                  b'qop="auth",algorithm=md5-sess,charset=utf-8'))
    assert answer["response"] == "d388dad90d4bbd760a152321f2143af7"
    assert answer["digest-uri"] == "imap/elwood.innosoft.com"
    client.verify(b"rspauth=ea40f60335c427b5527b84dbabcdfffd")
    with pytest.raises(DigestError, match="rspauth does not match"):
        client.verify(b"rspauth=00000000000000000000000000000000")
    assert "secret" not in repr(client)


def _md5hex(text: str | bytes) -> str:
    return hashlib.md5(text if isinstance(text, bytes) else text.encode()).hexdigest()


def expected(d: dict[str, str], password: str, a2_prefix: str) -> str:
    """RFC 2831 2.1.2.1, written out independently of the client."""
    a1 = (hashlib.md5(f"{d['username']}:{d['realm']}:{password}".encode()).digest()
          + f":{d['nonce']}:{d['cnonce']}".encode())
    a2 = f"{a2_prefix}:{d['digest-uri']}"
    return _md5hex(f"{_md5hex(a1)}:{d['nonce']}:{d['nc']}:{d['cnonce']}:{d['qop']}:"
                   f"{_md5hex(a2)}")


class FakeZooKeeper:
    """Connect, SASL (DIGEST-MD5 server side), create and close; creates need auth when
    ``enforce`` is set (enforce.auth.enabled)."""

    def __init__(self, enforce: bool) -> None:
        self.enforce = enforce
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _read(conn: socket.socket) -> bytes:
        (size,) = struct.unpack(">i", conn.recv(4))
        data = b""
        while len(data) < size:
            data += conn.recv(size - len(data))
        return data

    @staticmethod
    def _send(conn: socket.socket, payload: bytes) -> None:
        conn.sendall(struct.pack(">i", len(payload)) + payload)

    def _handle(self, conn: socket.socket) -> None:
        authed, step = False, 0
        with conn:
            self._read(conn)  # ConnectRequest
            self._send(conn, struct.pack(">iiq", 0, 10000, 42) + struct.pack(">i", 16)
                       + b"\0" * 16)
            while True:
                try:
                    frame = self._read(conn)
                except (OSError, struct.error):
                    return
                xid, op = struct.unpack(">ii", frame[:8])
                err, body = 0, b""
                if op == zk_wire.OP_SASL:
                    (size,) = struct.unpack(">i", frame[8:12])
                    token = frame[12:12 + size]
                    if step == 0:
                        assert token == b""
                        reply = (f'realm="{REALM}",nonce="{NONCE}",qop="auth",charset=utf-8,'
                                 "algorithm=md5-sess").encode()
                    else:
                        d = parse(token)
                        assert d["digest-uri"] == "zookeeper/zk-sasl-md5"
                        if d["response"] != expected(d, PASSWORD, "AUTHENTICATE"):
                            self._send(conn, struct.pack(">iqi", xid, 0, zk_wire.AUTH_FAILED))
                            return
                        authed = True
                        reply = f"rspauth={expected(d, PASSWORD, '')}".encode()
                    step += 1
                    body = struct.pack(">i", len(reply)) + reply
                elif op == zk_wire.OP_CREATE:
                    if self.enforce and not authed:
                        err = zk_wire.NO_AUTH
                    else:
                        (size,) = struct.unpack(">i", frame[8:12])
                        body = struct.pack(">i", size) + frame[12:12 + size]
                elif op == zk_wire.OP_CLOSE:
                    self._send(conn, struct.pack(">iqi", xid, 0, 0))
                    return
                self._send(conn, struct.pack(">iqi", xid, 0, err) + body)

    def close(self) -> None:
        self.listener.close()


def test_sessions_anonymous_authenticated_and_refused():
    zk = FakeZooKeeper(enforce=True)
    try:
        with pytest.raises(zk_wire.ZkError) as anonymous:
            zk_wire.Session("127.0.0.1", zk.port).create("/brokers/x", b"")
        assert anonymous.value.code == zk_wire.NO_AUTH
        auth = zk_wire.ZkAuth(USER, PASSWORD)
        assert PASSWORD not in repr(auth)
        with zk_wire.Session("127.0.0.1", zk.port, auth=auth) as session:
            session.create("/e2e", b"data")
        with pytest.raises(zk_wire.ZkError) as refused:
            zk_wire.Session("127.0.0.1", zk.port, auth=zk_wire.ZkAuth(USER, "wrong"))
        assert refused.value.code == zk_wire.AUTH_FAILED
    finally:
        zk.close()


def test_zookeeper_auth_from_the_environment(monkeypatch):
    assert zk_wire.auth_from_env("ns", {}) is None
    with pytest.raises(ValueError, match="both"):
        zk_wire.auth_from_env("ns", {"E2E_ZK_SASL_USER": "kafka"})
    monkeypatch.setattr("stack_e2e.security.secret_value",
                        lambda ns, name, key: f"{ns}/{name}/{key}")
    auth = zk_wire.auth_from_env("stack-e2e", {"E2E_ZK_SASL_USER": "kafka",
                                               "E2E_ZK_SASL_SECRET": "zk-auth"})
    assert auth == zk_wire.ZkAuth("kafka", "stack-e2e/zk-auth/client-password")
