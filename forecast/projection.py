"""The campaign projection: what a campaign does to a stack, minute by minute (pure, no I/O
beyond reading the campaign files a stack references).

Used by the pre-flight (tools/preflight.py: report, chart, exit code) and by the program itself
(__main__.py): a stack that references a campaign (`spikeproof:campaigns`) schedules the pre-warm
this projection asks for and records its verdict on the campaign's window alarms, where the policy
pack reads it.

The model (docs/campaigns.md has the derivation and sources):
- Email clicks: `audience.size x clickRate`, spread over time by a two-part curve fitted so that a
  third of the clicks arrive in the first hour and half within three hours (published email
  studies), with a one-day tail; the first part starts as the send delivers. Mail security
  scanners (`scannerShare` of recipients) open the landing link within seconds of delivery, spread
  over `sendMinutes`. Other channels: a plateau at `expectedPeakRps`.
- Each visitor loads the landing page, `assetsPerPage` assets per page and `pagesPerVisit` pages.
- The edge: each request kind is evaluated by model/edge_eval against the rules the stack
  generates (the same expressions the program deploys); a cached kind whose cache key is shared by
  all recipients reaches the origin only as fills (one per location per TTL), one whose key differs
  per recipient (a coupon id the cache key keeps) reaches it every time.
- The fleet: in-service instances follow demand through target tracking with a lag of three
  one-minute datapoints, boot (2 min) and the configured warm-up; never below minSize or a
  pre-warm window's capacity, never above maxSize.
- Forms: visitors x formConversion against the stage throttle and the ingest concurrency.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from model.edge_eval import Request, Rulesets, evaluate
from model.edge_rules import EdgeRulesSpec, cache_rules, rate_limit_rules, transform_rules
from model.schedule import CampaignWindow
from settings import Settings
from settings.campaign import Campaign, load_calibration, load_campaign

EXIT_GO, EXIT_ACTIONS, EXIT_NO_GO, EXIT_INVALID = 0, 1, 2, 3
# Published email figures (docs/campaigns.md): share of all clicks by 60 and 180 minutes.
CLICKS_BY_1H, CLICKS_BY_3H = 1 / 3, 1 / 2
TAIL_MINUTES = 1440.0  # the slow part: a day-long tail of late opens
BOOT_MINUTES = 2  # EC2 launch to nginx serving (AL2023 + cloud-init)
SIGNAL_MINUTES = 3  # target tracking acts on three one-minute datapoints
EDGE_LOCATIONS = 12  # locations a national campaign lands on (fills per TTL)
INGEST_SECONDS = 0.05  # ingest invocation time incl. a share of cold starts (benchmark: ~10 ms)
SCALE_IN_MINUTES = 15  # target tracking scales in after 15 low datapoints
NO_GO_FACTOR = 3  # needing more than 3x maxSize is a design problem, not a setting
PREWARM_MARGIN_MINUTES = 15  # pre-warm this long before the scale-out lag would bite


@dataclass(frozen=True)
class ClickCurve:
    """Cumulative share of clicks by minute t: a(1-e^(-t/fast)) + (1-a)(1-e^(-t/TAIL))."""

    fast_minutes: float
    fast_share: float

    def cdf(self, minutes: float) -> float:
        if minutes <= 0:
            return 0.0
        a = self.fast_share
        return a * (1 - math.exp(-minutes / self.fast_minutes)) + (1 - a) * (
            1 - math.exp(-minutes / TAIL_MINUTES)
        )

    @classmethod
    def fitted(cls) -> ClickCurve:
        """The fast part's time constant and share that put CLICKS_BY_1H of the clicks in the
        first hour and CLICKS_BY_3H in three hours (bisection on the time constant)."""
        tail = [1 - math.exp(-m / TAIL_MINUTES) for m in (60, 180)]

        def share(tau: float) -> float:
            fast60 = 1 - math.exp(-60 / tau)
            return (CLICKS_BY_1H - tail[0]) / (fast60 - tail[0])

        def error(tau: float) -> float:
            a = share(tau)
            return a * (1 - math.exp(-180 / tau)) + (1 - a) * tail[1] - CLICKS_BY_3H

        lo, hi = 5.0, 170.0
        for _ in range(80):
            mid = (lo + hi) / 2
            if (error(lo) < 0) == (error(mid) < 0):
                lo = mid
            else:
                hi = mid
        tau = (lo + hi) / 2
        return cls(fast_minutes=tau, fast_share=share(tau))


@dataclass(frozen=True)
class RequestKind:
    name: str
    per_visitor: float
    origin_share: float
    """Share of these requests the origin sees (1 = every one; fills otherwise)."""
    fill_rps: float
    """Origin requests per second from cache fills when shared (locations / TTL)."""
    verdict: str


@dataclass(frozen=True)
class Minute:
    at: datetime
    visitors_rps: float
    scanner_rps: float
    edge_rps: float
    origin_rps: float
    instances: int
    capacity_rps: float
    form_rps: float
    held: int = 0
    """Instances a pre-warm window holds in service this minute (booted and warmed up)."""


@dataclass
class Projection:
    campaign: Campaign
    stack: str
    kinds: list[RequestKind]
    minutes: list[Minute]
    fleet_min: int
    fleet_max: int
    per_instance_rps: float
    target_utilization: float
    lag_minutes: int
    prewarm: int
    form_rate: float | None
    form_burst: int | None
    ingest_concurrency: int | None
    flood_limit: tuple[int, int] | None
    replica_count: int = 1
    replica_connections_alarm: int | None = None
    replica_query_capacity: float | None = None
    """Queries per second one replica serves (measured, or estimated from its class)."""
    replica_capacity_source: str = ""
    unique_keys_from: list[str] = field(default_factory=list)
    query_ignored: bool = True
    """False: projected with Cloudflare's default cache key (every parameter kept)."""
    ready_minutes: int = 0
    """A scheduled pre-warm's instances serve this long after its action runs (boot, warm-up)."""
    own_window: CampaignWindow | None = None
    """The campaign's own pre-warm window (named after it), when the stack schedules one."""
    calibration: str = ""
    """Where the click curve and rates come from: the published figures, or a review's."""

    @property
    def peak(self) -> Minute:
        return max(self.minutes, key=lambda m: m.origin_rps)

    @property
    def overloaded(self) -> list[Minute]:
        return [m for m in self.minutes if m.origin_rps > m.capacity_rps]

    def edge_share(self) -> float:
        edge = sum(m.edge_rps for m in self.minutes)
        origin = sum(m.origin_rps for m in self.minutes)
        return 1 - origin / edge if edge else 1.0


@dataclass
class Verdict:
    word: str
    code: int
    actions: list[str]
    findings: list[str]
    proposed: dict[str, int] = field(default_factory=dict)
    """What the actions change, as numbers the cost of each is computed from: `maxSize`,
    `prewarm` (instances) with `prewarmLead` (minutes), `replicas` (count)."""


def edge_rulesets(spec: EdgeRulesSpec) -> Rulesets:
    """The stack's generated edge rules and static routes, as the pre-flight evaluates them."""
    return Rulesets.from_rules(
        cache=cache_rules(spec),
        ratelimit=rate_limit_rules(spec),
        transform=transform_rules(spec, "[secret]"),
        static_routes=spec.static_routes,
    )


def _query(campaign: Campaign, page_index: int, recipient: int) -> str:
    page = campaign.landing[page_index]
    parts = []
    for name in page.tracking_parameters:
        value = f"r{recipient:07d}" if name in page.unique_per_recipient else campaign.name
        parts.append(f"{name}={value}")
    return "&".join(parts)


def _static_kind(name: str, per_visitor: float) -> RequestKind:
    """Requests a Workers route of the static site answers: no origin share, no fills."""
    return RequestKind(
        name=name,
        per_visitor=per_visitor,
        origin_share=0.0,
        fill_rps=0.0,
        verdict="static (Workers Static Assets)",
    )


def request_kinds(campaign: Campaign, spec: EdgeRulesSpec) -> tuple[list[RequestKind], list[str]]:
    """Each kind of request a visitor makes, with the edge's verdict from the generated rules.
    Also returns the per-recipient parameters that keep landing cache keys apart."""
    rules = edge_rulesets(spec)
    host = spec.hostnames[0]
    kinds: list[RequestKind] = []
    splitting: list[str] = []
    for i, page in enumerate(campaign.landing):
        a = Request(host=host, path=page.path, query=_query(campaign, i, 1), label="landing")
        b = Request(host=host, path=page.path, query=_query(campaign, i, 2), label="landing")
        va, vb = evaluate(rules, a), evaluate(rules, b)
        if va.outcome == "static":  # Workers Static Assets: no origin, no fills
            kinds.append(_static_kind(f"landing {page.path}", page.share))
            continue
        shared = va.outcome == "cached" and va.cache_key == vb.cache_key
        ttl = va.edge_ttl_seconds or spec.edge_ttl_seconds
        if va.outcome == "cached" and not shared:
            for name in page.unique_per_recipient:
                query = _query(campaign, i, 1).replace(f"{name}=r0000001", f"{name}=r0000002")
                other = evaluate(rules, dataclasses.replace(a, query=query))
                if other.cache_key != va.cache_key:
                    splitting.append(name)
        kinds.append(
            RequestKind(
                name=f"landing {page.path}",
                per_visitor=page.share,
                origin_share=0.0 if shared else 1.0,
                fill_rps=EDGE_LOCATIONS / ttl if shared else 0.0,
                verdict=f"{va.outcome}, {'one shared key' if shared else 'a key per recipient'}",
            )
        )
    pages = campaign.pages_per_visit
    # A visitor's assets come from where the landing page does: a static landing page's own
    # hashed assets sit beside it on the static site.
    landing = campaign.landing[0].path if campaign.landing else "/"
    asset_path = "/static/app.3f9a1c.css"
    if evaluate(rules, Request(host=host, path=landing)).outcome == "static":
        asset_path = landing.rstrip("/") + "/app.3f9a1c.css"
    asset = evaluate(rules, Request(host=host, path=asset_path, label="asset"))
    browse = evaluate(rules, Request(host=host, path="/", label="page"))
    for name, verdict, per_visitor in (
        ("asset", asset, campaign.assets_per_page * pages),
        ("second page", browse, pages - 1),
    ):
        if verdict.outcome == "static":
            kinds.append(_static_kind(name, per_visitor))
            continue
        cached = verdict.outcome == "cached"
        ttl = verdict.edge_ttl_seconds or spec.edge_ttl_seconds
        kinds.append(
            RequestKind(
                name=name,
                per_visitor=per_visitor,
                origin_share=0.0 if cached else 1.0,
                fill_rps=EDGE_LOCATIONS / ttl if cached else 0.0,
                verdict=verdict.outcome,
            )
        )
    return kinds, sorted(set(splitting))


def window_span(w: CampaignWindow) -> tuple[datetime, datetime]:
    """A window's pre-warm action and release, in UTC (windows are checked before this runs)."""
    zone = ZoneInfo(w.time_zone)
    start = datetime.fromisoformat(w.start).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.fromisoformat(w.end).replace(tzinfo=zone).astimezone(UTC)
    return start - timedelta(minutes=w.lead_minutes), end


def held_at(windows: Sequence[CampaignWindow], at: datetime, ready_minutes: int = 0) -> int:
    """Instances the pre-warm windows hold in service at `at`: from `ready_minutes` after a
    window's pre-warm action (instances boot and warm up first) until its release."""
    best = 0
    for w in windows:
        begin, end = window_span(w)
        if begin + timedelta(minutes=ready_minutes) <= at < end:
            best = max(best, w.capacity)
    return best


def own_windows(settings: Settings) -> list[CampaignWindow]:
    """The stack's hand-written windows (`fleet.campaignWindows`)."""
    return [w.window() for w in settings.fleet.campaign_windows] if settings.fleet else []


def project(
    campaign: Campaign,
    settings: Settings,
    stack: str,
    *,
    query_ignored: bool = True,
    unkeyed: Sequence[str] = (),
    prewarm: int | None = None,
    max_size: int | None = None,
    windows: Sequence[CampaignWindow] | None = None,
) -> Projection:
    """Project `campaign` on the stack. The fleet holds `prewarm` instances throughout when given;
    otherwise, minute by minute, what `windows` hold in service then (default: every window the
    stack schedules, its own and those of the campaigns it references)."""
    if settings.edge is None or settings.fleet is None:
        raise ValueError(f"stack {stack} has no edge or no fleet: nothing to project against")
    fleet = settings.fleet
    spec = settings.edge_rules(page_query_ignored=query_ignored)
    drop = set(unkeyed)
    if drop:
        # As if the parameters were taken out of every keyed group (the pre-flight's "after").
        spec = dataclasses.replace(
            spec,
            keyed_paths=tuple(
                dataclasses.replace(g, parameters=tuple(q for q in g.parameters if q not in drop))
                for g in spec.keyed_paths
                if set(g.parameters) - drop
            ),
        )
    # A review of an earlier campaign of this channel replaces the published curve, and the
    # scanner share and form conversion this campaign's file does not set itself.
    measured = load_calibration(campaign.channel)
    curve = ClickCurve.fitted()
    calibration = "published email figures (docs/campaigns.md)"
    if measured is not None:
        curve = ClickCurve(fast_minutes=measured.fast_minutes, fast_share=measured.fast_share)
        calibration = (
            f"calibrated from the review of {measured.reviewed_campaign} "
            f"({measured.reviewed_on.isoformat()}, campaigns/calibration/{campaign.channel}.yaml)"
        )
        updates: dict[str, object] = {}
        if "scanner_share" not in campaign.model_fields_set:
            updates["scanner_share"] = measured.scanner_share
        if "form_conversion" not in campaign.model_fields_set:
            updates["form_conversion"] = measured.form_conversion
        audience = campaign.audience
        if audience is not None and "click_rate" not in audience.model_fields_set:
            clicked = audience.model_copy(update={"click_rate": measured.click_rate})
            campaign = campaign.model_copy(update={"audience": clicked})
        elif audience is not None and audience.click_rate != measured.click_rate:
            calibration += (
                f"; this campaign's clickRate {audience.click_rate:.2%} kept (the review "
                f"measured {measured.click_rate:.2%})"
            )
        campaign = campaign.model_copy(update=updates)
    kinds, splitting = request_kinds(campaign, spec)
    total_minutes = int(campaign.length.total_seconds() // 60)
    clicks = campaign.audience.size * campaign.audience.click_rate if campaign.audience else 0.0
    scanners = (
        campaign.audience.size * campaign.scanner_share * campaign.links_per_email
        if campaign.audience
        else 0.0
    )
    per_instance = fleet.per_instance_capacity_rps
    utilization = fleet.target_utilization_percent / 100
    ready = BOOT_MINUTES + math.ceil(fleet.warmup_seconds / 60)
    lag = SIGNAL_MINUTES + ready
    if windows is None:
        windows = stack_windows(settings, stack)
    own = next((w for w in windows if w.name == campaign.name), None)
    ceiling = max_size if max_size is not None else fleet.max_size
    start = campaign.start_utc
    shown = campaign.start.tzinfo
    demand: list[float] = []
    wanted: list[int] = []
    minutes: list[Minute] = []
    for m in range(total_minutes):
        if campaign.channel == "email" and campaign.expected_peak_rps is None:
            visitors = clicks * (curve.cdf(m + 1) - curve.cdf(m)) / 60
        else:
            ramp = min(1.0, (m + 1) / 15)  # reach the stated peak within 15 minutes
            visitors = float(campaign.expected_peak_rps or 0) * ramp
        scanner = scanners / (campaign.send_minutes * 60) if m < campaign.send_minutes else 0.0
        edge_rps = scanner + sum(k.per_visitor * visitors for k in kinds)
        landing = [k for k in kinds if k.name.startswith("landing")]
        origin = sum(
            k.per_visitor * visitors * k.origin_share + (k.fill_rps if visitors else 0.0)
            for k in kinds
        ) + scanner * sum(k.per_visitor * k.origin_share for k in landing)
        demand.append(origin)
        seen = demand[m - lag] if m >= lag else 0.0
        wanted.append(math.ceil(seen / (per_instance * utilization)) if seen else 0)
        at = start + timedelta(minutes=m)
        held = prewarm if prewarm is not None else held_at(windows, at, ready)
        # Scale-out follows `wanted`; scale-in only after SCALE_IN_MINUTES of lower demand.
        instances = min(ceiling, max(fleet.min_size, held, *wanted[-SCALE_IN_MINUTES:]))
        minutes.append(
            Minute(
                at=at.astimezone(shown),  # computed in UTC, shown in the campaign's zone
                visitors_rps=visitors,
                scanner_rps=scanner,
                edge_rps=edge_rps,
                origin_rps=origin,
                instances=instances,
                capacity_rps=instances * per_instance,
                form_rps=visitors * campaign.form_conversion if campaign.forms else 0.0,
                held=held,
            )
        )
    forms = settings.forms
    flood = next((r for r in spec.rate_limits if r.name == "flood"), None)
    replica_capacity, replica_source = settings.replicas.query_capacity()
    return Projection(
        campaign=campaign,
        stack=stack,
        kinds=kinds,
        minutes=minutes,
        fleet_min=fleet.min_size,
        fleet_max=ceiling,
        per_instance_rps=per_instance,
        target_utilization=utilization,
        lag_minutes=lag,
        prewarm=minutes[0].held if minutes else 0,
        form_rate=forms.throttle.rate_limit if forms else None,
        form_burst=forms.throttle.burst_limit if forms else None,
        ingest_concurrency=forms.ingest.reserved_concurrency if forms else None,
        flood_limit=(flood.requests_per_period, flood.period_seconds) if flood else None,
        replica_count=settings.replicas.count,
        replica_connections_alarm=settings.replicas.connections_alarm,
        replica_query_capacity=replica_capacity,
        replica_capacity_source=replica_source,
        unique_keys_from=splitting,
        query_ignored=query_ignored,
        ready_minutes=ready,
        own_window=own,
        calibration=calibration,
    )


def decide(p: Projection, settings: Settings) -> Verdict:
    """The verdict with every finding and action: a NO-GO does not stop the checks after it, so
    the reviewer sees all that must change in one pre-flight, not one problem per round trip."""
    actions: list[str] = []
    findings: list[str] = []
    proposed: dict[str, int] = {}
    no_go = False
    c = p.campaign
    peak = p.peak
    needed = instances_needed(p, peak.origin_rps)
    if p.unique_keys_from and not p.query_ignored:
        findings.append(
            f"with Cloudflare's default cache key (every query parameter kept), landing links "
            f"carry per-recipient {p.unique_keys_from}: every recipient's click misses the cache "
            "and reaches the origin"
        )
        actions.append(
            "key the landing pages by path alone (the stack's edge cache rules as shipped: "
            "edge.cache.marketingPaths, docs/edge.md)"
        )
    elif p.unique_keys_from:
        findings.append(
            f"landing links carry per-recipient {p.unique_keys_from}, which the stack keeps in the "
            "cache key (edge.cache.keyedPaths): every recipient's click misses the cache and "
            "reaches the origin"
        )
        actions.append(
            f"take {p.unique_keys_from} out of edge.cache.keyedPaths for the landing path (the "
            "page reads them in the browser, not on the server: docs/edge.md)"
        )
    if needed > NO_GO_FACTOR * (settings.fleet.max_size if settings.fleet else 0):
        findings.append(
            f"the origin would need {needed} instances at the peak ({peak.origin_rps:,.0f} "
            f"req/s), more than {NO_GO_FACTOR}x fleet.maxSize"
        )
        no_go = True
    elif needed > p.fleet_max:
        actions.append(f"raise fleet.maxSize to {needed} (peak needs {needed} instances)")
        proposed["maxSize"] = needed
    need = prewarm_needed(p)
    own = p.own_window
    # The campaign's window is the program's (referenced campaign) or hand-written
    # (fleet.campaignWindows entry named after it): advice names the one to change.
    where = (
        f"campaigns/{c.name}.yaml (prewarm"
        if c.name in settings.campaigns
        else f"Pulumi.{p.stack}.yaml (fleet.campaignWindows[{c.name}]"
    )
    if need is not None and own is not None and own.lead_minutes < p.ready_minutes:
        # Launched too late to serve the first minutes: instances boot and warm up first.
        actions.append(
            f"set leadMinutes to at least {p.ready_minutes + 5} in {where}.leadMinutes): its "
            f"instances take {p.ready_minutes} minutes to boot and warm up, and "
            f"{own.lead_minutes} leaves the first minutes without them"
        )
    # Holding more is the answer only when more can be held: a need capped at maxSize while the
    # peak needs more is the maxSize action above.
    capped = needed > p.fleet_max and need is not None and need.instances >= p.fleet_max
    if need is not None and not capped and (own is None or need.instances > own.capacity):
        unless = "unless the cache-key change above is deployed, " if p.unique_keys_from else ""
        at = need.begin.strftime("%Y-%m-%d %H:%M UTC")
        if own is not None:
            how = f"set {'instances' if c.name in settings.campaigns else 'capacity'}: " + (
                f"{need.instances} in {where})"
            )
        elif c.name not in settings.campaigns:
            how = (
                f"add {c.name} to spikeproof:campaigns in Pulumi.{p.stack}.yaml: the program "
                "schedules the pre-warm, a dashboard and the window alarms"
            )
            if c.prewarm.instances == 0:
                how += f"; and remove prewarm.instances: 0 from campaigns/{c.name}.yaml"
        elif c.prewarm.instances == 0:
            how = f"remove prewarm.instances: 0 from campaigns/{c.name}.yaml"
        else:
            how = f"set prewarm.instances: {need.instances} in campaigns/{c.name}.yaml"
        actions.append(f"{unless}hold {need.instances} instances from {at}: {how}")
        proposed |= {"prewarm": need.instances, "prewarmLead": need.lead_minutes}
    if p.overloaded:
        first = p.overloaded[0]
        findings.append(
            f"{len(p.overloaded)} minutes over capacity, from "
            f"{first.at:%H:%M %Z} ({first.origin_rps:,.0f} req/s against "
            f"{first.capacity_rps:,.0f})"
        )
        if need is None and needed <= p.fleet_max:
            # Never GO while the projection overloads the fleet, whatever the cause.
            actions.append(
                f"the fleet is over capacity for {len(p.overloaded)} minutes from "
                f"{first.at:%H:%M %Z}: pre-warm more instances (prewarm.instances) or raise "
                "fleet.maxSize"
            )
    if c.forms and p.form_rate is None:
        findings.append("the campaign uses forms but the stack has no form backend")
        no_go = True
    elif c.forms and p.form_rate is not None:
        unserved = [f for f in c.forms if f not in settings.form_routes]
        if unserved:
            findings.append(
                f"the campaign posts to {', '.join(unserved)}, which the stack's form backend "
                f"does not serve (its routes: {', '.join(settings.form_routes)}): those posts "
                "would all be 404s; fix forms in the campaign file or forms.contactRoute"
            )
            no_go = True
        form_peak = max(m.form_rps for m in p.minutes)
        if form_peak > p.form_rate:
            actions.append(
                f"raise the form throttle to {math.ceil(form_peak * 1.5)} rps "
                f"(forms.throttle.rateLimit; peak {form_peak:.0f} rps)"
            )
        concurrency = math.ceil(form_peak * INGEST_SECONDS * 2)
        if p.ingest_concurrency is not None and concurrency > p.ingest_concurrency:
            actions.append(f"raise forms.ingest.reservedConcurrency to {concurrency}")
    if c.data_access == "replica-read" and p.replica_connections_alarm is not None:
        peak_instances = max(m.instances for m in p.minutes)
        pool = c.replica_connections_per_instance
        per_replica = peak_instances * pool / p.replica_count
        if per_replica > p.replica_connections_alarm:
            replicas_needed = math.ceil(peak_instances * pool / p.replica_connections_alarm)
            proposed["replicas"] = max(proposed.get("replicas", 0), replicas_needed)
            actions.append(
                f"raise spikeproof:replicas.count to {replicas_needed}, or cap the fleet's pool "
                f"at {p.replica_connections_alarm * p.replica_count // peak_instances} "
                "connections "
                f"per instance ({peak_instances} instances x {pool} = {per_replica:,.0f} per "
                f"replica at the peak, above the connections alarm "
                f"{p.replica_connections_alarm}; a new replica takes 30-60 minutes to create)"
            )
    if c.data_access == "replica-read" and c.replica_queries_per_page > 0:
        qps = replica_queries_peak(p)
        capacity = p.replica_query_capacity
        if capacity is None:
            actions.append(
                f"the replicas' query capacity is unknown ({p.replica_capacity_source}): the "
                f"campaign's peak is {qps:,.0f} queries/s per replica"
            )
        elif qps > capacity * REPLICA_TARGET:
            total = qps * p.replica_count
            needed_replicas = math.ceil(total / (capacity * REPLICA_TARGET))
            findings.append(
                f"replica queries peak at {qps:,.0f}/s per replica ({p.replica_count} replicas), "
                f"above {REPLICA_TARGET:.0%} of the {capacity:,.0f}/s one serves "
                f"({p.replica_capacity_source})"
            )
            if needed_replicas > MAX_REPLICAS:
                findings.append(
                    f"{needed_replicas} replicas would be needed and RDS allows {MAX_REPLICAS} per "
                    "primary: cache the pages at the edge or cut replicaQueriesPerPage"
                )
                no_go = True
            else:
                proposed["replicas"] = max(proposed.get("replicas", 0), needed_replicas)
                actions.append(
                    f"raise spikeproof:replicas.count to {needed_replicas} (a new replica takes "
                    "30-60 minutes to create), or cache more of the pages at the edge"
                )
    if p.flood_limit is not None:
        limit, period = p.flood_limit
        per_visitor = sum(k.per_visitor for k in p.kinds)
        if per_visitor > limit:
            actions.append(
                f"raise edge.rateLimits.flood.requestsPerPeriod above {math.ceil(per_visitor * 2)}"
                f" (a visitor makes ~{per_visitor:.0f} requests within {period} s)"
            )
    if no_go:
        return Verdict("NO-GO", EXIT_NO_GO, actions, findings, proposed)
    if actions:
        return Verdict("GO WITH ACTIONS", EXIT_ACTIONS, actions, findings, proposed)
    return Verdict("GO", EXIT_GO, actions, findings, proposed)


REPLICA_TARGET = 0.7
"""Share of a replica's measured capacity a campaign may plan for (headroom for lag and for
queries the campaign did not declare), like the fleet's target utilization."""
MAX_REPLICAS = 15
"""Read replicas per RDS PostgreSQL/MySQL source instance (the RDS quota)."""


def replica_queries_peak(p: Projection) -> float:
    """Peak replica queries per second per replica: origin requests x queries per page."""
    peak_origin = max(m.origin_rps for m in p.minutes)
    return peak_origin * p.campaign.replica_queries_per_page / p.replica_count


@dataclass(frozen=True)
class PrewarmNeed:
    instances: int
    lead_minutes: int
    begin: datetime
    """When the pre-warm runs (UTC): `lead_minutes` before the campaign's start."""


def instances_needed(p: Projection, origin_rps: float) -> int:
    """Instances that carry `origin_rps` at the target utilization."""
    return math.ceil(origin_rps / (p.per_instance_rps * p.target_utilization))


def tracking_only(p: Projection) -> list[int]:
    """In-service instances minute by minute with no pre-warm: minSize, then what target tracking
    asks for `lag_minutes` after the demand it saw, held for SCALE_IN_MINUTES, within maxSize."""
    wanted = [
        instances_needed(p, p.minutes[m - p.lag_minutes].origin_rps) if m >= p.lag_minutes else 0
        for m in range(len(p.minutes))
    ]
    return [
        min(p.fleet_max, max(p.fleet_min, *wanted[max(0, m - SCALE_IN_MINUTES + 1) : m + 1]))
        for m in range(len(p.minutes))
    ]


def prewarm_needed(p: Projection) -> PrewarmNeed | None:
    """The pre-warm that carries every minute target tracking cannot, when the windows in place
    fall short (None: they do not).

    Tracking reacts `lag_minutes` after the demand it sees, so a rising load (the scanner burst
    of a send, the ramp of an ad) runs ahead of it. A minute is short when neither tracking nor
    the pre-warm in service then reaches the instances its demand needs at the target
    utilization; the pre-warm is the most any short minute needs (within maxSize), started
    `lag + 15` minutes before the start so it has booted and warmed up before the first click."""
    tracking = tracking_only(p)
    short = [
        instances_needed(p, minute.origin_rps)
        for minute, tracked in zip(p.minutes, tracking, strict=True)
        if max(tracked, minute.held) < instances_needed(p, minute.origin_rps)
    ]
    instances = min(p.fleet_max, max(short, default=0))
    if instances <= p.fleet_min:
        return None  # nothing to hold above the minimum: only a larger maxSize helps
    lead = p.lag_minutes + PREWARM_MARGIN_MINUTES
    begin = p.campaign.start_utc - timedelta(minutes=lead)
    return PrewarmNeed(instances=instances, lead_minutes=lead, begin=begin)


def campaign_window(
    campaign: Campaign, settings: Settings, stack: str, *, own: Sequence[CampaignWindow]
) -> CampaignWindow | None:
    """The pre-warm window a stack schedules for a campaign it references (None: not needed, or
    turned off with `prewarm.instances: 0`). Written in UTC; named after the campaign."""
    instances = campaign.prewarm.instances
    if instances == 0 or settings.fleet is None:
        return None
    p = project(campaign, settings, stack, windows=own)
    lead = campaign.prewarm.lead_minutes
    if instances is None:
        need = prewarm_needed(p)
        if need is None:
            return None
        instances = need.instances
    if lead is None:
        lead = p.lag_minutes + PREWARM_MARGIN_MINUTES
    return CampaignWindow(
        name=campaign.name,
        start=campaign.start_utc.strftime("%Y-%m-%dT%H:%M"),
        end=campaign.finish.strftime("%Y-%m-%dT%H:%M"),
        time_zone="UTC",
        capacity=instances,
        lead_minutes=lead,
    )


def referenced_campaigns(settings: Settings) -> list[Campaign]:
    """The campaign files the stack references (settings checked they load)."""
    return [load_campaign(name) for name in settings.campaigns]


def stack_windows(
    settings: Settings, stack: str, campaigns: Sequence[Campaign] | None = None
) -> list[CampaignWindow]:
    """Every pre-warm window the stack schedules: `fleet.campaignWindows`, then one per referenced
    campaign that needs it (each sized against the hand-written windows only)."""
    own = own_windows(settings)
    if campaigns is None:
        campaigns = referenced_campaigns(settings)
    extra = [campaign_window(c, settings, stack, own=own) for c in campaigns]
    return [*own, *(w for w in extra if w is not None)]


@dataclass(frozen=True, kw_only=True)
class CampaignFacts:
    """What the projection says about a referenced campaign as the stack deploys it (pre-warm
    included): recorded as tags on the campaign's window alarms for the policy pack and on-call."""

    name: str
    data_access: str
    verdict: str
    peak_origin_rps: float
    capacity_at_peak_rps: float
    overloaded_minutes: int
    prewarm_instances: int
    """Instances a pre-warm holds in service at the start (0: none does)."""
    window_start: datetime
    """Start of the campaign's window (UTC): its own pre-warm action, or its start."""
    start: datetime
    """The campaign's start (UTC)."""
    end: datetime
    """The campaign's end (UTC)."""
    own_prewarm_instances: int = 0
    """The campaign's own pre-warm window's capacity (0: it has none)."""
    own_prewarm_ready: datetime | None = None
    """When that pre-warm is in service (UTC): its action plus boot and warm-up, at the earliest
    the start. The in-service alarm watches from here to the end."""


def campaign_facts(
    campaign: Campaign, settings: Settings, stack: str, windows: Sequence[CampaignWindow]
) -> CampaignFacts:
    p = project(campaign, settings, stack, windows=windows)
    verdict = decide(p, settings)
    start = campaign.start_utc
    own = p.own_window
    begin = window_span(own)[0] if own is not None else start
    ready = max(start, begin + timedelta(minutes=p.ready_minutes))
    return CampaignFacts(
        name=campaign.name,
        data_access=campaign.data_access,
        verdict=verdict.word,
        peak_origin_rps=p.peak.origin_rps,
        capacity_at_peak_rps=p.peak.capacity_rps,
        overloaded_minutes=len(p.overloaded),
        prewarm_instances=p.prewarm,
        window_start=min(begin, start),
        start=start,
        end=campaign.finish,
        own_prewarm_instances=own.capacity if own is not None else 0,
        own_prewarm_ready=ready if own is not None else None,
    )
