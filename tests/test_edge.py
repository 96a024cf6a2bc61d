"""The CloudflareEdge component under Pulumi's mocks: what the program actually registers.

Rules are checked on the RECORDED Ruleset inputs (wire form, camelCase), parsed and evaluated by
`model.edge_eval`, so what is proven is what would be sent to Cloudflare.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pulumi
import pytest

from components.edge import CloudflareEdge, CloudflareEdgeArgs
from model.edge_eval import Request, Rulesets, evaluate, normalize, rulesets_from_resources
from model.edge_rules import (
    CACHE_PHASE,
    RATELIMIT_PHASE,
    TRANSFORM_PHASE,
    cache_rules,
    rate_limit_rules,
)
from settings import stack_settings
from tools.engine.mockrun import (
    SECRET_SIG,
    SIG_KEY,
    PlanResult,
    display,
    is_secret,
    plain,
    run_program,
)

DNS = "cloudflare:index/dnsRecord:DnsRecord"
RULESET = "cloudflare:index/ruleset:Ruleset"
EDGE = "spikeproof:edge:CloudflareEdge"


def recorded_rulesets(result: PlanResult, **kw: Any) -> Rulesets:
    return rulesets_from_resources(((r.type, plain(r.inputs)) for r in result.resources), **kw)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_marketing_records_are_proxied_with_automatic_ttl(plan, stack: str) -> None:
    result = plan(stack)
    records = [r for r in result.of_type(DNS) if r.name.startswith("edge-dns-")]
    hosts = stack_settings(stack).edge_rules().hostnames
    assert sorted(r.input("name") for r in records) == sorted(hosts)
    for r in records:
        assert r.input("proxied") is True, f"{r.urn}: marketing records must be proxied"
        assert r.input("ttl") == 1, f"{r.urn}: proxied records take ttl 1 (automatic)"
        assert r.input("type") == "CNAME", r.urn
        assert r.input("content") == result.outputs["alb_dns_name"], (
            f"{r.urn}: the proxied record must point at the fleet's load balancer"
        )
        assert f"spikeproof/{stack} edge" in r.input("comment"), f"{r.urn}: comment names stack"
        assert r.parent.endswith(f"{EDGE}::edge"), f"{r.urn} must be a child of the edge component"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_recorded_rules_never_cache_api_app_or_form_paths(plan, stack: str) -> None:
    result = plan(stack, {"site": None})  # /campaigns/* on the fleet: its cache rules decide
    rs = recorded_rulesets(result)
    s = stack_settings(stack).edge_rules()
    assert len(rs.cache) >= 3 and rs.ratelimit and rs.transform, f"{stack}: phases missing"
    caching = [r for r in rs.cache if r.params.get("cache") is True]
    for prefix in s.all_bypass_prefixes:
        for tail in ("", "/", "/x", "/deep/path/app.js", "/logo.PNG", "/index.html"):
            for host in s.hostnames:
                req = Request(host=host, path=prefix + tail, query="utm_source=x")
                hits = [r.ref for r in caching if r.expression.matches(req.env())]
                assert hits == [], f"{stack}: recorded rule(s) {hits} cache {host}{prefix}{tail}"
                assert evaluate(rs, req).outcome == "bypassed", f"{stack}: {host}{prefix}{tail}"
    landing = Request(host=s.hostnames[0], path="/campaigns/spring", query="utm_content=r1")
    v = evaluate(rs, landing)
    assert v.outcome == "cached" and v.cache_key == f"{s.hostnames[0]}/campaigns/spring", v


def test_the_origin_secret_is_secret_everywhere(plan) -> None:
    result = plan("prod")
    password = result.named("origin-secret")
    secret = password.outputs["result"]
    assert isinstance(secret, str) and len(secret) == 48
    transform = next(r for r in result.of_type(RULESET) if r.input("phase") == TRANSFORM_PHASE)
    header = transform.inputs["rules"][0]["actionParameters"]["headers"]["X-Origin-Verify"]
    assert is_secret(header["value"]), f"{transform.urn}: the header value must be sent as secret"
    assert "rules" in transform.additional_secret_outputs, f"{transform.urn}: state must be secret"

    def plain_occurrences(value: Any) -> int:
        if isinstance(value, dict):
            if value.get(SIG_KEY) == SECRET_SIG:
                return 0
            return sum(plain_occurrences(v) for v in value.values())
        if isinstance(value, list):
            return sum(plain_occurrences(v) for v in value)
        return int(isinstance(value, str) and secret in value)

    leaks = [r.urn for r in result.resources if plain_occurrences(r.inputs)]
    assert leaks == [], f"origin secret in plain text in the inputs of {leaks}"
    assert secret not in json.dumps(display(result.outputs)), "origin secret in stack outputs"
    assert all(secret not in line for line in result.logs), "origin secret in the program's logs"
    assert secret not in json.dumps([r.to_json() for r in result.resources])


def test_prod_turnstile_site_key_is_exported_and_its_secret_is_not(plan) -> None:
    result = plan("prod")
    widget = result.named("edge-turnstile")
    assert widget.input("domains") == list(stack_settings("prod").edge_rules().hostnames)
    outputs = result.plain_outputs()
    assert outputs["turnstile_site_key"] == widget.outputs["sitekey"]
    assert "turnstile_site_key" not in result.secret_outputs, "the site key is public"
    assert widget.outputs["secret"] not in json.dumps(display(result.outputs))
    assert outputs["edge_zone_id"] == "3f9c2a7d1b8e4c6f0a5d7e9b2c4f6a81"


def test_staging_looks_its_zone_up_through_an_invoke(plan) -> None:
    result = plan("staging")
    calls = [c for c in result.invokes if c["token"] == "cloudflare:index/getZone:getZone"]
    assert calls and calls[0]["args"]["filter"]["name"] == "acme-marketing-staging.com"
    zone_ids = {r.input("zoneId") for r in result.of_type(DNS)}
    assert zone_ids == {"7e4b1c9d2a6f3e8b0c5d9a1f4e7b2c60"}
    assert result.plain_outputs()["edge_zone_id"] == "7e4b1c9d2a6f3e8b0c5d9a1f4e7b2c60"


def test_zone_settings_and_tiered_cache(plan) -> None:
    result = plan("prod")
    settings = {
        r.input("settingId"): r.input("value")
        for r in result.of_type("cloudflare:index/zoneSetting:ZoneSetting")
    }
    # No zone-wide SSL mode by default: it would reach hosts of the zone this stack does not own.
    assert settings == {
        "always_use_https": "on",
        "min_tls_version": "1.2",
        "http3": "on",
        "brotli": "on",
    }
    assert result.named("edge-tiered-caching").input("value") == "on"
    assert result.named("edge-smart-topology").input("value") == "on"
    assert result.named("edge-cache-reserve").input("value") == "on", "prod asks for cache reserve"
    staging = plan("staging")
    assert staging.of_type("cloudflare:index/zoneCacheReserve:ZoneCacheReserve") == []


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_marketing_hosts_alone_get_full_strict_through_a_config_rule(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    """The zone's ssl setting reaches every host of the zone; a configuration rule sets Full
    (strict) for the marketing hostnames and the form host only (Cloudflare's SSL modes page)."""
    from settings import stack_settings

    result = plan(stack)
    (ruleset,) = [
        r for r in result.of_type("cloudflare:index/ruleset:Ruleset")
        if r.input("phase") == "http_config_settings"
    ]  # fmt: skip
    (rule,) = ruleset.input("rules")
    assert rule["action"] == "set_config" and rule["actionParameters"] == {"ssl": "strict"}
    edge = stack_settings(stack).edge
    forms = stack_settings(stack).forms
    assert edge is not None
    hosts = [*edge.hostnames, *([forms.custom_domain.domain_name] if forms and forms.custom_domain
                                else [])]  # fmt: skip
    for host in hosts:
        assert f'"{host}"' in rule["expression"], f"{ruleset.urn}: {host} is not covered"
    assert "ssl" not in {
        r.input("settingId") for r in result.of_type("cloudflare:index/zoneSetting:ZoneSetting")
    }, f"{stack}: the zone-wide ssl setting is left alone unless the stack file asks for it"


def test_a_zone_setting_set_to_null_is_left_alone(plan) -> None:
    result = plan("staging", {"edge": {"zoneSettings": {"http3": None, "ssl": "full"}}})
    settings = {
        r.input("settingId"): r.input("value")
        for r in result.of_type("cloudflare:index/zoneSetting:ZoneSetting")
    }
    assert "http3" not in settings and settings["ssl"] == "full"


def test_a_stack_that_does_not_own_the_zone_rulesets_creates_none(plan) -> None:
    result = plan("staging", {"edge": {"ownsZoneRulesets": False}})
    assert result.of_type(RULESET) == [], "rulesets belong to the owning stack only"
    hosts = stack_settings("staging").edge_rules().hostnames
    # Per marketing hostname a proxied record and an ACM record; the form API's host its own two.
    assert len(result.of_type(DNS)) == 2 * len(hosts) + 2, (
        "DNS and ACM records are still this stack's"
    )


def test_waiting_room_on_the_campaign_path_when_enabled(plan) -> None:
    assert (
        plan("prod", {"edge": {"waitingRoom": {"enabled": False}}}).of_type(
            "cloudflare:index/waitingRoom:WaitingRoom"
        )
        == []
    )
    result = plan("prod")
    (room,) = result.of_type("cloudflare:index/waitingRoom:WaitingRoom")
    assert room.input("host") == "www.acme-marketing.com"
    assert room.input("path") == "/campaigns/"
    assert (room.input("totalActiveUsers"), room.input("newUsersPerMinute")) == (5000, 1000)
    assert room.input("name") == "spikeproof_prod_edge_campaigns"
    rs = recorded_rulesets(result, turnstile_paths=("/subscribe",))
    queued = evaluate(rs, Request(host=room.input("host"), path="/campaigns/spring"))
    # The room queues visitors of the static campaign pages too: it runs before Workers routes.
    assert queued.waiting_room and queued.outcome == "static", queued
    assert not evaluate(rs, Request(host=room.input("host"), path="/pricing")).waiting_room
    form = evaluate(rs, Request(host="forms.acme-marketing.com", path="/subscribe", method="POST"))
    assert form.turnstile and form.outcome == "origin" and not form.waiting_room, form
    # A room guards its host (and its additional routes), not the path on every host.
    other = evaluate(rs, Request(host="acme-marketing.com", path="/campaigns/spring"))
    assert not other.waiting_room, "prod's room (no Advanced subscription) guards www only"
    assert room.input("additionalRoutes") is None


def test_waiting_room_advanced_guards_every_marketing_hostname(plan, config_error) -> None:  # type: ignore[no-untyped-def]
    room_on = {"enabled": True, "totalActiveUsers": 5000, "newUsersPerMinute": 1000}
    result = plan(
        "prod", {"edge": {"plan": "enterprise", "waitingRoom": {**room_on, "advanced": True}}}
    )
    (room,) = result.of_type("cloudflare:index/waitingRoom:WaitingRoom")
    assert room.input("additionalRoutes") == [
        {"host": "acme-marketing.com", "path": "/campaigns/"},
        {"host": "go.acme-marketing.com", "path": "/campaigns/"},
    ]
    assert room.input("cookieSuffix"), "Cloudflare requires a cookie suffix with additional routes"
    rs = recorded_rulesets(result, turnstile_paths=("/subscribe",))
    for host in ("www.acme-marketing.com", "acme-marketing.com", "go.acme-marketing.com"):
        assert evaluate(rs, Request(host=host, path="/campaigns/spring")).waiting_room, host
    rendered = config_error("prod", {"edge": {"waitingRoom": {"advanced": True}}}).render()
    assert "waitingRoom.advanced" in rendered and "Enterprise" in rendered, rendered


def test_authenticated_origin_pulls_is_refused_with_the_reason(config_error) -> None:  # type: ignore[no-untyped-def]
    """A toggle that would do nothing for an ALB without mutual TLS is refused, not ignored."""
    rendered = config_error("staging", {"edge": {"authenticatedOriginPulls": True}}).render()
    assert "spikeproof:edge.authenticatedOriginPulls" in rendered, rendered
    assert "mutual TLS" in rendered, rendered


def _component_run(build) -> PlanResult:
    """Run the component alone under the recording engine, as a tiny program."""
    import tools.engine.mockrun as mockrun

    mockrun.COMPONENT_UNDER_TEST = {"build": build}  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp)
        (program / "__main__.py").write_text(
            "import tools.engine.mockrun as m\n\nm.COMPONENT_UNDER_TEST['build']()\n"
        )
        (program / "Pulumi.yaml").write_text("name: spikeproof\nruntime: python\n")
        (program / "Pulumi.staging.yaml").write_text("config:\n  aws:region: eu-west-1\n")
        return run_program("staging", program_dir=program)


def test_acm_validation_records_are_dns_only_and_indexed_by_hostname() -> None:
    hosts = ("www.acme-marketing.com", "acme-marketing.com")
    options = [  # ACM's order is not the hostnames' order
        {
            "domain_name": "acme-marketing.com",
            "resource_record_name": "_a1.acme-marketing.com.",
            "resource_record_type": "CNAME",
            "resource_record_value": "_v1.acm-validations.aws.",
        },
        {
            "domain_name": "www.acme-marketing.com",
            "resource_record_name": "_b2.www.acme-marketing.com.",
            "resource_record_type": "CNAME",
            "resource_record_value": "_v2.acm-validations.aws.",
        },
    ]

    def build() -> None:
        origin = SimpleNamespace(  # the two attributes CloudflareEdge reads of the fleet
            alb_dns_name=pulumi.Output.from_input("alb-1.eu-west-1.elb.amazonaws.com"),
            domain_validation_options=pulumi.Output.from_input(options),
            min_capacity_rps=1200.0,
            serving=pulumi.ComponentResource("test:index:Serving", "serving"),
        )
        config = stack_settings("prod").edge.model_copy(
            update={"hostnames": list(hosts), "owns_zone_rulesets": False}
        )
        CloudflareEdge(
            "edge",
            CloudflareEdgeArgs(
                config=config,
                origin=origin,
                origin_secret=pulumi.Output.secret("s"),
                comment="spikeproof/test edge",
            ),
        )

    result = _component_run(build)
    validation = sorted(
        (r for r in result.of_type(DNS) if r.name.startswith("edge-acm-validation-")),
        key=lambda r: r.name,
    )
    assert [(r.input("name"), r.input("content")) for r in validation] == [
        ("_b2.www.acme-marketing.com", "_v2.acm-validations.aws"),
        ("_a1.acme-marketing.com", "_v1.acm-validations.aws"),
    ]
    for r in validation:
        assert r.input("proxied") is False, f"{r.urn}: ACM must resolve its record (not proxied)"
    others = [r for r in result.of_type(DNS) if r not in validation]
    assert others and all(r.input("proxied") is True for r in others)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_deployed_rules_are_exactly_the_generated_ones(plan, stack: str) -> None:
    # The verdict table in test_edge_rules.py evaluates the generated lists; this ties them to
    # what the program sends to Cloudflare (same expressions, same order, same parameters).
    result = plan(stack)
    spec = stack_settings(stack).edge_rules()
    comment = f"spikeproof/{stack} edge"
    recorded = {r.input("phase"): normalize(r.input("rules")) for r in result.of_type(RULESET)}
    assert recorded[CACHE_PHASE] == cache_rules(spec, comment=comment)
    assert recorded[RATELIMIT_PHASE] == rate_limit_rules(spec, comment=comment)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_rate_limit_rules_are_in_the_form_the_api_returns(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    """terraform-provider-cloudflare#7128: rate-limit rules whose sent form differs from what the
    API returns (an empty counting_expression, another characteristics order) drift on every
    plan. The program sends the returned form: cf.colo.id first, requests_to_origin always, no
    counting_expression."""
    for ruleset in plan(stack).of_type("cloudflare:index/ruleset:Ruleset"):
        if ruleset.input("phase") != "http_ratelimit":
            continue
        for rule in ruleset.input("rules"):
            limit = rule["ratelimit"]
            where = f"{ruleset.urn} rule {rule['ref']}"
            assert limit["characteristics"] == ["cf.colo.id", "ip.src"], where
            assert isinstance(limit.get("requestsToOrigin"), bool), where
            assert "countingExpression" not in limit, where
