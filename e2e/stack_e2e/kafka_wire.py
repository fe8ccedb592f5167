"""Kafka metadata straight from ONE broker (Metadata request v1 over a plain socket).

A client library sends metadata requests to whichever broker it likes; a check that
watches a rolling restart needs to ask each broker itself, quickly, and see a broker
that is down as "no answer" instead of a 30 s client timeout. v1 carries what the checks
read (brokers, controller, partition leader/replicas/ISR) and every Kafka since 0.10
answers it.

On a secure listener (``security``, see stack_e2e.security) the socket is wrapped in TLS
(the CA, hostname verified) and/or authenticated first: SaslHandshake v1, then
SaslAuthenticate v0 frames carrying the SCRAM exchange (stack_e2e.scram) or PLAIN.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .frames import recv_frame
from .scram import ScramClient

if TYPE_CHECKING:
    from .security import KafkaSecurity

METADATA, VERSION = 3, 1
SASL_HANDSHAKE, SASL_AUTHENTICATE = 17, 36
LEADER_NOT_AVAILABLE = 5
CLIENT_ID = b"stack-e2e"


class AuthenticationFailed(ConnectionError):
    """The broker refused the SASL mechanism or the credentials (error code kept)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Partition:
    topic: str
    index: int
    error: int
    leader: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]

    @property
    def online(self) -> bool:
        return self.leader >= 0 and self.error != LEADER_NOT_AVAILABLE


@dataclass
class Metadata:
    answered_by: str
    brokers: dict[int, tuple[str, int]] = field(default_factory=dict)
    controller: int = -1
    topic_errors: dict[str, int] = field(default_factory=dict)
    partitions: list[Partition] = field(default_factory=list)

    def of(self, topic: str) -> list[Partition]:
        return sorted((p for p in self.partitions if p.topic == topic), key=lambda p: p.index)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple[int, ...]:
        size = struct.calcsize(fmt)
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def int16(self) -> int:
        return self.take(">h")[0]

    def int32(self) -> int:
        return self.take(">i")[0]

    def string(self) -> str | None:
        size = self.int16()
        if size < 0:
            return None
        value = self.data[self.pos:self.pos + size].decode()
        self.pos += size
        return value

    def int32s(self) -> tuple[int, ...]:
        return tuple(self.int32() for _ in range(self.int32()))


def _bytes(r: _Reader) -> bytes:
    size = r.int32()
    if size < 0:
        return b""
    value = r.data[r.pos:r.pos + size]
    r.pos += size
    return value


def _call(sock: socket.socket, api_key: int, version: int, correlation: int,
          body: bytes) -> _Reader:
    """One request (header v1: key, version, correlation id, client id) and its answer,
    positioned after the correlation id."""
    header = struct.pack(">hhih", api_key, version, correlation, len(CLIENT_ID)) + CLIENT_ID
    sock.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
    r = _Reader(recv_frame(sock, "broker"))
    if r.int32() != correlation:
        raise ValueError(f"broker answered another request than {correlation}")
    return r


def _authenticate(sock: socket.socket, security: KafkaSecurity) -> int:
    """SASL on ``sock``; returns the next free correlation id."""
    mechanism = security.mechanism.encode()
    r = _call(sock, SASL_HANDSHAKE, 1, 1, struct.pack(">h", len(mechanism)) + mechanism)
    error = r.int16()
    offered = [r.string() or "" for _ in range(r.int32())]
    if error:
        raise AuthenticationFailed(f"broker does not enable {security.mechanism} "
                                   f"(offers {', '.join(offered) or 'none'}; error {error})",
                                   error)
    correlation = 2

    def exchange(token: bytes) -> bytes:
        nonlocal correlation
        r = _call(sock, SASL_AUTHENTICATE, 0, correlation, struct.pack(">i", len(token)) + token)
        correlation += 1
        code, message, answer = r.int16(), r.string(), _bytes(r)
        if code:
            raise AuthenticationFailed(f"SASL {security.mechanism} authentication as "
                                       f"{security.username!r} failed: {message} (error {code})",
                                       code)
        return answer

    user, password = (security.username or "").encode(), (security.password or "").encode()
    if security.mechanism == "PLAIN":
        exchange(b"\0" + user + b"\0" + password)
    else:
        scram = ScramClient(security.mechanism, security.username or "", security.password or "")
        scram.verify(exchange(scram.final(exchange(scram.first()))))
    return correlation


def connect(host: str, port: int, timeout: float = 3.0,
            security: KafkaSecurity | None = None) -> tuple[socket.socket, int]:
    """A connection ready for requests (TLS and SASL done when ``security`` asks for
    them) and the next free correlation id."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if security is None or security.protocol == "PLAINTEXT":
            return sock, 1
        sock = security.wrap(sock, host)
        return sock, _authenticate(sock, security) if security.sasl else 1
    except BaseException:
        sock.close()
        raise


def metadata(host: str, port: int | None = None, topics: list[str] | None = None,
             timeout: float = 3.0, security: KafkaSecurity | None = None) -> Metadata:
    """Ask the broker at host:port (default: the security's port, else 9092);
    ``topics=None`` means every topic.

    Before v4 a Metadata request cannot opt out of auto-creation: naming a topic that
    does not exist creates it when auto.create.topics.enable is true. Ask with
    ``topics=None`` to see whether a topic is gone.
    """
    port = port if port is not None else (security.port if security else 9092)
    if topics is None:
        body = struct.pack(">i", -1)
    else:
        body = struct.pack(">i", len(topics))
        for topic in topics:
            name = topic.encode()
            body += struct.pack(">h", len(name)) + name
    sock, correlation = connect(host, port, timeout, security)
    with sock:
        r = _call(sock, METADATA, VERSION, correlation, body)
    meta = Metadata(answered_by=f"{host}:{port}")
    for _ in range(r.int32()):
        node, host_, port_ = r.int32(), r.string() or "", r.int32()
        r.string()  # rack
        meta.brokers[node] = (host_, port_)
    meta.controller = r.int32()
    for _ in range(r.int32()):
        error, name = r.int16(), r.string() or ""
        r.take(">b")  # is_internal
        meta.topic_errors[name] = error
        for _ in range(r.int32()):
            perr, index, leader = r.int16(), r.int32(), r.int32()
            replicas, isr = r.int32s(), r.int32s()
            meta.partitions.append(Partition(name, index, perr, leader, replicas, isr))
    return meta
