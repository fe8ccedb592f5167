"""The helm-mirroring flags shared by render, validate, snapshot and diff."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .helm import DEFAULT_KUBE_VERSION


@dataclass(frozen=True)
class Options:
    env: str | None = None
    value_files: tuple[Path, ...] = ()
    set_values: tuple[str, ...] = ()
    release: str = "stack"
    namespace: str = "default"
    kube_version: str = DEFAULT_KUBE_VERSION
    show_only: tuple[str, ...] = ()  # helm --show-only (tests render one template)

    def command_flags(self) -> list[str]:
        """These options as stackctl flags, for hints that name a command to run."""
        flags = [f"--env {self.env}"] if self.env else []
        flags += [f"-f {path}" for path in self.value_files]
        flags += [f"--set {item}" for item in self.set_values]
        if self.release != "stack":
            flags.append(f"--release {self.release}")
        if self.namespace != "default":
            flags.append(f"-n {self.namespace}")
        return flags
