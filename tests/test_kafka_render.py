"""What the kafka chart renders: names, wiring, identity, scheduling, security."""

from __future__ import annotations

import copy
import functools
import json
import re

import pytest
import yaml

from helpers import CHARTS, by_kind, one
from helpers import render_chart as _render_chart

STS = "templates/statefulset.yaml"
CM = "templates/configmap-scripts.yaml"
TEST_POD = "templates/tests/test-produce-consume.yaml"


@functools.cache
def _cached(values_json: str, show_only: tuple[str, ...], kw_json: str):
    return _render_chart("kafka", json.loads(values_json), show_only=show_only,
                         **json.loads(kw_json))


def render_chart(chart, values=None, *, show_only=(), **kw):
    """helpers.render_chart, memoised: many tests read the same default render."""
    assert chart == "kafka"
    objs = _cached(json.dumps(values or {}, sort_keys=True), tuple(show_only),
                   json.dumps(kw, sort_keys=True))
    return copy.deepcopy(objs)


def statefulset(values=None, **kw):
    return one(render_chart("kafka", values, **kw), "StatefulSet")


def broker(sts):
    return next(c for c in sts["spec"]["template"]["spec"]["containers"] if c["name"] == "kafka")


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def base_properties(values=None, **kw):
    cm = one(render_chart("kafka", values, **kw), "ConfigMap")
    lines = cm["data"]["server.properties"].splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_default_objects_and_names():
    objs = render_chart("kafka", release="rel")
    assert one(objs, "StatefulSet", "rel-kafka")
    assert one(objs, "Service", "rel-kafka")
    headless = one(objs, "Service", "rel-kafka-headless")
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True
    assert [(p["name"], p["port"]) for p in headless["spec"]["ports"]] == [
        ("tcp-client", 9092), ("tcp-internal", 9094)]
    client = one(objs, "Service", "rel-kafka")
    assert [(p["name"], p["port"]) for p in client["spec"]["ports"]] == [("tcp-client", 9092)]
    assert one(objs, "PodDisruptionBudget", "rel-kafka")["apiVersion"] == "policy/v1"
    assert one(objs, "ServiceAccount", "rel-kafka")["automountServiceAccountToken"] is False
    assert one(objs, "ConfigMap", "rel-kafka-scripts")
    assert one(objs, "Pod", "rel-kafka-test-produce-consume")


def test_seed_migration_names():
    objs = render_chart("kafka", {"fullnameOverride": "kafka",
                                  "service": {"headless": {"name": "kafka-svc"}}})
    sts = one(objs, "StatefulSet", "kafka")
    assert sts["spec"]["serviceName"] == "kafka-svc"
    assert one(objs, "Service", "kafka-svc")["spec"]["clusterIP"] == "None"
    assert env_of(broker(sts))["HEADLESS_SERVICE"]["value"] == "kafka-svc"


def test_release_name_containing_kafka_is_the_fullname():
    assert statefulset(release="my-kafka")["metadata"]["name"] == "my-kafka"


def test_statefulset_defaults():
    spec = statefulset()["spec"]
    assert spec["replicas"] == 3
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["updateStrategy"] == {"type": "RollingUpdate"}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain", "whenScaled": "Retain"}
    pod = spec["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 300
    assert pod["enableServiceLinks"] is False
    assert pod["automountServiceAccountToken"] is False
    c = broker(statefulset())
    assert c["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi",
                                           "ephemeral-storage": "128Mi"},
                              "limits": {"cpu": "1", "memory": "2Gi"}}
    assert env_of(c)["BROKER_HEAP_OPTS"]["value"] == "-Xmx1G -Xms1G"


def test_broker_ids_follow_pod_ordinal():
    """The seed put metadata.name (a string like kafka-0) into KAFKA_BROKER_ID."""
    c = broker(statefulset())
    env = env_of(c)
    assert "KAFKA_BROKER_ID" not in env
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["BROKER_ID_OFFSET"]["value"] == "0"
    assert c["command"] == ["/bin/bash", "/opt/kafka/chart/start.sh"]
    assert "broker.id" not in base_properties()


def test_no_env_value_relies_on_shell_expansion():
    """Kubernetes never runs a shell on env values: the seed's $(hostname -f) stayed literal."""
    for values in ({}, {"externalZookeeper": {"connect": "zk:2181"}}):
        objs = render_chart("kafka", values)
        for obj in by_kind(objs, "StatefulSet") + by_kind(objs, "Pod"):
            spec = obj["spec"].get("template", {}).get("spec", obj["spec"])
            for c in spec.get("containers", []) + spec.get("initContainers", []):
                for e in c.get("env", []):
                    assert "$(" not in e.get("value", ""), (c["name"], e)
                    assert "`" not in e.get("value", ""), (c["name"], e)


def test_listener_identity_comes_from_downward_api():
    env = env_of(broker(statefulset(release="prod", namespace="data")))
    assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert env["HEADLESS_SERVICE"]["value"] == "prod-kafka-headless"
    assert env["CLUSTER_DOMAIN"]["value"] == "cluster.local"
    props = base_properties()
    # listeners are the same on every broker; what each pod advertises is its own.
    assert props["listeners"] == "CLIENT://:9092,INTERNAL://:9094"
    assert not {"advertised.listeners", "log.dirs", "broker.id"} & props.keys()


def test_kafka_scripts_get_console_logging_and_writable_dirs():
    c = broker(statefulset())
    env = env_of(c)
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    assert env["LOG_DIR"]["value"] in mounts
    assert "/tmp" in mounts
    assert env["SERVER_PROPERTIES"]["value"].rsplit("/", 1)[0] in mounts
    assert env["BROKER_LOG4J_CONFIG"]["value"] == "/opt/kafka/chart/log4j.properties"
    assert env["DATA_LOG_DIR"]["value"] == "/var/lib/kafka/data/log"
    assert mounts["/var/lib/kafka/data"] == "data"


def test_tools_run_in_the_pod_behave_as_on_a_plain_install():
    """kubectl exec <broker> -- kafka-topics.sh ... finds the tool on PATH and runs it with
    the tools' defaults: no broker heap, JVM flags or console logging in the container env
    (the article's verification steps failed, then printed 84 lines of INFO logs)."""
    env = env_of(broker(statefulset({"kafkaOpts": "-javaagent:/x.jar"})))
    assert not [name for name in env if name.startswith("KAFKA_")], sorted(env)
    assert env["PATH"]["value"].split(":")[0] == "/opt/kafka/bin"
    assert {"/usr/bin", "/bin", "/opt/java/openjdk/bin"} <= set(env["PATH"]["value"].split(":"))
    assert env["BROKER_OPTS"]["value"] == "-javaagent:/x.jar"


@pytest.mark.parametrize(("heap", "limit"), [("8G", "2Gi"), ("2G", "2Gi"), ("1954M", "2G")])
def test_heap_that_does_not_fit_the_memory_limit_fails(heap, limit):
    """ZooKeeper refused this; Kafka let -Xmx8G into a 2Gi limit (OOM-killed at load).
    1954M is 2048917504 bytes to the JVM, above Kubernetes' 2G (2000000000)."""
    with pytest.raises(Exception, match=rf"heapSize: {heap} \(\d+ bytes.*does not fit in "
                                        rf"resources\.limits\.memory {limit} "):
        statefulset({"heapSize": heap, "resources": {"limits": {"memory": limit}}})


def test_heap_below_the_limit_or_without_a_limit_renders():
    assert statefulset({"heapSize": "1G", "resources": {"limits": {"memory": "2G"}}})
    assert statefulset({"heapSize": "16G", "resources": {"limits": None}})


def test_heap_opts_names_its_replacement():
    with pytest.raises(Exception, match=r"heapOpts: replaced by heapSize"):
        statefulset({"heapOpts": "-Xmx1G -Xms1G"})


def test_gc_logs_fit_in_the_bounded_logs_volume():
    """start.sh rotates GC logs in 4 x 16M; the logs emptyDir must hold them and the current
    file (kafka-run-class.sh's own 10 x 100M would not fit)."""
    pod = statefulset()["spec"]["template"]["spec"]
    logs = next(v for v in pod["volumes"] if v["name"] == "logs")
    assert logs["emptyDir"]["sizeLimit"] == "128Mi"
    assert 5 * 16 < 128
    start = (CHARTS / "kafka" / "files" / "start.sh").read_text()
    assert "filecount=${GC_LOG_FILES:-4},filesize=${GC_LOG_FILE_SIZE:-16M}" in start


def test_zookeeper_connect_finds_bundled_ensemble():
    assert base_properties(release="stack")["zookeeper.connect"] == "stack-zookeeper:2181"
    assert base_properties(release="my-zookeeper")["zookeeper.connect"] == "my-zookeeper:2181"
    named = base_properties({"zookeeper": {"serviceName": "zk", "port": 2182}})
    assert named["zookeeper.connect"] == "zk:2182"


def test_external_zookeeper_and_chroot():
    ext = {"externalZookeeper": {"connect": "zk-0.zk:2181,zk-1.zk:2181"}}
    assert base_properties(ext)["zookeeper.connect"] == "zk-0.zk:2181,zk-1.zk:2181"
    chrooted = {**ext, "zookeeper": {"chroot": "/kafka/prod"}}
    assert base_properties(chrooted)["zookeeper.connect"] == "zk-0.zk:2181,zk-1.zk:2181/kafka/prod"
    bundled = base_properties({"zookeeper": {"chroot": "/kafka"}}, release="s")
    assert bundled["zookeeper.connect"] == "s-zookeeper:2181/kafka"


def test_two_chroots_fail_at_render():
    with pytest.raises(Exception, match=r"zookeeper\.chroot"):
        render_chart("kafka", {"externalZookeeper": {"connect": "zk:2181/a"},
                               "zookeeper": {"chroot": "/b"}}, show_only=[CM])


def test_config_map_merges_over_chart_defaults():
    props = base_properties({"config": {"log.retention.hours": 24, "num.partitions": 6,
                                        "compression.type": "zstd",
                                        "auto.create.topics.enable": False}})
    assert props["log.retention.hours"] == "24"
    assert props["num.partitions"] == "6"
    assert props["compression.type"] == "zstd"
    assert props["auto.create.topics.enable"] == "false"
    assert props["log.segment.bytes"] == "1073741824"


def test_seed_defaults_in_server_properties():
    props = base_properties()
    assert props["log.retention.hours"] == "168"
    assert props["log.segment.bytes"] == "1073741824"
    assert props["log.retention.check.interval.ms"] == "300000"
    assert props["controlled.shutdown.enable"] == "true"
    assert props["auto.create.topics.enable"] == "true"


@pytest.mark.parametrize("key", [
    "broker.id", "node.id", "listeners", "advertised.listeners", "log.dirs",
    "listener.security.protocol.map", "inter.broker.listener.name", "listener.name.x.y",
    "sasl.enabled.mechanisms", "sasl.mechanism.inter.broker.protocol", "ssl.keystore.type",
    "zookeeper.connect", "zookeeper.set.acl", "zookeeper.ssl.client.enable",
    "authorizer.class.name", "process.roles"])
def test_config_cannot_set_keys_the_chart_owns(key):
    with pytest.raises(Exception, match=re.escape(f"config.{key}: owned by the chart (")):
        render_chart("kafka", {"config": {key: "x"}}, show_only=[CM])


def test_config_zookeeper_connect_names_the_value_to_use():
    """It used to point the brokers away from the bundled ensemble silently."""
    with pytest.raises(Exception, match=r"config\.zookeeper\.connect: .*externalZookeeper"):
        render_chart("kafka", {"config": {"zookeeper.connect": "other:2181"}}, show_only=[CM])


@pytest.mark.parametrize("key", ["zookeeper.session.timeout.ms", "sasl_unrelated",
                                 "listeners_extra", "num.network.threads"])
def test_config_keys_that_merely_resemble_owned_ones_pass(key):
    assert base_properties({"config": {key: "1"}})[key] == "1"


def test_config_change_rolls_the_pods():
    a = statefulset()["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    b = statefulset({"config": {"num.partitions": 6}})
    assert b["spec"]["template"]["metadata"]["annotations"]["checksum/config"] != a


def test_probes_use_the_listener_with_a_long_start_budget():
    c = broker(statefulset())
    for probe in ("readinessProbe", "livenessProbe"):
        assert c[probe]["tcpSocket"]["port"] == "tcp-client"
    # Startup waits for the broker to be back in sync, not only listening (e2e found a
    # rolling update taking partitions offline with a TCP-only startup probe).
    assert c["startupProbe"]["exec"]["command"] == [
        "/bin/bash", "/opt/kafka/chart/startup-check.sh"]
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    assert mounts["scripts"] == "/opt/kafka/chart"
    cm = one(render_chart("kafka", show_only=[CM]), "ConfigMap")
    assert cm["data"]["startup-check.sh"].startswith("#!/bin/bash")
    startup = c["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600
    live = c["livenessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] >= 120
    off = broker(statefulset({"livenessProbe": {"enabled": False}}))
    assert "livenessProbe" not in off


@pytest.mark.parametrize(("replicas", "expected"), [(1, 1), (3, 1), (5, 1)])
def test_pdb_never_blocks_a_drain(replicas, expected):
    pdb = one(render_chart("kafka", {"replicaCount": replicas},
                           show_only=["templates/pdb.yaml"]), "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == expected
    assert "minAvailable" not in pdb["spec"]


def test_pdb_min_available_must_leave_room_to_drain():
    with pytest.raises(Exception, match=r"pdb\.minAvailable"):
        render_chart("kafka", {"replicaCount": 3, "pdb": {"minAvailable": 3}})
    pdb = one(render_chart("kafka", {"pdb": {"minAvailable": 2}},
                           show_only=["templates/pdb.yaml"]), "PodDisruptionBudget")
    assert pdb["spec"] == {"minAvailable": 2, "selector": pdb["spec"]["selector"]}


def test_selectors_match_pod_labels():
    objs = render_chart("kafka")
    sts = one(objs, "StatefulSet")
    hard = statefulset({"podAntiAffinityPreset": "hard"})
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    selectors = [
        sts["spec"]["selector"]["matchLabels"],
        one(objs, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
        one(objs, "Service", "stack-kafka")["spec"]["selector"],
        one(objs, "Service", "stack-kafka-headless")["spec"]["selector"],
        sts["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"][
            "labelSelector"]["matchLabels"],
        hard["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"]["matchLabels"],
    ]
    for sel in selectors:
        assert sel == {"app.kubernetes.io/name": "kafka", "app.kubernetes.io/instance": "stack",
                       "app.kubernetes.io/component": "broker"}
        assert sel.items() <= pod_labels.items()


def test_test_pod_is_not_selected_as_a_broker():
    pod = one(render_chart("kafka", show_only=[TEST_POD]), "Pod")
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "test"


def test_labels_follow_conventions():
    sts = statefulset({"commonLabels": {"team": "data"}})
    labels = sts["metadata"]["labels"]
    for key in ("name", "instance", "version", "component", "part-of", "managed-by"):
        assert f"app.kubernetes.io/{key}" in labels
    version = yaml.safe_load((CHARTS / "kafka" / "Chart.yaml").read_text())["version"]
    assert labels["helm.sh/chart"] == f"kafka-{version}"
    assert labels["team"] == "data"
    assert "team" not in sts["spec"]["selector"]["matchLabels"]


def test_anti_affinity_presets():
    soft = statefulset()["spec"]["template"]["spec"]["affinity"]
    term = soft["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["weight"] == 100
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    hard = statefulset({"podAntiAffinityPreset": "hard"})["spec"]["template"]["spec"]["affinity"]
    (required,) = hard["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert required["topologyKey"] == "kubernetes.io/hostname"
    none = statefulset({"podAntiAffinityPreset": "none", "podAffinityPreset": "none"})
    assert "affinity" not in none["spec"]["template"]["spec"]
    custom = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "pool", "operator": "In", "values": ["kafka"]}]}]}}}
    assert statefulset({"affinity": custom})["spec"]["template"]["spec"]["affinity"] == custom


def test_soft_affinity_to_the_releases_zookeeper_pods():
    aff = statefulset(release="s")["spec"]["template"]["spec"]["affinity"]["podAffinity"]
    term = aff["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
    # Not the name label: nameOverride on the zookeeper chart changes it.
    assert term["labelSelector"]["matchLabels"] == {
        "app.kubernetes.io/instance": "s", "app.kubernetes.io/component": "zookeeper"}
    ext = statefulset({"externalZookeeper": {"connect": "zk:2181"}})
    assert "podAffinity" not in ext["spec"]["template"]["spec"]["affinity"]


def test_scheduling_passthrough():
    values = {"nodeSelector": {"disk": "ssd"}, "priorityClassName": "high",
              "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
              "topologySpreadConstraints": [{
                  "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                  "whenUnsatisfiable": "ScheduleAnyway",
                  "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "kafka"}}}]}
    pod = statefulset(values)["spec"]["template"]["spec"]
    for key, value in values.items():
        assert pod[key] == value


def test_image_reference():
    assert broker(statefulset())["image"] == "docker.io/apache/kafka:3.9.1"
    digest = "sha256:" + "a" * 64
    c = broker(statefulset({"image": {"digest": digest}, "global": {"imageRegistry": "m.local"}}))
    assert c["image"] == f"m.local/apache/kafka@{digest}"
    pod = statefulset({"imagePullSecrets": ["regcred"]})["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]


def test_persistence():
    sts = statefulset({"persistence": {"storageClass": "fast", "size": "50Gi",
                                       "annotations": {"a": "b"}}})
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    assert claim["metadata"]["annotations"] == {"a": "b"}
    assert claim["spec"]["storageClassName"] == "fast"
    assert claim["spec"]["resources"]["requests"]["storage"] == "50Gi"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert "storageClassName" not in statefulset()["spec"]["volumeClaimTemplates"][0]["spec"]
    off = statefulset({"persistence": {"enabled": False}})["spec"]
    assert "volumeClaimTemplates" not in off
    assert "persistentVolumeClaimRetentionPolicy" not in off
    data = next(v for v in off["template"]["spec"]["volumes"] if v["name"] == "data")
    assert data == {"name": "data", "emptyDir": {"sizeLimit": "8Gi"}}


def test_extras_passthrough():
    values = {"extraEnv": [{"name": "X", "value": "1"}],
              "extraVolumes": [{"name": "extra", "emptyDir": {}}],
              "extraVolumeMounts": [{"name": "extra", "mountPath": "/extra"}],
              "podAnnotations": {"p": "a"}, "podLabels": {"l": "v"},
              "serviceAccount": {"create": False, "name": "existing"}}
    sts = statefulset(values)
    pod = sts["spec"]["template"]
    assert env_of(broker(sts))["X"]["value"] == "1"
    assert {"name": "extra", "emptyDir": {}} in pod["spec"]["volumes"]
    assert {"name": "extra", "mountPath": "/extra"} in broker(sts)["volumeMounts"]
    assert pod["metadata"]["annotations"]["p"] == "a"
    assert pod["metadata"]["labels"]["l"] == "v"
    assert pod["spec"]["serviceAccountName"] == "existing"
    assert not by_kind(render_chart("kafka", values), "ServiceAccount")


POD_SECURITY = {"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000, "runAsNonRoot": True,
                "fsGroupChangePolicy": "OnRootMismatch",
                "seccompProfile": {"type": "RuntimeDefault"}}
CONTAINER_SECURITY = {"runAsUser": 1000, "runAsGroup": 1000, "runAsNonRoot": True,
                      "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                      "readOnlyRootFilesystem": True,
                      "seccompProfile": {"type": "RuntimeDefault"}}


def test_every_container_runs_restricted():
    objs = render_chart("kafka")
    pod_specs = [one(objs, "StatefulSet")["spec"]["template"]["spec"], one(objs, "Pod")["spec"]]
    for spec in pod_specs:
        assert spec["securityContext"] == POD_SECURITY
        containers = spec["containers"] + spec.get("initContainers", [])
        assert containers
        for c in containers:
            assert c["securityContext"] == CONTAINER_SECURITY, c["name"]


def test_helm_test_pod():
    pod = one(render_chart("kafka", {"replicaCount": 2}, release="r", namespace="ns",
                           show_only=[TEST_POD]), "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["metadata"]["annotations"]["helm.sh/hook-delete-policy"] == (
        "before-hook-creation,hook-succeeded")
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["enableServiceLinks"] is False
    (c,) = spec["containers"]
    assert c["image"] == "docker.io/apache/kafka:3.9.1"
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["BOOTSTRAP_SERVER"] == "r-kafka.ns.svc.cluster.local:9092"
    assert env["REPLICATION_FACTOR"] == "2"
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert {"/tmp", env["LOG_DIR"]} <= mounts



@pytest.mark.parametrize("zk_values", [{}, {"nameOverride": "zk"}, {"fullnameOverride": "zk"}])
def test_zookeeper_affinity_and_connect_match_the_zookeeper_chart(zk_values):
    """The contract of docs/chart-conventions.md, checked against the real zookeeper chart,
    renamed or not (a hard affinity that matches no pod leaves the brokers Pending)."""
    zk = _render_chart("zookeeper", zk_values, release="s")
    zk_sts = one(zk, "StatefulSet")
    pod = statefulset(release="s")["spec"]["template"]["spec"]
    term = pod["affinity"]["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
    selector = term["podAffinityTerm"]["labelSelector"]["matchLabels"]
    assert selector.items() <= zk_sts["spec"]["template"]["metadata"]["labels"].items()
    if zk_values:
        return
    zk_service = one(zk, "Service", "s-zookeeper")
    client_port = next(p["port"] for p in zk_service["spec"]["ports"] if p["name"] == "client")
    assert base_properties(release="s")["zookeeper.connect"] == f"s-zookeeper:{client_port}"


def test_topology_spread_without_selector_gets_this_releases_broker_selector() -> None:
    objs = render_chart("kafka", {"topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
         "whenUnsatisfiable": "ScheduleAnyway"},
        {"maxSkew": 2, "topologyKey": "kubernetes.io/hostname",
         "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": {"team": "x"}}},
    ]}, release="orders")
    sts = one(objs, "StatefulSet")
    zone, host = sts["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert zone["labelSelector"]["matchLabels"] == sts["spec"]["selector"]["matchLabels"]
    assert zone["labelSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "orders"
    assert host["labelSelector"] == {"matchLabels": {"team": "x"}}
