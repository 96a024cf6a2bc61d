"""Edge replay: requests run through the stack's generated rules and a simulated edge cache.

    python -m tools.edge_replay [--stack prod] [--profile NAME|all] [--requests 120000] [--seed 7]
    python -m tools.edge_replay --stack NAME --log FILE [--format auto] [--host H] [--json OUT]

Synthetic (no --log): a seeded click log from one email campaign, its landing links carrying the
parameters a real tool appends (tools/bench/link_profiles.py: names and sources), a few landing
pages (one linked with a trailing slash), the assets each page loads, some logged-in users, some
form posts, one client hammering the form. Each profile is replayed with the rules as deployed
and with Cloudflare's default cache key (every parameter kept), and reported: the anonymous page
and asset share answered by the edge, and origin page requests per 1,000 clicks after each page's
first fill at each location. Exit 1 when a profile is under 99% or above 5 per 1,000.

--log: a real access log (Cloudflare Logpush JSON lines, an ALB access log, the combined log
format, or a plain list of URLs; `model/traffic.py`): the edge share, origin requests per path and
the paths whose cache key split, with `--json OUT` holding every request's matched rules, cache key
and who answered it. The rules are parsed and evaluated by `model.edge_eval`, exactly as emitted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from model.edge_eval import ReplayStats, Request, Rulesets, replay
from model.edge_rules import (
    EdgeRulesSpec,
    cache_rules,
    rate_limit_rules,
    transform_rules,
)
from model.traffic import FORMATS, Labels, LogError, detect, parse
from settings import ConfigErrors, stack_settings
from tools.bench.link_profiles import PROFILES, Profile

TARGET = 0.99
ORIGIN_PAGES_PER_1000 = 5.0
ANONYMOUS = ("page", "asset")
# Cloudflare locations a European campaign's recipients land on, with rough shares.
COLOS: tuple[tuple[str, float], ...] = (
    ("LHR", 0.22), ("MAN", 0.08), ("DUB", 0.06), ("AMS", 0.1), ("FRA", 0.14), ("CDG", 0.12),
    ("MAD", 0.07), ("MXP", 0.06), ("ARN", 0.05), ("WAW", 0.04), ("EWR", 0.04), ("IAD", 0.02),
)  # fmt: skip


def _landing_paths(spec: EdgeRulesSpec) -> list[str]:
    exact = [p for p in spec.marketing_paths if not p.endswith("*")]
    prefixed = [p[:-1] + "spring-sale" for p in spec.marketing_paths if p.endswith("*")]
    paths = (prefixed + exact)[:3] or ["/"]
    # A CMS that links its canonical form: the last landing path with a trailing slash.
    last = paths[-1]
    return [*paths[:-1], last if last.endswith("/") else last + "/"]


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


def _link(profile: Profile, rng: random.Random, recipient: int) -> dict[str, str]:
    values = {
        "campaign": lambda n: f"spring-2026-{n[:3]}",
        "recipient": lambda n: f"r{recipient:07d}",
        "click": lambda n: f"{rng.getrandbits(64):016x}",
    }
    return {name: values[varies](name) for name, varies in profile.parameters.items()}


def campaign_log(
    spec: EdgeRulesSpec,
    *,
    profile: Profile = PROFILES[0],
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
    form_host, form_path = _form_target(spec)
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
        tracking = _link(profile, rng, recipient)
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
            post = _at(visit, form_path, label="form", method="POST", dt=45)
            log.append(dataclasses.replace(post, host=form_host))
    if form_path:
        # One client hammering the form endpoint for a minute: the strict rule must stop it.
        for i in range(300):
            log.append(
                Request(
                    host=form_host,
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


def _form_target(spec: EdgeRulesSpec) -> tuple[str, str | None]:
    """Where the page posts: the form API's own host and first route (what the strict form rule
    counts), or a form path the fleet serves; (marketing host, None) when there is none."""
    for limit in spec.rate_limits:
        for host, paths in limit.other_hosts:
            return host, paths[0]
    return spec.hostnames[0], (spec.form_paths[0] if spec.form_paths else None)


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
        static_routes=spec.static_routes,
    )


def run(spec: EdgeRulesSpec, log: Sequence[Request]) -> tuple[ReplayStats, ReplayStats]:
    """Replay `log` with the spec's rules, and again with Cloudflare's default cache key (every
    query parameter kept): what keying pages by path saves."""
    deployed = replay(rulesets_for(spec), log)
    default_key = replay(rulesets_for(dataclasses.replace(spec, page_query_ignored=False)), log)
    return deployed, default_key


def origin_pages_per_1000(spec: EdgeRulesSpec, log: Sequence[Request]) -> float:
    """Origin page requests per 1,000 landing clicks, not counting each page's first fill at each
    location (the one miss a cache must take)."""
    trace: list[dict[str, Any]] = []
    replay(rulesets_for(spec), log, trace=trace)
    seen: set[tuple[str, str]] = set()
    after_fill = 0
    clicks = 0
    for request, record in zip(log, trace, strict=True):
        if record["label"] != "page":
            continue
        clicks += 1
        key = (request.colo, str(record["cacheKey"] or record["path"]))
        if record["answeredBy"] == "origin" and key in seen:
            after_fill += 1
        seen.add(key)
    return 1000 * after_fill / clicks if clicks else 0.0


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


def profile_row(spec: EdgeRulesSpec, profile: Profile, requests: int, seed: int) -> dict[str, Any]:
    log = campaign_log(spec, profile=profile, requests=requests, seed=seed)
    deployed, default_key = run(spec, log)
    return {
        "profile": profile.name,
        "kind": profile.kind,
        "source": profile.source,
        "edgeShare": round(deployed.ratio_for(ANONYMOUS), 5),
        "edgeShareDefaultKey": round(default_key.ratio_for(ANONYMOUS), 5),
        "pagesAtEdge": round(deployed.by_label["page"].edge_ratio, 5),
        "pagesAtEdgeDefaultKey": round(default_key.by_label["page"].edge_ratio, 5),
        "originPagesPer1000Clicks": round(origin_pages_per_1000(spec, log), 2),
        "splitPaths": len(deployed.split_keys()),
    }


def replay_log(
    spec: EdgeRulesSpec, path: Path, *, fmt: str, host: str | None
) -> tuple[ReplayStats, list[dict[str, Any]]]:
    lines = path.read_text(encoding="utf-8", errors="strict").splitlines()
    chosen = detect(lines) if fmt == "auto" else fmt
    labels = Labels(
        static_extensions=frozenset(spec.static_extensions),
        bypass_prefixes=spec.all_bypass_prefixes,
    )
    requests = parse(
        lines,
        fmt=chosen,  # type: ignore[arg-type]
        default_host=host or spec.hostnames[0],
        labels=labels,
    )
    trace: list[dict[str, Any]] = []
    stats = replay(rulesets_for(spec), requests, trace=trace)
    return stats, trace


def log_report(stats: ReplayStats, top: int = 10) -> str:
    lines = [report("replayed log, rules as deployed:", stats), "  origin requests per path:"]
    for p, n in stats.origin_by_path.most_common(top):
        lines.append(f"    {n:>7}  {p}")
    split = stats.split_keys()
    lines.append(f"  paths whose cache key split: {len(split)}")
    for p, keys in list(split.items())[:top]:
        lines.append(f"    {len(keys):>7} keys  {p}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.edge_replay", description=__doc__)
    parser.add_argument("--stack", default="prod", help="stack whose edge config to use")
    parser.add_argument("--log", type=Path, help="replay this access log instead")
    parser.add_argument("--format", default="auto", choices=["auto", *FORMATS])
    parser.add_argument("--host", help="host for log lines that carry none (combined, paths)")
    parser.add_argument("--json", type=Path, dest="json_path", help="write the result as JSON")
    parser.add_argument(
        "--profile",
        default="all",
        choices=["all", *(p.name for p in PROFILES)],
        help="synthetic replay: which tool's links (default: every profile)",
    )
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    try:
        settings = stack_settings(args.stack)
    except ConfigErrors as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    if settings.edge is None:
        print(f"edge_replay: stack {args.stack} has no spikeproof:edge config", file=sys.stderr)
        return 2
    spec = settings.edge_rules()
    if args.log is not None:
        try:
            stats, trace = replay_log(spec, args.log, fmt=args.format, host=args.host)
        except (OSError, UnicodeDecodeError, LogError) as exc:
            print(f"edge_replay: {args.log}: {exc}", file=sys.stderr)
            return 2
        print(log_report(stats))
        if args.json_path is not None:
            result = {
                "stack": args.stack,
                "log": str(args.log),
                "requests": stats.total,
                "edgeShare": round(stats.edge_ratio, 5),
                "originRequests": stats.origin_requests,
                "originByPath": dict(stats.origin_by_path.most_common()),
                "splitKeys": {p: sorted(k) for p, k in stats.split_keys().items()},
                "perRequest": trace,
            }
            args.json_path.write_text(json.dumps(result, indent=1) + "\n")
            print(f"wrote {args.json_path}")
        return 0
    chosen = PROFILES if args.profile == "all" else [p for p in PROFILES if p.name == args.profile]
    rows = [profile_row(spec, p, args.requests, args.seed) for p in chosen]
    print(f"campaign replay, stack {args.stack}, seed {args.seed}, {args.requests} requests each")
    print(
        f"{'profile':30} {'pages+assets at edge':>21} {'pages at edge':>15} {'origin pages/1k':>16}"
    )
    print(f"{'':30} {'deployed':>10} {'default':>10} {'deployed':>7} {'default':>7}")
    for r in rows:
        print(
            f"{r['profile']:30} {r['edgeShare']:>10.2%} {r['edgeShareDefaultKey']:>10.2%} "
            f"{r['pagesAtEdge']:>7.2%} {r['pagesAtEdgeDefaultKey']:>7.2%} "
            f"{r['originPagesPer1000Clicks']:>16.2f}"
        )
    if args.json_path is not None:
        args.json_path.write_text(json.dumps({"stack": args.stack, "profiles": rows}, indent=1))
    bad = [
        r["profile"]
        for r in rows
        if r["edgeShare"] < TARGET or r["originPagesPer1000Clicks"] > ORIGIN_PAGES_PER_1000
    ]
    if bad:
        print(f"under target (>= {TARGET:.0%}, <= {ORIGIN_PAGES_PER_1000:g}/1k): {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
