"""Campaign windows to scheduled actions: DST, overlap, past actions, explicit -1 sizes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from model.schedule import (
    UNCHANGED,
    CampaignWindow,
    ScheduledAction,
    WindowError,
    scheduled_actions,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def window(**overrides: object) -> CampaignWindow:
    fields: dict[str, object] = {
        "name": "spring-sale",
        "start": "2026-03-29T09:00",
        "end": "2026-03-29T18:00",
        "time_zone": "Europe/London",
        "capacity": 12,
        "lead_minutes": 30,
    }
    fields.update(overrides)
    return CampaignWindow(**fields)  # type: ignore[arg-type]


def plan(*windows: CampaignWindow, now: datetime = NOW) -> dict[str, ScheduledAction]:
    actions = scheduled_actions(windows, normal_min_size=2, max_size=20, now=now)
    return {a.name: a for a in actions}


def test_london_window_after_spring_forward_uses_bst() -> None:
    # 2026-03-29 01:00 UTC London moves to BST (UTC+1): 09:00 local is 08:00Z.
    actions = plan(window())
    assert actions["spring-sale-prewarm"].start_time == "2026-03-29T07:30:00Z"
    assert actions["spring-sale-release"].start_time == "2026-03-29T17:00:00Z"


def test_window_spanning_london_spring_forward() -> None:
    actions = plan(window(start="2026-03-28T20:00", end="2026-03-29T10:00", lead_minutes=60))
    assert actions["spring-sale-prewarm"].start_time == "2026-03-28T19:00:00Z", "GMT side: +0"
    assert actions["spring-sale-release"].start_time == "2026-03-29T09:00:00Z", "BST side: +1"


def test_window_spanning_new_york_fall_back() -> None:
    # 2026-11-01 02:00 EDT becomes 01:00 EST: the offset goes from -4 to -5.
    w = window(
        name="black-friday-teaser",
        start="2026-10-31T09:00",
        end="2026-11-02T09:00",
        time_zone="America/New_York",
        lead_minutes=45,
    )
    actions = plan(w)
    assert actions["black-friday-teaser-prewarm"].start_time == "2026-10-31T12:15:00Z"
    assert actions["black-friday-teaser-release"].start_time == "2026-11-02T14:00:00Z"


def test_prewarm_and_release_sizes() -> None:
    actions = plan(window())
    warm, release = actions["spring-sale-prewarm"], actions["spring-sale-release"]
    assert (warm.min_size, warm.desired_capacity, warm.max_size) == (12, 12, UNCHANGED)
    # The provider defaults an omitted size to 0: unchanged sizes must be an explicit -1.
    assert (release.min_size, release.desired_capacity, release.max_size) == (2, -1, -1)
    assert warm.kind == "prewarm" and release.kind == "release"


def test_actions_are_sorted_and_named_per_window() -> None:
    later = window(name="summer", start="2026-06-01T09:00", end="2026-06-01T12:00")
    actions = scheduled_actions([later, window()], normal_min_size=2, max_size=20, now=NOW)
    assert [a.name for a in actions] == [
        "spring-sale-prewarm",
        "spring-sale-release",
        "summer-prewarm",
        "summer-release",
    ]
    assert [a.start_time for a in actions] == sorted(a.start_time for a in actions)


def test_past_actions_are_dropped_and_running_window_keeps_release() -> None:
    during = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert list(plan(window(), now=during)) == ["spring-sale-release"]
    after = datetime(2026, 3, 29, 17, 0, tzinfo=UTC)
    assert plan(window(), now=after) == {}, "an action at exactly now is in the past"


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        ({"end": "2026-03-29T08:00"}, "campaignWindows[spring-sale].end", "not after start"),
        ({"end": "2026-03-29T09:00"}, "campaignWindows[spring-sale].end", "not after start"),
        ({"start": "2026-03-29T01:30"}, "campaignWindows[spring-sale].start", "does not exist"),
        (
            {
                "start": "2026-11-01T01:30",
                "end": "2026-11-01T05:00",
                "time_zone": "America/New_York",
            },
            "campaignWindows[spring-sale].start",
            "ambiguous",
        ),
        ({"time_zone": "Europe/Londn"}, "campaignWindows[spring-sale].timeZone", "IANA"),
        ({"start": "29/03/2026 09:00"}, "campaignWindows[spring-sale].start", "ISO 8601"),
        ({"start": "2026-03-29T09:00+01:00"}, "campaignWindows[spring-sale].start", "offset"),
        ({"capacity": 21}, "campaignWindows[spring-sale].capacity", "maxSize (20)"),
        ({"capacity": 0}, "campaignWindows[spring-sale].capacity", "between 1"),
        ({"lead_minutes": -5}, "campaignWindows[spring-sale].leadMinutes", "negative"),
    ],
)
def test_bad_window_names_the_key(overrides: dict[str, object], key: str, fragment: str) -> None:
    with pytest.raises(WindowError) as caught:
        plan(window(**overrides))
    assert caught.value.key == key, str(caught.value)
    assert fragment in str(caught.value), str(caught.value)


def test_overlapping_windows_rejected() -> None:
    second = window(name="flash", start="2026-03-29T17:00", end="2026-03-29T20:00", lead_minutes=0)
    with pytest.raises(WindowError, match="overlaps 'spring-sale'") as caught:
        plan(window(), second)
    assert caught.value.key == "campaignWindows[flash]"


def test_lead_time_counts_toward_overlap() -> None:
    # Starts 30 min after spring-sale ends, but its 60 min pre-warm would be undone by the release.
    second = window(name="flash", start="2026-03-29T18:30", end="2026-03-29T20:00", lead_minutes=60)
    with pytest.raises(WindowError, match="overlaps"):
        plan(window(), second)


def test_touching_windows_rejected_and_gap_accepted() -> None:
    touching = window(name="flash", start="2026-03-29T18:30", end="2026-03-29T20:00")
    with pytest.raises(WindowError, match="overlaps"):
        plan(window(), touching)
    gap = window(name="flash", start="2026-03-29T18:31", end="2026-03-29T20:00")
    assert "flash-prewarm" in plan(window(), gap)


def test_duplicate_names_rejected() -> None:
    with pytest.raises(WindowError, match="used by two windows"):
        plan(window(), window(start="2026-06-01T09:00", end="2026-06-01T10:00"))


def test_naive_now_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduled_actions([window()], normal_min_size=2, max_size=20, now=datetime(2026, 1, 1))
