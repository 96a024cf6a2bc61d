"""What the runbooks tell on-call to use exists in the plan of the stack they are about (prod):
every resource they name in backticks, and every feature they send someone to."""

from __future__ import annotations

import re

import pytest

from settings.files import ROOT
from tests.campaign_support import COUPON_KEYED

RUNBOOKS = sorted((ROOT / "docs" / "runbooks").glob("*.md"))
# Every backticked kebab-case word is a resource name unless it is a policy's, a physical AWS name
# (`spikeproof-<env>-...`, the core stack's `core-<env>-db`) or one of NOT_RESOURCES: an allow-list,
# so a name from before a rename (`fleet-*`) fails instead of passing unread.
NAME = re.compile(r"`([a-z][a-z0-9]*(?:-[a-z0-9<>*]+)+)`")
PHYSICAL = re.compile(r"^(?:spikeproof-(?:staging|prod)-|core-(?:staging|prod)-db$)")
NOT_RESOURCES = {
    "primary-write": "a campaign's database access kind (settings/campaign.py)",
    "window-capacity": "the suffix of a campaign window alarm, named beside its full name",
    "campaign-verdict-no-go": "the label the campaign checklist puts on a NO-GO pull request",
    "rollback-instance-refresh": "the AWS CLI command (aws autoscaling rollback-instance-refresh)",
}
# A feature a runbook sends on-call to, and the resource type that is it.
FEATURES = {
    "waiting room": "cloudflare:index/waitingRoom:WaitingRoom",
    "turnstile": "cloudflare:index/turnstileWidget:TurnstileWidget",
    "warm pool": "aws:autoscaling/group:Group",
    "dead-letter queue": "aws:sqs/queue:Queue",
}


def _pattern(name: str) -> re.Pattern[str]:
    """`<n>` or `<name>` stands for one name part, `*` for any rest."""
    escaped = re.sub(r"<[a-z]+>", "[a-z0-9-]+", re.escape(name).replace(r"\*", "*"))
    return re.compile("^" + escaped.replace("*", ".*") + "$")


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
    named = set(NAME.findall(runbook.read_text())) - policy_names - set(NOT_RESOURCES)
    named = {n for n in named if not PHYSICAL.match(n)}
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


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_import_runbook_lists_every_zone_ruleset_the_plan_creates(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    """Cloudflare allows one entrypoint per phase per zone: each one the program creates may need
    importing, so the runbook's table names each by resource, phase and parent."""
    text = (ROOT / "docs" / "runbooks" / "import-cloudflare-ruleset.md").read_text()
    rows = set(re.findall(r"^\| `([a-z-]+)` \| `([a-z_]+)` \| `([^`]+)` \|", text, flags=re.M))
    result = plan(stack)
    by_urn = {r.urn: r for r in result.resources}
    for ruleset in result.of_type("cloudflare:index/ruleset:Ruleset"):
        parent = by_urn[ruleset.parent]
        row = (ruleset.name, ruleset.input("phase"), f"{parent.type}::{parent.name}")
        assert row in rows, f"{ruleset.urn}: not in the import runbook's table as {row}"
    assert len(rows) >= 4, "the table is read"
