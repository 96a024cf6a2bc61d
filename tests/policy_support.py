"""Helpers for the policy tests: build engine-shaped resources and run them through the pack over
the Analyzer protocol (never by calling validators), then assert on what the engine would see."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from settings.files import ROOT
from tools.engine.analyzer import (
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    AnalysisResult,
    AnalyzerResource,
    PolicyPackProcess,
)

CONFIG = {stack: ROOT / "policies" / "config" / f"{stack}.json" for stack in ("staging", "prod")}
PRIMARY = json.loads(CONFIG["prod"].read_text())["rds-instance-primary-replica-source"][
    "primaryDatabase"
]
PRIMARY_SG = PRIMARY["securityGroupIds"][0]
PRIMARY_HOST = PRIMARY["endpoints"][0]
PRIMARY_ID = PRIMARY["identifiers"][0]
PRIMARY_ARN = PRIMARY["arns"][0]
PRIMARY_RESOURCE_ID = PRIMARY["resourceIds"][0]
PRIMARY_SECRET = PRIMARY["secretArns"][0]
__all__ = ["UNKNOWN"]


def res(
    type_: str,
    name: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    outputs: Mapping[str, Any] | None = None,
    stack: str = "prod",
    property_dependencies: Mapping[str, Sequence[str]] | None = None,
) -> AnalyzerResource:
    return AnalyzerResource(
        urn=urn(type_, name, stack),
        type=type_,
        name=name,
        inputs=dict(inputs or {}),
        outputs=outputs,
        property_dependencies=dict(property_dependencies or {}),
        dependencies=tuple(u for us in (property_dependencies or {}).values() for u in us),
    )


def urn(type_: str, name: str, stack: str = "prod") -> str:
    return f"urn:pulumi:{stack}::spikeproof::{type_}::{name}"


def secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def run(
    pack: PolicyPackProcess,
    resources: Sequence[AnalyzerResource],
    *,
    stack: str = "prod",
    preview: bool = False,
    config_file: Path | None = None,
) -> AnalysisResult:
    return pack.analyze(
        resources, config_file=config_file or CONFIG[stack], stack=stack, preview=preview
    )


@dataclass(frozen=True)
class Case:
    """The four cases every policy has. `absent_violates` says what a missing property means."""

    policy: str
    compliant: list[AnalyzerResource]
    violating: list[AnalyzerResource]
    absent: list[AnalyzerResource]
    absent_violates: bool
    unknown: list[AnalyzerResource]
    note: str = field(default="")
    level: str = "mandatory"
    """Enforcement level prod's config gives the policy."""


def describe(result: AnalysisResult) -> str:
    lines = [
        f"{d.enforcement_level} {d.policy_name} {d.urn}: {d.message}" for d in result.diagnostics
    ]
    lines += [f"skipped {s.policy_name} {s.urn}: {s.reason}" for s in result.skipped]
    return "\n".join(lines) or "(no diagnostics)"


def check_compliant(pack: PolicyPackProcess, case: Case) -> None:
    result = run(pack, case.compliant)
    assert not result.by_policy(case.policy), (
        f"{case.policy} flagged a compliant resource:\n{describe(result)}"
    )
    assert not result.skipped_policy(case.policy), f"{case.policy} skipped:\n{describe(result)}"


def check_violating(pack: PolicyPackProcess, case: Case) -> None:
    result = run(pack, case.violating)
    found = result.by_policy(case.policy)
    target = case.violating[0].urn
    assert any(d.urn == target for d in found), (
        f"{case.policy} did not flag {target}:\n{describe(result)}"
    )
    assert all(d.enforcement_level == case.level for d in found), (
        f"{case.policy} must be {case.level} in prod:\n{describe(result)}"
    )


def check_absent(pack: PolicyPackProcess, case: Case) -> None:
    result = run(pack, case.absent)
    found = result.by_policy(case.policy)
    if case.absent_violates:
        assert found, f"{case.policy}: a missing property must be a violation:\n{describe(result)}"
    else:
        assert not found, f"{case.policy}: a missing property is compliant:\n{describe(result)}"
    assert not result.skipped_policy(case.policy), describe(result)


def check_unknown(pack: PolicyPackProcess, case: Case) -> None:
    result = run(pack, case.unknown, preview=True)
    assert result.skipped_policy(case.policy), (
        f"{case.policy} should be reported as skipped on an unknown value:\n{describe(result)}"
    )
    assert not result.by_policy(case.policy), (
        f"{case.policy} must not guess on unknown values:\n{describe(result)}"
    )
