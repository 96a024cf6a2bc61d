"""Reading a YAML file of mappings (stack files, campaign files) with errors people can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from settings.errors import ConfigError, ConfigErrors


def load_mapping(path: Path, *, label: str, shape: str) -> dict[str, Any]:
    """The file's top-level mapping; ConfigErrors naming the line and column of a YAML error, or
    what the file should look like (`shape`) when it is not a mapping."""
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=label,
                    key_path="(file)",
                    problem=f"not valid YAML at {where}: {getattr(exc, 'problem', exc)}",
                    has_value=False,
                    example="check indentation and quoting on that line",
                )
            ]
        ) from None
    if not isinstance(loaded, dict):
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=label,
                    key_path="(file)",
                    problem=f"the file must be {shape}",
                    value=loaded,
                )
            ]
        )
    return loaded
