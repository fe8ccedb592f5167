"""stackctl render: helm's exact output, parity with raw helm, --output-dir, subchart rebuilds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from stackctl import cli, helm
from stackctl.render import OUTPUT_MARKER


def raw_helm(root: Path, *args: str) -> str:
    """The oracle: helm template run directly, as a user would."""
    proc = subprocess.run([str(helm.executable()), "template", *args], cwd=root,
                          capture_output=True, text=True, check=True)
    return proc.stdout


def stackctl(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_render_prints_helm_template_output(mini_repo: Path, capsys) -> None:
    code, out, _ = stackctl(capsys, mini_repo, "render", "--env", "prod")
    assert code == 0
    assert out == raw_helm(mini_repo, "stack", "charts/stack", "--kube-version",
                           helm.DEFAULT_KUBE_VERSION, "-f", "charts/stack/environments/prod.yaml")
    assert "tier: \"prod\"" in out


def test_render_is_byte_identical_twice(mini_repo: Path, capsys) -> None:
    first = stackctl(capsys, mini_repo, "render", "--env", "prod")[1]
    second = stackctl(capsys, mini_repo, "render", "--env", "prod")[1]
    assert first == second and first


def test_edited_subchart_template_shows_up_without_manual_step(mini_repo: Path, capsys) -> None:
    before = stackctl(capsys, mini_repo, "render", "--env", "prod")[1]
    template = mini_repo / "charts/beta/templates/configmap.yaml"
    template.write_text(template.read_text() + "  edited: \"yes\"\n")
    after = stackctl(capsys, mini_repo, "render", "--env", "prod")[1]
    assert "edited" not in before
    assert 'edited: "yes"' in after


def test_edited_subchart_default_shows_up_without_manual_step(mini_repo: Path, capsys) -> None:
    stackctl(capsys, mini_repo, "render", "--env", "prod")
    (mini_repo / "charts/beta/values.yaml").write_text("message: changed\n")
    assert 'message: "changed"' in stackctl(capsys, mini_repo, "render", "--env", "prod")[1]


def test_render_works_from_a_subdirectory(mini_repo: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(mini_repo / "charts/alpha/templates")
    assert cli.main(["render", "--env", "dev"]) == 0
    assert "stack-alpha" in capsys.readouterr().out


def test_output_dir_has_one_file_per_object(mini_repo: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code, _, _ = stackctl(capsys, mini_repo, "render", "--env", "prod", "--output-dir", str(out))
    assert code == 0
    files = sorted(p.name for p in out.glob("*.yaml"))
    assert files == ["configmap-stack-alpha.yaml", "configmap-stack-beta.yaml",
                     "configmap-stack-team.yaml", "default.service-stack-alpha.yaml"]
    service = yaml.safe_load((out / "default.service-stack-alpha.yaml").read_text())
    assert service["spec"]["ports"] == [{"name": "p443", "port": 443}]


def test_output_dir_is_replaced_as_a_whole(mini_repo: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    stackctl(capsys, mini_repo, "render", "--env", "prod", "--output-dir", str(out))
    assert (out / "configmap-stack-beta.yaml").exists()
    stackctl(capsys, mini_repo, "render", "--env", "dev", "--output-dir", str(out))
    assert not (out / "configmap-stack-beta.yaml").exists()  # beta disabled in dev
    assert (out / OUTPUT_MARKER).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_output_dir_untouched_when_render_fails(mini_repo: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    stackctl(capsys, mini_repo, "render", "--env", "prod", "--output-dir", str(out))
    before = {p.name: p.read_text() for p in out.iterdir()}
    code, _, err = stackctl(capsys, mini_repo, "render", "--env", "prod", "--set",
                            "alpha.replicaCount=99", "--output-dir", str(out))
    assert code == 1
    assert "alpha.replicaCount" in err
    assert {p.name: p.read_text() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_output_dir_refuses_foreign_directory(mini_repo: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep")
    code, _, err = stackctl(capsys, mini_repo, "render", "--env", "prod", "--output-dir", str(out))
    assert code == 2
    assert "refusing" in err
    assert (out / "precious.txt").read_text() == "keep"


def test_generated_dependencies_are_gitignored() -> None:
    root = Path(__file__).resolve().parents[1]
    ignored = subprocess.run(
        ["git", "check-ignore", "charts/stack/charts/x.tgz", "charts/stack/Chart.lock",
         "charts/stack/charts/.stackctl-deps.sha256"],
        cwd=root, capture_output=True, text=True)
    assert len(ignored.stdout.split()) == 3
