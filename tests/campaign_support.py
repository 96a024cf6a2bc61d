"""Stack variants for the campaign tests.

The shipped stacks cache every marketing page under its path alone, so the rehearsal's per-
recipient `coupon` never reaches the origin and no campaign needs a pre-warm any more. The tests of
the campaign machinery (pre-warm sizing, windows, window alarms, dashboards, verdicts) need a
campaign that does load the origin: the same stack with the coupon kept in the landing pages' cache
key, which is exactly the mistake the pre-flight warns about (an Enterprise zone's keyedPaths
listing a per-recipient parameter), with /campaigns/* back on the fleet: the shipped stacks serve
it from the static site (level 3), where no campaign reaches an origin at all.
"""

from __future__ import annotations

from typing import Any

_KEYED = {"keyedPaths": [{"paths": ["/campaigns/*"], "queryParameters": ["coupon"]}]}

COUPON_KEYED: dict[str, Any] = {
    "spikeproof:edge": {"plan": "enterprise", "cache": _KEYED},
    "spikeproof:site": None,
}
"""Prod (or staging) with /campaigns/* on the fleet and the rehearsal's coupon kept in its cache
key."""


def with_coupon_keyed(**overrides: Any) -> dict[str, Any]:
    """COUPON_KEYED plus other top-level overrides (campaigns, fleet, ...)."""
    merged = dict(COUPON_KEYED)
    for key, value in overrides.items():
        merged[key if ":" in key else f"spikeproof:{key}"] = value
    return merged
