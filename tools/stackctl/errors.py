"""Errors that carry a message fit for a user: ``file: key.path: reason``."""

from __future__ import annotations


class StackctlError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UsageError(StackctlError):
    """The command line itself is wrong (unknown environment, bad flag value)."""

    exit_code = 2


class ValidationError(StackctlError):
    """The input is readable but invalid. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class HelmError(StackctlError):
    """helm is missing, incompatible, or failed."""
