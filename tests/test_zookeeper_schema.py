"""The zookeeper chart's contract: values.schema.json, strict Kubernetes validation, lint."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import kubernetes_validate
import pytest
import yaml

from helpers import CHARTS, prepared, render_chart
from stackctl import helm
from stackctl.errors import HelmError
from stackctl.helmbin import find_helm

CHART = CHARTS / "zookeeper"
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
KUBE_VERSIONS = ["1.29.0", "1.35.0"]


def helm_rejects(values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as err:
        render_chart("zookeeper", values, release="zk")
    return str(err.value)


# --- helm rejects bad values through the schema ------------------------------------------

@pytest.mark.parametrize(("values", "names"), [
    ({"replicaCont": 3}, "replicaCont"),
    ({"persistence": {"sise": "8Gi"}}, "sise"),
    ({"service": {"ports": {"clinet": 2181}}}, "clinet"),
    ({"replicaCount": "three"}, "/replicaCount"),
    ({"tickTime": "2000"}, "/tickTime"),
    ({"persistence": {"enabled": "yes"}}, "/persistence/enabled"),
    ({"replicaCount": 0}, "/replicaCount"),
    ({"replicaCount": 256}, "/replicaCount"),
    ({"podAntiAffinityPreset": "hrad"}, "/podAntiAffinityPreset"),
    ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
    ({"service": {"ports": {"client": 65536}}}, "/service/ports/client"),
    ({"autopurge": {"snapRetainCount": 2}}, "/autopurge/snapRetainCount"),
    ({"persistence": {"size": "8 gigs"}}, "/persistence/size"),
    ({"heapSize": "-Xmx1G"}, "/heapSize"),
    ({"fourLetterWordsWhitelist": ["ruok", "srvr", "rm -rf"]}, "/fourLetterWordsWhitelist"),
    ({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Keep"}},
     "/persistentVolumeClaimRetentionPolicy/whenDeleted"),
    ({"pdb": {"maxUnavailable": "one"}}, "/pdb/maxUnavailable"),
    ({"config": {"snapCount": {"nested": 1}}}, "/config/snapCount"),
    ({"config": {"jute.maxbuffer": "1\nserver.9=evil:2888:3888"}}, "/config/jute.maxbuffer"),
    ({"config": {"bad key": 1}}, "bad key"),
    ({"livenessProbe": {"successThreshold": 2}}, "/livenessProbe/successThreshold"),
])
def test_schema_rejects_bad_values_naming_the_key(values, names):
    message = helm_rejects(values)
    assert names in message, message


def test_schema_rejects_replica_count_zero_and_256_with_the_bound():
    assert "minimum: got 0, want 1" in helm_rejects({"replicaCount": 0})
    assert "maximum: got 256, want 255" in helm_rejects({"replicaCount": 256})


def test_schema_accepts_umbrella_keys_and_boundary_values():
    objs = render_chart("zookeeper", {
        "global": {"imageRegistry": "", "storageClass": "anything-the-umbrella-sets"},
        "enabled": True,
        "replicaCount": 255,
        "pdb": {"maxUnavailable": "34%"},
    }, show_only=["templates/pdb.yaml"])
    assert objs[0]["spec"]["maxUnavailable"] == "34%"


def _walk(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    for key, prop in schema.get("properties", {}).items():
        found.append((path + key, prop))
        found += _walk(prop, f"{path}{key}.")
    return found


def test_schema_is_draft7_strict_and_described():
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    for path, prop in [("", SCHEMA), *_walk(SCHEMA)]:
        assert path == "" or prop.get("description"), f"{path}: no description"
        if "properties" in prop and path != "global":
            assert prop.get("additionalProperties") is False, f"{path or '<root>'}: not strict"


def test_defaults_match_the_issue():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["replicaCount"] == 3
    assert values["image"] == {"registry": "docker.io", "repository": "library/zookeeper",
                               "tag": "3.8.4", "digest": "", "pullPolicy": "IfNotPresent"}
    assert (values["tickTime"], values["initLimit"], values["syncLimit"]) == (2000, 10, 5)
    assert values["autopurge"] == {"snapRetainCount": 3, "purgeInterval": 24}
    assert values["persistence"]["size"] == "8Gi"
    assert values["clusterDomain"] == "cluster.local"
    assert values["adminServer"]["enabled"] is False


# --- strict Kubernetes schema validation ------------------------------------------------

FULL_VALUES = {
    "replicaCount": 5,
    "podAntiAffinityPreset": "hard",
    "persistence": {"storageClass": "-", "annotations": {"a": "b"},
                    "dataLog": {"enabled": True, "storageClass": "fast"}},
    "adminServer": {"enabled": True},
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                   "whenUnsatisfiable": "ScheduleAnyway"}],
    "nodeSelector": {"pool": "zk"},
    "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
    "priorityClassName": "critical",
    "imagePullSecrets": ["regcred"],
    "extraEnv": [{"name": "A", "value": "b"}],
    "extraVolumes": [{"name": "certs", "secret": {"secretName": "zk-certs"}}],
    "extraVolumeMounts": [{"name": "certs", "mountPath": "/certs"}],
    "pdb": {"minAvailable": 3},
    "config": {"snapCount": 100000},
    "service": {"type": "NodePort", "annotations": {"x": "y"}},
    "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn"}},
}


@pytest.fixture(scope="module", params=[
    pytest.param({}, id="defaults"),
    pytest.param(FULL_VALUES, id="everything-on"),
    pytest.param({"replicaCount": 1, "persistence": {"enabled": False}}, id="single-ephemeral"),
])
def rendered(request) -> list[dict[str, Any]]:
    return render_chart("zookeeper", request.param, release="zk", namespace="data")


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_every_object_passes_strict_kubernetes_validation(rendered, kube_version):
    problems = []
    for obj in rendered:
        try:
            kubernetes_validate.validate(obj, kube_version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {path}: {exc.message}")
    assert problems == []
    assert {o["kind"] for o in rendered} >= {"StatefulSet", "Service", "ConfigMap",
                                             "ServiceAccount", "Pod"}


def test_strict_validation_catches_a_typo_so_the_check_is_real():
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
           "spec": {"ports": [{"port": 1}], "publishNotReadyAdresses": True}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(obj, KUBE_VERSIONS[0], strict=True)


# --- lint and NOTES -------------------------------------------------------------------------

def test_helm_lint_strict_passes():
    result = subprocess.run([str(find_helm()), "lint", "--strict", str(prepared("zookeeper"))],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


def notes(values: list[str]) -> str:
    args = ["install", "zk", str(prepared("zookeeper")), "--dry-run=client", "--namespace", "data"]
    for item in values:
        args += ["--set", item]
    out = helm.run_helm(args)
    return out.split("NOTES:", 1)[1]


def test_notes_warn_about_an_even_replica_count():
    text = notes(["replicaCount=4"])
    assert "WARNING: replicaCount: 4 servers (an even number) need 3 for a quorum" in text
    assert "zk-zookeeper-3.zk-zookeeper-headless.data.svc.cluster.local (myid 4)" in text
    assert "even number" not in notes(["replicaCount=3", "podAntiAffinityPreset=hard"])
