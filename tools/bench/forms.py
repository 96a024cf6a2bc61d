"""Benchmark of the form functions: `python -m tools.bench_forms [--submissions 5000]`.

Prints (never asserts) ratios measured in the same run:
  1. cold-start import cost of each Lambda entry point vs `import boto3` alone: fresh
     interpreters, several repeats, medians (entry points also build their boto3 clients);
  2. ingest per-request cost vs a bare handler that only parses and enqueues, same moto server,
     same queue, interleaved rounds, medians;
  3. the deterministic package's size;
  4. the load-and-fault scenario of tests/test_forms_load.py at benchmark size.
moto's figures are the emulator's, never our latency in AWS; only the ratios mean something.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from settings.files import ROOT

ENV = {
    "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/forms",
    "ALLOWED_ORIGINS": "https://www.example.com",
    "TABLE_NAME": "subscribers",
    "CONTACT_LIST_NAME": "newsletter",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "bench",
}


def _import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "functions",
        env={"PATH": os.environ.get("PATH", ""), **ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def bench_imports(repeats: int) -> dict[str, float]:
    cases = {
        "boto3": "import boto3",
        # What any handler using SQS pays at cold start: the service model behind the client.
        "boto3+sqs": "import boto3; boto3.client('sqs')",
        "ingest": "import forms.lambda_ingest",
        "worker": "import forms.lambda_worker",
        # The handler modules alone: what the code imports, before any client is built.
        "ingest-code": "import boto3, forms.ingest",
        # The address validator on its own (with idna), imported by forms.ingest.
        "email-validator": "import boto3, email_validator",
        "worker-code": "import boto3, forms.worker",
    }
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeats):  # interleaved, so drift in the machine hits every case alike
        for name, statement in cases.items():
            samples[name].append(_import_seconds(statement))
    return {k: statistics.median(v) for k, v in samples.items()}


def _drain(sqs: Any, url: str) -> None:
    # Not PurgeQueue: SQS (and moto) allow one purge per queue per 60 s.
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60
    ).get("Messages", []):
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )


def bench_requests(endpoint: str, rounds: int, per_round: int) -> dict[str, float]:
    from functions.forms.config import IngestConfig
    from functions.forms.ingest import make_handler
    from tools.loadtest.forms import ORIGIN, client, http_event, provision

    infra = provision(endpoint)
    sqs = client("sqs", endpoint)
    ingest = make_handler(
        IngestConfig(queue_url=infra.queue_url, allowed_origins=frozenset([ORIGIN])), sqs
    )

    def bare(event: dict[str, Any], _: Any) -> dict[str, Any]:
        body = json.loads(event["body"])
        sqs.send_message(QueueUrl=infra.queue_url, MessageBody=json.dumps(body))
        return {"statusCode": 202, "body": "{}"}

    fields = {"email": " Some.One@Faß.de ", "consent": True, "name": "Ann", "source": "bench"}
    body = json.dumps(fields)
    form = urllib.parse.urlencode({**fields, "consent": "on"})
    urlencoded = "application/x-www-form-urlencoded"

    def make_event(name: str) -> dict[str, Any]:
        if name == "ingest-form":
            return http_event(form, content_type=urlencoded, base64_body=True)
        return http_event(body)

    per: dict[str, list[float]] = {"bare": [], "ingest": [], "ingest-form": []}
    cases = (("bare", bare), ("ingest", ingest), ("ingest-form", ingest))
    for _ in range(rounds):
        for name, fn in cases:
            events = [make_event(name) for _ in range(per_round)]
            started = time.perf_counter()
            for event in events:
                answer = fn(event, None)
                assert answer["statusCode"] == 202, answer
            per[name].append((time.perf_counter() - started) / per_round)
            _drain(sqs, infra.queue_url)  # untimed: moto's send cost grows with queue depth
    return {k: statistics.median(v) for k, v in per.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_forms")
    parser.add_argument("--submissions", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--import-repeats", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--skip-flood", action="store_true", help="imports and requests only")
    args = parser.parse_args(argv)

    from functions.package import build
    from tools.loadtest.forms import flood, start_moto

    imports = bench_imports(args.import_repeats)
    print(f"cold-start imports (median of {args.import_repeats} fresh interpreters):")
    for name in imports:
        ratio = imports[name] / imports["boto3"]
        print(f"  {name:12s} {imports[name] * 1000:7.1f} ms   {ratio:4.2f}x boto3")

    server, endpoint = start_moto()
    try:
        req = bench_requests(endpoint, args.rounds, args.per_round)
        print(f"per request on moto (median of {args.rounds} rounds x {args.per_round}):")
        print(f"  bare    {req['bare'] * 1000:7.2f} ms")
        for name in ("ingest", "ingest-form"):
            print(f"  {name:12s} {req[name] * 1000:7.2f} ms   {req[name] / req['bare']:4.2f}x bare")

        with tempfile.TemporaryDirectory() as tmp:
            pkg = build(Path(tmp) / "forms.zip")
        print(
            f"package: {pkg.size_bytes} bytes, {len(pkg.files)} files, sha256 {pkg.sha256_hex[:16]}"
        )

        if args.skip_flood:
            return 0
        result = flood(endpoint, args.submissions, clients=args.clients, pollers=4)
        unique = result.report.unique_valid
        bad = sum(1 for s, _, _ in result.report.answers if s.expect_code)
        print(
            f"flood: {args.submissions} submissions, {args.clients} clients, "
            f"{len(unique)} unique valid, {bad} bad (all 4xx: "
            f"{all(400 <= st < 500 for s, st, _ in result.report.answers if s.expect_code)})"
        )
        print(
            f"  faults injected {result.faulty.injected} random + {result.faulty.outage_failures} "
            f"outage; dead-lettered {len(result.dead_before_redrive)}; redriven {result.redriven}"
        )
        handed = result.faulty.successes
        once = sum(1 for n in handed.values() if n == 1)
        print(
            f"  stored {len(result.stored)}/{len(unique)}, listed "
            f"{sum(result.stored.values())}, handed once {once}"
            f", handed twice+ {sum(1 for n in handed.values() if n > 1)}, DLQ after "
            f"{result.dlq_depth_after}"
        )
        print(
            f"  load {result.load_seconds:.1f} s on the emulator; redrive+drain "
            f"{result.drain_seconds:.1f} s"
        )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
