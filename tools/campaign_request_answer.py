"""The answer a campaign request gets: `python -m tools.campaign_request_answer`.

    python -m tools.campaign_request_answer --converted 0 --checks checks.json --pr URL \\
        --chart-base https://github.com/acme/spikeproof/blob/campaign-request/42/docs/campaigns \\
        --answers answers.md --out comment.md --label-file label.txt --slack slack.json

Run by `.github/workflows/campaign-request.yml` after `tools.campaign_request` (exit code
`--converted`) and `tools.campaign_check --json` (`--checks`). Writes the comment for the request,
in the marketer's words first (GO / GO WITH ACTIONS / NO-GO in one line and what it means for
them, the chart), engineering's details folded below; the label for the request's verdict; and
the Slack message for #marketing-eng-sync. Reads the alerting settings for what will page whom.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from settings import stack_settings
from tools.campaign_request import STACK

MARKER = "<!-- spikeproof-campaign-request -->"
LABELS = {0: "campaign-go", 1: "campaign-go-with-actions", 2: "campaign-no-go",
          3: "campaign-check-failed"}  # fmt: skip
NEEDS_ANSWERS = "campaign-needs-answers"
CHECK_FAILED = "campaign-check-failed"
MEANING = {
    0: (
        "GO",
        "The site is ready for this campaign as it is. Engineering still signs off the pull "
        "request below; nothing else is needed from you.",
    ),
    1: (
        "GO WITH ACTIONS",
        "The campaign can go ahead once engineering has made the changes listed below (usually "
        "starting extra servers before go-live). You don't need to do anything, but please don't "
        "move the go-live time without updating this request.",
    ),
    2: (
        "NO-GO",
        "As planned, this campaign would overload the site or touch the application's data. "
        "Engineering will contact you; the reasons are below. Changing the plan (a later time, "
        "smaller batches, other pages) and editing this request runs the check again.",
    ),
    3: (
        "CHECK FAILED",
        "Your answers were fine, but engineering's check could not run on them (for example the "
        "campaign overlaps another one's preparation window). The platform team will look at it "
        "and answer here; you don't need to change anything yet.",
    ),
}


def _worst(checks: list[dict[str, Any]]) -> int:
    """NO-GO over a failed check over actions over GO: a NO-GO on any stack is the answer."""
    codes = {int(c["code"]) for c in checks}
    return next((code for code in (2, 3, 1) if code in codes), 0)


def _paging() -> str:
    """What will page whom on the day, from the stack's alerting settings."""
    alerting = stack_settings(STACK).alerting
    where = []
    if alerting.slack is not None:
        where.append(f"#{alerting.slack.channel_name}")
    if alerting.emails:
        where.append("email to " + ", ".join(alerting.emails))
    return (
        "During the campaign, the web servers' CPU alarm (above 80% for 5 minutes) and the "
        f"other alarms go to {' and '.join(where) or 'the alarm topic'}; "
        "docs/runbooks/campaign-day.md says who does what."
    )


def comment(
    *, converted: int, checks: list[dict[str, Any]], answers: str, pr: str, chart_base: str
) -> tuple[str, str]:
    """(the comment, the label) for the request."""
    if converted != 0:
        body = answers or "The request could not be read; the platform team will look at it."
        return f"{MARKER}\n{body}", NEEDS_ANSWERS
    if not checks:
        # Read fine, but the check never ran (a failed step): not the marketer's to fix.
        word, meaning = MEANING[3]
        return f"{MARKER}\n## {word}\n\n{meaning}\n", CHECK_FAILED
    worst = _worst(checks)
    word, meaning = MEANING[worst]
    lines = [MARKER, f"## {word}", "", meaning, ""]
    if pr:
        lines += [f"Campaign pull request (engineering's sign-off): {pr}", ""]
    for check in checks:
        if check.get("chart") and chart_base:
            lines += [
                f"![Traffic forecast for {check['campaign']} on {check['stack']}]"
                f"({chart_base.rstrip('/')}/{check['chart']}?raw=true)",
                "",
            ]
    lines += [_paging(), "", "<details><summary>For engineering: the pre-flight</summary>", ""]
    for check in checks:
        lines += [f"**{check['campaign']} on {check['stack']}: {check['verdict']}**", "",
                  "```", str(check.get("output", "")).replace("```", "'''"), "```", ""]  # fmt: skip
    lines.append("</details>")
    return "\n".join(lines) + "\n", LABELS[worst]


def slack_message(*, label: str, issue_url: str, pr: str) -> dict[str, str]:
    words = {
        NEEDS_ANSWERS: "needs answers from marketing",
        "campaign-go": "GO",
        "campaign-go-with-actions": "GO WITH ACTIONS (engineering to act before go-live)",
        "campaign-no-go": "NO-GO (engineering will contact the owner)",
        CHECK_FAILED: "the check could not run (platform team to look)",
    }
    text = f"Campaign request {issue_url}: {words[label]}." + (f" Sign-off: {pr}" if pr else "")
    return {"text": text}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.campaign_request_answer")
    parser.add_argument("--converted", type=int, required=True)
    parser.add_argument("--checks", type=Path, help="tools.campaign_check --json output")
    parser.add_argument("--answers", type=Path, help="tools.campaign_request --comment output")
    parser.add_argument("--pr", default="")
    parser.add_argument("--chart-base", default="")
    parser.add_argument("--issue-url", default="")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--label-file", type=Path, required=True)
    parser.add_argument("--slack", type=Path, required=True)
    args = parser.parse_args(argv)

    def read(path: Path | None) -> str:
        return path.read_text(encoding="utf-8") if path and path.exists() else ""

    checks = json.loads(read(args.checks) or "[]")
    text, label = comment(
        converted=args.converted, checks=checks, answers=read(args.answers), pr=args.pr,
        chart_base=args.chart_base,
    )  # fmt: skip
    args.out.write_text(text, encoding="utf-8")
    args.label_file.write_text(label, encoding="utf-8")
    message = slack_message(label=label, issue_url=args.issue_url, pr=args.pr)
    args.slack.write_text(json.dumps(message), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
