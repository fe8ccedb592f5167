"""Module boundaries and the test helper's own guarantees."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

import helpers
from stackctl.errors import HelmError

PACKAGE = Path(__file__).resolve().parents[1] / "tools" / "stackctl"
REPO = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """stackctl modules ``path`` imports, function-local imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("stackctl."):
            found.add(node.module.split(".")[1])  # type: ignore[union-attr]
    return found


def test_stackctl_modules_import_no_cycle() -> None:
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    done: set[str] = set()

    def visit(module: str, stack: list[str]) -> None:
        if module in stack:
            pytest.fail("import cycle: " + " -> ".join([*stack[stack.index(module):], module]))
        if module in done:
            return
        for dep in sorted(graph.get(module, ())):
            visit(dep, [*stack, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert graph["render"] and "validate" not in graph["render"]


def test_validate_does_not_parse_formatted_problems() -> None:
    source = (PACKAGE / "validate.py").read_text()
    assert "format_problem" not in source and '.split(": "' not in source


@pytest.fixture
def mini_helpers(mini_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(helpers, "REPO", mini_repo)
    monkeypatch.setattr(helpers, "CHARTS", mini_repo / "charts")
    return mini_repo


def test_render_chart_goes_through_stackctl_and_prepares_nested_deps(mini_helpers: Path) -> None:
    shutil.rmtree(mini_helpers / "charts/alpha/charts")  # alpha alone needs gamma packaged
    [configmap, service] = sorted(helpers.render_chart("alpha", {"ports": [8080]}),
                                  key=lambda o: o["kind"])
    assert configmap["metadata"]["labels"] == {"managed-by": "Helm"}
    assert service["spec"]["ports"] == [{"name": "p8080", "port": 8080}]


def test_render_chart_fails_on_an_object_the_api_server_refuses(mini_helpers: Path) -> None:
    template = mini_helpers / "charts/alpha/templates/service.yaml"
    template.write_text(template.read_text().replace("port: {{ . }}", "port: {{ . }}\n"
                                                     "      portt: 1"))
    with pytest.raises(helpers.InvalidObjects, match=r"Service/stack-alpha\.spec\.ports\.0: "
                                                      r"Additional properties"):
        helpers.render_chart("alpha")


def test_render_chart_applies_the_api_servers_rules_too(mini_helpers: Path) -> None:
    with pytest.raises(helpers.InvalidObjects, match=r"metadata\.labels\.tier: invalid value "
                                                      r"'-lots': a valid label must be"):
        helpers.render_chart("stack", {"alpha": {"labels": {"tier": "-lots"}}})


def test_render_chart_failure_is_a_helm_error_with_helms_message(mini_helpers: Path) -> None:
    with pytest.raises(HelmError, match=r"at '/replicaCount': minimum: got 0, want 1"):
        helpers.render_chart("alpha", {"replicaCount": 0})


def test_make_test_runs_mypy() -> None:
    dry = subprocess.run(["make", "-n", "test"], cwd=REPO, capture_output=True, text=True)
    assert ".venv/bin/mypy" in dry.stdout
    config = (REPO / "pyproject.toml").read_text()
    assert "[tool.mypy]" in config and "strict = true" in config
    assert '"mypy>=1.10"' in config
