"""The price table: what one unit of each priced thing costs, as data (model/prices.csv), never
as code. Pure: reading the CSV shipped beside this module is its only I/O.

One row per priced unit and tier: provider, service, usage (`instance:m7g.large`,
`http-api-requests`), region (`global` for prices that do not vary), unit (singular: hour,
request, GB-month), the USD price of one unit, the monthly tier it applies to (`tier_start` up to
`tier_end`, blank: unbounded), the source (a URL or a named document) and the day it was read,
and a note (the published wording; `free tier: ...` on a free tier's row; `estimate: why` where
the price could not be verified, which every line resting on it repeats).

Choices:
- Free tiers are rows, stated with their terms, and never applied by default: a free tier is the
  account's, shared with everything else in it, so a stack's bill or a campaign's cost cannot
  count on it. `charge(..., free_tier=True)` applies it where a caller knows it may.
- A region with no rows is an error that names the region and the refresh command, never $0.
- Staleness is a warning (`stale`), never an error: a build must not break on the calendar.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PRICE_FILE = Path(__file__).with_name("prices.csv")
COLUMNS = (
    "provider",
    "service",
    "usage",
    "region",
    "unit",
    "price_usd",
    "tier_start",
    "tier_end",
    "source",
    "read_on",
    "note",
)
MAX_AGE_DAYS = 120
"""Older than this, the tools say the table should be refreshed (AWS changes prices a few times a
year; `python -m tools.prices update` refreshes the AWS rows)."""
GLOBAL = "global"
UPDATE_COMMAND = "python -m tools.prices update --region {region}"
CLOUDFLARE_SERVICES = frozenset(
    {"plans", "workers", "waiting-room", "cache-reserve", "turnstile", "tiered-cache", "argo"}
)


class PriceError(ValueError):
    """A price the table does not have, or a table row that is not a price."""


@dataclass(frozen=True)
class Price:
    provider: str
    service: str
    usage: str
    region: str
    unit: str
    usd: float
    tier_start: float
    tier_end: float | None
    source: str
    read_on: date
    note: str

    @property
    def estimate(self) -> bool:
        return self.note.lower().startswith("estimate")

    @property
    def free_tier(self) -> bool:
        """A free tier or an included allowance: $0 up to a bound, paid above it."""
        return self.usd == 0 and (self.tier_end is not None or "free tier" in self.note.lower())


@dataclass(frozen=True)
class Rate:
    """The price one line is charged at: the first paid tier (free tiers not applied)."""

    usd: float
    unit: str
    source: str
    read_on: date
    estimate: bool
    note: str


def _number(text: str, where: str, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise PriceError(f"{where}: {column} {text!r} is not a number") from None
    if value < 0:
        raise PriceError(f"{where}: {column} {text!r} is negative")
    return value


def parse(rows: Iterable[dict[str, str]], label: str) -> list[Price]:
    """Rows of the CSV as prices; every row must name its source and the day it was read."""
    prices = []
    for number, row in enumerate(rows, start=2):
        where = f"{label} line {number}"
        missing = [c for c in COLUMNS if row.get(c) is None]
        if missing:
            raise PriceError(f"{where}: missing columns {', '.join(missing)}")
        for column in ("provider", "service", "usage", "region", "unit", "price_usd", "source"):
            if not row[column].strip():
                raise PriceError(f"{where}: {column} is empty (every price names its source)")
        try:
            read_on = date.fromisoformat(row["read_on"].strip())
        except ValueError:
            raise PriceError(
                f"{where}: read_on {row['read_on']!r} is not a date (YYYY-MM-DD): every price "
                "says when it was read"
            ) from None
        start = _number(row["tier_start"] or "0", where, "tier_start")
        end = _number(row["tier_end"], where, "tier_end") if row["tier_end"].strip() else None
        if end is not None and end <= start:
            raise PriceError(f"{where}: tier_end {end:g} is not above tier_start {start:g}")
        prices.append(
            Price(
                provider=row["provider"].strip(),
                service=row["service"].strip(),
                usage=row["usage"].strip(),
                region=row["region"].strip(),
                unit=row["unit"].strip(),
                usd=_number(row["price_usd"], where, "price_usd"),
                tier_start=start,
                tier_end=end,
                source=row["source"].strip(),
                read_on=read_on,
                note=row["note"].strip(),
            )
        )
    return prices


class PriceTable:
    def __init__(self, prices: Sequence[Price]) -> None:
        self.prices = list(prices)
        self._by_key: dict[tuple[str, str, str], list[Price]] = {}
        for p in self.prices:
            self._by_key.setdefault((p.service, p.usage, p.region), []).append(p)
        for tiers in self._by_key.values():
            tiers.sort(key=lambda p: p.tier_start)

    @classmethod
    def load(cls, path: Path = PRICE_FILE) -> PriceTable:
        with path.open(encoding="utf-8", newline="") as handle:
            return cls(parse(csv.DictReader(handle), str(path)))

    @property
    def regions(self) -> set[str]:
        return {p.region for p in self.prices} - {GLOBAL}

    @property
    def oldest(self) -> date:
        return min(p.read_on for p in self.prices)

    def stale(self, today: date) -> str | None:
        """A warning when the oldest row is older than MAX_AGE_DAYS (None: fresh enough)."""
        age = (today - self.oldest).days
        if age <= MAX_AGE_DAYS:
            return None
        return (
            f"the price table's oldest row was read {self.oldest.isoformat()} ({age} days ago): "
            f"refresh it with `python -m tools.prices update` (model/prices.csv)"
        )

    def check_region(self, region: str) -> None:
        if region not in self.regions:
            raise PriceError(
                f"model/prices.csv has no prices for region {region} (it has "
                f"{', '.join(sorted(self.regions))}): add the instance types and classes the "
                f"stack uses with `{UPDATE_COMMAND.format(region=region)} --instance-type T "
                "--db-class C`, and the other rows by hand with their sources (copy "
                "eu-west-1's rows as the list of what is needed); a stack is never priced at $0 "
                "by omission"
            )

    def tiers(self, service: str, usage: str, region: str) -> list[Price]:
        tiers = self._by_key.get((service, usage, region)) or self._by_key.get(
            (service, usage, GLOBAL)
        )
        if not tiers:
            self.check_region(region)
            command = UPDATE_COMMAND.format(region=region)
            if usage.startswith("instance:"):
                flag = "--db-class" if service == "rds" else "--instance-type"
                how = f"`{command} {flag} {usage.removeprefix('instance:')}`"
            elif usage == "plan:enterprise":
                how = (
                    "a row written by hand with your contract's monthly price (Enterprise is "
                    "priced by quote; cloudflare.com/plans publishes none)"
                )
            elif service in CLOUDFLARE_SERVICES:
                how = "a row written by hand with its source URL (Cloudflare's prices)"
            else:
                how = "a row written by hand with its source URL (AWS's pricing page)"
            raise PriceError(
                f"model/prices.csv has no price for {service} {usage} in {region}: add it with "
                f"{how}"
            )
        return tiers

    def rate(self, service: str, usage: str, region: str) -> Rate:
        """The first paid tier's price (a free tier is the account's, not this line's)."""
        tiers = self.tiers(service, usage, region)
        paid = next((p for p in tiers if not p.free_tier), tiers[-1])
        return Rate(
            usd=paid.usd,
            unit=paid.unit,
            source=paid.source,
            read_on=paid.read_on,
            estimate=any(p.estimate for p in tiers),
            note=paid.note,
        )

    def charge(
        self, service: str, usage: str, region: str, quantity: float, *, free_tier: bool = False
    ) -> float:
        """USD for `quantity` units in a month, tier by tier. Without `free_tier`, a free tier's
        band is charged at the next tier's price."""
        tiers = self.tiers(service, usage, region)
        total = 0.0
        for index, tier in enumerate(tiers):
            if quantity <= tier.tier_start:
                break
            upper = quantity if tier.tier_end is None else min(quantity, tier.tier_end)
            price = tier.usd
            if tier.free_tier and not free_tier:
                price = next((t.usd for t in tiers[index + 1 :] if not t.free_tier), 0.0)
            total += (upper - tier.tier_start) * price
        last = tiers[-1]
        if last.tier_end is not None and quantity > last.tier_end:
            # Beyond the last tier the table has: its price continues (a ceiling: further tiers
            # are cheaper), rather than charging nothing.
            total += (quantity - last.tier_end) * last.usd
        return total
