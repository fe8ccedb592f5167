"""validate refuses what the API server would: bad quantities, names, labels, -n, --release."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackctl import cli
from stackctl.kubeschema import shared_schemas
from stackctl.manifests import Obj
from stackctl.objcheck import rule_problems
from stackctl.repo import Repo

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
             "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',"
             "  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
FORMAT = ("quantities must match the regular expression "
          "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str]:
    code = cli.main(["--root", str(root), "validate", "--kube-versions", "1.35", *args])
    out, err = capsys.readouterr()
    assert ("OK" in out) is (code == 0)  # the summary agrees with the exit code
    return code, err


@pytest.fixture
def with_resources(mini_repo: Path) -> Path:
    """beta renders a Pod whose resources come from values."""
    (mini_repo / "charts/beta/templates/pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-beta\nspec:\n"
        "  containers:\n    - name: {{ .Values.container | default \"main\" }}\n"
        "      image: busybox\n"
        "      resources: {{- toYaml .Values.resources | nindent 8 }}\n")
    schema = mini_repo / "charts/beta/values.schema.json"
    schema.write_text(schema.read_text().replace(
        '"message":', '"resources": {"type": "object"}, "container": {"type": "string"},\n'
        '"message":'))
    (mini_repo / "charts/beta/values.yaml").write_text(
        "message: hi\nresources:\n  limits:\n    memory: 1Gi\n    cpu: 500m\n")
    return mini_repo


def test_valid_quantities_pass(with_resources: Path, capsys) -> None:
    assert run(capsys, with_resources, "--env", "prod") == (0, "")


def test_bad_quantity_is_blamed_on_the_file_that_set_it(with_resources: Path, tmp_path: Path,
                                                        capsys) -> None:
    extra = tmp_path / "big.yaml"
    extra.write_text("beta:\n  resources:\n    limits:\n      memory: 2 gigs\n")
    code, err = run(capsys, with_resources, "--env", "prod", "-f", str(extra))
    assert code == 1
    assert err.splitlines() == [
        f"{extra}: beta.resources.limits.memory: invalid value '2 gigs': {FORMAT} "
        "(rendered at Pod/stack-beta.spec.containers.0.resources.limits.memory)"]


def test_bad_quantity_from_set_names_the_flag(with_resources: Path, capsys) -> None:
    code, err = run(capsys, with_resources, "--env", "prod",
                    "--set", "beta.resources.limits.cpu=lots")
    assert code == 1
    assert err.startswith("--set beta.resources.limits.cpu=lots: "
                          "beta.resources.limits.cpu: invalid value 'lots': quantities must")


def test_quantity_not_from_values_names_the_template_and_object_path(mini_repo: Path,
                                                                     capsys) -> None:
    (mini_repo / "charts/beta/templates/pvc.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n"
        "  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1K\n")
    code, err = run(capsys, mini_repo, "--env", "prod")
    assert code == 1
    assert err.strip() == (
        "charts/beta/templates/pvc.yaml: PersistentVolumeClaim/data.spec.resources.requests."
        "storage: invalid value '1K': unable to parse quantity's suffix")


def test_bad_namespace_flag(mini_repo: Path, capsys) -> None:
    code, err = run(capsys, mini_repo, "--env", "prod", "-n", "Kafka_NS")
    assert code == 1
    # once, not again for the Service helm puts into that namespace
    assert err.splitlines() == [f"--namespace Kafka_NS: {LABEL_MSG}"]


def test_bad_namespace_in_a_template_is_still_reported(mini_repo: Path, capsys) -> None:
    template = mini_repo / "charts/beta/templates/configmap.yaml"
    template.write_text(template.read_text().replace(
        "  name: {{ .Release.Name }}-beta\n", "  name: {{ .Release.Name }}-beta\n"
        "  namespace: Other_NS\n"))
    code, err = run(capsys, mini_repo, "--env", "prod")
    assert code == 1
    assert err.startswith("charts/beta/templates/configmap.yaml: ConfigMap/stack-beta.metadata."
                          "namespace: invalid value 'Other_NS': a lowercase RFC 1123 label")


def test_bad_release_flag(mini_repo: Path, capsys) -> None:
    code, err = run(capsys, mini_repo, "--env", "prod", "--release", "a" * 54)
    assert code == 1
    assert f"--release {'a' * 54}: must be no more than 53 characters" in err


def test_bad_container_name_and_label(with_resources: Path, capsys) -> None:
    template = with_resources / "charts/alpha/templates/configmap.yaml"
    template.write_text(template.read_text().replace("  labels:\n",
                                                     "  labels:\n    bad/key/x: y\n"))
    code, err = run(capsys, with_resources, "--env", "prod", "--set", "beta.container=Main_1")
    assert code == 1
    lines = err.splitlines()
    assert f"--set beta.container=Main_1: beta.container: invalid value 'Main_1': {LABEL_MSG} " \
        "(rendered at Pod/stack-beta.spec.containers.0.name)" in lines
    assert any(line.startswith("charts/alpha/templates/configmap.yaml: ConfigMap/stack-alpha."
                               "metadata.labels.bad/key/x: invalid value 'bad/key/x': a "
                               "qualified name must consist") for line in lines)


@pytest.mark.parametrize(("kind", "name", "ok"), [
    ("Service", "1svc", False),  # DNS-1035: must start with a letter
    ("ConfigMap", "1.cm", True),  # DNS-1123 subdomain
    ("ConfigMap", "Cm", False),
    ("Namespace", "a.b", False),  # DNS-1123 label
    ("Role", "system:reader", True),  # RBAC: path segment names
])
def test_metadata_name_rule_follows_the_kind(mini_repo: Path, kind: str, name: str,
                                             ok: bool) -> None:
    api = "rbac.authorization.k8s.io/v1" if kind == "Role" else "v1"
    obj = Obj("stack/templates/x.yaml",
              {"apiVersion": api, "kind": kind, "metadata": {"name": name}})
    problems = rule_problems(Repo(mini_repo), [obj], "1.35", shared_schemas())
    assert (problems == []) is ok
    assert all(p.key == f"{kind}/{name}.metadata.name" for p in problems)
