"""Bad edge config stops the program with a ConfigError that names the key, before any resource."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from settings import ConfigErrors, parse
from settings.files import ROOT, load_stack_config

# (stack, override of spikeproof:edge, key path named, words the problem must contain)
BAD = [
    ("prod", {"hostnames": ["WWW.acme-marketing.com"]}, "spikeproof:edge.hostnames", "DNS"),
    ("prod", {"hostnames": ["www.acme..com"]}, "spikeproof:edge.hostnames", "DNS"),
    ("prod", {"hostnames": ["www.other.com"]}, "spikeproof:edge.hostnames", "not in the zone"),
    ("prod", {"hostnames": []}, "spikeproof:edge.hostnames", "at least one"),
    ("prod", {"zoneId": "not-a-zone"}, "spikeproof:edge.zoneId", "zone id"),
    ("staging", {"zoneName": "acme_marketing"}, "spikeproof:edge.zoneName", "DNS name"),
    ("staging", {"zoneName": None}, "spikeproof:edge.zoneId", "zone is unknown"),
    ("staging", {"cache": {"edgeTtlSeconds": 600}}, "spikeproof:edge.cache.edgeTtlSeconds",
     "pro plan"),
    ("prod", {"cache": {"edgeTtlSeconds": 40_000_000}}, "spikeproof:edge.cache.edgeTtlSeconds",
     "edge TTL"),
    ("prod", {"cache": {"browserTtlSeconds": 45}}, "spikeproof:edge.cache.browserTtlSeconds",
     "browser TTL"),
    ("staging", {"rateLimits": {"form": {"periodSeconds": 600}}},
     "spikeproof:edge.rateLimits.form.periodSeconds", "pro plan"),
    ("prod", {"rateLimits": {"flood": {"periodSeconds": 900}}},
     "spikeproof:edge.rateLimits.flood.periodSeconds", "business plan"),
    ("staging", {"rateLimits": {"form": {"mitigationTimeoutSeconds": 86400}}},
     "spikeproof:edge.rateLimits.form.mitigationTimeoutSeconds", "mitigation timeout"),
    ("staging", {"rateLimits": {"form": {"methods": ["POST"]}}},
     "spikeproof:edge.rateLimits.form.methods", "method"),
    ("staging", {"plan": "free"}, "spikeproof:edge.cache.edgeTtlSeconds", "free plan"),
    ("prod", {"cache": {"marketingPaths": ["/", "/api/public/*"]}},
     "spikeproof:edge.cache.marketingPaths", "overlaps the bypass path '/api'"),
    ("prod", {"cache": {"marketingPaths": ["/*"]}}, "spikeproof:edge.cache.marketingPaths",
     "overlaps"),
    ("prod", {"cache": {"marketingPaths": ["/forms/submit"], "formPaths": ["/forms/submit"]}},
     "spikeproof:edge.cache.marketingPaths", "overlaps the bypass path '/forms/submit'"),
    ("prod", {"cache": {"marketingPaths": ["pricing"]}}, "spikeproof:edge.cache.marketingPaths",
     "absolute"),
    ("prod", {"cache": {"trackingParameters": ["utm_*"]}},
     "spikeproof:edge.cache.trackingParameters", "was removed"),
    ("prod", {"cache": {"queryAllowlist": ["page"]}},
     "spikeproof:edge.cache.queryAllowlist", "edge.cache.keyedPaths"),
    ("prod", {"cache": {"keyedPaths": [{"paths": ["/blog/*"], "queryParameters": ["page"]}]}},
     "spikeproof:edge.cache.keyedPaths", "Enterprise"),
    ("prod", {"plan": "enterprise", "cache": {"keyedPaths": [
        {"paths": ["/blog/*"], "queryParameters": ["pa*e"]}]}},
     "spikeproof:edge.cache.keyedPaths", "wildcards"),
    ("staging", {"rateLimits": {"flood": {"mitigationTimeoutSeconds": 60}}},
     "spikeproof:edge.rateLimits.flood.mitigationTimeoutSeconds", "throttles"),
    ("staging", {"rateLimits": {"flood": {"action": "block"}}},
     "spikeproof:edge.rateLimits.flood.mitigationTimeoutSeconds", "needs a duration"),
    ("staging", {"rateLimits": {"form": {"methods": ["POST"]}}},
     "spikeproof:edge.rateLimits.form.methods", "pro plan"),
    ("prod", {"waitingRoom": {"enabled": True, "totalActiveUsers": None}},
     "spikeproof:edge.waitingRoom.totalActiveUsers", "capacity"),
    ("prod", {"waitingRoom": {"enabled": True, "newUsersPerMinute": 50}},
     "spikeproof:edge.waitingRoom.newUsersPerMinute", "minimum"),
    ("prod", {"accountId": None}, "spikeproof:edge.accountId", "Turnstile"),
    ("prod", {"cache": {"staticExtensions": [".css"]}}, "spikeproof:edge.cache.staticExtensions",
     "extension"),
    ("prod", {"rateLimits": {"form": {"action": "drop"}}},
     "spikeproof:edge.rateLimits.form.action", ""),
    ("prod", {"cache": {"edgeTtl": 60}}, "spikeproof:edge.cache.edgeTtl", "did you mean"),
]  # fmt: skip


@pytest.mark.parametrize(("stack", "edge", "key", "words"), BAD)
def test_bad_edge_config_is_a_clear_error(config_error, stack, edge, key, words) -> None:
    errors = config_error(stack, {"edge": edge}).errors
    keys = [e.key_path for e in errors]
    assert key in keys, f"Pulumi.{stack}.yaml edge={edge}: expected an error at {key}, got {keys}"
    err = next(e for e in errors if e.key_path == key)
    assert words in err.problem, f"{key}: problem {err.problem!r} should mention {words!r}"
    assert err.stack_file == f"Pulumi.{stack}.yaml"
    assert err.allowed or err.example, f"{key}: the error must say what is allowed or show a fix"


def _write_stack(project: Path, stack: str, edge: dict) -> None:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    document["config"]["spikeproof:edge"] = edge
    forms = document["config"].get("spikeproof:forms") or {}
    if "customDomain" in forms and edge.get("zoneName"):
        # The form API's hostname moves into the zone with the edge (one per stack).
        forms["customDomain"]["domainName"] = f"forms-{stack}.{edge['zoneName']}"
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))


def _parse(project: Path, stack: str):
    config, secrets, _ = load_stack_config(stack, project_dir=project)
    return parse(config, stack=stack, secret_keys=secrets, project_dir=project)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    return tmp_path


def _prod_edge() -> dict:
    return dict(
        yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["spikeproof:edge"]
    )


def test_two_stacks_owning_one_zones_rulesets_is_an_error(project: Path) -> None:
    edge = _prod_edge()
    _write_stack(project, "prod", edge)
    _write_stack(project, "staging", {**edge, "hostnames": ["staging.acme-marketing.com"]})
    with pytest.raises(ConfigErrors) as caught:
        _parse(project, "staging")
    err = next(e for e in caught.value.errors if e.key_path == "spikeproof:edge.ownsZoneRulesets")
    assert "Pulumi.prod.yaml" in err.problem and edge["zoneId"] in err.problem, err.render()
    assert "ownsZoneRulesets: false" in (err.example or ""), "the fix must be named"


def test_a_stack_sharing_the_zone_without_owning_rulesets_is_fine(project: Path) -> None:
    edge = _prod_edge()
    _write_stack(project, "prod", edge)
    shared = {**edge, "hostnames": ["staging.acme-marketing.com"], "ownsZoneRulesets": False}
    _write_stack(project, "staging", shared)
    settings, _ = _parse(project, "staging")
    assert settings.edge is not None and settings.edge.owns_zone_rulesets is False
    prod, _ = _parse(project, "prod")
    assert prod.edge is not None and prod.edge.owns_zone_rulesets is True


def test_the_projects_own_stacks_do_not_conflict() -> None:
    for stack in ("staging", "prod"):
        settings, _ = _parse(ROOT, stack)
        assert settings.edge is not None and settings.edge.owns_zone_rulesets, stack


def test_a_flood_rule_without_a_limit_needs_a_fleet(config_error) -> None:  # type: ignore[no-untyped-def]
    """The flood limit derives from the fleet's capacity; an edge in front of an origin this
    program does not manage must state it."""
    overrides = {"fleet": None, "forms": None, "edge": {"originHostname": "origin.example.com"}}
    rendered = config_error("staging", overrides).render()
    assert "spikeproof:edge.rateLimits.flood.requestsPerPeriod" in rendered, rendered
    assert "no spikeproof:fleet" in rendered, rendered
