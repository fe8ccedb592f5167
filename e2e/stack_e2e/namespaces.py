"""The e2e releases' namespaces: Pod Security "restricted", enforced by kube-apiserver.

Every namespace a release of the suite installs into is created (or updated) here before
the install, so the API server's own PodSecurity admission (on by default since 1.25)
checks every pod of the release, helm test and hook pods included: a pod that is not
"restricted" is refused at creation. audit and warn are set too, so a violation also shows
in helm's output and in the audit annotations.

    python -m stack_e2e.namespaces NAME...   (e2e/run.sh, before helm install)
"""

from __future__ import annotations

import json
import sys

from .kube import run
from .settings import settings

LEVEL = "restricted"
PSA_LABELS = {f"pod-security.kubernetes.io/{mode}": LEVEL for mode in ("enforce", "audit", "warn")}


def manifest(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": dict(PSA_LABELS)}}


def ensure_restricted(name: str) -> None:
    """Create ``name`` or add the labels to it; idempotent."""
    run([settings().kubectl, "apply", "--request-timeout", "60s", "-f", "-"],
        stdin=json.dumps(manifest(name)))


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m stack_e2e.namespaces NAME...", file=sys.stderr)
        return 2
    for name in argv:
        ensure_restricted(name)
        print(f"namespace {name}: pod-security.kubernetes.io/enforce={LEVEL} (+ audit, warn)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
