"""The CrossGuard config for a stack: `python -m tools.policy_config --stack NAME [--from-aws]`.

The pack (policies/) has to know what "the primary write database" is: its identifier, endpoints,
ARNs, resource id, security groups and master secret (policies/helpers.py PRIMARY_KEYS). All of
them follow from the identifier the stack file names, so the config is derived, never typed:

- offline (default): from the same answers the offline plan uses (tools/engine/answers.py, with
  tools/engine/fixtures/<stack>.json overriding), so the plan's policy check is consistent;
- `--from-aws`: from RDS itself (boto3 `describe_db_instances` in the primary's region, with the
  credentials of the account), which is what a real `pulumi preview --policy-pack-config` needs.

Enforcement follows `spikeproof:protect`: a protected (production) stack makes every policy
mandatory; an unprotected one keeps the isolation policies mandatory and the rest advisory, with
deletion protection and access logs not required (policies/config/staging.json is the example).

Writes policies/config/<stack>.json (or `--out`); exit 2 with a message if the stack file is bad.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from model.prices import GLOBAL, PriceError, PriceTable
from settings import stack_settings_in
from settings.errors import ConfigErrors
from settings.files import ROOT, load_stack_config
from tools.engine.answers import (
    AnswerError,
    Answers,
    derive,
    primary_answer,
    primary_identity,
)

POLICY_CONFIG_DIR = ROOT / "policies" / "config"

# The policies that keep marketing off the primary: mandatory on every stack.
ISOLATION_POLICIES = (
    "ec2-security-group-primary-access",
    "ec2-compute-primary-security-group",
    "any-resource-primary-reference",
    "iam-policy-primary-access",
    "rds-replica-credentials-forbidden",
    "campaign-data-access-primary-write",
)
BUDGET_POLICY = "stack-monthly-budget"
"""Advisory on every stack whatever `all` says (over budget is the owner's call), mandatory when
spikeproof:budget.enforce is true."""
# Production-grade requirements an unprotected (staging) stack relaxes.
RELAXED = (
    "rds-instance-deletion-protection",
    "elb-load-balancer-deletion-protection",
    "elb-load-balancer-access-logs",
)


def policy_config(primary: Mapping[str, list[str]], *, protected: bool) -> dict[str, Any]:
    """The pack config for a stack whose primary is `primary` (PRIMARY_KEYS lists)."""
    source = {"primaryDatabase": {k: list(v) for k, v in primary.items() if v}}
    if protected:
        return {
            "all": "mandatory",
            "rds-instance-primary-replica-source": source,
            "campaign-capacity-prewarm": "advisory",
        }
    config: dict[str, Any] = {"all": "advisory"}
    config |= {name: "mandatory" for name in ISOLATION_POLICIES}
    config["rds-instance-primary-replica-source"] = {"enforcementLevel": "mandatory", **source}
    config |= {name: {"required": False} for name in RELAXED}
    return config


def _protected(config: Mapping[str, Any]) -> bool:
    # Pulumi.yaml declares spikeproof:protect boolean with default true; the engine hands it over
    # as text ("true"/"false").
    return str(config.get("spikeproof:protect", "true")).lower() != "false"


def aws_identity(answers: Answers, client_factory: Any = None) -> dict[str, list[str]]:
    """The primary as RDS describes it (DescribeDBInstances: Endpoint.Address, DBInstanceArn,
    DbiResourceId, VpcSecurityGroups, MasterUserSecret.SecretArn), in its own region."""
    import boto3

    facts = answers.facts
    if facts is None:
        raise AnswerError("only a spikeproof stack has a primary database")
    if facts.primary_identifier is None:
        raise AnswerError(
            "the stack reads its primary from the core stack (spikeproof:coreStack); "
            "--from-aws needs the identifier: set spikeproof:primary.identifier"
        )
    region = facts.primary_region or answers.where.region
    client = (client_factory or boto3.client)("rds", region_name=region)
    found = client.describe_db_instances(DBInstanceIdentifier=facts.primary_identifier)
    instance = found["DBInstances"][0]
    secret = (instance.get("MasterUserSecret") or {}).get("SecretArn")
    return {
        "identifiers": [facts.primary_identifier],
        "endpoints": [instance["Endpoint"]["Address"]] if instance.get("Endpoint") else [],
        "arns": [instance["DBInstanceArn"]],
        "resourceIds": [instance["DbiResourceId"]],
        "securityGroupIds": [
            g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", [])
        ],
        "secretArns": [secret] if secret else [],
    }


def budget_config(
    stack: str,
    answers: Answers,
    *,
    config_file: Path | None = None,
    table: PriceTable | None = None,
) -> dict[str, Any] | None:
    """The stack-monthly-budget policy's config: the ceiling, the region's unit prices (the first
    paid tier of each row in model/prices.csv) and the facts no resource input records (the
    Cloudflare plan, the storage replicas inherit from the primary). None without a ceiling."""
    settings, region = stack_settings_in(stack, config_file=config_file)
    if settings.budget is None or settings.budget.monthly_usd is None:
        return None
    table = table or PriceTable.load()
    table.check_region(region)
    prices: dict[str, Any] = {}
    for key in sorted({(p.service, p.usage) for p in table.prices if p.region in (region, GLOBAL)}):
        rate = table.rate(key[0], key[1], region)
        prices[f"{key[0]} {key[1]}"] = {
            "usd": rate.usd,
            "unit": rate.unit,
            "source": rate.source,
            **({"estimate": True} if rate.estimate else {}),
        }
    facts: dict[str, Any] = {}
    if settings.edge is not None:
        facts["cloudflarePlan"] = settings.edge.plan
    primary = primary_answer(answers)
    if primary:
        facts["replicaStorageGib"] = primary.get("allocatedStorage")
        facts["replicaStorageType"] = primary.get("storageType") or "gp3"
    return {
        "enforcementLevel": "mandatory" if settings.budget.enforce else "advisory",
        "monthlyBudgetUsd": settings.budget.monthly_usd,
        "priceDate": table.oldest.isoformat(),
        "facts": facts,
        "prices": prices,
    }


def derived_config(
    stack: str,
    *,
    config_file: Path | None = None,
    from_aws: bool = False,
    client_factory: Any = None,
) -> dict[str, Any]:
    config, _secrets, _project = load_stack_config(stack, config_file=config_file)
    answers = derive(stack, config)
    identity = aws_identity(answers, client_factory) if from_aws else primary_identity(answers)
    derived = policy_config(identity, protected=_protected(config))
    budget = budget_config(stack, answers, config_file=config_file)
    if budget is not None:
        derived[BUDGET_POLICY] = budget
    return derived


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.policy_config", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--stack", required=True)
    parser.add_argument(
        "--config-file", type=Path, help="stack file instead of Pulumi.<stack>.yaml"
    )
    parser.add_argument("--out", type=Path, help="default policies/config/<stack>.json")
    parser.add_argument(
        "--from-aws", action="store_true", help="read the primary from RDS (needs credentials)"
    )
    args = parser.parse_args(argv)
    try:
        data = derived_config(args.stack, config_file=args.config_file, from_aws=args.from_aws)
    except ConfigErrors as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    except (AnswerError, PriceError) as exc:
        print(f"policy config: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # botocore's errors: no credentials, no such instance, ...
        if not args.from_aws:
            raise
        print(f"policy config: reading the primary from RDS failed: {exc}", file=sys.stderr)
        return 2
    out = args.out or POLICY_CONFIG_DIR / f"{args.stack}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
