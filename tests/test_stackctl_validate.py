"""stackctl validate: env files, values schema via helm, strict Kubernetes schemas per version."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackctl import cli
from stackctl.errors import UsageError
from stackctl.kubeschema import DEFAULT_VERSIONS, KubeSchemas, parse_versions


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--root", str(root), "validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_environments_pass_and_print_a_summary(mini_repo: Path, capsys) -> None:
    code, out, err = run(capsys, mini_repo, "--all")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "dev: 3 objects rendered, validated against Kubernetes 1.29-1.37 (9 versions): OK",
        "prod: 4 objects rendered, validated against Kubernetes 1.29-1.37 (9 versions): OK",
    ]


def test_invalid_object_field_is_reported_per_template_and_path(mini_repo: Path, capsys) -> None:
    template = mini_repo / "charts/alpha/templates/service.yaml"
    template.write_text(template.read_text().replace("port: {{ . }}", "port: {{ . }}\n"
                                                     "      portt: 1"))
    code, _, err = run(capsys, mini_repo, "--env", "prod", "--kube-versions", "1.30,1.31")
    assert code == 1
    assert err.strip() == (
        "charts/alpha/templates/service.yaml: Service/stack-alpha.spec.ports.0: "
        "Additional properties are not allowed ('portt' was unexpected) (Kubernetes 1.30-1.31)")


def test_api_removed_in_a_version_is_reported_for_that_version(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/beta/templates/flow.yaml").write_text(
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\n"
        "metadata:\n  name: x\nspec:\n  priorityLevelConfiguration:\n    name: y\n")
    code, _, err = run(capsys, mini_repo, "--env", "prod", "--kube-versions", "1.31-1.33")
    assert code == 1
    assert err.strip() == (
        "charts/beta/templates/flow.yaml: FlowSchema/x.apiVersion: "
        "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is not served by this Kubernetes version "
        "(Kubernetes 1.32, 1.33)")


def test_env_file_problems_are_reported_once(mini_repo: Path, capsys) -> None:
    (mini_repo / "charts/stack/environments/prod.yaml").write_text(
        "alpha:\n  replicaCount: 9\n  imag: {}\n")
    code, _, err = run(capsys, mini_repo, "--env", "prod", "--kube-versions", "1.35")
    assert code == 1
    assert err.splitlines() == [
        "charts/stack/environments/prod.yaml: alpha.imag: Unexpected element",
        "charts/stack/environments/prod.yaml: alpha.replicaCount: 9 is greater than 7",
    ]


def test_all_reports_every_broken_environment(mini_repo: Path, capsys) -> None:
    for env in ("dev", "prod"):
        (mini_repo / f"charts/stack/environments/{env}.yaml").write_text("teem: x\n")
    code, out, err = run(capsys, mini_repo, "--all", "--kube-versions", "1.35")
    assert code == 1
    assert [line.split(":")[0] for line in err.splitlines()] == [
        "charts/stack/environments/dev.yaml", "charts/stack/environments/prod.yaml"]
    assert "dev: 0 objects rendered" in out


def test_env_and_all_together_is_a_usage_error(mini_repo: Path, capsys) -> None:
    assert run(capsys, mini_repo, "--all", "--env", "dev")[0] == 2
    assert run(capsys, mini_repo)[0] == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("1.29-1.31", ["1.29", "1.30", "1.31"]),
    ("v1.30.2,1.29", ["1.30", "1.29"]),
    ("1.35,1.35", ["1.35"]),
])
def test_kube_versions_parse(text: str, expected: list[str]) -> None:
    assert parse_versions(text) == expected


@pytest.mark.parametrize("text", ["1.99", "banana", "", "1.20-1.30"])
def test_unknown_kube_versions_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_versions(text)


def test_default_versions_are_1_29_to_1_37() -> None:
    assert DEFAULT_VERSIONS[0] == "1.29" and DEFAULT_VERSIONS[-1] == "1.37"
    assert len(DEFAULT_VERSIONS) == 9


def test_strict_schemas_reject_unknown_fields_in_every_version() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "i", "imagePullPolicie": "x"}]}}
    schemas = KubeSchemas()
    for version in DEFAULT_VERSIONS:
        assert [p for p, _ in schemas.errors(pod, version)] == ["spec.containers.0"]
