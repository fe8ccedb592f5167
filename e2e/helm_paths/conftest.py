"""The helm paths of the environments other than the core staging run (e2e/run.sh runs
them on the live cluster, each in its own namespace): dev installs, upgrades, passes
helm test and uninstalls; prod is accepted but cannot schedule on one node.

The driver exports KUBECONFIG and the stack_e2e settings, including the local images.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture(scope="session", autouse=True)
def _cluster() -> None:
    if not os.environ.get("KUBECONFIG"):
        pytest.exit("the helm paths need KUBECONFIG (run them through e2e/run.sh)", 2)
