"""Settings for what the stack may cost (`spikeproof:budget`): the owner's ceilings, in USD.

The monthly ceiling is checked against the stack's bill (`python -m tools.cost`, and the pack's
`stack-monthly-budget` policy over the plan); the campaign ceiling against each campaign's
incremental cost in the pre-flight, where a campaign over it is NO-GO."""

from __future__ import annotations

from pydantic import Field

from settings.model import Model


class BudgetSettings(Model):
    """Ceilings the owner sets; both optional."""

    monthly_usd: float | None = Field(
        default=None,
        gt=0,
        le=10_000_000,
        description="Monthly ceiling for the stack's bill, USD (730 hours, free tiers not "
        "applied). Over it, the policy pack's stack-monthly-budget reports the plan (advisory "
        "unless the pack config makes it mandatory). Default: no ceiling.",
        examples=["3000"],
    )
    enforce: bool = Field(
        default=False,
        description="Make the pack's stack-monthly-budget mandatory: a plan over monthlyUsd then "
        "fails the preview and the deploy. Default false (advisory: over budget is reported, "
        "the owner decides).",
    )
    campaign_usd: float | None = Field(
        default=None,
        gt=0,
        le=10_000_000,
        description="Ceiling for one campaign's incremental cost on the stack, USD (the "
        "pre-flight's estimate: scale-out, pre-warm, form posts, origin bytes). A campaign "
        "over it is NO-GO until the ceiling is raised or the campaign changed. Default: no "
        "ceiling.",
        examples=["500"],
    )
