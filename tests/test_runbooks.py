"""What the runbooks tell on-call to use exists in the plan of the stack they are about (prod):
every resource they name in backticks, and every feature they send someone to."""

from __future__ import annotations

import re

import pytest

from settings.files import ROOT
from tests.campaign_support import COUPON_KEYED

RUNBOOKS = sorted((ROOT / "docs" / "runbooks").glob("*.md"))
NAME = re.compile(r"`((?:web|edge|replicas|forms|alerts|campaign)-[a-z0-9<>-]+)`")
# A feature a runbook sends on-call to, and the resource type that is it.
FEATURES = {
    "waiting room": "cloudflare:index/waitingRoom:WaitingRoom",
    "turnstile": "cloudflare:index/turnstileWidget:TurnstileWidget",
    "warm pool": "aws:autoscaling/group:Group",
    "dead-letter queue": "aws:sqs/queue:Queue",
}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"<[a-z]>", "[a-z0-9-]+", re.escape(name)) + "$")


@pytest.fixture(scope="module")
def prod_names(plan) -> set[str]:  # type: ignore[no-untyped-def]
    # Prod as shipped, and with a campaign that needs its pre-warm (the capacity window alarm).
    return {r.name for p in (plan("prod"), plan("prod", COUPON_KEYED)) for r in p.resources}


@pytest.fixture(scope="module")
def policy_names(policy_pack) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.name for p in policy_pack.policies()}


@pytest.mark.parametrize("runbook", RUNBOOKS, ids=lambda p: p.name)
def test_every_resource_a_runbook_names_is_in_the_prod_plan(
    runbook, prod_names: set[str], policy_names: set[str]
) -> None:  # type: ignore[no-untyped-def]
    named = set(NAME.findall(runbook.read_text())) - policy_names
    missing = [n for n in sorted(named) if not any(_pattern(n).match(r) for r in prod_names)]
    assert not missing, f"{runbook.name} names resources prod does not create: {missing}"


def _missing_features(text: str, result) -> list[str]:  # type: ignore[no-untyped-def]
    missing = []
    for phrase, type_ in FEATURES.items():
        if phrase not in text.lower():
            continue
        found = result.of_type(type_)
        if phrase == "warm pool":
            found = [g for g in found if g.input("warmPool")]
        if not found:
            missing.append(phrase)
    return missing


@pytest.mark.parametrize("runbook", RUNBOOKS, ids=lambda p: p.name)
def test_every_feature_a_runbook_sends_oncall_to_exists_in_prod(plan, runbook) -> None:  # type: ignore[no-untyped-def]
    missing = _missing_features(runbook.read_text(), plan("prod"))
    assert not missing, f"{runbook.name} sends on-call to what prod does not have: {missing}"


def test_the_check_can_fail(plan) -> None:  # type: ignore[no-untyped-def]
    """Prod without a Waiting Room is what the issue found: the check must report it."""
    without = plan("prod", {"edge": {"waitingRoom": {"enabled": False}}})
    text = (ROOT / "docs" / "runbooks" / "campaign-day.md").read_text()
    assert _missing_features(text, without) == ["waiting room"]
