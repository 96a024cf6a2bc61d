"""The edge replay on real access logs (each supported format, from tests/data/logs) and on the
synthetic campaign with every tool's links: no query parameter outside a path's allow-list
changes its cache key."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from model.edge_eval import Request, evaluate
from model.edge_rules import KeyedPaths
from model.traffic import Labels, LogError, detect, parse
from settings import stack_settings
from settings.files import ROOT
from tools import edge_replay
from tools.bench.link_profiles import PROFILES

LOGS = ROOT / "tests" / "data" / "logs"
SAMPLES = {
    "logpush": "logpush.jsonl",
    "alb": "alb.log",
    "combined": "combined.log",
    "urls": "urls.txt",
}


@pytest.fixture(scope="module")
def prod_spec():  # type: ignore[no-untyped-def]
    return stack_settings("prod", overrides={"spikeproof:site": None}).edge_rules()


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_each_log_format_is_detected_and_replayed(prod_spec, fmt: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = LOGS / SAMPLES[fmt]
    assert detect(path.read_text().splitlines()) == fmt, f"{path.name}: detected as another format"
    out = tmp_path / "replay.json"
    code = edge_replay.main(["--stack", "prod", "--log", str(path), "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    assert result["requests"] == len(lines) == len(result["perRequest"]), result
    for record in result["perRequest"]:
        assert record["answeredBy"] in ("edge", "origin"), record
        assert isinstance(record["rules"], list), record
        if record["outcome"] == "cached":
            assert record["cacheKey"], record
    landing = [r for r in result["perRequest"] if r["path"].startswith("/campaigns/")]
    assert landing and len({r["cacheKey"] for r in landing}) == 1, (
        f"{path.name}: the campaign page's per-recipient links must share one cache key: "
        f"{sorted({r['cacheKey'] for r in landing})}"
    )
    assert not result["splitKeys"], f"{path.name}: keys split: {result['splitKeys']}"


def test_a_split_key_is_reported(prod_spec, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The report can fail: with Cloudflare's default key, recipients' links split the page."""
    spec = dataclasses.replace(prod_spec, page_query_ignored=False)
    stats, _ = edge_replay.replay_log(spec, LOGS / "urls.txt", fmt="auto", host=None)
    assert "/campaigns/spring-sale" in stats.split_keys(), stats.split_keys()


def test_a_line_in_no_format_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.log"
    bad.write_text("https://www.acme-marketing.com/\nnot a request line\n")
    labels = Labels(static_extensions=frozenset(), bypass_prefixes=())
    with pytest.raises(LogError, match="line 2"):
        parse(bad.read_text().splitlines(), fmt="urls", default_host="x.example", labels=labels)
    assert edge_replay.main(["--stack", "prod", "--log", str(bad)]) == 2


@pytest.mark.parametrize("name", ["unlisted", "utm-upper-case", "hubspot", "mailchimp"])
def test_no_parameter_changes_a_pages_key(prod_spec, name: str) -> None:  # type: ignore[no-untyped-def]
    """Whatever a tool appends, known or not, in any case: one key per page, slash or not."""
    profile = next(p for p in PROFILES if p.name == name)
    rules = edge_replay.rulesets_for(prod_spec)
    host = prod_spec.hostnames[0]
    keys = set()
    for recipient in range(1, 30):
        query = "&".join(f"{k}=r{recipient}x{i}" for i, k in enumerate(profile.parameters))
        for path in ("/pricing", "/pricing/"):
            v = evaluate(rules, Request(host=host, path=path, query=query))
            assert v.outcome == "cached", (path, v)
            keys.add(v.cache_key)
    assert keys == {f"{host}/pricing", f"{host}/pricing/"}, keys


def test_a_keyed_group_keeps_exactly_its_parameters(prod_spec) -> None:  # type: ignore[no-untyped-def]
    spec = dataclasses.replace(
        prod_spec,
        plan="enterprise",
        keyed_paths=(KeyedPaths(paths=("/customers",), parameters=("page",)),),
    )
    rules = edge_replay.rulesets_for(spec)
    host = spec.hostnames[0]

    def key(query: str) -> str | None:
        return evaluate(rules, Request(host=host, path="/customers", query=query)).cache_key

    assert key("page=2&utm_source=x") == key("utm_medium=y&page=2") == f"{host}/customers?page=2"
    assert key("page=2") != key("page=3")
    assert key("PAGE=2") == f"{host}/customers", "names compare exactly, as URL queries do"


def test_every_profile_meets_the_targets() -> None:
    """The headline figures (docs/benchmarks.md), on a smaller log: every tool's links at least
    99% at the edge, at most 5 origin page requests per 1,000 clicks after the first fills."""
    spec = stack_settings("prod", overrides={"spikeproof:site": None}).edge_rules()
    for profile in PROFILES:
        row = edge_replay.profile_row(spec, profile, requests=3000, seed=3)
        assert row["edgeShare"] >= edge_replay.TARGET, row
        assert row["originPagesPer1000Clicks"] <= edge_replay.ORIGIN_PAGES_PER_1000, row
        assert row["splitPaths"] == 0, row
