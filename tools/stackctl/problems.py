"""One problem found in the user's input or in what it renders, and its one text form.

Modules that check things return :class:`Problem` values; nothing but the command line
(and an exception's message) turns them into text, so duplicates are dropped by comparing
values, never by re-parsing formatted lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """``file[:line]: key: reason`` with the Kubernetes versions it applies to.

    ``file`` is the user's file (or ``--set k=v``, ``--namespace NS``) when the problem
    can be blamed on one, else the chart template. ``key`` is the values path (or object
    path) and may be empty; ``versions`` is empty when the problem does not depend on the
    Kubernetes version.
    """

    file: str
    key: str = ""
    reason: str = ""
    line: int | None = None
    versions: tuple[str, ...] = ()
    level: Level = "error"

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    def unversioned(self) -> Problem:
        return replace(self, versions=())


def dedupe(problems: Iterable[Problem]) -> list[Problem]:
    """The problems in their first-seen order, each once."""
    return list(dict.fromkeys(problems))


def merge_versions(per_version: Mapping[str, Sequence[Problem]], *,
                   checked: Sequence[str] | None = None,
                   always_show: bool = False) -> list[Problem]:
    """One problem per distinct finding, with the versions it was found in.

    A finding present in every ``checked`` version (default: the keys of ``per_version``)
    gets no versions unless ``always_show`` (the strict-schema checks always say which
    versions they were checked against).
    """
    checked = tuple(per_version if checked is None else checked)
    found: dict[Problem, list[str]] = {}
    for version, problems in per_version.items():
        for problem in problems:
            versions = found.setdefault(problem.unversioned(), [])
            if version not in versions:
                versions.append(version)
    merged = []
    for problem, versions in found.items():
        if tuple(versions) == checked and not always_show:
            merged.append(problem)
        else:
            merged.append(replace(problem, versions=tuple(versions)))
    return merged


def version_span(versions: Sequence[str], checked: Sequence[str] = ()) -> str:
    """``1.29-1.37`` when ``versions`` are all the checked ones, else ``1.32, 1.33``."""
    if len(versions) > 1 and list(versions) == list(checked):
        return f"{versions[0]}-{versions[-1]}"
    return ", ".join(versions)


def format_problem(problem: Problem, checked: Sequence[str] = ()) -> str:
    """The one text form: ``file[:line]: key: [warning: ]reason[ (Kubernetes ...)]``."""
    where = problem.file if problem.line is None else f"{problem.file}:{problem.line}"
    parts = [where]
    if problem.key:
        parts.append(problem.key)
    reason = problem.reason if problem.is_error else f"warning: {problem.reason}"
    parts.append(reason)
    text = ": ".join(parts)
    if problem.versions:
        text += f" (Kubernetes {version_span(problem.versions, checked)})"
    return text
