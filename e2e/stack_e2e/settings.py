"""What the driver (e2e/run.sh) tells the suites, read once from the environment.

KUBECONFIG          the admin kubeconfig of the e2e cluster
E2E_HELM            helm, as stackctl resolved it (the driver resolves it once)
E2E_KUBECTL         kubectl, likewise
E2E_LOGS            the run's logs directory (figures, diagnostics, helm outputs)
E2E_IMAGE_SET       comma-separated --set-string items naming the local images' tags
                    (from e2e/versions.sh)
E2E_LOCAL_IMAGES    the values file that points the charts at the local images
E2E_SECURE_VALUES   the staging core's security values (e2e/values-secure.yaml): the
                    checks read the external access and provisioning settings from it
E2E_NODE_IP         the node's address (e2e/cluster/lib.sh declares it): what NodePort
                    Services listen on and what brokers advertise for external access
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "stack"
ENVIRONMENTS = CHART / "environments"
E2E = REPO / "e2e"
# The node's IP: e2e/cluster/lib.sh's E2E_NODE_IP (exported by e2e/run.sh; its default here).
NODE_IP = os.environ.get("E2E_NODE_IP") or "10.213.0.10"
SECURE_VALUES = Path(os.environ.get("E2E_SECURE_VALUES") or E2E / "values-secure.yaml")


@dataclass(frozen=True)
class Settings:
    kubeconfig: str
    helm: str
    kubectl: str
    logs: Path
    image_set: tuple[str, ...]
    local_images: Path

    @property
    def figures(self) -> Path:
        return self.logs / "figures.jsonl"

    @property
    def diagnostics(self) -> Path:
        return self.logs / "diagnostics"

    def local_image_args(self) -> list[str]:
        """helm arguments that make a release use the locally built images."""
        args = ["-f", str(self.local_images)]
        for item in self.image_set:
            args += ["--set-string", item]
        return args


def _resolve(env: str, name: str) -> str:
    explicit = os.environ.get(env)
    if explicit:
        return explicit
    # Standalone use: the same resolution the driver uses.
    from stackctl import helmbin

    return str(helmbin.find_helm() if name == "helm" else helmbin.find_kubectl())


@functools.cache
def settings() -> Settings:
    kubeconfig = os.environ.get("KUBECONFIG", "")
    logs = Path(os.environ.get("E2E_LOGS")
                or Path(os.environ.get("E2E_RUN_DIR", "/tmp/stack-e2e/run")) / "logs")
    image_set = tuple(i for i in os.environ.get("E2E_IMAGE_SET", "").split(",") if i)
    local_images = Path(os.environ.get("E2E_LOCAL_IMAGES")
                        or E2E / "cluster" / "values-local-images.yaml")
    return Settings(kubeconfig, _resolve("E2E_HELM", "helm"), _resolve("E2E_KUBECTL", "kubectl"),
                    logs, image_set, local_images)
