"""Bad input: a message naming file and key path, exit 1 (invalid) or 2 (usage), no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackctl import cli


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str]:
    code = cli.main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


@pytest.mark.parametrize("command", ["render", "validate"])
def test_missing_environment_is_a_usage_error(mini_repo: Path, capsys, command: str) -> None:
    code, err = run(capsys, mini_repo, command, "--env", "qa")
    assert code == 2
    assert "charts/stack/environments/qa.yaml: no environment 'qa' (known: dev, prod)" in err


def test_yaml_syntax_error_names_file_and_line(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/stack/environments/prod.yaml").write_text(
        "team: x\nalpha:\n  replicaCount: [1,\n")
    code, err = run(capsys, mini_repo, "render", "--env", "prod")
    assert code == 1
    assert "charts/stack/environments/prod.yaml:4:1: YAML syntax error" in err


def test_unknown_key_is_reported_with_its_path(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/stack/environments/prod.yaml").write_text(
        "alpha:\n  image:\n    tga: '1.1'\n")
    code, err = run(capsys, mini_repo, "validate", "--env", "prod", "--kube-versions", "1.35")
    assert code == 1
    assert "charts/stack/environments/prod.yaml: alpha.image.tga: Unexpected element" in err


def test_unknown_key_fails_render_through_helm_schema(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/stack/environments/prod.yaml").write_text("alpha:\n  replicas: 2\n")
    code, err = run(capsys, mini_repo, "render", "--env", "prod")
    assert code == 1
    assert err.strip() == ("charts/stack/environments/prod.yaml: alpha.replicas: "
                           "unknown key (not in values.schema.json)")


def test_wrong_type_names_file_and_key(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/stack/environments/prod.yaml").write_text("alpha:\n  replicaCount: two\n")
    code, err = run(capsys, mini_repo, "validate", "--env", "prod", "--kube-versions", "1.35")
    assert code == 1
    assert "charts/stack/environments/prod.yaml: alpha.replicaCount: 'two' is not a int." in err


def test_wrong_type_in_set_names_the_flag(mini_repo: Path, capsys) -> None:
    code, err = run(capsys, mini_repo, "render", "--env", "prod", "--set", "alpha.replicaCount=x")
    assert code == 1
    assert err.strip() == "--set alpha.replicaCount=x: alpha.replicaCount: got string, want integer"


def test_schema_error_blames_the_file_that_set_the_key(mini_repo: Path, tmp_path: Path,
                                                       capsys) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text("beta:\n  message: ''\n")
    code, err = run(capsys, mini_repo, "render", "--env", "prod", "-f", str(extra))
    assert code == 1
    assert err.startswith(f"{extra}: beta.message: ")


def test_unreadable_file(mini_repo: Path, capsys, monkeypatch) -> None:
    env = mini_repo / "charts/stack/environments/prod.yaml"
    real_read_text = Path.read_text

    def read_text(self: Path, *args, **kwargs) -> str:
        if self == env:  # permissions do not stop root, so fail the read the way the OS does
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    code, err = run(capsys, mini_repo, "render", "--env", "prod")
    assert code == 1
    assert err.strip() == "stackctl: charts/stack/environments/prod.yaml: cannot read: " \
        "Permission denied"


def test_values_file_that_is_a_directory_is_a_usage_error(mini_repo: Path, tmp_path: Path,
                                                         capsys) -> None:
    code, err = run(capsys, mini_repo, "render", "--env", "prod", "-f", str(tmp_path))
    assert code == 2
    assert f"{tmp_path}: is a directory" in err


def test_undecodable_file_is_unreadable(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/stack/environments/prod.yaml").write_bytes(b"team: \xff\xfe\n")
    code, err = run(capsys, mini_repo, "render", "--env", "prod")
    assert code == 1
    assert "charts/stack/environments/prod.yaml: cannot read" in err


def test_missing_values_file_is_a_usage_error(mini_repo: Path, capsys) -> None:
    code, err = run(capsys, mini_repo, "render", "--env", "prod", "-f", "nope.yaml")
    assert code == 2
    assert "nope.yaml: no such file" in err


def test_values_file_that_is_not_a_mapping(mini_repo: Path, tmp_path: Path, capsys) -> None:
    extra = tmp_path / "list.yaml"
    extra.write_text("- a\n- b\n")
    code, err = run(capsys, mini_repo, "render", "--env", "prod", "-f", str(extra))
    assert code == 1
    assert f"{extra}: (top level): expected a mapping" in err


def test_bad_set_syntax_is_a_usage_error(mini_repo: Path, capsys) -> None:
    code, err = run(capsys, mini_repo, "render", "--set", "novalue")
    assert code == 2
    assert "--set novalue: expected key=value" in err


def test_not_a_repository(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["render"]) == 2
    assert "no charts/stack/Chart.yaml here or in any parent directory" in capsys.readouterr().err


def test_unknown_flag_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["render", "--bogus"])
    assert exc.value.code == 2


def test_template_failure_names_template_and_line(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/beta/templates/fail.yaml").write_text(
        '{{- if eq .Values.message "boom" }}{{ fail "message must not be boom" }}{{ end }}\n')
    code, err = run(capsys, mini_repo, "render", "--env", "prod", "--set", "beta.message=boom")
    assert code == 1
    assert err.startswith("charts/beta/templates/fail.yaml:1:")
    assert "message must not be boom" in err


def test_nothing_written_when_input_is_invalid(mini_repo: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code, _ = run(capsys, mini_repo, "render", "--env", "prod", "--set", "alpha.nope=1",
                  "--output-dir", str(out))
    assert code == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [mini_repo]
