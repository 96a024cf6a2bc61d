"""The review after a campaign: what the logs say happened, minute by minute, against what the
projection said would, and the click curve and rates that would have matched (pure: the logs come
in parsed, `model.traffic.observe`).

What is counted, per minute from the campaign's start (UTC):
- edge requests: every request in the Cloudflare Logpush lines;
- visitors: GETs of a landing path, less the scanners';
- scanners: a landing request from a client that loads none of the page's assets within
  SCANNER_WINDOW seconds (mail security scanners fetch the link, not the page's assets);
- origin requests: the ALB's access log when given (what reached the fleet); otherwise the
  Logpush requests the edge did not answer (cache status other than hit, stale or updating, and
  no Worker answered);
- form posts: POSTs to the campaign's form routes.

The calibration fits the email click curve (its fast part's time constant and share) and the
click rate to the visitors by least squares over a grid, then refines around the best point.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from forecast.projection import TAIL_MINUTES, ClickCurve, Projection
from model.traffic import Observed
from settings.campaign import Calibration, Campaign

SCANNER_WINDOW = 120.0
EDGE_ANSWERED = frozenset({"hit", "stale", "updating"})
STATIC = frozenset(
    {"css", "js", "mjs", "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "woff",
     "woff2", "ttf", "map"}
)  # fmt: skip


@dataclass
class ActualMinute:
    at: datetime
    edge: int = 0
    visitors: int = 0
    scanners: int = 0
    origin: int = 0
    forms: int = 0
    instances: int | None = None


@dataclass
class Actual:
    minutes: list[ActualMinute]
    origin_source: str
    landing_requests: int = 0
    asset_requests: int = 0
    in_window: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def peak_visitors(self) -> ActualMinute:
        return max(self.minutes, key=lambda m: m.visitors)

    @property
    def peak_origin(self) -> ActualMinute:
        return max(self.minutes, key=lambda m: m.origin)

    def edge_share(self) -> float:
        edge = sum(m.edge for m in self.minutes)
        origin = sum(m.origin for m in self.minutes)
        return 1 - origin / edge if edge else 1.0

    def summary(self, campaign: Campaign) -> dict[str, object]:
        recipients_links = links_sent(campaign)
        scanners = sum(m.scanners for m in self.minutes)
        return {
            "peakVisitorsPerSecond": round(self.peak_visitors.visitors / 60, 3),
            "peakAt": self.peak_visitors.at.isoformat(),
            "edgeShare": round(self.edge_share(), 6),
            "originPeakRps": round(self.peak_origin.origin / 60, 3),
            "originPeakAt": self.peak_origin.at.isoformat(),
            "formPosts": sum(m.forms for m in self.minutes),
            "scannerShare": round(scanners / recipients_links, 6) if recipients_links else None,
            "visitors": sum(m.visitors for m in self.minutes),
            "instancesPeak": max(
                (m.instances for m in self.minutes if m.instances is not None), default=None
            ),
            "originFrom": self.origin_source,
        }


def links_sent(campaign: Campaign) -> int:
    """Landing links in all the emails: what the scanners' share is a share of (the projection's
    `size x scannerShare x linksPerEmail`)."""
    return campaign.audience.size * campaign.links_per_email if campaign.audience else 0


def _is_landing(path: str, landing: Sequence[str]) -> bool:
    p = path.rstrip("/") or "/"
    return any(p == (leg.rstrip("/") or "/") for leg in landing)


def _is_asset(path: str) -> bool:
    last = path.rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[-1].lower() in STATIC


def actual(
    campaign: Campaign,
    edge: Sequence[Observed],
    origin: Sequence[Observed] | None,
    instances: Sequence[tuple[datetime, int]] = (),
) -> Actual:
    start = campaign.start_utc
    count = int(campaign.length.total_seconds() // 60)
    minutes = [ActualMinute(at=start + timedelta(minutes=m)) for m in range(count)]
    t0 = start.timestamp()

    def slot(at: float) -> int | None:
        m = int((at - t0) // 60)
        return m if 0 <= m < count else None

    landing = [leg.path for leg in campaign.landing]
    edge = [o for o in edge if not o.subrequest]  # a Worker's own fetches are not visits
    assets_by_ip: dict[str, list[float]] = defaultdict(list)
    for o in edge:
        if o.method == "GET" and _is_asset(o.path):
            assets_by_ip[o.ip].append(o.at)
    for times in assets_by_ip.values():
        times.sort()
    out = Actual(minutes=minutes, origin_source="ALB access log" if origin else "Logpush")
    for o in edge:
        m = slot(o.at)
        if m is None:
            continue
        out.in_window += 1
        minutes[m].edge += 1
        if o.method == "POST" and o.path in campaign.forms:
            minutes[m].forms += 1
        if o.method == "GET" and _is_landing(o.path, landing):
            out.landing_requests += 1
            times = assets_by_ip.get(o.ip, [])
            i = bisect_left(times, o.at)
            loaded = i < len(times) and times[i] <= o.at + SCANNER_WINDOW
            if loaded:
                minutes[m].visitors += 1
            else:
                minutes[m].scanners += 1
        elif o.method == "GET" and _is_asset(o.path):
            out.asset_requests += 1
        if origin is None and _reached_origin(o):
            minutes[m].origin += 1
    if origin is not None:
        for o in origin:
            m = slot(o.at)
            if m is not None:
                minutes[m].origin += 1
    if origin is None and edge and not any(o.cache or o.origin_status is not None for o in edge):
        out.notes.append(
            "the Logpush lines carry neither OriginResponseStatus nor CacheCacheStatus: every "
            "request is counted as reaching the origin; add the fields to the Logpush job or "
            "give the ALB's access log"
        )
    for at, value in instances:
        m = slot(at.timestamp())
        if m is not None:
            minutes[m].instances = value
    return out


def _reached_origin(o: Observed) -> bool:
    """Logpush's OriginResponseStatus says it (0: the edge answered, whether from cache, a
    Worker, the WAF or the waiting room); without it, the cache status and the Worker do."""
    if o.origin_status is not None:
        return o.origin_status > 0
    return o.cache not in EDGE_ANSWERED and not o.worker


MIN_VISITORS = 100
"""Fewer visitors in the window than this, and a fitted curve is noise: no calibration."""


def coverage(campaign: Campaign, act: Actual, edge: Sequence[Observed]) -> str | None:
    """Why these logs cannot calibrate the channel (None: they can): they must start by the
    campaign's first minutes, run past its peak, and hold enough visitors."""
    if not edge:
        return "no Logpush lines"
    start = campaign.start_utc.timestamp()
    first, last = edge[0].at, edge[-1].at
    visitors = sum(m.visitors for m in act.minutes)
    if first > start + 5 * 60:
        return f"the logs begin {(first - start) / 60:.0f} minutes after the start"
    if last < start + 0.5 * campaign.length.total_seconds():
        return "the logs end before half of the campaign's window"
    if visitors < MIN_VISITORS:
        return f"{visitors} visitors in the window, fewer than {MIN_VISITORS}"
    return None


def _shares(curve: ClickCurve, count: int) -> list[float]:
    cdf = [curve.cdf(m) for m in range(count + 1)]
    return [b - a for a, b in pairwise(cdf)]


def _fit_scale(observed: Sequence[float], shares: Sequence[float]) -> tuple[float, float]:
    """(clicks, squared error) of the best `clicks x shares` through `observed`."""
    dot = sum(v * f for v, f in zip(observed, shares, strict=True))
    norm = sum(f * f for f in shares)
    clicks = dot / norm if norm else 0.0
    error = sum((v - clicks * f) ** 2 for v, f in zip(observed, shares, strict=True))
    return clicks, error


def calibrate(campaign: Campaign, act: Actual, *, today: date) -> Calibration | None:
    """The click curve and rates that would have matched (email campaigns with an audience)."""
    if campaign.channel != "email" or campaign.audience is None:
        return None
    visits = [float(m.visitors) for m in act.minutes]
    if sum(visits) == 0:
        return None
    count = len(visits)
    best: tuple[float, float, float, float] | None = None  # error, tau, share, clicks

    def search(taus: Sequence[float], shares: Sequence[float]) -> None:
        nonlocal best
        for tau in taus:
            for share in shares:
                clicks, error = _fit_scale(visits, _shares(ClickCurve(tau, share), count))
                if best is None or error < best[0]:
                    best = (error, tau, share, clicks)

    search([5.0 * 1.15**i for i in range(32)], [i / 20 for i in range(1, 20)])
    assert best is not None
    _e, tau, share, _c = best
    search(
        [tau * (0.85 + 0.01 * i) for i in range(31)],
        [min(0.99, max(0.01, share + (i - 10) / 200)) for i in range(21)],
    )
    _e, tau, share, clicks = best
    recipients_links = links_sent(campaign)
    scanners = sum(m.scanners for m in act.minutes)
    forms = sum(m.forms for m in act.minutes)
    visitors = sum(m.visitors for m in act.minutes)
    return Calibration.model_validate(
        {
            "channel": campaign.channel,
            "reviewedCampaign": campaign.name,
            "reviewedOn": today.isoformat(),
            "fastMinutes": round(min(tau, TAIL_MINUTES), 3),
            "fastShare": round(share, 4),
            "clickRate": round(min(1.0, clicks / campaign.audience.size), 6),
            "scannerShare": round(min(1.0, scanners / recipients_links), 6),
            "formConversion": round(min(1.0, forms / visitors), 6) if visitors else 0.0,
        }
    )


def forecast_summary(p: Projection) -> dict[str, object]:
    peak = max(p.minutes, key=lambda m: m.visitors_rps)
    origin = p.peak
    c = p.campaign
    recipients_links = links_sent(c)
    scanners = sum(m.scanner_rps for m in p.minutes) * 60
    return {
        "peakVisitorsPerSecond": round(peak.visitors_rps, 3),
        "peakAt": peak.at.astimezone(UTC).isoformat(),
        "edgeShare": round(p.edge_share(), 6),
        "originPeakRps": round(origin.origin_rps, 3),
        "originPeakAt": origin.at.astimezone(UTC).isoformat(),
        "formPosts": round(sum(m.form_rps for m in p.minutes) * 60),
        "scannerShare": round(scanners / recipients_links, 6) if recipients_links else None,
        "visitors": round(sum(m.visitors_rps for m in p.minutes) * 60),
        "instancesPeak": max(m.instances for m in p.minutes),
        "calibration": p.calibration,
    }


def error_of(p: Projection, act: Actual) -> float:
    """Root-mean-square error of the projected visitors per minute against the actual ones."""
    pairs = zip(
        (m.visitors_rps * 60 for m in p.minutes), (m.visitors for m in act.minutes), strict=True
    )
    diffs = [(a - b) ** 2 for a, b in pairs]
    return math.sqrt(sum(diffs) / len(diffs)) if diffs else 0.0
