"""The review after a campaign, on logs with a known truth: a generated campaign's Logpush and ALB
logs with a planted click curve, edge share, form rate and scanner share, which the review must
find; its calibration must bring the next forecast measurably closer; and the documented log
shapes (Cloudflare's Logpush fields, AWS's ALB example entry) are read as they are."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from forecast.projection import ClickCurve, project
from forecast.review import actual, error_of
from model.traffic import observe
from settings import campaign as campaign_settings
from settings import stack_settings
from settings.campaign import load_campaign
from tools import campaign_review, preflight

START = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)
SIZE, CLICK_RATE, SCANNERS, LINKS, FORM_RATE = 60_000, 0.05, 0.1, 2, 0.1
CURVE = ClickCurve(fast_minutes=20.0, fast_share=0.7)  # the published one is slower
MISS_EVERY = 20  # every 20th landing request misses the edge: a planted 95% edge share
MINUTES = 180


def _campaign(tmp_path: Path) -> Path:
    data = {
        "name": "planted",
        "owner": "growth@example.com",
        "start": START.isoformat(),
        "duration": "PT3H",
        "channel": "email",
        # No clickRate: the file leaves it to the channel's calibration (default 2.8% until one).
        "audience": {"size": SIZE},
        "sendMinutes": 10,
        "scannerShare": SCANNERS,
        "linksPerEmail": LINKS,
        "landing": [{"path": "/campaigns/spring", "share": 1.0}],
        "assetsPerPage": 3,
        "pagesPerVisit": 1.0,
        "forms": ["/subscribe"],
        "formConversion": 0.05,
        "dataAccess": "none",
    }
    path = tmp_path / "planted.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _logpush(at: datetime, path: str, ip: str, cache: str, method: str = "GET") -> str:
    return json.dumps(
        {
            "ClientRequestHost": "www.acme-marketing.com",
            "ClientRequestURI": path,
            "ClientRequestMethod": method,
            "ClientIP": ip,
            "EdgeColoCode": "LHR",
            "EdgeStartTimestamp": at.isoformat().replace("+00:00", "Z"),
            "CacheCacheStatus": cache,
            "ClientRequestUserAgent": "Mozilla/5.0",
        }
    )


def _alb(at: datetime, path: str, ip: str) -> str:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return (
        f"https {stamp} app/web-alb/50dc6c495c0c9188 {ip}:46532 10.0.1.12:80 0.000 0.012 0.000 "
        f'200 200 312 9812 "GET https://www.acme-marketing.com:443{path} HTTP/2.0" "Mozilla/5.0" '
        "ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:"
        "444455556666:targetgroup/web-tg/73e2d6bc24d8a067 "
        '"Root=1-58337262-36d228ad5d99923122bbe354" '
        '"www.acme-marketing.com" "-" 0 '
        + stamp
        + ' "forward" "-" "-" "10.0.1.12:80" "200" "-" "-"'
    )


def _generate(tmp_path: Path, seed: int = 7) -> dict[str, Any]:
    """The planted campaign's logs (edge.jsonl, origin.log in `tmp_path`) and what they hold."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    edge: list[tuple[datetime, str]] = []
    alb: list[str] = []
    truth = {"visitors": [0] * MINUTES, "forms": 0, "scanners": 0, "origin": 0, "edge": 0}
    clicks = SIZE * CLICK_RATE
    landing = 0
    for m in range(MINUTES):
        n = round(clicks * (CURVE.cdf(m + 1) - CURVE.cdf(m)))
        for i in range(n):
            at = START + timedelta(minutes=m, seconds=rng.uniform(0, 50))
            ip = f"10.{m}.{i // 250}.{i % 250}"
            landing += 1
            cache = "miss" if landing % MISS_EVERY == 0 else "hit"
            edge.append((at, _logpush(at, "/campaigns/spring?coupon=x", ip, cache)))
            if cache == "miss":
                alb.append(_alb(at, "/campaigns/spring?coupon=x", ip))
            for a in range(3):
                later = at + timedelta(seconds=1 + a)
                edge.append((later, _logpush(later, f"/campaigns/assets/a{a}.css", ip, "hit")))
            if rng.random() < FORM_RATE:
                later = at + timedelta(seconds=8)
                edge.append((later, _logpush(later, "/subscribe", ip, "dynamic", "POST")))
                alb.append(_alb(later, "/subscribe", ip))
                truth["forms"] += 1
            truth["visitors"][m] += 1
    for k in range(int(SIZE * SCANNERS * LINKS)):
        at = START + timedelta(seconds=rng.uniform(0, 600))
        edge.append(
            (at, _logpush(at, "/campaigns/spring?coupon=y", f"172.16.{k // 250}.{k % 250}", "hit"))
        )
        truth["scanners"] += 1
    edge.sort(key=lambda e: e[0])
    truth["edge"] = len(edge)
    truth["origin"] = len(alb)
    (tmp_path / "edge.jsonl").write_text("\n".join(line for _, line in edge) + "\n")
    (tmp_path / "origin.log").write_text("\n".join(alb) + "\n")
    return truth


@pytest.fixture
def calibration_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "calibration"
    monkeypatch.setattr(campaign_settings, "CALIBRATION_DIR", folder)
    return folder


def test_the_review_finds_what_was_planted(
    tmp_path: Path, calibration_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truth = _generate(tmp_path)
    campaign = _campaign(tmp_path)
    out = tmp_path / "review.json"
    code = campaign_review.main(
        [str(campaign), "--stack", "prod", "--log", str(tmp_path / "edge.jsonl"),
         "--log", str(tmp_path / "origin.log"), "--json", str(out), "--calibrate",
         "--chart", str(tmp_path / "review.svg")]
    )  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0, text
    doc = json.loads(out.read_text())
    got = doc["actual"]
    peak = max(truth["visitors"])
    assert got["peakVisitorsPerSecond"] == pytest.approx(peak / 60, abs=1e-3)
    assert got["peakAt"] == (START + timedelta(minutes=truth["visitors"].index(peak))).isoformat()
    assert got["edgeShare"] == pytest.approx(1 - truth["origin"] / truth["edge"], abs=1e-6)
    assert got["formPosts"] == truth["forms"]
    assert got["scannerShare"] == pytest.approx(SCANNERS, rel=0.01)
    assert got["originFrom"] == "ALB access log"
    cal = doc["calibration"]
    assert cal["fastMinutes"] == pytest.approx(CURVE.fast_minutes, rel=0.2)
    assert cal["fastShare"] == pytest.approx(CURVE.fast_share, abs=0.08)
    assert cal["clickRate"] == pytest.approx(CLICK_RATE, rel=0.1)
    assert cal["formConversion"] == pytest.approx(FORM_RATE, abs=0.02)
    # The calibration changes the next forecast measurably: against another campaign of the
    # same channel (logs it was not fitted to), the forecast's error falls by more than half.
    held_out = tmp_path / "second"
    _generate(held_out, seed=11)
    second = load_campaign(str(campaign))
    edge, origin = campaign_review.read_logs([held_out / "edge.jsonl"], "x")
    act = actual(second, edge, origin)
    settings = stack_settings("prod")
    after = project(second, settings, "prod")
    assert "calibrated from the review of planted" in after.calibration
    monkey_dir = campaign_settings.CALIBRATION_DIR
    (monkey_dir / "email.yaml").rename(monkey_dir / "email.off")
    before = project(second, settings, "prod")
    assert error_of(after, act) < 0.5 * error_of(before, act), (
        error_of(before, act),
        error_of(after, act),
    )
    assert "Did it hold? Yes" in text and "What to change next time" in text
    assert (tmp_path / "review.svg").read_text().count("forecast") >= 2


def test_the_next_preflight_uses_the_calibration_and_says_so(
    tmp_path: Path, calibration_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path)
    campaign = _campaign(tmp_path)
    settings = stack_settings("prod")
    before = project(load_campaign(str(campaign)), settings, "prod")
    campaign_review.main(
        [str(campaign), "--stack", "prod", "--log", str(tmp_path / "edge.jsonl"), "--calibrate"]
    )
    capsys.readouterr()
    written = yaml.safe_load((calibration_dir / "email.yaml").read_text())
    assert written["reviewedCampaign"] == "planted"
    after = project(load_campaign(str(campaign)), settings, "prod")
    assert "calibrated from the review of planted" in after.calibration
    assert max(m.visitors_rps for m in after.minutes) > 1.5 * max(
        m.visitors_rps for m in before.minutes
    )
    preflight.main([str(campaign), "--stack", "prod", "--now", "2027-03-01T00:00:00Z"])
    assert "click curve and rates: calibrated from the review of planted" in capsys.readouterr().out


def test_without_cache_status_or_alb_logs_the_review_says_what_it_counted(tmp_path: Path) -> None:
    campaign = load_campaign(str(_campaign(tmp_path)))
    entry = {
        "ClientRequestHost": "www.acme-marketing.com",
        "ClientRequestURI": "/campaigns/spring",
        "ClientRequestMethod": "GET",
        "ClientIP": "203.0.113.7",
        "EdgeStartTimestamp": "2027-03-09T09:01:00Z",
    }
    lines = [json.dumps(entry)]  # fmt: skip
    act = actual(campaign, observe(lines, fmt="logpush", default_host="x"), None)
    assert act.origin_source == "Logpush" and act.notes and "CacheCacheStatus" in act.notes[0]


# Cloudflare's Logpush http_requests fields as its field reference names them (a full line, as a
# job with these fields delivers it), and AWS's documented ALB access-log example entry
# (Elastic Load Balancing user guide, "Example log entries", the HTTPS entry), each moved into
# the campaign's window.
DOCUMENTED_LOGPUSH = (
    '{"CacheCacheStatus":"hit","CacheResponseBytes":26888,"CacheResponseStatus":200,'
    '"CacheTieredFill":true,"ClientASN":1136,"ClientCountry":"nl","ClientDeviceType":"desktop",'
    '"ClientIP":"222.97.65.242","ClientIPClass":"noRecord","ClientRequestBytes":5324,'
    '"ClientRequestHost":"www.acme-marketing.com","ClientRequestMethod":"GET",'
    '"ClientRequestPath":"/campaigns/spring","ClientRequestProtocol":"HTTP/1.1",'
    '"ClientRequestReferer":"","ClientRequestURI":"/campaigns/spring?utm_source=email",'
    '"ClientRequestUserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","ClientSSLCipher":'
    '"ECDHE-ECDSA-AES128-GCM-SHA256","ClientSSLProtocol":"TLSv1.3","ClientSrcPort":0,'
    '"EdgeColoCode":"AMS","EdgeEndTimestamp":"2027-03-09T09:05:01Z","EdgePathingOp":"wl",'
    '"EdgePathingSrc":"macro","EdgePathingStatus":"nr","EdgeRateLimitAction":"",'
    '"EdgeResponseBytes":27000,"EdgeResponseStatus":200,"EdgeServerIP":"",'
    '"EdgeStartTimestamp":"2027-03-09T09:05:00Z","OriginIP":"","OriginResponseStatus":0,'
    '"RayID":"500115ec386354d8","WorkerStatus":"unknown","WorkerSubrequest":false}'
)
DOCUMENTED_ALB = (
    "https 2027-03-09T09:05:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 "
    '10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" '
    '"curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
    "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "
    '"Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" '
    '"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 '
    '2027-03-09T09:04:59.928000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" '
    '"-" "-"'
)


def test_documented_log_shapes_are_read(tmp_path: Path) -> None:
    (tmp_path / "cf.jsonl").write_text(DOCUMENTED_LOGPUSH + "\n")
    (tmp_path / "alb.log").write_text(DOCUMENTED_ALB + "\n")
    edge, origin = campaign_review.read_logs([tmp_path / "cf.jsonl", tmp_path / "alb.log"], "x")
    assert len(edge) == 1 and edge[0].cache == "hit" and edge[0].path == "/campaigns/spring"
    assert origin is not None and len(origin) == 1 and origin[0].path == "/"
    assert math.isclose(origin[0].at, datetime(2027, 3, 9, 9, 5, 0, 186641, tzinfo=UTC).timestamp())
    campaign = load_campaign(str(_campaign(tmp_path)))
    act = actual(campaign, edge, origin)
    assert act.minutes[5].edge == 1 and act.minutes[5].origin == 1
    assert act.minutes[5].scanners == 1, "a landing hit with no assets is a scanner's"


def test_a_bad_log_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    campaign = _campaign(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(DOCUMENTED_LOGPUSH + "\n{not json\n")
    assert campaign_review.main([str(campaign), "--stack", "prod", "--log", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: line 2: not a logpush entry" in err and "Traceback" not in err


def test_a_campaign_s_own_click_rate_is_kept_and_said(
    tmp_path: Path, calibration_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path)
    campaign_review.main(
        [
            str(_campaign(tmp_path)),
            "--stack",
            "prod",
            "--log",
            str(tmp_path / "edge.jsonl"),
            "--calibrate",
        ]
    )
    capsys.readouterr()
    raw = yaml.safe_load(_campaign(tmp_path).read_text())
    raw["audience"]["clickRate"] = 0.03
    own = tmp_path / "own" / "planted.yaml"
    own.parent.mkdir()
    own.write_text(yaml.safe_dump(raw))
    p = project(load_campaign(str(own)), stack_settings("prod"), "prod")
    assert "clickRate 3.00% kept (the review measured 5." in p.calibration


def test_logs_that_do_not_cover_the_window_calibrate_nothing(
    tmp_path: Path, calibration_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    campaign = _campaign(tmp_path)
    late = tmp_path / "late.jsonl"
    at = START + timedelta(minutes=30)
    late.write_text(_logpush(at, "/campaigns/spring", "203.0.113.7", "hit") + "\n")
    assert (
        campaign_review.main([str(campaign), "--stack", "prod", "--log", str(late), "--calibrate"])
        == 0
    )
    out = capsys.readouterr().out
    assert "no calibration: the logs begin 30 minutes after the start (nothing written)" in out
    assert not (calibration_dir / "email.yaml").exists()
    outside = tmp_path / "outside.jsonl"
    outside.write_text(
        _logpush(START - timedelta(days=1), "/campaigns/spring", "203.0.113.7", "hit") + "\n"
    )
    assert campaign_review.main([str(campaign), "--stack", "prod", "--log", str(outside)]) == 2
    assert (
        "none of the 1 Logpush requests falls in the campaign's window" in capsys.readouterr().err
    )


def test_a_log_that_is_neither_logpush_nor_alb_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "access.log"
    other.write_text(
        '203.0.113.7 - - [09/Mar/2027:09:00:01 +0000] "GET / HTTP/1.1" 200 9812 "-" "x"\n'
    )
    assert (
        campaign_review.main([str(_campaign(tmp_path)), "--stack", "prod", "--log", str(other)])
        == 2
    )
    err = capsys.readouterr().err
    assert f"{other}: a combined log" in err and "Logpush" in err
