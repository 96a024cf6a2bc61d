"""Ready for the day: account quotas against the projected peak, the lead times that must start
days or hours before go-live, and the waiting room's size against the origin (pure; the quotas
are passed in, documented defaults or read from the account by the pre-flight's `--from-aws`).

Choices:
- A shortfall against a quota read from the account is an action, and NO-GO when its increase can
  no longer be had in time. Against a documented default (offline) it is a finding that asks for
  the account's value, and the verdict stands: accounts differ, most were raised long ago, and an
  offline pre-flight that cried wolf on every run would be ignored.
- Lead times count back from go-live; the verdict compares them with `now`. AWS publishes no
  duration for a quota increase or a replica's creation: those are the project's planning figures
  (model/readiness.py says so on each).
- The waiting room is sized as Cloudflare's best practices say: total active users at most 75% of
  what the origin carries, new users per minute within what the fleet admits. A room whose path
  the origin never serves (static pages) is said to guard nothing the origin feels.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from forecast.cost import lcus
from forecast.projection import (
    EXIT_ACTIONS,
    EXIT_NO_GO,
    INGEST_SECONDS,
    Projection,
    Verdict,
    referenced_campaigns,
    stack_windows,
    window_span,
)
from model.readiness import (
    DYNAMODB_NEW_TABLE_WRITES,
    DYNAMODB_PREWARM_HOURS,
    EC2_ON_DEMAND_STANDARD_VCPUS,
    LAMBDA_CONCURRENCY,
    LAMBDA_UNRESERVED_MINIMUM,
    LCU_RESERVATION_HOURS,
    QUOTA_INCREASE_HOURS,
    REPLICA_CREATE_MINUTES,
    SES_SANDBOX_DAY,
    SES_SANDBOX_RATE,
    STEEP_RAMP_LCU,
    WAITING_ROOM_EVENT_PREQUEUE_MINUTES,
    WAITING_ROOM_MINIMUM,
    WAITING_ROOM_ORIGIN_SHARE,
    Documented,
    api_throttle_default,
)
from settings import Settings

FREEZE_BEFORE = timedelta(hours=2)
"""A prod deploy freeze starts this long before a campaign (or its pre-warm, when earlier): the
last deploy before a launch should have been watched for a while. A project choice."""


@dataclass(frozen=True)
class Quota:
    value: float
    source: str
    read: bool
    """True: read from the account (--from-aws); False: the documented default, assumed."""


@dataclass(frozen=True)
class Quotas:
    ec2_vcpus: Quota
    lambda_concurrency: Quota
    api_rps: Quota
    ses_day: Quota
    ses_rate: Quota
    dynamodb_writes: Quota
    ec2_spot_vcpus: Quota | None = None
    """Spot vCPUs (L-34B43A08): read from the account only; AWS documents no default."""

    @classmethod
    def defaults(cls, region: str) -> Quotas:
        def assumed(d: Documented) -> Quota:
            return Quota(d.value, d.source, read=False)

        return cls(
            ec2_vcpus=assumed(EC2_ON_DEMAND_STANDARD_VCPUS),
            lambda_concurrency=assumed(LAMBDA_CONCURRENCY),
            api_rps=assumed(api_throttle_default(region)),
            ses_day=assumed(SES_SANDBOX_DAY),
            ses_rate=assumed(SES_SANDBOX_RATE),
            dynamodb_writes=assumed(DYNAMODB_NEW_TABLE_WRITES),
        )


@dataclass(frozen=True)
class QuotaLine:
    name: str
    needed: float
    quota: Quota
    unit: str

    @property
    def short(self) -> bool:
        return self.needed > self.quota.value

    def text(self) -> str:
        origin = "read from the account" if self.quota.read else "documented default, assumed"
        state = "SHORT" if self.short else "ok"
        return (
            f"{self.name}: needs {self.needed:,.0f} {self.unit}, quota {self.quota.value:,.0f} "
            f"({origin}) {state}"
        )


@dataclass(frozen=True)
class Step:
    name: str
    lead: timedelta
    source: str
    start_by: datetime
    needed: bool
    in_time: bool
    blocking: bool = True
    """False: the day can go ahead without it (an ALB scales on its own, only less quickly)."""

    def text(self) -> str:
        if not self.needed:
            return f"{self.name}: not needed"
        when = self.start_by.strftime("%Y-%m-%d %H:%M UTC")
        state = "in time" if self.in_time else "TOO LATE"
        return f"{self.name}: start by {when} ({_human(self.lead)} ahead) {state}"


@dataclass(frozen=True)
class RoomEvent:
    """A WaitingRoomEvent the pre-flight proposes for a campaign that opens at a fixed time."""

    name: str
    prequeue_start: datetime
    event_start: datetime
    event_end: datetime
    total_active_users: int
    new_users_per_minute: int
    shuffle_at_event_start: bool = True


@dataclass
class Readiness:
    quotas: list[QuotaLine] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    room: list[str] = field(default_factory=list)
    event: RoomEvent | None = None
    actions: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    no_go: bool = False


def _human(lead: timedelta) -> str:
    hours = lead.total_seconds() / 3600
    if hours >= 48:
        return f"{hours / 24:g} days"
    if hours >= 1:
        return f"{hours:g} h"
    return f"{lead.total_seconds() / 60:g} min"


def origin_requests_per_visit(p: Projection) -> float:
    return sum(k.per_visitor * k.origin_share for k in p.kinds)


def readiness(
    p: Projection,
    verdict: Verdict,
    settings: Settings,
    quotas: Quotas,
    *,
    now: datetime,
    vcpus_of: Callable[[str], int | None],
) -> Readiness:
    """Quotas, lead times and the waiting room for the campaign `p` projects."""
    out = Readiness()
    c = p.campaign
    start = c.start_utc
    fleet = settings.fleet
    read_short: list[str] = []

    # --- quotas against the peak ---------------------------------------------------------------
    if fleet is not None:
        peak_instances = max(m.instances for m in p.minutes)
        proposed = verdict.proposed
        peak_instances = max(peak_instances, proposed.get("prewarm", 0), proposed.get("maxSize", 0))
        sizes = {t: vcpus_of(t) for t in fleet.instance_types}
        known = {t: v for t, v in sizes.items() if v is not None}
        # Several types: any of them may be launched; count the largest.
        kind = max(known, key=lambda t: known[t]) if known else fleet.instance_types[0]
        vcpus = known.get(kind)
        if vcpus is None:
            out.findings.append(f"{kind}'s vCPUs are unknown offline: run with --from-aws")
        else:
            on_demand = peak_instances
            if fleet.spot is not None:
                base = fleet.spot.on_demand_base
                above = max(0, peak_instances - base)
                on_demand = base + math.ceil(above * (100 - fleet.spot.spot_percent) / 100)
            line = QuotaLine(
                f"EC2 On-Demand vCPUs ({on_demand} x {kind}, {vcpus} each)",
                on_demand * vcpus, quotas.ec2_vcpus, "vCPUs",
            )  # fmt: skip
            out.quotas.append(line)
            spot = peak_instances - on_demand
            if spot and quotas.ec2_spot_vcpus is not None:
                out.quotas.append(
                    QuotaLine(
                        f"EC2 Spot vCPUs ({spot} x {kind}, {vcpus} each)",
                        spot * vcpus,
                        quotas.ec2_spot_vcpus,
                        "vCPUs",
                    )
                )
            elif spot:
                out.findings.append(
                    f"EC2 Spot vCPUs: {spot * vcpus} needed at the peak; AWS documents no "
                    "default for the Spot quota (L-34B43A08): --from-aws reads the account's"
                )
    forms = settings.forms
    if forms is not None:
        reserved = forms.ingest.reserved_concurrency + forms.worker.reserved_concurrency
        out.quotas.append(
            QuotaLine(
                "Lambda concurrency (both functions' reserved + 100 kept unreserved)",
                reserved + LAMBDA_UNRESERVED_MINIMUM.value,
                quotas.lambda_concurrency,
                "executions",
            )
        )
        form_peak = max((m.form_rps for m in p.minutes), default=0.0)
        out.quotas.append(
            QuotaLine(
                "HTTP API requests/s (the stage's throttle)",
                max(forms.throttle.rate_limit, form_peak),
                quotas.api_rps,
                "requests/s",
            )
        )
        out.quotas.append(
            QuotaLine(
                "DynamoDB on-demand writes/s (form posts at the peak)",
                form_peak,
                quotas.dynamodb_writes,
                "writes/s",
            )
        )
        ingest = math.ceil(form_peak * INGEST_SECONDS * 2)
        if ingest > forms.ingest.reserved_concurrency:
            out.findings.append(
                f"ingest needs {ingest} concurrent executions at the peak, above its reserved "
                f"{forms.ingest.reserved_concurrency}"
            )
    if c.send_via == "ses" and c.audience is not None:
        out.quotas.append(QuotaLine("SES sends in 24 h", c.audience.size, quotas.ses_day, "emails"))
        out.quotas.append(
            QuotaLine(
                f"SES send rate ({c.audience.size:,} over {c.send_minutes} min)",
                c.audience.size / (c.send_minutes * 60),
                quotas.ses_rate,
                "emails/s",
            )
        )
    for line in out.quotas:
        if not line.short:
            continue
        if line.quota.read:
            read_short.append(line.name)
            out.actions.append(
                f"request a quota increase: {line.name} needs {line.needed:,.0f} {line.unit}, "
                f"the account has {line.quota.value:,.0f}"
            )
        else:
            out.findings.append(
                f"check the account's quota (the pre-flight with --from-aws reads it): "
                f"{line.name} needs {line.needed:,.0f} {line.unit}, above the documented "
                f"default {line.quota.value:,.0f}; an increase takes days"
            )

    # --- lead times, counted back from go-live --------------------------------------------------
    def step(
        name: str, lead: timedelta, source: str, needed: bool, *, blocking: bool = True
    ) -> None:
        start_by = start - lead
        in_time = not needed or now <= start_by
        out.steps.append(Step(name, lead, source, start_by, needed, in_time, blocking))

    step(
        "quota increase requests",
        timedelta(hours=QUOTA_INCREASE_HOURS.value),
        QUOTA_INCREASE_HOURS.source,
        bool(read_short),
    )
    # What needs a deploy must be deployed before the change freeze starts (FREEZE_BEFORE ahead
    # of the campaign or of its pre-warm action): the deploy workflow refuses it after that.
    own = p.own_window
    lead = own.lead_minutes if own is not None else verdict.proposed.get("prewarmLead", 0)
    frozen_from = min(start, start - timedelta(minutes=lead)) - FREEZE_BEFORE
    step(
        "new read replicas (deployed before the change freeze)",
        start - frozen_from + timedelta(minutes=REPLICA_CREATE_MINUTES.value),
        REPLICA_CREATE_MINUTES.source,
        "replicas" in verdict.proposed,
    )
    step(
        "pre-warm schedule deployed (before the change freeze)",
        start - frozen_from,
        "the campaign's pre-warm window (leadMinutes) and the freeze (FREEZE_BEFORE)",
        bool(lead) and (own is not None or "prewarm" in verdict.proposed),
    )
    peak_lcu = max((lcus(m.origin_rps) for m in p.minutes), default=0.0)
    step(
        f"ALB LCU reservation ({math.ceil(peak_lcu)} LCUs at the peak)",
        timedelta(hours=LCU_RESERVATION_HOURS.value),
        LCU_RESERVATION_HOURS.source,
        peak_lcu > STEEP_RAMP_LCU,
        blocking=False,
    )
    form_peak = max((m.form_rps for m in p.minutes), default=0.0)
    step(
        "DynamoDB warm throughput",
        timedelta(hours=DYNAMODB_PREWARM_HOURS.value),
        DYNAMODB_PREWARM_HOURS.source,
        form_peak > quotas.dynamodb_writes.value,
    )
    hours_left = (start - now).total_seconds() / 3600
    for s in out.steps:
        if s.needed and not s.in_time and s.blocking:
            out.no_go = True
            out.findings.append(
                f"NO-GO: the {s.name} needs {_human(s.lead)}; go-live is in "
                f"{_human(timedelta(hours=max(0.0, hours_left)))}"
            )
        elif s.needed and not s.in_time:
            out.findings.append(
                f"too late for the {s.name} ({_human(s.lead)}): the load balancer scales on its "
                "own, more slowly; watch the 5xx and response-time alarms from the start"
            )
        elif s.needed and s.name.startswith("ALB LCU"):
            out.actions.append(
                f"reserve ALB capacity ({math.ceil(peak_lcu)} LCUs) by "
                f"{s.start_by:%Y-%m-%d %H:%M UTC}: the origin ramps from idle to its peak "
                "faster than a load balancer scales on its own"
            )

    # --- the waiting room -----------------------------------------------------------------------
    _room(p, settings, out)
    return out


def _room(p: Projection, settings: Settings, out: Readiness) -> None:
    edge = settings.edge
    if edge is None:
        return
    room = edge.waiting_room
    per_visit = origin_requests_per_visit(p)
    peak = p.peak
    overloaded = bool(p.overloaded) or peak.origin_rps > peak.capacity_rps
    session = room.session_duration_minutes
    if per_visit <= 0:
        if room.enabled:
            out.room.append(
                f"the room guards {room.path}, whose pages never reach the origin (static or "
                "cached): it protects nothing the origin would feel; size it for the edge alone"
            )
        return
    capacity_rps = min(m.capacity_rps for m in p.minutes)
    # A visit's origin requests come within its first minute: the origin's load is new users a
    # minute x origin requests a visit / 60, so new users a minute are held to 75% of what the
    # fleet carries (Cloudflare's rule for the room's size, applied to its admission rate too),
    # and the room's total is what those admissions add up to over a session.
    floor = int(WAITING_ROOM_MINIMUM.value) + 1
    admits = math.floor(WAITING_ROOM_ORIGIN_SHARE.value * capacity_rps * 60 / per_visit)
    if admits < floor:
        out.findings.append(
            f"75% of what the fleet carries admits {admits} new users a minute, below the "
            f"{floor} a Cloudflare room allows at least: a room cannot protect this origin; "
            "raise fleet.minSize or serve the landing pages statically"
        )
    per_minute = max(floor, admits)
    total = max(floor, per_minute * session)
    basis = (
        f"the fleet's {capacity_rps:,.0f} req/s at its smallest in the window, "
        f"{per_visit:.2f} origin requests a visit, {session}-minute sessions"
    )
    if room.enabled and edge.plan not in ("business", "enterprise"):
        out.actions.append(
            f"the zone's {edge.plan} plan has no Waiting Room (Business and up): upgrade it, or "
            "the room cannot be created"
        )
    if room.enabled:
        active = room.total_active_users or 0
        new = room.new_users_per_minute or 0
        out.room.append(
            f"new users per minute {new:,} against {per_minute:,} (75% of what the origin "
            f"carries: {basis})"
        )
        out.room.append(
            f"total active users {active:,} against {total:,} (those admissions over a "
            f"{session}-minute session)"
        )
        if active > total or new > per_minute:
            out.actions.append(
                f"lower the waiting room to totalActiveUsers: {total}, newUsersPerMinute: "
                f"{per_minute} (edge.waitingRoom; {basis})"
            )
    elif overloaded:
        plan_note = (
            ""
            if edge.plan in ("business", "enterprise")
            else f"; it needs the Business plan (the zone is on {edge.plan}, which has no room)"
        )
        out.actions.append(
            "add a waiting room in front of the landing pages: spikeproof:edge.waitingRoom: "
            f"{{enabled: true, path: {room.path}, totalActiveUsers: {total}, "
            f"newUsersPerMinute: {per_minute}}} ({basis}){plan_note}"
        )
    if (room.enabled or overloaded) and p.campaign.channel in ("email", "ads"):
        start = p.campaign.start_utc
        event = RoomEvent(
            name=f"{p.campaign.name}-open",
            prequeue_start=start - timedelta(minutes=15),
            event_start=start,
            event_end=p.campaign.finish,
            total_active_users=total,
            new_users_per_minute=per_minute,
        )
        if room.advanced:
            out.event = event
            out.room.append(
                f"pre-queue proposed (WaitingRoomEvent {event.name}): prequeue from "
                f"{event.prequeue_start:%H:%M} UTC, open {event.event_start:%H:%M} UTC, shuffle "
                f"at the start (at least {WAITING_ROOM_EVENT_PREQUEUE_MINUTES.value:g} minutes "
                "of prequeue, Cloudflare)"
            )
        else:
            out.room.append(
                "a pre-queue for the fixed opening (WaitingRoomEvent) needs Waiting Room "
                "Advanced, an Enterprise add-on: without it, the first minute's arrivals are "
                "queued in order of arrival"
            )


def with_readiness(verdict: Verdict, ready: Readiness) -> Verdict:
    actions = [*verdict.actions, *ready.actions]
    findings = [*verdict.findings, *ready.findings]
    if ready.no_go or verdict.code == EXIT_NO_GO:
        return Verdict("NO-GO", EXIT_NO_GO, actions, findings, verdict.proposed)
    if actions:
        return Verdict("GO WITH ACTIONS", EXIT_ACTIONS, actions, findings, verdict.proposed)
    return Verdict(verdict.word, verdict.code, actions, findings, verdict.proposed)


__all__ = [
    "Quota",
    "Quotas",
    "Readiness",
    "readiness",
    "with_readiness",
]


@dataclass(frozen=True)
class Freeze:
    name: str
    start: datetime
    end: datetime


def freezes(
    campaigns: list[tuple[str, datetime, datetime]], windows: list[tuple[str, datetime, datetime]]
) -> list[Freeze]:
    """The change-freeze windows (UTC): each referenced campaign (name, start, end) and each
    pre-warm window (name, its action's time, its end), from FREEZE_BEFORE ahead to the end."""
    out = [Freeze(n, a - FREEZE_BEFORE, b) for n, a, b in campaigns]
    out += [Freeze(n, a - FREEZE_BEFORE, b) for n, a, b in windows]
    return sorted(out, key=lambda f: f.start)


def stack_freezes(settings: Settings, stack: str) -> list[Freeze]:
    """Every change freeze the stack's campaigns and pre-warm windows call for."""
    campaigns = [(c.name, c.start_utc, c.finish) for c in referenced_campaigns(settings)]
    windows = [(w.name, *window_span(w)) for w in stack_windows(settings, stack)]
    return freezes(campaigns, windows)
