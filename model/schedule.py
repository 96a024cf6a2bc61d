"""Turns campaign windows into Auto Scaling scheduled actions (pure; no resources here).

Each window yields two one-off actions in the shape `aws.autoscaling.Schedule` takes:
- pre-warm, `lead_minutes` before the start: min and desired raised to the window's capacity;
- release, at the end: min restored to the fleet's normal minimum, desired left to scaling.

Choices:
- One-off actions with `start_time` in UTC. A window is written in local wall-clock time with an
  IANA zone and converted per instant with zoneinfo, so a window on the far side of a DST change
  gets the right UTC offset. (Recurring cron with `time_zone` would fit weekly windows; campaigns
  are dated events, and a one-off action is deleted by AWS after it runs.)
- Local times that do not exist (spring-forward gap) or occur twice (fall-back overlap) are
  rejected: guessing would pre-warm an hour early or, worse, an hour late.
- Fields not to change are set to -1 explicitly: the provider's default for an omitted size is 0,
  which would scale the fleet to nothing at the release time.
- Overlap is judged on [start - lead, end]: one window's release must never undo another's
  pre-warm. Touching intervals are rejected too (two actions at one instant run in no set order).
- Actions at or before `now` are dropped (AWS refuses a start time in the past, and one-off
  actions disappear once run); a window whose pre-warm has passed keeps its release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNCHANGED = -1
"""The provider's marker for 'leave this size as it is' on a scheduled action."""


class WindowError(ValueError):
    """A campaign window that cannot be scheduled; `key` names the offending field."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True, kw_only=True)
class CampaignWindow:
    name: str
    """Kebab-case id; scheduled actions are named `<name>-prewarm` and `<name>-release`."""
    start: str
    """Local wall-clock start, ISO 8601 without offset, e.g. `2026-03-30T09:00`."""
    end: str
    """Local wall-clock end, same form; must be after start."""
    time_zone: str
    """IANA zone the start and end are written in, e.g. `Europe/London`."""
    capacity: int
    """Instances held as min and desired from the pre-warm until the end."""
    lead_minutes: int
    """How long before the start the pre-warm runs: 30 minutes by default, enough for
    instances to boot, sync the site and pass health checks before the first click."""


@dataclass(frozen=True, kw_only=True)
class ScheduledAction:
    """Arguments for one `aws.autoscaling.Schedule` (minus the group name)."""

    name: str
    window: str
    kind: Literal["prewarm", "release"]
    start_time: str
    """UTC, `YYYY-MM-DDThh:mm:ssZ`."""
    min_size: int
    max_size: int
    desired_capacity: int


def _local(window: CampaignWindow, key: str, zone: ZoneInfo) -> datetime:
    raw = getattr(window, key)
    field = f"campaignWindows[{window.name}].{key}"
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        raise WindowError(field, f"{raw!r} is not ISO 8601 (example: 2026-03-30T09:00)") from None
    if naive.tzinfo is not None:
        raise WindowError(
            field, f"{raw!r} carries an offset; write local time and set timeZone instead"
        )
    early = naive.replace(tzinfo=zone, fold=0)
    late = naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        # Either the wall-clock time is skipped (gap) or it happens twice (fold).
        round_trip = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        what = "does not exist (clocks go forward)" if round_trip != naive else "is ambiguous"
        raise WindowError(
            field, f"{raw} {what} in {window.time_zone}; pick a time outside the DST change"
        )
    return early


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scheduled_actions(
    windows: Sequence[CampaignWindow],
    *,
    normal_min_size: int,
    max_size: int,
    now: datetime,
) -> list[ScheduledAction]:
    """Scheduled actions for `windows`, sorted by time; raises WindowError on a bad window."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    spans: list[tuple[datetime, datetime, CampaignWindow]] = []
    seen: set[str] = set()
    for window in windows:
        prefix = f"campaignWindows[{window.name}]"
        if window.name in seen:
            raise WindowError(f"{prefix}.name", f"{window.name!r} is used by two windows")
        seen.add(window.name)
        try:
            zone = ZoneInfo(window.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise WindowError(
                f"{prefix}.timeZone",
                f"{window.time_zone!r} is not an IANA zone (example: Europe/London)",
            ) from None
        start = _local(window, "start", zone)
        end = _local(window, "end", zone)
        if end <= start:
            raise WindowError(f"{prefix}.end", f"{window.end} is not after start {window.start}")
        if window.lead_minutes < 0:
            raise WindowError(f"{prefix}.leadMinutes", f"{window.lead_minutes} is negative")
        if not 1 <= window.capacity <= max_size:
            raise WindowError(
                f"{prefix}.capacity",
                f"{window.capacity} must be between 1 and the fleet's maxSize ({max_size})",
            )
        spans.append((start - timedelta(minutes=window.lead_minutes), end, window))

    spans.sort(key=lambda s: s[0])
    for (_, end_a, a), (warm_b, _, b) in pairwise(spans):
        if warm_b <= end_a:
            raise WindowError(
                f"campaignWindows[{b.name}]",
                f"overlaps {a.name!r}: its pre-warm at {_utc(warm_b)} is not after "
                f"{a.name!r} ends at {_utc(end_a)}",
            )

    actions: list[ScheduledAction] = []
    for warm, end, window in spans:
        if warm > now:
            actions.append(
                ScheduledAction(
                    name=f"{window.name}-prewarm",
                    window=window.name,
                    kind="prewarm",
                    start_time=_utc(warm),
                    min_size=window.capacity,
                    max_size=UNCHANGED,
                    desired_capacity=window.capacity,
                )
            )
        if end > now:
            actions.append(
                ScheduledAction(
                    name=f"{window.name}-release",
                    window=window.name,
                    kind="release",
                    start_time=_utc(end),
                    min_size=normal_min_size,
                    max_size=UNCHANGED,
                    # Scaling policies bring desired down as the traffic goes; forcing it here
                    # would cut capacity from under a campaign that runs late.
                    desired_capacity=UNCHANGED,
                )
            )
    return actions
