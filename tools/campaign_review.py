"""The review after a campaign: `python -m tools.campaign_review CAMPAIGN --stack S --log F...`.

    python -m tools.campaign_review spring-coupon-blast --stack prod \\
        --log logpush/*.jsonl --log alb/*.log [--instances cloudwatch.csv] \\
        [--json review.json] [--chart review.svg] [--calibrate]

Reads the campaign window's real logs (Cloudflare Logpush JSON lines for the edge, the ALB's access
log for the origin: the format of each file is detected) and reports actual against forecast,
minute by minute: visitors, the edge's share, the origin's peak and when, form posts, the scanners'
share, the fleet's instances when CloudWatch's export of GroupInServiceInstances is given (CSV:
timestamp, value). Then the click curve and rates that would have matched; `--calibrate` writes
them to campaigns/calibration/<channel>.yaml, which every later pre-flight of that channel uses
(and says it does). Marketing's short version comes first: did it hold, what it cost, what to
change next time. `--json FILE` writes {"forecast", "actual", "calibration"}.

Exit 0, 2 for a bad file (named, with the line), 3 for a bad campaign or stack file.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from forecast.cost import campaign_cost
from forecast.projection import EXIT_INVALID, Projection, project
from forecast.review import Actual, actual, calibrate, coverage, error_of, forecast_summary
from model.prices import PriceError, PriceTable
from model.traffic import LogError, Observed, detect, observe
from settings import stack_settings_in
from settings.campaign import Calibration, calibration_path, load_campaign
from settings.errors import ConfigErrors
from tools.preflight import pyplot, save

EXIT_BAD_LOG = 2


def read_logs(paths: Sequence[Path], host: str) -> tuple[list[Observed], list[Observed] | None]:
    edge: list[Observed] = []
    origin: list[Observed] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise LogError(f"{path}: cannot be read ({exc})") from None
        try:
            try:
                fmt = detect(lines)
            except LogError:
                raise LogError(
                    "the first line is neither Cloudflare Logpush JSON nor an ALB access-log "
                    "entry (the two logs a review reads)"
                ) from None
            if fmt not in ("logpush", "alb"):
                raise LogError(
                    f"a {fmt} log: the review reads Cloudflare Logpush (the edge) and ALB access "
                    "logs (the origin)"
                )
            found = observe(lines, fmt=fmt, default_host=host)
        except LogError as exc:
            raise LogError(f"{path}: {exc}") from None
        (edge if fmt == "logpush" else origin).extend(found)
    return sorted(edge, key=lambda o: o.at), (sorted(origin, key=lambda o: o.at) or None)


def read_instances(path: Path) -> list[tuple[datetime, int]]:
    try:
        return _instances(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise LogError(f"{path}: cannot be read ({exc})") from None


def _instances(path: Path) -> list[tuple[datetime, int]]:
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), 1):
            if not row or row[0].strip().lower() in ("timestamp", "time", "date"):
                continue
            try:
                at = datetime.fromisoformat(row[0].strip().replace("Z", "+00:00"))
                out.append((at if at.tzinfo else at.replace(tzinfo=UTC), int(float(row[1]))))
            except (ValueError, IndexError):
                raise LogError(
                    f"{path} line {number}: expected 'timestamp,value' (CloudWatch's CSV "
                    "export of GroupInServiceInstances)"
                ) from None
    return out


def as_projection(p: Projection, act: Actual) -> Projection:
    """The projection with the actual visitors, origin load and form posts, for the cost."""
    import dataclasses

    minutes = [
        dataclasses.replace(
            m, visitors_rps=a.visitors / 60, origin_rps=a.origin / 60, form_rps=a.forms / 60,
            instances=a.instances if a.instances is not None else m.instances,
        )
        for m, a in zip(p.minutes, act.minutes, strict=True)
    ]  # fmt: skip
    return dataclasses.replace(p, minutes=minutes)


def short_version(
    p: Projection, act: Actual, cost_usd: float | None, cal: Calibration | None
) -> list[str]:
    held = all(a.origin / 60 <= m.capacity_rps for m, a in zip(p.minutes, act.minutes, strict=True))
    peak = act.peak_origin
    lines = [
        f"Did it hold? {'Yes' if held else 'No'}: the origin peaked at {peak.origin / 60:,.1f} "
        f"req/s at {peak.at:%H:%M} UTC, against {p.peak.capacity_rps:,.0f} the fleet carried; "
        f"the edge answered {act.edge_share():.1%} of {sum(m.edge for m in act.minutes):,} "
        "requests.",
        "What it cost: "
        + (f"about ${cost_usd:,.2f} above the monthly bill." if cost_usd is not None else "-"),
    ]
    advice = []
    forecast_peak = max(m.visitors_rps for m in p.minutes) * 60
    if act.peak_visitors.visitors > 1.2 * forecast_peak:
        advice.append(
            f"clicks came faster than forecast ({act.peak_visitors.visitors:,} a minute at the "
            f"peak, {forecast_peak:,.0f} forecast): the calibration makes the next forecast use "
            "this channel's measured curve"
        )
    if act.edge_share() < p.edge_share() - 0.02:
        advice.append(
            f"{1 - act.edge_share():.1%} of requests reached the origin, {1 - p.edge_share():.1%} "
            "forecast: replay these logs through the cache rules (python -m tools.edge_replay "
            "--log ...) to find the parameters that split the cache"
        )
    if cal is not None and cal.form_conversion > 1.5 * p.campaign.form_conversion:
        advice.append(
            f"{cal.form_conversion:.1%} of visitors posted the form "
            f"({p.campaign.form_conversion:.1%} forecast): check the form throttle next time"
        )
    lines.append(
        "What to change next time: "
        + ("; ".join(advice) if advice else "nothing the logs call for.")
    )
    return lines


def chart(path: Path, p: Projection, act: Actual) -> None:
    x = list(range(len(p.minutes)))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.8))
    ax.plot(
        x,
        [m.visitors_rps * 60 for m in p.minutes],
        color="#2980b9",
        linestyle="--",
        label="visitors, forecast",
    )
    ax.plot(x, [a.visitors for a in act.minutes], color="#2980b9", label="visitors, actual")
    ax.plot(
        x,
        [m.origin_rps * 60 for m in p.minutes],
        color="#c0392b",
        linestyle="--",
        label="origin requests, forecast",
    )
    ax.plot(
        x,
        [a.origin for a in act.minutes],
        color="#c0392b",
        label=f"origin requests, actual ({act.origin_source})",
    )
    ax.set_xlabel(f"minutes after {p.campaign.start_utc:%Y-%m-%d %H:%M} UTC")
    ax.set_ylabel("per minute")
    ax.set_title(f"{p.campaign.name} on {p.stack}: forecast against actual")
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    save(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.campaign_review", description=__doc__.split("\n")[0]
    )
    parser.add_argument("campaign")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--config-file", type=Path)
    parser.add_argument(
        "--log", type=Path, action="append", required=True, help="Logpush or ALB log (repeat)"
    )
    parser.add_argument(
        "--instances", type=Path, help="CloudWatch CSV: timestamp,GroupInServiceInstances"
    )
    parser.add_argument("--json", type=Path, dest="json_path")
    parser.add_argument("--chart", type=Path)
    parser.add_argument(
        "--calibrate", action="store_true", help="write campaigns/calibration/<channel>.yaml"
    )
    args = parser.parse_args(argv)  # fmt: skip
    try:
        campaign = load_campaign(args.campaign)
        settings, region = stack_settings_in(args.stack, config_file=args.config_file)
        p = project(campaign, settings, args.stack)
    except ConfigErrors as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_INVALID
    except ValueError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return EXIT_INVALID
    host = settings.edge.hostnames[0] if settings.edge else "localhost"
    try:
        edge, origin = read_logs(args.log, host)
        instances = read_instances(args.instances) if args.instances else []
    except LogError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return EXIT_BAD_LOG
    if not edge:
        print("review: no Logpush lines among the logs: the edge's view is needed", file=sys.stderr)
        return EXIT_BAD_LOG
    act = actual(campaign, edge, origin, instances)
    if act.in_window == 0:
        print(
            f"review: none of the {len(edge):,} Logpush requests falls in the campaign's window "
            f"({campaign.start_utc:%Y-%m-%d %H:%M} to {campaign.finish:%Y-%m-%d %H:%M} UTC): "
            "are these the campaign's logs?",
            file=sys.stderr,
        )
        return EXIT_BAD_LOG
    unfit = coverage(campaign, act, edge)
    cal = calibrate(campaign, act, today=date.today()) if unfit is None else None
    try:
        cost_usd: float | None = campaign_cost(
            as_projection(p, act), settings, region, PriceTable.load()
        ).usd
    except PriceError:
        cost_usd = None
    fc, ac = forecast_summary(p), act.summary(campaign)
    print(f"Review: {campaign.name} on {args.stack}, {campaign.start_utc:%Y-%m-%d %H:%M} UTC")
    print()
    for line in short_version(p, act, cost_usd, cal):
        print(f"  {line}")
    print()
    print(f"  {'':26} {'forecast':>22} {'actual':>22}")
    for key in (
        "peakVisitorsPerSecond",
        "peakAt",
        "edgeShare",
        "originPeakRps",
        "originPeakAt",
        "formPosts",
        "scannerShare",
        "instancesPeak",
    ):
        print(f"  {key:26} {fc.get(key)!s:>22} {ac.get(key)!s:>22}")
    for note in act.notes:
        print(f"  note: {note}")
    doc: dict[str, object] = {"forecast": fc, "actual": ac, "calibration": None}
    if cal is not None:
        calibrated = project(campaign, settings, args.stack)
        doc["calibration"] = cal.model_dump(mode="json", by_alias=True) | {
            "rmsVisitorsPerMinuteBefore": round(error_of(p, act), 3),
        }
        print()
        print(
            f"  calibration ({campaign.channel}): click curve {cal.fast_share:.0%} of clicks with "
            f"a {cal.fast_minutes:g}-minute time constant, click rate {cal.click_rate:.2%}, "
            f"scanners {cal.scanner_share:.1%} of links, forms {cal.form_conversion:.1%} of "
            "visitors"
        )
        if args.calibrate:
            path = calibration_path(campaign.channel)
            path.parent.mkdir(parents=True, exist_ok=True)
            data = cal.model_dump(mode="json", by_alias=True)
            path.write_text(
                f"# Measured by python -m tools.campaign_review {campaign.name} on "
                f"{date.today().isoformat()}; every later {campaign.channel} pre-flight uses it.\n"
                + yaml.safe_dump(data, sort_keys=False),
                encoding="utf-8",
            )
            calibrated = project(campaign, settings, args.stack)
            assert isinstance(doc["calibration"], dict)
            doc["calibration"]["rmsVisitorsPerMinuteAfter"] = round(error_of(calibrated, act), 3)
            print(f"  wrote {path}: the next {campaign.channel} pre-flight forecasts with it")
    if unfit is not None:
        print(f"\n  no calibration: {unfit}" + (" (nothing written)" if args.calibrate else ""))
    if args.json_path:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    if args.chart:
        chart(args.chart, p, act)
        print(f"\n  wrote {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
