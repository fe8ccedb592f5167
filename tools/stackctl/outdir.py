"""Directories stackctl writes whole (render --output-dir, package): all or nothing.

The content goes to a temporary directory beside the target, which is then renamed into
place, so a failure leaves the target as it was. An existing target is replaced only when
it is empty or was written by stackctl (it holds a marker file). Any OS failure (parent is
a file, no permission, read-only file system) is ``DIR: reason``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .errors import StackctlError, UsageError

T = TypeVar("T")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def replace_dir(target: Path, marker: str, fill: Callable[[Path], T]) -> T:
    """Fill a fresh directory with ``fill(staging)`` and put it at ``target`` atomically.

    ``marker`` names the file that marks a directory as stackctl's (written last, so a
    directory without it was never complete). Returns what ``fill`` returns.
    """
    shown = target
    target = target.absolute()
    existing = next(p for p in (target, *target.parents) if p.exists() or p == p.parent)
    if existing != target and not existing.is_dir():  # mkdir would say "File exists"
        raise StackctlError(f"{shown}: {existing} is not a directory")
    try:
        if target.exists() and not target.is_dir():
            raise UsageError(f"{shown}: exists and is not a directory")
        if target.is_dir() and any(target.iterdir()) and not (target / marker).exists():
            raise UsageError(
                f"{shown}: not empty and not written by stackctl; refusing to replace")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        staging.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would outlive the rename
    except OSError as exc:
        raise StackctlError(f"{shown}: {_os_reason(exc)}") from exc
    try:
        result = fill(staging)
        (staging / marker).write_text(f"written by stackctl ({marker})\n")
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "d")
            try:
                os.replace(staging, target)
            except OSError:
                os.replace(old / "d", target)  # put the previous output back
                shutil.rmtree(old, ignore_errors=True)
                raise
            shutil.rmtree(old)
        else:
            os.replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StackctlError(f"{shown}: {_os_reason(exc)}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result
