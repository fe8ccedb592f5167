"""The reviewed snapshots of the real charts: one test per snapshot file.

A failure prints the unified diff. If the change is intended, run
``stackctl snapshot --update``, read the diff of tests/snapshots/ and commit it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stackctl import snapshot
from stackctl.repo import Repo

REPO = Repo(Path(__file__).resolve().parents[1])
CASES = snapshot.cases(REPO) if (REPO.stack_dir / "Chart.yaml").exists() else []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_snapshot_matches(case: snapshot.Case) -> None:
    diff = snapshot.diff(REPO, case)
    if diff:
        pytest.fail(f"{case.name} changed (stackctl snapshot --update if intended):\n{diff}",
                    pytrace=False)


def test_every_snapshot_file_belongs_to_an_environment_or_chart() -> None:
    assert [REPO.rel(p) for p in snapshot.orphans(REPO)] == []
