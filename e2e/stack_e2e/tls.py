"""The brokers' TLS material for the secure staging install, made by the run itself.

The staging release takes its certificate from ``kafka.tls.existingSecret`` rather than
the chart's generated one: the chart keeps no CA key, and the rotation check must issue a
second certificate from the SAME CA. So the run makes a throw-away CA (its key stays in
``E2E_KAFKA_CA_DIR``, under the run directory, never in the logs or the cluster) and a
broker certificate whose names are exactly the chart's generated ones (kafka.tlsDnsNames
in charts/kafka/templates/_helpers.tpl: the wildcard on the headless Service, then the
headless and the client Service, short and qualified) plus the node's IP as an IP SAN
(the external listener: NodePort brokers advertise status.hostIP, the node IP, and
clients verify the certificate against it; a broker whose certificate does not cover its
external address refuses to start), and writes the Secret with tls.crt, tls.key (PKCS#8
RSA) and ca.crt.

Made with the host's ``openssl`` (the venv has no ``cryptography``).

    python -m stack_e2e.tls NAMESPACE SECRET FULLNAME HEADLESS   (e2e/run.sh, before install)
"""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

from .kube import run
from .settings import NODE_IP, settings

CLUSTER_DOMAIN = "cluster.local"
DAYS = 30
FIRST_SERIAL = 0x0E2E0001


def dns_names(fullname: str, headless: str, namespace: str,
              domain: str = CLUSTER_DOMAIN) -> list[str]:
    """kafka.tlsDnsNames, for the names the release was installed with."""
    names = [f"*.{headless}.{namespace}.svc.{domain}"]
    for svc in (headless, fullname):
        names += [svc, f"{svc}.{namespace}", f"{svc}.{namespace}.svc",
                  f"{svc}.{namespace}.svc.{domain}"]
    return names


def subject_alt_names(fullname: str, headless: str, namespace: str,
                      domain: str = CLUSTER_DOMAIN) -> list[str]:
    """Every SAN of the broker certificate, typed for openssl: the chart's DNS names and
    the node IP the external listener advertises (settings.NODE_IP)."""
    return ([f"DNS:{n}" for n in dns_names(fullname, headless, namespace, domain)]
            + [f"IP:{NODE_IP}"])


def _openssl(*args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(["openssl", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def ca_dir() -> Path:
    return Path(os.environ.get("E2E_KAFKA_CA_DIR")
                or Path(os.environ.get("E2E_RUN_DIR", "/tmp/stack-e2e/run")) / "kafka-ca")


def make_ca(directory: Path, name: str) -> Path:
    """A new self-signed CA in ``directory`` (ca.crt, ca.key 0600); returns ca.crt."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key, crt = directory / "ca.key", directory / "ca.crt"
    key.touch(mode=0o600)
    _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
             "-out", str(key))
    _openssl("req", "-x509", "-new", "-key", str(key), "-out", str(crt), "-days", str(DAYS),
             "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return crt


def issue(directory: Path, common_name: str, sans: list[str], serial: int,
          prefix: str = "tls") -> tuple[Path, Path]:
    """A server+client certificate for ``sans`` ("DNS:name" / "IP:address", see
    subject_alt_names) signed by the CA in ``directory``, with the given serial; returns
    (<prefix>.crt, <prefix>.key)."""
    key, csr = directory / f"{prefix}.key", directory / f"{prefix}.csr"
    crt, ext = directory / f"{prefix}.crt", directory / f"{prefix}.ext"
    key.touch(mode=0o600)
    _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
             "-out", str(key))  # PKCS#8, what the chart's PEM keystore takes as is
    _openssl("req", "-new", "-key", str(key), "-subj", f"/CN={common_name}", "-out", str(csr))
    ext.write_text("basicConstraints=CA:FALSE\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth,clientAuth\n"
                   "subjectAltName=" + ",".join(sans) + "\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(directory / "ca.crt"),
             "-CAkey", str(directory / "ca.key"), "-set_serial", str(serial),
             "-days", str(DAYS), "-extfile", str(ext), "-out", str(crt))
    return crt, key


def serial_of(pem: str) -> int:
    out = _openssl("x509", "-noout", "-serial", stdin=pem)  # serial=0E2E0001
    return int(out.strip().split("=", 1)[1], 16)


def served_serial(host: str, port: int, cafile: str, timeout: float = 5.0) -> int:
    """The serial of the certificate a TLS listener serves, verified against ``cafile``
    with hostname verification (a certificate that does not verify raises)."""
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((host, port), timeout=timeout) as raw, \
            context.wrap_socket(raw, server_hostname=host) as sock:
        cert = sock.getpeercert()
    if not cert or "serialNumber" not in cert:
        raise ValueError(f"{host}:{port} served no verified certificate")
    return int(str(cert["serialNumber"]), 16)


def apply_secret(namespace: str, secret: str, crt: Path, key: Path, ca: Path) -> None:
    """Create or replace the Secret (kubectl apply; nothing of it is printed)."""
    data = {"tls.crt": crt.read_bytes(), "tls.key": key.read_bytes(), "ca.crt": ca.read_bytes()}
    doc = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
           "metadata": {"name": secret, "namespace": namespace,
                        "labels": {"app.kubernetes.io/managed-by": "stack-e2e"}},
           "data": {k: base64.b64encode(v).decode() for k, v in data.items()}}
    run([settings().kubectl, "apply", "--request-timeout", "60s", "-f", "-"],
        stdin=json.dumps(doc))


def create(namespace: str, secret: str, fullname: str, headless: str) -> int:
    """A new CA and the first broker certificate (serial FIRST_SERIAL) into the Secret."""
    directory = ca_dir()
    ca = make_ca(directory, f"{fullname}-e2e-ca")
    crt, key = issue(directory, fullname, subject_alt_names(fullname, headless, namespace),
                     FIRST_SERIAL)
    apply_secret(namespace, secret, crt, key, ca)
    return FIRST_SERIAL


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: python -m stack_e2e.tls NAMESPACE SECRET FULLNAME HEADLESS",
              file=sys.stderr)
        return 2
    namespace, secret, fullname, headless = argv
    serial = create(namespace, secret, fullname, headless)
    print(f"secret {namespace}/{secret}: a new CA ({ca_dir()}) and a broker certificate "
          f"(serial {serial:#x}) for "
          + ", ".join(subject_alt_names(fullname, headless, namespace)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
