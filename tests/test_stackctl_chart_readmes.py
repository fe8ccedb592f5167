"""Every chart README with the markers has a current values table (run stackctl docs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackctl import docs
from stackctl.repo import Repo

REPO = Repo(Path(__file__).resolve().parents[1])

MANAGED = docs.managed_readmes(REPO) if (REPO.stack_dir / "Chart.yaml").exists() else []


@pytest.mark.parametrize("chart", MANAGED, ids=[c.name for c in MANAGED])
def test_chart_readme_values_table_is_current(chart: Path) -> None:
    readme, text, new = docs.stale(REPO, chart)
    assert new == text, f"{REPO.rel(readme)} is stale: run stackctl docs"
