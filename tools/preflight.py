"""Campaign pre-flight: `python -m tools.preflight CAMPAIGN --stack NAME [--chart F] [options]`.

Projects a campaign (campaigns/<name>.yaml) against a stack's real settings, minute by minute over
its first hours, and ends with GO, GO WITH ACTIONS or NO-GO plus concrete actions.

The model is forecast/projection.py (docs/campaigns.md has the derivation and sources).

Exit codes: 0 GO, 1 GO WITH ACTIONS, 2 NO-GO (including a `primary-write` campaign), 3 the
campaign or stack file is invalid (a message names the problem), 4 an internal error (reported
without a traceback: please report it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from forecast.campaigns import prepare
from forecast.cost import (
    CampaignCost,
    action_costs,
    budget_verdict,
    campaign_cost,
    unpriced_verdict,
)
from forecast.levels import Variant, cheapest, variants
from forecast.projection import (
    EXIT_ACTIONS,
    EXIT_INVALID,
    EXIT_NO_GO,
    Projection,
    Verdict,
    decide,
    instances_needed,
    prewarm_needed,
    project,
    referenced_campaigns,
    replica_queries_peak,
)
from forecast.readiness import (
    FREEZE_BEFORE,
    Quotas,
    Readiness,
    readiness,
    stack_freezes,
    with_readiness,
)
from model.prices import PriceError, PriceTable
from settings import Settings, stack_settings_in
from settings.campaign import Campaign, campaign_path, iso_duration, load_campaign
from settings.errors import ConfigErrors
from settings.files import stack_file_label

__all__ = ["chart", "main", "report"]

EXIT_INTERNAL = 4


def cost_lines(
    cost: CampaignCost, actions: Sequence[tuple[str, float | None]], price_date: str
) -> list[str]:
    """The campaign's incremental cost and each proposed change's, for the report."""
    mark = "~" if cost.estimate else ""
    lines = [
        "",
        f"Cost of the campaign on the stack: ${cost.usd:,.2f}{mark} (USD, prices read "
        f"{price_date}, model/prices.csv; free tiers not applied)",
    ]
    for x in cost.lines:
        lines.append(
            f"  {x.what:70} {x.quantity:>14,.6g} {x.unit[:12]:12} ${x.usd:>10,.2f}"
            + ("~" if x.estimate else "")
        )
    if actions:
        lines.append("  What each proposed change would cost:")
        for what, usd in actions:
            shown = (
                "unknown offline" if usd is None else f"{'+' if usd >= 0 else '-'}${abs(usd):,.2f}"
            )
            lines.append(f"    {what}: {shown}")
    if cost.estimate:
        lines.append("  ~: rests on an estimated price (model/prices.csv says why)")
    return lines


def primary_facts(stack: str, config_file: Path | None) -> dict[str, object]:
    """The primary as the offline plan's answers give it (its class is the replicas' when the
    stack file sets none; its storage is theirs): {} when the stack reads no primary."""
    from settings.files import load_stack_config
    from tools.engine.answers import AnswerError, derive, primary_answer

    try:
        config, _secrets, _project = load_stack_config(stack, config_file=config_file)
        return primary_answer(derive(stack, config))
    except (AnswerError, ConfigErrors, OSError):
        return {}


def variant_lines(found: Sequence[Variant]) -> list[str]:
    lines = [
        "",
        "Which level does it need? Cheaper variants of the stack, re-checked (savings count each "
        "replica's and instance's own lines; `python -m tools.cost --config-file` gives the "
        "exact bill):",
    ]
    for v in found:
        state = f"refused: {v.refused}" if v.refused else v.verdict
        lines.append(f"  {v.name}: saves ${v.monthly_saving_usd:,.2f} a month, {state}")
        lines.append(f"      {v.change}")
    best = cheapest(list(found))
    if best is None:
        lines.append("  Cheapest still GO: the stack as it is (no cheaper variant keeps it GO)")
    else:
        saving = f"${best.monthly_saving_usd:,.2f} a month less"
        lines.append(f"  Cheapest still GO: {best.name}, {saving} ({best.change})")
    return lines


def _utc(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time (2027-03-09T06:00:00+00:00)"
        ) from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset: write +00:00 or Z")
    return when.astimezone(UTC)


def readiness_lines(ready: Readiness) -> list[str]:
    lines = ["", "Readiness: account quotas against the peak"]
    lines += [f"  {q.text()}" for q in ready.quotas]
    lines += [f"      source: {q.quota.source}" for q in ready.quotas if q.short]
    lines += ["Lead times, counted back from go-live:"]
    lines += [f"  {s.text()}" for s in ready.steps]
    planned = sorted({s.source for s in ready.steps if s.needed})
    lines += [f"      source: {source}" for source in planned]
    if ready.room:
        lines += ["Waiting room:"] + [f"  {r}" for r in ready.room]
    return lines


def readiness_json(ready: Readiness) -> dict[str, object]:
    return {
        "quotas": [
            {"name": q.name, "needed": round(q.needed, 3), "unit": q.unit,
             "quota": q.quota.value, "read": q.quota.read, "source": q.quota.source,
             "short": q.short}
            for q in ready.quotas
        ],
        "timeline": [
            {"step": s.name, "needed": s.needed, "leadHours": s.lead.total_seconds() / 3600,
             "startBy": s.start_by.isoformat(), "inTime": s.in_time, "source": s.source}
            for s in ready.steps
        ],
        "waitingRoom": ready.room,
        "waitingRoomEvent": None if ready.event is None else {
            "name": ready.event.name,
            "prequeueStartTime": ready.event.prequeue_start.isoformat(),
            "eventStartTime": ready.event.event_start.isoformat(),
            "eventEndTime": ready.event.event_end.isoformat(),
            "totalActiveUsers": ready.event.total_active_users,
            "newUsersPerMinute": ready.event.new_users_per_minute,
            "shuffleAtEventStart": ready.event.shuffle_at_event_start,
        },
    }  # fmt: skip


def scorecard(
    campaign: Campaign,
    settings: Settings,
    stack: str,
    region: str,
    verdict: Verdict,
    ready: Readiness,
    cost: CampaignCost | None,
) -> list[tuple[str, str, bool | None]]:
    """The readiness scorecard's rows (item, detail, ready / None: check / missing): who, what
    to watch, when to roll back, the levers, the change freeze, who outside needs notice."""

    referenced = campaign.name in settings.campaigns
    dashboard = f"spikeproof-{settings.environment}-campaign-{campaign.name}"
    url = (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#dashboards/dashboard/{dashboard}"
    )
    start = campaign.start_utc
    frozen = [f for f in stack_freezes(settings, stack) if f.name == campaign.name]
    freeze_from = frozen[0].start if frozen else start - FREEZE_BEFORE
    rows: list[tuple[str, str, bool | None]] = [
        ("Owner (marketing)", campaign.owner, True),
        ("On call (engineering)", campaign.on_call or "none named (campaign file: onCall)",
         campaign.on_call is not None),
        ("Escalation", ", ".join(campaign.escalation) or "none named (campaign file: escalation)",
         bool(campaign.escalation)),
        ("Dashboard", f"[{dashboard}]({url})" if referenced else
         f"none: add {campaign.name} to spikeproof:campaigns in Pulumi.{stack}.yaml", referenced),
        ("Rollback triggers", f"the window alarms `campaign-{campaign.name}-window-*` (5xx rate, "
         "response time, capacity, queue age, replica lag): docs/runbooks/alarms.md", referenced),
        ("Levers", "cache more (an edge rule), raise the rate limits (edge.rateLimits), queue "
         "everyone at the edge (lower the waiting room's active users), raise the fleet's "
         "minimum, roll back the site version (docs/runbooks/campaign-day.md, docs/site.md); "
         "inside the freeze each is a manual deploy with a reason", True),
        ("Change freeze", f"no `pulumi up` of {stack} from {freeze_from:%Y-%m-%d %H:%M} to "
         f"{campaign.finish:%Y-%m-%d %H:%M} UTC unless overridden with a reason "
         "(the deploy workflow runs python -m tools.freeze)" if referenced else
         f"none: the freeze follows spikeproof:campaigns in Pulumi.{stack}.yaml", referenced),
        ("Third parties", "; ".join(f"{t.name}: {t.notice}" for t in campaign.third_parties)
         or "none named (campaign file: thirdParties)", bool(campaign.third_parties)),
        ("Quotas", "; ".join(q.text() for q in ready.quotas if q.short) or "within the peak",
         False if any(q.short and q.quota.read for q in ready.quotas)
         else None if any(q.short for q in ready.quotas) else True),
        ("Lead times", "; ".join(s.text() for s in ready.steps if s.needed) or "none needed",
         all(s.in_time or not s.blocking for s in ready.steps)),
        ("Cost", f"${cost.usd:,.2f} incremental" if cost is not None else "not priced",
         cost is not None),
    ]  # fmt: skip
    return rows


def scorecard_markdown(
    campaign: Campaign, stack: str, verdict: Verdict, rows: list[tuple[str, str, bool | None]]
) -> str:
    def mark(ok: bool | None) -> str:
        return "check" if ok is None else "ready" if ok else "**missing**"

    start = campaign.start_utc
    out = [
        f"## Readiness scorecard: `{campaign.name}` on {stack}",
        "",
        f"Verdict: **{verdict.word}**. Go-live {start:%Y-%m-%d %H:%M} UTC.",
        "",
        "| item | status | detail |",
        "| --- | --- | --- |",
    ]
    for item, detail, ok in rows:
        cell = str(detail).replace("|", "\\|").replace("\n", " ")
        out.append(f"| {item} | {mark(ok)} | {cell} |")
    if verdict.actions:
        out += ["", "Actions:", *(f"{i}. {a}" for i, a in enumerate(verdict.actions, 1))]
    return "\n".join(out) + "\n"


def report(
    p: Projection,
    verdict: Verdict,
    source: str | None = None,
    cost: Sequence[str] = (),
) -> str:
    c = p.campaign
    peak = p.peak
    lines = [
        f"Pre-flight: {c.name} ({c.channel}, {c.start.isoformat()}, "
        f"{c.duration or iso_duration(c.length)}) on {p.stack}",
        *([f"  from {source}"] if source else []),
        "",
        "Request kinds (edge verdict from the stack's generated rules):",
    ]
    for k in p.kinds:
        lines.append(
            f"  {k.name:28} {k.per_visitor:5.2f}/visitor  {k.verdict:34} "
            f"origin share {k.origin_share:.0%}"
        )
    lines.append(f"  click curve and rates: {p.calibration}")
    visitors_peak = max(m.visitors_rps for m in p.minutes)
    scanner_peak = max(m.scanner_rps for m in p.minutes)
    lines += [
        "",
        f"  peak visitors             {visitors_peak:10,.0f} /s   "
        f"(+ scanners {scanner_peak:,.0f} /s in the send)",
        f"  peak edge requests        {max(m.edge_rps for m in p.minutes):10,.0f} /s",
        f"  answered by the edge      {p.edge_share():10.2%}",
        f"  peak origin requests      {peak.origin_rps:10,.0f} /s   at {peak.at:%H:%M}",
        f"  fleet at that minute      {peak.instances:10d} instances = "
        f"{peak.capacity_rps:,.0f} req/s (min {p.fleet_min}, max {p.fleet_max}, "
        f"pre-warm {p.prewarm}, scale-out lag {p.lag_minutes} min)",
        f"  minutes over capacity     {len(p.overloaded):10d}",
    ]
    if p.form_rate is not None and c.forms:
        lines.append(
            f"  peak form submissions     {max(m.form_rps for m in p.minutes):10,.1f} /s   "
            f"(throttle {p.form_rate:g} rps, burst {p.form_burst})"
        )
    elif c.forms:
        lines.append("  forms: no form backend configured in this stack")
    if c.data_access == "replica-read":
        qps = replica_queries_peak(p)
        connections = max(m.instances for m in p.minutes) * c.replica_connections_per_instance
        capacity = (
            f"{p.replica_query_capacity:,.0f} /s each, {p.replica_capacity_source}"
            if p.replica_query_capacity is not None
            else p.replica_capacity_source
        )
        lines.append(
            f"  peak replica queries      {qps:10,.0f} /s per replica ({p.replica_count} "
            f"replicas; capacity {capacity})"
        )
        lines.append(
            f"  replica connections       {connections / p.replica_count:10,.0f} each   (alarm "
            f"{p.replica_connections_alarm})"
        )
    lines += list(cost)
    lines += ["", f"Verdict: {verdict.word}"]
    lines += [f"  - {f}" for f in verdict.findings]
    if verdict.actions:
        lines.append("Actions:")
        lines += [f"  {i}. {a}" for i, a in enumerate(verdict.actions, 1)]
    return "\n".join(lines)


def chart(
    path: Path,
    before: Projection,
    after: Projection | None,
    verdict: Verdict | None = None,
    changes: Sequence[str] = (),
    cost_usd: float | None = None,
) -> None:
    """Origin demand against fleet capacity (shaded where demand is over it), and beside it form
    submissions against the API's throttle; the verdict in the title. With `after`, the same
    projection once the actions are applied, its legend naming each change it assumes."""
    plt = pyplot()
    c = before.campaign
    forms = bool(c.forms) and before.form_rate is not None
    fig, axes = plt.subplots(
        1, 2 if forms else 1, figsize=(14 if forms else 10, 4.8), squeeze=False,
        gridspec_kw={"width_ratios": [2, 1]} if forms else None,
    )  # fmt: skip
    ax = axes[0][0]
    x = [(m.at - c.start).total_seconds() / 60 for m in before.minutes]
    demand = [m.origin_rps for m in before.minutes]
    capacity = [m.capacity_rps for m in before.minutes]
    # The edge's requests beside the origin's: a campaign the edge absorbs shows its spike
    # absorbed (a tall edge curve over a flat origin), not two flat lines.
    ax.plot(
        x, [m.edge_rps for m in before.minutes], color="#f39c12", linestyle=":",
        label=f"edge requests (Cloudflare answers {before.edge_share():.1%})",
    )  # fmt: skip
    ax.plot(x, demand, color="#c0392b", label="origin demand")
    ax.plot(x, capacity, color="#7f8c8d", label="fleet capacity")
    over = [d > k for d, k in zip(demand, capacity, strict=True)]
    if any(over):
        ax.fill_between(
            x, capacity, demand, where=over, interpolate=True, color="#e74c3c", alpha=0.25,
            label=f"demand over capacity ({sum(over)} min)",
        )  # fmt: skip
    if after is not None:
        assumed = "; ".join(changes) if changes else "the actions"
        ax.plot(
            x, [m.origin_rps for m in after.minutes], color="#27ae60",
            label=_wrap_label(f"demand after: {assumed}"),
        )  # fmt: skip
        ax.plot(
            x, [m.capacity_rps for m in after.minutes], color="#2980b9", linestyle="--",
            label=_wrap_label(f"capacity after: {assumed}"),
        )  # fmt: skip
    ax.set_xlabel(f"minutes after {c.start:%Y-%m-%d %H:%M %Z}")
    ax.set_ylabel("requests / s")
    ax.set_title("edge and origin load against fleet capacity")
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    if forms:
        fx = axes[0][1]
        submissions = [m.form_rps for m in before.minutes]
        throttle = float(before.form_rate or 0)
        fx.plot(x, submissions, color="#8e44ad", label="form submissions")
        fx.axhline(throttle, color="#7f8c8d", label=f"API throttle ({throttle:g} rps)")
        above = [v > throttle for v in submissions]
        if any(above):
            fx.fill_between(
                x, [throttle] * len(x), submissions, where=above, interpolate=True,
                color="#e74c3c", alpha=0.25, label="over the throttle (429s)",
            )  # fmt: skip
        fx.set_xlabel("minutes after the start")
        fx.set_ylabel("submissions / s")
        fx.set_title(f"forms: {', '.join(c.forms)}")
        fx.legend(loc="upper right", fontsize="small")
        fx.grid(alpha=0.3)
    word = verdict.word if verdict is not None else ""
    costs = f" (campaign cost ${cost_usd:,.2f})" if cost_usd is not None else ""
    fig.suptitle(
        f"{c.name} on {before.stack}" + (f": {word}" if word else "") + costs, fontweight="bold"
    )
    save(fig, path)


def pyplot() -> Any:
    """matplotlib's pyplot, set for files: no display, and an SVG that is the same bytes for the
    same figure (a fixed hash salt) with its text kept as text (searchable, readable)."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "spikeproof"
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: Path) -> None:
    """Lay out, write (an SVG without its creation date, so reruns compare equal) and close."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(fig)


def _wrap_label(text: str, width: int = 60) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _after_actions(
    p: Projection,
    settings: Settings,
    verdict: Verdict,
    *,
    query_ignored: bool,
) -> tuple[Projection | None, list[str]]:
    """The projection once the actions are applied (the per-recipient parameters taken out of the
    keyed groups, maxSize and the pre-warm as needed), with the user's own options kept, and the
    changes it assumes, for the chart's legend."""
    if verdict.code != EXIT_ACTIONS:
        return None, []
    changes: list[str] = []
    if p.unique_keys_from:
        changes.append(f"{', '.join(p.unique_keys_from)} out of the cache key")
    needed = max(instances_needed(p, m.origin_rps) for m in p.minutes)
    max_size = max(p.fleet_max, needed)
    if max_size > p.fleet_max:
        changes.append(f"maxSize {p.fleet_max} -> {max_size}")
    fixed = project(
        p.campaign, settings, p.stack, query_ignored=query_ignored, unkeyed=p.unique_keys_from,
        max_size=max_size,
    )  # fmt: skip
    need = prewarm_needed(fixed)
    if need is None:
        return fixed, changes
    prewarm = max(need.instances, fixed.prewarm)
    if prewarm > p.prewarm:
        changes.append(f"pre-warm {prewarm} instances {need.lead_minutes} min ahead")
    return project(
        p.campaign, settings, p.stack, query_ignored=query_ignored, unkeyed=p.unique_keys_from,
        max_size=max_size, prewarm=prewarm,
    ), changes  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except Exception as exc:  # a bug here, not bad input: said so, without a traceback
        from tools.plan import program_error

        print(f"preflight: internal error, please report it: {program_error(exc)}", file=sys.stderr)
        return EXIT_INTERNAL


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.preflight", description=__doc__)
    parser.add_argument("campaign", help="campaigns/<name>.yaml stem or a path")
    parser.add_argument("--stack", required=True)
    parser.add_argument(
        "--config-file", type=Path, help="stack file to use instead of Pulumi.<stack>.yaml"
    )
    parser.add_argument("--chart", type=Path, help="write a PNG or SVG chart here")
    parser.add_argument(
        "--full-query-key",
        action="store_true",
        help="project with Cloudflare's default cache key (every query parameter kept), to see "
        "what keying pages by path saves",
    )
    parser.add_argument(
        "--json", type=Path, dest="json_path",
        help="write the verdict, actions, projection peaks and costs here",
    )  # fmt: skip
    parser.add_argument(
        "--from-aws", action="store_true",
        help="read the account's quotas and instance sizes (credentials for the stack's account "
        "and region); offline, documented defaults are assumed and said to be",
    )  # fmt: skip
    parser.add_argument(
        "--now", help="the time lead times are judged at (ISO 8601 with offset; default: now)"
    )
    parser.add_argument(
        "--scorecard", type=Path, help="write the readiness scorecard (Markdown) here"
    )
    args = parser.parse_args(argv)
    try:
        now = _utc(args.now) if args.now else datetime.now(UTC)
    except argparse.ArgumentTypeError as exc:  # exit 3 (invalid input), never NO-GO's 2
        print(f"preflight: --now {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.chart is not None and args.chart.suffix.lower() not in (".png", ".svg"):
        print(
            f"preflight: --chart {args.chart}: the chart is written as .png or .svg; name the "
            "file so (e.g. --chart out/spring.svg)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        campaign = load_campaign(args.campaign)
    except ConfigErrors as exc:
        head = f"{len(exc.errors)} problem(s) in the campaign file; nothing was projected."
        print(exc.render(head), file=sys.stderr)
        if any(e.key_path == "dataAccess" and e.value == "primary-write" for e in exc.errors):
            print("\nVerdict: NO-GO (primary-write is never allowed)", file=sys.stderr)
            return EXIT_NO_GO
        return EXIT_INVALID
    try:
        settings, region = stack_settings_in(args.stack, config_file=args.config_file)
        prepare(settings, stack=args.stack)  # the stack's own campaigns must be schedulable
        p = project(
            campaign,
            settings,
            args.stack,
            query_ignored=not args.full_query_key,
        )
    except ConfigErrors as exc:
        head = (
            f"{len(exc.errors)} problem(s) in the stack's settings (or the channel's "
            "calibration file); nothing was projected."
        )
        print(exc.render(head), file=sys.stderr)
        return EXIT_INVALID
    except (ValueError, FileNotFoundError) as exc:
        print(f"preflight: {exc}", file=sys.stderr)
        return EXIT_INVALID
    verdict = decide(p, settings)
    table = PriceTable.load()
    cost: CampaignCost | None = None
    changes: list[tuple[str, float | None]] = []
    unpriced = ""
    try:
        cost = campaign_cost(p, settings, region, table)
        changes = action_costs(p, verdict, settings, region, table)
    except PriceError as exc:  # a type or region the table lacks: the verdict still stands
        unpriced = str(exc)
    verdict = (
        budget_verdict(verdict, cost, settings)
        if cost is not None
        else unpriced_verdict(verdict, unpriced, settings)
    )
    try:
        primary = primary_facts(args.stack, args.config_file)
        found = variants(
            campaign, settings, args.stack, region, table,
            replica_class=settings.replicas.instance_class
            or (str(primary["dbInstanceClass"]) if primary.get("dbInstanceClass") else None),
            replica_storage_gib=float(str(primary.get("allocatedStorage") or 0)),
            replica_storage_type=str(primary.get("storageType") or "gp3"),
            referenced=referenced_campaigns(settings),
        )  # fmt: skip
    except (ConfigErrors, ValueError) as exc:
        print(f"preflight: the cheaper variants could not be judged: {exc}", file=sys.stderr)
        found = []
    if args.from_aws:
        from tools.quotas import from_aws, vcpus_from_aws

        table_name = f"spikeproof-{settings.environment}-forms-subscribers"
        quotas = from_aws(region, table_name=table_name if settings.forms else None)
        vcpus_of = vcpus_from_aws(region)
    else:
        from tools.quotas import vcpus_offline

        quotas, vcpus_of = Quotas.defaults(region), vcpus_offline
    ready = readiness(p, verdict, settings, quotas, now=now, vcpus_of=vcpus_of)
    verdict = with_readiness(verdict, ready)
    warning = table.stale(date.today())
    if warning:
        print(f"preflight: warning: {warning}", file=sys.stderr)
    stack_file = args.config_file or stack_file_label(args.stack)
    shown_cost = (
        (
            cost_lines(cost, changes, table.oldest.isoformat())
            if cost is not None
            else ["", f"Cost of the campaign on the stack: not priced: {unpriced}"]
        )
        + variant_lines(found)
        + readiness_lines(ready)
    )
    print(report(p, verdict, f"{campaign_path(args.campaign)} and {stack_file}", shown_cost))
    # The scorecard projects the stack's campaigns again for the freeze: only when asked for.
    wanted = args.json_path is not None or args.scorecard is not None
    rows = scorecard(campaign, settings, args.stack, region, verdict, ready, cost) if wanted else []
    if args.json_path:
        doc = {
            "campaign": campaign.name,
            "stack": args.stack,
            "verdict": verdict.word,
            "code": verdict.code,
            "findings": verdict.findings,
            "actions": verdict.actions,
            "peakOriginRps": round(p.peak.origin_rps, 3),
            "edgeShare": round(p.edge_share(), 6),
            "overloadedMinutes": len(p.overloaded),
            "cost": (
                cost.json() | {"priceDate": table.oldest.isoformat()}
                if cost is not None
                else {"error": unpriced}
            ),
            "variants": [
                {
                    "name": v.name,
                    "change": v.change,
                    "verdict": v.verdict,
                    "monthlySavingUsd": round(v.monthly_saving_usd, 2),
                    "refused": v.refused,
                }
                for v in found
            ],
            "cheapest": (lambda b: b and b.name)(cheapest(found)),
            "readiness": readiness_json(ready)
            | {
                "scorecard": [
                    {
                        "item": item,
                        "detail": detail,
                        "status": "check" if ok is None else "ready" if ok else "missing",
                    }
                    for item, detail, ok in rows
                ]
            },
            "actionCosts": [
                {"change": what, "usd": None if usd is None else round(usd, 2)}
                for what, usd in changes
            ],
        }
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if args.scorecard:
        card = scorecard_markdown(campaign, args.stack, verdict, rows)
        args.scorecard.parent.mkdir(parents=True, exist_ok=True)
        args.scorecard.write_text(card, encoding="utf-8")
        print(f"\nwrote {args.scorecard}")
    if args.chart:
        after, chart_changes = _after_actions(
            p,
            settings,
            verdict,
            query_ignored=not args.full_query_key,
        )
        try:
            chart(args.chart, p, after, verdict, chart_changes, cost.usd if cost else None)
        except OSError as exc:
            print(f"preflight: could not write the chart to {args.chart}: {exc}", file=sys.stderr)
            return EXIT_INVALID
        print(f"\nwrote {args.chart}")
    return verdict.code


if __name__ == "__main__":
    sys.exit(main())
