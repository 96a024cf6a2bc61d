"""Bounded load and fault test of the form backend against moto's server on loopback.

2,000 submissions from 32 concurrent clients (10% duplicates, 5% malformed, 1% oversized) through
the real ingest handler; the real worker drains the queue meanwhile through pollers that behave
like the SQS event source mapping (visibility timeout, partial batch failures, redrive policy to
the DLQ); the list adapter fails 20% of calls at random and every call during a 3-second outage.
Then the DLQ is redriven with tools.redrive and drained. The scenario is tools.loadtest.forms.flood
(the benchmark runs it with 5,000).
"""

from __future__ import annotations

import pytest

from tools.loadtest.forms import FloodResult, flood

SUBMISSIONS = 2000
CLIENTS = 32


@pytest.fixture(scope="module")
def result(moto_endpoint: str) -> FloodResult:
    return flood(moto_endpoint, SUBMISSIONS, clients=CLIENTS, pollers=4, max_receive=3)


pytestmark = pytest.mark.slow


def test_every_submission_got_the_answer_it_deserved(result: FloodResult) -> None:
    answers = result.report.answers
    assert len(answers) == SUBMISSIONS
    wrong = [
        (s.body[:60], status, body)
        for s, status, body in answers
        if status != s.expect_status or (s.expect_code and body.get("error") != s.expect_code)
    ]
    assert not wrong, f"{len(wrong)} submissions got the wrong answer, e.g. {wrong[:3]}"
    bad = [(st, body) for s, st, body in answers if s.expect_code]
    assert len(bad) >= SUBMISSIONS * 6 // 100, "the mix must hold >= 5% malformed + 1% oversized"
    assert all(400 <= st < 500 and body.get("message") for st, body in bad), (
        "every bad submission is a 4xx whose body names the problem"
    )


def test_faults_fired_and_exhausted_messages_were_dead_lettered(result: FloodResult) -> None:
    assert result.faulty.injected > 0 and result.faulty.outage_failures > 0, "no fault was injected"
    assert result.dead_before_redrive, "the outage must push messages past maxReceiveCount"
    unique = result.report.unique_valid
    assert result.stored_before_redrive <= unique, "only valid, normalised addresses are stored"
    # An address is either stored and listed, or its message waits in the DLQ (a store write
    # can fail too, so "not stored yet" is allowed only for dead-lettered addresses).
    waiting = result.unlisted_before_redrive | (unique - result.stored_before_redrive)
    lost = waiting - set(result.dead_before_redrive)
    assert not lost, (
        f"not listed and not in the DLQ (lost): {sorted(lost)[:3]}; what the pollers saw: "
        f"{ {e: result.trace.get(e, ['never received']) for e in sorted(lost)[:3]} }"
    )


def test_redrive_brings_everything_back_and_it_completes(result: FloodResult) -> None:
    assert result.redriven == len(result.dead_before_redrive), (
        f"redrive moved {result.redriven} of {len(result.dead_before_redrive)} DLQ messages"
    )
    assert result.dlq_depth_after == 0, f"DLQ still holds {result.dlq_depth_after} messages"
    unlisted = sorted(e for e, listed in result.stored.items() if not listed)
    assert not unlisted, f"{len(unlisted)} subscribers never reached the list, e.g. {unlisted[:3]}"


def test_stored_once_and_listed_exactly_once(result: FloodResult) -> None:
    unique = result.report.unique_valid
    missing = sorted(unique - set(result.stored))[:3]
    seen = {e: result.trace.get(e, ["never received"]) for e in missing}
    assert set(result.stored) == unique, (
        f"table: {len(result.stored)} subscribers for {len(unique)} unique valid addresses; "
        f"missing {missing}, what the pollers saw: {seen}"
    )
    handed = result.faulty.successes
    assert set(handed) == unique, f"never handed to the list: {sorted(unique - set(handed))[:3]}"
    twice = sorted(e for e, n in handed.items() if n != 1)
    assert not twice, f"handed to the list more than once: {twice[:3]}"
    assert set(result.contacts) == unique and max(result.contacts.values()) == 1
