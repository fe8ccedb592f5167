"""Errors whose message is fit for a user; the CLI turns them into exit codes."""

from __future__ import annotations

from collections.abc import Sequence

from .problems import Problem, format_problem


class StackctlError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UsageError(StackctlError):
    """The command line itself is wrong (unknown environment, bad flag value)."""

    exit_code = 2


class ValidationError(StackctlError):
    """The input is readable but invalid: one :class:`Problem` per finding.

    ``checked`` are the Kubernetes versions that were checked (to print a span such as
    ``1.29-1.37`` instead of listing every version).
    """

    def __init__(self, problems: Sequence[Problem], checked: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        self.checked = tuple(checked)
        super().__init__("\n".join(format_problem(p, self.checked) for p in self.problems))


class RenderError(ValidationError):
    """helm refused to render; ``problems`` explain why in the user's terms and
    ``helm_message`` is helm's own text (what the chart tests assert on)."""

    def __init__(self, problems: Sequence[Problem], helm_message: str) -> None:
        self.helm_message = helm_message
        self.partial_output = ""  # with --show-invalid: what helm rendered before failing
        super().__init__(problems)


class HelmError(StackctlError):
    """helm is missing, incompatible, or failed."""


class PackagingError(HelmError):
    """Packaging one chart's file:// dependencies failed."""

    def __init__(self, chart: str, reason: str) -> None:
        self.chart = chart
        self.reason = reason
        super().__init__(f"{chart}: {reason}")
