"""The pre-flight checklist as a pull request: `python -m tools.campaign_check FILE...`.

    python -m tools.campaign_check campaigns/spring-coupon-blast.yaml --report report.md \\
        --charts build/charts

For each changed campaign file, the pre-flight (`tools.preflight`) runs against every stack that
references it in `spikeproof:campaigns`, or against prod when none does (a campaign is planned
before any stack prepares for it, and prod is where it will land). The verdicts, actions and
chart names go to a Markdown report the campaign workflow posts on the pull request.

Exit code: 2 if any pre-flight says NO-GO (the workflow fails; engineering does not sign off a
NO-GO), 3 if a file or stack is invalid, else 0 (GO, or GO with actions: the report lists them
for the reviewer). A deleted campaign file is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from forecast.projection import EXIT_ACTIONS, EXIT_GO, EXIT_INVALID, EXIT_NO_GO
from settings.files import ROOT
from tools import preflight

WORDS = {
    EXIT_GO: "GO",
    EXIT_ACTIONS: "GO with actions",
    EXIT_NO_GO: "NO-GO",
    EXIT_INVALID: "invalid",
}


@dataclass(frozen=True)
class Check:
    campaign: str
    stack: str
    code: int
    output: str
    chart: Path | None
    scorecard: str = ""
    """The readiness scorecard's Markdown (empty when the pre-flight stopped before it)."""


def stacks_referencing(name: str, root: Path = ROOT) -> list[str]:
    """Stacks whose stack file lists `name` in spikeproof:campaigns (prod when none does)."""
    found = []
    for path in sorted(root.glob("Pulumi.*.yaml")):
        stack = path.name[len("Pulumi.") : -len(".yaml")]
        try:
            config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("config") or {}
        except yaml.YAMLError:
            continue
        if name in (config.get("spikeproof:campaigns") or []):
            found.append(stack)
    return found or ["prod"]


def run_checks(files: list[Path], charts: Path | None) -> list[Check]:
    checks = []
    for file in files:
        if not file.exists():
            continue  # deleted in the pull request: nothing to sign off
        name = file.stem
        for stack in stacks_referencing(name):
            chart = charts / f"{name}-{stack}.svg" if charts else None
            if chart:
                chart.parent.mkdir(parents=True, exist_ok=True)
            out, err = io.StringIO(), io.StringIO()
            with tempfile.TemporaryDirectory() as scratch:
                card = Path(scratch) / "scorecard.md"
                argv = [str(file), "--stack", stack, "--scorecard", str(card),
                        *(["--chart", str(chart)] if chart else [])]  # fmt: skip
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = preflight.main(argv)
                scorecard = card.read_text(encoding="utf-8") if card.exists() else ""
            output = (out.getvalue() + err.getvalue()).strip()
            drawn = chart if chart and chart.exists() else None
            checks.append(Check(name, stack, code, output, drawn, scorecard))
    return checks


def markdown(checks: list[Check]) -> str:
    lines = ["## Campaign pre-flight", ""]
    if not checks:
        return "\n".join([*lines, "No campaign file to check."]) + "\n"
    lines += ["| campaign | stack | verdict |", "| --- | --- | --- |"]
    lines += [f"| `{c.campaign}` | {c.stack} | **{WORDS.get(c.code, c.code)}** |" for c in checks]
    for c in checks:
        lines += ["", f"### `{c.campaign}` on {c.stack}: {WORDS.get(c.code, c.code)}", ""]
        if c.chart:
            lines += [f"Chart: `{c.chart.name}` (the run's `preflight-charts` artifact).", ""]
        if c.scorecard:
            lines += [c.scorecard.replace("## Readiness scorecard", "#### Readiness scorecard"), ""]
        lines += ["```", c.output, "```"]
    lines += ["", "Engineering signs off by approving this pull request (CODEOWNERS: the "
              "platform team reviews `campaigns/`). A NO-GO fails the check."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.campaign_check")
    parser.add_argument("files", nargs="*", type=Path, help="changed campaigns/*.yaml files")
    parser.add_argument("--report", type=Path, help="write the Markdown report here")
    parser.add_argument("--charts", type=Path, help="write each pre-flight's chart here")
    parser.add_argument(
        "--json", type=Path, help="write [{campaign, stack, code, verdict, chart}] here"
    )
    args = parser.parse_args(argv)
    files = [
        f for f in args.files if f.suffix in (".yaml", ".yml") and f.parent.name == "campaigns"
    ]
    checks = run_checks(files, args.charts)
    text = markdown(checks)
    if args.report:
        args.report.write_text(text, encoding="utf-8")
    if args.json:
        rows = [
            {"campaign": c.campaign, "stack": c.stack, "code": c.code,
             "verdict": WORDS.get(c.code, str(c.code)), "chart": c.chart.name if c.chart else None,
             "output": c.output}
            for c in checks
        ]  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(text)
    codes = {c.code for c in checks}
    if EXIT_NO_GO in codes:
        return EXIT_NO_GO
    if EXIT_INVALID in codes:
        return EXIT_INVALID
    return 0


if __name__ == "__main__":
    sys.exit(main())
