"""The one error type a bad stack file produces, and how it reads.

A config error stops the program before any resource is registered. Its message names the stack
file, the key path, the bad value, what is allowed and an example fix, so the person running `pulumi
up` (or the offline plan) can correct the file without reading code.
"""

from __future__ import annotations

import json
import unicodedata
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
        problem = self.problem
        hidden = invisible_characters(self.key_path)
        if hidden:
            # A key pasted from a chat or a document can carry a character no editor shows; the
            # message must say so, or "unknown key 'instanceClass'; did you mean 'instanceClass'?"
            # sends the reader looking for a difference they cannot see.
            problem += f" (the key holds {'; '.join(hidden)}: delete it and type the key anew)"
        lines = [f"{self.stack_file}: {visible(self.key_path)}: {problem}"]
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


def _invisible(ch: str) -> bool:
    """Characters that print as nothing or as an ordinary space: format characters (zero-width
    space and joiners, the byte order mark, bidirectional marks), controls, and every space
    separator but the space itself (no-break and narrow spaces look like one)."""
    category = unicodedata.category(ch)
    return category in ("Cf", "Cc", "Co", "Cn") or (category.startswith("Z") and ch != " ")


def invisible_characters(text: str) -> list[str]:
    """Each invisible character in `text`, named with its code point and where it is."""
    found = []
    for i, ch in enumerate(text):
        if _invisible(ch):
            name = unicodedata.name(ch, "unnamed character")
            where = f"after '{text[:i]}'" if i else "at the start"
            found.append(f"an invisible U+{ord(ch):04X} {name} {where}")
    return found


def visible(text: str) -> str:
    """`text` with each invisible character shown as <U+XXXX>."""
    return "".join(f"<U+{ord(c):04X}>" if _invisible(c) else c for c in text)


def _show(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
