"""docs/runbooks/alarms.md lists every alarm both stacks' plans create, and nothing that is gone."""

from __future__ import annotations

import re

import pytest

from settings.files import ROOT
from tests.campaign_support import COUPON_KEYED

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CATALOGUE = ROOT / "docs" / "runbooks" / "alarms.md"


def _entries() -> dict[str, re.Pattern[str]]:
    names = re.findall(r"^\| `([^`]+)` \|", CATALOGUE.read_text(), flags=re.M)
    return {
        n: re.compile("^" + re.sub(r"<[a-z]>", "[a-z0-9-]+", re.escape(n)) + "$") for n in names
    }


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_alarm_is_catalogued(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    entries = _entries()
    alarms = [a.name for a in plan(stack).of_type(ALARM)]
    assert alarms, f"{stack}: the plan has no alarms"
    missing = [a for a in alarms if not any(p.match(a) for p in entries.values())]
    assert not missing, f"{stack}: alarms missing from docs/runbooks/alarms.md: {missing}"


def test_every_catalogued_alarm_exists(plan) -> None:  # type: ignore[no-untyped-def]
    """Against both plans, and prod with a campaign that needs a pre-warm (the in-service window
    alarm exists only then: tests/campaign_support.py)."""
    plans = [plan("staging"), plan("prod"), plan("prod", COUPON_KEYED)]
    alarms = {a.name for result in plans for a in result.of_type(ALARM)}
    stale = [n for n, p in _entries().items() if not any(p.match(a) for a in alarms)]
    assert not stale, f"docs/runbooks/alarms.md lists alarms no stack creates: {stale}"


def test_every_alarm_says_what_it_means(plan) -> None:  # type: ignore[no-untyped-def]
    silent = [
        a.name
        for stack in ("staging", "prod")
        for a in plan(stack).of_type(ALARM)
        if not a.input("alarmDescription")
    ]
    assert not silent, f"alarms without a description (what the on-call reads first): {silent}"


def test_the_catalogue_patterns_are_strict() -> None:
    entries = _entries()
    assert entries["replicas-<n>-lag"].match("replicas-3-lag")
    assert not any(p.match("replicas-3-lagging") for p in entries.values())


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_alarm_routes_through_the_alerting_topic(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    """Every component's alarms (replicas, fleet, forms, campaign windows) notify the one topic,
    on ALARM and on OK: no alarm that pages nobody, none routed elsewhere."""
    result = plan(stack)
    (topic,) = result.of_type("aws:sns/topic:Topic")
    arn = topic.outputs["arn"]
    assert result.outputs["alarm_topic_arn"] == arn
    # Besides the topic, an alarm may only drive its own stack's scaling (web-cpu-high runs the
    # step scale-out).
    wrong = {
        a.name: (a.input("alarmActions"), a.input("okActions"))
        for a in result.of_type(ALARM)
        if a.input("alarmActions")[:1] != [arn]
        or any(":autoscaling:" not in x for x in a.input("alarmActions")[1:])
        or a.input("okActions") != [arn]
    }
    assert not wrong, f"{stack}: alarms not routed to the topic on ALARM and OK: {wrong}"
