"""The charts' message contract: ``<full.key.path>: <reason>``.

A chart ``fail`` message is one or more such lines; a render-time warning is a YAML
comment line ``# WARNING: <full.key.path>: <reason>`` in the rendered manifests. The key
path is the values path as the user writes it (with the subchart prefix inside the
umbrella), so each line can be blamed on the file (or ``--set``) that set the key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .problems import Level, Problem, dedupe
from .sources import Source, blame, roots, split_key

_KEY = r"[A-Za-z_$][\w$-]*(?:\[\d+\])*(?:\.[\w$/-]+(?:\[\d+\])*)*"
_KEY_REASON = re.compile(rf"^(?P<key>{_KEY}): (?P<reason>\S.*)$")
_WARNING = re.compile(rf"^(?P<indent>[ \t]*)# WARNING: (?P<key>{_KEY}): (?P<reason>\S.*?)\s*$",
                      re.MULTILINE)


def key_reason(line: str, sources: Sequence[Source]) -> tuple[str, str] | None:
    """``(key, reason)`` when ``line`` follows the contract and its key starts like a
    values path of this render (so ``Error: x`` or ``upgrade refused: ...`` do not)."""
    match = _KEY_REASON.match(line.strip())
    if not match or split_key(match["key"])[0] not in roots(sources):
        return None
    return match["key"], match["reason"].strip()


def blamed(sources: Sequence[Source], key: str, reason: str,
           level: Level = "error") -> Problem:
    return Problem(blame(sources, split_key(key)), key, reason, level=level)


def fail_problems(message: str, sources: Sequence[Source],
                  where: str) -> list[Problem]:
    """A chart's ``fail`` message: one problem per contract line, blamed on the user's
    file; whatever else it says stays one problem located at the template (``where``)."""
    problems: list[Problem] = []
    rest: list[str] = []
    for line in message.splitlines():
        found = key_reason(line, sources)
        if found:
            problems.append(blamed(sources, *found))
        elif line.strip():
            rest.append(line.rstrip())
    if rest:
        problems.insert(0, Problem(where, "", "\n".join(rest)))
    return dedupe(problems)


def warnings(text: str, sources: Sequence[Source]) -> list[Problem]:
    """Every ``# WARNING: key: reason`` comment of a render, once, as a warning Problem.

    An indented one (a template included with nindent) counts when its key starts like a
    values path, so a script's own comment in a ConfigMap is not taken for one.
    """
    known = roots(sources)
    return dedupe(blamed(sources, m["key"], m["reason"], "warning")
                  for m in _WARNING.finditer(text)
                  if not m["indent"] or split_key(m["key"])[0] in known)
