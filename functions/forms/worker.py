"""Worker function: SQS batch -> subscriber upserted in DynamoDB -> contact handed to the list once.

Powertools' BatchProcessor reports failed records as `batchItemFailures` (the event source mapping
has ReportBatchItemFailures), so one bad record is retried alone, up to the queue's
maxReceiveCount, then dead-lettered. Idempotency is the store's conditional writes keyed by the
normalised email rather than Powertools' idempotency utility: that utility replays the first result
for a key, but a repeat sign-up must update the item, and the unit that must happen once is the
subscriber's hand-off, not a request.

The worker does not trust the queue: every message is checked against the schema the ingest
writes (`validation.check_message`, version 1, the ingest's own field checks). One that fails is
moved to the dead-letter queue at once with its reason (a message attribute and an error log
line), not retried: no retry can make it valid. A repeat sign-up merges (a field it leaves empty
keeps its stored value). An address the list refuses for good (it unsubscribed there) is recorded
with the list's reason and never retried or resubscribed.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from .adapters import ListAdapter, ListRefused
from .store import SubscriberStore
from .validation import check_message

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class HandoffInProgress(RuntimeError):
    """An earlier attempt of this message still holds the hand-off; retry after it finishes."""


class PoisonMessage(ValueError):
    """A body the ingest function could not have produced; left to the DLQ for a human."""


def _clock_ms() -> int:
    return int(time.time() * 1000)


def make_handler(
    store: SubscriberStore,
    adapter: ListAdapter,
    *,
    logger: Logger | None = None,
    clock_ms: Callable[[], int] = _clock_ms,
    sqs: Any = None,
    dlq_url: str | None = None,
) -> Handler:
    """`sqs` and `dlq_url`: where a message failing the schema goes at once. Without them it
    fails each receive until the queue's redrive policy dead-letters it."""
    log = logger or Logger(service="forms-worker")
    processor = BatchProcessor(event_type=EventType.SQS)

    def dead_letter(record: SQSRecord, reason: str) -> None:
        log.error(
            "message refused by schema",
            extra={"messageId": record.message_id, "reason": reason},
        )
        if sqs is None or dlq_url is None:
            raise PoisonMessage(f"message {record.message_id}: {reason}")
        sqs.send_message(
            QueueUrl=dlq_url,
            MessageBody=record.body,
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": reason[:1000]},
                "sourceMessageId": {"DataType": "String", "StringValue": record.message_id},
            },
        )

    def record_handler(record: SQSRecord) -> None:
        try:
            message = check_message(json.loads(record.body))
        except RecursionError:
            return dead_letter(record, "the body is nested too deeply to be a message")
        except ValueError as error:  # JSONDecodeError is a ValueError
            return dead_letter(record, str(error))
        kind, email = message["kind"], message["email"]
        now = clock_ms()
        if kind == "contact":
            store.put_contact_message(message, record.message_id, now)
            return
        if kind != "subscribe":
            raise PoisonMessage(f"message {record.message_id} has unknown kind {kind!r}")
        # The token is unique per attempt: if a visibility timeout runs out mid-work, SQS hands
        # the same message to a second invocation, which must not pass as the claim holder.
        token = f"{record.message_id}:{uuid.uuid4().hex}"
        # The common case (a new address) costs one write; a repeat or a retry takes more.
        if not store.create_claimed(message, token, now):
            if store.upsert(message, now).listed:
                return
            outcome = store.claim(email, token, now)
            if outcome == "listed":
                return
            # Only the claim holder calls the list. Another message's live claim (or an earlier
            # attempt of this one) means: not now. The record fails and comes back after the
            # visibility timeout, which outlasts the lease: by then the hand-off is done
            # ("listed") or its holder died and the claim has expired (this one takes over).
            # Acknowledging instead would lose the address if the holder never finishes (its
            # message dead-lettered, or redriven under a new message id).
            if outcome in ("self", "other"):
                raise HandoffInProgress(
                    f"message {record.message_id}: the hand-off of this address is held by "
                    f"{'an earlier attempt of it' if outcome == 'self' else 'another message'}"
                )
        try:
            adapter.add(email, {"source": message.get("source") or ""})
        except ListRefused as refusal:
            # Final: the list keeps this address out (it unsubscribed there, or the provider's
            # compliance state). Recorded, never retried, never resubscribed.
            log.info("list refused the address", extra={"reason": str(refusal)})
            store.mark_listed(email, clock_ms(), outcome=f"refused: {refusal}")
            return
        except Exception:
            store.release(email, token)
            raise
        store.mark_listed(email, clock_ms())

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        result = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        if result["batchItemFailures"]:
            log.warning(
                "batch partially failed", extra={"failed": len(result["batchItemFailures"])}
            )
        return dict(result)

    return handler
