"""A campaign request (the GitHub issue form) becomes a campaign file.

    python -m tools.campaign_request --body ISSUE_BODY.md [--issue N] [--out campaigns] \\
        [--comment comment.md] [--today 2027-03-01]

Reads the body GitHub renders from `.github/ISSUE_TEMPLATE/campaign-request.yml` (`### <label>`,
a blank line, the answer; `_No response_` for an empty one; `- [X]` for a ticked box), turns the
marketer's answers into `campaigns/<name>.yaml`, fills what marketing cannot know from published
benchmarks per channel (`tools/campaign_benchmarks.json`, each figure with its source and date,
written into the file as a comment), and checks the result with the campaign parser itself
before anything is written.

An answer that cannot be used is a comment for the request, in the marketer's words: it quotes
the question and says what to write (`--comment FILE`), exit 2. Never a traceback or a YAML
error: the body is untrusted input. Exit 0: the file was written (its path on stdout).

Deliberately not here: the verdict (tools.campaign_check runs the pre-flight on the file) and
anything that talks to GitHub (the workflow posts the comments).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from email_validator import EmailNotValidError, validate_email

from settings import stack_settings
from settings.campaign import load_campaign
from settings.errors import ConfigErrors
from settings.files import ROOT

FORM = ROOT / ".github" / "ISSUE_TEMPLATE" / "campaign-request.yml"
BENCHMARKS = Path(__file__).with_name("campaign_benchmarks.json")
NO_RESPONSE = "_No response_"
EXIT_WRITTEN, EXIT_ANSWERS = 0, 2
STACK = "prod"
"""The stack a campaign lands on: its marketing hostnames are the pages that can be prepared."""
CAMPAIGN_LEVEL = {"utm_source", "utm_medium", "utm_campaign", "utm_term"}
"""Tracking parameters that are the same for every recipient of one campaign."""
FORM_ROUTES = {"Newsletter sign-up": "/subscribe", "Contact form": "/contact"}
CHANNELS = {
    "Email": "email",
    "SMS": "sms",
    "Paid ads": "ads",
    "Social media post": "social",
    "Press or influencer": "press",
    "Other": "other",
}
DATA_ACCESS = {
    "No": "none",
    "Yes, it reads": "replica-read",
    "Yes, it creates": "primary-write",
}
ZONE_ABBREVIATIONS = re.compile(
    r"\b(GMT|UTC|BST|CET|CEST|EET|EEST|WET|WEST|IST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|AEST|AEDT|"
    r"JST|SGT)\b",
    re.IGNORECASE,
)
MAX_COUNT = 10_000_000_000
"""The most people a campaign can reach (settings/campaign.py MAX_AUDIENCE: more than there are)."""
MAX_BODY = 65_536
"""GitHub's own limit on an issue body (characters)."""


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    kind: str
    options: tuple[str, ...] = ()
    required: bool = False


@dataclass
class Answers:
    """The parsed body: answer text per question id, and every problem found, as comments."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, question: Question, answer: str | None, fix: str) -> None:
        given = f" You wrote: {_shown(answer)}." if answer else ""
        self.problems.append(f'**"{question.label}"**{given} {fix}')


def questions(form: Path = FORM) -> dict[str, Question]:
    """The form's questions by id, read from the form itself (labels and options are the API)."""
    document = yaml.safe_load(form.read_text(encoding="utf-8"))
    out: dict[str, Question] = {}
    for item in document["body"]:
        if item["type"] == "markdown":
            continue
        attributes = item["attributes"]
        options = tuple(
            o["label"] if isinstance(o, dict) else str(o) for o in attributes.get("options", [])
        )
        required = bool((item.get("validations") or {}).get("required"))
        out[item["id"]] = Question(item["id"], attributes["label"], item["type"], options, required)
    return out


def _quote(text: str | None, limit: int = 120) -> str:
    """An answer shown back: one line of plain characters (controls, format characters and
    unpaired surrogates dropped), cut, backticks turned to quotes so it can sit in a code span."""
    kept = "".join(
        ch
        for ch in (text or "")
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in "\t\n"
    )
    flat = " ".join(kept.split()).replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _shown(text: str | None) -> str:
    """An untrusted answer in a comment: a code span, so no link, image, mention or heading in
    it is rendered."""
    return f"`{_quote(text)}`"


def parse_body(body: str, form: dict[str, Question]) -> Answers:
    """Answers by question id from the body GitHub renders. A question missing from the body (an
    edited issue) reads as unanswered."""
    answers = Answers()
    by_label = {q.label: q for q in form.values()}
    sections = re.split(r"^### (.+?)\s*$", body.replace("\r\n", "\n"), flags=re.M)
    for label, text in zip(sections[1::2], sections[2::2], strict=True):
        question = by_label.get(label.strip())
        if question is None:
            continue
        value = text.strip()
        if question.kind == "checkboxes":
            ticked = re.findall(r"^- \[[xX]\] (.+?)\s*$", value, flags=re.M)
            answers.values[question.id] = "\n".join(ticked)
        elif value != NO_RESPONSE:
            answers.values[question.id] = value
    for question in form.values():
        if question.required and not answers.values.get(question.id):
            answers.problem(question, None, "This question needs an answer.")
    return answers


# --- answers to values ------------------------------------------------------------------------

_NUMBER = re.compile(
    r"^(?:about|around|approx\.?|approximately|~|roughly|up to)?\s*"
    r"(?P<n>\d{1,3}(?:[, ]\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(?P<unit>k|thousand|m|mn|million|millions|bn|billion)?\s*"
    r"(?:people|recipients|subscribers|users|impressions|followers|readers|visitors|contacts)?\.?$",
    re.IGNORECASE,
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6,
          "bn": 1e9, "billion": 1e9}  # fmt: skip


def whole_number(text: str) -> int | None:
    """ "2 million", "2,000,000", "150k", "about 1.5m people" -> a count; None if not a count."""
    match = _NUMBER.match(text.strip())
    if match is None:
        return None
    digits = re.sub(r"[, ]", "", match["n"])
    if len(digits) > 15:
        return None  # more than anyone reaches; and past float's exact range
    number = float(digits) * _SCALE.get((match["unit"] or "").lower(), 1)
    return round(number) if number <= MAX_COUNT else None


def go_live_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$", re.I)


def clock_time(text: str) -> time | None:
    """ "09:00", "9:30", "9am", "2.30 pm" -> a time; None otherwise."""
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


_DURATION = re.compile(
    r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>minutes?|mins?|hours?|hrs?|h|days?|d|weeks?)$", re.I
)


def duration(text: str) -> timedelta | None:
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    if len(match["n"]) > 6:
        return None  # a million of anything is not a campaign's length (and overflows timedelta)
    n, unit = float(match["n"]), match["unit"].lower()
    if unit.startswith("min"):
        return timedelta(minutes=n)
    if unit.startswith("h"):
        return timedelta(hours=n)
    if unit.startswith("d"):
        return timedelta(days=n)
    return timedelta(weeks=n)


def iso_duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    time_part = (f"{hours}H" if hours else "") + (f"{mins}M" if mins else "")
    return "P" + (f"{days}D" if days else "") + (f"T{time_part}" if time_part else "")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = "-".join(words)[:40].strip("-")
    return out if out[:1].isalpha() else f"campaign-{out}".strip("-")


# --- the conversion -------------------------------------------------------------------------


@dataclass(frozen=True)
class Converted:
    name: str
    text: str
    """The campaign file, comments included."""


def load_benchmarks(path: Path = BENCHMARKS) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def convert(
    body: str, *, issue: int | None = None, today: date | None = None, form: Path = FORM
) -> Converted | Answers:
    """The campaign file for `body`, or the Answers with every problem found."""
    qs = questions(form)
    if len(body) > MAX_BODY:
        bad = Answers()
        bad.problems.append("The request is longer than GitHub allows; shorten the answers.")
        return bad
    answers = parse_body(body, qs)
    values, today = answers.values, today or date.today()
    marks = load_benchmarks()
    hosts = _marketing_hosts()

    summary = values.get("summary", "")
    name = f"{slug(summary)}-{issue}" if issue is not None else slug(summary)
    if summary and not re.match(r"^[a-z][a-z0-9-]{1,62}$", name):
        answers.problem(qs["summary"], summary, 'Start with a word, e.g. "Spring coupon email".')

    channel_text = values.get("channel", "")
    channel = CHANNELS.get(channel_text)
    if channel_text and channel is None:
        answers.problem(qs["channel"], channel_text, f"Pick one of: {', '.join(CHANNELS)}.")

    day = go_live_date(values.get("date", "")) if values.get("date") else None
    if values.get("date") and day is None:
        answers.problem(
            qs["date"], values["date"],
            'Write the date as year-month-day, e.g. "2027-03-09" (not "next Tuesday": the '
            "request may be read on another day).",
        )  # fmt: skip
    elif day is not None and day < today:
        answers.problem(
            qs["date"], values["date"], f"That date has passed (today is {today}); "
            "write the date the campaign will go live.",
        )  # fmt: skip

    at = None
    raw_time = values.get("time", "")
    if raw_time:
        if ZONE_ABBREVIATIONS.search(raw_time):
            answers.problem(
                qs["time"], raw_time,
                'Write the time alone, e.g. "09:00", and choose the time zone in "'
                + qs["time_zone"].label + '": abbreviations like BST or IST mean different '
                "zones in different countries.",
            )  # fmt: skip
        else:
            at = clock_time(raw_time)
            if at is None:
                answers.problem(qs["time"], raw_time, 'Write a time like "09:00" or "9:30 pm".')

    zone_text = values.get("time_zone", "")
    zone = None
    if zone_text:
        candidate = zone_text.split(" ", 1)[0]
        try:
            zone = ZoneInfo(candidate) if "/" in candidate or candidate == "UTC" else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is None:
            answers.problem(
                qs["time_zone"], zone_text,
                "Pick the zone from the list (a city, such as Europe/London): abbreviations "
                "and offsets change with summer time.",
            )  # fmt: skip

    span = timedelta(hours=6)
    if values.get("duration"):
        parsed = duration(values["duration"])
        if parsed is None or not timedelta(minutes=15) <= parsed <= timedelta(days=14):
            answers.problem(
                qs["duration"], values["duration"],
                'Write how long, e.g. "6 hours" or "3 days" (between 15 minutes and 14 days).',
            )  # fmt: skip
        else:
            span = parsed

    reach = whole_number(values.get("reach", "")) if values.get("reach") else None
    if values.get("reach") and (reach is None or reach < 1):
        answers.problem(
            qs["reach"], values["reach"], 'Write a number, e.g. "2 million" or "150000".'
        )
    visitors = whole_number(values["visitors"]) if values.get("visitors") else None
    if values.get("visitors") and (visitors is None or visitors < 1):
        answers.problem(
            qs["visitors"], values["visitors"], 'Write a number, e.g. "20000", or leave it empty.'
        )

    no_average = channel is not None and marks["channels"][channel].get("click") is None
    if no_average and not values.get("visitors"):
        answers.problem(
            qs["visitors"], None,
            f'There is no published average to estimate a "{channel_text}" campaign from: '
            "write how many visitors you expect in the busiest hour (a guess is fine; the "
            "platform team reviews it).",
        )  # fmt: skip

    personal = values.get("personal_links", "").startswith("Yes")
    landings = _landings(values.get("pages", ""), hosts, personal, qs["pages"], answers)

    forms = [FORM_ROUTES[o] for o in values.get("forms", "").splitlines() if o in FORM_ROUTES]
    data_text = values.get("data", "")
    data_access = next((v for k, v in DATA_ACCESS.items() if data_text.startswith(k)), None)
    if data_text and data_access is None:
        answers.problem(qs["data"], data_text, "Pick one of the three answers in the list.")
    elif data_access == "primary-write":
        # The pre-flight refuses it whatever the numbers (settings/campaign.py,
        # PRIMARY_WRITE_REFUSAL): said here in the marketer's words, with what to do instead.
        answers.problem(
            qs["data"], data_text,
            "This is the one thing a campaign cannot do: data created in the application's "
            "database for every recipient means millions of writes on the database the product "
            "runs on, which is how a start-up's site went down by 9:05 on a Tuesday. Ask the "
            "platform team to create the codes before the send in the marketing plane's own "
            'store, then change this answer to "Yes, it reads data" (the page looks the code up '
            "there).",
        )  # fmt: skip

    owner = values.get("owner", "")
    if owner:
        try:
            owner = validate_email(owner.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            answers.problem(
                qs["owner"], owner, "Write an email address, e.g. growth-team@example.com."
            )

    if answers.problems or channel is None or day is None or at is None or zone is None:
        return answers
    assert data_access is not None and reach is not None
    start = datetime.combine(day, at)
    text = render(
        name=name, issue=issue, summary=summary, owner=owner, zone=zone.key, start=start,
        span=span, channel=channel, reach=reach, visitors=visitors, landings=landings,
        forms=forms, data_access=data_access, data_details=values.get("data_details", ""),
        on_call=values.get("on_call", ""), marks=marks,
    )  # fmt: skip
    return Converted(name=name, text=text)


@functools.cache
def _marketing_hosts() -> tuple[str, ...]:
    """Read once per process: the stack file does not change while requests are converted."""
    edge = stack_settings(STACK).edge
    return tuple(edge.hostnames) if edge is not None else ()


def _landings(
    text: str, hosts: tuple[str, ...], personal: bool, question: Question, answers: Answers
) -> list[dict[str, Any]]:
    landings: list[dict[str, Any]] = []
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        url = line.strip("<>")
        try:
            parts = urlsplit(url if "://" in url else f"https://{url}")
            host = (parts.hostname or "").lower()
        except ValueError:  # e.g. "[X]" where a host should be: not a link at all
            answers.problem(question, line, "Paste full links, one per line, starting https://.")
            continue
        if host not in hosts:
            answers.problem(
                question, line,
                f"Only pages on our marketing sites can be prepared for the traffic: "
                f"{', '.join(hosts)}. Link there, or ask the platform team first.",
            )  # fmt: skip
            continue
        params = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
        landing: dict[str, Any] = {"path": parts.path or "/", "trackingParameters": params}
        if personal:
            unique = [p for p in params if p.lower() not in CAMPAIGN_LEVEL]
            if not unique:
                answers.problem(
                    question, line,
                    "You said each person's link is different, but this link has no personal "
                    "part: paste a link exactly as one person gets it (with its code).",
                )  # fmt: skip
                continue
            landing["uniquePerRecipient"] = unique
        landings.append(landing)
    if not landings and not answers.problems:
        answers.problem(question, text, "Paste at least one link, one per line.")
    for landing in landings:
        landing["share"] = round(1 / len(landings), 4)
    return landings


def render(
    *, name: str, issue: int | None, summary: str, owner: str, zone: str, start: datetime,
    span: timedelta, channel: str, reach: int, visitors: int | None,
    landings: list[dict[str, Any]], forms: list[str], data_access: str, data_details: str,
    on_call: str, marks: dict[str, Any],
) -> str:  # fmt: skip
    """The campaign file: values the parser checks, with a comment for every figure the marketer
    did not give (its source and date)."""
    lines = [
        f"# {_quote(summary, 90)}",
        f"# From campaign request #{issue} (tools/campaign_request.py); edit the request, not this"
        " file: the workflow rewrites it." if issue is not None else
        "# From a campaign request (tools/campaign_request.py).",
        f"# On call in engineering: {_quote(on_call, 80) or 'to be named by the platform team'}.",
        f"name: {name}",
        f"owner: {_json(owner)}",
        f"timeZone: {zone}",
        f'start: "{start:%Y-%m-%dT%H:%M}"',
        f"duration: {iso_duration(span)}",
    ]  # fmt: skip
    mark = marks["channels"][channel]
    if visitors is not None:
        peak = visitors / 3600
        lines += [
            f"channel: {mark['model']}",
            f"# {visitors} visitors in the busiest hour, as the request says: an even hour.",
            f"expectedPeakRps: {round(max(peak, 0.01), 2)}",
        ]
    elif mark["model"] == "email":
        lines += [
            "channel: email"
            + (f"  # {channel}: sent, then clicked, like an email" if channel != "email" else ""),
            "audience:",
            f"  size: {reach}",
            _sourced("  ", mark["open"]),
            f"  openRate: {mark['open']['value']}",
            _sourced("  ", mark["click"]),
            f"  clickRate: {mark['click']['value']}",
            f"# {mark['scanners']['why']}",
            f"scannerShare: {mark['scanners']['value']}",
        ]
    else:
        click = mark["click"]
        clicks = reach * click["value"]
        # Spread evenly over the campaign: the plateau the projection holds for its length.
        peak = clicks / span.total_seconds()
        lines += [
            f"channel: {mark['model']}  # {channel}",
            f"# {reach} reached x {click['value']:.2%} click-through ({click['source']}, "
            f"{click['date']}) = {round(clicks)} visitors, spread evenly over the campaign "
            "(an assumption: answer the busiest-hour question to replace it).",
            f"expectedPeakRps: {round(max(peak, 0.01), 2)}",
        ]
    lines.append("landing:")
    for landing in landings:
        # Not ensure_ascii: a character beyond the BMP would become a surrogate pair escape that
        # YAML decodes into two lone surrogates.
        lines.append(f"  - path: {_json(landing['path'])}")
        lines.append(f"    trackingParameters: {_json(landing['trackingParameters'])}")
        if landing.get("uniquePerRecipient"):
            lines.append(f"    uniquePerRecipient: {_json(landing['uniquePerRecipient'])}")
        lines.append(f"    share: {landing['share']}")
    lines.append(f"forms: {json.dumps(forms)}")
    lines.append(f"dataAccess: {data_access}")
    if data_access == "replica-read":
        lines += [
            f"# The request says: {_quote(data_details, 200) or '(no details)'}",
            "# One read per page served by the origin until engineering measures it.",
            "replicaQueriesPerPage: 1",
        ]
    elif data_access == "primary-write":
        lines.append(f"# The request says: {_quote(data_details, 200) or '(no details)'}")
    return "\n".join(lines) + "\n"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sourced(indent: str, figure: dict[str, Any]) -> str:
    return f"{indent}# {figure['value']:.1%}: {figure['source']} ({figure['date']})"


def reference(stack_file: Path, name: str) -> bool:
    """Adds `name` to the stack file's `spikeproof:campaigns` list (a block list, as the shipped
    files write it), so merging the request's pull request deploys its pre-warm and window alarms.
    Only that list is touched, line by line: comments and the rest of the file stay as they are.
    False when it was already there."""
    lines = stack_file.read_text(encoding="utf-8").splitlines(keepends=True)
    head = next((i for i, ln in enumerate(lines) if ln.rstrip() == "  spikeproof:campaigns:"), None)
    if head is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines += ["  spikeproof:campaigns:\n", f"    - {name}\n"]
    else:
        end = head + 1
        while end < len(lines) and lines[end].startswith("    - "):
            if lines[end].strip() == f"- {name}":
                return False
            end += 1
        lines.insert(end, f"    - {name}\n")
    stack_file.write_text("".join(lines), encoding="utf-8")
    return True


def comment_for(answers: Answers) -> str:
    """The comment the request gets when an answer cannot be used."""
    items = "\n".join(f"- {p}" for p in answers.problems)
    return (
        "Thanks for the request. A few answers need a change before engineering can check the "
        f"campaign:\n\n{items}\n\nEdit the request (the **...** menu, *Edit*) and the check runs "
        "again by itself.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.campaign_request")
    parser.add_argument("--body", type=Path, required=True, help="the issue body (Markdown)")
    parser.add_argument("--issue", type=int, help="the request's issue number (names the file)")
    parser.add_argument("--out", type=Path, default=ROOT / "campaigns")
    parser.add_argument("--comment", type=Path, help="where to write the comment on bad answers")
    parser.add_argument("--today", type=date.fromisoformat, help="today's date (tests)")
    parser.add_argument(
        "--reference",
        type=Path,
        help="a stack file whose spikeproof:campaigns list gets the campaign (its pre-warm)",
    )
    args = parser.parse_args(argv)
    try:
        body = args.body.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        print(f"{args.body}: cannot be read: {error.strerror}", file=sys.stderr)
        return EXIT_ANSWERS
    result = convert(body, issue=args.issue, today=args.today)
    if isinstance(result, Converted):
        args.out.mkdir(parents=True, exist_ok=True)
        target = args.out / f"{result.name}.yaml"
        # Checked by the campaign parser under its own name before it replaces anything: a
        # request that yields a file the pre-flight refuses never overwrites the last good one.
        with tempfile.TemporaryDirectory(dir=args.out) as scratch:
            candidate = Path(scratch) / target.name
            candidate.write_text(result.text, encoding="utf-8")
            try:
                load_campaign(str(candidate))
            except ConfigErrors as errors:
                result = Answers(
                    problems=[_config_problem(e.key_path, e.problem) for e in errors.errors]
                )
            else:
                os.replace(candidate, target)
                if args.reference:
                    reference(args.reference, result.name)
                print(target)
                return EXIT_WRITTEN
    assert isinstance(result, Answers)
    text = comment_for(result)
    if args.comment:
        args.comment.write_text(text, encoding="utf-8")
    print(text, file=sys.stderr)
    return EXIT_ANSWERS


def _config_problem(key: str, problem: str) -> str:
    return (
        f"The campaign could not be prepared ({_shown(f'{key}: {problem}')}); the platform "
        "team will help."
    )


if __name__ == "__main__":
    raise SystemExit(main())
