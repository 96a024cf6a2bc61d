"""The outputs contract: what other teams may read from a spikeproof stack.

`outputs.schema.json` describes every export; `CONTRACT_VERSION` follows semantic versioning: a new
output is a minor version, a renamed, removed or retyped one is a major version. Consumers check the
major version (see `contracts.consumer`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTRACT_VERSION = "1.4.0"
SCHEMA_PATH = Path(__file__).with_name("outputs.schema.json")


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def secret_outputs(schema: dict[str, Any] | None = None) -> set[str]:
    """Names of outputs the contract marks `"x-secret": true`: they must be Pulumi secrets."""
    schema = schema or load_schema()
    return {name for name, spec in schema["properties"].items() if spec.get("x-secret")}
