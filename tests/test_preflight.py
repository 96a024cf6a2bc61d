"""Campaign files and the pre-flight: validation, the click curve, the projection's arithmetic on
small hand-checked cases, verdicts and exit codes, the chart."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from forecast import projection
from forecast.projection import (
    ClickCurve,
    decide,
    prewarm_needed,
    project,
    request_kinds,
    stack_windows,
)
from model.schedule import CampaignWindow
from settings import stack_settings
from settings.campaign import iso_duration, load_campaign
from settings.errors import ConfigErrors
from settings.files import ROOT
from tests.campaign_support import COUPON_KEYED
from tools import preflight

REHEARSAL = ROOT / "campaigns" / "spring-coupon-blast.yaml"


def write(tmp_path: Path, changes: dict[str, Any], name: str = "trial") -> Path:
    raw = yaml.safe_load(REHEARSAL.read_text())
    raw["name"] = name
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("changes", "key_path", "words"),
    [
        ({"timeZone": None, "start": "2027-03-09T09:00:00"}, "start", "needs a time zone"),
        ({"timeZone": "Europe/Londres"}, "timeZone", "not an IANA time zone"),
        ({"start": "2027-03-28T01:30"}, "start", "does not exist (clocks go forward)"),
        ({"start": "2027-10-31T01:30"}, "start", "happens twice"),
        ({"start": "2027-03-09T09:00:00+01:00"}, "start", "not Europe/London's on that date"),
        ({"duration": None, "end": "2027-03-09T08:00"}, "end", "not after the start"),
        ({"duration": None, "end": "2027-04-09T08:00"}, "end", "14 days"),
        ({"end": "2027-03-09T15:00"}, "duration", "both end and duration"),
        ({"duration": "6 hours"}, "duration", "ISO 8601"),
        ({"duration": None, "end": "2027-03-09T09:00:30"}, "end", "less than a minute"),
        ({"start": "2027-03-09"}, "start", "a date without a time"),
        ({"start": date(2027, 3, 9)}, "start", "a date without a time"),
        ({"start": "9999-12-31T20:00"}, "start", "not between 2000 and 2100"),
        ({"start": "0999-03-09T09:00"}, "start", "not between 2000 and 2100"),
        ({"landing": [{"path": "/a", "share": float("nan")}]}, "landing[0].share", "finite"),
        ({"expectedPeakRps": float("inf")}, "expectedPeakRps", "finite"),
        ({"landing": [{"path": "/a", "share": 1.5}, {"path": "/b", "share": -0.5}]},
         "landing[0].share", "less than or equal to 1"),
        ({"audience": {"size": -5}}, "audience.size", "positive"),
        ({"audience": {"size": 10, "openRate": 0.1, "clickRate": 0.3}}, "audience.clickRate",
         "more recipients click than open"),
        ({"dataAccess": "primary-write"}, "dataAccess", "coupon codes"),
        ({"chanel": "email"}, "chanel", "did you mean"),
        ({"channel": "radio"}, "channel", "email"),
        ({"channel": "press", "audience": None}, "expectedPeakRps", "expected peak"),
        ({"landing": [{"path": "/a", "share": 0.5}]}, "landing", "add up"),
        ({"landing": [{"path": "/a", "trackingParameters": ["x"], "uniquePerRecipient": ["y"]}]},
         "landing[0].uniquePerRecipient", "not among"),
    ],
)  # fmt: skip
def test_bad_campaign_files_name_the_key_and_the_fix(
    tmp_path: Path, changes: dict[str, Any], key_path: str, words: str
) -> None:
    with pytest.raises(ConfigErrors) as caught:
        load_campaign(str(write(tmp_path, changes)))
    rendered = caught.value.render()
    assert f"trial.yaml: {key_path}" in rendered, rendered
    assert words in rendered, rendered


def test_file_name_and_campaign_name_must_agree(tmp_path: Path) -> None:
    path = write(tmp_path, {})
    path.rename(tmp_path / "other.yaml")
    with pytest.raises(ConfigErrors, match="differs from the file's stem"):
        load_campaign(str(tmp_path / "other.yaml"))


def test_click_curve_matches_the_published_shares() -> None:
    curve = ClickCurve.fitted()
    assert curve.cdf(60) == pytest.approx(1 / 3, abs=1e-6)
    assert curve.cdf(180) == pytest.approx(1 / 2, abs=1e-6)
    assert curve.cdf(0) == 0 and curve.cdf(10_000) == pytest.approx(1, abs=0.01)
    assert 0 < curve.fast_share < 1 and 10 < curve.fast_minutes < 120


def test_projection_arithmetic_on_a_hand_checked_case(tmp_path: Path) -> None:
    # 1,200 recipients, all behind scanners, one link, delivered in 1 minute: 20 scanner hits/s in
    # minute 0. No clicks (clickRate 0). With the coupon in the cache key every hit is an origin
    # request: 20 req/s. 2 assets/page, 1 page/visit.
    campaign = load_campaign(
        str(
            write(
                tmp_path,
                {
                    "audience": {"size": 1200, "openRate": 0.5, "clickRate": 0},
                    "scannerShare": 1,
                    "linksPerEmail": 1,
                    "sendMinutes": 1,
                    "assetsPerPage": 2,
                    "pagesPerVisit": 1,
                    "duration": "PT30M",
                },
            )
        )
    )
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    # No pre-warm windows: the bare fleet (prod's own pre-warm for the rehearsal covers this hour).
    p = project(campaign, settings, "prod", windows=[])
    first, second = p.minutes[0], p.minutes[1]
    assert first.scanner_rps == pytest.approx(20) and second.scanner_rps == 0
    assert first.origin_rps == pytest.approx(20), "every scanner hit misses: coupon in the key"
    assert second.origin_rps == 0
    fixed = project(campaign, settings, "prod", unkeyed=["coupon"], windows=[])
    assert fixed.minutes[0].origin_rps == pytest.approx(0), "one shared key: fills only"
    kinds = {k.name: k for k in p.kinds}
    assert kinds["asset"].per_visitor == 2 and kinds["asset"].origin_share == 0
    fleet = settings.fleet
    assert fleet is not None
    assert p.minutes[0].capacity_rps == fleet.min_size * fleet.per_instance_capacity_rps
    assert p.lag_minutes == 3 + 2 + math.ceil(fleet.warmup_seconds / 60)


def test_fleet_scales_out_after_the_lag_and_never_past_max(tmp_path: Path) -> None:
    campaign = load_campaign(
        str(write(tmp_path, {"channel": "ads", "audience": None, "expectedPeakRps": 20000}))
    )
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    p = project(campaign, settings, "prod", windows=[])
    lag = p.lag_minutes
    assert all(m.instances == p.fleet_min for m in p.minutes[:lag])
    assert p.minutes[lag + 15].instances > p.fleet_min
    assert max(m.instances for m in p.minutes) == p.fleet_max


def test_rehearsal_on_prod_finds_a_coupon_the_stack_keeps_in_the_key() -> None:
    """The warning the issue asks for: a per-recipient parameter the stack keeps in the cache key
    (a keyed group on the landing path) is found, and the action names where to take it out."""
    campaign = load_campaign("spring-coupon-blast")
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    as_deployed = project(campaign, settings, "prod")
    verdict = decide(as_deployed, settings)
    assert verdict.word == "GO WITH ACTIONS" and verdict.code == 1
    assert as_deployed.unique_keys_from == ["coupon"]
    assert any("out of edge.cache.keyedPaths" in a for a in verdict.actions), verdict.actions
    fixed = project(campaign, settings, "prod", unkeyed=["coupon"])
    assert fixed.edge_share() > 0.99, "the edge absorbs the blast once the key ignores the coupon"
    assert decide(fixed, settings).word == "GO"


def test_the_seed_scenario_needs_no_prewarm_on_the_shipped_stacks() -> None:
    """The 2M-coupon rehearsal on prod as shipped: /campaigns/* is static (level 3), so the
    origin sees nothing of it. On the fleet (pages keyed by path alone): no minute's origin load
    above half the bare fleet's capacity, no pre-warm needed, GO. With Cloudflare's default cache
    key (every parameter kept) the same send overloads it."""
    campaign = load_campaign("spring-coupon-blast")
    shipped = project(campaign, stack_settings("prod"), "prod", windows=[])
    kinds, _ = request_kinds(campaign, stack_settings("prod").edge_rules())
    static = [k for k in kinds if k.name != "second page"]  # the second page is the fleet's "/"
    assert static and all(k.origin_share == 0 and k.fill_rps == 0 for k in static), kinds
    assert max(m.origin_rps for m in shipped.minutes) < 0.05, "only the home page's edge fills"
    assert shipped.edge_share() >= 0.999 and decide(shipped, stack_settings("prod")).word == "GO"
    settings = stack_settings("prod", overrides={"spikeproof:site": None})
    bare = project(campaign, settings.model_copy(update={"campaigns": []}), "prod", windows=[])
    worst = max(m.origin_rps / m.capacity_rps for m in bare.minutes)
    assert worst <= 0.5, f"origin load reaches {worst:.0%} of the fleet's capacity"
    assert prewarm_needed(bare) is None
    assert bare.unique_keys_from == []
    assert decide(bare, settings).word == "GO"
    default_key = project(campaign, settings, "prod", query_ignored=False, windows=[])
    assert default_key.edge_share() < 0.5, "with every parameter in the key the coupon splits it"
    assert default_key.peak.origin_rps > 20 * max(bare.peak.origin_rps, 1)
    assert prewarm_needed(default_key) is not None, "and the scanner burst then needs a pre-warm"


def test_overload_beyond_three_times_max_is_no_go(tmp_path: Path) -> None:
    campaign = load_campaign(
        str(write(tmp_path, {"channel": "press", "audience": None, "expectedPeakRps": 200000}))
    )
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    verdict = decide(project(campaign, settings, "prod"), settings)
    assert verdict.word == "NO-GO" and verdict.code == projection.EXIT_NO_GO


def test_form_throttle_action(tmp_path: Path) -> None:
    campaign = load_campaign(
        str(
            write(
                tmp_path,
                {"channel": "ads", "audience": None, "expectedPeakRps": 1000,
                 "formConversion": 0.5},
            )
        )
    )  # fmt: skip
    settings = stack_settings("staging", overrides=COUPON_KEYED)
    verdict = decide(project(campaign, settings, "staging"), settings)
    assert any("raise the form throttle to 750 rps" in a for a in verdict.actions), verdict


def test_exit_codes_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chart = tmp_path / "chart.svg"
    code = preflight.main(["spring-coupon-blast", "--stack", "prod", "--chart", str(chart)])
    out = capsys.readouterr().out
    assert code == projection.EXIT_GO and "Verdict: GO" in out, out
    assert chart.read_text().lstrip().startswith("<?xml") and "<svg" in chart.read_text()
    # The same send landing on a page the fleet serves (/pricing: not a static path).
    on_fleet = write(tmp_path, {"landing": [{"path": "/pricing", "trackingParameters":
                     ["utm_source", "utm_content", "coupon"], "uniquePerRecipient":
                     ["utm_content", "coupon"], "share": 1.0}]}, name="on-fleet")  # fmt: skip
    assert preflight.main([str(on_fleet), "--stack", "prod", "--full-query-key"]) == (
        projection.EXIT_ACTIONS
    ), "with every parameter in the key the coupon splits it"
    svg = chart.read_text()
    assert "spring-coupon-blast on prod: GO" in svg, "the verdict is in the chart's title"
    assert "forms: /subscribe" in svg and "API throttle" in svg, "the forms panel"
    acted = tmp_path / "acted.svg"
    capsys.readouterr()
    preflight.main([str(on_fleet), "--stack", "prod", "--full-query-key", "--chart", str(acted)])
    svg = acted.read_text()
    assert "on-fleet on prod: GO WITH ACTIONS" in svg
    assert "coupon, utm_content out of the cache key" in svg, "each assumed change is labelled"
    assert "demand after:" in svg and "capacity after:" in svg
    flooded = tmp_path / "flooded.svg"
    preflight.main(
        [str(on_fleet), "--stack", "staging", "--full-query-key", "--chart", str(flooded)]
    )
    svg = flooded.read_text()
    assert "on-fleet on staging: GO WITH ACTIONS" in svg
    assert "demand over capacity (" in svg, "the minutes over capacity are shaded and named"
    bad = write(tmp_path, {"dataAccess": "primary-write"})
    assert preflight.main([str(bad), "--stack", "prod"]) == projection.EXIT_NO_GO
    assert "NO-GO" in capsys.readouterr().err
    assert preflight.main(["no-such-campaign", "--stack", "prod"]) == projection.EXIT_INVALID
    err = capsys.readouterr().err
    assert "no such campaign file" in err
    assert "nothing was projected" in err and "deployed" not in err
    other = write(tmp_path, {"dataAccess": "everything"}, name="other")
    assert preflight.main([str(other), "--stack", "prod"]) == projection.EXIT_INVALID, (
        "a wrong dataAccess value is an invalid file, not the primary-write NO-GO"
    )
    assert "NO-GO" not in capsys.readouterr().err
    assert preflight.main(["spring-coupon-blast", "--stack", "nowhere"]) == projection.EXIT_INVALID
    err = capsys.readouterr().err
    assert err.strip(), err


def test_broken_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nstart: [unclosed\n")
    with pytest.raises(ConfigErrors, match=r"broken.yaml: \(file\): not valid YAML at line \d"):
        load_campaign(str(path))


def test_an_unreferenced_campaign_is_told_how_to_get_its_prewarm() -> None:
    """Without `spikeproof:campaigns`, the pre-warm action says which line to add (the program then
    sizes and schedules it); referenced, prod already holds it and only the cache-key action is
    left."""
    campaign = load_campaign("spring-coupon-blast")
    referenced = stack_settings("prod", overrides=COUPON_KEYED)
    bare = referenced.model_copy(update={"campaigns": []})
    actions = decide(project(campaign, bare, "prod"), bare).actions
    assert any(
        "hold 5 instances from 2027-03-09 08:38 UTC" in a
        and "add spring-coupon-blast to spikeproof:campaigns in Pulumi.prod.yaml" in a
        for a in actions
    ), actions
    held = project(campaign, referenced, "prod")
    assert held.prewarm == 5 and held.minutes[0].instances == 5
    assert decide(held, referenced).actions == [a for a in actions if "keyedPaths" in a]


def test_local_time_with_a_zone_follows_dst_and_end_replaces_duration(tmp_path: Path) -> None:
    """The same 09:00 in London is 09:00Z in winter and 08:00Z in summer; `end` sets the length."""
    winter = load_campaign(str(write(tmp_path, {}, name="winter")))
    summer = load_campaign(
        str(write(tmp_path, {"start": "2027-06-08T09:00", "duration": None,
                             "end": "2027-06-08T13:30"}, name="summer"))
    )  # fmt: skip
    assert winter.start.utcoffset() == timedelta(0) and winter.length == timedelta(hours=6)
    assert summer.start.astimezone(UTC).hour == 8
    assert summer.length == timedelta(hours=4, minutes=30)
    assert summer.finish.astimezone(UTC) == datetime(2027, 6, 8, 12, 30, tzinfo=UTC)
    assert iso_duration(summer.length) == "PT4H30M" and iso_duration(timedelta(days=1)) == "P1D"


def test_replica_connections_at_the_peak_fleet_against_the_alarm(tmp_path: Path) -> None:
    """Hand check: a 20,000 req/s plateau drives prod's fleet to maxSize (30 instances); with a
    pool of 40 connections that is 1,200 connections over prod's 2 replicas = 600 each, above the
    400 alarm: 3 replicas would be needed (1,200 / 400)."""
    campaign = load_campaign(
        str(
            write(
                tmp_path,
                {"channel": "ads", "audience": None, "expectedPeakRps": 20000,
                 "dataAccess": "replica-read", "replicaQueriesPerPage": 2,
                 "replicaConnectionsPerInstance": 40},
            )
        )
    )  # fmt: skip
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    p = project(campaign, settings, "prod", windows=[])
    assert max(m.instances for m in p.minutes) == 30
    assert (p.replica_count, p.replica_connections_alarm) == (2, 400)
    actions = decide(p, settings).actions
    assert any(a.startswith("raise spikeproof:replicas.count to 3,") for a in actions), actions
    assert any("30 instances x 40 = 600 per replica" in a for a in actions), actions
    assert re.search(
        r"replica connections +600 each +\(alarm 400\)", preflight.report(p, decide(p, settings))
    )
    small = load_campaign(
        str(write(tmp_path, {"dataAccess": "replica-read", "replicaConnectionsPerInstance": 5},
                  name="small"))
    )  # fmt: skip
    calm = project(small, settings, "prod")
    assert not [a for a in decide(calm, settings).actions if "replicas.count" in a]


def test_the_command_never_answers_with_a_traceback(tmp_path: Path) -> None:
    """As a person runs it (a child process, so an escaped exception shows): bad files and a bad
    stack exit 3 with a message, and primary-write is the NO-GO even beside another mistake."""
    cases = {
        "tiny": ({"duration": None, "end": "2027-03-09T09:00:30"}, 3),
        "nan": ({"landing": [{"path": "/a", "share": float("nan")}]}, 3),
        "writer": ({"dataAccess": "primary-write", "audience": {"size": -1}}, 2),
    }
    for name, (changes, code) in cases.items():
        path = write(tmp_path, changes, name=name)
        done = subprocess.run(
            [sys.executable, "-m", "tools.preflight", str(path), "--stack", "prod"],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == code, (name, done.returncode, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.strip(), (name, done.stderr)
        if name == "writer":
            assert "dataAccess" in done.stderr and "audience.size" in done.stderr, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "tools.preflight", "spring-coupon-blast", "--stack", "nowhere"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr


def test_dst_is_counted_in_real_time(tmp_path: Path) -> None:
    """London springs forward at 01:00 on 28 March 2027: 22:00 plus six hours is 04:00 UTC
    (05:00 BST), and 22:00 to 04:00 local is five real hours."""
    night = load_campaign(str(write(tmp_path, {"start": "2027-03-27T22:00"}, name="night")))
    assert night.finish == datetime(2027, 3, 28, 4, 0, tzinfo=UTC)
    until = load_campaign(
        str(write(tmp_path, {"start": "2027-03-27T22:00", "duration": None,
                             "end": "2027-03-28T04:00"}, name="until"))
    )  # fmt: skip
    assert until.length == timedelta(hours=5)
    p = project(night, stack_settings("prod", overrides=COUPON_KEYED), "prod", windows=[])
    assert len(p.minutes) == 360
    assert p.minutes[-1].at.astimezone(UTC) == datetime(2027, 3, 28, 3, 59, tzinfo=UTC)
    assert p.minutes[-1].at.strftime("%H:%M %Z") == "04:59 BST"


def test_a_ramp_that_outruns_scaling_is_never_go_and_the_prewarm_covers_it(
    tmp_path: Path,
) -> None:
    """A press hit ramping to 5,000 req/s in 15 minutes: tracking trails by the lag, so the
    pre-warm must carry the ramp's top (5,000 / (400 x 60%) = 21 instances), not just minute 0."""
    press = load_campaign(
        str(write(tmp_path, {"channel": "press", "audience": None, "expectedPeakRps": 5000,
                             "landing": [{"path": "/signup"}], "forms": []}, name="press"))
    )  # fmt: skip
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    bare = project(press, settings, "prod", windows=[])
    need = prewarm_needed(bare)
    assert need is not None and need.instances == 21
    under = project(press, settings, "prod", prewarm=12)
    assert under.overloaded, "12 instances (4,800 req/s) cannot carry 5,000"
    assert decide(under, settings).code == projection.EXIT_ACTIONS, "overload is never GO"
    held = project(press, settings, "prod", prewarm=need.instances)
    assert not held.overloaded and prewarm_needed(held) is None


def test_a_prewarm_that_starts_too_late_is_an_action(tmp_path: Path) -> None:
    """`leadMinutes: 0`: the 5 instances are launched at 09:00 and serve only after boot and
    warm-up, so the burst's first minutes run on the minimum; the action names the lead."""
    late = load_campaign(
        str(write(tmp_path, {"prewarm": {"instances": 5, "leadMinutes": 0}}, name="late"))
    )
    settings = stack_settings("prod", overrides=COUPON_KEYED).model_copy(
        update={"campaigns": ["late"]}
    )
    window = CampaignWindow(
        name="late", start="2027-03-09T09:00", end="2027-03-09T15:00", time_zone="UTC",
        capacity=5, lead_minutes=0,
    )  # fmt: skip
    p = project(late, settings, "prod", windows=[window])
    assert p.minutes[0].held == 0 and p.minutes[p.ready_minutes].held == 5
    actions = decide(p, settings).actions
    assert any(
        a.startswith("set leadMinutes to at least")
        and "campaigns/late.yaml (prewarm.leadMinutes)" in a
        for a in actions
    ), actions
    assert not [a for a in actions if a.startswith("hold ")], "5 is enough, only the lead is late"


def test_a_peak_beyond_max_size_asks_for_max_size_not_a_longer_lead(tmp_path: Path) -> None:
    """A referenced ad campaign at 7,300 req/s needs 31 instances at 60%: the program's pre-warm
    is capped at maxSize (30) with the default lead, so the one capacity action is maxSize (no
    lead advice that would repeat for ever, no hold of what is already held)."""
    big = load_campaign(
        str(write(tmp_path, {"channel": "ads", "audience": None, "expectedPeakRps": 7300,
                             "landing": [{"path": "/signup"}], "forms": []}, name="big"))
    )  # fmt: skip
    settings = stack_settings("prod", overrides=COUPON_KEYED).model_copy(
        update={"campaigns": ["big"]}
    )
    windows = stack_windows(settings, "prod", [big])
    own = next(w for w in windows if w.name == "big")
    assert own.capacity == 30
    actions = decide(project(big, settings, "prod", windows=windows), settings).actions
    assert any(a.startswith("raise fleet.maxSize to 31") for a in actions), actions
    assert not [a for a in actions if "leadMinutes" in a or a.startswith("hold ")], actions


def test_replica_queries_are_checked_against_what_a_replica_serves(tmp_path: Path) -> None:
    """A replica-read campaign's peak queries per replica (origin requests x queries per page /
    replicas) against the replicas' capacity: measured when set, estimated from the class
    otherwise and said to be. Over 70% of it: more replicas; past RDS's 15: NO-GO. Listed with
    every other finding."""
    campaign = load_campaign(
        str(
            write(
                tmp_path,
                {"channel": "ads", "audience": None, "expectedPeakRps": 20000,
                 "dataAccess": "replica-read", "replicaQueriesPerPage": 2,
                 "forms": ["/newsletter"]},
            )
        )
    )  # fmt: skip
    measured = {**COUPON_KEYED, "replicas": {"count": 2, "queryCapacityPerSecond": 4000}}
    settings = stack_settings("prod", overrides=measured)
    p = project(campaign, settings, "prod", windows=[])
    per_replica = max(m.origin_rps for m in p.minutes) * 2 / 2
    verdict = decide(p, settings)
    text = preflight.report(p, verdict)
    assert f"{per_replica:,.0f} /s per replica" in text
    assert "capacity 4,000 /s each, measured" in text
    # 20,000 queries/s over 2 replicas against 70% of 4,000: 15 replicas, RDS's most.
    needed = math.ceil(per_replica * 2 / (4000 * 0.7))
    assert needed == 15
    assert any(f"raise spikeproof:replicas.count to {needed} " in a for a in verdict.actions)
    halved = {**COUPON_KEYED, "replicas": {"count": 2, "queryCapacityPerSecond": 2000}}
    over = stack_settings("prod", overrides=halved)
    beyond = decide(project(campaign, over, "prod", windows=[]), over)
    assert beyond.word == "NO-GO"
    assert any("29 replicas would be needed and RDS allows 15" in f for f in beyond.findings)
    # The unserved form is a finding of the same pre-flight, not a reason to stop looking.
    assert any("/newsletter" in f for f in verdict.findings)
    assert any("replica queries peak" in f for f in verdict.findings)

    estimated = {**COUPON_KEYED, "replicas": {"count": 2, "instanceClass": "db.r6g.2xlarge"}}
    settings = stack_settings("prod", overrides=estimated)
    p = project(campaign, settings, "prod", windows=[])
    assert p.replica_query_capacity == 8 * 500
    assert "estimated: db.r6g.2xlarge has 8 vCPUs" in preflight.report(p, decide(p, settings))
    unknown = stack_settings("prod", overrides={**COUPON_KEYED, "replicas": {"count": 2}})
    p = project(campaign, unknown, "prod", windows=[])
    assert any("query capacity is unknown" in a for a in decide(p, unknown).actions)
