"""Cloudflare Rules-language expressions and ordered rule lists for the marketing edge.

Pure functions from typed inputs to plain rule dicts shaped like `cloudflare.RulesetRuleArgsDict`
(snake_case keys), so the component hands them straight to `cloudflare.Ruleset(rules=...)` and the
checker (`model/edge_eval.py`) parses and evaluates exactly what is deployed. No Pulumi resources
and no config reads here; the only non-literal value that passes through is the secret origin header
value, which is carried opaquely (it may be a `pulumi.Output`).

Cache rules (phase `http_request_cache_settings`) are all evaluated and later rules override earlier
ones setting by setting, so the list is ordered from broad to narrow and ends with the bypass rules:
nothing placed before a bypass can re-enable caching of an API, app, admin or form path or of a
logged-in request. Every caching rule also carries the bypass guard in its own expression, so no
caching rule ever matches a bypass path even if the order were changed.

The cache key drops tracking parameters with an explicit `exclude` list: Cloudflare's list does
not take wildcards, so `utm_*` is expanded to the utm_ parameters analytics tools define (see
`STANDARD_TRACKING_PARAMETERS`) plus the stack's own list. An `include` allow-list would drop
unknown per-recipient parameters too, but it would also silently collapse any parameter a page
really varies on (an asset's `?v=` cache-buster, a `?page=` listing) into one cached object; the
exclude list keeps every parameter the site did not declare as tracking, which fails safe (a miss,
never wrong content). Stacks whose pages vary on nothing can choose the allow-list instead
(`query_allowlist`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Plan = Literal["free", "pro", "business", "enterprise"]
RateLimitAction = Literal["block", "managed_challenge", "js_challenge", "challenge", "log"]

CACHE_PHASE = "http_request_cache_settings"
RATELIMIT_PHASE = "http_ratelimit"
TRANSFORM_PHASE = "http_request_late_transform"
# The header the edge adds to every request it sends to the origin and the ALB requires (with the
# origin secret as its value); edge.originHeaderName can rename it.
ORIGIN_HEADER = "X-Origin-Verify"

# Cloudflare's rate limiting availability table (counting periods, mitigation timeouts, rule count).
RATE_LIMIT_PERIODS_SECONDS: dict[Plan, tuple[int, ...]] = {
    "free": (10,),
    "pro": (10, 60),
    "business": (10, 60, 600),
    "enterprise": (10, 60, 120, 300, 600, 3600),
}
RATE_LIMIT_TIMEOUTS_SECONDS: dict[Plan, tuple[int, ...]] = {
    "free": (10,),
    "pro": (10, 60, 3600),
    "business": (10, 60, 3600, 86400),
    "enterprise": (10, 60, 120, 300, 600, 3600, 86400),
}
RATE_LIMIT_MAX_RULES: dict[Plan, int] = {"free": 1, "pro": 2, "business": 5, "enterprise": 5}
# Cache rules' Edge TTL: the plan sets the minimum, one year is the maximum everywhere.
EDGE_TTL_MIN_SECONDS: dict[Plan, int] = {"free": 7200, "pro": 3600, "business": 1, "enterprise": 1}
EDGE_TTL_MAX_SECONDS = 31_536_000
# Browser TTL values Cloudflare offers (the zone setting's enum, without 0 = "respect origin").
BROWSER_TTL_VALUES_SECONDS: tuple[int, ...] = (
    30,
    60,
    120,
    300,
    1200,
    1800,
    3600,
    7200,
    10800,
    14400,
    18000,
    28800,
    43200,
    57600,
    72000,
    86400,
    172800,
    259200,
    345600,
    432000,
    691200,
    1382400,
    2073600,
    2678400,
    5356800,
    16070400,
    31536000,
)
# `utm_*` expanded (Google Analytics' five plus GA4's utm_id and three newer ones), then click ids
# and Mailchimp's per-recipient campaign/email ids that the issue names.
UTM_PARAMETERS: tuple[str, ...] = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "utm_source_platform",
    "utm_creative_format",
    "utm_marketing_tactic",
)
STANDARD_TRACKING_PARAMETERS: tuple[str, ...] = (
    *UTM_PARAMETERS,
    "gclid",
    "fbclid",
    "mc_cid",
    "mc_eid",
)
RATE_LIMIT_CHARACTERISTICS: tuple[str, ...] = ("ip.src", "cf.colo.id")

# Cloudflare refuses rule expressions longer than this.
MAX_EXPRESSION_CHARS = 4096
HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()+,;=:@%/-]*$")
QUERY_PARAM = re.compile(r"^[A-Za-z0-9_.~-]{1,100}$")
COOKIE_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")
EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@dataclass(frozen=True, kw_only=True)
class RateLimitSpec:
    """One rate limiting rule, counted per client (IP) per Cloudflare location."""

    name: str
    """Kebab-case rule name, used as the rule's `ref` and in its description."""
    paths: tuple[str, ...] = ()
    """Path prefixes counted (each matches itself and everything below it). Empty: every path."""
    methods: tuple[str, ...] = ()
    """HTTP methods counted, upper case. Empty: every method."""
    requests_per_period: int
    """Requests a client may make per period before the action applies."""
    period_seconds: int
    """Counting period; must be one the plan offers (RATE_LIMIT_PERIODS_SECONDS)."""
    mitigation_timeout_seconds: int
    """How long the action applies once tripped; one the plan offers (RATE_LIMIT_TIMEOUTS_SECONDS).
    """
    action: RateLimitAction = "block"
    """What a client over the limit gets. Default: block (HTTP 429)."""


@dataclass(frozen=True, kw_only=True)
class EdgeRulesSpec:
    """Everything the rule lists are generated from. Checked by `problems()`."""

    hostnames: tuple[str, ...]
    """Marketing hostnames every rule is scoped to (lower case)."""
    bypass_prefixes: tuple[str, ...]
    """API, app, admin and form path prefixes never cached (matched case-insensitively, each as
    itself and everything below it: `/api` covers `/api` and `/api/x`, not `/apiary`)."""
    form_paths: tuple[str, ...]
    """Form endpoints (also bypassed); the strict rate limit counts POSTs to them."""
    session_cookies: tuple[str, ...]
    """Cookie names that mark a logged-in visitor; a request carrying one is never cached."""
    marketing_paths: tuple[str, ...]
    """Paths cached whole: `/pricing` matches exactly, `/campaigns/*` matches the prefix."""
    edge_ttl_seconds: int
    """Edge TTL for marketing pages (overrides the origin's Cache-Control)."""
    browser_ttl_seconds: int
    """Browser TTL for marketing pages."""
    static_extensions: tuple[str, ...]
    """File extensions (no dot, lower case) cached as static assets on the marketing hostnames."""
    static_edge_ttl_seconds: int
    """Edge TTL for static assets."""
    static_browser_ttl_seconds: int
    """Browser TTL for static assets."""
    ignore_tracking_parameters: bool = True
    """Drop tracking parameters from the cache key. Default on; off only to measure the effect."""
    extra_tracking_parameters: tuple[str, ...] = ()
    """Tracking parameters beyond STANDARD_TRACKING_PARAMETERS (e.g. an ESP's per-recipient id)."""
    query_allowlist: tuple[str, ...] | None = None
    """If set, the cache key keeps only these parameters (an `include` list; empty keeps none)
    instead of excluding the tracking ones. Default: exclude the tracking parameters."""
    serve_stale: bool
    """Serve stale content while revalidating an expired object. Default on."""
    cache_deception_armor: bool
    """Refuse to cache a response whose content type does not match the path's extension."""
    rate_limits: tuple[RateLimitSpec, ...] = ()
    """Rate limiting rules, evaluated in this order (put the strict form rule first)."""
    plan: Plan
    """Cloudflare plan of the zone; bounds TTLs, rate limit periods and rule counts."""
    origin_header_name: str = ORIGIN_HEADER
    """Header the late transform sets on every request to the origin; the ALB requires it."""

    @property
    def tracking_parameters(self) -> tuple[str, ...]:
        seen: dict[str, None] = dict.fromkeys(
            (*STANDARD_TRACKING_PARAMETERS, *self.extra_tracking_parameters)
        )
        return tuple(seen)

    @property
    def all_bypass_prefixes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.bypass_prefixes, *self.form_paths)))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an EdgeRulesSpec: field (snake_case path), problem, what is allowed."""

    field: str
    problem: str
    value: Any
    allowed: str
    example: str = ""


def quote(value: str) -> str:
    """A Rules-language quoted string literal (only `"` and `\\` need escaping)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _set(values: Sequence[str]) -> str:
    return "{" + " ".join(quote(v) for v in values) + "}"


def host_expression(hostnames: Sequence[str]) -> str:
    return f"http.host in {_set(hostnames)}"


def under_expression(
    prefixes: Sequence[str], *, field_expr: str = "lower(http.request.uri.path)"
) -> str:
    """True when the path is one of `prefixes` or below one of them (`/api` or `/api/...`)."""
    exact = [p.rstrip("/").lower() or "/" for p in prefixes]
    parts = [f"{field_expr} in {_set(exact)}"]
    parts += [f"starts_with({field_expr}, {quote(p.rstrip('/').lower() + '/')})" for p in prefixes]
    return "(" + " or ".join(parts) + ")"


def session_expression(cookies: Sequence[str]) -> str:
    # `http.cookie contains "name="` is Cloudflare's documented bypass-on-cookie pattern; it also
    # matches a cookie whose name ends with ours, which only errs towards not caching.
    return "(" + " or ".join(f"http.cookie contains {quote(c + '=')}" for c in cookies) + ")"


def marketing_expression(paths: Sequence[str]) -> str:
    exact = [p for p in paths if not p.endswith("*")]
    prefixes = [p[:-1] for p in paths if p.endswith("*")]
    parts = [f"http.request.uri.path in {_set(exact)}"] if exact else []
    parts += [f"starts_with(http.request.uri.path, {quote(p)})" for p in prefixes]
    return "(" + " or ".join(parts) + ")"


def bypass_guard(spec: EdgeRulesSpec) -> str:
    return f"not {under_expression(spec.all_bypass_prefixes)}"


def _cache_key(spec: EdgeRulesSpec) -> dict[str, Any]:
    key: dict[str, Any] = {
        "cache_deception_armor": spec.cache_deception_armor,
        "ignore_query_strings_order": True,
    }
    if spec.query_allowlist is not None:
        query: dict[str, Any] = (
            {"include": {"lists": list(spec.query_allowlist)}}
            if spec.query_allowlist
            else {"exclude": {"all": True}}
        )
        key["custom_key"] = {"query_string": query}
    elif spec.ignore_tracking_parameters:
        key["custom_key"] = {"query_string": {"exclude": {"lists": list(spec.tracking_parameters)}}}
    return key


def _cache_params(spec: EdgeRulesSpec, edge_ttl: int, browser_ttl: int) -> dict[str, Any]:
    return {
        "cache": True,
        "edge_ttl": {"mode": "override_origin", "default": edge_ttl},
        "browser_ttl": {"mode": "override_origin", "default": browser_ttl},
        "serve_stale": {"disable_stale_while_updating": not spec.serve_stale},
        "cache_key": _cache_key(spec),
    }


def cache_rules(spec: EdgeRulesSpec, *, comment: str = "spikeproof") -> list[dict[str, Any]]:
    """Cache-settings rules in evaluation order: pages, assets, then the bypasses (last wins)."""
    hosts = host_expression(spec.hostnames)
    guard = bypass_guard(spec)
    exts = _set(spec.static_extensions)
    rules: list[dict[str, Any]] = [
        {
            "ref": "marketing_pages",
            "description": f"{comment}: cache marketing pages, tracking parameters ignored",
            "expression": f"{hosts} and {marketing_expression(spec.marketing_paths)} and {guard}",
            "action": "set_cache_settings",
            "action_parameters": _cache_params(
                spec, spec.edge_ttl_seconds, spec.browser_ttl_seconds
            ),
            "enabled": True,
        },
        {
            # After the pages rule so an asset under a marketing prefix gets the asset TTLs.
            "ref": "static_assets",
            "description": f"{comment}: long TTLs for static assets",
            "expression": f"{hosts} and http.request.uri.path.extension in {exts} and {guard}",
            "action": "set_cache_settings",
            "action_parameters": _cache_params(
                spec, spec.static_edge_ttl_seconds, spec.static_browser_ttl_seconds
            ),
            "enabled": True,
        },
        {
            "ref": "bypass_dynamic_paths",
            "description": f"{comment}: never cache API, app, admin and form paths",
            "expression": f"{hosts} and {under_expression(spec.all_bypass_prefixes)}",
            "action": "set_cache_settings",
            "action_parameters": {"cache": False},
            "enabled": True,
        },
    ]
    if spec.session_cookies:
        rules.append(
            {
                "ref": "bypass_sessions",
                "description": f"{comment}: never cache a logged-in visitor's request",
                "expression": f"{hosts} and {session_expression(spec.session_cookies)}",
                "action": "set_cache_settings",
                "action_parameters": {"cache": False},
                "enabled": True,
            }
        )
    return rules


def rate_limit_rules(spec: EdgeRulesSpec, *, comment: str = "spikeproof") -> list[dict[str, Any]]:
    """Rate limiting rules in order; each counts per IP per Cloudflare location."""
    hosts = host_expression(spec.hostnames)
    rules: list[dict[str, Any]] = []
    for limit in spec.rate_limits:
        parts = [hosts]
        if limit.methods:
            parts.append(f"http.request.method in {_set(limit.methods)}")
        if limit.paths:
            parts.append(under_expression(limit.paths))
        rules.append(
            {
                "ref": limit.name.replace("-", "_"),
                "description": f"{comment}: rate limit {limit.name}",
                "expression": " and ".join(parts),
                "action": limit.action,
                "ratelimit": {
                    "characteristics": list(RATE_LIMIT_CHARACTERISTICS),
                    "period": limit.period_seconds,
                    "requests_per_period": limit.requests_per_period,
                    "mitigation_timeout": limit.mitigation_timeout_seconds,
                },
                "enabled": True,
            }
        )
    return rules


def transform_rules(
    spec: EdgeRulesSpec, header_value: Any, *, comment: str = "spikeproof"
) -> list[dict[str, Any]]:
    """The late request transform that sets the origin header. `header_value` is passed through
    untouched so a secret Output stays secret."""
    return [
        {
            "ref": "origin_secret_header",
            "description": f"{comment}: prove to the origin that the request came through the edge",
            "expression": host_expression(spec.hostnames),
            "action": "rewrite",
            "action_parameters": {
                "headers": {spec.origin_header_name: {"operation": "set", "value": header_value}}
            },
            "enabled": True,
        }
    ]


def path_is_under(path: str, prefix: str) -> bool:
    p = path.lower()
    q = prefix.rstrip("/").lower() or "/"
    return p == q or p.startswith(q.rstrip("/") + "/")


def marketing_overlaps(marketing: str, bypass: str) -> bool:
    """True when a marketing path (exact or `prefix*`) can match a path under a bypass prefix."""
    if marketing.endswith("*"):
        stem = marketing[:-1].lower()
        b = bypass.rstrip("/").lower()
        # The prefix covers the bypass area, or sits inside it.
        return b.startswith(stem) or path_is_under(stem or "/", bypass)
    return path_is_under(marketing, bypass)


def problems(spec: EdgeRulesSpec) -> list[Problem]:
    """Every way the spec breaks Cloudflare's limits or the edge's own rules; empty when valid."""
    out: list[Problem] = []
    plan = spec.plan
    if not spec.hostnames:
        out.append(
            Problem(
                "hostnames",
                "no marketing hostname",
                [],
                "one or more DNS names",
                "[www.example.com]",
            )
        )
    for i, host in enumerate(spec.hostnames):
        if not HOSTNAME.match(host):
            out.append(
                Problem(
                    f"hostnames[{i}]",
                    "not a valid lower-case DNS hostname",
                    host,
                    "labels of a-z, 0-9 and '-', at least two labels",
                    "www.example.com",
                )
            )
    for name, paths in (
        ("bypass_prefixes", spec.bypass_prefixes),
        ("form_paths", spec.form_paths),
        ("marketing_paths", spec.marketing_paths),
    ):
        for i, p in enumerate(paths):
            body = p[:-1] if name == "marketing_paths" and p.endswith("*") else p
            if not PATH.match(body) or "*" in body:
                out.append(
                    Problem(
                        f"{name}[{i}]",
                        "not an absolute URL path",
                        p,
                        "a path starting with '/'"
                        + (", optionally ending in '*'" if name == "marketing_paths" else ""),
                        "/campaigns/*",
                    )
                )
    if not spec.marketing_paths:
        out.append(
            Problem(
                "marketing_paths",
                "no marketing path to cache",
                [],
                "one or more paths",
                "['/', '/campaigns/*']",
            )
        )
    for i, m in enumerate(spec.marketing_paths):
        for b in spec.all_bypass_prefixes:
            if marketing_overlaps(m, b):
                out.append(
                    Problem(
                        f"marketing_paths[{i}]",
                        f"overlaps the bypass path {b!r}: it would ask the edge to cache "
                        "pages that must never be cached",
                        m,
                        "marketing paths disjoint from API, app, admin and form paths",
                        "list the marketing sections (/campaigns/*) instead of /*",
                    )
                )
    for i, c in enumerate(spec.session_cookies):
        if not COOKIE_NAME.match(c):
            out.append(
                Problem(
                    f"session_cookies[{i}]",
                    "not a cookie name",
                    c,
                    "RFC 6265 token characters",
                    "sp_session",
                )
            )
    for i, e in enumerate(spec.static_extensions):
        if not EXTENSION.match(e):
            out.append(
                Problem(
                    f"static_extensions[{i}]",
                    "not a file extension",
                    e,
                    "1-10 lower-case letters or digits, no dot",
                    "css",
                )
            )
    params = [*spec.extra_tracking_parameters, *(spec.query_allowlist or ())]
    for i, q in enumerate(params):
        if not QUERY_PARAM.match(q):
            where = (
                "extra_tracking_parameters"
                if i < len(spec.extra_tracking_parameters)
                else "query_allowlist"
            )
            out.append(
                Problem(
                    where,
                    "not a literal query parameter name (Cloudflare's cache-key "
                    "lists take no wildcards; utm_* is built in)",
                    q,
                    "letters, digits, '_', '.', '~', '-'",
                    "mkt_tok",
                )
            )
    lo = EDGE_TTL_MIN_SECONDS[plan]
    for name, ttl in (
        ("edge_ttl_seconds", spec.edge_ttl_seconds),
        ("static_edge_ttl_seconds", spec.static_edge_ttl_seconds),
    ):
        if not lo <= ttl <= EDGE_TTL_MAX_SECONDS:
            out.append(
                Problem(
                    name,
                    f"edge TTL outside what the {plan} plan allows",
                    ttl,
                    f"{lo} to {EDGE_TTL_MAX_SECONDS} seconds",
                    str(max(lo, 3600)),
                )
            )
    for name, ttl in (
        ("browser_ttl_seconds", spec.browser_ttl_seconds),
        ("static_browser_ttl_seconds", spec.static_browser_ttl_seconds),
    ):
        if ttl not in BROWSER_TTL_VALUES_SECONDS:
            out.append(
                Problem(
                    name,
                    "not a browser TTL Cloudflare offers",
                    ttl,
                    "one of " + ", ".join(map(str, BROWSER_TTL_VALUES_SECONDS)),
                    "300",
                )
            )
    if len(spec.rate_limits) > RATE_LIMIT_MAX_RULES[plan]:
        out.append(
            Problem(
                "rate_limits",
                f"more rate limiting rules than the {plan} plan allows",
                len(spec.rate_limits),
                f"at most {RATE_LIMIT_MAX_RULES[plan]}",
                "drop the flood rule or upgrade the plan",
            )
        )
    for i, rl in enumerate(spec.rate_limits):
        periods = RATE_LIMIT_PERIODS_SECONDS[plan]
        if rl.period_seconds not in periods:
            out.append(
                Problem(
                    f"rate_limits[{i}].period_seconds",
                    f"counting period not offered on the {plan} plan",
                    rl.period_seconds,
                    "one of " + ", ".join(map(str, periods)),
                    str(periods[-1]),
                )
            )
        timeouts = RATE_LIMIT_TIMEOUTS_SECONDS[plan]
        if rl.mitigation_timeout_seconds not in timeouts:
            out.append(
                Problem(
                    f"rate_limits[{i}].mitigation_timeout_seconds",
                    f"mitigation timeout not offered on the {plan} plan",
                    rl.mitigation_timeout_seconds,
                    "one of " + ", ".join(map(str, timeouts)),
                    str(timeouts[-1]),
                )
            )
        if rl.requests_per_period < 1:
            out.append(
                Problem(
                    f"rate_limits[{i}].requests_per_period",
                    "must be at least 1",
                    rl.requests_per_period,
                    "a positive integer",
                    "20",
                )
            )
        if rl.methods and plan in ("free", "pro"):
            out.append(
                Problem(
                    f"rate_limits[{i}].methods",
                    f"rate limiting on the request method is not available on the {plan} plan",
                    list(rl.methods),
                    "methods only on business or enterprise; otherwise leave it empty",
                    "[]",
                )
            )
        for j, p in enumerate(rl.paths):
            if not PATH.match(p):
                out.append(
                    Problem(
                        f"rate_limits[{i}].paths[{j}]",
                        "not an absolute URL path",
                        p,
                        "a path starting with '/'",
                        "/forms/submit",
                    )
                )
    if not HEADER_NAME.match(spec.origin_header_name):
        out.append(
            Problem(
                "origin_header_name",
                "not an HTTP header name",
                spec.origin_header_name,
                "letters, digits and '-'",
                ORIGIN_HEADER,
            )
        )
    if not out:
        for rule in [*cache_rules(spec), *rate_limit_rules(spec)]:
            size = len(rule["expression"])
            if size > MAX_EXPRESSION_CHARS:
                where = "marketing_paths" if rule["ref"] == "marketing_pages" else "bypass_prefixes"
                out.append(
                    Problem(
                        where,
                        f"the generated {rule['ref']} expression is {size} characters, over "
                        f"Cloudflare's {MAX_EXPRESSION_CHARS}",
                        size,
                        f"fewer paths (expression at most {MAX_EXPRESSION_CHARS} characters)",
                        "group pages under a prefix such as /campaigns/*",
                    )
                )
    return out
