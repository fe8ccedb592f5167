"""The StatefulSet upgrade guard of the zookeeper and kafka charts.

A StatefulSet's selector, serviceName, podManagementPolicy and volumeClaimTemplates are
immutable; ``<chart>.upgradeGuard`` looks the StatefulSet up and fails the render with the
value to blame. ``lookup`` is always empty under ``helm template``, so these tests copy the
chart, add a template that feeds ``.Values.testExisting`` to ``<chart>.upgradeGuard.compare``
(the comparison the real guard runs on the lookup result) and take the "existing"
StatefulSet from a render of the real chart with the old values, shaped the way the API
server returns it (ownership annotations, defaulted and canonicalised fields).
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import CHARTS, fed_copy, one, render_chart
from stackctl import helm
from stackctl.errors import HelmError

RELEASE = "stack"
NAMESPACE = "default"
CHARTS_UNDER_TEST = ("zookeeper", "kafka")
STS = {"zookeeper": "stack-zookeeper", "kafka": "stack-kafka"}

FEED = (
    '{{- include "%s.upgradeGuard.compare" '
    '(dict "existing" (.Values.testExisting | default dict) "ctx" .) -}}\n'
)


def _guarded_copy(chart: str, dst: Path) -> Path:
    """charts/<chart> copied to ``dst`` with the feeding template and a schema that takes it."""
    return fed_copy(chart, dst, "zz-test-guard.yaml", FEED % chart)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("guarded")
    return {chart: _guarded_copy(chart, root / chart) for chart in CHARTS_UNDER_TEST}


def as_stored(sts: dict[str, Any], owner: str | None = RELEASE) -> dict[str, Any]:
    """A rendered StatefulSet the way ``lookup`` returns it from the API server."""
    obj = copy.deepcopy(sts)
    if owner is not None:
        obj["metadata"].setdefault("annotations", {}).update({
            "meta.helm.sh/release-name": owner,
            "meta.helm.sh/release-namespace": NAMESPACE,
        })
    obj["metadata"]["uid"] = "0f4e5a8c-0000-4000-8000-000000000000"
    obj["spec"]["revisionHistoryLimit"] = 10
    for claim in obj["spec"].get("volumeClaimTemplates", []):
        claim["spec"]["volumeMode"] = "Filesystem"
        claim["status"] = {"phase": "Pending"}
    obj["status"] = {"replicas": 3, "readyReplicas": 3}
    return obj


def existing(chart: str, values: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """The StatefulSet a release installed with ``values`` holds in the cluster."""
    objs = render_chart(chart, values, release=RELEASE, namespace=NAMESPACE,
                        show_only=["templates/statefulset.yaml"])
    return as_stored(one(objs, "StatefulSet"), **kw)


def upgrade(guarded: dict[str, Path], chart: str, old: dict[str, Any],
            values: dict[str, Any] | None = None) -> str:
    """Render the guarded copy with ``values`` against the StatefulSet ``old``."""
    return helm.template(guarded[chart], release=RELEASE, namespace=NAMESPACE,
                         values={**(values or {}), "testExisting": old})


def refusal(guarded: dict[str, Path], chart: str, old: dict[str, Any],
            values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as err:
        upgrade(guarded, chart, old, values)
    message = str(err.value)
    assert "upgrade refused" in message, message
    return message


def problem_lines(message: str) -> list[str]:
    return [line for line in message.splitlines() if line.startswith("- ")]


# --- wiring ----------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_statefulset_runs_the_guard_on_the_looked_up_statefulset(chart: str) -> None:
    sts = (CHARTS / chart / "templates" / "statefulset.yaml").read_text()
    helpers = (CHARTS / chart / "templates" / "_helpers.tpl").read_text()
    assert f'include "{chart}.upgradeGuard" .' in sts
    assert f'include "{chart}.volumeClaimTemplates" .' in sts
    guard = helpers.split(f'define "{chart}.upgradeGuard" -}}}}', 1)[1].split("{{- end -}}", 1)[0]
    assert 'lookup "apps/v1" "StatefulSet" .Release.Namespace' in guard
    assert f'include "{chart}.upgradeGuard.compare"' in guard


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_no_statefulset_yet_renders(guarded: dict[str, Path], chart: str) -> None:
    assert "kind: StatefulSet" in upgrade(guarded, chart, {})


# --- nothing immutable changed ---------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
@pytest.mark.parametrize("values", [
    {},
    {"persistence": {"storageClass": "fast", "annotations": {"backup": "daily"}}},
    {"persistence": {"storageClass": "-"}},
    {"persistence": {"enabled": False}},
    {"service": {"headless": {"name": "seed-svc"}}, "podManagementPolicy": "OrderedReady"},
], ids=["defaults", "class-annotations", "no-provisioning", "no-persistence", "seed-names"])
def test_unchanged_statefulset_renders(guarded: dict[str, Path], chart: str,
                                       values: dict[str, Any]) -> None:
    assert "kind: StatefulSet" in upgrade(guarded, chart, existing(chart, values), values)


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_mutable_changes_render(guarded: dict[str, Path], chart: str) -> None:
    """replicas, image, resources, probes: the things an upgrade may change."""
    new = {"replicaCount": 5, "image": {"tag": "3.9.9"},
           "resources": {"requests": {"cpu": "1", "memory": "2Gi"},
                         "limits": {"cpu": "2", "memory": "6Gi"}}}
    assert "kind: StatefulSet" in upgrade(guarded, chart, existing(chart), new)


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_sizes_compare_as_quantities(guarded: dict[str, Path], chart: str) -> None:
    """The API server stores 1024Mi as 1Gi: the same size, not a change."""
    old = existing(chart, {"persistence": {"size": "1024Mi"}})
    old["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "1Gi"
    assert "kind: StatefulSet" in upgrade(guarded, chart, old, {"persistence": {"size": "1024Mi"}})


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_statefulset_of_another_release_is_left_to_helm(guarded: dict[str, Path],
                                                        chart: str) -> None:
    """helm refuses to adopt it with its own ownership error; the guard stays out of it."""
    old = existing(chart, {"persistence": {"size": "8Gi"}}, owner="other")
    assert "kind: StatefulSet" in upgrade(guarded, chart, old, {"persistence": {"size": "20Gi"}})


# --- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_bigger_size_names_value_sizes_and_the_way_out(guarded: dict[str, Path],
                                                       chart: str) -> None:
    message = refusal(guarded, chart, existing(chart), {"persistence": {"size": "20Gi"}})
    [line] = problem_lines(message)
    assert line.startswith("- persistence.size:"), line
    assert "8Gi" in line and "20Gi" in line
    assert f"data-{STS[chart]}-N" in line
    assert f"kubectl delete sts {STS[chart]} -n {NAMESPACE} --cascade=orphan" in line
    assert "volume expansion" in line
    assert f"StatefulSet {NAMESPACE}/{STS[chart]}" in message


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_smaller_size_says_volumes_cannot_shrink(guarded: dict[str, Path], chart: str) -> None:
    old = existing(chart, {"persistence": {"size": "20Gi"}})
    [line] = problem_lines(refusal(guarded, chart, old, {"persistence": {"size": "8Gi"}}))
    assert line.startswith("- persistence.size:")
    assert "cannot shrink" in line and 'back to "20Gi"' in line


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
@pytest.mark.parametrize(("old", "new"), [("", "fast"), ("slow", "fast"), ("-", ""),
                                          ("fast", "-")])
def test_storage_class(guarded: dict[str, Path], chart: str, old: str, new: str) -> None:
    before = existing(chart, {"persistence": {"storageClass": old}})
    message = refusal(guarded, chart, before, {"persistence": {"storageClass": new}})
    [line] = problem_lines(message)
    assert line.startswith("- persistence.storageClass:"), line
    assert f'installed with "{old}", this upgrade sets "{new}"' in line
    assert "--cascade=orphan" in line


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_access_modes_and_annotations(guarded: dict[str, Path], chart: str) -> None:
    new = {"persistence": {"accessModes": ["ReadWriteOncePod"], "annotations": {"a": "b"}}}
    lines = problem_lines(refusal(guarded, chart, existing(chart), new))
    assert [line.split(":", 1)[0] for line in lines] == [
        "- persistence.accessModes", "- persistence.annotations"]
    assert "[ReadWriteOnce]" in lines[0] and "[ReadWriteOncePod]" in lines[0]


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_headless_service_name(guarded: dict[str, Path], chart: str) -> None:
    message = refusal(guarded, chart, existing(chart),
                      {"service": {"headless": {"name": "seed-svc"}}})
    [line] = problem_lines(message)
    assert line.startswith("- service.headless.name:")
    assert f'"{STS[chart]}-headless"' in line and '"seed-svc"' in line
    assert "--cascade=orphan" in line


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_pod_management_policy(guarded: dict[str, Path], chart: str) -> None:
    message = refusal(guarded, chart, existing(chart), {"podManagementPolicy": "OrderedReady"})
    [line] = problem_lines(message)
    assert line.startswith("- podManagementPolicy:")
    assert '"Parallel"' in line and '"OrderedReady"' in line and "--cascade=orphan" in line


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_pod_management_policy_defaulted_by_the_api_server(guarded: dict[str, Path],
                                                           chart: str) -> None:
    old = existing(chart)
    del old["spec"]["podManagementPolicy"]
    [line] = problem_lines(refusal(guarded, chart, old, {}))
    assert line.startswith("- podManagementPolicy:") and '"OrderedReady"' in line


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
@pytest.mark.parametrize("was", [True, False])
def test_persistence_toggled(guarded: dict[str, Path], chart: str, was: bool) -> None:
    old = existing(chart, {"persistence": {"enabled": was}})
    message = refusal(guarded, chart, old, {"persistence": {"enabled": not was}})
    [line] = problem_lines(message)
    assert line.startswith("- persistence.enabled:")
    assert f"back to {str(was).lower()}" in line and "--cascade=orphan" in line


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_selector_change_names_name_override(guarded: dict[str, Path], chart: str) -> None:
    """With fullnameOverride the StatefulSet keeps its name while nameOverride moves the
    selector: the guard names nameOverride (the claim labels follow, reported once)."""
    old = existing(chart, {"fullnameOverride": "seed"})
    message = refusal(guarded, chart, old, {"fullnameOverride": "seed", "nameOverride": "renamed"})
    [line] = problem_lines(message)
    assert line.startswith("- nameOverride:")
    assert f'"{chart}"' in line and '"renamed"' in line


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_every_problem_is_reported_at_once(guarded: dict[str, Path], chart: str) -> None:
    new = {"persistence": {"size": "20Gi", "storageClass": "fast"},
           "podManagementPolicy": "OrderedReady",
           "service": {"headless": {"name": "seed-svc"}}}
    lines = problem_lines(refusal(guarded, chart, existing(chart), new))
    assert sorted(line.split(":", 1)[0] for line in lines) == [
        "- persistence.size", "- persistence.storageClass", "- podManagementPolicy",
        "- service.headless.name"]


def test_zookeeper_data_log_toggled(guarded: dict[str, Path]) -> None:
    on = {"persistence": {"dataLog": {"enabled": True}}}
    off = {"persistence": {"dataLog": {"enabled": False}}}
    [line] = problem_lines(refusal(guarded, "zookeeper", existing("zookeeper", off), on))
    assert line.startswith("- persistence.dataLog.enabled:") and "back to false" in line
    [line] = problem_lines(refusal(guarded, "zookeeper", existing("zookeeper", on), off))
    assert line.startswith("- persistence.dataLog.enabled:") and "back to true" in line


def test_zookeeper_data_log_size_and_class(guarded: dict[str, Path]) -> None:
    old = existing("zookeeper", {"persistence": {"dataLog": {"enabled": True}}})
    new = {"persistence": {"dataLog": {"enabled": True, "size": "20Gi", "storageClass": "fast"}}}
    lines = problem_lines(refusal(guarded, "zookeeper", old, new))
    assert [line.split(":", 1)[0] for line in lines] == [
        "- persistence.dataLog.size", "- persistence.dataLog.storageClass"]
    assert "datalog-stack-zookeeper-N" in lines[0] and "8Gi" in lines[0]


# --- inside the stack umbrella ---------------------------------------------------------


@pytest.fixture(scope="module")
def guarded_stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """charts/stack with the guarded copies as its (unpacked) subcharts."""
    root = tmp_path_factory.mktemp("guarded-stack") / "stack"
    shutil.copytree(CHARTS / "stack", root, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    for chart in CHARTS_UNDER_TEST:
        _guarded_copy(chart, root / "charts" / chart)
    shutil.copytree(CHARTS / "common", root / "charts" / "common")
    return root


def test_umbrella_messages_name_the_stack_values(guarded_stack: Path) -> None:
    """In the stack the values live under kafka.: the message says kafka.persistence.size
    (e2e/run.sh --stage1 greps for persistence.size)."""
    old = existing("kafka")
    with pytest.raises(HelmError) as err:
        helm.template(guarded_stack, release=RELEASE, namespace=NAMESPACE, values={
            "kafka": {"persistence": {"size": "999Gi"}, "testExisting": old}})
    [line] = problem_lines(str(err.value))
    assert re.match(r"- kafka\.persistence\.size: .* requests 8Gi, .* asks for 999Gi\.", line)
    assert "set kafka.persistence.size back to" in line


# --- kafka: how the brokers talk to each other ----------------------------------------

SASL_SSL_INTERBROKER = {"listeners": {"interbroker": {"protocol": "SASL_SSL"}}}


def test_inter_broker_protocol_change_cannot_roll(guarded: dict[str, Path]) -> None:
    message = refusal(guarded, "kafka", existing("kafka"), SASL_SSL_INTERBROKER)
    assert "the brokers of StatefulSet default/stack-kafka cannot roll" in message
    [line] = problem_lines(message)
    assert line.startswith('- listeners.interbroker: the running brokers talk to each other '
                           'over "INTERNAL PLAINTEXT", this upgrade over '
                           '"INTERNAL SASL_SSL SCRAM-SHA-512"')
    assert ("kubectl delete pod -n default -l app.kubernetes.io/component=broker,"
            "app.kubernetes.io/instance=stack,app.kubernetes.io/name=kafka") in line


def test_inter_broker_protocol_change_with_on_delete_renders(guarded: dict[str, Path]) -> None:
    values = {**SASL_SSL_INTERBROKER, "updateStrategy": {"type": "OnDelete"}}
    assert "kind: StatefulSet" in upgrade(guarded, "kafka", existing("kafka"), values)


def test_inter_broker_mechanism_change_cannot_roll(guarded: dict[str, Path]) -> None:
    old = existing("kafka", SASL_SSL_INTERBROKER)
    new = {**SASL_SSL_INTERBROKER, "auth": {"sasl": {
        "mechanisms": ["SCRAM-SHA-256"], "interBrokerMechanism": "SCRAM-SHA-256"}}}
    assert "SCRAM-SHA-256" in problem_lines(refusal(guarded, "kafka", old, new))[0]


def test_client_listener_changes_roll(guarded: dict[str, Path]) -> None:
    new = {"listeners": {"client": {"protocol": "SASL_SSL"}}}
    assert "kind: StatefulSet" in upgrade(guarded, "kafka", existing("kafka"), new)


def test_a_release_from_before_the_listener_model_cannot_roll_into_it(
        guarded: dict[str, Path]) -> None:
    # 0.1/0.2: no annotation, one listener named PLAINTEXT on the client port only
    old = existing("kafka")
    del old["metadata"]["annotations"]["kafka.chart/inter-broker-listener"]
    for container in old["spec"]["template"]["spec"]["containers"]:
        container["ports"] = [p for p in container["ports"] if p["name"] != "tcp-internal"]
    line = problem_lines(refusal(guarded, "kafka", old, {}))[0]
    assert 'over "PLAINTEXT PLAINTEXT", this upgrade over "INTERNAL PLAINTEXT"' in line


def test_external_access_can_be_turned_on_and_off(guarded: dict[str, Path]) -> None:
    on = {"externalAccess": {"enabled": True, "service": {"nodePortBase": 31090}}}
    assert "kind: StatefulSet" in upgrade(guarded, "kafka", existing("kafka"), on)
    assert "kind: StatefulSet" in upgrade(guarded, "kafka", existing("kafka", on), {})
