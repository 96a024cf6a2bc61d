"""Campaign policies through the Analyzer protocol: the four cases, then the real program's window
alarms (what a stack referencing a campaign records) checked end to end."""

from __future__ import annotations

import pytest

from tests.campaign_support import COUPON_KEYED
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
from tools.engine.analyzer import AnalyzerResource, PolicyPackProcess, from_plan

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TAG = "spikeproof:campaign"


def _alarm(**tags: object) -> AnalyzerResource:
    facts = {
        TAG: "spring-coupon-blast",
        **{f"{TAG}-{k.replace('_', '-')}": v for k, v in tags.items()},
    }
    return res(ALARM, "campaign-spring-coupon-blast-window-5xx", {"tags": facts})


SAFE = {
    "data_access": "none",
    "verdict": "GO WITH ACTIONS",
    "overloaded_minutes": "0",
    "prewarm_instances": "5",
    "peak_origin_rps": "1009",
    "capacity_at_peak_rps": "2000",
}

CASES = [
    Case(
        "campaign-data-access-primary-write",
        compliant=[_alarm(**{**SAFE, "data_access": "replica-read"})],
        violating=[_alarm(**{**SAFE, "data_access": "primary-write"})],
        absent=[_alarm(**{k: v for k, v in SAFE.items() if k != "data_access"})],
        absent_violates=True,
        unknown=[_alarm(**{**SAFE, "data_access": UNKNOWN})],
        note="an unrecorded data access is not proof of none",
    ),
    Case(
        "campaign-capacity-prewarm",
        compliant=[_alarm(**SAFE)],
        violating=[_alarm(**{**SAFE, "overloaded_minutes": "12", "prewarm_instances": "0"})],
        absent=[_alarm(data_access="none")],
        absent_violates=True,
        unknown=[_alarm(**{**SAFE, "overloaded_minutes": UNKNOWN})],
        level="advisory",
    ),
    Case(
        "campaign-verdict-no-go",
        compliant=[_alarm(**SAFE)],
        violating=[_alarm(**{**SAFE, "verdict": "NO-GO"})],
        absent=[_alarm(**{k: v for k, v in SAFE.items() if k != "verdict"})],
        absent_violates=True,
        unknown=[_alarm(**{**SAFE, "verdict": UNKNOWN})],
        note="an unrecorded verdict is not proof of GO",
    ),
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


def test_resources_without_campaign_tags_are_not_judged(policy_pack: PolicyPackProcess) -> None:
    plain = res(ALARM, "web-cpu-high", {"tags": {"Owner": "web"}})
    result = run(policy_pack, [plain])
    assert not result.by_policy("campaign-data-access-primary-write"), describe(result)
    assert not result.by_policy("campaign-capacity-prewarm"), describe(result)


def test_an_insufficient_prewarm_is_reported_too(policy_pack: PolicyPackProcess) -> None:
    short = _alarm(**{**SAFE, "overloaded_minutes": "4", "prewarm_instances": "3"})
    found = run(policy_pack, [short]).by_policy("campaign-capacity-prewarm")
    assert found and "even with 3 instances pre-warmed" in found[0].message


def test_a_primary_write_campaign_in_staging_is_mandatory_too(
    policy_pack: PolicyPackProcess,
) -> None:
    bad = _alarm(**{**SAFE, "data_access": "primary-write"})
    found = run(policy_pack, [bad], stack="staging").by_policy("campaign-data-access-primary-write")
    assert found and all(d.enforcement_level == "mandatory" for d in found), found


def test_prod_program_records_campaign_facts_the_pack_accepts(
    plan, policy_pack: PolicyPackProcess
) -> None:  # type: ignore[no-untyped-def]
    """The real program's window alarms carry the facts; prod's pre-warm satisfies the pack."""
    result = plan("prod")
    tagged = [r for r in result.of_type(ALARM) if (r.inputs.get("tags") or {}).get(TAG) is not None]
    assert tagged, "prod references spring-coupon-blast: its window alarms must carry the facts"
    analysis = run(policy_pack, from_plan(result.resources))
    assert not analysis.by_policy("campaign-data-access-primary-write"), describe(analysis)
    assert not analysis.by_policy("campaign-capacity-prewarm"), describe(analysis)


# A fleet that cannot be pre-warmed (maxSize = minSize) and whose minimum cannot carry the
# scanner burst (3 x 200 req/s against ~1,000): the projection overloads it, with no pre-warm.
SMALL_FLEET = {
    "spikeproof:fleet": {
        "minSize": 3,
        "maxSize": 3,
        "desiredCapacity": 3,
        "perInstanceCapacityRps": 200,
        "warmPoolSize": None,
        "campaignWindows": None,
    }
}


def test_an_unwarmable_fleet_gets_the_advisory(plan, policy_pack: PolicyPackProcess) -> None:  # type: ignore[no-untyped-def]
    result = plan("prod", {**SMALL_FLEET, **COUPON_KEYED})
    tagged = [r for r in result.of_type(ALARM) if (r.inputs.get("tags") or {}).get(TAG) is not None]
    assert tagged and all(r.inputs["tags"][f"{TAG}-prewarm-instances"] == "0" for r in tagged)
    analysis = run(policy_pack, from_plan(result.resources))
    found = analysis.by_policy("campaign-capacity-prewarm")
    assert {d.urn for d in found} == {r.urn for r in tagged}, describe(analysis)
    assert all(d.enforcement_level == "advisory" for d in found)
    assert "no pre-warm is scheduled" in found[0].message
    assert not analysis.mandatory, describe(analysis)


def test_a_no_go_campaign_blocks_prod_and_warns_in_staging(policy_pack: PolicyPackProcess) -> None:
    """Prod's config leaves the NO-GO policy at 'all': mandatory; staging's 'all' is advisory."""
    bad = _alarm(**{**SAFE, "verdict": "NO-GO"})
    levels = {
        stack: {
            d.enforcement_level
            for d in run(policy_pack, [bad], stack=stack).by_policy("campaign-verdict-no-go")
        }
        for stack in ("prod", "staging")
    }
    assert levels == {"prod": {"mandatory"}, "staging": {"advisory"}}, levels


def test_a_no_go_campaign_referenced_by_prod_blocks_its_plan(
    plan, policy_pack: PolicyPackProcess
) -> None:  # type: ignore[no-untyped-def]
    """End to end: a fleet so small that the rehearsal needs more than three times its maximum
    (NO_GO_FACTOR in forecast/projection.py) makes the projection's verdict NO-GO; prod's plan is
    then blocked, not advised."""
    tiny = {"spikeproof:fleet": {**SMALL_FLEET["spikeproof:fleet"], "perInstanceCapacityRps": 20}}
    result = plan("prod", {**tiny, **COUPON_KEYED})
    tagged = [r for r in result.of_type(ALARM) if (r.inputs.get("tags") or {}).get(TAG) is not None]
    assert tagged and all(r.inputs["tags"][f"{TAG}-verdict"] == "NO-GO" for r in tagged), [
        r.inputs["tags"].get(f"{TAG}-verdict") for r in tagged
    ]
    analysis = run(policy_pack, from_plan(result.resources))
    found = analysis.by_policy("campaign-verdict-no-go")
    assert found and all(d.enforcement_level == "mandatory" for d in found), describe(analysis)
