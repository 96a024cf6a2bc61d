"""The one error type a bad stack file produces, and how it reads.

A config error stops the program before any resource is registered. Its message names the stack
file, the key path, the bad value, what is allowed and an example fix, so the person running `pulumi
up` (or the offline plan) can correct the file without reading code.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi


class ConfigError(Exception):
    """A stack configuration value is missing, unknown or invalid."""

    def __init__(
        self,
        *,
        stack_file: str,
        key_path: str,
        problem: str,
        value: Any = None,
        allowed: str | None = None,
        example: str | None = None,
        has_value: bool = True,
    ) -> None:
        self.stack_file = stack_file
        self.key_path = key_path
        self.problem = problem
        self.value = value
        self.allowed = allowed
        self.example = example
        self.has_value = has_value
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.stack_file}: {self.key_path}: {self.problem}"]
        if self.has_value:
            lines.append(f"  value:   {_show(self.value)}")
        if self.allowed:
            lines.append(f"  allowed: {self.allowed}")
        if self.example:
            lines.append(f"  example: {self.example}")
        return "\n".join(lines)


class ConfigErrors(pulumi.RunError):
    """Every problem found in one stack file, reported together so one run fixes them all."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        super().__init__(self.render())

    def render(self, head: str | None = None) -> str:
        """Every problem under one heading (default: the stack file's: nothing was deployed)."""
        head = head or f"{len(self.errors)} configuration error(s); nothing was deployed."
        return "\n".join([head, *(e.render() for e in self.errors)])


def _show(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
