"""Bounded waiting: the only way the suites wait for anything.

Real systems have transient windows (a ZooKeeper election, a partition leader moving, a
broker restarting). A check never asserts a single sample taken inside such a window:
it retries the sample until it holds or a stated bound has passed, and reports how long
it took, so the bound is asserted and the measured figure is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class BoundExceeded(AssertionError):
    """The condition did not hold within its bound."""

    def __init__(self, what: str, bound: float, elapsed: float, last: str) -> None:
        super().__init__(f"{what}: not within {bound:g} s (gave up after {elapsed:.1f} s); "
                         f"last attempt: {last}")
        self.what, self.bound, self.elapsed, self.last = what, bound, elapsed, last


class Permanent(Exception):
    """Raised by an attempt when retrying cannot help (e.g. a missing executable)."""


@dataclass(frozen=True)
class Waited(Generic[T]):
    """The outcome of :func:`within`: seconds since the reference time, and the value."""

    seconds: float
    value: T
    attempts: int


def within(
    bound: float,
    what: str,
    attempt: Callable[[], T | None],
    *,
    since: float | None = None,
    interval: float = 1.0,
    describe: Callable[[T | None], str] | None = None,
) -> Waited[T]:
    """Call ``attempt`` until it returns something truthy, at most until ``since + bound``.

    Truthy: return an object, not a bare number that may be 0 (broker id 0, ordinal 0).

    ``since`` is a ``time.monotonic()`` reading (default: now): the figure returned is
    measured from it, e.g. from the moment a pod was deleted. Exceptions raised by an
    attempt count as "not yet" (their text is kept for the failure message), except
    :class:`Permanent`, which fails at once. The attempt is always made at least once.
    """
    start = time.monotonic() if since is None else since
    deadline = start + bound
    last = "no attempt made"
    attempts = 0
    while True:
        attempts += 1
        try:
            value = attempt()
        except Permanent as exc:
            raise AssertionError(f"{what}: failed for good: {exc}") from None
        except Exception as exc:
            last = f"{type(exc).__name__}: {str(exc).strip()[:500]}"
        else:
            if value:
                return Waited(time.monotonic() - start, value, attempts)
            last = repr(value)[:500]
            if describe:
                try:
                    last = describe(value)[:1000]
                except Exception as exc:
                    last = f"{last} (describing it failed: {exc})"
        now = time.monotonic()
        if now >= deadline:
            raise BoundExceeded(what, bound, now - start, last)
        time.sleep(max(0.0, min(interval, deadline - now)))
