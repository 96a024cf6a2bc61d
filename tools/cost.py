"""What a stack costs a month: `python -m tools.cost --stack NAME [--json FILE] [--diff BASE.json]`.

Runs the stack's offline plan (tools/engine/mockrun.py, no cloud), prices every registered
resource with the rules in policies/costing.py at the prices in model/prices.csv, and prints the
bill line by line, as Infracost does for Terraform: the resource, what is counted, the unit
price, the monthly USD and the assumption where use decides. Every line names its price's
source; lines resting on an estimated price are marked `~`.

`--json FILE` writes {"stack", "region", "currency", "priceDate", "monthlyUsd", "lines": [...]}.
`--diff BASE.json` compares with an earlier `--json` (the pull-request workflow's cost diff) and
writes the Markdown to `--diff-report FILE`.

Exit 0, or 2 with a message (bad stack file, a region or resource the table cannot price).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from model.prices import PriceError, PriceTable, Rate
from policies.costing import HOURS_PER_MONTH, Facts, Line, Resource, Unpriced, price, total
from settings import Settings, stack_settings_in
from settings.errors import ConfigErrors
from tools.engine.answers import GET_INSTANCE
from tools.engine.mockrun import PlanError, PlanResult, plain, run_program

EXIT_OK, EXIT_ERROR = 0, 2


@dataclass(frozen=True)
class RegionSheet:
    """The table's prices for one region (and the global ones): the rules' Sheet."""

    table: PriceTable
    region: str

    def rate(self, service: str, usage: str) -> Rate:
        return self.table.rate(service, usage, self.region)


@dataclass(frozen=True)
class Bill:
    stack: str
    region: str
    price_date: date
    lines: list[Line]

    @property
    def monthly_usd(self) -> float:
        return total(self.lines)

    def json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "region": self.region,
            "currency": "USD",
            "priceDate": self.price_date.isoformat(),
            "monthlyUsd": round(self.monthly_usd, 2),
            "hoursPerMonth": HOURS_PER_MONTH,
            "lines": [line.json() for line in self.lines],
        }


def facts_of(result: PlanResult, settings: Settings) -> Facts:
    primary = next(
        (i.get("result") or {} for i in result.invokes if i["token"] == GET_INSTANCE),
        {},
    )
    return Facts(
        cloudflare_plan=settings.edge.plan if settings.edge else None,
        replica_storage_gib=primary.get("allocatedStorage"),
        replica_storage_type=str(primary.get("storageType") or "gp3"),
    )


def resources_of(result: PlanResult) -> list[Resource]:
    return [Resource(r.urn, r.type, plain(r.inputs)) for r in result.resources]


def bill(
    stack: str,
    *,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    table: PriceTable | None = None,
) -> Bill:
    """The stack's monthly bill from its offline plan. Raises ConfigErrors, PlanError,
    PriceError or Unpriced with a message for the user."""
    table = table or PriceTable.load()
    settings, region = stack_settings_in(stack, config_file=config_file, overrides=overrides)
    table.check_region(region)  # before the plan: a region with no rows fails fast
    result = run_program(stack, config_file=config_file, overrides=overrides)
    lines = price(resources_of(result), RegionSheet(table, region), facts_of(result, settings))
    used = {line.source for line in lines if line.source}
    dates = [p.read_on for p in table.prices if p.source in used] or [table.oldest]
    return Bill(stack=stack, region=region, price_date=min(dates), lines=lines)


LEVELS = {
    "1 quick fix (checklist, alarms into #marketing-eng-sync)": (
        "aws:cloudwatch/", "aws:sns/", "aws:chatbot/", "aws:kms/",
    ),
    "3 headless (static site, serverless forms)": (
        "aws:apigatewayv2/", "aws:lambda/", "aws:sqs/", "aws:dynamodb/", "aws:secretsmanager/",
        "aws:sesv2/", "cloudflare:index/worker", "cloudflare:index/turnstileWidget",
    ),
}  # fmt: skip
LEVEL_2 = "2 isolate and scale (replicas, fleet, load balancer, CDN)"


def level_of(line: Line) -> str:
    """The seed's level a line belongs to: alarms and their delivery are the quick fix, the
    static site and the form backend are headless, everything else isolates and scales."""
    for level, prefixes in LEVELS.items():
        if line.type.startswith(prefixes):
            return level
    return LEVEL_2


def by_level(b: Bill) -> dict[str, float]:
    out = {level: 0.0 for level in (*LEVELS, LEVEL_2)}
    for line in b.lines:
        if line.in_total:
            out[level_of(line)] += line.monthly_usd
    return dict(sorted(out.items()))


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _money(usd: float) -> str:
    return f"${usd:,.2f}"


def render(b: Bill) -> str:
    out = [
        f"Stack {b.stack} ({b.region}): monthly cost, {HOURS_PER_MONTH:g} h, prices read "
        f"{b.price_date.isoformat()} (model/prices.csv)",
        "",
        f" {'Name':62} {'Quantity':>14} {'Unit':24} {'Monthly':>11}",
    ]
    by_resource: dict[str, list[Line]] = {}
    for line in b.lines:
        by_resource.setdefault(line.urn, []).append(line)
    free: list[str] = []
    by_use: list[str] = []
    notes: list[str] = []
    for urn, lines in by_resource.items():
        priced = [x for x in lines if x.quantity]
        for x in lines:
            if not x.quantity and x.unit_price_usd:
                by_use.append(
                    f"{_short(urn)}: {x.what} (${x.unit_price_usd:.10g} per {x.unit})"
                    + ("~" if x.estimate else "")
                )
        if not priced:
            if not any(x.unit_price_usd for x in lines):
                free.append(f"{_short(urn)} ({lines[0].type.split(':')[-1]}): {lines[0].what}")
            continue
        out.append(f" {_short(urn)} ({lines[0].type})")
        for i, x in enumerate(priced):
            branch = "└─" if i == len(priced) - 1 else "├─"
            mark = "~" if x.estimate else " "
            shown = _money(x.monthly_usd) if x.in_total else f"({_money(x.monthly_usd)})"
            out.append(
                f" {branch} {x.what[:58]:59} {x.quantity:>14,.6g} {x.unit[:24]:24} "
                f"{shown:>11}{mark}"
            )
            if x.assumption:
                notes.append(f"{_short(urn)}: {x.what}: {x.assumption}")
    out += [
        "",
        f" {'OVERALL TOTAL (monthly)':101} {_money(b.monthly_usd):>11}",
        "",
        " (parenthesised): not in the total: one-off windows and the network the stack needs "
        "but does not create.",
        " ~: rests on an estimated price (model/prices.csv says why).",
        "",
        f" {len(by_use)} billed by use ($0 at rest; a campaign's use is priced by the pre-flight):",
        *(f"   {u}" for u in by_use),
        "",
        f" {len(free)} resources at $0:",
        *(f"   {f}" for f in free),
        "",
        " Assumptions:",
        *(f"   {n}" for n in notes),
    ]
    sources = sorted({x.source for x in b.lines if x.source})
    out += ["", " Sources:", *(f"   {s}" for s in sources)]
    return "\n".join(out)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Markdown: the monthly total before and after and every line whose cost changed."""

    def keyed(doc: Mapping[str, Any]) -> dict[tuple[str, str], float]:
        lines: dict[tuple[str, str], float] = {}
        for x in doc.get("lines", []):
            if x.get("inTotal", True):
                key = (x["urn"], x["what"])
                lines[key] = lines.get(key, 0.0) + float(x["monthlyUsd"])
        return lines

    a, b = keyed(before), keyed(after)
    old, new = float(before.get("monthlyUsd", 0)), float(after.get("monthlyUsd", 0))
    change = new - old
    sign = "+" if change >= 0 else "-"
    rows = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key, 0.0), b.get(key, 0.0)
        if abs(x - y) >= 0.005:
            rows.append(
                f"| `{_short(key[0])}` | {key[1]} | {_money(x) if key in a else '-'} | "
                f"{_money(y) if key in b else '-'} | {'+' if y >= x else '-'}{_money(abs(y - x))} |"
            )
    text = [
        f"**{after.get('stack')}**: {_money(old)} → {_money(new)} a month "
        f"({sign}{_money(abs(change))})",
        "",
    ]
    if rows:
        text += ["| resource | what | before | after | change |", "| --- | --- | --- | --- | --- |"]
        text += rows
    else:
        text.append("No line changed.")
    return "\n".join(text) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.cost", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--stack", required=True)
    parser.add_argument(
        "--config-file", type=Path, help="stack file instead of Pulumi.<stack>.yaml"
    )
    parser.add_argument("--json", type=Path, dest="json_path", help="write the bill as JSON here")
    parser.add_argument("--diff", type=Path, help="an earlier --json to compare with")
    parser.add_argument("--diff-report", type=Path, help="write the diff's Markdown here")
    parser.add_argument(
        "--by-level", action="store_true", help="also total the bill by the seed's three levels"
    )
    args = parser.parse_args(argv)
    try:
        table = PriceTable.load()
        b = bill(args.stack, config_file=args.config_file, table=table)
    except ConfigErrors as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_ERROR
    except (PlanError, PriceError, Unpriced) as exc:
        print(f"cost: {exc}", file=sys.stderr)
        return EXIT_ERROR
    warning = table.stale(date.today())
    if warning:
        print(f"cost: warning: {warning}", file=sys.stderr)
    print(render(b))
    doc = b.json()
    if args.by_level:
        print("\n By the seed's levels (monthly):")
        for level, usd in by_level(b).items():
            print(f"   level {level:70} {_money(usd):>11}")
        doc["byLevel"] = {level: round(usd, 2) for level, usd in by_level(b).items()}
    if args.json_path:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if args.diff:
        if not args.diff.exists():
            # The base commit could not be priced (it predates the tool, or its plan failed):
            # said so, never shown as a bill that grew from $0.
            text = (
                f"**{doc['stack']}**: {_money(b.monthly_usd)} a month; the base commit could "
                "not be priced, so there is nothing to compare with.\n"
            )
        else:
            try:
                before = json.loads(args.diff.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                print(f"cost: --diff {args.diff}: not a cost JSON ({exc})", file=sys.stderr)
                return EXIT_ERROR
            text = diff(before, doc)
        if args.diff_report:
            args.diff_report.write_text(text, encoding="utf-8")
        print("\n" + text)
    return EXIT_OK


__all__ = ["Bill", "bill", "diff", "main", "render"]

if __name__ == "__main__":
    sys.exit(main())
