"""The API server on each node's own loopback, while the real one stays on the VM's.

    python3 apiproxy.py PORT NETNS...

For every named network namespace (/run/netns/NETNS) this listens on 127.0.0.1:PORT inside
that namespace and relays each connection, byte for byte, to 127.0.0.1:PORT of the
namespace it was started in. TLS passes through untouched: the kubelet and kube-proxy of
a node see the API server's own certificate (its SANs include 127.0.0.1) and present
their own client certificates to it. A listening socket keeps the namespace it was made
in, so one process serves every node: it enters each namespace only to make the socket.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def listen_in(netns: str, port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:port inside netns; the caller's namespace is kept."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        _setns(target)
        try:
            # the namespace's loopback may still be down
            os.system("ip link set lo up")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen(128)
        finally:
            _setns(home)
    finally:
        os.close(home)
        os.close(target)
    return sock


def _pump(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    # one direction ended: let the other side see EOF, then both threads finish
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


def _relay(client: socket.socket, port: int) -> None:
    with client:
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            return
        with upstream:
            upstream.settimeout(None)
            back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
            back.start()
            _pump(client, upstream)
            back.join()


def _serve(listener: socket.socket, port: int) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_relay, args=(client, port), daemon=True).start()


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: apiproxy.py PORT NETNS...", file=sys.stderr)
        return 2
    port = int(argv[0])
    listeners = [listen_in(ns, port) for ns in argv[1:]]
    print(f"apiproxy: 127.0.0.1:{port} in {', '.join(argv[1:])}", flush=True)
    threads = [threading.Thread(target=_serve, args=(sock, port), daemon=True)
               for sock in listeners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
