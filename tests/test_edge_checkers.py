"""Every ruleset both stacks emit, checked by Cloudflare's own tools rather than ours:

- each expression parsed and type-checked by Cloudflare's wirefilter engine (the
  `octorules-wirefilter` wheel: Rust bindings of github.com/cloudflare/wirefilter);
- each ruleset linted at the stack's Cloudflare plan by `octorules-cloudflare`'s linter (plan
  limits, action parameters, rate limit characteristics and durations, ...).

A finding fails the test unless it is in SUPPRESSED with its reason.
"""

from __future__ import annotations

from typing import Any

import octorules_wirefilter
import pytest
from octorules.linter.engine import lint_zone_file
from octorules_cloudflare.linter import register_cloudflare_linter

from model.edge_eval import normalize
from tools.engine.mockrun import PlanResult, plain

# octorules' phase names (octorules_cloudflare/__init__.py, _CF_PHASE_SPECS).
PHASES = {
    "http_request_cache_settings": "cloudflare.cache_rules",
    "http_ratelimit": "cloudflare.rate_limiting_rules",
    "http_request_late_transform": "cloudflare.request_header_rules",
    "http_response_headers_transform": "cloudflare.response_header_rules",
    "http_config_settings": "cloudflare.config_rules",
}
# (rule id, plan): why the finding is wrong for these rules.
SUPPRESSED = {
    ("CF406", "pro"): "the linter counts the mandatory cf.colo.id characteristic against the Pro "
    "limit of one; Cloudflare requires cf.colo.id in every rate limiting rule (rate limiting "
    "parameters: 'cf.colo.id (mandatory)', 'implicitly included' in the dashboard), so IP alone "
    "is the one counting characteristic",
}

register_cloudflare_linter()


def _rulesets(result: PlanResult) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for r in result.of_type("cloudflare:index/ruleset:Ruleset"):
        inputs = normalize(plain(r.inputs))
        found[PHASES[inputs["phase"]]] = inputs["rules"]
    return found


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_expression_parses_in_cloudflares_engine(plan, stack: str) -> None:
    rulesets = _rulesets(plan(stack))
    assert rulesets, f"{stack}: no rulesets to check"
    for phase, rules in rulesets.items():
        for rule in rules:
            parsed = octorules_wirefilter.parse_expression(rule["expression"])
            assert "error" not in parsed, (
                f"{stack} {phase} rule {rule['ref']}: wirefilter refuses the expression:\n"
                f"{parsed.get('error')}"
            )


def test_wirefilter_refuses_a_broken_expression() -> None:
    """The check above can fail: an unknown field is an error."""
    assert "error" in octorules_wirefilter.parse_expression('http.hots eq "www.example.com"')


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_ruleset_passes_the_linter_at_the_stacks_plan(plan, stack: str) -> None:
    from settings import stack_settings

    edge = stack_settings(stack).edge
    assert edge is not None
    ctx = lint_zone_file(_rulesets(plan(stack)), plan_tier=edge.plan, zone_name=stack)
    findings = [r for r in ctx.results if (r.rule_id, edge.plan) not in SUPPRESSED]
    assert not findings, f"{stack} ({edge.plan}):\n" + "\n".join(map(str, findings))


def test_the_linter_catches_a_challenge_with_a_duration() -> None:
    """What the issue found: a managed challenge with a 60 s timeout is refused below Enterprise
    (the linter's CF409), and accepted on Enterprise."""
    rule = {
        "ref": "flood",
        "expression": 'http.host in {"www.example.com"}',
        "action": "managed_challenge",
        "ratelimit": {
            "characteristics": ["ip.src", "cf.colo.id"],
            "period": 60,
            "requests_per_period": 600,
            "mitigation_timeout": 60,
        },
    }
    data = {"cloudflare.rate_limiting_rules": [rule]}
    business = {r.rule_id for r in lint_zone_file(data, plan_tier="business").results}
    assert "CF409" in business
    assert "CF409" not in {r.rule_id for r in lint_zone_file(data, plan_tier="enterprise").results}


def test_the_linter_checks_the_config_rules_ssl_mode() -> None:
    """The configuration rule's SSL mode is checked by the linter too (CF421 for a value
    Cloudflare does not take), so the shipped rule's `strict` passing above means something."""
    rule = {
        "ref": "origin_ssl_mode",
        "expression": 'http.host in {"www.example.com"}',
        "action": "set_config",
        "action_parameters": {"ssl": "strictest"},
    }
    found = lint_zone_file({"cloudflare.config_rules": [rule]}, plan_tier="pro").results
    assert "CF421" in {r.rule_id for r in found}
