"""values.schema.json makes helm itself reject bad values; rendered objects are valid."""

from __future__ import annotations

import json

import kubernetes_validate
import pytest

from helpers import CHARTS, render_chart
from stackctl.errors import HelmError

SCHEMA = json.loads((CHARTS / "kafka" / "values.schema.json").read_text())


@pytest.mark.parametrize(("values", "message"), [
    ({"replicaCont": 3}, r"additional properties 'replicaCont' not allowed"),
    ({"persistence": {"sise": "8Gi"}}, r"/persistence.*additional properties 'sise'"),
    ({"replicaCount": "three"}, r"/replicaCount.*want integer"),
    ({"replicaCount": 0}, r"/replicaCount.*minimum"),
    ({"podAntiAffinityPreset": "strict"}, r"/podAntiAffinityPreset.*one of"),
    ({"image": {"pullPolicy": "always"}}, r"/image/pullPolicy.*one of"),
    ({"zookeeper": {"chroot": "kafka"}}, r"/zookeeper/chroot"),
    ({"listeners": {"client": {"containerPort": 70000}}},
     r"/listeners/client/containerPort.*maximum"),
    ({"listeners": {"client": {"protocol": "TLS"}}}, r"/listeners/client/protocol.*one of"),
    ({"containerPorts": {"client": 9093}},
     r"containerPorts: replaced by listeners.client.containerPort"),
    ({"auth": {"sasl": {"mechanisms": ["GSSAPI"]}}}, r"/auth/sasl/mechanisms/0.*one of"),
    ({"auth": {"users": ["bad user"]}}, r"/auth/users/0"),
    ({"tls": {"clientAuth": "optional"}}, r"/tls/clientAuth.*one of"),
    ({"config": {"num.partitions": {"nested": 1}}}, r"/config/num.partitions"),
    ({"pdb": {"maxUnavailable": -1}}, r"/pdb/maxUnavailable"),
    ({"pdb": {"maxUnavailable": "1/2"}}, r"/pdb/maxUnavailable"),
    ({"heapOpts": "-Xmx1G"}, r"heapOpts: replaced by heapSize"),
    ({"heapSize": "1.5G"}, r"/heapSize"),
    ({"resources": {"limits": {"memory": "2 gigs"}}}, r"/resources/limits/memory"),
    ({"resources": {"requests": {"cpu": "lots"}}}, r"/resources/requests/cpu"),
    ({"persistence": {"size": "8GB"}}, r"/persistence/size"),
    ({"replicaCount": None}, r"missing propert.*replicaCount"),
    ({"config": {"num partitions": 3}}, r"invalid propertyName 'num partitions'"),
])
def test_schema_rejects_bad_values(values, message):
    with pytest.raises(HelmError, match=message):
        render_chart("kafka", values)


def test_schema_allows_umbrella_keys():
    render_chart("kafka", {"global": {"imageRegistry": "mirror.local", "other": 1},
                           "enabled": True})


def test_every_schema_property_is_described():
    def walk(node, path):
        for key, sub in node.get("properties", {}).items():
            assert sub.get("description"), f"{path}{key}"
            if sub.get("type") == "object" and "properties" in sub and path + key != "global":
                assert sub.get("additionalProperties") is False, f"{path}{key}"
            walk(sub, f"{path}{key}.")
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert SCHEMA["additionalProperties"] is False
    walk(SCHEMA, "")


VARIANTS = {
    "defaults": {},
    "single-broker-no-persistence": {
        "replicaCount": 1, "persistence": {"enabled": False},
        "podAntiAffinityPreset": "soft", "podAffinityPreset": "hard",
        "pdb": {"minAvailable": 0}},
    "everything": {
        "replicaCount": 5, "externalZookeeper": {"connect": "zk:2181"},
        "zookeeper": {"chroot": "/kafka"}, "imagePullSecrets": ["regcred"],
        "image": {"digest": "sha256:" + "0" * 64}, "priorityClassName": "high",
        "persistence": {"storageClass": "-", "annotations": {"a": "b"}},
        "commonLabels": {"team": "data"}, "podLabels": {"x": "y"},
        "podAnnotations": {"p": "q"}, "nodeSelector": {"disk": "ssd"},
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
        "topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "kafka"}}}],
        "extraEnv": [{"name": "X", "value": "1"}],
        "extraVolumes": [{"name": "extra", "emptyDir": {}}],
        "extraVolumeMounts": [{"name": "extra", "mountPath": "/extra"}],
        "serviceAccount": {"annotations": {"iam": "role"}},
        "service": {"annotations": {"s": "t"}},
        "externalAccess": {"enabled": True, "autoDiscovery": {"enabled": True}, "service": {
            "type": "LoadBalancer", "loadBalancerClass": "example.com/lb",
            "loadBalancerSourceRanges": ["10.0.0.0/8"], "externalTrafficPolicy": "Local",
            "annotations": {"lb": "internal"}, "labels": {"exposed": "yes"}}},
        "kafkaOpts": "-Dx=y", "config": {"num.partitions": 6}},
}


@pytest.mark.parametrize("kube_version", ["1.29.0", "1.35.0"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_rendered_objects_pass_strict_kubernetes_validation(variant, kube_version):
    objs = render_chart("kafka", VARIANTS[variant], kube_version=kube_version)
    assert len(objs) >= 6
    for obj in objs:
        kubernetes_validate.validate(obj, kube_version, strict=True)
