"""The snapshot machinery on a small repository: stable files, exact failures, readable diffs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stackctl import cli, snapshot
from stackctl.repo import Repo


def failing_cases(root: Path) -> list[str]:
    repo = Repo(root)
    chosen = snapshot.cases(repo)
    texts = snapshot.render_cases(repo, chosen)
    return [case.name for case, text in zip(chosen, texts, strict=True)
            if snapshot.diff(repo, case, text)]


@pytest.fixture
def snapped(mini_repo: Path) -> Path:
    snapshot.update(Repo(mini_repo))
    return mini_repo


def test_update_writes_one_file_per_environment_and_subchart(snapped: Path) -> None:
    names = sorted(p.name for p in (snapped / "tests/snapshots").iterdir())
    assert names == ["alpha-defaults.yaml", "beta-defaults.yaml", "stack-dev.yaml",
                     "stack-prod.yaml"]
    assert failing_cases(snapped) == []


def test_documents_are_sorted_by_kind_namespace_name(snapped: Path) -> None:
    docs = [d for d in yaml.safe_load_all((snapped / "tests/snapshots/stack-prod.yaml").read_text())
            if d]
    keys = [(d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]) for d in docs]
    assert keys == sorted(keys)
    assert [k[0] for k in keys] == ["ConfigMap", "ConfigMap", "ConfigMap", "Service"]


def test_multiline_strings_stay_readable(mini_repo: Path) -> None:
    template = mini_repo / "charts/beta/templates/configmap.yaml"
    template.write_text(template.read_text() + "  script: |\n    echo one\n    echo two\n")
    snapshot.update(Repo(mini_repo))
    text = (mini_repo / "tests/snapshots/beta-defaults.yaml").read_text()
    assert "  script: |\n    echo one\n    echo two\n" in text


def test_subchart_template_change_fails_exactly_the_affected_snapshots(snapped: Path) -> None:
    template = snapped / "charts/beta/templates/configmap.yaml"
    template.write_text(template.read_text() + "  extra: x\n")
    # beta is disabled in dev, so stack-dev is not affected
    assert failing_cases(snapped) == ["stack-prod", "beta-defaults"]


def test_subchart_default_change_fails_exactly_the_affected_snapshots(snapped: Path) -> None:
    values = snapped / "charts/alpha/values.yaml"
    values.write_text(values.read_text().replace("note: hello", "note: bye"))
    assert failing_cases(snapped) == ["stack-dev", "stack-prod", "alpha-defaults"]


def test_environment_change_fails_only_that_environment(snapped: Path) -> None:
    (snapped / "charts/stack/environments/dev.yaml").write_text("team: other\n")
    assert failing_cases(snapped) == ["stack-dev"]


def test_failure_shows_a_unified_diff(snapped: Path, capsys) -> None:
    (snapped / "charts/stack/environments/prod.yaml").write_text("team: other\n")
    assert cli.main(["--root", str(snapped), "snapshot"]) == 1
    out = capsys.readouterr().out
    assert "--- tests/snapshots/stack-prod.yaml (reviewed)" in out
    assert "+++ tests/snapshots/stack-prod.yaml (rendered now)" in out
    assert "-  team: platform\n+  team: other\n" in out


def test_new_environment_needs_a_snapshot(snapped: Path, capsys) -> None:
    (snapped / "charts/stack/environments/qa.yaml").write_text("team: qa\n")
    assert failing_cases(snapped) == ["stack-qa"]
    assert cli.main(["--root", str(snapped), "snapshot", "--update"]) == 0
    assert (snapped / "tests/snapshots/stack-qa.yaml").exists()
    assert "updated tests/snapshots/stack-qa.yaml" in capsys.readouterr().out


def test_removed_environment_leaves_an_orphan_until_update(snapped: Path, capsys) -> None:
    (snapped / "charts/stack/environments/dev.yaml").unlink()
    assert cli.main(["--root", str(snapped), "snapshot"]) == 1
    assert "stack-dev.yaml: no environment or chart produces" in capsys.readouterr().out
    snapshot.update(Repo(snapped))
    assert not (snapped / "tests/snapshots/stack-dev.yaml").exists()


def test_snapshot_content_is_deterministic(snapped: Path) -> None:
    repo = Repo(snapped)
    case = snapshot.cases(repo)[0]
    assert snapshot.render_case(repo, case) == snapshot.render_case(repo, case)


SECRET_TEMPLATE = """apiVersion: v1
kind: Secret
metadata:
  name: beta-auth
data:
  password: {{ randAlphaNum 24 | b64enc | quote }}
stringData:
  fixed: the-value-a-values-file-set
"""


def test_secret_values_are_redacted_and_random_ones_stay_stable(mini_repo: Path) -> None:
    # a chart-generated password is random on every offline render (lookup finds nothing)
    (mini_repo / "charts/beta/templates/secret.yaml").write_text(SECRET_TEMPLATE)
    repo = Repo(mini_repo)
    case = next(c for c in snapshot.cases(repo) if c.name == "beta-defaults")
    first = snapshot.render_case(repo, case)
    assert first == snapshot.render_case(repo, case)
    assert "the-value-a-values-file-set" not in first
    secret = next(d for d in yaml.safe_load_all(first) if d and d["kind"] == "Secret")
    assert secret["data"] == {"password": "<redacted>"}
    assert secret["stringData"] == {"fixed": "<redacted>"}


def test_a_diff_never_prints_a_secret_value(snapped: Path, capsys) -> None:
    (snapped / "charts/beta/templates/secret.yaml").write_text(SECRET_TEMPLATE)
    assert cli.main(["--root", str(snapped), "snapshot"]) == 1
    out = capsys.readouterr().out
    assert "+  fixed: <redacted>\n" in out
    assert "the-value-a-values-file-set" not in out
