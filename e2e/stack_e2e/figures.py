"""Measured figures of a run: each check records what it measured against its bound.

One JSON object per line in ``<logs>/figures.jsonl``:
``{"check": ..., "figure": ..., "seconds": 2.4, "bound": 30, "ok": true, "text": ...}``
(``seconds``/``bound`` are null for figures that are counts or facts). e2e/run.sh prints
them at the end of the run: ``python -m stack_e2e.figures <figures.jsonl>``.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Figures:
    path: Path
    check: str

    def record(self, figure: str, text: str, *, seconds: float | None = None,
               bound: float | None = None, ok: bool = True, **extra: Any) -> None:
        entry = {"check": self.check, "figure": figure, "text": text,
                 "seconds": None if seconds is None else round(seconds, 2),
                 "bound": bound, "ok": ok, "at": time.strftime("%H:%M:%S"), **extra}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as out:
            out.write(json.dumps(entry) + "\n")
        print(f"[figure] {text}")

    def bounded(self, figure: str, seconds: float, bound: float, text: str,
                **extra: Any) -> None:
        """Record a measured duration and assert it is within its bound."""
        ok = seconds <= bound
        self.record(figure, text, seconds=seconds, bound=bound, ok=ok, **extra)
        assert ok, f"{text}: exceeds the bound of {bound:g} s"


def load(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def summary(path: Path) -> str:
    entries = load(path)
    if not entries:
        return "  (no figures recorded)"
    lines = []
    check = None
    for entry in entries:
        if entry["check"] != check:
            check = entry["check"]
            lines.append(f"  {check}")
        bound = ""
        if entry.get("bound") is not None:
            bound = f"  [bound {entry['bound']:g} s{'' if entry.get('ok') else ', EXCEEDED'}]"
        mark = "" if entry.get("ok", True) else "!! "
        lines.append(f"    {mark}{entry['text']}{bound}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1])))
