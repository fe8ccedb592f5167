"""kcat (librdkafka, Debian's package): the second, independent Kafka client of the checks.

Our other clients are Python (kafka-python, stack_e2e.kafka_wire); a listener that only
works with one client library is not proven. kcat runs as a plain host process: it
resolves names with the host's resolver only (no cluster DNS), like any client outside
the cluster.

Its settings (protocol, SASL user and password, CA, hostname verification) go to a
librdkafka config file (``kcat -F``) that only this user can read, removed when the
process exits: the password is never on a command line, in the environment or in a log.

    kcat = Kcat.for_security("10.213.0.10:31099", security)
    kcat.metadata()                      # kcat -L -J
    kcat.produce("t", 0, ["a", "b"])     # kcat -P, acks=all
    kcat.consume("t", 0, 2)              # kcat -C -e
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from .security import KafkaSecurity, private_file

_CONFIGS = itertools.count(1)


class KcatFailed(AssertionError):
    def __init__(self, what: str, proc: subprocess.CompletedProcess[str]) -> None:
        super().__init__(f"kcat {what}: exit {proc.returncode}: "
                         f"{(proc.stderr.strip() or proc.stdout.strip())[-2000:]}")
        self.proc = proc


def binary() -> str:
    found = shutil.which("kcat")
    if not found:
        raise FileNotFoundError("kcat not found on PATH (Debian package kcat; .ci/run installs "
                                "it when missing)")
    return found


def config_text(security: KafkaSecurity) -> str:
    """librdkafka properties for ``security`` (hostname verification always on)."""
    lines = [f"security.protocol={security.protocol.lower()}"]
    if security.tls:
        if not security.cafile:
            raise ValueError(f"{security.protocol} needs the CA")
        lines += [f"ssl.ca.location={security.cafile}",
                  "ssl.endpoint.identification.algorithm=https"]
    if security.sasl:
        lines += [f"sasl.mechanisms={security.mechanism}",
                  f"sasl.username={security.username}",
                  f"sasl.password={security.password}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Kcat:
    bootstrap: str
    config: str   # the private config file (kcat -F)

    @classmethod
    def for_security(cls, bootstrap: str, security: KafkaSecurity) -> Kcat:
        path = private_file(f"kcat-{next(_CONFIGS)}.properties", config_text(security))
        return cls(bootstrap, path)

    def run(self, what: str, *args: str, stdin: str | None = None, timeout: float = 60,
            check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess[str]:
        # -q: no informational lines on stderr (errors still come there; a failed delivery
        # report is informational to kcat, so a run that must show one is not quiet)
        argv = [binary(), *(["-q"] if quiet else []), "-F", self.config, "-b", self.bootstrap,
                *args]
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise KcatFailed(what, proc)
        return proc

    def metadata(self, topic: str | None = None) -> dict[str, Any]:
        """``kcat -L -J`` (one topic or all): brokers as {"id", "name": "host:port"}."""
        args = ["-L", "-J", "-m", "15"]
        if topic:
            args += ["-t", topic]
        out: dict[str, Any] = json.loads(self.run("-L", *args).stdout)
        return out

    def produce(self, topic: str, partition: int, values: list[str],
                timeout: float = 60) -> float:
        """One message per value to ``partition`` with acks=all; kcat waits for every
        delivery report before it exits (non-zero when one failed). Returns seconds."""
        start = time.monotonic()
        self.run(f"-P {topic}/{partition}", "-P", "-t", topic, "-p", str(partition),
                 "-X", "acks=all", "-X", "message.timeout.ms=30000",
                 stdin="".join(v + "\n" for v in values), timeout=timeout)
        return time.monotonic() - start

    def produce_refused(self, topic: str, value: str,
                        timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """A produce expected to fail (e.g. an ACL denies it): the finished kcat run."""
        return self.run(f"-P {topic}", "-P", "-t", topic, "-X", "acks=all",
                        "-X", "message.timeout.ms=15000", stdin=value + "\n",
                        timeout=timeout, check=False, quiet=False)

    def consume(self, topic: str, partition: int, timeout: float = 60) -> list[str]:
        """Every message of ``partition`` from the beginning to its end (``-C -e``)."""
        out = self.run(f"-C {topic}/{partition}", "-C", "-t", topic, "-p", str(partition),
                       "-o", "beginning", "-e", "-f", "%s\\n", timeout=timeout).stdout
        return [line for line in out.splitlines() if line]
