"""What the pre-flight's new work costs: `python -m tools.bench_preflight [--runs 15]`.

Times, in one process and one run, the rehearsal's projection and verdict alone (the baseline:
what the pre-flight did before costs and readiness) against the whole pre-flight as it runs now
(`tools.preflight.main`: the projection, the campaign's cost and each action's, the cheaper
variants, quotas, lead times, the waiting room), and prints the medians and their ratio. Warm:
imports and data files are loaded before the first timed run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from forecast.projection import decide, project
from settings import stack_settings
from settings.campaign import load_campaign
from tools import preflight

CAMPAIGN, STACK, NOW = "spring-coupon-blast", "prod", "2027-03-01T00:00:00Z"


def _median(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _baseline() -> object:
    settings = stack_settings(STACK)
    p = project(load_campaign(CAMPAIGN), settings, STACK)
    return decide(p, settings)


def _whole() -> object:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return preflight.main([CAMPAIGN, "--stack", STACK, "--now", NOW])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_preflight")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    _baseline(), _whole()  # warm: imports, moto's instance data, the price table
    base = _median(_baseline, args.runs)
    whole = _median(_whole, args.runs)
    print(f"rehearsal on {STACK}, median of {args.runs} runs each, in one process:")
    print(f"  projection and verdict (baseline)      {base * 1000:8.1f} ms")
    print(f"  whole pre-flight (cost, readiness...)  {whole * 1000:8.1f} ms")
    print(f"  ratio                                  {whole / base:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
