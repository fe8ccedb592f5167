"""A minimal ZooKeeper client over the wire protocol (jute), for timing-exact checks.

zkCli.sh starts a JVM per command (seconds on 2 busy cores), which blurs a measurement
such as "writes resumed 2.4 s after the leader was deleted". This speaks the protocol
from the host directly to a server's pod IP: a session handshake, ``create``, ``get``,
``children``, ``close``, and the four-letter word ``srvr``. Sessions are short-lived.

A session may authenticate (``auth``: SASL DIGEST-MD5, what the zookeeper chart's
``auth.client`` configures; needed when the server enforces authentication) and may run
over TLS (``tls``: an ``ssl.SSLContext`` for a secure client port, hostname verified).
Without either it is the anonymous plain session of today's install.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import struct
from dataclasses import dataclass, field

from .digest_md5 import DigestMD5Client
from .frames import recv_frame

OPEN_ACL_UNSAFE = ((31, "world", "anyone"),)
OP_CREATE, OP_DELETE, OP_GET_DATA, OP_GET_CHILDREN, OP_SASL, OP_CLOSE = 1, 2, 4, 8, 102, -11
NODE_EXISTS = -110
NO_NODE = -101
NO_AUTH = -102
AUTH_FAILED = -115


@dataclass(frozen=True)
class ZkAuth:
    """SASL DIGEST-MD5 credentials of a ZooKeeper client (the password never in repr)."""

    username: str
    password: str = field(repr=False)


def auth_from_env(namespace: str, env: dict[str, str] | None = None) -> ZkAuth | None:
    """E2E_ZK_SASL_USER + E2E_ZK_SASL_SECRET (+ E2E_ZK_SASL_PASSWORD_KEY, default
    client-password): the password read from that Secret with kubectl. None: anonymous."""
    env = dict(os.environ if env is None else env)
    user, secret = env.get("E2E_ZK_SASL_USER"), env.get("E2E_ZK_SASL_SECRET")
    if not user and not secret:
        return None
    if not (user and secret):
        raise ValueError("ZooKeeper SASL needs both E2E_ZK_SASL_USER and E2E_ZK_SASL_SECRET")
    from .security import secret_value

    key = env.get("E2E_ZK_SASL_PASSWORD_KEY") or "client-password"
    return ZkAuth(user, secret_value(namespace, secret, key))


class ZkError(Exception):
    def __init__(self, op: str, code: int) -> None:
        super().__init__(f"{op}: ZooKeeper error {code}")
        self.code = code


def _frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def _read_frame(sock: socket.socket) -> bytes:
    return recv_frame(sock, "server (not serving?)")


def _ustring(value: str) -> bytes:
    data = value.encode()
    return struct.pack(">i", len(data)) + data


def _buffer(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


class Session:
    """One ZooKeeper session on one server; use as a context manager."""

    def __init__(self, host: str, port: int = 2181, timeout: float = 3.0,
                 auth: ZkAuth | None = None, tls: ssl.SSLContext | None = None) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.xid = 0
        try:
            if tls is not None:
                self.sock = tls.wrap_socket(self.sock, server_hostname=host)
            # ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly
            self.sock.sendall(_frame(struct.pack(">iqiq", 0, 0, 10000, 0)
                                     + _buffer(b"\0" * 16) + b"\0"))
            reply = _read_frame(self.sock)
            _, negotiated, session_id = struct.unpack(">iiq", reply[:16])
            if negotiated <= 0 or session_id == 0:
                raise ConnectionError("server refused the session (not serving?)")
            if auth is not None:
                self._authenticate(auth)
        except BaseException:
            self.sock.close()
            raise

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.sock.sendall(_frame(struct.pack(">ii", self._next_xid(), OP_CLOSE)))
            _read_frame(self.sock)
        except OSError:
            pass
        finally:
            self.sock.close()

    def _authenticate(self, auth: ZkAuth) -> None:
        """DIGEST-MD5: an empty first token, the server's challenge, our response, its
        rspauth. A wrong password is answered with AUTH_FAILED (and the session closed)."""
        digest = DigestMD5Client(auth.username, auth.password)

        def exchange(token: bytes) -> bytes:
            body = self._call(OP_SASL, _buffer(token), f"SASL DIGEST-MD5 as {auth.username!r}")
            (size,) = struct.unpack(">i", body[:4])
            return b"" if size < 0 else body[4:4 + size]

        digest.verify(exchange(digest.respond(exchange(b""))))

    def _next_xid(self) -> int:
        self.xid += 1
        return self.xid

    def _call(self, op: int, body: bytes, name: str) -> bytes:
        xid = self._next_xid()
        self.sock.sendall(_frame(struct.pack(">ii", xid, op) + body))
        while True:
            reply = _read_frame(self.sock)
            rxid, _zxid, err = struct.unpack(">iqi", reply[:16])
            if rxid == xid:
                break  # anything else is a watch event (-1) or ping (-2): not ours
        if err:
            raise ZkError(name, err)
        return reply[16:]

    def create(self, path: str, data: bytes) -> None:
        acl = struct.pack(">i", len(OPEN_ACL_UNSAFE)) + b"".join(
            struct.pack(">i", perms) + _ustring(scheme) + _ustring(ident)
            for perms, scheme, ident in OPEN_ACL_UNSAFE)
        self._call(OP_CREATE, _ustring(path) + _buffer(data) + acl + struct.pack(">i", 0),
                   f"create {path}")

    def delete(self, path: str, version: int = -1) -> None:
        self._call(OP_DELETE, _ustring(path) + struct.pack(">i", version), f"delete {path}")

    def get(self, path: str) -> bytes:
        body = self._call(OP_GET_DATA, _ustring(path) + b"\0", f"get {path}")
        (size,) = struct.unpack(">i", body[:4])
        return b"" if size < 0 else body[4:4 + size]

    def children(self, path: str) -> list[str]:
        body = self._call(OP_GET_CHILDREN, _ustring(path) + b"\0", f"ls {path}")
        (count,) = struct.unpack(">i", body[:4])
        names, pos = [], 4
        for _ in range(max(count, 0)):
            (size,) = struct.unpack(">i", body[pos:pos + 4])
            names.append(body[pos + 4:pos + 4 + size].decode())
            pos += 4 + size
        return names


def create_or_exists(host: str, path: str, data: bytes, auth: ZkAuth | None = None) -> str:
    """Create ``path``; a NodeExists answer means an earlier, interrupted attempt won."""
    with Session(host, auth=auth) as zk:
        try:
            zk.create(path, data)
            return "created"
        except ZkError as exc:
            if exc.code == NODE_EXISTS:
                return "existed"
            raise


def get(host: str, path: str, auth: ZkAuth | None = None) -> bytes | None:
    with Session(host, auth=auth) as zk:
        try:
            return zk.get(path)
        except ZkError as exc:
            if exc.code == NO_NODE:
                return None
            raise


def four_letter(host: str, word: str = "srvr", port: int = 2181, timeout: float = 3.0) -> str:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(word.encode())
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def mode(host: str) -> str:
    """``leader``/``follower``/``standalone``/…, or ``not serving: …``."""
    try:
        out = four_letter(host)
    except OSError as exc:
        return f"not serving: {exc}"
    found = re.search(r"^Mode: (\w+)", out, re.MULTILINE)
    return found.group(1) if found else f"not serving: {out.strip()[:80]}"
