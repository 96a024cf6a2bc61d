"""What a campaign adds to a stack's bill, from its projection (pure: the price table is passed in).

Priced minute by minute from forecast/projection.py:
- instances in service above the stack's standing fleet (minSize: the monthly bill's), their
  root volumes and detailed-monitoring metrics included, and the pre-warm's lead before the start
  (instances held from the pre-warm action, `lead` minutes ahead);
- origin bytes out (to Cloudflare, billed as data transfer out) and the ALB's LCU-hours above
  the one LCU the monthly bill assumes;
- form posts: HTTP API requests, the ingest function (one invocation a post, its configured memory
  for INGEST_SECONDS), the worker (one invocation a batch), SQS calls (send, receive, delete:
  three a post, batching aside), DynamoDB writes (one unit a post) and, when the mailing list is
  SES, one contact-list call a post;
- the Waiting Room where the stack has one (the plan's entitlement: $0 within it).

Free tiers are not applied (the account's, shared). Spot instances are priced at the on-demand
rate as a ceiling. Everything else a campaign touches is cached at the edge (no per-request
charge on Cloudflare's plans) or is in the monthly bill already.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from forecast.projection import (
    EXIT_ACTIONS,
    EXIT_NO_GO,
    INGEST_SECONDS,
    Projection,
    Verdict,
    project,
)
from model.prices import PriceTable
from settings import Settings

ORIGIN_RESPONSE_BYTES = 60_000
"""Average bytes an origin response carries (a compressed page or a marketing asset): an
assumption, stated on the line; the landing pages the static site serves never reach it."""
WORKER_SECONDS = 0.5
"""Worker invocation time for a batch (a list API call per message): an assumption."""
SQS_CALLS_PER_POST = 3
LCU_GB_PER_HOUR = 1.0
"""An LCU processes 1 GB an hour for EC2 targets (Elastic Load Balancing pricing)."""
LCU_NEW_CONNECTIONS = 25.0
NEW_CONNECTION_SHARE = 0.1
"""Share of origin requests that open a new connection: Cloudflare reuses its origin
connections, so most requests ride an open one (an assumption, stated)."""
GB = 1_000_000_000
HOURS_PER_MONTH = 730.0
ROOT_VOLUME_GIB = 20.0
"""Each instance's gp3 root volume (components/fleet.py's launch template)."""
DETAILED_METRICS = 7
"""EC2 detailed monitoring's metrics an instance, billed as custom metrics (CloudWatch pricing)."""


@dataclass(frozen=True)
class CostLine:
    what: str
    quantity: float
    unit: str
    usd: float
    assumption: str = ""
    estimate: bool = False


@dataclass
class CampaignCost:
    lines: list[CostLine] = field(default_factory=list)

    @property
    def usd(self) -> float:
        return sum(line.usd for line in self.lines)

    @property
    def estimate(self) -> bool:
        return any(line.estimate for line in self.lines)

    def json(self) -> dict[str, object]:
        return {
            "currency": "USD",
            "usd": round(self.usd, 2),
            "lines": [
                {
                    "what": x.what,
                    "quantity": round(x.quantity, 4),
                    "unit": x.unit,
                    "usd": round(x.usd, 2),
                    "assumption": x.assumption,
                    "estimate": x.estimate,
                }
                for x in self.lines
            ],
        }


def lcus(origin_rps: float) -> float:
    """The ALB's capacity units at an origin load: the larger of its processed-bytes and
    new-connections dimensions (the other two stay below these for a marketing site)."""
    bytes_dimension = origin_rps * ORIGIN_RESPONSE_BYTES * 3600 / GB / LCU_GB_PER_HOUR
    connections = origin_rps * NEW_CONNECTION_SHARE / LCU_NEW_CONNECTIONS
    return max(bytes_dimension, connections)


def standing_fleet(settings: Settings) -> int:
    """The fleet the monthly bill counts: minSize, where target tracking holds it at rest (the
    projection's floor too; desiredCapacity is only the group's first size)."""
    return settings.fleet.min_size if settings.fleet is not None else 0


def _add(
    out: CampaignCost,
    table: PriceTable,
    region: str,
    service: str,
    usage: str,
    quantity: float,
    what: str,
    assumption: str = "",
) -> None:
    if quantity <= 0:
        return
    rate = table.rate(service, usage, region)
    usd = table.charge(service, usage, region, quantity)
    out.lines.append(CostLine(what, quantity, rate.unit, usd, assumption, rate.estimate))


def campaign_cost(
    p: Projection, settings: Settings, region: str, table: PriceTable
) -> CampaignCost:
    """The incremental USD of the campaign on the stack (in `region`), line by line."""
    out = CampaignCost()
    fleet = settings.fleet
    if fleet is not None and p.minutes:
        kind = fleet.instance_types[0]
        base = standing_fleet(settings)
        extra_minutes = sum(max(0, m.instances - base) for m in p.minutes)
        lead = p.own_window.lead_minutes if p.own_window is not None else 0
        held = max(0, p.minutes[0].held - base)
        if held and lead:
            _add(
                out,
                table,
                region,
                "ec2",
                f"instance:{kind}",
                held * lead / 60,
                f"pre-warm: {held} x {kind} for the {lead} min before the start",
            )
        spot = " (spot priced at on-demand, a ceiling)" if fleet.spot else ""
        _add(
            out,
            table,
            region,
            "ec2",
            f"instance:{kind}",
            extra_minutes / 60,
            f"{kind} above the standing {base}: scale-out and pre-warm in the window{spot}",
            "minute by minute from the projection; instances scaled in after the window "
            "are not counted",
        )
        instance_months = (extra_minutes + held * lead) / 60 / HOURS_PER_MONTH
        _add(
            out,
            table,
            region,
            "ebs",
            "gp3-storage",
            ROOT_VOLUME_GIB * instance_months,
            f"their {ROOT_VOLUME_GIB:g} GiB root volumes",
        )
        _add(
            out,
            table,
            region,
            "cloudwatch",
            "custom-metric",
            DETAILED_METRICS * instance_months,
            f"their detailed monitoring ({DETAILED_METRICS} metrics each, pro-rated)",
        )
        origin_requests = sum(m.origin_rps for m in p.minutes) * 60
        gb = origin_requests * ORIGIN_RESPONSE_BYTES / GB
        _add(
            out,
            table,
            region,
            "datatransfer",
            "internet-out",
            gb,
            f"origin bytes out to the edge: {origin_requests:,.0f} responses",
            f"{ORIGIN_RESPONSE_BYTES / 1000:g} kB a response (assumed)",
        )
        lcu_hours = sum(max(0.0, lcus(m.origin_rps) - 1.0) / 60 for m in p.minutes)
        _add(
            out,
            table,
            region,
            "elb",
            "alb-lcu",
            lcu_hours,
            "ALB capacity units above the one the monthly bill assumes",
            f"processed bytes and new connections ({NEW_CONNECTION_SHARE:.0%} of requests)",
        )
    edge = settings.edge
    if edge is not None and edge.waiting_room is not None and edge.waiting_room.enabled:
        rate = table.rate("waiting-room", f"included:{edge.plan}", region)
        out.lines.append(
            CostLine(
                f"Waiting Room in front of {edge.waiting_room.path} ({edge.plan} plan)",
                1,
                rate.unit,
                0.0,
                "the plan's included room: no charge per visitor queued",
                rate.estimate,
            )
        )
    forms = settings.forms
    if forms is not None and p.campaign.forms:
        posts = sum(m.form_rps for m in p.minutes) * 60
        ingest_gb_s = posts * INGEST_SECONDS * forms.ingest.memory_mb / 1024
        batches = math.ceil(posts / forms.worker.batch_size)
        worker_gb_s = batches * WORKER_SECONDS * forms.worker.memory_mb / 1024
        _add(
            out,
            table,
            region,
            "apigateway",
            "http-api-requests",
            posts,
            f"{posts:,.0f} form posts: HTTP API",
        )
        _add(
            out,
            table,
            region,
            "lambda",
            "requests",
            posts + batches,
            "ingest and worker invocations",
        )
        _add(
            out,
            table,
            region,
            "lambda",
            "gb-second-arm64",
            ingest_gb_s + worker_gb_s,
            f"GB-seconds: ingest {forms.ingest.memory_mb} MB x {INGEST_SECONDS:g} s, worker "
            f"{forms.worker.memory_mb} MB x {WORKER_SECONDS:g} s a batch of "
            f"{forms.worker.batch_size}",
        )
        _add(
            out,
            table,
            region,
            "sqs",
            "standard-requests",
            posts * SQS_CALLS_PER_POST,
            "SQS send, receive and delete",
        )
        _add(
            out,
            table,
            region,
            "dynamodb",
            "write-request-units",
            posts,
            "subscriber writes (1 unit each)",
        )
        if forms.mailing_list.kind == "ses":
            _add(out, table, region, "ses", "contact-list-calls", posts, "SES contact-list calls")
    return out


def replica_cost(
    settings: Settings, region: str, table: PriceTable, replicas: int, hours: float
) -> float | None:
    """USD of `replicas` more replicas for `hours` (None: the class is not known offline)."""
    klass = settings.replicas.instance_class
    if klass is None:
        return None
    return table.charge("rds", f"instance:{klass}", region, replicas * hours)


REPLICA_LEAD_HOURS = 1.0
"""A replica added for a campaign is created about an hour ahead (RDS: 30-60 minutes)."""


def action_costs(
    p: Projection, verdict: Verdict, settings: Settings, region: str, table: PriceTable
) -> list[tuple[str, float | None]]:
    """What each change the verdict proposes would add to the campaign's cost (USD; negative: a
    saving), each priced by projecting the campaign again with only that change."""
    base = campaign_cost(p, settings, region, table).usd
    out: list[tuple[str, float | None]] = []

    def again(**changes: object) -> float:
        options: dict[str, object] = {"query_ignored": p.query_ignored, **changes}
        moved = project(p.campaign, settings, p.stack, **options)  # type: ignore[arg-type]
        return campaign_cost(moved, settings, region, table).usd - base

    if p.unique_keys_from:
        out.append(
            (
                f"take {', '.join(p.unique_keys_from)} out of the cache key",
                # With the default key (every parameter kept), the action is the path-only key.
                again(unkeyed=p.unique_keys_from, query_ignored=True),
            )
        )
    if "maxSize" in verdict.proposed:
        size = verdict.proposed["maxSize"]
        out.append((f"raise fleet.maxSize to {size}", again(max_size=size)))
    if "prewarm" in verdict.proposed:
        instances = verdict.proposed["prewarm"]
        lead = verdict.proposed.get("prewarmLead", 0)
        held = max(0, instances - standing_fleet(settings))
        kind = settings.fleet.instance_types[0] if settings.fleet else None
        lead_usd = (
            table.charge("ec2", f"instance:{kind}", region, held * lead / 60) if kind else 0.0
        )
        size = max(verdict.proposed.get("maxSize", 0), p.fleet_max)
        out.append(
            (
                f"pre-warm {instances} instances {lead} min ahead",
                again(prewarm=instances, max_size=size) + lead_usd,
            )
        )
    if "replicas" in verdict.proposed:
        more = max(0, verdict.proposed["replicas"] - settings.replicas.count)
        hours = p.campaign.length.total_seconds() / 3600 + REPLICA_LEAD_HOURS
        out.append(
            (
                f"{more} more replica(s) for the campaign ({hours:g} h)",
                replica_cost(settings, region, table, more, hours),
            )
        )
    return out


def budget_verdict(verdict: Verdict, cost: CampaignCost, settings: Settings) -> Verdict:
    """NO-GO when the campaign costs more than spikeproof:budget.campaignUsd: a ceiling the owner
    set is not the engineers' to overrun (raise it, or change the campaign)."""
    budget = settings.budget
    if budget is None or budget.campaign_usd is None or cost.usd <= budget.campaign_usd:
        return verdict
    finding = (
        f"the campaign costs ${cost.usd:,.2f} on this stack, over its ceiling of "
        f"${budget.campaign_usd:,.2f} (spikeproof:budget.campaignUsd)"
    )
    action = (
        "the owner raises spikeproof:budget.campaignUsd, or the campaign changes (serve its "
        "pages statically: spikeproof:site.paths; a smaller audience or send)"
    )
    return Verdict(
        "NO-GO",
        EXIT_NO_GO,
        [*verdict.actions, action],
        [*verdict.findings, finding],
        verdict.proposed,
    )


def unpriced_verdict(verdict: Verdict, reason: str, settings: Settings) -> Verdict:
    """The campaign could not be priced (a type or region the table lacks): with a campaign
    ceiling set, pricing it becomes an action (the ceiling cannot be checked until then)."""
    budget = settings.budget
    if budget is None or budget.campaign_usd is None:
        return verdict
    action = (
        f"price the campaign before it runs: {reason}; spikeproof:budget.campaignUsd "
        f"(${budget.campaign_usd:,.2f}) cannot be checked until then"
    )
    if verdict.code == EXIT_NO_GO:
        return Verdict(verdict.word, verdict.code, [*verdict.actions, action], verdict.findings)
    return Verdict(
        "GO WITH ACTIONS", EXIT_ACTIONS, [*verdict.actions, action], verdict.findings,
        verdict.proposed,
    )  # fmt: skip
