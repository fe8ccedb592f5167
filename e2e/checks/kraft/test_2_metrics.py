"""The metrics of KRaft mode on the real cluster (make e2e KRAFT=1; e2e/values-kraft.yaml
turns them on, with the ServiceMonitors and the PrometheusRule).

No Prometheus runs here, as in e2e/checks/test_8_metrics.py: the checks scrape the targets
each ServiceMonitor selects (the brokers' <fullname>-metrics, the controllers'
<fullname>-controller-metrics) and evaluate the PrometheusRule's expressions, as the API
server holds them, with promtool on the samples.

- Every broker and every controller answers, and the quorum's series agree with each
  other: one controller reports ActiveControllerCount 1 and no broker reports it at all
  (which is why the alerts read the controller's series from the controllers' pods); every
  controller sees every broker unfenced and no offline partition; the raft metrics give one
  leader, two followers and three observers, all naming the same leader, the active
  controller. Every metric, label and label value an alert or the dashboard uses in KRaft
  mode is in this run's scrape (tests/test_metrics_known.py on it; with
  E2E_REFRESH_METRICS=1 it replaces tests/fixtures/metrics/kafka-kraft.prom).
- The active controller's loss: sampled every INTERVAL s, a new leader within
  BOUND_LEADERLESS; on the samples, KafkaNoActiveController's, KafkaMultipleActiveControllers'
  and KafkaControllerDown's expressions are true exactly where the samples say (no active
  controller, two, a controller unscraped), and no alert fires (the election is shorter
  than their `for`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from stack_e2e import monitoring
from stack_e2e.figures import Figures
from stack_e2e.kube import CommandFailed
from stack_e2e.settings import REPO, settings
from stack_e2e.waits import within
from test_1_quorum import NODE_ID_OFFSET, controllers
from test_8_metrics import (
    INTERVAL,
    exporter_header,
    known_metrics,
    monitor_targets,
    scrape_all,
    traffic,
    value,
)

from conftest import Cluster

sys.path.insert(0, str(REPO / "tests"))
from fixtures.metrics.capture import trim
from promtool import binary as promtool

BOUND_HEALTHY = 300     # s: every target answers and the quorum's series agree
BOUND_LEADERLESS = 45   # s: the longest run of samples without an active controller (< for: 1m)
BOUND_RETURN = 240      # s after the deletion: back and scraped (< KafkaControllerDown for: 5m)
AFTER = 6               # samples taken once every controller answers again

ACTIVE = "kafka_controller_kafkacontroller_activecontrollercount"
BROKERS = "kafka_controller_kafkacontroller_activebrokercount"
FENCED = "kafka_controller_kafkacontroller_fencedbrokercount"
OFFLINE = "kafka_controller_kafkacontroller_offlinepartitionscount"
STATE = "kafka_server_raftmetrics_current_state"
LEADER = "kafka_server_raftmetrics_current_leader"
URP = "kafka_server_replicamanager_underreplicatedpartitions"
ALERTS = ("KafkaNoActiveController", "KafkaMultipleActiveControllers", "KafkaControllerDown")


def states(text: str) -> list[str]:
    return [labels["state"] for n, labels, _ in monitoring.parse(text) if n == STATE]


def test_every_node_answers_and_the_quorums_series_agree(cluster: Cluster,
                                                         figures: Figures) -> None:
    topic = traffic(cluster)
    brokers = [f"{cluster.kafka}-{i}" for i in range(cluster.brokers())]
    voters = controllers(cluster)
    b_targets = monitor_targets(cluster, cluster.kafka, brokers)
    c_targets = monitor_targets(cluster, f"{cluster.kafka}-controller", voters)
    state: dict[str, Any] = {}

    def agree() -> bool:
        b, c = scrape_all(b_targets), scrape_all(c_targets)
        state.update(brokers=b, controllers=c)
        down = [p for p, t in {**b, **c}.items() if isinstance(t, Exception)]
        if down:
            state["why"] = f"no answer from {down}"
            return False
        active = {p: value(str(t), ACTIVE) for p, t in c.items()}
        seen = {p: (value(str(t), BROKERS), value(str(t), FENCED), value(str(t), OFFLINE))
                for p, t in c.items()}
        roles = Counter(s for t in c.values() for s in states(str(t)))
        observers = Counter(s for t in b.values() for s in states(str(t)))
        leaders = {p: value(str(t), LEADER) for p, t in {**b, **c}.items()}
        urp = {p: value(str(t), URP) for p, t in b.items()}
        on_brokers = [p for p, t in b.items() if value(str(t), ACTIVE) is not None]
        lead = [p for p, v in active.items() if v == 1]
        state["why"] = (f"active {active}, (brokers, fenced, offline) {seen}, roles "
                        f"{dict(roles)}, brokers' roles {dict(observers)}, leaders {leaders}, "
                        f"URP {urp}, {ACTIVE} on brokers {on_brokers}")
        state["leader"] = lead
        return (len(lead) == 1 and sum(v or 0 for v in active.values()) == 1
                and not on_brokers
                and all(s == (len(brokers), 0, 0) for s in seen.values())
                and roles == Counter({"leader": 1, "follower": len(voters) - 1})
                and observers == Counter({"observer": len(brokers)})
                and set(leaders.values()) == {NODE_ID_OFFSET + int(lead[0].rsplit("-", 1)[1])}
                and all(v == 0 for v in urp.values()))

    sane = within(BOUND_HEALTHY, "every node answers and the quorum's series agree", agree,
                  interval=3, describe=lambda _: state.get("why", ""))
    figures.bounded("kraft-metrics-sane", sane.seconds, BOUND_HEALTHY,
                    f"{len(b_targets)} brokers and {len(c_targets)} controllers scraped "
                    f"through their ServiceMonitors after {topic}: {state['why']} "
                    f"({sane.attempts} scrape(s))")

    out = settings().logs / "metrics-kraft"
    out.mkdir(parents=True, exist_ok=True)
    scraped = [str(t) for t in [*state["controllers"].values(), *state["brokers"].values()]]
    (out / "kafka-kraft.prom").write_text(trim("\n".join(scraped), exporter_header(cluster)))
    passed = known_metrics(out, "kafka-kraft")
    figures.record("kraft-metrics-known", f"tests/test_metrics_known.py (KRaft) on this run's "
                   f"scrape ({out}): {passed} passed")
    if os.environ.get("E2E_REFRESH_METRICS") == "1":
        shutil.copyfile(out / "kafka-kraft.prom",
                        REPO / "tests" / "fixtures" / "metrics" / "kafka-kraft.prom")
        figures.record("kraft-metrics-fixture", "E2E_REFRESH_METRICS=1: tests/fixtures/"
                       "metrics/kafka-kraft.prom replaced by this run's scrape")


class Sampler:
    """Every INTERVAL s, the controllers' ACTIVE series and an ``up`` per target, as
    Prometheus would store them (target labels; "stale" once a target stops answering)."""

    def __init__(self, cluster: Cluster, voters: list[str]) -> None:
        self.cluster, self.voters = cluster, voters
        self.name = f"{cluster.kafka}-controller-metrics"
        self.targets = monitor_targets(cluster, f"{cluster.kafka}-controller", voters)
        self.slots: list[dict[str, float | str]] = []
        self.active: list[dict[str, float] | None] = []  # pod -> ACTIVE; None: not scraped
        self.up: list[dict[str, int]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        try:
            while not self.stop.is_set():
                slot: dict[str, float | str] = {}
                answers = scrape_all(self.targets)
                active, up = {}, {}
                for t in self.targets:
                    text = answers[t.pod]
                    up[t.pod] = 0 if isinstance(text, Exception) else 1
                    slot[monitoring.series("up", t.labels)] = up[t.pod]
                    if up[t.pod]:
                        for name, labels, v in monitoring.parse(str(text)):
                            if name == ACTIVE:
                                slot[monitoring.series(name, {**labels, **t.labels})] = v
                                active[t.pod] = v
                for pod in self.voters:  # a pod out of discovery: not scraped at all
                    up.setdefault(pod, 0)
                self.slots.append(slot)
                self.active.append(active)
                self.up.append(up)
                if any(v == 0 for v in up.values()):
                    # a replaced pod returns with a new IP: discover again, as Prometheus does
                    with contextlib.suppress(CommandFailed):
                        self.targets = monitoring.targets(self.cluster.kube, self.name)
                next_at = start + INTERVAL * len(self.slots)
                while next_at < time.monotonic():  # a slot whose time passed: no scrape
                    self.slots.append({})
                    self.active.append(None)
                    self.up.append({})
                    next_at += INTERVAL
                self.stop.wait(next_at - time.monotonic())
        except BaseException as exc:  # surfaced by the check
            self.error = exc


def test_the_active_controllers_loss_elects_another_and_pages_nobody(
        cluster: Cluster, figures: Figures, tmp_path: Path) -> None:
    kube = cluster.kube
    voters = controllers(cluster)
    sampler = Sampler(cluster, voters)
    sampler.thread.start()
    try:
        def one_leader() -> str | None:
            last = sampler.active[-1] if sampler.active else None
            lead = [p for p, v in (last or {}).items() if v == 1]
            return lead[0] if last and len(last) == len(voters) and len(lead) == 1 else None

        victim = within(60, "one active controller in the newest sample", one_leader,
                        interval=0.5).value
        before = len(sampler.slots) - 1
        old_uid, deleted = kube.delete_pod(victim)
        deleted_slot = len(sampler.slots)
        kube.wait_replaced_and_ready(victim, old_uid, BOUND_RETURN, since=deleted)

        def all_back() -> int | None:  # AFTER samples with every controller answering
            answered = [i for i in range(deleted_slot, len(sampler.up))
                        if sampler.up[i] and all(sampler.up[i].values())]
            return answered[-1] if len(answered) >= AFTER and len(sampler.up) - 1 in answered \
                else None

        last = within(BOUND_RETURN, f"{AFTER} samples of every controller after its return",
                      all_back, since=deleted, interval=1).value
    finally:
        sampler.stop.set()
        sampler.thread.join(timeout=30)
    assert sampler.error is None, f"the sampler failed: {sampler.error!r}"

    # what the samples say, slot by slot
    leaderless = [i for i in range(before, last + 1)
                  if sampler.active[i] is not None and sum(sampler.active[i].values()) == 0]
    runs, run = [], 0
    for i in range(before, last + 1):
        if sampler.active[i] is None:  # no scrape then: a leaderless run goes on through it
            run += 1 if run else 0
        else:
            run = run + 1 if i in leaderless else 0
        runs.append(run)
    longest = max(runs) * INTERVAL
    figures.bounded("kraft-leaderless", longest, BOUND_LEADERLESS,
                    f"{victim} (the active controller) deleted: {len(leaderless)} of "
                    f"{last - before + 1} samples ({INTERVAL} s apart) without an active "
                    f"controller, the longest run {longest} s")

    groups = monitoring.rule_groups(kube, cluster.kafka)
    rules = {r["alert"]: r for g in groups for r in g["rules"] if r.get("alert") in ALERTS}
    assert sorted(rules) == sorted(ALERTS), f"the PrometheusRule has {sorted(rules)}"
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    every = sorted({s for slot in sampler.slots for s in slot})
    tests: list[dict[str, Any]] = []
    for i in range(before, last + 1):
        if sampler.active[i] is None:
            continue  # no scrape at that time: Prometheus would have none either
        active = sampler.active[i]
        up = sampler.up[i]
        expect = {
            "KafkaNoActiveController": [0] if sum(active.values()) == 0 else [],
            "KafkaMultipleActiveControllers": [sum(active.values())]
            if sum(active.values()) > 1 else [],
            "KafkaControllerDown": [sum(up.values())] if sum(up.values()) < len(voters)
            else [],
        }
        for alert, values in expect.items():
            tests.append({"expr": rules[alert]["expr"], "eval_time": f"{i * INTERVAL}s",
                          "exp_samples": [{"labels": "{}", "value": v} for v in values]})
    case: dict[str, Any] = {
        "interval": f"{INTERVAL}s",
        "input_series": [{"series": s, "values": monitoring.promtool_values(sampler.slots, s)}
                         for s in every],
        "promql_expr_test": tests,
        "alert_rule_test": [{"eval_time": f"{last * INTERVAL}s", "alertname": a,
                             "exp_alerts": []} for a in ALERTS],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(
        {"rule_files": ["rules.yaml"], "evaluation_interval": f"{INTERVAL}s",
         "tests": [case]}, width=1 << 20))
    kept = settings().logs / "metrics-kraft"
    kept.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / "test.yaml", kept / "controller-loss-promtool-test.yaml")
    proc = subprocess.run([str(promtool()), "test", "rules", "test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"promtool test rules:\n{proc.stdout}{proc.stderr}"
    down = sum(1 for i in range(before, last + 1) if sampler.up[i]
               and sum(sampler.up[i].values()) < len(voters))
    two = sum(1 for i in range(before, last + 1) if sampler.active[i]
              and sum(sampler.active[i].values()) > 1)
    figures.record("kraft-controller-alerts",
                   f"promtool on {last - before + 1} samples of {len(voters)} controllers: "
                   f"{', '.join(ALERTS)} true exactly at the samples without an active "
                   f"controller ({len(leaderless)}), with two ({two}) and with a controller "
                   f"unscraped ({down}); none fired (their for: "
                   f"{', '.join(str(rules[a].get('for')) for a in ALERTS)})")
