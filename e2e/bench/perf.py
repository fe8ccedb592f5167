"""What `make bench-cluster` reads and prints, as plain data: the Kafka perf tools' output,
the chart/bare ratio, the table, and the e2e run's operational figures.

No cluster, no processes here (tests/test_bench_perf.py covers all of it); e2e/bench/cluster.py
runs the brokers and the tools and hands their output to these functions.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stack_e2e import figures

# The final summary line of org.apache.kafka.tools.ProducerPerformance (Kafka 3.9):
# "200000 records sent, 48309.2 records/sec (47.18 MB/sec), 512.38 ms avg latency,
#  1234.00 ms max latency, 480 ms 50th, 900 ms 95th, 1000 ms 99th, 1200 ms 99.9th."
_PRODUCER = re.compile(
    r"(?P<records>\d+) records sent, (?P<rps>[\d.]+) records/sec \((?P<mbps>[\d.]+) MB/sec\), "
    r"(?P<avg>[\d.]+) ms avg latency, (?P<max>[\d.]+) ms max latency, "
    r"(?P<p50>\d+) ms 50th, (?P<p95>\d+) ms 95th, (?P<p99>\d+) ms 99th, "
    r"(?P<p999>\d+) ms 99\.9th\.")

# ConsumerPerformance's header (Kafka 3.9), then one data line with the same fields:
CONSUMER_FIELDS = ("start.time", "end.time", "data.consumed.in.MB", "MB.sec",
                   "data.consumed.in.nMsg", "nMsg.sec", "rebalance.time.ms", "fetch.time.ms",
                   "fetch.MB.sec", "fetch.nMsg.sec")


BARE = "bare 1 broker"
CHART = "chart 1 broker"
GOAL = 0.95


def factor_target(cores: int) -> str:
    """The single broker through the chart with its CPU limit lifted to the machine's cores."""
    return f"{CHART}, cpu limit {cores}"


class PerfOutputError(ValueError):
    """A perf tool printed nothing we can read (its output is in the message)."""


@dataclass(frozen=True)
class Produced:
    records: int
    records_per_s: float
    mb_per_s: float
    p50_ms: int
    p99_ms: int
    max_ms: float


@dataclass(frozen=True)
class Consumed:
    records: int
    mb: float
    # the fetch phase only: the group join (rebalance.time.ms) is left out, since the bare
    # broker's server.properties sets group.initial.rebalance.delay.ms=0 and the chart's
    # broker keeps Kafka's 3 s default; both are printed by the tool, the table shows this
    fetch_mb_per_s: float
    fetch_records_per_s: float
    rebalance_ms: int


def parse_producer(output: str) -> Produced:
    """The last summary line of ProducerPerformance (it prints one per interval before)."""
    matches = list(_PRODUCER.finditer(output))
    if not matches:
        raise PerfOutputError(f"no ProducerPerformance summary in: {output[-2000:]!r}")
    m = matches[-1]
    return Produced(records=int(m["records"]), records_per_s=float(m["rps"]),
                    mb_per_s=float(m["mbps"]), p50_ms=int(m["p50"]), p99_ms=int(m["p99"]),
                    max_ms=float(m["max"]))


def parse_consumer(output: str) -> Consumed:
    """ConsumerPerformance's data line (after its header; warnings may come before)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if line.replace(" ", "").startswith("start.time,end.time"):
            header = [f.strip() for f in line.split(",")]
            if i + 1 >= len(lines):
                break
            values = [v.strip() for v in lines[i + 1].split(",")]
            if len(values) < len(CONSUMER_FIELDS):
                break
            row = dict(zip(header, values, strict=False))
            try:
                return Consumed(records=int(row["data.consumed.in.nMsg"]),
                                mb=float(row["data.consumed.in.MB"]),
                                fetch_mb_per_s=float(row["fetch.MB.sec"]),
                                fetch_records_per_s=float(row["fetch.nMsg.sec"]),
                                rebalance_ms=int(float(row["rebalance.time.ms"])))
            except (KeyError, ValueError) as err:
                raise PerfOutputError(f"unreadable ConsumerPerformance line {lines[i + 1]!r}: "
                                      f"{err}") from err
    raise PerfOutputError(f"no ConsumerPerformance result in: {output[-2000:]!r}")


@dataclass(frozen=True)
class Row:
    """One measured round against one target."""

    target: str          # "chart 1 broker", "bare 1 broker", ...
    round: int
    produced: Produced
    consumed: Consumed
    load1: float         # the 1-minute load average right after the round


def median_by_target(rows: Iterable[Row]) -> dict[str, tuple[float, float]]:
    """target -> (median producer MB/s, median consumer fetch MB/s) over its rounds."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row.target, []).append(row)
    return {t: (statistics.median(r.produced.mb_per_s for r in rs),
                statistics.median(r.consumed.fetch_mb_per_s for r in rs))
            for t, rs in grouped.items()}


def ratio(chart: float, bare: float) -> float | None:
    return None if bare <= 0 else chart / bare


def table(rows: Sequence[Row]) -> str:
    head = (f"{'target':<28} {'rnd':>3} | {'prod MB/s':>9} {'rec/s':>8} {'p50 ms':>7} "
            f"{'p99 ms':>7} | {'cons MB/s':>9} {'rec/s':>8} | {'load1':>5}")
    lines = [head, "-" * len(head)]
    for r in rows:
        p, c = r.produced, r.consumed
        lines.append(
            f"{r.target:<28} {r.round:>3} | {p.mb_per_s:>9.2f} {p.records_per_s:>8.0f} "
            f"{p.p50_ms:>7d} {p.p99_ms:>7d} | {c.fetch_mb_per_s:>9.2f} "
            f"{c.fetch_records_per_s:>8.0f} | {r.load1:>5.2f}")
    return "\n".join(lines)


def ratio_lines(rows: Sequence[Row], chart: str, bare: str, goal: float = GOAL) -> list[str]:
    """The chart/bare ratio of the medians, producer and consumer, against the goal."""
    med = median_by_target(rows)
    if chart not in med or bare not in med:
        return [f"ratio {chart} / {bare}: not measured"]
    out = []
    for i, what in enumerate(("producer", "consumer")):
        value = ratio(med[chart][i], med[bare][i])
        if value is None:
            out.append(f"ratio {chart} / {bare}, {what}: bare measured 0 MB/s")
            continue
        verdict = "meets" if value >= goal else "BELOW"
        out.append(f"ratio {chart} / {bare}, {what} (median MB/s {med[chart][i]:.2f} / "
                   f"{med[bare][i]:.2f}): {value:.2f} ({verdict} the goal {goal:.2f})")
    return out


def explain(rows: Sequence[Row], cores: int, goal: float = GOAL) -> list[str]:
    """Why the chart's single broker is below the goal, from what the factor target measured
    (the same release with its CPU limit lifted); nothing when it is not below."""
    med = median_by_target(rows)
    factor = factor_target(cores)
    if CHART not in med or BARE not in med:
        return []
    out = []
    for i, what in enumerate(("producer", "consumer")):
        base = ratio(med[CHART][i], med[BARE][i])
        if base is None or base >= goal:
            continue
        lifted = ratio(med[factor][i], med[BARE][i]) if factor in med else None
        if lifted is None:
            out.append(f"why ({what} {base:.2f}): not measured (the factor round did not run)")
        elif lifted >= goal:
            out.append(f"why ({what} {base:.2f}): the CPU limit. The same release with "
                       f"kafka.resources.limits.cpu={cores} instead of dev's 1: {lifted:.2f}")
        else:
            out.append(f"why ({what} {base:.2f}): not the CPU limit (lifted to {cores}: "
                       f"{lifted:.2f}); the differences left (network path: pod IP over the "
                       "CNI bridge vs loopback; probes; GC log rotation) are not separated "
                       "by this run")
    return out


# --- the e2e run's operational figures (e2e/stack_e2e/figures.py writes them) -------------
@dataclass(frozen=True)
class Operational:
    source: Path
    run_time: str             # the file's modification time, as text
    lines: list[str]


def operational(entries: Sequence[dict[str, Any]]) -> list[str]:
    """roll, writes-resumed, and broker deleted -> ISR full ("returned" + "isr-rejoined" of
    the check that has both), as lines; an empty list when the run has none of them."""
    def first(figure: str, check: str | None = None) -> dict[str, Any] | None:
        return next((e for e in entries if e.get("figure") == figure
                     and (check is None or e.get("check") == check)), None)

    out = []
    roll = first("roll")
    if roll:
        out.append(f"rolling restart of 3 brokers (roll): {roll['seconds']:.1f} s "
                   f"({roll['check']})")
    resumed = first("writes-resumed")
    if resumed:
        out.append(f"ZooKeeper leader deleted -> writes resume (writes-resumed): "
                   f"{resumed['seconds']:.1f} s")
    rejoined = first("isr-rejoined")
    if rejoined:
        back = first("returned", rejoined["check"])
        if back:
            total = back["seconds"] + rejoined["seconds"]
            out.append(f"broker deleted -> every ISR full (returned {back['seconds']:.1f} s + "
                       f"isr-rejoined {rejoined['seconds']:.1f} s): {total:.1f} s")
        else:
            out.append(f"broker back in every ISR (isr-rejoined) {rejoined['seconds']:.1f} s "
                       "after Ready (no 'returned' figure in that check)")
    return out


def newest_operational(candidates: Iterable[Path]) -> Operational | None:
    """The newest of the candidate figures files that holds any operational figure."""
    import time

    found = []
    for path in candidates:
        if not path.is_file():
            continue
        lines = operational(figures.load(path))
        if lines:
            found.append((path.stat().st_mtime, path, lines))
    if not found:
        return None
    mtime, path, lines = max(found, key=lambda f: f[0])
    return Operational(path, time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(mtime)), lines)
