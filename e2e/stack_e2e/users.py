"""The declared users' passwords for the staging install, made by the run itself.

``kafka.provisioning.users`` in e2e/values-secure.yaml names, for each SCRAM user the
provisioning Job creates, the Secret (``existingSecret``, key ``passwordKey``) its password
comes from: the chart reads it, it never makes it. The run creates each such Secret before
the install with a random password (``secrets.token_urlsafe``), written through kubectl's
stdin, never printed, never on a command line. The checks read it back with
``security.secret_value`` when they need it.

    python -m stack_e2e.users NAMESPACE VALUES_FILE   (e2e/run.sh, before install)
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .kube import run
from .settings import settings


@dataclass(frozen=True)
class DeclaredUser:
    name: str
    secret: str
    key: str


def declared_users(values_file: Path) -> list[DeclaredUser]:
    """kafka.provisioning.users of a stack values file (the chart's default key: password)."""
    values: dict[str, Any] = yaml.safe_load(values_file.read_text()) or {}
    users = ((values.get("kafka") or {}).get("provisioning") or {}).get("users") or []
    return [DeclaredUser(u["name"], u["existingSecret"], u.get("passwordKey") or "password")
            for u in users]


def declared_user(values_file: Path, name: str) -> DeclaredUser:
    for user in declared_users(values_file):
        if user.name == name:
            return user
    raise KeyError(f"{values_file}: kafka.provisioning.users has no user {name!r}")


def create(namespace: str, values_file: Path) -> list[DeclaredUser]:
    """A Secret with a new random password for every declared user (created or replaced)."""
    users = declared_users(values_file)
    for user in users:
        doc = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
               "metadata": {"name": user.secret, "namespace": namespace,
                            "labels": {"app.kubernetes.io/managed-by": "stack-e2e"}},
               "data": {user.key: base64.b64encode(secrets.token_urlsafe(24).encode()).decode()}}
        run([settings().kubectl, "apply", "--request-timeout", "60s", "-f", "-"],
            stdin=json.dumps(doc))
    return users


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m stack_e2e.users NAMESPACE VALUES_FILE", file=sys.stderr)
        return 2
    namespace, values_file = argv
    for user in create(namespace, Path(values_file)):
        print(f"secret {namespace}/{user.secret}: a random password (key {user.key}) for the "
              f"declared user {user.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
