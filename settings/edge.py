"""Settings for the Cloudflare edge (`spikeproof:edge`): zone, hostnames, cache and rate limit
rules, spike options. Cloudflare's own limits (TTL values, the plan's rate limit periods) are
checked here through `model.edge_rules.problems`, so a bad value stops the program with a
ConfigError before anything is registered.

Zone ownership: Cloudflare keeps one entrypoint ruleset per phase per zone, so two stacks that both
manage the rulesets of one zone would overwrite each other on every deploy. `zone_conflicts` reads
the project's other stack files (Pulumi.<other>.yaml, next to this one) and reports a stack that
claims the same zone's rulesets. It reads only their `spikeproof:edge` block, as plain YAML.
"""

from __future__ import annotations

import difflib
import math
import re
from http import HTTPMethod
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from model.edge_rules import (
    CHALLENGE_ACTIONS,
    HOSTNAME,
    ORIGIN_HEADER,
    EdgeRulesSpec,
    KeyedPaths,
    Plan,
    RateLimitAction,
    RateLimitSpec,
    problems,
)
from model.webserver import STATIC_EXTENSIONS
from settings.errors import ConfigError
from settings.files import stack_file_label, stack_file_path
from settings.model import FieldError, Model

ZONE_ID = re.compile(r"^[0-9a-f]{32}$")
ACCOUNT_ID = ZONE_ID
# Cloudflare Waiting Room minimums for both limits.
WAITING_ROOM_MIN_USERS = 200

# EdgeRulesSpec fields (as `problems()` names them) to the stack file's key paths under edge.
_SPEC_KEYS = {
    "hostnames": "hostnames",
    "bypass_prefixes": "cache.bypassPaths",
    "form_paths": "cache.formPaths",
    "session_cookies": "cache.sessionCookies",
    "marketing_paths": "cache.marketingPaths",
    "edge_ttl_seconds": "cache.edgeTtlSeconds",
    "browser_ttl_seconds": "cache.browserTtlSeconds",
    "static_extensions": "cache.staticExtensions",
    "static_edge_ttl_seconds": "cache.staticEdgeTtlSeconds",
    "static_browser_ttl_seconds": "cache.staticBrowserTtlSeconds",
    "keyed_paths": "cache.keyedPaths",
    "asset_version_parameters": "cache.assetVersionParameters",
    "origin_header_name": "originHeaderName",
    "rate_limits": "rateLimits",
}
_RATE_KEYS = {
    "period_seconds": "periodSeconds",
    "mitigation_timeout_seconds": "mitigationTimeoutSeconds",
    "requests_per_period": "requestsPerPeriod",
    "paths": "paths",
    "methods": "methods",
}


class ZoneSettingsSettings(Model):
    """Zone settings the stack manages; a key set to null is left as it is in Cloudflare."""

    ssl: Literal["off", "flexible", "full", "strict"] | None = Field(
        default=None,
        description="The zone-wide SSL mode. It reaches every hostname of the zone, also those "
        "this stack does not own (Full (strict) answers 526 for any whose origin lacks a valid "
        "certificate). Default: left as the zone has it; the marketing hostnames and the form "
        "host get their own mode from a configuration rule (edge.hostnameSsl).",
    )
    always_use_https: bool | None = Field(
        default=True, description="Redirect HTTP to HTTPS at the edge. Default: true."
    )
    min_tls_version: Literal["1.0", "1.1", "1.2", "1.3"] | None = Field(
        default="1.2", description="Minimum TLS version visitors may use. Default: 1.2."
    )
    http3: bool | None = Field(default=True, description="HTTP/3 (QUIC). Default: true.")
    brotli: bool | None = Field(default=True, description="Brotli compression. Default: true.")

    def values(self) -> dict[str, str]:
        """Cloudflare setting id to API value, for the settings the stack manages."""
        on_off = {True: "on", False: "off"}
        wanted: dict[str, str | None] = {
            "ssl": self.ssl,
            "always_use_https": None
            if self.always_use_https is None
            else on_off[self.always_use_https],
            "min_tls_version": self.min_tls_version,
            "http3": None if self.http3 is None else on_off[self.http3],
            "brotli": None if self.brotli is None else on_off[self.brotli],
        }
        return {k: v for k, v in wanted.items() if v is not None}


class KeyedPathsSettings(Model):
    paths: list[str] = Field(
        min_length=1,
        description="Paths as in marketingPaths ('/blog' exactly, '/blog/*' the prefix).",
        examples=["['/blog', '/blog/*']"],
    )
    query_parameters: list[str] = Field(
        description="Parameter names kept in the key, spelled exactly as the page's links spell "
        "them.",
        examples=["['page']"],
    )


_REPLACED_CACHE_KEYS = {
    "trackingParameters": "a list of the world's tracking parameters cannot be complete: "
    "marketing pages are now cached under their path alone, so every parameter, listed or not, "
    "in any case, is ignored. Remove the key; a page that really varies by a parameter goes in "
    "edge.cache.keyedPaths (Enterprise) or edge.cache.bypassPaths",
    "queryAllowlist": "the allow-list is now per page group: edge.cache.keyedPaths "
    "(Enterprise), with every other marketing page keyed by path alone",
}


class CacheSettings(Model):
    """What the edge caches, for how long, and what it never caches."""

    @model_validator(mode="before")
    @classmethod
    def _replaced(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, why in _REPLACED_CACHE_KEYS.items():
                if key in data:
                    raise FieldError(
                        key,
                        f"edge.cache.{key} was removed: {why}",
                        value=data[key],
                        allowed="no such key",
                        example=f"delete edge.cache.{key}",
                    )
        return data

    marketing_paths: list[str] = Field(
        default_factory=lambda: ["/"],
        description="Paths cached whole: '/pricing' matches exactly, '/campaigns/*' the prefix. "
        "Must not overlap a bypass or form path. Default: ['/'] (the home page).",
        examples=["['/', '/pricing', '/campaigns/*']"],
    )
    bypass_paths: list[str] = Field(
        default_factory=lambda: ["/api", "/app", "/admin"],
        description="API, app and admin path prefixes never cached (case-insensitive; '/api' "
        "covers '/api' and '/api/...'). Default: ['/api', '/app', '/admin'].",
        examples=["['/api', '/app', '/admin', '/account']"],
    )
    form_paths: list[str] = Field(
        default_factory=list,
        description="Form endpoints the fleet itself serves on the marketing hostnames: never "
        "cached, and the strict form rate limit counts them (it always counts the form API's "
        "own host and routes). Default: none.",
        examples=["['/forms/submit']"],
    )
    session_cookies: list[str] = Field(
        default_factory=lambda: ["sp_session"],
        description="Cookie names of a logged-in visitor; their requests are never cached. "
        "Default: ['sp_session'].",
        examples=["['sp_session', 'remember_me']"],
    )
    edge_ttl_seconds: int = Field(
        default=3600,
        description="Edge TTL of marketing pages, seconds (the plan's minimum to 31536000). "
        "Default: 3600.",
        examples=["1800"],
    )
    browser_ttl_seconds: int = Field(
        default=300,
        description="Browser TTL of marketing pages, one of Cloudflare's values (30, 60, 120, 300, "
        "1200, 1800, 3600, ...). Default: 300.",
        examples=["120"],
    )
    static_extensions: list[str] = Field(
        default_factory=lambda: list(STATIC_EXTENSIONS),
        description="File extensions cached as static assets. Default: the list the origin marks "
        "immutable (model/webserver.py): CSS, JS, source maps, images, fonts, video, PDF.",
        examples=["['css', 'js', 'png', 'woff2']"],
    )
    static_edge_ttl_seconds: int = Field(
        default=2_678_400, description="Edge TTL of static assets, seconds. Default: 31 days."
    )
    static_browser_ttl_seconds: int = Field(
        default=86_400, description="Browser TTL of static assets, seconds. Default: 1 day."
    )
    keyed_paths: list[KeyedPathsSettings] = Field(
        default_factory=list,
        description="Pages that really vary by a query parameter (a listing's page), cached under "
        "their path plus exactly those parameters; every other parameter is ignored. Enterprise "
        "zones only (Cloudflare offers a parameter allow-list on Enterprise; other plans can only "
        "ignore the whole query string). Default: none: every marketing page is cached under its "
        "path alone, and no query parameter, known or not, in any case, splits it.",
        examples=["[{paths: ['/blog', '/blog/*'], queryParameters: [page]}]"],
    )
    asset_version_parameters: list[str] = Field(
        default_factory=lambda: ["v"],
        description="On Enterprise zones, the only query parameters a static asset's cache key "
        "keeps (its cache-buster). Other plans keep an asset's whole query string, which comes "
        "from the site's own HTML, not from campaign links. Default: ['v'].",
        examples=["['v', 'ver']"],
    )
    serve_stale: bool = Field(
        default=True, description="Serve stale content while revalidating. Default: true."
    )
    cache_deception_armor: bool = Field(
        default=True, description="Cache Deception Armor on cached rules. Default: true."
    )
    tiered_cache: bool = Field(
        default=True,
        description="Tiered caching with Smart Tiered Cache topology. Default: true.",
    )
    cache_reserve: bool = Field(
        default=False, description="Cache Reserve (paid add-on). Default: false."
    )


class RateLimitSettings(Model):
    """One rate limiting rule, counted per client IP per Cloudflare location."""

    requests_per_period: int | None = Field(
        default=None,
        description="Requests allowed per period. Required for the form rule; for the flood "
        "rule, default: derived from the fleet (originSharePercent of its minimum capacity).",
        examples=["5"],
    )
    period_seconds: int = Field(
        description="Counting period; the plan decides (free 10; pro 10-60; business 10-600; "
        "enterprise 10-65535: 10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, ...).",
        examples=["60"],
    )
    mitigation_timeout_seconds: int | None = Field(
        default=None,
        description="How long the action lasts once tripped (free 10; pro up to 3600; business "
        "and enterprise up to 86400). Below Enterprise a challenge action takes no duration "
        "(Cloudflare throttles it: 0). Default: 0 with a challenge action; required with block.",
        examples=["3600"],
    )
    action: RateLimitAction = Field(
        default="block", description="Action over the limit. Default: block (HTTP 429)."
    )
    methods: list[str] = Field(
        default_factory=list,
        description="HTTP methods counted (Business plan and up). Default: every method.",
        examples=["['POST']"],
    )
    origin_share_percent: float = Field(
        default=5.0,
        gt=0,
        le=100,
        description="Flood rule: the share of the fleet's minimum capacity (minSize x "
        "perInstanceCapacityRps) one client may take at the origin, when requestsPerPeriod is "
        "not set. Default: 5.",
        examples=["5"],
    )

    @field_validator("methods")
    @classmethod
    def _methods(cls, value: list[str]) -> list[str]:
        # The HTTP methods Python's standard library knows (http.HTTPMethod: RFC 9110 and
        # PATCH); a misspelt one would make a rule that never matches anything.
        known = [m.value for m in HTTPMethod]
        for method in value:
            if method.upper() not in known:
                close = difflib.get_close_matches(method.upper(), known, n=1)
                raise ValueError(
                    f"{method!r} is not an HTTP method"
                    + (f" (did you mean {close[0]}?)" if close else "")
                    + f"; one of {', '.join(known)}"
                )
        return value

    def timeout(self) -> int | None:
        if self.mitigation_timeout_seconds is not None:
            return self.mitigation_timeout_seconds
        return 0 if self.action in CHALLENGE_ACTIONS else None


class RateLimitsSettings(Model):
    form: RateLimitSettings = Field(
        # By alias: the model takes only its camelCase keys (populate_by_name=False).
        default_factory=lambda: RateLimitSettings.model_validate(
            {"requestsPerPeriod": 5, "periodSeconds": 60, "mitigationTimeoutSeconds": 3600}
        ),
        description="Strict per-client limit on the form paths. Default: 5 per minute, then "
        "blocked for an hour.",
    )
    flood: RateLimitSettings | None = Field(
        default=None,
        description="Per-client limit on the marketing hostnames that counts only requests "
        "reaching the origin (Cloudflare's requests_to_origin): cached page views never count, so "
        "an office or a mobile carrier behind one address is not challenged during a campaign. "
        "Default: none.",
        examples=["{periodSeconds: 60, action: managed_challenge}"],
    )


class WaitingRoomSettings(Model):
    enabled: bool = Field(default=False, description="Create the Waiting Room. Default: false.")
    path: str = Field(
        default="/campaigns/",
        description="Path prefix the room guards. Default: /campaigns/.",
    )
    advanced: bool = Field(
        default=False,
        description="The zone has the Waiting Room Advanced subscription (an Enterprise add-on): "
        "the room guards the path on every marketing hostname (its additional routes). Without "
        "it a room guards one hostname, the first: link campaigns there, since a link to another "
        "one bypasses the queue. Default: false.",
    )
    total_active_users: int | None = Field(
        default=None,
        description="Visitors admitted at once (>= 200). Required when enabled.",
        examples=["5000"],
    )
    new_users_per_minute: int | None = Field(
        default=None,
        description="New visitors admitted per minute (>= 200). Required when enabled.",
        examples=["1000"],
    )
    session_duration_minutes: int = Field(
        default=5, ge=1, le=30, description="Admitted session lifetime. Default: 5."
    )


class TurnstileSettings(Model):
    enabled: bool = Field(
        default=False,
        description="Create a Turnstile widget for the form (needs accountId). Default: false.",
    )
    mode: Literal["managed", "non-interactive", "invisible"] = Field(
        default="managed", description="Widget mode. Default: managed."
    )


class EdgeSettings(Model):
    """The Cloudflare zone in front of the marketing fleet."""

    @model_validator(mode="before")
    @classmethod
    def _removed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "authenticatedOriginPulls" in data:
            raise FieldError(
                "authenticatedOriginPulls",
                "edge.authenticatedOriginPulls was removed: Cloudflare presenting a client "
                "certificate protects nothing unless the ALB's HTTPS listener verifies it (mutual "
                "TLS with a trust store), which this program does not configure; the origin is "
                "protected by the secret origin header and the ALB's Cloudflare-only ingress",
                value=data["authenticatedOriginPulls"],
                allowed="no such key",
                example="delete edge.authenticatedOriginPulls",
            )
        return data

    zone_id: str | None = Field(
        default=None,
        description="Cloudflare zone id (32 hex characters). Default: looked up from zoneName.",
        examples=["0b7d1e2f3a4c5d6e7f8091a2b3c4d5e6"],
    )
    zone_name: str | None = Field(
        default=None,
        description="Zone (apex domain) name; required when zoneId is not set.",
        examples=["acme-marketing.com"],
    )
    account_id: str | None = Field(
        default=None,
        description="Cloudflare account id, needed only for the Turnstile widget.",
        examples=["9a8b7c6d5e4f30211a2b3c4d5e6f7081"],
    )
    plan: Plan = Field(
        default="pro",
        description="The zone's Cloudflare plan: bounds TTLs and rate limits. Default: pro.",
    )
    hostnames: list[str] = Field(
        description="Marketing hostnames, proxied through Cloudflare (lower case).",
        examples=["['www.acme-marketing.com', 'acme-marketing.com']"],
    )
    origin_hostname: str | None = Field(
        default=None,
        description="DNS name the proxied records point at, for an origin this program does not "
        "manage. Default: the fleet's load balancer (required without spikeproof:fleet; "
        "refused with it).",
        examples=["marketing-alb-123456.eu-west-1.elb.amazonaws.com"],
    )
    owns_zone_rulesets: bool = Field(
        default=True,
        description="This stack creates the zone's entrypoint rulesets (cache, rate limit, "
        "transform). Only one stack per zone may. Default: true.",
    )
    origin_header_name: str = Field(
        default=ORIGIN_HEADER,
        description="Header the edge adds with the origin secret; the ALB requires it.",
    )
    zone_settings: ZoneSettingsSettings = Field(
        default_factory=ZoneSettingsSettings,
        description="Zone settings to manage; each reaches every hostname of the zone.",
    )
    hostname_ssl: Literal["full", "strict"] = Field(
        default="strict",
        description="SSL mode between the edge and the origin for the marketing hostnames and "
        "the form host only, set by a configuration rule (phase http_config_settings; needs "
        "ownsZoneRulesets), so other hosts of the zone keep theirs. Default: strict (Full "
        "(strict): the edge verifies the origin's certificate, which the load balancer's ACM "
        "certificate and API Gateway's satisfy).",
    )
    cache: CacheSettings = Field(default_factory=CacheSettings, description="Cache rules.")
    rate_limits: RateLimitsSettings = Field(
        default_factory=RateLimitsSettings, description="Rate limiting rules."
    )
    waiting_room: WaitingRoomSettings = Field(
        default_factory=WaitingRoomSettings, description="Waiting Room for campaign landings."
    )
    turnstile: TurnstileSettings = Field(
        default_factory=TurnstileSettings, description="Turnstile widget for the form."
    )

    @field_validator("zone_id")
    @classmethod
    def _zone_id(cls, value: str | None) -> str | None:
        if value is not None and not ZONE_ID.match(value):
            raise ValueError("not a Cloudflare zone id (32 lower-case hex characters)")
        return value

    @field_validator("account_id")
    @classmethod
    def _account_id(cls, value: str | None) -> str | None:
        if value is not None and not ACCOUNT_ID.match(value):
            raise ValueError("not a Cloudflare account id (32 lower-case hex characters)")
        return value

    @field_validator("hostnames")
    @classmethod
    def _hostnames(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one marketing hostname is required")
        for host in value:
            if not HOSTNAME.match(host):
                raise ValueError(f"{host!r} is not a valid lower-case DNS hostname")
        if len(set(value)) != len(value):
            raise ValueError("a hostname is listed twice")
        return value

    @field_validator("zone_name", "origin_hostname")
    @classmethod
    def _dns_name(cls, value: str | None) -> str | None:
        if value is not None and not HOSTNAME.match(value):
            raise ValueError("not a valid lower-case DNS name")
        return value

    @model_validator(mode="after")
    def _rules(self) -> EdgeSettings:
        if self.zone_id is None and self.zone_name is None:
            raise FieldError(
                "zoneId",
                "the zone is unknown: set edge.zoneId or edge.zoneName",
                allowed="a 32-hex zone id, or the zone's domain name",
                example="spikeproof:edge: {zoneName: acme-marketing.com, ...}",
            )
        if self.zone_name is not None:
            for host in self.hostnames:
                if host != self.zone_name and not host.endswith("." + self.zone_name):
                    raise FieldError(
                        "hostnames",
                        f"hostname {host!r} is not in the zone {self.zone_name!r}",
                        value=host,
                        allowed=f"{self.zone_name} or a name ending in .{self.zone_name}",
                        example=f"www.{self.zone_name}",
                    )
        form = self.rate_limits.form
        if form.requests_per_period is None:
            raise FieldError(
                "rateLimits.form.requestsPerPeriod",
                "the form rule needs its limit (only the flood rule derives one from the fleet)",
                allowed="a positive integer",
                example="spikeproof:edge: {rateLimits: {form: {requestsPerPeriod: 5, ...}}}",
            )
        for which, rule in (("form", form), ("flood", self.rate_limits.flood)):
            if rule is not None and rule.timeout() is None:
                raise FieldError(
                    f"rateLimits.{which}.mitigationTimeoutSeconds",
                    f"a {rule.action} rule needs a duration (only challenge actions take none)",
                    allowed="a duration the plan offers, e.g. 60 or 3600",
                    example=f"spikeproof:edge: {{rateLimits: {{{which}: "
                    "{mitigationTimeoutSeconds: 3600}}}",
                )
        # Checked with the form rule in place (its real host comes from spikeproof:forms, which
        # the stack's Settings check again with the real one): a stand-in name, never deployed.
        spec = self.rules_spec(form_host="forms.example.com", form_routes=("/subscribe",))
        found = problems(spec)
        if found:
            p = found[0]
            raise FieldError(
                _config_path(p.field, spec),
                p.problem,
                value=p.value,
                allowed=p.allowed,
                example=p.example or None,
            )
        wr = self.waiting_room
        if wr.enabled:
            for key, value in (
                ("totalActiveUsers", wr.total_active_users),
                ("newUsersPerMinute", wr.new_users_per_minute),
            ):
                if value is None or value < WAITING_ROOM_MIN_USERS:
                    raise FieldError(
                        f"waitingRoom.{key}",
                        "a Waiting Room needs a capacity: "
                        + (
                            "missing" if value is None else f"{value} is under Cloudflare's minimum"
                        ),
                        value=value,
                        allowed=f"an integer >= {WAITING_ROOM_MIN_USERS}",
                        example=f"spikeproof:edge: {{waitingRoom: {{enabled: true, {key}: 1000}}}}",
                    )
            if wr.advanced and self.plan != "enterprise":
                raise FieldError(
                    "waitingRoom.advanced",
                    "Waiting Room Advanced (additional routes on several hostnames) is an "
                    f"Enterprise add-on; the zone's plan is {self.plan}",
                    value=True,
                    allowed="true only with plan: enterprise and the subscription",
                    example="remove waitingRoom.advanced, and link campaigns to "
                    f"{self.hostnames[0]} (the hostname the room guards)",
                )
            if not wr.path.startswith("/") or "*" in wr.path or "?" in wr.path:
                raise FieldError(
                    "waitingRoom.path",
                    "not a path prefix (no wildcards or query)",
                    value=wr.path,
                    allowed="a path starting with '/'",
                    example="/campaigns/",
                )
        if self.turnstile.enabled and self.account_id is None:
            raise FieldError(
                "accountId",
                "a Turnstile widget belongs to an account: edge.accountId is required",
                allowed="a 32-hex Cloudflare account id",
                example="spikeproof:edge: {accountId: 9a8b7c6d5e4f30211a2b3c4d5e6f7081}",
            )
        return self

    def flood_requests_per_period(self, origin_capacity_rps: float | None) -> int | None:
        """The flood rule's limit: as configured, or originSharePercent of the fleet's minimum
        capacity over the period (None: no flood rule, or nothing to derive it from)."""
        f = self.rate_limits.flood
        if f is None:
            return None
        if f.requests_per_period is not None:
            return f.requests_per_period
        if origin_capacity_rps is None:
            return None
        per_second = origin_capacity_rps * f.origin_share_percent / 100
        return max(1, math.floor(per_second * f.period_seconds))

    def rules_spec(
        self,
        *,
        origin_capacity_rps: float | None = None,
        page_query_ignored: bool = True,
        form_host: str | None = None,
        form_routes: tuple[str, ...] = (),
        static_routes: tuple[str, ...] = (),
    ) -> EdgeRulesSpec:
        """The rules this config generates. `origin_capacity_rps`: the fleet's minimum capacity,
        which a flood rule without requestsPerPeriod is derived from (settings check that one of
        the two exists). `form_host`/`form_routes`: the form API's hostname and routes, which
        the strict form rule counts (with cache.formPaths on the marketing hostnames, if any);
        with neither, there is no form rule (it would count every path)."""
        c = self.cache
        form = self.rate_limits.form
        limits = []
        if form_host is not None or c.form_paths:
            limits.append(
                RateLimitSpec(
                    name="form",
                    paths=tuple(c.form_paths),
                    methods=tuple(m.upper() for m in form.methods),
                    requests_per_period=_checked(form.requests_per_period),
                    period_seconds=form.period_seconds,
                    mitigation_timeout_seconds=_checked(form.timeout()),
                    action=form.action,
                    other_hosts=((form_host, form_routes),) if form_host else (),
                )
            )
        f = self.rate_limits.flood
        if f is not None:
            limits.append(
                RateLimitSpec(
                    name="flood",
                    methods=tuple(m.upper() for m in f.methods),
                    # 1 stands in until the fleet's capacity is known (Settings checks the rest).
                    requests_per_period=self.flood_requests_per_period(origin_capacity_rps) or 1,
                    period_seconds=f.period_seconds,
                    mitigation_timeout_seconds=_checked(f.timeout()),
                    action=f.action,
                    requests_to_origin=True,
                )
            )
        return EdgeRulesSpec(
            hostnames=tuple(self.hostnames),
            bypass_prefixes=tuple(c.bypass_paths),
            form_paths=tuple(c.form_paths),
            session_cookies=tuple(c.session_cookies),
            marketing_paths=tuple(c.marketing_paths),
            edge_ttl_seconds=c.edge_ttl_seconds,
            browser_ttl_seconds=c.browser_ttl_seconds,
            static_extensions=tuple(c.static_extensions),
            static_edge_ttl_seconds=c.static_edge_ttl_seconds,
            static_browser_ttl_seconds=c.static_browser_ttl_seconds,
            keyed_paths=tuple(
                KeyedPaths(paths=tuple(k.paths), parameters=tuple(k.query_parameters))
                for k in c.keyed_paths
            ),
            asset_version_parameters=tuple(c.asset_version_parameters),
            page_query_ignored=page_query_ignored,
            serve_stale=c.serve_stale,
            cache_deception_armor=c.cache_deception_armor,
            rate_limits=tuple(limits),
            plan=self.plan,
            origin_header_name=self.origin_header_name,
            form_host=form_host,
            static_routes=static_routes,
        )


def _checked(value: int | None) -> int:
    """A rate limit figure `_rules` has already required (the validator runs before any spec)."""
    if value is None:
        raise ValueError("rate limit figure missing after validation")
    return value


def _config_path(spec_field: str, spec: EdgeRulesSpec) -> str:
    """`rate_limits[1].period_seconds` -> `rateLimits.flood.periodSeconds` (the rule's name for
    its index)."""
    head, _, rest = spec_field.partition(".")
    name = re.sub(r"\[\d+\]$", "", head)
    if name == "rate_limits" and "[" in head:
        which = spec.rate_limits[int(head[head.index("[") + 1 : -1])].name
        sub = re.sub(r"\[\d+\]$", "", rest)
        return f"rateLimits.{which}" + (f".{_RATE_KEYS.get(sub, sub)}" if sub else "")
    return _SPEC_KEYS.get(name, name)


def _raw_edge(path: Path) -> dict[str, Any] | None:
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None
    edge = (document.get("config") or {}).get("spikeproof:edge")
    return edge if isinstance(edge, dict) else None


def zone_conflicts(
    edge: EdgeSettings | None, *, stack: str, project_dir: Path
) -> list[ConfigError]:
    """ConfigErrors when another stack file of the project also owns this zone's rulesets."""
    if edge is None or not edge.owns_zone_rulesets:
        return []
    errors: list[ConfigError] = []
    candidate = stack_file_path(stack, project_dir)
    for other in sorted(project_dir.glob("Pulumi.*.yaml")):
        other_stack = other.name[len("Pulumi.") : -len(".yaml")]
        # The stack's own file, and the candidate file read in its place (--config-file), are
        # this stack: never a conflict with itself.
        if other_stack == stack or other.resolve() == candidate:
            continue
        raw = _raw_edge(other)
        if raw is None or raw.get("ownsZoneRulesets", True) is not True:
            continue
        same_id = edge.zone_id is not None and raw.get("zoneId") == edge.zone_id
        same_name = edge.zone_name is not None and raw.get("zoneName") == edge.zone_name
        if same_id or same_name:
            zone = edge.zone_id if same_id else edge.zone_name
            errors.append(
                ConfigError(
                    stack_file=stack_file_label(stack),
                    key_path="spikeproof:edge.ownsZoneRulesets",
                    problem=f"{other.name} also owns the rulesets of zone {zone}; Cloudflare keeps "
                    "one entrypoint ruleset per phase per zone, so the two stacks would overwrite "
                    "each other's cache, rate limit and transform rules",
                    value=True,
                    allowed="ownsZoneRulesets: true in at most one stack per zone",
                    example="spikeproof:edge: {ownsZoneRulesets: false} in the stack that should "
                    "share the other stack's rules (see docs/edge.md)",
                )
            )
    return errors
