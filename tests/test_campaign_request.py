"""A campaign request, as GitHub renders the issue form's answers, becomes a campaign file the
pre-flight reads; an answer that cannot be used gets a comment that quotes the question.

Bodies are built from the form file itself the way GitHub renders issue forms (`### <label>`, a
blank line, the answer; `_No response_` when empty; `- [X]`/`- [ ]` for checkboxes), so a label
changed in the form changes what the tests send."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from settings.campaign import load_campaign
from settings.files import ROOT
from tools import campaign_request as cr
from tools import preflight

TODAY = date(2027, 3, 1)
GOOD: dict[str, Any] = {
    "summary": "Spring coupon email to all customers",
    "channel": "Email",
    "date": "2027-03-09",
    "time": "09:00",
    "time_zone": "Europe/London (UK)",
    "duration": "6 hours",
    "reach": "2 million",
    "visitors": None,
    "pages": "https://www.acme-marketing.com/campaigns/spring?utm_source=newsletter"
    "&utm_campaign=spring&coupon=SPR-8F3K2",
    "personal_links": "Yes, each person's link is different",
    "forms": ["Newsletter sign-up"],
    "data": "No, the pages are the same for everyone",
    "data_details": None,
    "owner": "growth-team@example.com",
    "on_call": None,
}


def render(answers: dict[str, Any]) -> str:
    """The body GitHub writes for these answers (question ids -> answer text)."""
    parts = []
    for question in cr.questions().values():
        value = answers.get(question.id)
        if question.kind == "checkboxes":
            ticked = set(value or [])
            text = "\n".join(f"- [{'X' if o in ticked else ' '}] {o}" for o in question.options)
        else:
            text = value if value else cr.NO_RESPONSE
        parts.append(f"### {question.label}\n\n{text}")
    return "\n\n".join(parts) + "\n"


def run(tmp_path: Path, answers: dict[str, Any], issue: int = 7) -> tuple[int, str, Path]:
    body = tmp_path / "body.md"
    body.write_text(render(answers))
    comment = tmp_path / "comment.md"
    code = cr.main(
        ["--body", str(body), "--issue", str(issue), "--out", str(tmp_path / "campaigns"),
         "--comment", str(comment), "--today", TODAY.isoformat()]
    )  # fmt: skip
    return code, comment.read_text() if comment.exists() else "", tmp_path / "campaigns"


def test_the_converter_reads_every_question_the_form_asks() -> None:
    """The form is the API: the ids the converter reads and the options it maps are the form's."""
    form = cr.questions()
    assert set(GOOD) == set(form), set(GOOD) ^ set(form)
    assert set(form["channel"].options) == set(cr.CHANNELS)
    assert set(form["forms"].options) == set(cr.FORM_ROUTES)
    for option in form["data"].options:
        assert any(option.startswith(k) for k in cr.DATA_ACCESS), option
    assert set(cr.CHANNELS.values()) == set(cr.load_benchmarks()["channels"])
    for option in form["time_zone"].options:
        assert cr.convert(render({**GOOD, "time_zone": option}), today=TODAY).__class__ is (
            cr.Converted
        ), option


def test_a_request_becomes_a_campaign_file_the_preflight_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, comment, out = run(tmp_path, GOOD, issue=42)
    assert code == cr.EXIT_WRITTEN, comment
    (path,) = out.glob("*.yaml")
    assert path.name == "spring-coupon-email-to-all-customers-42.yaml"
    campaign = load_campaign(str(path))
    assert campaign.channel == "email" and campaign.audience is not None
    assert campaign.audience.size == 2_000_000
    assert campaign.time_zone == "Europe/London" and campaign.start.hour == 9
    (landing,) = campaign.landing
    assert landing.path == "/campaigns/spring"
    assert landing.unique_per_recipient == ["coupon"], "the personal part of the link"
    assert campaign.forms == ["/subscribe"] and campaign.data_access == "none"
    text = path.read_text()
    assert "Mailchimp" in text and "October 2019" in text, "every default names its source"
    capsys.readouterr()
    assert preflight.main([str(path), "--stack", "prod"]) == 0
    assert "Verdict: GO" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("channel", "extra", "expect"),
    [
        ("SMS", {}, {"channel": "email", "scannerShare": 0.0}),
        ("Paid ads", {"reach": "500k impressions"}, {"channel": "ads"}),
        ("Social media post", {"reach": "80,000 followers"}, {"channel": "social"}),
        ("Press or influencer", {"visitors": "20000"}, {"channel": "press"}),
        ("Other", {"visitors": "about 3k"}, {"channel": "ads"}),
    ],
)
def test_every_channel_becomes_a_campaign(
    tmp_path: Path, channel: str, extra: dict[str, str], expect: dict[str, Any]
) -> None:
    code, comment, out = run(tmp_path, {**GOOD, "channel": channel, **extra})
    assert code == cr.EXIT_WRITTEN, comment
    (path,) = out.glob("*.yaml")
    data = yaml.safe_load(path.read_text())
    for key, value in expect.items():
        assert data[key] == value, (channel, key, data)
    campaign = load_campaign(str(path))
    if campaign.channel != "email":
        assert campaign.expected_peak_rps and campaign.expected_peak_rps > 0, channel
    if extra.get("visitors"):
        visitors = cr.whole_number(extra["visitors"])
        assert visitors is not None
        assert data["expectedPeakRps"] == round(visitors / 3600, 2)


# (answer id, what the marketer wrote, words the comment must contain)
BAD = [
    ("reach", "lots", "Write a number"),
    ("reach", "two million", "Write a number"),
    ("reach", "9" * 40, "Write a number"),
    ("visitors", "1e99", "Write a number"),
    ("time", "9am BST", "abbreviations"),
    ("time", "9ish", "Write a time"),
    ("time", "25:00", "Write a time"),
    ("date", "next Tuesday", "year-month-day"),
    ("date", "09/03/2027", "year-month-day"),
    ("date", "2027-02-01", "has passed"),
    ("time_zone", "BST", "Pick the zone"),
    ("time_zone", "GMT+1", "Pick the zone"),
    ("duration", "all week-ish", "how long"),
    ("duration", "30 days", "14 days"),
    ("pages", "https://www.another-shop.com/spring", "Only pages on our marketing sites"),
    ("pages", "https://www.acme-marketing.com/campaigns/spring?utm_source=x", "personal part"),
    ("owner", "Ann from growth", "email address"),
    ("channel", "Carrier pigeon", "Pick one of"),
    ("summary", None, "needs an answer"),
    ("data", None, "needs an answer"),
]


@pytest.mark.parametrize(("key", "answer", "words"), BAD, ids=[f"{k}-{a}" for k, a, _ in BAD])
def test_an_answer_that_cannot_be_used_is_a_comment_quoting_the_question(
    tmp_path: Path, key: str, answer: str | None, words: str
) -> None:
    code, comment, out = run(tmp_path, {**GOOD, key: answer})
    assert code == cr.EXIT_ANSWERS
    assert not list(out.glob("*.yaml")), "nothing is written for a request with bad answers"
    label = cr.questions()[key].label
    assert f'**"{label}"**' in comment, comment
    assert words.lower() in comment.lower(), comment
    if answer:
        assert f"You wrote: `{cr._quote(answer)}`" in comment, comment
    for marker in ("Traceback", "yaml", "ConfigError", "pydantic"):
        assert marker not in comment, comment


def test_a_channel_without_a_published_average_asks_for_visitors(tmp_path: Path) -> None:
    code, comment, _ = run(tmp_path, {**GOOD, "channel": "Press or influencer"})
    assert code == cr.EXIT_ANSWERS
    assert cr.questions()["visitors"].label in comment and "no published average" in comment


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    code, comment, _ = run(tmp_path, {**GOOD, "reach": "lots", "time": "9am BST", "owner": "x"})
    assert code == cr.EXIT_ANSWERS
    assert comment.count("\n- ") == 3, comment


def test_creating_data_in_the_application_is_refused_in_the_marketers_words(
    tmp_path: Path,
) -> None:
    """Unique codes generated in the database (the story spikeproof exists for): the campaign
    parser refuses primary-write outright, so the request is told why and what to do instead."""
    answers = {
        **GOOD,
        "data": cr.questions()["data"].options[2],
        "data_details": "each email gets a coupon code created by the app's database",
    }
    code, comment, out = run(tmp_path, answers)
    assert code == cr.EXIT_ANSWERS and not list(out.glob("*.yaml"))
    assert cr.questions()["data"].label in comment
    assert "cannot do" in comment and "Yes, it reads data" in comment, comment


def test_reading_data_becomes_a_replica_read_campaign(tmp_path: Path) -> None:
    answers = {
        **GOOD,
        "data": cr.questions()["data"].options[1],
        "data_details": "the page shows the customer's points",
    }
    code, comment, out = run(tmp_path, answers)
    assert code == cr.EXIT_WRITTEN, comment
    (path,) = out.glob("*.yaml")
    campaign = load_campaign(str(path))
    assert campaign.data_access == "replica-read" and campaign.replica_queries_per_page == 1
    assert "points" in path.read_text(), "the marketer's description travels with the file"


@pytest.mark.parametrize(
    "answer",
    [
        "[click here](https://evil.example/) @acme/platform ![x](https://evil.example/p.png)",
        "`rm -rf /` <img src=x> **bold**\n# heading",
        "\x1b[31mred\x01\u202eevil\u200b",
        "x" * 300,
    ],
)
def test_untrusted_text_is_shown_inert(tmp_path: Path, answer: str) -> None:
    """An answer is shown back in a comment inside a code span: no link, image, mention,
    heading or HTML in it renders; one line, no controls or bidi marks, at most 120 characters."""
    shown = cr._shown(answer)
    inner = shown[1:-1]
    assert shown.startswith("`") and shown.endswith("`") and "`" not in inner
    assert "\n" not in inner and len(inner) <= 120
    assert not any(ch in inner for ch in "\x1b\x01\u202e\u200b")
    _, comment, _ = run(tmp_path, {**GOOD, "reach": answer})
    assert f"You wrote: {shown}." in comment, comment


@pytest.mark.parametrize(
    "body",
    ["", "### What is the campaign?\n\n", "no headings at all", "\x00\xff" * 10, "###\n" * 500],
)
def test_any_body_gets_an_answer_never_a_traceback(tmp_path: Path, body: str) -> None:
    path = tmp_path / "body.md"
    path.write_text(body, errors="surrogateescape")
    code = cr.main(["--body", str(path), "--out", str(tmp_path / "c"), "--today", "2027-03-01"])
    assert code == cr.EXIT_ANSWERS


def test_a_new_request_never_replaces_a_good_file_with_a_bad_one(tmp_path: Path) -> None:
    code, _, out = run(tmp_path, GOOD)
    assert code == cr.EXIT_WRITTEN
    (path,) = out.glob("*.yaml")
    before = path.read_text()
    code, _, _ = run(tmp_path, {**GOOD, "reach": "lots"})
    assert code == cr.EXIT_ANSWERS and path.read_text() == before


@pytest.mark.parametrize(
    ("text", "count"),
    [("2 million", 2_000_000), ("2,000,000", 2_000_000), ("150k", 150_000),
     ("about 1.5m people", 1_500_000), ("80 000 followers", 80_000), ("lots", None),
     ("9" * 400, None), ("99999999999 billion", None)],
)  # fmt: skip
def test_numbers_as_people_write_them(text: str, count: int | None) -> None:
    assert cr.whole_number(text) == count


def test_benchmarks_name_their_source_and_period() -> None:
    data = json.loads((ROOT / "tools" / "campaign_benchmarks.json").read_text())
    for channel, marks in data["channels"].items():
        for key in ("open", "click"):
            figure = marks.get(key)
            if figure is None:
                continue
            assert 0 < figure["value"] <= 1 and figure["source"] and figure["date"], (channel, key)


def _answer(
    tmp_path: Path, converted: int, checks: list[dict[str, Any]] | None
) -> tuple[str, str, dict[str, str]]:
    from tools import campaign_request_answer as answer

    checks_file = tmp_path / "checks.json"
    if checks is not None:
        checks_file.write_text(json.dumps(checks))
    answers = tmp_path / "answers.md"
    answers.write_text("Thanks for the request. A few answers need a change")
    args = [
        "--converted", str(converted), "--checks", str(checks_file), "--answers", str(answers),
        "--pr", "https://github.com/acme/spikeproof/pull/9",
        "--issue-url", "https://github.com/acme/spikeproof/issues/7",
        "--chart-base", "https://github.com/acme/spikeproof/blob/campaign-request/7/docs/campaigns",
        "--out", str(tmp_path / "c.md"), "--label-file", str(tmp_path / "l.txt"),
        "--slack", str(tmp_path / "s.json"),
    ]  # fmt: skip
    assert answer.main(args) == 0
    return (
        (tmp_path / "c.md").read_text(),
        (tmp_path / "l.txt").read_text(),
        json.loads((tmp_path / "s.json").read_text()),
    )


def test_a_request_end_to_end_gets_its_verdict_chart_and_label(tmp_path: Path) -> None:
    """Body -> campaign file -> the pre-flight over every stack that references it (as the
    workflow runs them) -> the answer on the request, the label and the shared channel's message."""
    from tools import campaign_check

    code, _, out = run(tmp_path, GOOD, issue=7)
    assert code == cr.EXIT_WRITTEN
    (path,) = out.glob("*.yaml")
    campaigns = tmp_path / "repo" / "campaigns"
    campaigns.mkdir(parents=True)
    target = campaigns / path.name
    target.write_text(path.read_text())
    charts = tmp_path / "charts"
    code = campaign_check.main(
        [str(target), "--json", str(tmp_path / "checks.json"), "--charts", str(charts)]
    )
    assert code == 0
    checks = json.loads((tmp_path / "checks.json").read_text())
    assert [c["stack"] for c in checks] == ["prod"] and checks[0]["verdict"] == "GO"
    assert (charts / checks[0]["chart"]).exists()
    text, label, slack = _answer(tmp_path, 0, checks)
    assert text.startswith("<!-- spikeproof-campaign-request -->\n## GO\n"), text
    assert label == "campaign-go"
    assert f"docs/campaigns/{checks[0]['chart']}?raw=true" in text, "the chart is shown"
    assert "above 80% for 5 minutes" in text and "#marketing-eng-sync" in text
    assert "pull/9" in text and slack["text"].endswith("pull/9") and ": GO." in slack["text"]


@pytest.mark.parametrize(
    ("codes", "label", "word"),
    [([0, 1], "campaign-go-with-actions", "GO WITH ACTIONS"), ([1, 2], "campaign-no-go", "NO-GO"),
     ([3], "campaign-check-failed", "CHECK FAILED"), ([3, 2], "campaign-no-go", "NO-GO")],
)  # fmt: skip
def test_the_worst_verdict_of_every_stack_is_the_requests(
    tmp_path: Path, codes: list[int], label: str, word: str
) -> None:
    checks = [
        {"campaign": "c", "stack": f"s{i}", "code": code, "verdict": str(code), "chart": None,
         "output": "out"}
        for i, code in enumerate(codes)
    ]  # fmt: skip
    text, got, _ = _answer(tmp_path, 0, checks)
    assert got == label and f"## {word}\n" in text


def test_a_read_request_whose_check_never_ran_is_not_blamed_on_marketing(tmp_path: Path) -> None:
    text, label, slack = _answer(tmp_path, 0, None)
    assert label == "campaign-check-failed" and "Your answers were fine" in text
    assert "platform team" in slack["text"]


@pytest.mark.parametrize(
    ("key", "answer"),
    [("duration", "200000000 weeks"), ("duration", "9" * 30 + " days"),
     ("pages", "https://www.acme-marketing.com/campaigns/spr\U0001f600ing?coupon=1"),
     ("visitors", "1"), ("summary", "Spring\x01\x7f\x1b sale"), ("on_call", "\x00\x1b[2J")],
)  # fmt: skip
def test_answers_the_review_found_are_handled(tmp_path: Path, key: str, answer: str) -> None:
    """Each broke the converter or wrote a file the pre-flight could not read: an overflowing
    duration, a character beyond the BMP in a link (a surrogate pair in YAML), a tiny busiest
    hour (0.0 requests per second), control characters in free text."""
    code, comment, out = run(tmp_path, {**GOOD, key: answer})
    assert code in (cr.EXIT_WRITTEN, cr.EXIT_ANSWERS)
    for path in out.glob("*.yaml"):
        campaign = load_campaign(str(path))
        # What the pre-flight prints must encode.
        f"{campaign.landing[0].path}".encode()
    if code == cr.EXIT_ANSWERS:
        assert cr.questions()[key].label in comment, comment


def test_a_request_with_bad_answers_is_answered_with_them(tmp_path: Path) -> None:
    text, label, slack = _answer(tmp_path, cr.EXIT_ANSWERS, None)
    assert "A few answers need a change" in text and label == "campaign-needs-answers"
    assert "needs answers" in slack["text"]


def test_the_literal_body_github_renders_converts(tmp_path: Path) -> None:
    """A body written out by hand exactly as GitHub renders the form (not built by this file's
    own renderer): the same reading."""
    body = (ROOT / "tests" / "data" / "campaign_requests" / "spring-email.md").read_text()
    result = cr.convert(body, issue=42, today=TODAY)
    assert isinstance(result, cr.Converted), getattr(result, "problems", result)
    assert result.name == "spring-coupon-email-to-all-customers-42"
    assert "uniquePerRecipient" in result.text and "utm_content" in result.text


def test_merging_the_request_schedules_its_prewarm_in_prod(tmp_path: Path) -> None:
    """The request's pull request also lists the campaign in prod's spikeproof:campaigns, so the
    deploy after the merge creates its pre-warm and window alarms; the rest of the stack file,
    comments included, is untouched."""
    import shutil

    stack_file = tmp_path / "Pulumi.prod.yaml"
    shutil.copy(ROOT / "Pulumi.prod.yaml", stack_file)
    before = stack_file.read_text()
    listed = yaml.safe_load(before)["config"]["spikeproof:campaigns"]
    assert cr.reference(stack_file, "spring-coupon-blast") is False, "already listed"
    assert cr.reference(stack_file, "new-campaign-7") is True
    after = stack_file.read_text()
    assert after.replace("    - new-campaign-7\n", "", 1) == before
    config = yaml.safe_load(after)["config"]
    assert config["spikeproof:campaigns"] == [*listed, "new-campaign-7"]


def test_random_answers_never_raise(tmp_path: Path) -> None:
    """Whatever a person (or a bot) types into any answer, the converter answers: a file the
    campaign parser reads, or problems to comment. 400 seeded random requests."""
    import random

    rng = random.Random(24)
    pool = ["", "2 million", "09:00", "2027-03-09", "Europe/London (UK)", "9am BST", "-1",
            "\x00", "\u200b", "é" * 300, "https://www.acme-marketing.com/campaigns/x?a=1",
            "1e309", "0", "NaN", "### What is the campaign?", "_No response_",
            "- [X] Newsletter sign-up", "Yes, each person's link is different", "Email", "SMS",
            "Other", "null", "{}", "[]", "http://[::1", "https://[X]/", "200000000 weeks",
            "3 days", "\U0001f600"]  # fmt: skip
    form = cr.questions()
    for _ in range(400):
        answers = {q: rng.choice(pool) for q in form}
        answers["forms"] = rng.sample(list(form["forms"].options), rng.randint(0, 2))
        result = cr.convert(render(answers), issue=rng.randint(1, 99999), today=TODAY)
        if isinstance(result, cr.Converted):
            target = tmp_path / f"{result.name}.yaml"
            target.write_text(result.text)
            try:
                load_campaign(str(target))
            except Exception as error:  # the CLI turns this into a comment; it must be parseable
                assert type(error).__name__ == "ConfigErrors", error
        else:
            assert result.problems
