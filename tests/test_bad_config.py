"""Every case of the bad-input corpus (tests/bad_config.py) is refused cleanly: the offline plan
exits 2 and the pre-flight 3 (2 for a primary-write campaign, its NO-GO), the message names the
file that was read and the key to fix, no traceback or "program error" escapes, and for a stack
file nothing is registered (the plan stops before the program's first resource)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_config import CASES, Case
from tools import plan as plan_tool
from tools import preflight

CATEGORIES = {
    "typo", "type", "range", "format", "conflict", "yaml", "yaml-implicit", "encoding", "huge",
}  # fmt: skip


def test_the_corpus_covers_every_category_for_both_kinds_of_file() -> None:
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)
    for kind in ("stack", "campaign"):
        found = {c.category for c in CASES if c.kind == kind}
        assert CATEGORIES - {"conflict"} <= found, (kind, CATEGORIES - found)


def _names_key(case: Case, err: str) -> bool:
    key = case.key
    if key.lower() in err.lower():
        return True
    return key.startswith("spikeproof:") and key.split(":", 1)[1] in err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_file_is_refused_with_a_message_naming_file_and_key(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / case.filename
    path.write_bytes(case.content())
    if case.kind == "stack":
        code = plan_tool.main(
            ["--stack", case.stack, "--config-file", str(path), "--no-policy", "--width", "100"]
        )
        expected = {plan_tool.EXIT_ERROR}
    else:
        code = preflight.main([str(path), "--stack", case.stack])
        expected = {case.exit or preflight.EXIT_INVALID}
    out, err = capsys.readouterr()
    if case.exit == 2 and case.kind == "campaign":
        err = out + err  # a NO-GO is the report itself
    assert code in expected, f"{case.id} ({case.why}): exit {code}\n{out[-2000:]}\n{err[-2000:]}"
    assert case.filename in err, f"{case.id}: the message does not name the file\n{err[-2000:]}"
    assert _names_key(case, err), (
        f"{case.id}: the message does not name {case.key!r}\n{err[-2000:]}"
    )
    _no_internal_errors_or_false_advice(case, out, err)


def _no_internal_errors_or_false_advice(case: Case, out: str, err: str) -> None:
    for marker in ("Traceback", "program error", "internal error"):
        assert marker not in err + out, f"{case.id}: {marker}\n{err[-2000:]}"
    if "without quotes" in err:
        # Advice to remove quotes needs quotes: the line that sets the key quotes its value.
        leaf = case.key.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
        text = case.content().decode("utf-8", "replace")
        lines = [
            ln for ln in text.splitlines() if f"{leaf}:" in ln and not ln.lstrip().startswith("#")
        ]
        assert any('"' in ln or "'" in ln for ln in lines), (
            f"{case.id}: the message says to remove quotes, but {leaf} is not quoted:\n"
            + err[-1000:]
        )


SECOND_PATH = [c for c in CASES if c.kind == "stack" and c.category in ("yaml", "encoding", "huge")]


@pytest.mark.parametrize("case", SECOND_PATH, ids=[c.id for c in SECOND_PATH])
def test_a_bad_file_for_a_stack_without_a_policy_config_is_refused_the_same_way(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan a new stack gets (no policies/config/<stack>.json: the policy config is derived
    from the stack file before the program runs) refuses the same files the same way."""
    path = tmp_path / case.filename
    path.write_bytes(case.content())
    code = plan_tool.main(["--stack", "qa", "--config-file", str(path)])
    out, err = capsys.readouterr()
    assert code == plan_tool.EXIT_ERROR, f"{case.id}: exit {code}\n{err[-2000:]}"
    assert case.filename in err
    _no_internal_errors_or_false_advice(case, out, err)
