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

Cache keys are an allow-list, not a list of the world's tracking parameters: a marketing page is
cached under its path alone (Cloudflare's "Ignore query string", available on every plan), so no
parameter, known or not, in any case, splits it. Pages that really vary by a parameter (a
listing's `page`) are a keyed group whose key keeps exactly those parameters (an `include` list,
Enterprise-only: QUERY_KEY_LIST_PLANS); assets keep only their version parameter on Enterprise and
Cloudflare's default key (their whole query string, which comes from the site's own HTML, not from
campaign links) elsewhere. A path matches with and without its trailing slash (`/pricing` and
`/pricing/`): no redirect, because which form a CMS treats as canonical varies, and a redirect the
wrong way would loop with one that redirects back; the two forms cost one extra fill each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Plan = Literal["free", "pro", "business", "enterprise"]
RateLimitAction = Literal["block", "managed_challenge", "js_challenge", "challenge", "log"]

CACHE_PHASE = "http_request_cache_settings"
RATELIMIT_PHASE = "http_ratelimit"
TRANSFORM_PHASE = "http_request_late_transform"
RESPONSE_HEADERS_PHASE = "http_response_headers_transform"
CONFIG_PHASE = "http_config_settings"
# The header the edge adds to every request it sends to the origin and the ALB requires (with the
# origin secret as its value); edge.originHeaderName can rename it.
ORIGIN_HEADER = "X-Origin-Verify"

# Cloudflare's rate limiting availability by plan (cloudflare-docs,
# src/content/partials/waf/rate-limiting-availability-by-plan.mdx): "Counting periods" free 10 s,
# pro "all supported values up to 1 min", business "up to 10 min", enterprise "up to 65,535 s";
# "Mitigation timeout periods" free 10 s, pro up to 1 h, business and enterprise up to 1 day;
# "Number of rules" 1, 2, 5, 100. Footnote 3 lists the supported values.
_RATE_LIMIT_VALUES_SECONDS: tuple[int, ...] = (
    *(10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600),
    *(900, 1200, 1800, 2400, 3600, 65535, 86400),
)


def _up_to(limit: int) -> tuple[int, ...]:
    return tuple(v for v in _RATE_LIMIT_VALUES_SECONDS if v <= limit)


RATE_LIMIT_PERIODS_SECONDS: dict[Plan, tuple[int, ...]] = {
    "free": (10,),
    "pro": _up_to(60),
    "business": _up_to(600),
    "enterprise": _up_to(65535),
}
RATE_LIMIT_TIMEOUTS_SECONDS: dict[Plan, tuple[int, ...]] = {
    "free": (10,),
    "pro": _up_to(3600),
    "business": _up_to(86400),
    "enterprise": _up_to(86400),
}
RATE_LIMIT_MAX_RULES: dict[Plan, int] = {"free": 1, "pro": 2, "business": 5, "enterprise": 100}
# Rate limiting parameters (cloudflare-docs src/content/docs/waf/rate-limiting-rules/
# parameters.mdx, "For duration"): "If you are on a Free, Pro, or Business plan and are using the
# API, you must enable request throttling by setting the mitigation_timeout value to 0 (zero) when
# using the actions managed_challenge, js_challenge, or challenge"; "Only Enterprise customers can
# throttle requests using the Block action" (a block with 0).
CHALLENGE_ACTIONS: frozenset[str] = frozenset({"managed_challenge", "js_challenge", "challenge"})
# "Available fields in rule expression": Free has Path and Verified Bot only (no Host); Method
# from Business up.
RATE_LIMIT_HOST_PLANS: frozenset[Plan] = frozenset({"pro", "business", "enterprise"})
RATE_LIMIT_METHOD_PLANS: frozenset[Plan] = frozenset({"business", "enterprise"})
# Cache rules settings (cloudflare-docs src/content/docs/cache/how-to/cache-rules/settings.mdx,
# "Cache Key"): "Enterprise customers have these additional options for custom Cache Keys: In the
# Query string section, you can select All query string parameters, All query string parameters
# except ..., No query parameters except ..., or Ignore query string (also available for
# Pay-as-you-go customers)." So on every plan a cache key can ignore the whole query string; an
# include list of parameters is Enterprise-only.
QUERY_KEY_LIST_PLANS: frozenset[Plan] = frozenset({"enterprise"})
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
# In the order the rulesets API returns them (Cloudflare's rate limiting examples and the
# provider's acceptance test TestAccCloudflareRuleset_RulesRatelimit: ["cf.colo.id", "ip.src"]):
# the provider keeps `characteristics` as an ordered list, so another order would be a diff on
# every plan (terraform-provider-cloudflare#7128 lists rate-limit rules that drift).
RATE_LIMIT_CHARACTERISTICS: tuple[str, ...] = ("cf.colo.id", "ip.src")

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
    action: RateLimitAction
    """What a client over the limit gets."""
    requests_to_origin: bool = False
    """Count only requests that reach the origin (Cloudflare's `requests_to_origin`: "only the
    requests going to the origin (that is, requests that are not cached) will be considered")."""
    other_hosts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """More (hostname, exact paths) the rule counts, outside the marketing hostnames: the form
    API's own host and routes. With these, `paths` on the marketing hostnames count only when
    given (an empty `paths` then means none there, not every path)."""


@dataclass(frozen=True, kw_only=True)
class KeyedPaths:
    """Pages that really vary by a few query parameters (a listing's `page`): cached under their
    path plus those parameters' values, every other parameter ignored."""

    paths: tuple[str, ...]
    """Paths as in marketing_paths (`/blog`, `/blog/*`)."""
    parameters: tuple[str, ...]
    """Parameter names kept in the key, exactly as the page's links spell them."""


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
    keyed_paths: tuple[KeyedPaths, ...] = ()
    """Page groups whose cache key keeps an allow-list of query parameters (Enterprise)."""
    asset_version_parameters: tuple[str, ...]
    """The only parameters an asset's cache key keeps (Enterprise; elsewhere Cloudflare's default
    key, whole query string, applies to assets)."""
    page_query_ignored: bool = True
    """Marketing pages are keyed by path alone. False only to measure what the allow-list saves
    (the default Cloudflare key: every parameter, in any case, splits it)."""
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
    form_host: str | None = None
    """The form API's own hostname: the late transform sets the origin header there too, and the
    ingest refuses a request without it (one that reached API Gateway directly, past the edge)."""
    static_routes: tuple[str, ...] = ()
    """Workers route patterns (`host/path*`) the static site answers: no origin behind them."""

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


def slash_forms(path: str) -> list[str]:
    """A page path with and without its trailing slash (`/` stays itself)."""
    bare = path.rstrip("/") or "/"
    return [bare] if bare == "/" else [bare, bare + "/"]


def marketing_expression(paths: Sequence[str]) -> str:
    exact = list(dict.fromkeys(f for p in paths if not p.endswith("*") for f in slash_forms(p)))
    prefixes = [p[:-1] for p in paths if p.endswith("*")]
    parts = [f"http.request.uri.path in {_set(exact)}"] if exact else []
    parts += [f"starts_with(http.request.uri.path, {quote(p)})" for p in prefixes]
    return "(" + " or ".join(parts) + ")"


def bypass_guard(spec: EdgeRulesSpec) -> str:
    return f"not {under_expression(spec.all_bypass_prefixes)}"


def _cache_key(query: dict[str, Any] | None, spec: EdgeRulesSpec) -> dict[str, Any]:
    key: dict[str, Any] = {
        "cache_deception_armor": spec.cache_deception_armor,
        "ignore_query_strings_order": True,
    }
    if query is not None:
        key["custom_key"] = {"query_string": query}
    return key


IGNORE_QUERY: dict[str, Any] = {"exclude": {"all": True}}


def _keep_only(parameters: Sequence[str]) -> dict[str, Any]:
    return {"include": {"lists": list(parameters)}} if parameters else IGNORE_QUERY


def _cache_params(
    spec: EdgeRulesSpec, edge_ttl: int, browser_ttl: int, query: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "cache": True,
        "edge_ttl": {"mode": "override_origin", "default": edge_ttl},
        "browser_ttl": {"mode": "override_origin", "default": browser_ttl},
        "serve_stale": {"disable_stale_while_updating": not spec.serve_stale},
        "cache_key": _cache_key(query, spec),
    }


def cache_rules(spec: EdgeRulesSpec, *, comment: str = "spikeproof") -> list[dict[str, Any]]:
    """Cache-settings rules in evaluation order: pages, assets, then the bypasses (last wins)."""
    hosts = host_expression(spec.hostnames)
    guard = bypass_guard(spec)
    exts = _set(spec.static_extensions)
    page_query = IGNORE_QUERY if spec.page_query_ignored else None
    rules: list[dict[str, Any]] = [
        {
            "ref": "marketing_pages",
            "description": f"{comment}: cache marketing pages under their path alone",
            "expression": f"{hosts} and {marketing_expression(spec.marketing_paths)} and {guard}",
            "action": "set_cache_settings",
            "action_parameters": _cache_params(
                spec, spec.edge_ttl_seconds, spec.browser_ttl_seconds, page_query
            ),
            "enabled": True,
        },
    ]
    # After the pages rule: the last matching rule's cache key wins (cloudflare-docs
    # cache/how-to/cache-rules/order.mdx: "If several matching rules set a value for the same
    # setting, the value in the last matching rule wins").
    for i, group in enumerate(spec.keyed_paths):
        rules.append(
            {
                "ref": f"keyed_pages_{i}",
                "description": f"{comment}: cache pages keyed by {', '.join(group.parameters)}",
                "expression": f"{hosts} and {marketing_expression(group.paths)} and {guard}",
                "action": "set_cache_settings",
                "action_parameters": _cache_params(
                    spec,
                    spec.edge_ttl_seconds,
                    spec.browser_ttl_seconds,
                    _keep_only(group.parameters) if spec.page_query_ignored else None,
                ),
                "enabled": True,
            }
        )
    asset_query = (
        _keep_only(spec.asset_version_parameters)
        if spec.plan in QUERY_KEY_LIST_PLANS and spec.asset_version_parameters
        else None
    )
    rules += [
        {
            # After the page rules so an asset under a marketing prefix gets the asset TTLs.
            "ref": "static_assets",
            "description": f"{comment}: long TTLs for static assets",
            "expression": f"{hosts} and http.request.uri.path.extension in {exts} and {guard}",
            "action": "set_cache_settings",
            "action_parameters": _cache_params(
                spec, spec.static_edge_ttl_seconds, spec.static_browser_ttl_seconds, asset_query
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
    """Rate limiting rules in order; each counts per IP per Cloudflare location (`cf.colo.id` is
    mandatory in the API: parameters.mdx, "With the same characteristics")."""
    hosts = host_expression(spec.hostnames)
    rules: list[dict[str, Any]] = []
    for limit in spec.rate_limits:
        scopes: list[str] = []
        if limit.other_hosts:
            if limit.paths:
                scopes.append(f"({hosts} and {under_expression(limit.paths)})")
            scopes += [
                f"(http.host eq {quote(host)} and http.request.uri.path in {_set(paths)})"
                for host, paths in limit.other_hosts
            ]
            parts = ["(" + " or ".join(scopes) + ")" if len(scopes) > 1 else scopes[0]]
        else:
            parts = [hosts]
            if limit.paths:
                parts.append(under_expression(limit.paths))
        if limit.methods:
            parts.append(f"http.request.method in {_set(limit.methods)}")
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
                    # Always stated, as the API returns it (false is its default). No
                    # counting_expression: the API treats "" as absent and the provider refuses
                    # "", so only an omitted one matches what comes back.
                    "requests_to_origin": limit.requests_to_origin,
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
            "expression": host_expression(
                [*spec.hostnames, *([spec.form_host] if spec.form_host else [])]
            ),
            "action": "rewrite",
            "action_parameters": {
                "headers": {spec.origin_header_name: {"operation": "set", "value": header_value}}
            },
            "enabled": True,
        }
    ]


def config_rules(
    hostnames: Sequence[str], ssl: str, *, comment: str = "spikeproof"
) -> list[dict[str, Any]]:
    """The configuration rule giving `hostnames` their SSL mode: the zone's own `ssl` setting
    reaches every host of the zone ("To use this feature on specific hostnames - instead of
    across your entire zone - use a configuration rule", Cloudflare's SSL modes page)."""
    return [
        {
            "ref": "origin_ssl_mode",
            "description": f"{comment}: SSL mode towards the marketing origins",
            "expression": host_expression(hostnames),
            "action": "set_config",
            "action_parameters": {"ssl": ssl},
            "enabled": True,
        }
    ]


def response_header_rules(
    hostnames: Sequence[str], headers: Mapping[str, str], *, comment: str = "spikeproof"
) -> list[dict[str, Any]]:
    """The response-header transform setting `headers` on every response of `hostnames` (fleet
    or static site alike)."""
    return [
        {
            "ref": "security_headers",
            "description": f"{comment}: security headers on the marketing hostnames",
            "expression": host_expression(hostnames),
            "action": "rewrite",
            "action_parameters": {
                "headers": {
                    name: {"operation": "set", "value": value}
                    for name, value in sorted(headers.items())
                }
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
    named = [
        (f"asset_version_parameters[{i}]", q) for i, q in enumerate(spec.asset_version_parameters)
    ]
    for g, group in enumerate(spec.keyed_paths):
        named += [(f"keyed_paths[{g}].parameters[{i}]", q) for i, q in enumerate(group.parameters)]
        if not group.parameters:
            out.append(
                Problem(
                    f"keyed_paths[{g}].parameters",
                    "a keyed group keeps at least one parameter (pages keyed by path alone "
                    "belong in marketing_paths)",
                    [],
                    "one or more parameter names",
                    "['page']",
                )
            )
        for i, path in enumerate(group.paths):
            body = path[:-1] if path.endswith("*") else path
            if not PATH.match(body) or "*" in body:
                out.append(
                    Problem(
                        f"keyed_paths[{g}].paths[{i}]",
                        "not an absolute URL path",
                        path,
                        "a path starting with '/', optionally ending in '*'",
                        "/blog/*",
                    )
                )
            for b in spec.all_bypass_prefixes:
                if marketing_overlaps(path, b):
                    out.append(
                        Problem(
                            f"keyed_paths[{g}].paths[{i}]",
                            f"overlaps the bypass path {b!r}",
                            path,
                            "paths disjoint from API, app, admin and form paths",
                            "/blog/*",
                        )
                    )
    if spec.keyed_paths and plan not in QUERY_KEY_LIST_PLANS:
        out.append(
            Problem(
                "keyed_paths",
                f"a cache key that keeps chosen query parameters is an Enterprise option; the "
                f"{plan} plan can only ignore the whole query string (Cloudflare, Cache Rules "
                "settings: 'No query parameters except' is Enterprise-only)",
                [list(g.parameters) for g in spec.keyed_paths],
                "keyedPaths on an enterprise zone; elsewhere bypass those pages "
                "(cache.bypassPaths) or move the parameter into the path (/blog/page/2)",
                "remove cache.keyedPaths",
            )
        )
    for where, q in named:
        if not QUERY_PARAM.match(q):
            out.append(
                Problem(
                    where,
                    "not a literal query parameter name (Cloudflare's cache-key lists take no "
                    "wildcards)",
                    q,
                    "letters, digits, '_', '.', '~', '-'",
                    "page",
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
        challenge = rl.action in CHALLENGE_ACTIONS
        if challenge and plan != "enterprise":
            if rl.mitigation_timeout_seconds != 0:
                out.append(
                    Problem(
                        f"rate_limits[{i}].mitigation_timeout_seconds",
                        f"a {rl.action} rule cannot have a duration on the {plan} plan: "
                        "Cloudflare throttles challenge actions instead (mitigation_timeout must "
                        "be 0 below Enterprise)",
                        rl.mitigation_timeout_seconds,
                        "0 with a challenge action; a duration with block",
                        "0",
                    )
                )
        elif rl.mitigation_timeout_seconds == 0 and not challenge and plan != "enterprise":
            out.append(
                Problem(
                    f"rate_limits[{i}].mitigation_timeout_seconds",
                    f"0 (throttling) with {rl.action} is Enterprise-only",
                    0,
                    "one of " + ", ".join(map(str, timeouts)),
                    str(timeouts[-1]),
                )
            )
        elif rl.mitigation_timeout_seconds != 0 and rl.mitigation_timeout_seconds not in timeouts:
            out.append(
                Problem(
                    f"rate_limits[{i}].mitigation_timeout_seconds",
                    f"mitigation timeout not offered on the {plan} plan",
                    rl.mitigation_timeout_seconds,
                    "one of " + ", ".join(map(str, timeouts)),
                    str(timeouts[-1]),
                )
            )
        if plan not in RATE_LIMIT_HOST_PLANS:
            out.append(
                Problem(
                    f"rate_limits[{i}]",
                    f"rate limiting rules on the {plan} plan can match on the path only, and "
                    "these are scoped to the marketing hostnames (Cloudflare: 'Available fields "
                    "in rule expression')",
                    rl.name,
                    "a pro, business or enterprise zone",
                    "plan: pro",
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
        if rl.methods and plan not in RATE_LIMIT_METHOD_PLANS:
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
