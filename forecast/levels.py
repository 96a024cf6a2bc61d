"""Which level does this campaign need? The cheaper variants of a stack the pre-flight can prove,
each re-validated by the settings (a plan that cannot carry the stack's rules is refused there)
and re-projected (a variant counts only when the campaign is still GO on it), with the monthly
saving priced from the table and the config change that makes it.

Variants tried:
- the Cloudflare plan one step down (Business to Pro, Pro to Free): the settings refuse it when a
  rule, TTL or waiting room needs the higher plan;
- the replicas one size down and one fewer, when no campaign the stack prepares for reads data
  (the replicas then serve only the marketing plane's other reads: measure before taking it);
- the fleet's standing size down to the smallest that keeps the campaign GO (at least 2: two
  zones);
- the campaign's landing paths served statically (spikeproof:site.paths), which costs nothing a
  month and takes the campaign off the origin.
Then every change that is GO on its own, together, when that is still GO.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forecast.cost import DETAILED_METRICS, HOURS_PER_MONTH, ROOT_VOLUME_GIB, standing_fleet
from forecast.projection import EXIT_GO, decide, project
from model.prices import PriceError, PriceTable
from settings import Settings
from settings.campaign import Campaign
from settings.core import class_vcpus

LOWER_PLAN = {"enterprise": "business", "business": "pro", "pro": "free"}
MIN_FLEET = 2


@dataclass(frozen=True)
class Variant:
    name: str
    change: str
    """The stack-file change that makes it (spikeproof:... keys)."""
    monthly_saving_usd: float
    verdict: str
    refused: str = ""
    """Why the settings refuse it (empty: they accept it)."""

    @property
    def go(self) -> bool:
        return not self.refused and self.verdict == "GO"


def _smaller(klass: str) -> str | None:
    family, size = klass.rsplit(".", 1)
    match = re.fullmatch(r"(\d*)xlarge", size)
    if match:
        n = int(match.group(1) or 1)
        return (
            f"{family}.{n // 2}xlarge" if n > 2 else f"{family}.{'xlarge' if n == 2 else 'large'}"
        )
    return None


def _validated(settings: Settings, change: Callable[[dict[str, Any]], None]) -> Settings | str:
    raw = settings.model_dump(by_alias=True, exclude_none=True)
    change(raw)
    try:
        return Settings.model_validate(raw)
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        first = errors()[0]["msg"] if callable(errors) else str(exc)
        return str(first).removeprefix("Value error, ")


def _verdict(campaign: Campaign, settings: Settings, stack: str) -> str:
    return decide(project(campaign, settings, stack), settings).word


def variants(
    campaign: Campaign,
    settings: Settings,
    stack: str,
    region: str,
    table: PriceTable,
    *,
    replica_class: str | None,
    referenced: list[Campaign],
    replica_storage_gib: float = 0.0,
    replica_storage_type: str = "gp3",
) -> list[Variant]:
    """Every variant tried, GO or not, with why; `replica_class` is the replicas' class as
    deployed (settings, else the primary's), `replica_storage_gib` their storage (the
    primary's). Savings count what the monthly bill counts per replica (class, storage,
    Performance Insights beyond its free week) and per instance (instance, root volume,
    detailed monitoring)."""
    out: list[Variant] = []
    changes: list[Callable[[dict[str, Any]], None]] = []

    def rate(service: str, usage: str) -> float | None:  # None: the table lacks it
        try:
            return table.rate(service, usage, region).usd
        except PriceError:
            return None

    def add(name: str, change: str, saving: float, fn: Callable[[dict[str, Any]], None]) -> None:
        moved = _validated(settings, fn)
        if isinstance(moved, str):
            out.append(Variant(name, change, saving, "-", refused=moved))
            return
        verdict = _verdict(campaign, moved, stack)
        out.append(Variant(name, change, saving, verdict))
        if verdict == "GO":
            changes.append(fn)

    edge = settings.edge
    if edge is not None and edge.plan in LOWER_PLAN:
        lower = LOWER_PLAN[edge.plan]
        now, then = rate("plans", f"plan:{edge.plan}"), rate("plans", f"plan:{lower}")
        if now is not None and then is not None:

            def plan(raw: dict[str, Any], lower: str = lower) -> None:
                raw["edge"]["plan"] = lower

            add(
                f"Cloudflare {lower} plan",
                f"spikeproof:edge.plan: {lower}",
                now - then,
                plan,
            )
    reads = campaign.data_access == "replica-read" or any(
        c.data_access == "replica-read" for c in referenced
    )
    smaller = _smaller(replica_class) if replica_class else None
    if not reads and smaller is not None and replica_class:
        target: str = smaller
        count = settings.replicas.count
        now_usd = _replica_month(
            settings, replica_class, rate, replica_storage_gib, replica_storage_type
        )
        then_usd = _replica_month(settings, target, rate, replica_storage_gib, replica_storage_type)
        fewer = max(1, count - 1)
        if now_usd is not None and then_usd is not None:

            def replicas(raw: dict[str, Any], target: str = target, fewer: int = fewer) -> None:
                raw["replicas"] = {**raw["replicas"], "instanceClass": target, "count": fewer}

            add(
                f"{fewer} replica(s) of {target}",
                f"spikeproof:replicas: {{instanceClass: {target}, count: {fewer}}}",
                count * now_usd - fewer * then_usd,
                replicas,
            )
    fleet = settings.fleet
    if fleet is not None:
        standing = standing_fleet(settings)
        price = _instance_month(fleet.instance_types[0], rate)
        for size in range(MIN_FLEET, standing):
            candidate = _validated(settings, _fleet_size(size))
            if isinstance(candidate, str) or _verdict(campaign, candidate, stack) != "GO":
                continue
            if price is not None:
                add(
                    f"fleet of {size}",
                    f"spikeproof:fleet: {{minSize: {size}, desiredCapacity: {size}}}",
                    (standing - size) * price,
                    _fleet_size(size),
                )
            break
    site = settings.site
    landing = [leg.path for leg in campaign.landing]
    if site is not None and not all(_served(path, site.paths) for path in landing):

        def static(raw: dict[str, Any]) -> None:
            raw["site"] = {**raw["site"], "paths": [*raw["site"]["paths"], *landing]}

        add("landing pages served statically", f"spikeproof:site.paths: + {landing}", 0.0, static)
    if len(changes) > 1:

        def together(raw: dict[str, Any]) -> None:
            for fn in changes:
                fn(raw)

        saving = sum(v.monthly_saving_usd for v in out if v.go)
        names = " + ".join(v.name for v in out if v.go)
        moved = _validated(settings, together)
        if not isinstance(moved, str):
            out.append(
                Variant(
                    f"together: {names}",
                    "; ".join(v.change for v in out if v.go),
                    saving,
                    _verdict(campaign, moved, stack),
                )
            )
    return out


Rate = Callable[[str, str], "float | None"]
PI_FREE_DAYS = 7
"""Performance Insights keeps 7 days free; longer retention is billed (policies/costing.py)."""


def _instance_month(kind: str, rate: Rate) -> float | None:
    """An instance a month as the bill counts it: the instance, its gp3 root volume and its
    detailed-monitoring metrics."""
    parts = (
        rate("ec2", f"instance:{kind}"),
        rate("ebs", "gp3-storage"),
        rate("cloudwatch", "custom-metric"),
    )
    if any(p is None for p in parts):
        return None
    hourly, gib, metric = (float(p or 0) for p in parts)
    return hourly * HOURS_PER_MONTH + gib * ROOT_VOLUME_GIB + metric * DETAILED_METRICS


def _replica_month(
    settings: Settings, klass: str, rate: Rate, storage_gib: float, storage_type: str
) -> float | None:
    """A replica a month as the bill counts it: its class, the storage it inherits, Performance
    Insights beyond the free week (per vCPU)."""
    hourly = rate("rds", f"instance:{klass}")
    storage = rate("rds", f"storage-{storage_type}")
    if hourly is None or storage is None:
        return None
    total = hourly * HOURS_PER_MONTH + storage * storage_gib
    replicas = settings.replicas
    if (
        replicas.performance_insights
        and replicas.performance_insights_retention_days > PI_FREE_DAYS
    ):
        insights = rate("rds", "performance-insights-long-term")
        total += (insights or 0.0) * HOURS_PER_MONTH * (class_vcpus(klass) or 2)
    return total


def _fleet_size(size: int) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        raw["fleet"] = {**raw["fleet"], "minSize": size, "desiredCapacity": size}

    return change


def _served(path: str, patterns: list[str]) -> bool:
    return any(path == p or (p.endswith("*") and path.startswith(p[:-1])) for p in patterns)


def cheapest(found: list[Variant]) -> Variant | None:
    go = [v for v in found if v.go and v.monthly_saving_usd > 0]
    return max(go, key=lambda v: v.monthly_saving_usd, default=None)


__all__ = ["EXIT_GO", "Variant", "cheapest", "variants"]
