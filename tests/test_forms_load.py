"""Bounded load and fault test of the form backend against moto's server on loopback.

2,000 submissions from 32 concurrent clients (10% duplicates, 5% malformed, 1% oversized) through
the real ingest handler; the real worker drains the queue meanwhile through a poller that behaves
like the SQS event source mapping; the list adapter fails 20% of calls at random and every call
during a 3-second outage. Then the dead-letter queue is redriven with tools.redrive and drained.
"""

from __future__ import annotations

import json
from collections import Counter

from botocore.config import Config

from functions.forms.adapters import SesV2ContactList
from functions.forms.config import IngestConfig
from functions.forms.ingest import make_handler as make_ingest
from functions.forms.store import SubscriberStore
from functions.forms.worker import make_handler as make_worker
from tools.forms_harness import (
    ORIGIN,
    FaultyAdapter,
    Poller,
    client,
    fire,
    make_submissions,
    provision,
    scan_subscribers,
)
from tools.redrive import redrive

SUBMISSIONS = 2000
CLIENTS = 32
MAX_RECEIVE = 3


def _dlq_emails(sqs, dlq_url: str) -> list[str]:
    """Peek at the DLQ (visibility 0 so the redrive sees the messages again)."""
    seen: dict[str, str] = {}
    for _ in range(50):
        batch = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        if not batch or all(m["MessageId"] in seen for m in batch):
            break
        for m in batch:
            seen[m["MessageId"]] = json.loads(m["Body"])["email"]
    return list(seen.values())


def test_flood_with_list_faults_loses_nothing_and_duplicates_nothing(moto_endpoint: str) -> None:
    infra = provision(moto_endpoint, max_receive=MAX_RECEIVE, visibility_seconds=1)
    sqs, ddb, ses = (client(s, moto_endpoint) for s in ("sqs", "dynamodb", "sesv2"))
    ingest = make_ingest(
        IngestConfig(queue_url=infra.queue_url, allowed_origins=frozenset([ORIGIN])), sqs
    )
    faulty = FaultyAdapter(
        SesV2ContactList(ses, infra.contact_list),
        random_rate=0.2,
        outage_after_seconds=0.5,
        outage_seconds=3.0,
    )
    worker = make_worker(SubscriberStore(ddb, infra.table, lease_seconds=120), faulty)
    submissions = make_submissions(SUBMISSIONS)
    kinds = Counter(s.expect_code or "valid" for s in submissions)
    assert kinds["body_too_large"] >= SUBMISSIONS // 100 and kinds["valid"] < SUBMISSIONS

    poller = Poller(sqs, infra, worker, threads=1, visibility_seconds=1).start()
    try:
        # The poller drains while we load; waves keep moto's queue shallow (see fire()).
        report = fire(
            ingest,
            submissions,
            clients=CLIENTS,
            wave=100,
            between_waves=lambda: poller.wait_below(20, timeout_seconds=30),
        )
        poller.wait_empty(timeout_seconds=40)
    finally:
        poller.stop()

    # Every answer is what the submission deserved; every bad one names its problem.
    wrong = [
        (s.body[:60], status, body)
        for s, status, body in report.answers
        if status != s.expect_status or (s.expect_code and body.get("error") != s.expect_code)
    ]
    assert not wrong, f"{len(wrong)} submissions got the wrong answer, e.g. {wrong[:3]}"
    assert all(400 <= st < 500 for s, st, _ in report.answers if s.expect_code), "bad input -> 4xx"

    # The faults happened, and some messages exhausted their retries into the DLQ.
    assert faulty.outage_failures > 0 and faulty.injected > 0, "fault injection never fired"
    dead = _dlq_emails(sqs, infra.dlq_url)
    assert dead, "the 3 s outage must push some messages past maxReceiveCount into the DLQ"

    # Before the redrive: all stored once; listed exactly once, or waiting in the DLQ.
    items = {i["email"]["S"]: i for i in scan_subscribers(ddb, infra.table)}
    assert set(items) == report.unique_valid, (
        f"table holds {len(items)} subscribers, expected {len(report.unique_valid)}; "
        f"missing {sorted(report.unique_valid - set(items))[:3]}"
    )
    unlisted = {e for e, i in items.items() if not i["listed"]["BOOL"]}
    assert unlisted <= set(dead), (
        f"unlisted but not dead-lettered (lost): {sorted(unlisted - set(dead))[:3]}"
    )
    assert max(faulty.successes.values()) == 1, "a contact was handed to the list twice"

    # Redrive (the documented runbook: fix the cause, then `python -m tools.redrive`) and drain.
    faulty.healthy = True
    sqs_once = client("sqs", moto_endpoint)
    sqs_once.meta.config = sqs_once.meta.config.merge(Config(retries={"max_attempts": 1}))
    moved = redrive(sqs_once, infra.dlq_url, method="auto")
    assert moved == len(dead), f"redrive moved {moved} of {len(dead)} dead-lettered messages"
    poller = Poller(sqs, infra, worker, threads=1, visibility_seconds=1).start()
    try:
        poller.wait_empty(timeout_seconds=20)
    finally:
        poller.stop()

    items = {i["email"]["S"]: i for i in scan_subscribers(ddb, infra.table)}
    assert set(items) == report.unique_valid, "the table changed size after the redrive"
    still = sorted(e for e, i in items.items() if not i["listed"]["BOOL"])
    assert not still, f"{len(still)} subscribers never reached the list, e.g. {still[:3]}"
    assert set(faulty.successes) == report.unique_valid and max(faulty.successes.values()) == 1, (
        "every valid unique address must be handed to the list exactly once"
    )
    contacts = ses.list_contacts(ContactListName=infra.contact_list)["Contacts"]
    listed = Counter(c["EmailAddress"] for c in contacts)
    assert set(listed) == report.unique_valid and max(listed.values()) == 1
    depth = sqs.get_queue_attributes(
        QueueUrl=infra.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert depth == "0", f"DLQ still holds {depth} messages after the redrive"
