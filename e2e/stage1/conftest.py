"""Stage 1: the charts against a real API server, no node (run by e2e/run.sh --stage1).

The cluster is etcd + kube-apiserver + kube-controller-manager + kube-scheduler only:
objects are validated, admitted and stored, PVCs are made, pods stay Pending. The driver
exports KUBECONFIG and the stack_e2e settings (helm and kubectl as stackctl resolved them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stack_e2e.kube import Kube
from stack_e2e.namespaces import ensure_restricted


@pytest.fixture(scope="session", autouse=True)
def _cluster() -> None:
    if not os.environ.get("KUBECONFIG"):
        pytest.exit("stage 1 needs KUBECONFIG (run it through e2e/run.sh --stage1)", 2)


def ensure_namespace(name: str) -> Kube:
    """The namespace, Pod Security "restricted" like every e2e release's (the StatefulSet
    controller's pods are admitted by PodSecurity even though none is scheduled here)."""
    ensure_restricted(name)
    return Kube(name)
