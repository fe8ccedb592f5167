"""Local processes for the opt-in smoke tests (tests/test_*_local_smoke.py): a free loopback
port, waiting for a line in a process's log, a SIGTERM stop, a standalone ZooKeeper.

The smokes run the charts' scripts and real Kafka and ZooKeeper processes outside a cluster;
these are the pieces every one of them needs, kept here once.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path: Path, text: str, seconds: float,
             proc: subprocess.Popen | None = None) -> None:
    """Until `text` is in the file `path`, for up to `seconds` (less if `proc` exits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not in {path} after {seconds}s:\n"
                         + (path.read_text(errors="replace")[-4000:] if path.exists() else ""))


def stop(proc: subprocess.Popen, seconds: float = 90, *, strict: bool = True) -> int:
    """SIGTERM, then the exit code. A process still running after `seconds` is killed;
    with `strict` that is a failure (the pods' scripts must shut down cleanly)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            if strict:
                raise AssertionError(
                    f"no clean shutdown within {seconds:g} s of SIGTERM") from None
    return proc.returncode


ZOOKEEPER_READY = 60  # s: a standalone ZooKeeper answers ruok with imok


@contextmanager
def standalone_zookeeper(tmp: Path, classpath: str, log4j: Path, *,
                         extra_cfg: str = "", jvm_opts: Sequence[str] = ()) -> Iterator[int]:
    """A standalone ZooKeeper (QuorumPeerMain from `classpath`) with its data and log under
    `tmp`, yielding its client port once it answers ruok; stopped on exit."""
    port = free_port()
    cfg = tmp / "zoo.cfg"
    cfg.write_text(f"tickTime=2000\ndataDir={tmp / 'zk'}\nclientPort={port}\n"
                   "admin.enableServer=false\n4lw.commands.whitelist=ruok\n" + extra_cfg)
    log = tmp / "zk.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["java", "-Xmx256M", *jvm_opts, "-cp", classpath,
             f"-Dlog4j.configuration=file:{log4j}",
             "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + ZOOKEEPER_READY
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    s.sendall(b"ruok")
                    if s.recv(4) == b"imok":
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        yield port
    finally:
        stop(proc, 60, strict=False)
