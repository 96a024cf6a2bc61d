"""The budget policy through the Analyzer protocol: the four cases against prod's config (a
$3,000 monthly ceiling), then a resource type no rule prices."""

from __future__ import annotations

import pytest

from tests.policy_support import (
    UNKNOWN,
    Case,
    check_absent,
    check_compliant,
    check_unknown,
    check_violating,
    describe,
    res,
    run,
)
from tools.engine.analyzer import AnalyzerResource, PolicyPackProcess

RDS = "aws:rds/instance:Instance"


def _replicas(count: int, klass: object = "db.r6g.2xlarge") -> list[AnalyzerResource]:
    return [
        res(RDS, f"replica-{i}", {"instanceClass": klass, "replicateSourceDb": "core-prod-db"})
        for i in range(1, count + 1)
    ]


CASES = [
    Case(
        "stack-monthly-budget",
        # db.r6g.2xlarge is $1.007 an hour in eu-west-1 (model/prices.csv): with the primary's
        # 500 GiB, two are about $1,600 a month and five about $4,000, against $3,000.
        compliant=_replicas(2),
        violating=_replicas(5),
        absent=[res(RDS, "replica-1", {"replicateSourceDb": "core-prod-db"})],
        absent_violates=False,
        unknown=_replicas(5, UNKNOWN),
        note="a class-less replica is not priced: its storage alone is under the ceiling",
        level="advisory",
    )
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_compliant(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_compliant(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_violating(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_violating(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_absent(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_absent(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_unknown_value(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_unknown(policy_pack, case)


def test_a_type_without_a_rule_is_named_not_a_failure(policy_pack: PolicyPackProcess) -> None:
    """The pack sees whatever a program registers: a type no rule prices is left out of the
    total and named when the rest is already over the ceiling; alone, it reports nothing."""
    odd = res("aws:ec2/natGateway:NatGateway", "nat", {})
    alone = run(policy_pack, [odd]).by_policy("stack-monthly-budget")
    assert not alone, "an unpriced type alone is no violation"
    over = run(policy_pack, [*_replicas(5), odd]).by_policy("stack-monthly-budget")
    assert over and "at least (no rule prices aws:ec2/natGateway:NatGateway)" in over[0].message
    staging = run(policy_pack, _replicas(5), stack="staging")
    assert not staging.by_policy("stack-monthly-budget"), (
        f"staging sets no budget: nothing to check\n{describe(staging)}"
    )
