"""The stack's campaigns, prepared for the program: each referenced campaign file loaded, the
pre-warm windows the projection asks for joined to `fleet.campaignWindows`, and what the projection
says about each campaign as the stack deploys it.

`prepare` raises ConfigErrors (named under the stack's `spikeproof:campaigns` key) before any
resource is registered: a campaign file that does not load, or pre-warms the stack cannot schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from forecast.projection import CampaignFacts, campaign_facts, stack_windows
from model.schedule import CampaignWindow, WindowError, scheduled_actions
from settings import NAMESPACE, Settings
from settings.campaign import Campaign, load_campaign
from settings.errors import ConfigError, ConfigErrors
from settings.files import stack_file_label


@dataclass(frozen=True, kw_only=True)
class StackCampaigns:
    campaigns: tuple[Campaign, ...]
    """The referenced campaign files, in the stack's order."""
    windows: tuple[CampaignWindow, ...]
    """Every pre-warm window the fleet schedules: its own, then the campaigns'."""
    facts: tuple[CampaignFacts, ...]
    """The projection's facts per campaign (empty without a fleet)."""

    def ended(self, now: datetime) -> list[Campaign]:
        return [c for c in self.campaigns if c.finish < now]

    def ended_notices(self, now: datetime) -> list[str]:
        """One warning per referenced campaign that is over: its resources can go."""
        return [
            f"campaign {c.name} ended {c.finish:%Y-%m-%d %H:%M %Z}: remove it from "
            "spikeproof:campaigns to delete its dashboard and alarms"
            for c in self.ended(now)
        ]


def prepare(settings: Settings, *, stack: str) -> StackCampaigns:
    """The stack's campaigns and windows, or ConfigErrors naming the stack file's key."""
    stack_file = stack_file_label(stack)
    errors: list[ConfigError] = []
    campaigns: list[Campaign] = []
    for i, name in enumerate(settings.campaigns):
        try:
            campaigns.append(load_campaign(name))
        except ConfigErrors as exc:
            detail = "\n".join(e.render() for e in exc.errors)
            errors.append(
                ConfigError(
                    stack_file=stack_file,
                    key_path=f"{NAMESPACE}campaigns[{i}]",
                    problem="the campaign file is missing or invalid:\n    "
                    + detail.replace("\n", "\n    "),
                    value=name,
                    allowed="the stem of a valid campaigns/<name>.yaml",
                    example="spikeproof:campaigns: [<name>]  # campaigns/<name>.yaml; check it "
                    f"with python -m tools.preflight <name> --stack {stack}",
                )
            )
    if errors:
        raise ConfigErrors(errors)
    if settings.fleet is None:
        # Settings refuse campaigns without a fleet; a stack without either has nothing here.
        return StackCampaigns(campaigns=tuple(campaigns), windows=(), facts=())
    try:
        windows = stack_windows(settings, stack, campaigns)
        scheduled_actions(
            windows,
            normal_min_size=settings.fleet.min_size,
            max_size=settings.fleet.max_size,
            now=datetime(1970, 1, 1, tzinfo=UTC),
        )
    except WindowError as exc:
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=stack_file,
                    key_path=f"{NAMESPACE}campaigns",
                    problem=f"a campaign's pre-warm cannot be scheduled: {exc}",
                    value=settings.campaigns,
                    allowed="campaign pre-warms (lead included) that do not overlap each other "
                    "or spikeproof:fleet.campaignWindows, within fleet.maxSize",
                    example="make one window carry the campaign: a hand-written "
                    "fleet.campaignWindows entry that covers it with enough capacity and "
                    "leadMinutes (then the campaign needs no pre-warm of its own, or set "
                    "prewarm.instances: 0), or move the campaign, shorten its "
                    "prewarm.leadMinutes, raise maxSize",
                )
            ]
        ) from None
    facts = tuple(campaign_facts(c, settings, stack, windows) for c in campaigns)
    return StackCampaigns(campaigns=tuple(campaigns), windows=tuple(windows), facts=facts)
