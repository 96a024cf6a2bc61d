"""The IAM policy document shape the components attach, written once.

`Version` is IAM's current policy language version (IAM User Guide, "IAM JSON policy elements:
Version"); a document without it is read with the 2008 language, where policy variables are text.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

VERSION = "2012-10-17"


def policy_json(statements: list[dict[str, Any]]) -> str:
    """A policy document of known statements, as the JSON string IAM takes."""
    return json.dumps({"Version": VERSION, "Statement": statements})


def policy_output(statements: list[dict[str, Any]]) -> pulumi.Output[str]:
    """The same document when a statement holds an Output (an ARN not yet known)."""
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": statements})


def service_trust(service: str) -> str:
    """A role's trust policy that lets one AWS service principal assume it, and nothing else."""
    return policy_json(
        [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]
    )
