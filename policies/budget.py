"""The stack's monthly bill against its budget: a stack policy over every resource the plan
registers, priced by the same rules as `python -m tools.cost` (costing.py).

The pack has no price table of its own and no network: its config carries the budget, the unit
prices of the stack's region and the facts the rules need (tools.policy_config derives them from
spikeproof:budget, model/prices.csv and the primary). With no `monthlyBudgetUsd`, it checks
nothing. Advisory by default: a bill over budget is the owner's call, not a broken deploy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from costing import Facts, Resource, price, total, unpriced
from helpers import Report, describe, stack_policy
from pulumi_policy import EnforcementLevel, PolicyConfigSchema, StackValidationArgs


@dataclass(frozen=True)
class ConfigRate:
    usd: float
    unit: str
    source: str
    estimate: bool


class MissingPrice(KeyError):
    pass


@dataclass(frozen=True)
class ConfigSheet:
    prices: Mapping[str, Mapping[str, Any]]

    def rate(self, service: str, usage: str) -> ConfigRate:
        row = self.prices.get(f"{service} {usage}")
        if row is None:
            raise MissingPrice(f"{service} {usage}")
        return ConfigRate(
            usd=float(row["usd"]),
            unit=str(row.get("unit", "")),
            source=str(row.get("source", "")),
            estimate=bool(row.get("estimate", False)),
        )


def _facts(config: Mapping[str, Any]) -> Facts:
    facts = config.get("facts") or {}
    storage = facts.get("replicaStorageGib")
    return Facts(
        cloudflare_plan=facts.get("cloudflarePlan"),
        replica_storage_gib=float(storage) if storage is not None else None,
        replica_storage_type=str(facts.get("replicaStorageType") or "gp3"),
    )


def _budget(args: StackValidationArgs, report: Report) -> None:
    config = args.get_config() or {}
    budget = config.get("monthlyBudgetUsd")
    if budget is None:
        return
    resources = [Resource(r.urn, r.resource_type, r.props) for r in args.resources]
    try:
        lines = price(
            resources, ConfigSheet(config.get("prices") or {}), _facts(config), strict=False
        )
    except MissingPrice as exc:
        report(
            f"cannot price the plan: the policy config has no price for {exc.args[0]}; "
            "regenerate it with `python -m tools.policy_config --stack <stack>`"
        )
        return
    monthly = total(lines)
    if monthly <= float(budget):
        return
    top = sorted((x for x in lines if x.in_total), key=lambda x: -x.monthly_usd)[:3]
    biggest = "; ".join(f"{x.what} ${x.monthly_usd:,.2f}" for x in top)
    skipped = unpriced(resources)
    at_least = f" at least (no rule prices {', '.join(skipped)})" if skipped else ""
    report(
        f"the plan costs ${monthly:,.2f} a month{at_least} (prices of "
        f"{config.get('priceDate', '?')}), over the budget of ${float(budget):,.2f} "
        f"(spikeproof:budget.monthlyUsd). Largest: {biggest}. "
        "`python -m tools.cost --stack <stack>` prints every line.",
        top[0].urn,
    )


STACK_MONTHLY_BUDGET = stack_policy(
    "stack-monthly-budget",
    describe(
        "The stack's monthly cost, priced from the plan, is within spikeproof:budget.monthlyUsd.",
        severity="medium",
        remediation="reduce what the plan registers (python -m tools.cost names each line) or "
        "raise spikeproof:budget.monthlyUsd, then regenerate the pack config",
        rules="no Checkov/trivy/AWSGuard equivalent (Infracost policies do this for Terraform)",
    ),
    _budget,
    level=EnforcementLevel.ADVISORY,
    config_schema=PolicyConfigSchema(
        properties={
            "monthlyBudgetUsd": {"type": "number", "description": "Ceiling, USD a month."},
            "priceDate": {"type": "string", "description": "When the prices were read."},
            "prices": {
                "type": "object",
                "description": "Unit prices by 'service usage' (model/prices.csv).",
            },
            "facts": {"type": "object", "description": "What no resource input records."},
        }
    ),
)

POLICIES = [STACK_MONTHLY_BUDGET]
