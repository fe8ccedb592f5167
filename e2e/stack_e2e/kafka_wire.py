"""Kafka metadata straight from ONE broker (Metadata request v1 over a plain socket).

A client library sends metadata requests to whichever broker it likes; a check that
watches a rolling restart needs to ask each broker itself, quickly, and see a broker
that is down as "no answer" instead of a 30 s client timeout. v1 carries what the checks
read (brokers, controller, partition leader/replicas/ISR) and every Kafka since 0.10
answers it.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

from .frames import recv_frame

METADATA, VERSION = 3, 1
LEADER_NOT_AVAILABLE = 5


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


def metadata(host: str, port: int = 9092, topics: list[str] | None = None,
             timeout: float = 3.0) -> Metadata:
    """Ask the broker at host:port; ``topics=None`` means every topic.

    Before v4 a Metadata request cannot opt out of auto-creation: naming a topic that
    does not exist creates it when auto.create.topics.enable is true. Ask with
    ``topics=None`` to see whether a topic is gone.
    """
    client = b"stack-e2e"
    body = struct.pack(">hhih", METADATA, VERSION, 1, len(client)) + client
    if topics is None:
        body += struct.pack(">i", -1)
    else:
        body += struct.pack(">i", len(topics))
        for topic in topics:
            name = topic.encode()
            body += struct.pack(">h", len(name)) + name
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        r = _Reader(recv_frame(sock, "broker"))
    r.int32()  # correlation id
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
