"""Campaign pre-flight: `python -m tools.preflight CAMPAIGN --stack NAME [--chart F] [options]`.

Projects a campaign (campaigns/<name>.yaml) against a stack's real settings, minute by minute over
its first hours, and ends with GO, GO WITH ACTIONS or NO-GO plus concrete actions.

The model is forecast/projection.py (docs/campaigns.md has the derivation and sources).

Exit codes: 0 GO, 1 GO WITH ACTIONS, 2 NO-GO (including a `primary-write` campaign), 3 the
campaign or stack file is invalid (a message names the problem).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from forecast.campaigns import prepare
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
)
from settings import Settings, stack_settings
from settings.campaign import iso_duration, load_campaign
from settings.errors import ConfigErrors

__all__ = ["chart", "main", "report"]


def report(p: Projection, verdict: Verdict) -> str:
    c = p.campaign
    peak = p.peak
    lines = [
        f"Pre-flight: {c.name} ({c.channel}, {c.start.isoformat()}, "
        f"{c.duration or iso_duration(c.length)}) on {p.stack}",
        "",
        "Request kinds (edge verdict from the stack's generated rules):",
    ]
    for k in p.kinds:
        lines.append(
            f"  {k.name:28} {k.per_visitor:5.2f}/visitor  {k.verdict:34} "
            f"origin share {k.origin_share:.0%}"
        )
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
        qps = max(m.origin_rps for m in p.minutes) * c.replica_queries_per_page / p.replica_count
        connections = max(m.instances for m in p.minutes) * c.replica_connections_per_instance
        lines.append(
            f"  peak replica queries      {qps:10,.0f} /s per replica ({p.replica_count} "
            f"replicas); {connections / p.replica_count:,.0f} connections each (alarm "
            f"{p.replica_connections_alarm})"
        )
    lines += ["", f"Verdict: {verdict.word}"]
    lines += [f"  - {f}" for f in verdict.findings]
    if verdict.actions:
        lines.append("Actions:")
        lines += [f"  {i}. {a}" for i, a in enumerate(verdict.actions, 1)]
    return "\n".join(lines)


def chart(path: Path, before: Projection, after: Projection | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "spikeproof"  # same projection, same bytes
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5))
    x = [(m.at - before.campaign.start).total_seconds() / 60 for m in before.minutes]
    ax.plot(x, [m.origin_rps for m in before.minutes], color="#c0392b", label="origin demand")
    ax.plot(x, [m.capacity_rps for m in before.minutes], color="#7f8c8d", label="fleet capacity")
    if after is not None:
        ax.plot(
            x, [m.origin_rps for m in after.minutes], color="#27ae60", label="demand, after actions"
        )
        ax.plot(
            x,
            [m.capacity_rps for m in after.minutes],
            color="#2980b9",
            linestyle="--",
            label="capacity, after actions",
        )
    ax.set_xlabel(f"minutes after {before.campaign.start:%Y-%m-%d %H:%M %Z}")
    ax.set_ylabel("origin requests / s")
    ax.set_title(f"{before.campaign.name} on {before.stack}: origin load against fleet capacity")
    ax.legend(loc="center right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(fig)


def _after_actions(
    p: Projection,
    settings: Settings,
    verdict: Verdict,
    *,
    query_ignored: bool,
) -> Projection | None:
    """The projection once the actions are applied (the per-recipient parameters taken out of the
    keyed groups, maxSize and the pre-warm as needed), with the user's own options kept."""
    if verdict.code != EXIT_ACTIONS:
        return None
    needed = max(instances_needed(p, m.origin_rps) for m in p.minutes)
    fixed = project(
        p.campaign, settings, p.stack, query_ignored=query_ignored, unkeyed=p.unique_keys_from,
        max_size=max(p.fleet_max, needed),
    )  # fmt: skip
    need = prewarm_needed(fixed)
    if need is None:
        return fixed
    return project(
        p.campaign, settings, p.stack, query_ignored=query_ignored, unkeyed=p.unique_keys_from,
        max_size=max(p.fleet_max, needed), prewarm=max(need.instances, fixed.prewarm),
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.preflight", description=__doc__)
    parser.add_argument("campaign", help="campaigns/<name>.yaml stem or a path")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--chart", type=Path, help="write a PNG or SVG chart here")
    parser.add_argument(
        "--full-query-key",
        action="store_true",
        help="project with Cloudflare's default cache key (every query parameter kept), to see "
        "what keying pages by path saves",
    )
    args = parser.parse_args(argv)
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
        settings = stack_settings(args.stack)
        prepare(settings, stack=args.stack)  # the stack's own campaigns must be schedulable
        p = project(
            campaign,
            settings,
            args.stack,
            query_ignored=not args.full_query_key,
        )
    except ConfigErrors as exc:
        head = f"{len(exc.errors)} problem(s) in the stack's settings; nothing was projected."
        print(exc.render(head), file=sys.stderr)
        return EXIT_INVALID
    except (ValueError, FileNotFoundError) as exc:
        print(f"preflight: {exc}", file=sys.stderr)
        return EXIT_INVALID
    verdict = decide(p, settings)
    print(report(p, verdict))
    if args.chart:
        after = _after_actions(
            p,
            settings,
            verdict,
            query_ignored=not args.full_query_key,
        )
        chart(args.chart, p, after)
        print(f"\nwrote {args.chart}")
    return verdict.code


if __name__ == "__main__":
    sys.exit(main())
