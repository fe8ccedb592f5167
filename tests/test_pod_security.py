"""Every pod the charts render meets the Pod Security Standards "restricted" level.

The verdicts come from k8s.io/pod-security-admission/policy (tools/psa, see tests/pss.py),
the code the PodSecurity admission plugin runs, at policy version "latest" and at every
Kubernetes minor `stackctl validate` covers. Rendered and checked: the stack with each
charts/stack/environments/*.yaml, every application chart with its defaults, and every
charts/<chart>/ci/*-values.yaml with its own chart. Helm test pods are pods too.

Without Go (or when tools/psa does not build) these tests are skipped locally and fail
in CI (CI=true).
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import pss
from helpers import CHARTS, one, render_chart
from stackctl.kubeschema import DEFAULT_VERSIONS

POLICY_VERSIONS = ("latest", *DEFAULT_VERSIONS)


@dataclass(frozen=True)
class Source:
    """One render: a chart and the values files applied to it."""

    id: str
    chart: str
    value_files: tuple[Path, ...] = ()


def sources() -> list[Source]:
    found = [Source(f"stack/environments/{p.name}", "stack", (p,))
             for p in sorted((CHARTS / "stack" / "environments").glob("*.yaml"))]
    charts = sorted(p.parent.name for p in CHARTS.glob("*/Chart.yaml")
                    if yaml.safe_load(p.read_text()).get("type") != "library")  # no pods
    found += [Source(f"{chart}/defaults", chart) for chart in charts]
    found += [Source(f"{p.parent.parent.name}/ci/{p.name}", p.parent.parent.name, (p,))
              for p in sorted(CHARTS.glob("*/ci/*-values.yaml"))]
    return found


SOURCES = sources()


@pytest.fixture(scope="module", autouse=True)
def psa_binary() -> Path:
    return pss.required(pss.binary, pss.PsaUnavailable, "Pod Security checks")


@functools.cache
def checked(source: Source) -> tuple[list[dict], pss.Report]:
    """The render and its verdicts (both levels, every policy version): one psa call."""
    objs = render_chart(source.chart, value_files=source.value_files)
    return objs, pss.evaluate(objs, versions=POLICY_VERSIONS)


@pytest.mark.parametrize("level", pss.LEVELS)
@pytest.mark.parametrize("source", SOURCES, ids=[s.id for s in SOURCES])
def test_rendered_pods_meet_pod_security_level(source: Source, level: str) -> None:
    objs, report = checked(source)
    expected = [i for i, o in enumerate(objs) if pss.has_pod_spec(o)]
    assert expected, f"{source.id}: renders no pod at all, nothing to check"
    # Every pod-bearing object got a verdict at every policy version: none slipped past.
    assert report.pods == len(expected)
    for version in POLICY_VERSIONS:
        assert sorted(v.index for v in report.at(level, version)) == expected, version
    dropped = {f"{v.object}: {w}" for v in report.at(level) for w in v.warnings}
    assert not dropped, f"{source.id}: fields the API server would drop: {sorted(dropped)}"
    bad = report.violations(level)
    if bad:
        pytest.fail(f"{source.id}: {len({v.index for v in bad})} of {report.pods} "
                    f"pod(s) violate Pod Security {level!r} ({report.policy}, policy versions "
                    f"{', '.join(POLICY_VERSIONS)}):\n"
                    f"{pss.describe(bad, POLICY_VERSIONS)}", pytrace=False)


@pytest.mark.parametrize("chart", ["zookeeper", "kafka"])
def test_helm_test_pods_are_among_the_checked_pods(chart: str) -> None:
    objs, report = checked(Source(f"{chart}/defaults", chart))
    hooks = {i for i, o in enumerate(objs)
             if "test" in (o["metadata"].get("annotations") or {}).get("helm.sh/hook", "")}
    assert hooks, f"{chart}: no helm test pod rendered"
    assert hooks <= {v.index for v in report.at("restricted")}


def test_policy_is_the_pinned_module_and_knows_every_validated_version() -> None:
    _, report = checked(Source("zookeeper/defaults", "zookeeper"))
    version = pss.module_version()
    assert report.policy == f"k8s.io/pod-security-admission@{version}"
    # pod-security-admission v0.N.x carries the policy of Kubernetes 1.N; a newer minor
    # would silently be evaluated as 1.N.
    newest = max(int(v.split(".")[1]) for v in DEFAULT_VERSIONS)
    minor = int(re.match(r"v0\.(\d+)\.", version)[1])
    assert newest <= minor, f"stackctl validates 1.{newest}: bump tools/psa to v0.{newest}.x"


# --- the checker can fail -----------------------------------------------------------------

BAD_POD_SPEC = {
    "containers": [{
        "name": "app", "image": "busybox",
        "securityContext": {"privileged": True},
        "volumeMounts": [{"name": "host", "mountPath": "/host"}],
    }],
    "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
}
BAD_RESTRICTED = ["privileged", "allowPrivilegeEscalation != false", "unrestricted capabilities",
                  "restricted volume types", "runAsNonRoot != true", "seccompProfile"]
BAD_BASELINE = ["hostPath volumes", "privileged"]


def workload(kind: str, spec: dict) -> dict:
    """``spec`` as a Pod, or as the pod template of a workload ``kind``."""
    spec = copy.deepcopy(spec)
    template = {"metadata": {"labels": {"app": "bad"}}, "spec": spec}
    if kind == "Pod":
        api, body = "v1", spec
    elif kind == "Job":
        api, body = "batch/v1", {"template": template}
    elif kind == "CronJob":
        api, body = "batch/v1", {"schedule": "@daily",
                                 "jobTemplate": {"spec": {"template": template}}}
    else:
        api, body = "apps/v1", {"selector": {"matchLabels": {"app": "bad"}},
                                "template": template}
    return {"apiVersion": api, "kind": kind, "metadata": {"name": f"bad-{kind.lower()}"},
            "spec": body}


@pytest.mark.parametrize("kind", ["Pod", "StatefulSet", "Deployment", "DaemonSet",
                                  "ReplicaSet", "Job", "CronJob"])
def test_a_privileged_root_hostpath_pod_is_reported(kind: str) -> None:
    report = pss.evaluate([{"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": "ignored"}}, workload(kind, BAD_POD_SPEC)])
    assert (report.objects, report.pods) == (2, 1)
    [restricted] = report.at("restricted")
    assert (restricted.index, restricted.object) == (1, f"{kind}/bad-{kind.lower()}")
    assert not restricted.allowed
    assert restricted.reasons == BAD_RESTRICTED
    assert restricted.message.startswith('violates PodSecurity "restricted:latest": privileged')
    assert 'volume "host" uses restricted volume type "hostPath"' in restricted.message
    [baseline] = report.at("baseline")
    assert not baseline.allowed
    assert baseline.reasons == BAD_BASELINE


def test_one_missing_setting_in_a_real_render_is_reported() -> None:
    """The charts' own StatefulSet with one container allowed to escalate privileges."""
    objs = render_chart("kafka", show_only=["templates/statefulset.yaml"])
    sts = copy.deepcopy(one(objs, "StatefulSet"))
    container = sts["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["allowPrivilegeEscalation"] = True
    report = pss.evaluate([one(objs, "StatefulSet"), sts])
    assert [v.allowed for v in report.at("restricted")] == [True, False]
    assert report.at("restricted")[1].forbidden == (
        ("allowPrivilegeEscalation != false",
         f'container "{container["name"]}" must set '
         "securityContext.allowPrivilegeEscalation=false"),)
    assert all(v.allowed for v in report.at("baseline"))


def test_policy_versions_apply_that_versions_rules() -> None:
    """Since 1.35 a pod in a user namespace (hostUsers: false) may run as root."""
    spec = {"hostUsers": False,
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app", "image": "busybox", "securityContext": {
                "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}
    report = pss.evaluate([workload("Pod", spec)], levels=["restricted"],
                          versions=["1.34", "1.35", "latest"])
    assert {v.version: v.reasons for v in report.verdicts} == {
        "v1.34": ["runAsNonRoot != true"], "v1.35": [], "latest": []}


@pytest.mark.parametrize(("obj", "error"), [
    pytest.param({"apiVersion": "extensions/v1beta1", "kind": "Deployment",
                  "metadata": {"name": "d"}},
                 'no kind "Deployment" is registered for version "extensions/v1beta1"',
                 id="pod-kind-at-an-undecodable-apiVersion"),
    pytest.param({"kind": "Pod", "metadata": {"name": "p"}},
                 "apiVersion and kind are required", id="no-apiVersion"),
    pytest.param({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                  "spec": {"containers": "app"}}, "cannot unmarshal string", id="wrong-type"),
])
def test_input_psa_cannot_evaluate_is_an_error_not_a_pass(obj: dict, error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        pss.evaluate([obj])
