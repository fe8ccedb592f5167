"""The zookeeper chart's rendered objects: seed defects fixed, selectors, PDB, security."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from helpers import CHARTS, by_kind, one, render_chart
from stackctl.errors import HelmError

STS = "templates/statefulset.yaml"
SELECTOR = {
    "app.kubernetes.io/name": "zookeeper",
    "app.kubernetes.io/instance": "zk",
    "app.kubernetes.io/component": "zookeeper",
}
CONVENTION_POD_SC = {
    "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000, "runAsNonRoot": True,
    "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"},
}
CONVENTION_CONTAINER_SC = {
    "runAsUser": 1000, "runAsGroup": 1000, "runAsNonRoot": True,
    "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True, "seccompProfile": {"type": "RuntimeDefault"},
}


@functools.cache
def _default_objects() -> tuple[dict[str, Any], ...]:
    return tuple(render_chart("zookeeper", release="zk", namespace="data"))


@pytest.fixture
def objs() -> list[dict[str, Any]]:
    """The chart rendered with default values (release zk, namespace data), cached."""
    return list(_default_objects())


def sts_of(values: dict[str, Any] | None = None) -> dict[str, Any]:
    return one(render_chart("zookeeper", values, show_only=[STS], release="zk"), "StatefulSet")


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def config_env(sts: dict[str, Any]) -> dict[str, Any]:
    """Environment of the init container that writes zoo.cfg."""
    return env_of(one_container(sts["spec"]["template"]["spec"]["initContainers"], "config"))


def one_container(containers: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [c for c in containers if c["name"] == name]
    assert len(found) == 1, f"expected one container {name}, got {len(found)}"
    return found[0]


def render_error(values: dict[str, Any]) -> str:
    with pytest.raises(HelmError) as err:
        render_chart("zookeeper", values, release="zk")
    return str(err.value)


# --- the seed's defects -------------------------------------------------------------------

def test_sync_limit_uses_sync_value_not_tick(objs):
    env = config_env(one(objs, "StatefulSet"))
    assert env["ZK_SYNC_LIMIT"] == "5"
    assert env["ZK_TICK_TIME"] == "2000"
    env = config_env(sts_of({"syncLimit": 7, "tickTime": 3000}))
    assert (env["ZK_SYNC_LIMIT"], env["ZK_TICK_TIME"]) == ("7", "3000")


def test_autopurge_purges_daily_by_default_not_never(objs):
    env = config_env(one(objs, "StatefulSet"))
    assert env["ZK_PURGE_INTERVAL"] == "24"
    assert env["ZK_SNAP_RETAIN_COUNT"] == "3"


def test_seed_knobs_reach_the_config_generator(objs):
    env = config_env(one(objs, "StatefulSet"))
    assert env["ZK_INIT_LIMIT"] == "10"
    assert env["ZK_MAX_CLIENT_CNXNS"] == "60"
    assert env["ZK_REPLICAS"] == "3"
    assert env["ZK_4LW_COMMANDS_WHITELIST"] == "srvr,mntr,ruok"
    assert env["ZK_ADMIN_SERVER_ENABLED"] == "false"


def test_heap_size_sets_both_xmx_and_xms(objs):
    main = one_container(one(objs, "StatefulSet")["spec"]["template"]["spec"]["containers"],
                         "zookeeper")
    assert env_of(main)["SERVER_JVMFLAGS"] == "-Xmx1G -Xms1G"
    sts = sts_of({"heapSize": "512M", "jvmFlags": "-XX:+UseG1GC"})
    main = sts["spec"]["template"]["spec"]["containers"][0]
    assert env_of(main)["SERVER_JVMFLAGS"] == "-Xmx512M -Xms512M -XX:+UseG1GC"


def test_pod_identity_comes_from_the_downward_api(objs):
    env = config_env(one(objs, "StatefulSet"))
    assert env["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert env["ZK_HEADLESS_SERVICE"] == "zk-zookeeper-headless"
    assert env["ZK_CLUSTER_DOMAIN"] == "cluster.local"


def test_server_starts_in_foreground_from_generated_config_not_image_entrypoint(objs):
    spec = one(objs, "StatefulSet")["spec"]["template"]["spec"]
    main = one_container(spec["containers"], "zookeeper")
    assert main["command"] == ["zkServer.sh", "start-foreground"]
    env = env_of(main)
    assert env["ZOOCFGDIR"] == "/conf"
    assert env["ZOO_LOG_DIR"] == "/logs"
    init = one_container(spec["initContainers"], "config")
    assert init["command"] == ["/scripts/zk-gen-config.sh"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    for name, limit in (("config", "8Mi"), ("logs", "64Mi"), ("tmp", "64Mi")):
        assert volumes[name] == {"name": name, "emptyDir": {"sizeLimit": limit}}
    assert volumes["scripts"]["configMap"]["name"] == "zk-zookeeper-scripts"
    mounts = {m["mountPath"]: m["name"] for m in main["volumeMounts"]}
    assert mounts == {"/scripts": "scripts", "/conf": "config", "/data": "data",
                      "/logs": "logs", "/tmp": "tmp"}


def test_scripts_configmap_holds_the_files(objs):
    cm = one(objs, "ConfigMap", "zk-zookeeper-scripts")
    assert set(cm["data"]) == {"zk-gen-config.sh", "zk-jaas.sh", "zk-4lw.sh", "zk-ready.sh",
                               "zk-live.sh", "zk-test-ensemble.sh"}
    assert all(text.startswith("#!/bin/bash\n") for text in cm["data"].values())


def test_probes_use_quorum_mode_for_readiness_and_ruok_for_liveness(objs):
    main = one(objs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    assert main["readinessProbe"]["exec"]["command"] == ["/scripts/zk-ready.sh"]
    assert main["livenessProbe"]["exec"]["command"] == ["/scripts/zk-live.sh"]
    assert main["startupProbe"]["exec"]["command"] == ["/scripts/zk-live.sh"]
    live = main["livenessProbe"]
    # An election may take a while: the liveness probe tolerates two minutes of silence.
    assert live["periodSeconds"] * live["failureThreshold"] >= 120
    start = main["startupProbe"]
    assert start["periodSeconds"] * start["failureThreshold"] >= 300
    assert "enabled" not in live


def test_probe_timings_are_values_and_probes_can_be_disabled():
    sts = sts_of({"readinessProbe": {"periodSeconds": 3, "failureThreshold": 9},
                  "startupProbe": {"enabled": False}})
    main = sts["spec"]["template"]["spec"]["containers"][0]
    assert (main["readinessProbe"]["periodSeconds"], main["readinessProbe"]["failureThreshold"]) \
        == (3, 9)
    assert "startupProbe" not in main


def test_parallel_pod_management_and_rolling_update(objs):
    spec = one(objs, "StatefulSet")["spec"]
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["updateStrategy"] == {"type": "RollingUpdate"}
    assert spec["serviceName"] == "zk-zookeeper-headless"


def test_seed_resources_are_the_defaults(objs):
    main = one(objs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    assert main["resources"] == {"requests": {"cpu": "500m", "memory": "2Gi",
                                              "ephemeral-storage": "64Mi"},
                                 "limits": {"cpu": "1", "memory": "4Gi"}}
    assert main["imagePullPolicy"] == "IfNotPresent"
    assert main["image"] == "docker.io/library/zookeeper:3.8.4"


# --- services -----------------------------------------------------------------------------

def test_headless_service_publishes_not_ready_peers_with_all_three_ports(objs):
    svc = one(objs, "Service", "zk-zookeeper-headless")
    assert svc["spec"]["clusterIP"] == "None"
    assert svc["spec"]["publishNotReadyAddresses"] is True
    ports = {p["name"]: p["port"] for p in svc["spec"]["ports"]}
    assert ports == {"client": 2181, "server": 2888, "leader-election": 3888}
    assert svc["spec"]["selector"] == SELECTOR


def test_client_service_is_named_fullname_on_2181(objs):
    svc = one(objs, "Service", "zk-zookeeper")
    assert [(p["name"], p["port"]) for p in svc["spec"]["ports"]] == [("client", 2181)]
    assert svc["spec"]["selector"] == SELECTOR
    assert "publishNotReadyAddresses" not in svc["spec"]


def test_seed_migration_names():
    objs = render_chart("zookeeper", {"fullnameOverride": "zk",
                                      "service": {"headless": {"name": "zk-svc"}}},
                        show_only=[STS, "templates/service-headless.yaml"], release="zk")
    sts = one(objs, "StatefulSet", "zk")
    assert sts["spec"]["serviceName"] == "zk-svc"
    one(objs, "Service", "zk-svc")
    assert config_env(sts)["ZK_HEADLESS_SERVICE"] == "zk-svc"


@pytest.mark.parametrize(("release", "expected"), [
    ("zk", "zk-zookeeper"), ("my-zookeeper", "my-zookeeper"), ("zookeeper", "zookeeper")])
def test_fullname_follows_helm_create_logic(release, expected):
    objs = render_chart("zookeeper", show_only=["templates/service.yaml"], release=release)
    assert one(objs, "Service")["metadata"]["name"] == expected


# --- PDB, selectors, scheduling ----------------------------------------------------------

@pytest.mark.parametrize(("replicas", "max_unavailable"), [(1, 1), (2, 0), (3, 1), (4, 1),
                                                           (5, 2), (7, 3)])
def test_pdb_never_lets_a_drain_take_the_quorum(replicas, max_unavailable):
    """replicas - quorum may be evicted at once. Two servers lose their quorum with either
    one (the PDB used to allow one disruption): none, and a warning says so. A single
    server has no quorum to keep: a drain is never blocked."""
    objs = render_chart("zookeeper", {"replicaCount": replicas},
                        show_only=["templates/pdb.yaml"], release="zk")
    spec = one(objs, "PodDisruptionBudget")["spec"]
    assert spec == {"maxUnavailable": max_unavailable, "selector": {"matchLabels": SELECTOR}}
    quorum = replicas // 2 + 1
    assert replicas - max_unavailable >= quorum or replicas == 1


def test_pdb_for_three_replicas_equals_seed_min_available_two(objs):
    pdb = one(objs, "PodDisruptionBudget")
    replicas = one(objs, "StatefulSet")["spec"]["replicas"]
    assert replicas - pdb["spec"]["maxUnavailable"] == 2


def test_pdb_overrides_and_can_be_disabled():
    pdb = one(render_chart("zookeeper", {"pdb": {"minAvailable": "60%"}},
                           show_only=["templates/pdb.yaml"]), "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == "60%"
    assert "maxUnavailable" not in pdb["spec"]
    pdb = one(render_chart("zookeeper", {"pdb": {"maxUnavailable": 2}},
                           show_only=["templates/pdb.yaml"]), "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 2
    assert by_kind(render_chart("zookeeper", {"pdb": {"create": False}}),
                   "PodDisruptionBudget") == []


def test_pdb_and_service_selectors_match_pod_template_labels(objs):
    sts = one(objs, "StatefulSet")
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    selectors = [sts["spec"]["selector"]["matchLabels"],
                 one(objs, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"]]
    selectors += [s["spec"]["selector"] for s in by_kind(objs, "Service")]
    for selector in selectors:
        assert selector == SELECTOR
        assert selector.items() <= pod_labels.items()


def test_soft_anti_affinity_is_the_default_and_matches_the_pods(objs):
    spec = one(objs, "StatefulSet")["spec"]["template"]
    anti = spec["spec"]["affinity"]["podAntiAffinity"]
    assert list(anti) == ["preferredDuringSchedulingIgnoredDuringExecution"]
    term = anti["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"].items() <= spec["metadata"]["labels"].items()


def test_hard_anti_affinity_like_the_seed_matches_the_pods():
    tmpl = sts_of({"podAntiAffinityPreset": "hard"})["spec"]["template"]
    anti = tmpl["spec"]["affinity"]["podAntiAffinity"]
    assert list(anti) == ["requiredDuringSchedulingIgnoredDuringExecution"]
    term = anti["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"] == SELECTOR
    assert SELECTOR.items() <= tmpl["metadata"]["labels"].items()


def test_affinity_none_and_override():
    assert "affinity" not in sts_of({"podAntiAffinityPreset": "none"})["spec"]["template"]["spec"]
    custom = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "disk", "operator": "In", "values": ["ssd"]}]}]}}}
    spec = sts_of({"affinity": custom, "podAntiAffinityPreset": "hard"})["spec"]["template"]["spec"]
    assert spec["affinity"] == custom


def test_scheduling_values_reach_the_pod():
    spec = sts_of({
        "topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
             "whenUnsatisfiable": "ScheduleAnyway"},
            {"maxSkew": 2, "topologyKey": "kubernetes.io/hostname",
             "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": {"matchLabels": {"custom": "yes"}}}],
        "nodeSelector": {"pool": "zk"},
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "zk",
                         "effect": "NoSchedule"}],
        "priorityClassName": "critical",
    })["spec"]["template"]["spec"]
    zone, host = spec["topologySpreadConstraints"]
    assert zone["labelSelector"] == {"matchLabels": SELECTOR}
    assert host["labelSelector"] == {"matchLabels": {"custom": "yes"}}
    assert spec["nodeSelector"] == {"pool": "zk"}
    assert spec["tolerations"][0]["key"] == "dedicated"
    assert spec["priorityClassName"] == "critical"


# --- security -----------------------------------------------------------------------------

def _pod_specs(objs):
    specs = [("statefulset", one(objs, "StatefulSet")["spec"]["template"]["spec"])]
    specs += [(p["metadata"]["name"], p["spec"]) for p in by_kind(objs, "Pod")]
    return specs


def test_every_container_has_the_convention_security_context(objs):
    specs = _pod_specs(objs)
    assert [name for name, _ in specs] == ["statefulset", "zk-zookeeper-test-ensemble"]
    containers = 0
    for _, spec in specs:
        assert spec["securityContext"] == CONVENTION_POD_SC
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert container["securityContext"] == CONVENTION_CONTAINER_SC, container["name"]
            containers += 1
    assert containers == 3  # init "config", "zookeeper", the helm test container


def test_service_account_mounts_no_token_and_service_links_are_off(objs):
    sa = one(objs, "ServiceAccount", "zk-zookeeper")
    assert sa["automountServiceAccountToken"] is False
    for _, spec in _pod_specs(objs):
        assert spec["serviceAccountName"] == "zk-zookeeper"
        assert spec["automountServiceAccountToken"] is False
        assert spec["enableServiceLinks"] is False


def test_existing_service_account_is_used_when_not_created():
    objs = render_chart("zookeeper", {"serviceAccount": {"create": False, "name": "zk-sa"}})
    assert by_kind(objs, "ServiceAccount") == []
    assert one(objs, "StatefulSet")["spec"]["template"]["spec"]["serviceAccountName"] == "zk-sa"


# --- helm test ----------------------------------------------------------------------------

def test_helm_test_pod_checks_the_ensemble_through_the_services(objs):
    pod = one(objs, "Pod", "zk-zookeeper-test-ensemble")
    meta = pod["metadata"]
    assert meta["annotations"]["helm.sh/hook"] == "test"
    assert meta["annotations"]["helm.sh/hook-delete-policy"] == \
        "before-hook-creation,hook-succeeded"
    # No selector of the chart may pick up the test pod (client Service, PDB).
    assert not SELECTOR.items() <= meta["labels"].items()
    container = pod["spec"]["containers"][0]
    assert container["image"] == one(objs, "StatefulSet")["spec"]["template"]["spec"][
        "containers"][0]["image"]
    assert container["command"] == ["/scripts/zk-test-ensemble.sh"]
    env = env_of(container)
    assert env["ZK_CLIENT_SERVICE"] == "zk-zookeeper"
    assert env["ZK_STATEFULSET_NAME"] == "zk-zookeeper"
    assert env["ZK_HEADLESS_SERVICE"] == "zk-zookeeper-headless"
    assert env["ZK_REPLICAS"] == "3"
    assert pod["spec"]["restartPolicy"] == "Never"


# --- images, persistence, misc values -----------------------------------------------------

def test_image_registry_digest_and_global_registry():
    def image(values):
        return sts_of(values)["spec"]["template"]["spec"]["containers"][0]["image"]
    digest = "sha256:" + "a" * 64
    assert image({"image": {"digest": digest}}) == f"docker.io/library/zookeeper@{digest}"
    assert image({"global": {"imageRegistry": "mirror.local:5000"}, "image": {"tag": "3.8.3"}}) \
        == "mirror.local:5000/library/zookeeper:3.8.3"
    sts = sts_of({"imagePullSecrets": ["regcred"]})
    assert sts["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "regcred"}]


def test_persistence_claims_and_retention_policy(objs):
    spec = one(objs, "StatefulSet")["spec"]
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                            "whenScaled": "Retain"}
    (claim,) = spec["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    assert claim["spec"]["resources"]["requests"]["storage"] == "8Gi"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert "storageClassName" not in claim["spec"]
    assert "data" not in {v["name"] for v in spec["template"]["spec"]["volumes"]}


def test_separate_transaction_log_volume():
    spec = sts_of({"persistence": {"storageClass": "-", "annotations": {"a": "b"},
                                   "dataLog": {"enabled": True, "size": "2Gi",
                                               "storageClass": "fast"}},
                   "persistentVolumeClaimRetentionPolicy": {"whenScaled": "Delete"}})["spec"]
    data, log = spec["volumeClaimTemplates"]
    assert data["spec"]["storageClassName"] == ""
    assert data["metadata"]["annotations"] == {"a": "b"}
    assert (log["metadata"]["name"], log["spec"]["storageClassName"]) == ("datalog", "fast")
    assert log["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert config_env({"spec": spec})["ZK_DATA_LOG_DIR"] == "/datalog"
    main = spec["template"]["spec"]["containers"][0]
    assert {"name": "datalog", "mountPath": "/datalog"} in main["volumeMounts"]
    assert spec["persistentVolumeClaimRetentionPolicy"]["whenScaled"] == "Delete"


def test_emptydir_fallback_when_persistence_disabled():
    spec = sts_of({"persistence": {"enabled": False, "dataLog": {"enabled": True}}})["spec"]
    assert "volumeClaimTemplates" not in spec
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data", "emptyDir": {"sizeLimit": "8Gi"}}
    assert volumes["datalog"] == {"name": "datalog", "emptyDir": {"sizeLimit": "8Gi"}}


def test_extra_env_volumes_labels_annotations_and_common_labels():
    objs = render_chart("zookeeper", {
        "extraEnv": [{"name": "JAVA_TOOL_OPTIONS", "value": "-Dx=y"}],
        "extraVolumes": [{"name": "certs", "secret": {"secretName": "zk-certs"}}],
        "extraVolumeMounts": [{"name": "certs", "mountPath": "/certs", "readOnly": True}],
        "podAnnotations": {"prometheus.io/scrape": "false"},
        "podLabels": {"team": "data"},
        "commonLabels": {"cost-center": "42"},
        "terminationGracePeriodSeconds": 120,
        "clusterDomain": "corp.internal",
    }, release="zk")
    sts = one(objs, "StatefulSet")
    tmpl = sts["spec"]["template"]
    main = tmpl["spec"]["containers"][0]
    assert env_of(main)["JAVA_TOOL_OPTIONS"] == "-Dx=y"
    assert {"name": "certs", "mountPath": "/certs", "readOnly": True} in main["volumeMounts"]
    assert {"name": "certs", "secret": {"secretName": "zk-certs"}} in tmpl["spec"]["volumes"]
    assert tmpl["metadata"]["annotations"]["prometheus.io/scrape"] == "false"
    assert tmpl["metadata"]["labels"]["team"] == "data"
    assert tmpl["spec"]["terminationGracePeriodSeconds"] == 120
    assert config_env(sts)["ZK_CLUSTER_DOMAIN"] == "corp.internal"
    for obj in objs:
        assert obj["metadata"]["labels"]["cost-center"] == "42", obj["kind"]
    assert "cost-center" not in sts["spec"]["selector"]["matchLabels"]


def test_standard_labels_on_every_object(objs):
    version = yaml.safe_load((CHARTS / "zookeeper" / "Chart.yaml").read_text())["version"]
    for obj in objs:
        labels = obj["metadata"]["labels"]
        for key in ("name", "instance", "version", "component", "part-of", "managed-by"):
            assert f"app.kubernetes.io/{key}" in labels, (obj["kind"], key)
        assert labels["helm.sh/chart"] == f"zookeeper-{version}"
        assert obj["metadata"]["namespace"] == "data"


def test_config_checksum_changes_when_the_scripts_configmap_changes(objs):
    annotation = one(objs, "StatefulSet")["spec"]["template"]["metadata"]["annotations"]
    checksum = annotation["checksum/config"]
    assert len(checksum) == 64
    other = sts_of({"commonLabels": {"x": "y"}})  # changes the ConfigMap's labels
    assert other["spec"]["template"]["metadata"]["annotations"]["checksum/config"] != checksum


def test_extra_config_is_passed_sorted_and_whole_numbers_stay_integers():
    env = config_env(sts_of({"config": {"snapCount": 1000000, "jute.maxbuffer": "4194304",
                                        "reconfigEnabled": False}}))
    assert env["ZK_EXTRA_CONFIG"] == \
        "jute.maxbuffer=4194304\nreconfigEnabled=false\nsnapCount=1000000"


def test_admin_server_port_is_exposed_only_when_enabled(objs):
    main = one(objs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    assert "admin" not in {p["name"] for p in main["ports"]}
    sts = sts_of({"adminServer": {"enabled": True, "port": 9090}})
    main = sts["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "admin", "containerPort": 9090} in main["ports"]
    assert config_env(sts)["ZK_ADMIN_SERVER_ENABLED"] == "true"


# --- render-time failures -----------------------------------------------------------------

@pytest.mark.parametrize(("values", "message"), [
    ({"config": {"syncLimit": 5}}, "config.syncLimit: set by the chart"),
    ({"config": {"server.1": "x:2888:3888"}}, "config.server.1: the server list is computed"),
    ({"fourLetterWordsWhitelist": ["mntr", "ruok"]}, "must contain ruok and srvr"),
    ({"pdb": {"minAvailable": 2, "maxUnavailable": 1}}, "not both"),
    ({"containerPorts": {"server": 2181}}, "must be different ports"),
    ({"adminServer": {"enabled": True, "port": 3888}}, "must be different ports"),
    ({"heapSize": "4G"}, "heapSize: 4G (4294967296 bytes"),
    ({"heapSize": "2048M", "resources": {"limits": {"memory": "2Gi"}}}, "does not fit"),
    # JVM 3900M is 4089446400 bytes, Kubernetes 4G is 4000000000: it does not fit (the check
    # used to read both with the JVM's units and let it pass).
    ({"heapSize": "3900M", "resources": {"limits": {"memory": "4G"}}},
     "does not fit in resources.limits.memory 4G (4000000000 bytes"),
    ({"pdb": {"minAvailable": 3}}, "pdb.minAvailable: 3 is not below replicaCount (3)"),
])
def test_impossible_combinations_fail_at_render_time(values, message):
    assert message in render_error(values)


def test_container_ports_are_separate_from_the_client_service_port():
    """The servers listen on containerPorts; the client Service may expose another port."""
    objs = render_chart("zookeeper", {"service": {"ports": {"client": 12181}},
                                      "containerPorts": {"client": 2281, "server": 2889,
                                                         "election": 3889}}, release="zk")
    sts = one(objs, "StatefulSet")
    main = sts["spec"]["template"]["spec"]["containers"][0]
    assert {p["name"]: p["containerPort"] for p in main["ports"]} == {
        "client": 2281, "server": 2889, "leader-election": 3889}
    env = config_env(sts)
    assert (env["ZK_CLIENT_PORT"], env["ZK_SERVER_PORT"], env["ZK_ELECTION_PORT"]) == (
        "2281", "2889", "3889")
    client = one(objs, "Service", "zk-zookeeper")
    assert client["spec"]["ports"] == [{"name": "client", "port": 12181, "targetPort": "client"}]
    headless = one(objs, "Service", "zk-zookeeper-headless")
    assert {p["name"]: p["port"] for p in headless["spec"]["ports"]} == {
        "client": 2281, "server": 2889, "leader-election": 3889}


@pytest.mark.parametrize("key", ["server", "election"])
def test_moved_service_ports_name_their_new_key(key):
    assert f"service.ports.{key}: moved to containerPorts.{key}" in render_error(
        {"service": {"ports": {key: 2888}}})


def test_heap_check_accepts_a_heap_below_the_limit_and_no_limit():
    sts_of({"heapSize": "3G"})
    sts_of({"heapSize": "8G", "resources": {"limits": None}})  # null drops the default limits
