"""Data-tier baseline policies through the Analyzer protocol."""

from __future__ import annotations

import pytest

from tests.policy_support import (
    PRIMARY_ID,
    UNKNOWN,
    Case,
    check_absent,
    check_compliant,
    check_unknown,
    check_violating,
    describe,
    res,
    run,
    urn,
)
from tools.engine.analyzer import AnalyzerResource, PolicyPackProcess

RDS = "aws:rds/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _replica(name: str, **props: object) -> dict[str, object]:
    return {"replicateSourceDb": PRIMARY_ID, "identifier": f"spikeproof-prod-{name}", **props}


def _lag(name: str, dims: object, **extra: object) -> AnalyzerResource:
    return res(ALARM, f"{name}-lag", {"metricName": "ReplicaLag", "dimensions": dims}, **extra)


CASES = [
    Case(
        "rds-instance-storage-encrypted",
        compliant=[res(RDS, "r1", _replica("r1", storageEncrypted=True))],
        violating=[res(RDS, "r1", _replica("r1", storageEncrypted=False))],
        absent=[res(RDS, "r1", _replica("r1"))],
        absent_violates=True,
        unknown=[res(RDS, "r1", _replica("r1", storageEncrypted=UNKNOWN))],
    ),
    Case(
        "rds-instance-not-public",
        compliant=[res(RDS, "r1", _replica("r1", publiclyAccessible=False))],
        violating=[res(RDS, "r1", _replica("r1", publiclyAccessible=True))],
        absent=[res(RDS, "r1", _replica("r1"))],
        absent_violates=False,
        unknown=[res(RDS, "r1", _replica("r1", publiclyAccessible=UNKNOWN))],
    ),
    Case(
        "rds-instance-deletion-protection",
        compliant=[res(RDS, "r1", _replica("r1", deletionProtection=True))],
        violating=[res(RDS, "r1", _replica("r1", deletionProtection=False))],
        absent=[res(RDS, "r1", _replica("r1"))],
        absent_violates=True,
        unknown=[res(RDS, "r1", _replica("r1", deletionProtection=UNKNOWN))],
    ),
    Case(
        "rds-replica-lag-alarm",
        compliant=[
            res(RDS, "r1", _replica("r1")),
            _lag("r1", {"DBInstanceIdentifier": "spikeproof-prod-r1"}),
        ],
        violating=[
            res(RDS, "r1", _replica("r1")),
            _lag("r2", {"DBInstanceIdentifier": "spikeproof-prod-r2"}),
        ],
        absent=[res(RDS, "r1", _replica("r1")), _lag("r1", None)],
        absent_violates=True,
        unknown=[
            res(RDS, "r1", {"replicateSourceDb": PRIMARY_ID, "identifier": UNKNOWN}),
            _lag("r1", {"DBInstanceIdentifier": UNKNOWN}),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_compliant(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_compliant(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_violating(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_violating(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_property_absent(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_absent(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_unknown_value(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_unknown(policy_pack, case)


def test_lag_alarm_matched_through_property_dependencies_in_preview(
    policy_pack: PolicyPackProcess,
) -> None:
    """In preview a generated identifier is unknown; the alarm's dimensions were computed from
    the replica, which the engine records as a property dependency."""
    replica = res(RDS, "r1", {"replicateSourceDb": PRIMARY_ID, "identifier": UNKNOWN})
    alarm = _lag(
        "r1", {"DBInstanceIdentifier": UNKNOWN}, property_dependencies={"dimensions": [replica.urn]}
    )
    result = run(policy_pack, [replica, alarm], preview=True)
    assert not result.by_policy("rds-replica-lag-alarm"), describe(result)
    assert not result.skipped_policy("rds-replica-lag-alarm"), describe(result)


def test_lag_alarm_matched_on_identifier_output(policy_pack: PolicyPackProcess) -> None:
    """AnalyzeStack sees outputs: the generated identifier only exists there."""
    replica = res(
        RDS,
        "r1",
        {"replicateSourceDb": PRIMARY_ID},
        outputs={"replicateSourceDb": PRIMARY_ID, "identifier": "r1-4f2a9c1"},
    )
    alarm = res(
        ALARM,
        "r1-lag",
        outputs={"metricName": "ReplicaLag", "dimensions": {"DBInstanceIdentifier": "r1-4f2a9c1"}},
    )
    result = run(policy_pack, [replica, alarm])
    assert not result.by_policy("rds-replica-lag-alarm"), describe(result)


def test_staging_baseline_is_advisory_and_deletion_protection_optional(
    policy_pack: PolicyPackProcess,
) -> None:
    replica = res(
        RDS, "r1", _replica("r1", storageEncrypted=False, deletionProtection=False), stack="staging"
    )
    result = run(policy_pack, [replica], stack="staging")
    encrypted = result.by_policy("rds-instance-storage-encrypted")
    assert encrypted and all(d.enforcement_level == "advisory" for d in encrypted), (
        f"{replica.urn}: baseline must be advisory in staging:\n{describe(result)}"
    )
    assert not result.by_policy("rds-instance-deletion-protection"), (
        "staging's config sets required=false for deletion protection"
    )
    assert urn(RDS, "r1", "staging") == replica.urn
