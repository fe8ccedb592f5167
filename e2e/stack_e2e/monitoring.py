"""What a Prometheus would do with the release's monitoring objects, without a Prometheus.

- ``--install-crds``: apply the prometheus-operator CRDs (ServiceMonitor, PodMonitor,
  PrometheusRule; the module and version tests/crds.py validates against, from the Go module
  cache) before the staging install, so the objects the charts render can exist.
- :func:`targets`: the scrape targets of a ServiceMonitor, resolved the way
  prometheus-operator's generated configuration resolves them (its selector and
  namespaceSelector over Services, each endpoint's named port over the Services'
  EndpointSlices), with the target labels Prometheus gives their series (namespace, service,
  pod, container, endpoint, job, instance). Relabelings are not modelled: a ServiceMonitor
  with any is refused rather than scraped differently.
- :func:`scrape` and :func:`parse`: one target's text exposition, as samples.
- :func:`promtool_values`, :func:`series`, :func:`rule_groups`: samples, series and a
  PrometheusRule's groups in the form ``promtool test rules`` reads.

    python -m stack_e2e.monitoring --install-crds
"""

from __future__ import annotations

import re
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stack_e2e.kube import Kube, run
from stack_e2e.settings import settings

TESTS = Path(__file__).resolve().parents[2] / "tests"


def _crds_module() -> Any:
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import crds  # tests/crds.py: the pinned prometheus-operator module

    return crds


def install_crds() -> list[str]:
    """Apply the three CRDs (server-side: they exceed the client-side annotation limit)
    and wait until the API server serves them; returns their names."""
    crds = _crds_module()
    module = crds.module_dir()
    names = []
    for kind in crds.FILES:
        path = crds.crd_path(module, kind)
        run([settings().kubectl, "apply", "--server-side", "--force-conflicts", "-f", str(path)])
        names.append(f"{crds.FILES[kind]}.{crds.GROUP}")
    run([settings().kubectl, "wait", "--for=condition=Established", "--timeout=120s",
         *(f"crd/{n}" for n in names)], timeout=150)
    return names


@dataclass(frozen=True)
class Target:
    url: str
    labels: dict[str, str] = field(hash=False)

    @property
    def pod(self) -> str:
        return self.labels["pod"]


def targets(kube: Kube, service_monitor: str) -> list[Target]:
    """The targets of ServiceMonitor ``service_monitor`` in ``kube``'s namespace."""
    sm = kube.get("servicemonitor", service_monitor)["spec"]
    for endpoint in sm["endpoints"]:
        if endpoint.get("relabelings") or endpoint.get("metricRelabelings"):
            raise ValueError(f"{service_monitor}: relabelings are not modelled here")
    namespaces = sm.get("namespaceSelector", {}).get("matchNames") or [kube.namespace]
    match = sm["selector"].get("matchLabels", {})
    if sm["selector"].get("matchExpressions"):
        raise ValueError(f"{service_monitor}: matchExpressions are not modelled here")
    selector = ",".join(f"{k}={v}" for k, v in sorted(match.items()))
    found = []
    for ns in namespaces:
        scoped = Kube(ns)
        for svc in scoped.items("service", selector):
            name = svc["metadata"]["name"]
            job = svc["metadata"].get("labels", {}).get(sm.get("jobLabel", ""), name)
            for endpoint_slice in scoped.items("endpointslice",
                                               f"kubernetes.io/service-name={name}"):
                ports = {p.get("name"): p["port"] for p in endpoint_slice.get("ports") or []}
                for ep in endpoint_slice.get("endpoints") or []:
                    ref = ep.get("targetRef") or {}
                    for spec in sm["endpoints"]:
                        port = ports.get(spec["port"])
                        if port is None or ref.get("kind") != "Pod":
                            continue
                        for address in ep["addresses"]:
                            instance = f"{address}:{port}"
                            labels = {"namespace": ns, "service": name, "pod": ref["name"],
                                      "endpoint": spec["port"], "job": job,
                                      "instance": instance}
                            found.append(Target(f"{spec.get('scheme', 'http')}://{instance}"
                                                f"{spec.get('path', '/metrics')}", labels))
    return sorted(found, key=lambda t: t.pod)


def scrape(target: Target, timeout: float = 5) -> str:
    with urllib.request.urlopen(target.url, timeout=timeout) as resp:
        return str(resp.read().decode())


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text: str) -> list[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample in a text exposition."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError(f"not a sample line: {line!r}")
        labels = {k: v.replace('\\"', '"').replace("\\\\", "\\")
                  for k, v in _LABEL.findall(m[2] or "")}
        out.append((m[1], labels, float(m[3])))
    return out


def series(name: str, labels: dict[str, str]) -> str:
    """``name{a="b", ...}``, as promtool's input_series and exp_samples spell a series."""
    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace('"', '\\"')
    inner = ", ".join(f'{k}="{esc(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def promtool_values(slots: list[dict[str, float | str]], series: str) -> str:
    """promtool's input_series values of ``series`` over ``slots`` (one dict of series ->
    value per scrape interval; an empty dict: no scrape was made): its value; "stale" once
    it is gone from a scrape (its target failed or left discovery: Prometheus writes a
    staleness marker then); "_" where no scrape was made, or before the series existed."""
    out, seen = [], False
    for slot in slots:
        if series in slot:
            out.append(f"{slot[series]:g}")
            seen = True
        elif slot and seen:
            out.append("stale")
        else:
            out.append("_")
    return " ".join(out)


def rule_groups(kube: Kube, name: str) -> list[dict[str, Any]]:
    """The groups of PrometheusRule ``name``, as the API server stores them."""
    return list(kube.get("prometheusrule", name)["spec"]["groups"])


def main(argv: list[str]) -> int:
    if argv != ["--install-crds"]:
        print("usage: python -m stack_e2e.monitoring --install-crds", file=sys.stderr)
        return 2
    for name in install_crds():
        print(f"crd/{name} established")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
