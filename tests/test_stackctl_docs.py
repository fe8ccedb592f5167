"""stackctl docs: README values tables generated from values.schema.json + values.yaml."""

from __future__ import annotations

import json
from pathlib import Path

from stackctl import cli, docs
from stackctl.repo import Repo

REPO = Repo(Path(__file__).resolve().parents[1])


def test_docs_fills_the_table_between_the_markers(mini_repo: Path, capsys) -> None:
    assert cli.main(["--root", str(mini_repo), "docs"]) == 0
    text = (mini_repo / "charts/alpha/README.md").read_text()
    assert text.startswith(
        "# alpha\n\n<!-- values:start -->\n| Key | Type | Default | Description |\n")
    assert "| `image.tag` | string | `\"1.0\"` | image.tag: image tag |\n" in text
    assert "| `ports` | array | `[80, 81]` | ports: service ports |\n" in text
    assert "| `note` | string or null | `\"hello\"` | note: optional note |\n" in text
    assert text.endswith("<!-- values:end -->\n")
    assert "global" not in text


def test_docs_check_fails_on_a_stale_readme_and_changes_nothing(mini_repo: Path, capsys) -> None:
    cli.main(["--root", str(mini_repo), "docs"])
    schema_path = mini_repo / "charts/alpha/values.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["properties"]["replicaCount"]["description"] = "replicaCount: how many pods"
    schema_path.write_text(json.dumps(schema))
    before = (mini_repo / "charts/alpha/README.md").read_text()
    capsys.readouterr()
    assert cli.main(["--root", str(mini_repo), "docs", "--check"]) == 1
    assert "charts/alpha/README.md: values table is stale; run stackctl docs" in \
        capsys.readouterr().err
    assert (mini_repo / "charts/alpha/README.md").read_text() == before


def test_default_change_makes_the_readme_stale(mini_repo: Path) -> None:
    repo = Repo(mini_repo)
    docs.update(repo, check=False)
    values = mini_repo / "charts/alpha/values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", "replicaCount: 2"))
    assert docs.update(repo, check=True) == ["charts/alpha/README.md"]


def test_readme_without_markers_is_left_alone(mini_repo: Path) -> None:
    readme = mini_repo / "charts/beta/README.md"
    readme.write_text("# beta\nhand written\n")
    docs.update(Repo(mini_repo), check=False)
    assert readme.read_text() == "# beta\nhand written\n"
