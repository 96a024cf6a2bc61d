"""Campaign replay: a synthetic click log from one email campaign run through the edge rules.

    python -m tools.edge_replay [--stack prod] [--requests 120000] [--seed 7]

Generates a seeded click log (per-recipient tracking parameters on every landing link, a few landing
pages, the assets each page loads, some logged-in users, some form posts, one client hammering the
form), runs it through the rules the stack's config generates (parsed and evaluated by
`model.edge_eval`), simulates the edge cache per location with tiered cache, and prints the edge
hit ratio and origin request count; then the same with the tracking-parameter rule switched off.
Exit status 1 when the anonymous page and asset ratio is under the 95% target.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from collections.abc import Sequence
from urllib.parse import urlencode

from model.edge_eval import ReplayStats, Request, Rulesets, replay
from model.edge_rules import (
    EdgeRulesSpec,
    cache_rules,
    rate_limit_rules,
    transform_rules,
)
from settings import stack_settings

TARGET = 0.95
ANONYMOUS = ("page", "asset")
# Cloudflare locations a European campaign's recipients land on, with rough shares.
COLOS: tuple[tuple[str, float], ...] = (
    ("LHR", 0.22), ("MAN", 0.08), ("DUB", 0.06), ("AMS", 0.1), ("FRA", 0.14), ("CDG", 0.12),
    ("MAD", 0.07), ("MXP", 0.06), ("ARN", 0.05), ("WAW", 0.04), ("EWR", 0.04), ("IAD", 0.02),
)  # fmt: skip


def _landing_paths(spec: EdgeRulesSpec) -> list[str]:
    exact = [p for p in spec.marketing_paths if not p.endswith("*")]
    prefixed = [p[:-1] + "spring-sale" for p in spec.marketing_paths if p.endswith("*")]
    return (prefixed + exact)[:3] or ["/"]


def _assets(spec: EdgeRulesSpec, build: str) -> list[tuple[str, str]]:
    """(path, query) of what a landing page loads: versioned CSS/JS, images, a font."""
    exts = set(spec.static_extensions)
    wanted = [
        ("/assets/site.css", f"v={build}", "css"),
        ("/assets/site.js", f"v={build}", "js"),
        ("/assets/hero-spring.webp", "", "webp"),
        ("/assets/logo.svg", "", "svg"),
        ("/assets/product-1.png", "", "png"),
        ("/assets/inter.woff2", "", "woff2"),
    ]
    return [(p, q) for p, q, e in wanted if e in exts]


def campaign_log(
    spec: EdgeRulesSpec,
    *,
    requests: int = 120_000,
    seed: int = 7,
    campaign_hours: float = 6.0,
    logged_in_share: float = 0.05,
    form_share: float = 0.03,
) -> list[Request]:
    """A time-ordered click log of at least `requests` requests from one campaign blast."""
    rng = random.Random(seed)
    host = spec.hostnames[0]
    landings = _landing_paths(spec)
    assets = _assets(spec, build="20260401a")
    second_pages = [p for p in spec.marketing_paths if not p.endswith("*")] or landings
    colos, weights = zip(*COLOS, strict=True)
    session_cookie = spec.session_cookies[0] if spec.session_cookies else None
    form_path = spec.form_paths[0] if spec.form_paths else None
    app_path = (spec.bypass_prefixes[0] if spec.bypass_prefixes else "/app") + "/dashboard"
    log: list[Request] = []
    recipient = 0
    while len(log) < requests:
        recipient += 1
        # Clicks arrive fast after the send and decay over the campaign window.
        t = min(rng.expovariate(1 / (campaign_hours * 3600 / 5)), campaign_hours * 3600)
        colo = rng.choices(colos, weights)[0]
        ip = f"10.{recipient // 65536 % 256}.{recipient // 256 % 256}.{recipient % 256}"
        logged_in = session_cookie is not None and rng.random() < logged_in_share
        cookies = {session_cookie: f"s{recipient:08x}"} if logged_in and session_cookie else {}
        tracking = {
            "utm_source": "newsletter",
            "utm_medium": "email",
            "utm_campaign": "spring-2026",
            "utm_content": f"r{recipient}",
            "mc_cid": "5f2a9c1e7b",
            "mc_eid": f"{rng.getrandbits(40):010x}",
        }
        if rng.random() < 0.1:  # forwarded and clicked from a paid social post instead
            tracking = {"utm_source": "facebook", "fbclid": f"IwAR{rng.getrandbits(64):016x}"}
        page_label = "session" if logged_in else "page"
        asset_label = "session" if logged_in else "asset"

        visit = Request(host=host, path="/", cookies=cookies, ip=ip, colo=colo, time_seconds=t)

        log.append(_at(visit, rng.choice(landings), urlencode(tracking), label=page_label))
        for i, (path, query) in enumerate(assets):
            log.append(_at(visit, path, query, label=asset_label, dt=0.2 + i * 0.05))
        if rng.random() < 0.3:  # browsed on; assets now come from the browser cache
            log.append(_at(visit, rng.choice(second_pages), label=page_label, dt=20))
        if logged_in:
            log.append(_at(visit, app_path, label="app", dt=30))
        if form_path and rng.random() < form_share:
            log.append(_at(visit, form_path, label="form", method="POST", dt=45))
    if form_path:
        # One client hammering the form endpoint for a minute: the strict rule must stop it.
        for i in range(300):
            log.append(
                Request(
                    host=host,
                    path=form_path,
                    method="POST",
                    ip="192.0.2.66",
                    colo="FRA",
                    time_seconds=1800 + i * 0.2,
                    label="abuse",
                )
            )
    log.sort(key=lambda r: r.time_seconds)
    return log


def _at(
    visit: Request,
    path: str,
    query: str = "",
    *,
    label: str,
    dt: float = 0.0,
    method: str = "GET",
) -> Request:
    """One request of a visit, `dt` seconds after the click."""
    return dataclasses.replace(
        visit,
        path=path,
        query=query,
        label=label,
        method=method,
        time_seconds=visit.time_seconds + dt,
    )


def rulesets_for(spec: EdgeRulesSpec) -> Rulesets:
    return Rulesets.from_rules(
        cache=cache_rules(spec),
        ratelimit=rate_limit_rules(spec),
        transform=transform_rules(spec, "[secret]"),
    )


def run(spec: EdgeRulesSpec, log: Sequence[Request]) -> tuple[ReplayStats, ReplayStats]:
    """Replay `log` with the spec's rules and again with tracking parameters kept in the key."""
    with_rule = replay(rulesets_for(spec), log)
    without = replay(rulesets_for(dataclasses.replace(spec, ignore_tracking_parameters=False)), log)
    return with_rule, without


def report(title: str, stats: ReplayStats) -> str:
    lines = [
        f"{title}",
        f"  requests: {stats.total}  answered by the edge: {stats.answered_by_edge} "
        f"({stats.edge_ratio:.2%})  origin requests: {stats.origin_requests}",
        f"  anonymous pages+assets answered by the edge: {stats.ratio_for(ANONYMOUS):.2%} "
        f"(target {TARGET:.0%}); distinct cache keys: {stats.distinct_cache_keys}",
    ]
    for label in sorted(stats.by_label):
        s = stats.by_label[label]
        lines.append(
            f"    {label:<8} {s.requests:>7} requests  edge {s.edge_ratio:7.2%}  "
            f"origin {s.origin_requests:>6}"
        )
    lines.append("  verdicts: " + ", ".join(f"{k}={v}" for k, v in sorted(stats.outcomes.items())))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.edge_replay", description=__doc__)
    parser.add_argument("--stack", default="prod", help="stack whose edge config to use")
    parser.add_argument("--requests", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    edge = stack_settings(args.stack).edge
    if edge is None:
        raise SystemExit(f"stack {args.stack} has no spikeproof:edge config")
    spec = edge.rules_spec()
    log = campaign_log(spec, requests=args.requests, seed=args.seed)
    with_rule, without = run(spec, log)
    print(f"campaign replay, stack {args.stack}, seed {args.seed}")
    print(report("tracking parameters ignored in the cache key (as deployed):", with_rule))
    print(report("tracking parameters kept in the cache key (rule switched off):", without))
    ratio = with_rule.ratio_for(ANONYMOUS)
    anon_with = sum(with_rule.by_label[k].origin_requests for k in ANONYMOUS)
    anon_without = sum(without.by_label[k].origin_requests for k in ANONYMOUS)
    print(
        f"anonymous page+asset origin requests: {anon_with} with the rule vs {anon_without} "
        f"without ({anon_without / max(anon_with, 1):.0f}x)"
    )
    print(
        f"origin requests: {with_rule.origin_requests} with the rule vs "
        f"{without.origin_requests} without "
        f"({without.origin_requests / max(with_rule.origin_requests, 1):.1f}x)"
    )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
