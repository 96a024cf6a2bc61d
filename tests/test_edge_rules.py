"""The generated edge rules, judged by parsing and evaluating the expressions themselves.

Verdicts come from `model.edge_eval` applied to the rule lists the stacks' config generates (order
and phase semantics included), never from the config they were built from.
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from model.edge_eval import (
    ExpressionError,
    RateLimiter,
    Request,
    Rulesets,
    evaluate,
    parse_expression,
)
from model.edge_rules import (
    EdgeRulesSpec,
    KeyedPaths,
    cache_rules,
    problems,
    rate_limit_rules,
    transform_rules,
)
from settings import stack_settings
from tools.edge_replay import ANONYMOUS, TARGET, campaign_log, run

SPECS: dict[str, EdgeRulesSpec] = {}


def spec(stack: str) -> EdgeRulesSpec:
    if stack not in SPECS:
        # The fleet's rules: /campaigns/* back on the fleet (the shipped stacks serve it from the
        # static site, whose verdicts test_static_paths_have_no_origin checks).
        SPECS[stack] = stack_settings(stack, overrides={"spikeproof:site": None}).edge_rules()
    return SPECS[stack]


def rulesets(s: EdgeRulesSpec) -> Rulesets:
    return Rulesets.from_rules(
        cache=cache_rules(s), ratelimit=rate_limit_rules(s), transform=transform_rules(s, "x")
    )


WWW = "www.acme-marketing.com"
FORMS = "forms.acme-marketing.com"
UTM = "utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_content=r123"

# (path, query, cookies, method, host) -> (outcome, edge TTL, cache key) on the prod stack's rules.
PROD_TABLE = [
    ("/", "", {}, "GET", WWW, "cached", 1800, f"{WWW}/"),
    ("/campaigns/spring", UTM + "&mc_eid=ab12", {}, "GET", WWW, "cached", 1800,
     f"{WWW}/campaigns/spring"),
    ("/campaigns/spring", "page=2&gclid=xyz&fbclid=abc", {}, "GET", WWW, "cached", 1800,
     f"{WWW}/campaigns/spring"),
    ("/pricing/", "UTM_SOURCE=x&zx_unknown=1", {}, "GET", WWW, "cached", 1800, f"{WWW}/pricing/"),
    ("/pricing", "mkt_tok=per-recipient&_hsenc=x&_hsmi=y", {}, "GET", WWW, "cached", 1800,
     f"{WWW}/pricing"),
    # Business plan: no parameter list in an asset's key (Enterprise-only), so the whole query.
    ("/assets/site.css", "v=42&utm_source=x", {}, "GET", WWW, "cached", 2678400,
     f"{WWW}/assets/site.css?utm_source=x&v=42"),
    ("/campaigns/hero.png", "", {}, "GET", WWW, "cached", 2678400, f"{WWW}/campaigns/hero.png"),
    ("/pricing", "", {"theme": "dark"}, "GET", WWW, "cached", 1800, f"{WWW}/pricing"),
    ("/pricing", "", {"sp_session": "abc"}, "GET", WWW, "bypassed", None, None),
    ("/assets/site.css", "", {"sp_session": "abc"}, "GET", WWW, "bypassed", None, None),
    ("/api/users", "", {}, "GET", WWW, "bypassed", None, None),
    ("/API/users.json", "", {}, "GET", WWW, "bypassed", None, None),
    ("/api", "", {}, "GET", WWW, "bypassed", None, None),
    ("/app/static/main.js", "", {}, "GET", WWW, "bypassed", None, None),
    ("/admin/", "", {}, "GET", WWW, "bypassed", None, None),
    ("/account/settings", "", {}, "GET", WWW, "bypassed", None, None),
    # The form API's own host: no cache rule reaches it (they are scoped to the marketing
    # hostnames); the strict form rule counts it (test_form_rule_blocks_...).
    ("/subscribe", "", {}, "POST", FORMS, "origin", None, None),
    # A path the site does not serve as a form is not treated as one (no cache.formPaths).
    ("/forms/submit", "", {}, "POST", WWW, "origin", None, None),
    ("/apiary", "", {}, "GET", WWW, "origin", None, None),
    ("/pricing", "", {}, "POST", WWW, "origin", None, None),
    ("/pricing", "", {}, "GET", "shop.acme-marketing.com", "origin", None, None),
    ("/", "", {}, "GET", "go.acme-marketing.com", "cached", 1800, "go.acme-marketing.com/"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "query", "cookies", "method", "host", "outcome", "ttl", "key"), PROD_TABLE
)
def test_prod_verdicts(path, query, cookies, method, host, outcome, ttl, key) -> None:
    req = Request(host=host, path=path, query=query, cookies=cookies, method=method)
    v = evaluate(rulesets(spec("prod")), req)
    where = f"{method} {host}{path}?{query} cookies={cookies}"
    assert v.outcome == outcome, f"{where}: expected {outcome}, got {v} (rules {v.cache_rules})"
    assert v.edge_ttl_seconds == ttl, f"{where}: edge TTL {v.edge_ttl_seconds}, expected {ttl}"
    assert v.cache_key == key, f"{where}: cache key {v.cache_key!r}, expected {key!r}"


def test_staging_uses_its_own_ttls_and_hostnames() -> None:
    rs = rulesets(spec("staging"))
    host = "www.acme-marketing-staging.com"
    page = evaluate(rs, Request(host=host, path="/campaigns/x", query=UTM))
    assert (page.outcome, page.edge_ttl_seconds, page.browser_ttl_seconds) == ("cached", 3600, 60)
    assert page.cache_key == f"{host}/campaigns/x"
    prod_host = evaluate(rs, Request(host=WWW, path="/"))
    assert prod_host.outcome == "origin", "staging rules must not touch prod hostnames"


def test_every_request_to_the_origin_carries_the_origin_header() -> None:
    s = spec("prod")
    v = evaluate(rulesets(s), Request(host=WWW, path="/api/x"))
    assert v.origin_headers == (s.origin_header_name,), "late transform must set the origin header"


def test_bypass_rules_come_last_so_they_win() -> None:
    for stack in ("staging", "prod"):
        rules = cache_rules(spec(stack))
        caching = [i for i, r in enumerate(rules) if r["action_parameters"].get("cache") is True]
        bypass = [i for i, r in enumerate(rules) if r["action_parameters"].get("cache") is False]
        assert bypass and caching and max(caching) < min(bypass), (
            f"{stack}: cache-settings rules {[r['ref'] for r in rules]}: every bypass must follow "
            "every caching rule (later rules override earlier ones)"
        )


def test_reordered_rules_would_cache_a_logged_in_request() -> None:
    # The checker honours order: put the session bypass first and the page rule re-enables caching.
    rules = cache_rules(spec("prod"))
    bad = [rules[-1], *rules[:-1]]
    req = Request(host=WWW, path="/pricing", cookies={"sp_session": "a"})
    assert evaluate(Rulesets.from_rules(cache=bad), req).outcome == "cached"
    assert evaluate(Rulesets.from_rules(cache=rules), req).outcome == "bypassed"


def _bypass_paths(s: EdgeRulesSpec, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    tails = ["", "/", "/x", "/v1/users", "/login.html", "/static/app.js", "/logo.png", "/a/b/c.css"]
    out = []
    for _ in range(n):
        prefix = rng.choice(s.all_bypass_prefixes).rstrip("/")
        prefix = "".join(c.upper() if rng.random() < 0.3 else c for c in prefix)
        seg = "".join(rng.choice("abcdefghij0123456789-_.") for _ in range(rng.randint(0, 12)))
        tail = rng.choice(tails)
        out.append(prefix + (f"/{seg}{tail}" if seg else tail))
    return out


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_no_rule_caches_api_app_admin_or_form_paths(stack: str) -> None:
    s = spec(stack)
    rs = rulesets(s)
    caching = [r for r in rs.cache if r.params.get("cache") is True]
    assert caching, f"{stack}: no caching rule at all"
    for path in _bypass_paths(s, 1500, seed=len(stack)):
        for host in s.hostnames:
            req = Request(host=host, path=path, query="utm_source=x&page=1")
            env = req.env()
            matching = [r.ref for r in caching if r.expression.matches(env)]
            assert matching == [], f"{stack}: caching rule(s) {matching} match {host}{path}"
            v = evaluate(rs, req)
            assert v.outcome == "bypassed", f"{stack}: {host}{path} got {v.outcome}, not bypassed"


def test_pages_are_keyed_by_path_alone_whatever_the_parameters() -> None:
    s = spec("prod")
    query = "utm_source=a&UTM_MEDIUM=b&gclid=c&_hsenc=d&never_heard_of=e&page=2"
    v = evaluate(rulesets(s), Request(host=WWW, path="/", query=query))
    assert v.cache_key == f"{WWW}/", f"a parameter split the page's key: {v.cache_key}"
    default_key = dataclasses.replace(s, page_query_ignored=False)
    v = evaluate(rulesets(default_key), Request(host=WWW, path="/", query=query))
    assert "never_heard_of" in (v.cache_key or ""), "Cloudflare's default key keeps every one"


def test_assets_keep_only_their_version_parameter_on_enterprise() -> None:
    s = dataclasses.replace(spec("prod"), plan="enterprise")
    v = evaluate(rulesets(s), Request(host=WWW, path="/assets/a.css", query="v=3&utm_source=x"))
    assert v.cache_key == f"{WWW}/assets/a.css?v=3"


def test_keyed_paths_are_refused_below_enterprise() -> None:
    keyed = (KeyedPaths(paths=("/blog/*",), parameters=("page",)),)
    business = dataclasses.replace(spec("prod"), keyed_paths=keyed)
    found = [p for p in problems(business) if p.field == "keyed_paths"]
    assert found and "Enterprise" in found[0].problem, problems(business)
    assert not problems(dataclasses.replace(business, plan="enterprise"))


def test_form_rule_blocks_a_client_after_its_limit_then_releases_it() -> None:
    s = spec("prod")  # 5 POSTs per 60 s, then blocked for 3600 s
    rs = rulesets(s)
    limiter = RateLimiter()

    def post(t: float, ip: str = "203.0.113.9", path: str = "/subscribe", host: str = FORMS) -> str:
        req = Request(host=host, path=path, method="POST", ip=ip, time_seconds=t)
        return evaluate(rs, req, limiter=limiter).outcome

    # The form API's host and routes: the ones the page really posts to.
    assert [post(i) for i in range(4)] == ["origin"] * 4
    assert post(4, path="/contact") == "origin", "both routes share the client's counter"
    assert post(5) == "rate_limited", "the 6th POST within the period must be blocked"
    assert post(6, ip="203.0.113.10") == "origin", "another client has its own counter"
    assert post(3000) == "rate_limited", "still inside the mitigation timeout"
    assert post(3700) == "origin", "after the timeout the client is admitted again"
    fresh = RateLimiter()
    other = []
    for i, (h, p) in enumerate([(WWW, "/subscribe"), (FORMS, "/subscribe/x")] * 5):
        req = Request(host=h, path=p, method="POST", ip="198.51.100.1", time_seconds=i)
        other.append(evaluate(rs, req, limiter=fresh).rate_rule)
    assert "form" not in other, "the form rule counts only the form host's exact routes"


def test_flood_rule_counts_only_what_reaches_the_origin() -> None:
    """An office or a carrier NAT behind one address browsing cached pages is never counted; one
    client sending origin-bound requests past its share of the fleet is challenged, and (mitigation
    timeout 0: Cloudflare's throttling below Enterprise) only while over the rate."""
    s = spec("prod")  # derived: 5% of 3 x 400 req/s over 60 s = 3,600, managed challenge
    (flood,) = [r for r in s.rate_limits if r.name == "flood"]
    assert (flood.requests_per_period, flood.mitigation_timeout_seconds) == (3600, 0)
    assert flood.requests_to_origin
    rs = rulesets(s)
    limiter = RateLimiter()
    office = [
        evaluate(rs, Request(host=WWW, path="/pricing", ip="198.51.100.7", time_seconds=i * 0.01),
                 limiter=limiter).outcome
        for i in range(5000)
    ]  # fmt: skip
    assert set(office) == {"cached"}, "cached page views must not count against the flood limit"
    origin_bound = [
        evaluate(rs, Request(host=WWW, path="/apiary", ip="198.51.100.9", time_seconds=i * 0.01),
                 limiter=limiter).outcome
        for i in range(3601)
    ]  # fmt: skip
    assert origin_bound[:3600] == ["origin"] * 3600
    assert origin_bound[3600] == "challenged"
    later = evaluate(rs, Request(host=WWW, path="/apiary", ip="198.51.100.9", time_seconds=61),
                     limiter=limiter).outcome  # fmt: skip
    assert later == "origin", "throttling, not a ban: the next window admits the client"


BAD_EXPRESSIONS = [
    'http.host eq "a" and (http.request.uri.path eq "/"',
    'http.host eq "a") ',
    'http.hots eq "a"',
    'starts_with(http.request.uri.path, "/a"',
    'starts_with(http.request.uri.path)',
    'http.host in {"a" "b"',
    'http.host in {}',
    'http.host eq "a\\q"',
    'http.host eq "unterminated',
    "lower(http.host) eq 5",
    'http.host eq "a" and',
    'http.host eq "a" or or http.host eq "b"',
    'http.host "a"',
    'uppercase(http.host) eq "A"',
    'any(http.request.cookies["x"] eq "a")',
    'http.request.uri.path matches "("',
    "http.host",
    'not http.host',
    'http.host eq "a" http.host eq "b"',
]  # fmt: skip


@pytest.mark.parametrize("text", BAD_EXPRESSIONS)
def test_parser_rejects_malformed_expressions(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_dropped_parenthesis_or_misspelt_field_in_any_emitted_rule_fails(stack: str) -> None:
    s = spec(stack)
    for rule in [*cache_rules(s), *rate_limit_rules(s), *transform_rules(s, "x")]:
        text = rule["expression"]
        parse_expression(text)  # as emitted: valid
        if ")" in text:
            broken = text[: text.rindex(")")] + text[text.rindex(")") + 1 :]
            with pytest.raises(ExpressionError):
                parse_expression(broken)
        with pytest.raises(ExpressionError):
            parse_expression(text.replace("http.host", "http.hostname", 1))


def test_parser_semantics() -> None:
    env = Request(host="a.example.com", path="/X/y", cookies={"k": "v1"}).env()

    def ev(text: str) -> bool:
        return parse_expression(text).matches(env)

    # Precedence: and binds tighter than or; not tighter than and.
    assert ev('http.host eq "no" and http.host eq "no" or http.host eq "a.example.com"')
    assert not ev('http.host eq "no" and (http.host eq "no" or http.host eq "a.example.com")')
    assert ev('not http.host eq "no" and lower(http.request.uri.path) eq "/x/y"')
    assert ev('any(http.request.cookies["k"][*] eq "v1")')
    assert not ev('any(http.request.cookies["missing"][*] eq "v1")')
    assert not ev('http.request.cookies["missing"][0] ne "x"'), "missing values never match"
    assert ev('http.request.uri.path ~ "^/X/"') and not ev('http.request.uri.path matches "^/x/"')
    assert ev('http.request.uri.path wildcard "/x/*"')
    assert not ev('http.request.uri.path strict wildcard "/x/*"')
    assert ev(r'http.host eq r"a.example.com"') and ev('http.host in {"b" "a.example.com"}')
    assert ev('ends_with(http.host, ".com") && !starts_with(http.host, "b")')


def test_rules_outside_cloudflares_limits_are_refused() -> None:
    s = dataclasses.replace(spec("prod"), marketing_paths=tuple(f"/p{i}" for i in range(1000)))
    found = [p for p in problems(s) if p.field == "marketing_paths"]
    assert found and "4096" in found[0].problem, f"config check must refuse it: {problems(s)}"
    with pytest.raises(ExpressionError, match="4096"):
        Rulesets.from_rules(cache=cache_rules(s))


def test_campaign_replay_meets_the_edge_target_and_shows_the_rule_matters() -> None:
    s = spec("prod")
    log = campaign_log(s, requests=100_000, seed=11)
    assert len(log) >= 100_000
    with_rule, without = run(s, log)
    ratio = with_rule.ratio_for(ANONYMOUS)
    assert ratio >= TARGET, f"anonymous pages+assets answered by the edge: {ratio:.2%}"
    assert with_rule.by_label["page"].edge_ratio >= TARGET, "landing pages must be edge hits"
    assert without.by_label["page"].edge_ratio < 0.5, (
        "with Cloudflare's default key, per-click links should miss; the replay "
        f"shows {without.by_label['page'].edge_ratio:.2%}, so it no longer models the campaign"
    )
    assert without.origin_requests > 2 * with_rule.origin_requests
    assert with_rule.by_label["session"].edge_ratio == 0.0, "logged-in traffic is never cached"
    abuse = with_rule.by_label["abuse"]
    assert abuse.origin_requests <= 5, f"the form flood reached the origin {abuse.origin_requests}x"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_static_paths_have_no_origin(stack: str) -> None:
    """The shipped stacks serve /campaigns/* from Workers Static Assets: those requests are the
    static site's on every hostname, after the rate limits, and nothing else moves."""
    shipped = stack_settings(stack).edge_rules()
    rs = Rulesets.from_rules(
        cache=cache_rules(shipped),
        ratelimit=rate_limit_rules(shipped),
        transform=transform_rules(shipped, "x"),
        static_routes=shipped.static_routes,
    )
    for host in shipped.hostnames:
        for path in ("/campaigns/spring", "/campaigns/spring/", "/campaigns/assets/site.css"):
            v = evaluate(rs, Request(host=host, path=path, query="utm_source=x"))
            assert v.outcome == "static" and v.origin_headers == (), (host, path, v)
        assert evaluate(rs, Request(host=host, path="/campaign")).outcome != "static"
        assert evaluate(rs, Request(host=host, path="/pricing")).outcome == "cached"
    assert evaluate(rs, Request(host="other.example.com", path="/campaigns/x")).outcome != "static"
