"""Render-time failures and warnings name the user's file and the full key path.

The charts' contract: a ``fail`` message is lines ``<full.key.path>: <reason>``; a warning
is a comment ``# WARNING: <full.key.path>: <reason>`` in the rendered output.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers import run_cli
from stackctl import helm

PROD = "charts/stack/environments/prod.yaml"


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    return run_cli(capsys, root, *args)


def edit_schema(root: Path, chart: str, change) -> None:  # type: ignore[no-untyped-def]
    path = root / f"charts/{chart}/values.schema.json"
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema))


BETA_FAIL = ('{{- if eq .Values.message "boom" }}'
             '{{ fail "beta.message: must not be boom\\nalpha.replicaCount: must be odd" }}'
             '{{ end }}\n')


def test_fail_lines_are_blamed_on_the_file_that_set_each_key(mini_repo: Path, tmp_path: Path,
                                                             capsys) -> None:
    (mini_repo / "charts/beta/templates/fail.yaml").write_text(BETA_FAIL)
    extra = tmp_path / "extra.yaml"
    extra.write_text("beta:\n  message: boom\n")
    code, _, err = run(capsys, mini_repo, "render", "--env", "prod", "-f", str(extra))
    assert code == 1
    assert err.splitlines() == [
        f"{extra}: beta.message: must not be boom",
        f"{PROD}: alpha.replicaCount: must be odd",  # prod.yaml sets it, not the -f file
    ]


def test_fail_line_from_set_names_the_flag(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/beta/templates/fail.yaml").write_text(BETA_FAIL)
    code, _, err = run(capsys, mini_repo, "validate", "--env", "prod", "--kube-versions",
                       "1.34,1.35", "--set", "beta.message=boom")
    assert code == 1
    assert "--set beta.message=boom: beta.message: must not be boom\n" in err
    assert err.count("must not be boom") == 1  # once, not once per Kubernetes version


def test_helms_debug_hint_is_never_shown(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/beta/templates/fail.yaml").write_text(BETA_FAIL)
    code, _, err = run(capsys, mini_repo, "render", "--set", "beta.message=boom")
    assert code == 1
    assert "--debug" not in err and "Use " not in err


def test_a_free_form_fail_message_keeps_the_template_location(mini_repo: Path,
                                                              capsys) -> None:
    (mini_repo / "charts/beta/templates/fail.yaml").write_text(
        '{{ if eq .Values.message "boom" }}{{ fail "upgrade refused: see above" }}{{ end }}\n')
    code, _, err = run(capsys, mini_repo, "render", "--set", "beta.message=boom")
    assert code == 1
    assert err.strip() == "charts/beta/templates/fail.yaml:1:37: upgrade refused: see above"


def test_invalid_rendered_yaml_points_at_show_invalid(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/beta/templates/bad.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1\n")
    code, out, err = run(capsys, mini_repo, "render", "--env", "prod")
    assert (code, out) == (1, "")
    assert err.startswith("charts/beta/templates/bad.yaml: rendered YAML is invalid: ")
    assert "`stackctl render --env prod --show-invalid` prints what the templates rendered" in err
    assert "--debug" not in err
    code, out, err = run(capsys, mini_repo, "render", "--env", "prod", "--show-invalid")
    assert code == 1
    assert "# Source: stack/charts/beta/templates/bad.yaml\n" in out and "a: [1" in out
    assert "rendered YAML is invalid" in err


def test_global_key_is_blamed_on_who_set_it_once(mini_repo: Path, tmp_path: Path,
                                                 capsys) -> None:
    def registry(schema: dict) -> None:
        schema["properties"]["global"] = {"type": "object", "properties": {
            "imageRegistry": {"type": "string"}}}
    edit_schema(mini_repo, "alpha", registry)
    edit_schema(mini_repo, "beta", registry)
    extra = tmp_path / "global.yaml"
    extra.write_text("global:\n  imageRegistry: 5\n")
    code, _, err = run(capsys, mini_repo, "render", "--env", "prod", "-f", str(extra))
    assert code == 1
    assert err.splitlines() == [f"{extra}: global.imageRegistry: got number, want string"]


def test_key_deleted_with_null_is_blamed_on_the_null(mini_repo: Path, tmp_path: Path,
                                                     capsys) -> None:
    def required(schema: dict) -> None:
        schema["properties"]["image"]["required"] = ["repository"]
    edit_schema(mini_repo, "alpha", required)
    extra = tmp_path / "null.yaml"
    extra.write_text("alpha:\n  image:\n    repository: null\n")
    code, _, err = run(capsys, mini_repo, "render", "--env", "prod", "-f", str(extra))
    assert code == 1
    assert err.splitlines() == [f"{extra}: alpha.image.repository: required key is missing"]


def test_missing_key_nobody_set_is_blamed_on_its_own_chart(mini_repo: Path, capsys) -> None:
    """Not on the first values file (charts/alpha/values.yaml) whatever chart it is."""
    edit_schema(mini_repo, "beta", lambda s: s.update(required=["message"]))
    (mini_repo / "charts/beta/values.yaml").write_text("{}\n")
    code, _, err = run(capsys, mini_repo, "render", "--env", "prod")
    assert code == 1
    assert err.splitlines() == ["charts/beta/values.yaml: beta.message: required key is missing"]


BETA_WARNING = ('{{- if eq .Values.message "hi" }}\n'
                '# WARNING: beta.message: "hi" is the default greeting\n'
                '{{- end }}\n')


def test_validate_reports_warnings_once_and_exits_0(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/beta/templates/warn.yaml").write_text(BETA_WARNING)
    code, out, err = run(capsys, mini_repo, "validate", "--env", "prod", "--kube-versions",
                         "1.34-1.35")
    assert code == 0
    assert out.splitlines() == ["prod: 4 objects rendered, validated against Kubernetes "
                                "1.34-1.35 (2 versions): OK (1 warning(s))"]
    assert err.splitlines() == [
        'charts/beta/values.yaml: beta.message: warning: "hi" is the default greeting']


def test_warning_blamed_on_the_users_file_and_errors_still_fail(mini_repo: Path,
                                                                tmp_path: Path,
                                                                capsys) -> None:
    (mini_repo / "charts/beta/templates/warn.yaml").write_text(BETA_WARNING)
    extra = tmp_path / "x.yaml"
    extra.write_text("beta:\n  message: hi\n")
    code, out, err = run(capsys, mini_repo, "validate", "--env", "prod", "-f", str(extra),
                         "--kube-versions", "1.35", "-n", "Bad_NS")
    assert code == 1
    assert "1 problem(s), 1 warning(s)" in out
    assert f'{extra}: beta.message: warning: "hi" is the default greeting' in err.splitlines()
    assert err.startswith("--namespace Bad_NS: a lowercase RFC 1123 label must consist")


def test_render_prints_warnings_on_stderr_and_helms_bytes_on_stdout(mini_repo: Path,
                                                                    capsys) -> None:
    (mini_repo / "charts/beta/templates/warn.yaml").write_text(BETA_WARNING)
    code, out, err = run(capsys, mini_repo, "render", "--env", "prod")
    assert code == 0
    assert err.splitlines() == [
        'charts/beta/values.yaml: beta.message: warning: "hi" is the default greeting']
    raw = subprocess.run([str(helm.executable()), "template", "stack", "charts/stack",
                          "--kube-version", helm.DEFAULT_KUBE_VERSION, "-f", PROD],
                         cwd=mini_repo, capture_output=True, text=True, check=True).stdout
    assert out == raw


def test_value_nulled_by_the_user_that_a_template_reads(mini_repo: Path, tmp_path: Path,
                                                        capsys) -> None:
    extra = tmp_path / "null.yaml"
    extra.write_text("alpha:\n  image: null\n")
    code, _, err = run(capsys, mini_repo, "render", "-f", str(extra))
    assert code == 1
    assert err.splitlines() == [
        f"{extra}: alpha.image: is null or missing, but charts/alpha/templates/configmap.yaml"
        ":12:20 reads alpha.image.repository"]


def test_a_failure_in_some_versions_says_which(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/beta/templates/fail.yaml").write_text(
        '{{ if semverCompare ">=1.35-0" .Capabilities.KubeVersion.Version }}'
        '{{ fail "beta.message: not on 1.35 or later" }}{{ end }}\n')
    code, _, err = run(capsys, mini_repo, "validate", "--env", "prod", "--kube-versions",
                       "1.33-1.36")
    assert code == 1
    assert err.splitlines() == [
        "charts/beta/values.yaml: beta.message: not on 1.35 or later (Kubernetes 1.35, 1.36)"]


def test_indented_warning_counts_but_a_scripts_comment_does_not(mini_repo: Path,
                                                                capsys) -> None:
    (mini_repo / "charts/beta/templates/warn.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\ndata:\n  run.sh: |\n"
        "    # WARNING: PATH: is not set here\n"
        "  {{- if eq .Values.message \"hi\" }}\n"
        "  # WARNING: beta.message: is the default\n  {{- end }}\n")
    code, _, err = run(capsys, mini_repo, "render")
    assert code == 0
    assert err.splitlines() == ["charts/beta/values.yaml: beta.message: warning: is the default"]
