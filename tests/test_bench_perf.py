"""make bench-cluster's pure logic (e2e/bench/perf.py): reading the Kafka 3.9.1 perf tools'
output (samples copied from real runs against the bare broker), the ratio, the table, and
picking the operational figures of the newest e2e run. No timing is asserted anywhere."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from bench import perf

PRODUCER_OUT = """\
149971 records sent, 29994.2 records/sec (29.29 MB/sec), 601.3 ms avg latency, \
1112.0 ms max latency.\n\
200000 records sent, 10377.032169 records/sec (10.13 MB/sec), 1238.46 ms avg latency, \
1795.00 ms max latency, 1364 ms 50th, 1751 ms 95th, 1786 ms 99th, 1794 ms 99.9th.
"""

CONSUMER_OUT = """\
WARNING: some log line the tool printed first
start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, \
rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-12-02 14:46:16:309, 2026-12-02 14:46:18:409, 29.2969, 13.9509, 30000, 14285.7143, 1499, \
601, 48.7469, 49916.8053
"""


def produced(mb: float) -> perf.Produced:
    return perf.Produced(records=1, records_per_s=mb * 1024, mb_per_s=mb, p50_ms=5, p99_ms=50,
                         max_ms=60.0)


def consumed(mb: float) -> perf.Consumed:
    return perf.Consumed(records=1, mb=1.0, fetch_mb_per_s=mb, fetch_records_per_s=mb * 1024,
                         rebalance_ms=3000)


def row(target: str, rnd: int, prod_mb: float, cons_mb: float) -> perf.Row:
    return perf.Row(target, rnd, produced(prod_mb), consumed(cons_mb), 0.5)


def test_producer_summary_is_the_line_with_percentiles_not_an_interval_line() -> None:
    p = perf.parse_producer(PRODUCER_OUT)
    assert (p.records, p.mb_per_s, p.p50_ms, p.p99_ms) == (200000, 10.13, 1364, 1786)
    assert p.records_per_s == pytest.approx(10377.03, abs=0.01)


def test_producer_output_without_summary_is_an_error_showing_the_output() -> None:
    with pytest.raises(perf.PerfOutputError, match="TimeoutException"):
        perf.parse_producer("org.apache.kafka.common.errors.TimeoutException: boom\n")


def test_consumer_result_is_read_by_header_names_after_warnings() -> None:
    c = perf.parse_consumer(CONSUMER_OUT)
    assert (c.records, c.rebalance_ms) == (30000, 1499)
    assert c.fetch_mb_per_s == pytest.approx(48.7469)
    assert c.fetch_records_per_s == pytest.approx(49916.8053)


def test_consumer_header_without_data_line_is_an_error() -> None:
    with pytest.raises(perf.PerfOutputError):
        perf.parse_consumer(CONSUMER_OUT.splitlines()[1] + "\n")


def test_ratio_uses_the_median_of_each_targets_rounds() -> None:
    rows = [row("chart", 1, 40, 80), row("chart", 2, 60, 100), row("chart", 3, 50, 90),
            row("bare", 1, 50, 100), row("bare", 2, 100, 100), row("bare", 3, 50, 100)]
    lines = perf.ratio_lines(rows, "chart", "bare")
    assert lines[0].endswith("1.00 (meets the goal 0.95)")
    assert lines[1].endswith("0.90 (BELOW the goal 0.95)")


def test_ratio_of_an_unmeasured_target_says_so() -> None:
    assert perf.ratio_lines([row("bare", 1, 1, 1)], "chart", "bare") == [
        "ratio chart / bare: not measured"]
    assert perf.ratio(1.0, 0.0) is None


def test_table_has_one_line_per_round_under_its_header() -> None:
    text = perf.table([row("bare 1 broker", 1, 61.234, 90.0), row("chart 1 broker", 1, 58, 88)])
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["target", "rnd"]
    assert len(lines) == 4
    assert "61.23" in lines[2] and "chart 1 broker" in lines[3]


def figure(check: str, name: str, seconds: float) -> dict[str, object]:
    return {"check": check, "figure": name, "seconds": seconds, "text": "", "ok": True}


def write(path: Path, entries: list[dict[str, object]], mtime: float) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    os.utime(path, (mtime, mtime))
    return path


def test_operational_pairs_returned_with_isr_rejoined_of_the_same_check() -> None:
    lines = perf.operational([
        figure("test_zk_leader", "returned", 12.3),          # ZooKeeper's: not the broker's
        figure("test_zk_leader", "writes-resumed", 1.2),
        figure("test_broker_deleted", "returned", 37.0),
        figure("test_broker_deleted", "isr-rejoined", 0.4),
        figure("test_rolling", "roll", 157.1),
    ])
    assert lines == [
        "rolling restart of 3 brokers (roll): 157.1 s (test_rolling)",
        "ZooKeeper leader deleted -> writes resume (writes-resumed): 1.2 s",
        "broker deleted -> every ISR full (returned 37.0 s + isr-rejoined 0.4 s): 37.4 s",
    ]


def test_newest_figures_with_operational_times_win_over_newer_ones_without(
        tmp_path: Path) -> None:
    old = write(tmp_path / "a.jsonl", [figure("c", "roll", 100.0)], 1_000_000)
    newer = write(tmp_path / "b.jsonl", [figure("c", "roll", 120.0)], 2_000_000)
    stage1 = write(tmp_path / "c.jsonl", [figure("c", "dry-run", 1.0)], 3_000_000)
    ops = perf.newest_operational([old, stage1, newer, tmp_path / "missing.jsonl"])
    assert ops is not None
    assert ops.source == newer and ops.lines[0].startswith("rolling restart of 3 brokers "
                                                           "(roll): 120.0 s")
    assert perf.newest_operational([stage1]) is None


def test_explain_is_silent_when_the_chart_meets_the_goal() -> None:
    rows = [row(perf.BARE, 1, 50, 100), row(perf.CHART, 1, 49, 99)]
    assert perf.explain(rows, 2) == []


def test_explain_names_the_cpu_limit_when_lifting_it_closes_the_gap() -> None:
    rows = [row(perf.BARE, 1, 50, 100), row(perf.CHART, 1, 40, 99),
            row(perf.factor_target(2), 1, 49, 100)]
    (line,) = perf.explain(rows, 2)
    assert line.startswith("why (producer 0.80): the CPU limit.")
    assert "kafka.resources.limits.cpu=2" in line and line.endswith(": 0.98")


def test_explain_rules_the_cpu_limit_out_when_lifting_it_changes_nothing() -> None:
    rows = [row(perf.BARE, 1, 50, 100), row(perf.CHART, 1, 50, 80),
            row(perf.factor_target(2), 1, 50, 81)]
    (line,) = perf.explain(rows, 2)
    assert line.startswith("why (consumer 0.80): not the CPU limit (lifted to 2: 0.81)")
