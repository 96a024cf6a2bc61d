"""Stack integration of campaigns under mocks: `spikeproof:campaigns` creates the fleet's pre-warm
(sized by the projection), a dashboard and window alarms with the campaign's facts as tags; a bad
reference stops before any resource is registered."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

import settings.campaign as campaign_module
from forecast.projection import prewarm_needed, project
from settings import stack_settings
from settings.campaign import load_campaign
from tests.campaign_support import COUPON_KEYED, with_coupon_keyed
from tools.engine.mockrun import run_program

SCHEDULE = "aws:autoscaling/schedule:Schedule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
MONITOR = "spikeproof:ops:CampaignMonitor"
TAG = "spikeproof:campaign"
START = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)  # campaigns/spring-coupon-blast.yaml
END = START + timedelta(hours=6)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_prod_prewarms_the_rehearsal_from_the_projection(plan) -> None:  # type: ignore[no-untyped-def]
    """Hand check: the scanner burst is 2,000,000 x 0.15 x 4 links over 20 minutes = 1,000 req/s,
    every one a cache miss (the coupon stays in the key); prod runs 400 req/s per instance at its
    target utilization, so the first minutes need ceil(~1,009 / (400 x u)) instances, from
    lag + 15 minutes before 09:00."""
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    fleet = settings.fleet
    assert fleet is not None
    lag = 3 + 2 + math.ceil(fleet.warmup_seconds / 60)
    per_instance = fleet.per_instance_capacity_rps * fleet.target_utilization_percent / 100
    bare = project(load_campaign("spring-coupon-blast"), settings, "prod", windows=[])
    early_peak = max(m.origin_rps for m in bare.minutes[: lag + 1])
    assert early_peak == pytest.approx(1000 + 9, abs=10)
    instances = math.ceil(early_peak / per_instance)
    assert instances == 5, "400 req/s x 60% = 240 per instance: 1,009 / 240 -> 5"

    actions = {s.name: s for s in plan("prod", COUPON_KEYED).of_type(SCHEDULE)}
    warm = actions["web-spring-coupon-blast-prewarm"]
    release = actions["web-spring-coupon-blast-release"]
    assert warm.input("startTime") == _stamp(START - timedelta(minutes=lag + 15))
    assert (warm.input("minSize"), warm.input("desiredCapacity"), warm.input("maxSize")) == (
        instances,
        instances,
        -1,
    )
    assert release.input("startTime") == _stamp(END)
    assert (release.input("minSize"), release.input("desiredCapacity")) == (fleet.min_size, -1)


def test_prod_dashboard_charts_every_signal_of_the_campaign(plan) -> None:  # type: ignore[no-untyped-def]
    result = plan("prod", COUPON_KEYED)
    dashboard = _rehearsals(result, DASHBOARD)
    assert dashboard.input("dashboardName") == "spikeproof-prod-campaign-spring-coupon-blast"
    body = json.loads(dashboard.input("dashboardBody"))
    heading, *graphs = body["widgets"]
    assert "spring-coupon-blast: GO WITH ACTIONS" in heading["properties"]["markdown"]
    titles = [g["properties"]["title"] for g in graphs]
    assert titles == [
        "Requests at the origin (ALB)",
        "5xx (ALB and targets)",
        "In-service instances (and desired)",
        "Fleet CPU %",
        "Replica lag (s)",
        "Form function throttles",
        "Form queue depth",
    ]
    # The dimensions are the deployed resources' own (resolved outputs, not names guessed).
    alb = result.named("web-alb").outputs["arnSuffix"]
    group = result.named("web-asg").outputs["name"]
    replicas = result.outputs["replica_identifiers"]
    functions = {r.outputs["name"] for r in result.of_type("aws:lambda/function:Function")}
    queue = result.named("forms-queue").outputs["name"]
    metrics = {title: g["properties"]["metrics"] for title, g in zip(titles, graphs, strict=True)}
    assert metrics["Requests at the origin (ALB)"] == [
        ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", alb]
    ]
    assert metrics["In-service instances (and desired)"][0][-1] == group
    assert [m[-1] for m in metrics["Replica lag (s)"]] == replicas
    assert {m[-1] for m in metrics["Form function throttles"]} == functions
    assert metrics["Form queue depth"][0][-1] == queue
    # Two per row, no overlaps.
    spots = {(g["x"], g["y"]) for g in graphs}
    assert len(spots) == len(graphs) and {x for x, _ in spots} == {0, 12}


def test_prod_window_alarms_are_tighter_and_limited_to_the_window(plan) -> None:  # type: ignore[no-untyped-def]
    result = plan("prod", COUPON_KEYED)
    monitor = _rehearsals(result, MONITOR)
    alarms = {a.name: a for a in result.children_of(monitor.urn) if a.type == ALARM}
    prefix = "campaign-spring-coupon-blast-window-"
    assert set(alarms) == {
        f"{prefix}5xx",
        f"{prefix}response-time",
        f"{prefix}capacity",
        f"{prefix}replica-1-lag",
        f"{prefix}replica-2-lag",
        f"{prefix}queue-age",
    }
    everyday = {
        "5xx": result.named("web-5xx-rate").input("threshold"),
        "response-time": result.named("web-response-time").input("threshold"),
        "replica-1-lag": result.named("replicas-1-lag").input("threshold"),
        "queue-age": result.named("forms-oldest-message").input("threshold"),
    }
    for role, threshold in everyday.items():
        assert alarms[prefix + role].input("threshold") < threshold, role

    settings = stack_settings("prod", overrides=COUPON_KEYED)
    fleet = settings.fleet
    assert fleet is not None
    lag = 3 + 2 + math.ceil(fleet.warmup_seconds / 60)
    begin = int((START - timedelta(minutes=lag + 15)).timestamp())
    start, end = int(START.timestamp()), int(END.timestamp())
    topic = result.outputs["alarm_topic_arn"]
    for name, alarm in alarms.items():
        (returned,) = [q for q in alarm.input("metricQueries") if q.get("returnData")]
        expression = returned["expression"]
        low = start if name.endswith("capacity") else begin
        assert f">= {low} AND" in expression and f"< {end}," in expression, (name, expression)
        assert alarm.input("alarmActions") == [topic] and alarm.input("okActions") == [topic]
        assert alarm.input("treatMissingData") == "notBreaching"
        tags = alarm.input("tags")
        assert tags[TAG] == "spring-coupon-blast" and tags[f"{TAG}-data-access"] == "none"
        assert tags[f"{TAG}-prewarm-instances"] == "5"
        assert tags[f"{TAG}-overloaded-minutes"] == "0"
    capacity = alarms[f"{prefix}capacity"]
    assert capacity.input("comparisonOperator") == "LessThanThreshold"
    assert capacity.input("threshold") == 5
    # Outside the window the capacity series reads as the pre-warm itself: never below it.
    (returned,) = [q for q in capacity.input("metricQueries") if q.get("returnData")]
    assert returned["expression"].endswith(", inservice, 5)")


def test_a_stack_without_campaigns_has_no_monitor(plan) -> None:  # type: ignore[no-untyped-def]
    result = plan("staging", COUPON_KEYED)
    assert not result.of_type(MONITOR) and not result.of_type(DASHBOARD)
    assert not [s for s in result.of_type(SCHEDULE) if "coupon" in s.name]


def test_staging_referencing_the_rehearsal_sizes_its_own_prewarm(plan) -> None:  # type: ignore[no-untyped-def]
    settings = stack_settings("staging", overrides=COUPON_KEYED)
    fleet = settings.fleet
    assert fleet is not None
    bare = project(load_campaign("spring-coupon-blast"), settings, "staging", windows=[])
    need = prewarm_needed(bare)
    # Staging's smaller instances cannot take the scanner burst at its minimum either.
    assert need is not None and fleet.min_size < need.instances <= fleet.max_size
    result = plan("staging", with_coupon_keyed(campaigns=["spring-coupon-blast"]))
    actions = {s.name: s for s in result.of_type(SCHEDULE)}
    warm = actions["web-spring-coupon-blast-prewarm"]
    assert warm.input("minSize") == need.instances
    assert warm.input("startTime") == _stamp(need.begin)
    assert len(result.of_type(DASHBOARD)) == 1


def _campaign_dir(tmp_path: Path, name: str, **changes: Any) -> Path:
    """A campaigns/ directory in `tmp_path` holding the rehearsal as `name`, with `changes`."""
    raw = yaml.safe_load((campaign_module.CAMPAIGN_DIR / "spring-coupon-blast.yaml").read_text())
    raw.update(name=name, **changes)
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(raw))
    return tmp_path


@pytest.mark.parametrize(
    ("prewarm", "expected"),
    [({"instances": 0}, None), ({"instances": 8, "leadMinutes": 40}, (8, 40))],
    ids=["off", "explicit"],
)
def test_the_campaign_file_can_turn_off_or_size_the_prewarm(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prewarm: dict[str, Any],
    expected: tuple[int, int] | None,
) -> None:
    monkeypatch.setattr(
        campaign_module, "CAMPAIGN_DIR", _campaign_dir(tmp_path, "trial", prewarm=prewarm)
    )
    result = run_program("prod", overrides=with_coupon_keyed(campaigns=["trial"]))
    actions = {s.name: s for s in result.of_type(SCHEDULE)}
    tags = [a.input("tags") for a in result.of_type(ALARM) if (a.input("tags") or {}).get(TAG)]
    if expected is None:
        assert "web-trial-prewarm" not in actions
        assert "campaign-trial-window-capacity" not in {a.name for a in result.of_type(ALARM)}
        # Without the pre-warm, prod's three instances take the scanner burst at ~84% (above
        # the 60% target, under 100%): the facts record it, and no pre-warm.
        assert tags and all(t[f"{TAG}-prewarm-instances"] == "0" for t in tags)
        peak, capacity = (
            int(tags[0][f"{TAG}-{k}"]) for k in ("peak-origin-rps", "capacity-at-peak-rps")
        )
        assert 0.6 * capacity < peak <= capacity, (peak, capacity)
    else:
        instances, lead = expected
        warm = actions["web-trial-prewarm"]
        assert warm.input("minSize") == instances
        assert warm.input("startTime") == _stamp(START - timedelta(minutes=lead))
        assert all(t[f"{TAG}-prewarm-instances"] == str(instances) for t in tags)


@pytest.mark.parametrize(
    ("overrides", "key", "words"),
    [
        ({"campaigns": ["no-such-campaign"]}, "spikeproof:campaigns[0]", "no such campaign file"),
        ({"campaigns": ["Spring.yaml"]}, "spikeproof:campaigns", "kebab-case"),
        (
            {"campaigns": ["spring-coupon-blast", "spring-coupon-blast"]},
            "spikeproof:campaigns",
            "more than once",
        ),
        (
            {"campaigns": ["spring-coupon-blast"], "fleet": None, "forms": None,
             "edge": {"originHostname": "origin.example.com"}},
            "spikeproof:campaigns",
            "lacks spikeproof:fleet",
        ),
        (
            {**COUPON_KEYED, "campaigns": ["spring-coupon-blast"], "fleet": {"campaignWindows": [
                {"name": "launch", "start": "2027-03-09T10:00", "end": "2027-03-09T12:00",
                 "timeZone": "UTC", "capacity": 6}]}},
            "spikeproof:campaigns",
            "overlaps",
        ),
    ],
    ids=["unknown", "bad-name", "twice", "no-fleet", "overlap"],
)  # fmt: skip
def test_bad_campaign_references_stop_before_any_resource(
    config_error,  # type: ignore[no-untyped-def]
    overrides: dict[str, Any],
    key: str,
    words: str,
) -> None:
    rendered = config_error("prod", overrides).render()
    assert f"Pulumi.prod.yaml: {key}" in rendered, rendered
    assert words in rendered, rendered


def test_a_primary_write_campaign_cannot_be_referenced(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    config_error,  # type: ignore[no-untyped-def]
) -> None:
    directory = _campaign_dir(tmp_path, "writer", dataAccess="primary-write")
    monkeypatch.setattr(campaign_module, "CAMPAIGN_DIR", directory)
    rendered = config_error("prod", {"campaigns": ["writer"]}).render()
    assert "spikeproof:campaigns[0]" in rendered and "dataAccess" in rendered, rendered
    assert "coupon codes" in rendered, rendered


def test_an_explicit_prewarm_above_max_size_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    config_error,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(
        campaign_module, "CAMPAIGN_DIR", _campaign_dir(tmp_path, "huge", prewarm={"instances": 99})
    )
    rendered = config_error("prod", {"campaigns": ["huge"]}).render()
    assert "maxSize" in rendered and "99" in rendered, rendered


def test_a_campaign_that_is_over_plans_quietly_and_says_to_remove_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A referenced campaign in the past: no scheduled action (AWS refuses past start times), the
    monitor still plans (its alarms are quiet outside the window), and a warning says what to do."""
    directory = _campaign_dir(tmp_path, "last-year", start="2025-03-11T09:00")
    monkeypatch.setattr(campaign_module, "CAMPAIGN_DIR", directory)
    result = run_program("prod", overrides=with_coupon_keyed(campaigns=["last-year"]))
    assert not [s for s in result.of_type(SCHEDULE) if s.name.startswith("web-last-year")]
    assert len(result.of_type(DASHBOARD)) == 1
    warnings = [line for line in result.logs if "last-year ended" in line]
    assert warnings and "remove it from spikeproof:campaigns" in warnings[0], result.logs


def test_the_dashboard_opens_on_the_campaigns_own_time_range(plan) -> None:  # type: ignore[no-untyped-def]
    dashboard = _rehearsals(plan("prod", COUPON_KEYED), DASHBOARD)
    body = json.loads(dashboard.input("dashboardBody"))
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    fleet = settings.fleet
    assert fleet is not None
    lead = 3 + 2 + math.ceil(fleet.warmup_seconds / 60) + 15
    begin = START - timedelta(minutes=lead + 30)
    assert body["start"] == begin.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert body["end"] == (END + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_the_shipped_prod_schedules_no_prewarm_for_the_rehearsal(plan) -> None:  # type: ignore[no-untyped-def]
    """Prod as shipped keys pages by path alone: the rehearsal's coupon no longer splits the
    landing page's key, so the program schedules no pre-warm and no in-service window alarm; the
    dashboard and the other window alarms stay."""
    result = plan("prod")
    names = {s.name for s in result.of_type(SCHEDULE)}
    assert not any("spring-coupon-blast" in n for n in names), names
    monitor = _rehearsals(result, MONITOR)
    alarms = {a.name for a in result.children_of(monitor.urn) if a.type == ALARM}
    assert "campaign-spring-coupon-blast-window-5xx" in alarms
    assert "campaign-spring-coupon-blast-window-capacity" not in alarms


def _rehearsals(result, type_: str):  # type: ignore[no-untyped-def]
    """The rehearsal campaign's resource of `type_`: prod may list other campaigns too (a merged
    campaign request adds its own), and these tests are about the rehearsal's."""
    (found,) = [r for r in result.of_type(type_) if "spring-coupon-blast" in r.name]
    return found
