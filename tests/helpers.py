"""Test helpers in the style of apache/airflow's helm-tests: render, then assert on objects.

``render_chart`` renders through stackctl's own render path (the code ``stackctl render``
runs, file:// dependencies prepared for whatever chart is rendered) and, like Airflow's
render_chart, validates every rendered object against the strict Kubernetes JSON schema of
the Kubernetes version rendered for and against the API server's own rules (quantities,
names, labels): a violation fails the test.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import crds
from stackctl import deps, helm, manifests
from stackctl.errors import HelmError, RenderError
from stackctl.kubeschema import normalize, shared_schemas
from stackctl.manifests import parse
from stackctl.objcheck import object_problems
from stackctl.options import Options
from stackctl.problems import format_problem
from stackctl.render import render_text
from stackctl.repo import Repo

REPO = Path(__file__).resolve().parents[1]
CHARTS = REPO / "charts"


class InvalidObjects(AssertionError):
    """A rendered object the Kubernetes API server would refuse."""


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
    """Render charts/<chart> with ``values`` applied last (after ``value_files``) and return
    the parsed objects, each validated for ``kube_version``.

    A render failure raises HelmError with helm's own message (the chart tests match on
    it); an invalid object raises InvalidObjects naming template, object path and reason.
    """
    key = json.dumps([chart, values, list(show_only), release, namespace,
                      [str(p) for p in value_files], list(set_values), kube_version],
                     sort_keys=True)
    if key not in _RENDERED:
        _RENDERED[key] = _render_validated(chart, values, show_only=show_only,
                                           release=release, namespace=namespace,
                                           value_files=value_files, set_values=set_values,
                                           kube_version=kube_version)
    return copy.deepcopy(_RENDERED[key])


# A test session renders the same charts with the same values many times (and the same
# objects, e.g. the ServiceAccount, in most renders): each render runs once per process and
# each distinct object is validated once per Kubernetes version. Charts do not change
# during a session (the tests that edit charts edit copies).
_RENDERED: dict[str, list[dict[str, Any]]] = {}
_VALIDATED: set[tuple[str, str, str]] = set()


def _render_validated(chart: str, values: dict[str, Any] | None, *, show_only: Iterable[str],
                      release: str, namespace: str, value_files: Iterable[Path],
                      set_values: Iterable[str], kube_version: str) -> list[dict[str, Any]]:
    repo = Repo(REPO)
    with tempfile.TemporaryDirectory(prefix="render-chart-") as tmp:
        files = [Path(p) for p in value_files]
        if values:
            extra = Path(tmp) / "values.json"
            extra.write_text(json.dumps(values))
            files.append(extra)
        options = Options(value_files=tuple(files), set_values=tuple(set_values),
                          release=release, namespace=namespace, kube_version=kube_version,
                          show_only=tuple(show_only))
        try:
            text = render_text(repo, options, CHARTS / chart)
        except RenderError as exc:
            raise HelmError(exc.helm_message) from exc
    objs = parse(text)
    version = normalize(kube_version)
    seen = {id(obj): (version, obj.source, json.dumps(obj.data, sort_keys=True))
            for obj in objs}
    unseen = [obj for obj in objs if seen[id(obj)] not in _VALIDATED]
    # prometheus-operator's kinds: against the real CRDs' schemas (tests/crds.py), which
    # the Kubernetes schemas do not hold.
    custom = [obj for obj in unseen if crds.is_monitoring(obj.data)]
    problems = object_problems(repo, [obj for obj in unseen if not crds.is_monitoring(obj.data)],
                               version, shared_schemas())
    reasons = [format_problem(p) for p in problems]
    reasons += [f"{obj.source}: {e}" for obj in custom for e in crds.errors(obj.data)]
    if reasons:
        raise InvalidObjects("rendered objects the API server would refuse:\n" + "\n".join(
            reasons))
    _VALIDATED.update(seen[id(obj)] for obj in unseen)
    return [obj.data for obj in objs]


def prepared(chart: str) -> Path:
    """charts/<chart> with its file:// dependencies packaged (as stackctl prepares them), for
    tests that hand the chart to helm themselves (lint, install --dry-run, copies)."""
    path = CHARTS / chart
    deps.ensure(Repo(REPO), path)
    return path


# A ConfigMap whose data.out is what a FEED template (defining nothing, printing YAML) prints.
FEED_CONFIGMAP = ('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feed\ndata:\n'
                  '  out: |\n    {{- include "feed" . | nindent 4 }}\n'
                  '{{- define "feed" -}}\n%s{{- end -}}\n')


def fed_copy(chart: str, dst: Path, name: str, template: str,
             keys: Iterable[str] = ("testExisting",)) -> Path:
    """charts/<chart> copied to ``dst`` with one more template, ``templates/<name>``, and a
    schema that accepts the test-only values ``keys`` (objects). lookup is empty under helm
    template: such a template feeds a value in its place to the helper under test (what an
    upgrade would have looked up)."""
    shutil.copytree(prepared(chart), dst)
    (dst / "templates" / name).write_text(template)
    schema_path = dst / "values.schema.json"
    schema = json.loads(schema_path.read_text())
    for key in keys:
        schema["properties"][key] = {"type": "object"}
    schema_path.write_text(json.dumps(schema))
    return dst


def render_chart_text(chart: str = "stack", values: dict[str, Any] | None = None, **kw: Any) -> str:
    """helm's own output for charts/<chart>, comments (``# WARNING:`` lines) included."""
    return helm.template(prepared(chart), values=values, **kw)


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


def run_cli(capsys: Any, root: Path, *args: str) -> tuple[int, str, str]:
    """``stackctl --root ROOT ARGS``: exit code, stdout, stderr; never a traceback."""
    from stackctl import cli

    code = cli.main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def secret_values_redacted(objs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects with Secret values replaced as in snapshots: a chart-generated Secret is
    random on every offline render, so two renders agree on its keys only."""
    return [manifests.redacted(manifests.Obj("", obj)).data for obj in objs]
