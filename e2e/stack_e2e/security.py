"""How the host-side Kafka clients of the checks talk to the brokers' client listener.

Today's install is PLAINTEXT and needs nothing. A secure install (SSL, SASL_PLAINTEXT,
SASL_SSL) is described by the driver through the environment; the credentials themselves
come from the release's Kubernetes Secrets, read with kubectl at test time:

E2E_KAFKA_SECURITY_PROTOCOL  PLAINTEXT (default) | SSL | SASL_PLAINTEXT | SASL_SSL
E2E_KAFKA_PORT               the client listener's port (default 9092)
E2E_KAFKA_CA_SECRET          Secret holding the CA that signed the brokers' certificates
E2E_KAFKA_CA_KEY             its key (default ca.crt)
E2E_KAFKA_SASL_MECHANISM     SCRAM-SHA-512 (default) | SCRAM-SHA-256 | PLAIN
E2E_KAFKA_SASL_USER          the SASL user
E2E_KAFKA_SASL_SECRET        Secret holding that user's password
E2E_KAFKA_SASL_PASSWORD_KEY  its key (no default: the chart names it)

The password is kept only in memory (never in repr, a log, a figure or the environment);
the CA, which is public, is written to a private temporary file for the TLS libraries.
Hostname verification is always on: clients connect by the brokers' FQDNs.
"""

from __future__ import annotations

import atexit
import base64
import os
import shutil
import socket
import ssl
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .kube import run
from .settings import settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"
    port: int = 9092
    cafile: str | None = None
    mechanism: str = "SCRAM-SHA-512"
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"security protocol {self.protocol!r}: one of {', '.join(PROTOCOLS)}")
        if self.sasl:
            if self.mechanism not in MECHANISMS:
                raise ValueError(f"SASL mechanism {self.mechanism!r}: one of "
                                 f"{', '.join(MECHANISMS)}")
            if not self.username or self.password is None:
                raise ValueError(f"{self.protocol} needs a SASL user and password")

    @property
    def tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    def with_(self, **changes: Any) -> KafkaSecurity:
        """A variant, e.g. a wrong password or another CA, for the negative checks."""
        return replace(self, **changes)

    def ssl_context(self) -> ssl.SSLContext:
        if not self.cafile:
            raise ValueError(f"{self.protocol} needs the CA (E2E_KAFKA_CA_SECRET)")
        return ssl.create_default_context(cafile=self.cafile)  # verifies, checks hostnames

    def wrap(self, sock: socket.socket, host: str) -> socket.socket:
        """The TCP socket as it must be for this listener (TLS when the protocol says so)."""
        if not self.tls:
            return sock
        return self.ssl_context().wrap_socket(sock, server_hostname=host)

    def kafka_python(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's producer, consumer and admin client."""
        config: dict[str, Any] = {"security_protocol": self.protocol}
        if self.tls:
            config.update(ssl_cafile=self.cafile, ssl_check_hostname=True)
        if self.sasl:
            config.update(sasl_mechanism=self.mechanism, sasl_plain_username=self.username,
                          sasl_plain_password=self.password)
        return config


def secret_value(namespace: str, name: str, key: str) -> str:
    """One key of a Secret, decoded. Nothing of it is printed; a failure names only the
    Secret and the key."""
    jsonpath = "{.data." + key.replace(".", "\\.") + "}"
    proc = run([settings().kubectl, "-n", namespace, "--request-timeout", "60s", "get",
                "secret", name, "-o", f"jsonpath={jsonpath}"], check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"cannot read Secret {namespace}/{name}: {proc.stderr.strip()[:300]}")
    if not proc.stdout:
        raise RuntimeError(f"Secret {namespace}/{name} has no key {key!r}")
    return base64.b64decode(proc.stdout).decode()


_TMP: list[str] = []


def private_file(name: str, content: str) -> str:
    """``content`` in a file only this user can read, removed when the process exits."""
    if not _TMP:
        _TMP.append(tempfile.mkdtemp(prefix="stack-e2e-tls-"))
        atexit.register(shutil.rmtree, _TMP[0], True)
    path = Path(_TMP[0]) / name
    path.touch(mode=0o600)
    path.write_text(content)
    return str(path)


def from_env(namespace: str, env: dict[str, str] | None = None) -> KafkaSecurity:
    """The client security the driver described (PLAINTEXT when it described none)."""
    env = dict(os.environ if env is None else env)
    protocol = env.get("E2E_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") or "PLAINTEXT"
    port = int(env.get("E2E_KAFKA_PORT") or 9092)
    if protocol == "PLAINTEXT":
        return KafkaSecurity(port=port)
    cafile = None
    if protocol in ("SSL", "SASL_SSL"):
        ca_secret = env.get("E2E_KAFKA_CA_SECRET")
        if not ca_secret:
            raise ValueError(f"{protocol} needs E2E_KAFKA_CA_SECRET")
        cafile = private_file(f"{ca_secret}-ca.crt",
                              secret_value(namespace, ca_secret, env.get("E2E_KAFKA_CA_KEY")
                                           or "ca.crt"))
    username = password = None
    mechanism = env.get("E2E_KAFKA_SASL_MECHANISM") or "SCRAM-SHA-512"
    if protocol.startswith("SASL_"):
        names = ("E2E_KAFKA_SASL_USER", "E2E_KAFKA_SASL_SECRET", "E2E_KAFKA_SASL_PASSWORD_KEY")
        missing = [n for n in names if not env.get(n)]
        if missing:
            raise ValueError(f"{protocol} needs {', '.join(missing)}")
        username = env["E2E_KAFKA_SASL_USER"]
        password = secret_value(namespace, env["E2E_KAFKA_SASL_SECRET"],
                                env["E2E_KAFKA_SASL_PASSWORD_KEY"])
    return KafkaSecurity(protocol, port, cafile, mechanism, username, password)
