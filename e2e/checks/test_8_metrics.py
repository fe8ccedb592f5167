"""Metrics on the real cluster (e2e/values-secure.yaml turns them on, with a ServiceMonitor,
a PrometheusRule and the dashboards in each chart).

No Prometheus runs here. The checks do what it would do with the release's objects, as the
API server holds them (stack_e2e.monitoring): scrape the targets each ServiceMonitor selects
(its selector over Services, its named port over their EndpointSlices, the target labels
Prometheus adds) and evaluate the PrometheusRule's alert expressions with promtool (the
binary tests/promtool.py builds), on the samples scraped.

- Every broker and every ZooKeeper server answers, and the key series are sane: 0
  under-replicated partitions on every broker, one active controller in the cluster, a
  quorum of 3 with 2 synced followers.
- Every metric, label and label value that an alert or a dashboard uses is in this run's
  scrape: tests/test_metrics_known.py runs against it (METRICS_SCRAPES). The trimmed scrape
  is kept in <logs>/metrics/; with E2E_REFRESH_METRICS=1 it also replaces the reviewed
  fixture tests/fixtures/metrics/{kafka,zookeeper}.prom (review the diff).
- While a broker is deleted, under-replicated partitions rise above 0 on the other brokers,
  and the expression of KafkaUnderReplicatedPartitions is true on those samples and false
  before and after; the alert itself (for: 5m) fires only if that lasted its `for`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import yaml
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from stack_e2e import monitoring
from stack_e2e.figures import Figures
from stack_e2e.kube import CommandFailed
from stack_e2e.monitoring import Target
from stack_e2e.settings import REPO, settings
from stack_e2e.waits import within

from conftest import Cluster

sys.path.insert(0, str(REPO / "tests"))
from fixtures.metrics.capture import config_digest, trim
from promtool import binary as promtool

BOUND_TRAFFIC = 60       # s: each of topic creation, producing, consuming the records
BOUND_HEALTHY = 300      # s: every target answers, 0 URP, one controller, a full quorum
BOUND_URP = 90           # s after the deletion: a broker reports under-replicated partitions
BOUND_RECOVERED = 420    # s after the deletion: the broker is back, 0 URP everywhere again
# s between two samples of every broker (promtool's interval). A broker's exporter answers
# in 0.5-3 s on this 2-core machine under load (about 2 900 series): a scrape gets
# INTERVAL - 1 s, as Prometheus gives scrape_timeout < scrape_interval.
INTERVAL = 5
RECORDS = 200            # produced (acks=all) and consumed before the scrape: per-topic series

URP = "kafka_server_replicamanager_underreplicatedpartitions"
ACTIVE = "kafka_controller_kafkacontroller_activecontrollercount"
KEPT = {URP, ACTIVE, "kafka_server_replicamanager_underminisrpartitioncount",
        "kafka_controller_kafkacontroller_offlinepartitionscount",
        "kafka_controller_kafkacontroller_activebrokercount"}
ALERT = "KafkaUnderReplicatedPartitions"


def scrape_all(targets: list[Target]) -> dict[str, str | Exception]:
    """pod -> its exposition (or why it did not answer), the targets scraped in parallel."""
    def one(t: Target) -> str | Exception:
        try:
            return monitoring.scrape(t, timeout=INTERVAL - 1)
        except OSError as exc:
            return exc
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(targets) or 1) as pool:
        return dict(zip((t.pod for t in targets), pool.map(one, targets), strict=True))


def value(text: str, name: str) -> float | None:
    found = [v for n, labels, v in monitoring.parse(text) if n == name and not labels]
    return found[0] if found else None


def monitor_targets(cluster: Cluster, name: str, pods: list[str]) -> list[Target]:
    """The ServiceMonitor's targets: exactly one per pod of the StatefulSet."""
    found = monitoring.targets(cluster.kube, f"{name}-metrics")
    assert sorted(t.pod for t in found) == sorted(pods), (
        f"ServiceMonitor {name}-metrics selects {[t.pod for t in found]}, not {pods}")
    return found


def traffic(cluster: Cluster) -> str:
    """A new topic (3 partitions, RF 3), RECORDS produced with acks=all and read back
    without a consumer group (user1 has no Group ACL): the exporters only have the
    per-topic series (bytes in and out, messages in) of a topic with traffic."""
    topic = f"e2e-metrics-{uuid.uuid4().hex[:8]}"
    config = cluster.kafka_config()

    cluster.create_topic(topic, 3, 3, bound=BOUND_TRAFFIC)
    producer = KafkaProducer(bootstrap_servers=cluster.kafka_bootstrap(), acks="all",
                             **config)
    try:
        sent = [producer.send(topic, f"m-{i}".encode()) for i in range(RECORDS)]
        producer.flush(timeout=BOUND_TRAFFIC)
        for future in sent:
            future.get(timeout=BOUND_TRAFFIC)  # raises what the broker answered
    finally:
        producer.close(timeout=30)
    consumer = KafkaConsumer(bootstrap_servers=cluster.kafka_bootstrap(), group_id=None,
                             enable_auto_commit=False, **config)
    read = 0
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)

        def drained() -> bool:
            nonlocal read
            read += sum(len(r) for r in consumer.poll(timeout_ms=1000).values())
            return read >= RECORDS

        within(BOUND_TRAFFIC, f"{RECORDS} records read back from {topic}", drained,
               interval=0, describe=lambda _: f"{read} read")
    finally:
        consumer.close()
    return topic


def exporter_header(cluster: Cluster) -> str:
    """The first line of a trimmed Kafka scrape: which exporter rules made it."""
    config = cluster.kube.get("configmap", f"{cluster.kafka}-metrics")["data"]
    return f"# exporter config {config_digest(config['jmx-exporter.yaml'])}"


def known_metrics(out: Path, selector: str) -> str:
    """tests/test_metrics_known.py's real-scrape tests matching `selector`, on the scrapes in
    `out`; asserted to pass. Returns how many passed."""
    known = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_metrics_known.py", "-k", f"(real_scrape or scraped_with) and {selector}"],
        cwd=REPO, env={**os.environ, "METRICS_SCRAPES": str(out)}, capture_output=True,
        text=True, timeout=600)
    passed = re.search(r"(\d+) passed", known.stdout)
    assert known.returncode == 0 and passed, (
        f"an alert or dashboard uses what this run's scrape ({out}) lacks:\n"
        f"{known.stdout[-4000:]}")
    return passed[1]


def test_every_target_answers_with_sane_key_series(cluster: Cluster, figures: Figures) -> None:
    topic = traffic(cluster)
    brokers = [f"{cluster.kafka}-{i}" for i in range(cluster.brokers())]
    kafka = monitor_targets(cluster, cluster.kafka, brokers)
    zk = monitor_targets(cluster, cluster.zk, cluster.zk_pods())
    state: dict[str, Any] = {}

    def healthy() -> bool:
        k, z = scrape_all(kafka), scrape_all(zk)
        state.update(kafka=k, zk=z)
        down = [p for p, t in {**k, **z}.items() if isinstance(t, Exception)]
        if down:
            state["why"] = f"no answer from {down}"
            return False
        urp = {p: value(str(t), URP) for p, t in k.items()}
        active = sum(value(str(t), ACTIVE) or 0 for t in k.values())
        quorum = [value(str(t), "quorum_size") for t in z.values()]
        synced = sum(value(str(t), "synced_followers") or 0 for t in z.values())
        state.update(urp=urp, active=active, quorum=quorum, synced=synced)
        state["why"] = (f"URP {urp}, active controllers {active:g}, quorum_size {quorum}, "
                        f"synced followers {synced:g}")
        return (all(v == 0 for v in urp.values()) and active == 1
                and max((q or 0) for q in quorum) == len(zk) and synced == len(zk) - 1)

    sane = within(BOUND_HEALTHY, "every target answers: 0 URP, 1 active controller, full "
                  "quorum", healthy, interval=3, describe=lambda _: state.get("why", ""))
    figures.bounded("metrics-sane", sane.seconds, BOUND_HEALTHY,
                    f"{len(kafka)} brokers and {len(zk)} ZooKeeper servers scraped through "
                    f"their ServiceMonitors, after {RECORDS} records through {topic}: "
                    f"{state['why']} ({sane.attempts} scrape(s))")

    # The trimmed scrape: kept, the known-metrics tests run on it, and (asked) the fixture.
    out = settings().logs / "metrics"
    out.mkdir(parents=True, exist_ok=True)
    (out / "kafka.prom").write_text(trim("\n".join(map(str, state["kafka"].values())),
                                         exporter_header(cluster)))
    (out / "zookeeper.prom").write_text(trim("\n".join(map(str, state["zk"].values()))))
    passed = known_metrics(out, "not kafka-kraft")  # KRaft's: e2e/checks/kraft
    figures.record("metrics-known", f"tests/test_metrics_known.py on this run's scrape "
                   f"({out}): {passed} passed")
    if os.environ.get("E2E_REFRESH_METRICS") == "1":
        for name in ("kafka.prom", "zookeeper.prom"):
            shutil.copyfile(out / name, REPO / "tests" / "fixtures" / "metrics" / name)
        figures.record("metrics-fixture", "E2E_REFRESH_METRICS=1: tests/fixtures/metrics/"
                       "{kafka,zookeeper}.prom replaced by this run's scrape")


class Sampler:
    """Every INTERVAL s, the KEPT series of every broker target, as Prometheus would store
    them: with the target labels, an ``up`` series, and staleness when a scrape fails."""

    def __init__(self, cluster: Cluster, brokers: list[str]) -> None:
        self.cluster, self.brokers = cluster, brokers
        self.targets = monitor_targets(cluster, cluster.kafka, brokers)
        self.slots: list[dict[str, float | str]] = []  # series -> value or "stale"
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        try:
            while not self.stop.is_set():
                slot: dict[str, float | str] = {}
                answers = scrape_all(self.targets)
                missing = [t for t in self.targets if isinstance(answers[t.pod], Exception)]
                for t in self.targets:
                    up = monitoring.series("up", t.labels)
                    text = answers[t.pod]
                    if isinstance(text, Exception):
                        slot[up] = 0
                        continue
                    slot[up] = 1
                    for name, labels, v in monitoring.parse(text):
                        if name in KEPT:
                            slot[monitoring.series(name, {**labels, **t.labels})] = v
                self.slots.append(slot)
                if missing or len(self.targets) < len(self.brokers):
                    # a pod being replaced leaves its EndpointSlice, then returns with a
                    # new IP: resolve again (Prometheus' service discovery does the same)
                    with contextlib.suppress(CommandFailed):
                        self.targets = monitoring.targets(self.cluster.kube,
                                                          f"{self.cluster.kafka}-metrics")
                # the next slot at its time; a slot whose time has passed is skipped ("_")
                next_at = start + INTERVAL * len(self.slots)
                while next_at < time.monotonic():
                    self.slots.append({})
                    next_at += INTERVAL
                self.stop.wait(next_at - time.monotonic())
        except BaseException as exc:  # surfaced by the check
            self.error = exc

    def urp_at(self, index: int) -> dict[str, float] | None:
        """pod -> URP of every broker that answered at a slot (None: no scrape was made)."""
        slot = self.slots[index]
        if not slot:
            return None
        return {re.search(r'pod="([^"]+)"', s)[1]: float(v)  # type: ignore[index]
                for s, v in slot.items() if s.startswith(URP + "{")}


def duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([smh])", text))


def test_a_deleted_broker_raises_urp_and_the_alert_expression(cluster: Cluster,
                                                               figures: Figures,
                                                               tmp_path: Path) -> None:
    kube = cluster.kube
    brokers = [f"{cluster.kafka}-{i}" for i in range(cluster.brokers())]
    meta = cluster.metadata()
    hosting = {b: sum(b in p.replicas for p in meta.partitions if len(p.replicas) > 1)
               for b in meta.brokers if b != meta.controller}
    victim_id = max(hosting, key=lambda b: hosting[b])
    assert hosting[victim_id] > 0, f"no replicated partition on brokers {sorted(hosting)}"
    victim = f"{cluster.kafka}-{victim_id}"
    assert victim in brokers

    sampler = Sampler(cluster, brokers)
    sampler.thread.start()
    try:
        within(30, "5 samples of every broker before the deletion",
               lambda: len(sampler.slots) >= 5 or None, interval=0.5)

        def calm() -> int | None:  # the newest slot, when it is all zeros (index >= 4: truthy)
            i = len(sampler.slots) - 1
            urp = sampler.urp_at(i)
            return i if urp and len(urp) == len(brokers) and not any(urp.values()) else None

        before = within(60, "0 URP on every broker before the deletion", calm,
                        interval=0.5).value
        old_uid, deleted = kube.delete_pod(victim)
        deleted_slot = len(sampler.slots)

        def raised() -> tuple[int, dict[str, float]] | None:
            for i in range(deleted_slot, len(sampler.slots)):
                urp = sampler.urp_at(i)
                if urp and any(v > 0 for v in urp.values()):
                    return i, urp
            return None

        rose = within(BOUND_URP, "a broker reports under-replicated partitions", raised,
                      since=deleted, interval=0.5)
        figures.bounded("urp-rose", rose.seconds, BOUND_URP,
                        f"{victim} deleted: URP rose to "
                        f"{ {p: int(v) for p, v in rose.value[1].items() if v} } "
                        f"{rose.seconds:.1f} s later")
        kube.wait_replaced_and_ready(victim, old_uid, BOUND_RECOVERED, since=deleted)

        def recovered() -> int | None:  # the newest scraped slot, when all brokers say 0
            i = max(j for j, slot in enumerate(sampler.slots) if slot)
            urp = sampler.urp_at(i)
            return i if urp and len(urp) == len(brokers) and not any(urp.values()) else None

        back = within(BOUND_RECOVERED, "0 URP on every broker again", recovered,
                      since=deleted, interval=1)
        figures.bounded("urp-recovered", back.seconds, BOUND_RECOVERED,
                        f"every broker (with {victim} back) reported 0 URP again "
                        f"{back.seconds:.1f} s after the deletion")
    finally:
        sampler.stop.set()
        sampler.thread.join(timeout=30)
    assert sampler.error is None, f"the sampler failed: {sampler.error!r}"
    first, last = rose.value[0], back.value

    # promtool: the chart's rule, as the API server holds it, on the samples.
    groups = monitoring.rule_groups(kube, cluster.kafka)
    (rule,) = [r for g in groups for r in g["rules"] if r.get("alert") == ALERT]
    answered = sum(1 for slot in sampler.slots for k, v in slot.items()
                   if k.startswith("up{") and v == 1)
    asked = sum(1 for slot in sampler.slots for k in slot if k.startswith("up{"))
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    every = sorted({s for slot in sampler.slots for s in slot})
    positive = [i for i in range(first, last) if any(
        v > 0 for v in (sampler.urp_at(i) or {}).values())]
    lasted = (positive[-1] - first + 1) * INTERVAL
    first_urp = {p: v for p, v in rose.value[1].items() if v > 0}

    def at(i: int) -> str:
        return f"{i * INTERVAL}s"

    def expected(urp: dict[str, float]) -> list[dict[str, Any]]:
        return [{"labels": f'{{namespace="{cluster.namespace}", pod="{p}"}}', "value": v}
                for p, v in sorted(urp.items())]

    case: dict[str, Any] = {
        "interval": f"{INTERVAL}s",
        "input_series": [{"series": s, "values": monitoring.promtool_values(sampler.slots, s)}
                         for s in every],
        "promql_expr_test": [
            {"expr": rule["expr"], "eval_time": at(before), "exp_samples": []},
            {"expr": rule["expr"], "eval_time": at(first), "exp_samples": expected(first_urp)},
            {"expr": rule["expr"], "eval_time": at(last), "exp_samples": []},
        ],
    }
    hold = duration(rule.get("for", "0s"))
    if lasted < hold:  # a blip shorter than the rule's `for` pages nobody
        case["alert_rule_test"] = [{"eval_time": at(positive[-1]), "alertname": ALERT,
                                    "exp_alerts": []}]
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(
        {"rule_files": ["rules.yaml"], "evaluation_interval": f"{INTERVAL}s",
         "tests": [case]}, width=1 << 20))
    kept = settings().logs / "metrics"
    kept.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / "test.yaml", kept / "urp-promtool-test.yaml")
    proc = subprocess.run([str(promtool()), "test", "rules", "test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"promtool test rules:\n{proc.stdout}{proc.stderr}"
    figures.record(
        "urp-alert", f"promtool on {len(sampler.slots)} samples ({INTERVAL} s apart) of "
        f"{len(brokers)} brokers ({answered} of {asked} scrapes answered): {ALERT}'s "
        "expression empty before, "
        f"{ {p: int(v) for p, v in first_urp.items()} } at the first raised sample, empty "
        f"after; true for {lasted:.0f} s, "
        + (f"shorter than its for: {rule.get('for')}, so it stayed pending (checked)"
           if lasted < hold else f"at least its for: {rule.get('for')}, so it fired"))
