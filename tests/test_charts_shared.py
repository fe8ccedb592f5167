"""What both subcharts promise alike, checked on both: they build it with the same helpers
of charts/common, so these tests hold them to one behaviour."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import CHARTS, by_kind, render_chart

CHARTS_UNDER_TEST = ("zookeeper", "kafka")
COMPONENT = {"zookeeper": "zookeeper", "kafka": "broker"}


def pod_specs(objs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for obj in by_kind(objs, "StatefulSet") + by_kind(objs, "Pod"):
        spec = obj["spec"].get("template", {}).get("spec", obj["spec"])
        found.append((obj["metadata"]["name"], spec))
    return found


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
@pytest.mark.parametrize("values", [{}, {"persistence": {"enabled": False}}],
                         ids=["defaults", "no-persistence"])
def test_every_scratch_volume_is_bounded_and_every_container_sized(
        chart: str, values: dict[str, Any]) -> None:
    """A namespace ResourceQuota on limits.cpu rejected the Kafka helm test pod (no CPU
    limit); no emptyDir had a sizeLimit and no container requested ephemeral storage."""
    for name, spec in pod_specs(render_chart(chart, values)):
        for volume in spec["volumes"]:
            if "emptyDir" in volume:
                assert volume["emptyDir"].get("sizeLimit"), (name, volume)
        for c in spec.get("initContainers", []) + spec["containers"]:
            resources = c["resources"]
            assert resources["limits"].get("cpu"), (name, c["name"])
            assert resources["limits"].get("memory"), (name, c["name"])
            assert resources["requests"].get("ephemeral-storage"), (name, c["name"])


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_labels_mean_the_same_in_both_charts(chart: str) -> None:
    """part-of names the application helm installs and version the software that runs (they
    meant different things in each chart)."""
    alone = render_chart(chart, {"image": {"tag": "3.9.9"}}, release="r")
    stacked = render_chart("stack", {chart: {"image": {"tag": "3.9.9"}}}, release="r")
    for objs, part_of in ((alone, chart), (stacked, "stack")):
        for obj in objs:
            if chart not in obj["metadata"]["name"] and obj["kind"] != "PodDisruptionBudget":
                continue
            labels = obj["metadata"]["labels"]
            if labels.get("helm.sh/chart", "").split("-")[0] != chart:
                continue
            assert labels["app.kubernetes.io/part-of"] == part_of, obj["metadata"]["name"]
            assert labels["app.kubernetes.io/version"] == "3.9.9", obj["metadata"]["name"]
            assert labels["app.kubernetes.io/component"] in (COMPONENT[chart], "test")


def _shape(schema: Any, root: dict[str, Any]) -> Any:
    """A schema without its prose: what it accepts, $refs resolved."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target: Any = root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return {k: _shape(v, root) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [_shape(v, root) for v in schema]
    return schema


SHARED = ["global", "common", "nameOverride", "fullnameOverride", "commonLabels",
          "clusterDomain", "replicaCount", "image", "imagePullSecrets", "heapSize",
          "serviceAccount", "podManagementPolicy", "terminationGracePeriodSeconds",
          "podAnnotations", "podLabels", "podSecurityContext", "containerSecurityContext",
          "resources", "emptyDirSizeLimits", "podAntiAffinityPreset", "affinity",
          "topologySpreadConstraints", "nodeSelector", "tolerations", "priorityClassName",
          "readinessProbe", "livenessProbe", "startupProbe", "persistentVolumeClaimRetentionPolicy",
          "pdb", "extraEnv", "extraVolumes", "extraVolumeMounts"]


@pytest.mark.parametrize("key", SHARED)
def test_shared_values_have_one_shape(key: str) -> None:
    """The same concept takes the same values in both charts (heapSize was a size in one
    and a JVM flag string in the other; pdb's "computed" was "" in one and null in the
    other). Only the descriptions may differ."""
    schemas = {c: json.loads((CHARTS / c / "values.schema.json").read_text())
               for c in CHARTS_UNDER_TEST}
    zk, kafka = (_shape(s["properties"].get(key), s) for s in schemas.values())
    assert zk is not None and kafka is not None, key
    if key == "replicaCount":  # ZooKeeper's myid is 1..255
        zk.pop("maximum", None)
        kafka.pop("maximum", None)
    if key == "emptyDirSizeLimits":
        assert zk.keys() == kafka.keys()
        return
    assert zk == kafka, key
