"""pytest plugin of the e2e suites (loaded by the driver: ``pytest -p stack_e2e.plugin``).

- ``figures``: records a check's measured figures (see :mod:`stack_e2e.figures`).
- On the failure of any test (setup, call or teardown), the cluster's state is kept at
  that moment, before later checks change it: diagnostics of every namespace under
  ``<logs>/diagnostics/_failures/<test>/`` (see :mod:`stack_e2e.diagnostics`), named in
  the test's report and at the end of the session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import diagnostics
from .figures import Figures
from .settings import settings

_KEPT: list[tuple[str, Path]] = []


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    return Figures(settings().figures, request.node.nodeid.split("::", 1)[-1])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed or settings().kubeconfig == "":
        return
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", item.nodeid.split("::", 1)[-1])[:120]
    out = settings().diagnostics / "_failures" / f"{name}.{report.when}"
    try:
        namespaces = diagnostics.collect(out)
        note = f"diagnostics of {', '.join(namespaces) or 'no namespace'} kept in {out}"
    except Exception as exc:  # never hide the real failure behind this one
        note = f"collecting diagnostics into {out} failed: {exc}"
    report.sections.append(("diagnostics", note))
    _KEPT.append((item.nodeid, out))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _KEPT:
        return
    terminalreporter.section("diagnostics kept at the moment of each failure")
    for nodeid, out in _KEPT:
        terminalreporter.write_line(f"{nodeid}: {out}")
