"""Move dead-lettered form submissions back to their source queue: `python -m tools.redrive`.

    python -m tools.redrive --dlq-url https://sqs.eu-west-1.amazonaws.com/123456789012/x-dlq
        [--source-url URL] [--method auto|move-task|copy] [--endpoint-url URL] [--region R]

`move-task` asks SQS to do it (StartMessageMoveTask, asynchronous; the command waits for it);
`copy` receives, re-sends and only then deletes, so a crash leaves a duplicate, never a loss (the
worker is idempotent, so duplicates are harmless). `auto` tries the move task and falls back to
copy when the endpoint does not implement it (moto 5 does not). Fix the cause before redriving:
a message that fails again simply returns to the DLQ after maxReceiveCount receives.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from botocore.exceptions import ClientError

_UNSUPPORTED = {
    "UnsupportedOperation",
    "InvalidAction",
    "NotImplemented",
    "AWS.SimpleQueueService.UnsupportedOperation",
}


def _arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def source_of(sqs: Any, dlq_url: str) -> str:
    urls = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
    if len(urls) != 1:
        raise SystemExit(
            f"{dlq_url} is the DLQ of {len(urls)} queues ({urls}); pass --source-url explicitly"
        )
    return str(urls[0])


def copy_back(sqs: Any, dlq_url: str, source_url: str, visibility_seconds: int = 60) -> int:
    moved = 0
    while True:
        batch = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=visibility_seconds,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return moved
        entries = []
        for i, m in enumerate(batch):
            entry: dict[str, Any] = {"Id": str(i), "MessageBody": m["Body"]}
            if m.get("MessageAttributes"):
                entry["MessageAttributes"] = m["MessageAttributes"]
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
        ok = {s["Id"] for s in sent.get("Successful", [])}
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(batch)
            if str(i) in ok
        ]
        if done:
            sqs.delete_message_batch(QueueUrl=dlq_url, Entries=done)
        moved += len(done)
        if len(done) < len(batch):
            failed = sent.get("Failed", [])
            raise RuntimeError(f"{len(failed)} messages could not be re-sent: {failed}")


def move_task(sqs: Any, dlq_url: str, source_url: str, poll_seconds: float = 2.0) -> int:
    dlq_arn = _arn(sqs, dlq_url)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=_arn(sqs, source_url))
    while True:
        tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
        task = next(t for t in tasks if t.get("TaskHandle") == handle["TaskHandle"])
        if task["Status"] in ("COMPLETED", "CANCELLED", "FAILED"):
            if task["Status"] != "COMPLETED":
                raise RuntimeError(f"move task ended {task['Status']}: {task.get('FailureReason')}")
            return int(task.get("ApproximateNumberOfMessagesMoved", 0))
        time.sleep(poll_seconds)


def redrive(sqs: Any, dlq_url: str, source_url: str | None = None, method: str = "auto") -> int:
    """Move every message in `dlq_url` back; returns how many were moved."""
    target = source_url or source_of(sqs, dlq_url)
    if method == "copy":
        return copy_back(sqs, dlq_url, target)
    try:
        return move_task(sqs, dlq_url, target)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        # moto answers an unimplemented action with a bare 500 page; copying is correct in every
        # case, so `auto` falls back on any of these rather than guessing at the body.
        if method == "auto" and (code in _UNSUPPORTED or status in (404, 500, 501)):
            return copy_back(sqs, dlq_url, target)
        raise


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(
        prog="python -m tools.redrive", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--dlq-url", required=True)
    parser.add_argument("--source-url", default=None)
    parser.add_argument("--method", choices=["auto", "move-task", "copy"], default="auto")
    parser.add_argument("--endpoint-url", default=None, help="e.g. a local emulator")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    sqs = boto3.client("sqs", endpoint_url=args.endpoint_url, region_name=args.region)
    moved = redrive(sqs, args.dlq_url, args.source_url, args.method)
    print(f"redrove {moved} message(s) from {args.dlq_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
