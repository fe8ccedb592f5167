"""Test helpers in the style of apache/airflow's helm-tests: render, then assert on objects."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stackctl import deps, helm
from stackctl.repo import Repo

REPO = Path(__file__).resolve().parents[1]
CHARTS = REPO / "charts"


def render_chart(
    chart: str = "stack",
    values: dict[str, Any] | None = None,
    *,
    show_only: Iterable[str] = (),
    release: str = "stack",
    namespace: str = "default",
    value_files: Iterable[Path] = (),
    set_values: Iterable[str] = (),
    kube_version: str = helm.DEFAULT_KUBE_VERSION,
) -> list[dict[str, Any]]:
    """Render charts/<chart> with helm template and return the parsed objects.

    The stack's file:// subcharts are repackaged first when they changed (as stackctl does),
    so an edited subchart template always shows up in a stack render.
    """
    if (CHARTS / chart).resolve() == (CHARTS / "stack").resolve():
        deps.ensure(Repo(REPO))
    text = helm.template(
        CHARTS / chart, release=release, namespace=namespace, values=values,
        value_files=value_files, set_values=set_values, kube_version=kube_version,
        show_only=show_only,
    )
    return helm.parse_manifests(text)


def by_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o.get("kind") == kind]


def one(objs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    """The single object of ``kind`` (and ``name``); fails loudly when not exactly one."""
    found = [o for o in by_kind(objs, kind) if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name or ''}, got {len(found)}"
    return found[0]


def problem_lines(message: str) -> list[str]:
    """The "key.path: reason" lines of a chart's render-time failure, helm's frame removed
    ("Error: execution error at (<template>:<line>:<col>): " and its --debug hint)."""
    import re

    text = re.sub(r"^(Error: )?execution error at \([^)]*\): ", "", message.strip())
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("Use --debug")]
