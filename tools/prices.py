"""The price table's upkeep: `python -m tools.prices check | update --region R [...]`.

- `check`: the table's age (a warning past model.prices.MAX_AGE_DAYS), its rows per region and the
  rows that rest on an estimate.
- `update --region R [--instance-type T ...] [--db-class C ...] [--dry-run]`: reads EC2 (Linux,
  shared tenancy, on-demand) and RDS (PostgreSQL, Single-AZ, on-demand) hourly prices from the AWS
  Price List Query API (boto3 `pricing` GetProducts, served from us-east-1; credentials needed,
  no particular permission beyond `pricing:GetProducts`) and writes them into model/prices.csv
  with the product's SKU as the source and today as the day read. By default it refreshes every
  instance type and class the table already has for the region, so a new region is added with
  `--region R` plus the types the stacks use. The other AWS rows (requests, storage, alarms) and
  every Cloudflare row are kept by hand, each with its URL: their Price List products have no
  attribute as stable as an instance type to select them by.

Exit 0, 1 when `update` found no price for something asked, 2 for bad input or an API error.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from model.prices import COLUMNS, PRICE_FILE, PriceError, PriceTable, parse

PRICING_REGION = "us-east-1"
"""Where the Price List Query API is served (botocore's endpoints: us-east-1, eu-central-1,
ap-south-1); every region's prices are read from it."""


def _filters(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in pairs.items()]


EC2_FILTERS = {
    "locationType": "AWS Region",  # not a Local or Wavelength Zone of the same region code
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
    "licenseModel": "No License required",
}
RDS_FILTERS = {
    "locationType": "AWS Region",
    "databaseEngine": "PostgreSQL",
    "deploymentOption": "Single-AZ",
}


def on_demand_hourly(item: dict[str, Any]) -> tuple[float, str] | None:
    """(USD an hour, SKU) of a Price List product's on-demand term, None when it has no hourly
    price (a reservation-only or a zero-priced placeholder product)."""
    sku = item.get("product", {}).get("sku", "")
    for term in (item.get("terms", {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            if dimension.get("unit") in ("Hrs", "Hours"):
                usd = float(dimension.get("pricePerUnit", {}).get("USD", "0"))
                if usd > 0:
                    return usd, sku
    return None


def query(client: Any, service: str, filters: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "ServiceCode": service,
            "Filters": _filters(filters),
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if token:
            kwargs["NextToken"] = token
        page = client.get_products(**kwargs)
        items += [json.loads(text) for text in page.get("PriceList", [])]
        token = page.get("NextToken")
        if not token:
            return items


def fetch_rows(
    client: Any, region: str, instance_types: Iterable[str], db_classes: Iterable[str], today: date
) -> tuple[list[dict[str, str]], list[str]]:
    """CSV rows for each type and class in `region`, and what had no price."""
    rows: list[dict[str, str]] = []
    missing: list[str] = []
    wanted = [("ec2", "AmazonEC2", t, EC2_FILTERS) for t in instance_types]
    wanted += [("rds", "AmazonRDS", c, RDS_FILTERS) for c in db_classes]
    for service, code, kind, base in wanted:
        items = query(client, code, {**base, "regionCode": region, "instanceType": kind})
        prices = sorted(p for p in (on_demand_hourly(i) for i in items) if p is not None)
        if not prices:
            missing.append(f"{service} {kind}")
            continue
        if len({usd for usd, _ in prices}) > 1:
            missing.append(f"{service} {kind} (several on-demand prices: {prices}; check by hand)")
            continue
        usd, sku = prices[0]
        rows.append(
            {
                "provider": "aws",
                "service": service,
                "usage": f"instance:{kind}",
                "region": region,
                "unit": "hour",
                "price_usd": f"{usd:g}",
                "tier_start": "0",
                "tier_end": "",
                "source": f"AWS Price List Query API GetProducts {code} sku {sku}",
                "read_on": today.isoformat(),
                "note": f"${usd:g} per hour, on-demand"
                + (" Linux shared tenancy" if service == "ec2" else " PostgreSQL Single-AZ"),
            }
        )
    return rows, missing


def merge(path: Path, fresh: Sequence[dict[str, str]]) -> int:
    """Replace the rows `fresh` prices (same service, usage, region) and add the new ones;
    the file stays sorted. Checked by parsing before it is written: a bad row loses nothing."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = {(r["service"], r["usage"], r["region"]) for r in fresh}
    kept = [r for r in rows if (r["service"], r["usage"], r["region"]) not in keys]
    merged = sorted(
        [*kept, *fresh],
        key=lambda r: (
            r["provider"],
            r["service"],
            r["usage"],
            r["region"],
            float(r["tier_start"] or 0),
        ),
    )
    parse(merged, str(path))  # the new one must too, before anything is written
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(merged)
    tmp.replace(path)
    return len(fresh)


def main(argv: Sequence[str] | None = None, *, client: Any = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.prices", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="the table's age, regions and estimates")
    update = sub.add_parser("update", help="refresh EC2 and RDS hourly prices from AWS")
    update.add_argument("--region", required=True)
    update.add_argument("--instance-type", action="append", default=[])
    update.add_argument("--db-class", action="append", default=[])
    update.add_argument("--dry-run", action="store_true", help="print the rows, write nothing")
    update.add_argument("--file", type=Path, default=PRICE_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "check":
        table = PriceTable.load()
        for region in sorted(table.regions):
            print(f"{region}: {sum(p.region == region for p in table.prices)} rows")
        estimates = [p for p in table.prices if p.estimate]
        print(
            f"{len(table.prices)} rows, {len(estimates)} on an estimate, oldest read {table.oldest}"
        )
        warning = table.stale(date.today())
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        return 0
    try:
        table = PriceTable.load(args.file)
    except (OSError, PriceError) as exc:
        print(f"prices: {exc}", file=sys.stderr)
        return 2

    def usages(prefix: str, service: str) -> list[str]:
        return sorted(
            p.usage.removeprefix("instance:")
            for p in table.prices
            if p.service == service and p.region == args.region and p.usage.startswith(prefix)
        )

    types = args.instance_type or usages("instance:", "ec2")
    classes = args.db_class or usages("instance:", "rds")
    if not types and not classes:
        print(
            f"prices: the table has no instance types for {args.region}: name them with "
            "--instance-type and --db-class",
            file=sys.stderr,
        )
        return 2
    if client is None:
        import boto3

        client = boto3.client("pricing", region_name=PRICING_REGION)
    try:
        rows, missing = fetch_rows(client, args.region, types, classes, date.today())
    except Exception as exc:  # botocore's: no credentials, throttled, denied
        print(f"prices: the AWS Price List Query API failed: {exc}", file=sys.stderr)
        return 2
    for row in rows:
        where = f"{row['service']} {row['usage']} {row['region']}"
        print(f"{where}: ${row['price_usd']} ({row['source']})")
    if not args.dry_run and rows:
        merge(args.file, rows)
        print(f"wrote {len(rows)} rows to {args.file}")
    if missing:
        print(
            f"prices: no on-demand price for {', '.join(missing)} in {args.region}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
