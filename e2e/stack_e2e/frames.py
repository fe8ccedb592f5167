"""Length-prefixed frames, the framing ZooKeeper's and Kafka's wire protocols share."""

from __future__ import annotations

import socket
import struct


def recv_exact(sock: socket.socket, n: int, peer: str) -> bytes:
    """Exactly ``n`` bytes; a connection closed early is a ConnectionError naming ``peer``."""
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"{peer} closed the connection")
        buf += chunk
    return buf


def recv_frame(sock: socket.socket, peer: str) -> bytes:
    """One frame: a big-endian int32 length, then that many bytes."""
    (size,) = struct.unpack(">i", recv_exact(sock, 4, peer))
    return recv_exact(sock, size, peer)
