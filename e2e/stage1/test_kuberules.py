"""stackctl validate refuses what the API server refuses: its ports of the server's rules
(tools/stackctl/kuberules.py: resource.ParseQuantity and the non-negative quantity check,
the DNS name and label rules) give the real kube-apiserver's verdict on every sample here,
accepted or refused.

Each table goes to the server in one ``kubectl create --dry-run=server`` (nothing is
stored); the objects the server accepted are the ones it names in its output.
"""

from __future__ import annotations

import re

import yaml
from stack_e2e.figures import Figures

from conftest import ensure_namespace
from stackctl import kuberules

NS = "e2e-stage1-rules"

QUANTITIES = [
    "0", "1", "2Gi", "512Mi", "1.5G", "500M", "100m", "0.5", ".5", "5.", "+1", "-1",
    "1e3", "1E3", "1e-3", "1E+2", "1n", "1u", "1k", "1Ki", "1Ti", "1Pi", "1Ei", "1T", "1P",
    "1E", "129974848", "1.000001Gi", "0.000000001",
    "2 gigs", "lots", "1K", "1Gb", "1gi", "1GiB", "1.5.5", "1e", "1e+", "Gi", "--1", "1,5",
    "1_000", "0x10", " 1", "1 ", "1i", "1m5", "e3", "1ee3", "++1", "-0", "-2Gi", "-0.5",
]
# Namespaces are DNS-1123 labels; Services DNS-1035 labels; ConfigMaps DNS-1123 subdomains.
NAMES = {
    "Namespace": ["kafka", "kafka-ns", "k8s1", "1kafka", "a" * 63, "a" * 64, "Kafka_NS",
                  "kafka.ns", "-kafka", "kafka-", "KAFKA"],
    "Service": ["kafka", "kafka-headless", "a" * 63, "a" * 64, "1kafka", "kafka.svc",
                "Kafka", "kafka-"],
    "ConfigMap": ["kafka", "kafka.scripts", "a.b.c", "a" * 253, "a" * 254, "Kafka",
                  "kafka_scripts", ".kafka", "kafka..x"],
}
LABEL_VALUES = ["", "stack", "3.9.1", "a" * 63, "a" * 64, "a_b-c.d", "-a", "a-", "a b",
                "3.9.1+build", "x/y"]
CHECKS = {
    "Namespace": kuberules.dns1123_label_problems,
    "Service": kuberules.dns1035_label_problems,
    "ConfigMap": kuberules.dns1123_subdomain_problems,
}


def accepted(kind: str, docs: list[dict[str, object]]) -> set[str]:
    """The names of the objects the API server's dry run accepted."""
    kube = ensure_namespace(NS)
    proc = kube.run("create", "--dry-run=server", "-f", "-", check=False,
                    stdin=yaml.safe_dump_all(docs))
    return set(re.findall(rf"^{kind.lower()}/(\S+) created \(server dry run\)$", proc.stdout,
                          re.MULTILINE))


def test_quantities_as_the_api_server_parses_them(figures: Figures) -> None:
    docs = [{"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": f"q-{i}"},
             "spec": {"hard": {"requests.memory": q}}} for i, q in enumerate(QUANTITIES)]
    server = {QUANTITIES[int(name[2:])] for name in accepted("ResourceQuota", docs)}
    ours = {q for q in QUANTITIES if kuberules.json_quantity_value_problem(q) is None}
    assert ours == server, (f"stackctl accepts, the server refuses: {sorted(ours - server)}; "
                            f"the server accepts, stackctl refuses: {sorted(server - ours)}")
    figures.record("kuberules-quantities",
                   f"{len(QUANTITIES)} quantities: stackctl and kube-apiserver agree on every "
                   f"one ({len(server)} accepted)", samples=len(QUANTITIES))


def test_object_names_as_the_api_server_validates_them(figures: Figures) -> None:
    for kind, names in NAMES.items():
        docs = [{"apiVersion": "v1", "kind": kind, "metadata": {"name": n}} for n in names]
        for doc in docs:
            if kind == "Service":
                doc["spec"] = {"ports": [{"port": 80}]}
        server = accepted(kind, docs)
        ours = {n for n in names if not CHECKS[kind](n)}
        assert ours == server, (f"{kind}: stackctl accepts, the server refuses: "
                                f"{sorted(ours - server)}; the server accepts, stackctl "
                                f"refuses: {sorted(server - ours)}")
    figures.record("kuberules-names",
                   f"{sum(map(len, NAMES.values()))} names of Namespaces, Services and "
                   "ConfigMaps: stackctl and kube-apiserver agree on every one")


def test_label_values_as_the_api_server_validates_them(figures: Figures) -> None:
    docs = [{"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": f"l-{i}", "labels": {"app.kubernetes.io/version": v}}}
            for i, v in enumerate(LABEL_VALUES)]
    server = {LABEL_VALUES[int(name[2:])] for name in accepted("ConfigMap", docs)}
    ours = {v for v in LABEL_VALUES if not kuberules.label_value_problems(v)}
    assert ours == server, (f"stackctl accepts, the server refuses: {sorted(ours - server)}; "
                            f"the server accepts, stackctl refuses: {sorted(server - ours)}")
    figures.record("kuberules-labels",
                   f"{len(LABEL_VALUES)} label values: stackctl and kube-apiserver agree")
