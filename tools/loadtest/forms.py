"""Drive the form functions against moto's server on loopback, the way AWS would.

moto cannot run Lambda code (no Docker here) nor route HTTP through an HTTP API, so the handlers
are called in-process with genuine API Gateway v2 HTTP API and SQS event payloads. The SQS event
source mapping is reproduced by `Poller`: receive with a visibility timeout, call the worker,
delete what succeeded, leave `batchItemFailures` to reappear; moto moves a message to the DLQ
per the RedrivePolicy once its receive count reaches maxReceiveCount (on the next receive).
Used by tests/test_forms_*.py and tools/bench_forms.py. Loopback only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from functions.forms.config import IngestConfig
from settings.files import ROOT

REGION = "us-east-1"
ORIGIN = "https://www.example.com"
ACCOUNT = "123456789012"


def _serialise(cls: type, methods: tuple[str, ...]) -> None:
    """Run the named methods of `cls` (a moto backend) under one lock. Idempotent."""
    if getattr(cls, "_spikeproof_atomic", False):
        return
    lock = threading.RLock()

    def locked(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return fn(*args, **kwargs)

        return call

    for name in methods:
        setattr(cls, name, locked(getattr(cls, name)))
    cls._spikeproof_atomic = True  # type: ignore[attr-defined]


def _atomic_dynamodb_writes() -> None:
    """DynamoDB evaluates a condition and writes atomically; moto's threaded server does not (no
    lock around check-then-set), so two concurrent conditional writes can both pass. The exactly-
    once proof relies on DynamoDB's guarantee, so the emulator is given it: one lock around item
    reads and writes."""
    from moto.dynamodb.models import DynamoDBBackend

    _serialise(DynamoDBBackend, ("put_item", "update_item", "delete_item", "get_item"))


def _atomic_sqs_queues() -> None:
    """SQS never loses or double-delivers a message on its own; moto's threaded server can.
    Found by this load test: `Queue.delete_message` rebuilds the message list and assigns it back
    without the lock `add_message` appends under, so a message sent during a delete vanished
    (answered 202, never stored, not in the DLQ); and two concurrent receives can both pick the
    same message and both try to move it to the DLQ (`list.remove(x): x not in list`, a 500).
    The emulator is given SQS's guarantees: one lock around every operation that reads or
    changes a queue's messages. Callers must not long-poll (WaitTimeSeconds > 0), which would
    hold the lock while waiting; the harness never does."""
    from moto.sqs.models import SQSBackend

    _serialise(
        SQSBackend,
        (
            "send_message",
            "send_message_batch",
            "receive_message",
            "delete_message",
            "delete_message_batch",
            "change_message_visibility",
            "change_message_visibility_batch",
            "purge_queue",
        ),
    )


def serve() -> None:
    """Run moto's threaded server on 127.0.0.1 (a free port) until stdin closes; print its
    endpoint as the first line of stdout. The body of `start_moto`'s child process."""
    import logging

    import moto.backends
    from moto.server import ThreadedMotoServer

    # moto lists its own package directory on every request to find the service (about 2.5 ms
    # of each ~10 ms request here). The listing cannot change while it runs, so it is cached;
    # no emulated behaviour depends on it.
    _atomic_dynamodb_writes()
    _atomic_sqs_queues()
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules

    # werkzeug logs every request at INFO: thousands of lines that hide the result.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    sys.stdin.read()  # the parent closes stdin (or dies): stop
    server.stop()


class MotoProcess:
    """moto's server in a child process: the emulator's CPU is not the test's (two cores, no
    shared GIL), and the patches above apply only inside it."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tools.loadtest.forms", "serve"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"moto server did not start (printed {line!r})")
        self.endpoint = line

    def stop(self) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


def start_moto() -> tuple[MotoProcess, str]:
    """Start moto's server on loopback in a child process; returns it (call `.stop()`) and its
    endpoint URL."""
    server = MotoProcess()
    return server, server.endpoint


def client(service: str, endpoint: str) -> Any:
    # The stubs overload `client` on literal service names; here the name is a parameter.
    return boto3.session.Session().client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=64, retries={"mode": "standard", "max_attempts": 3}),
    )


@dataclass(frozen=True)
class Infra:
    queue_url: str
    queue_arn: str
    dlq_url: str
    table: str
    contact_list: str


def provision(endpoint: str, *, max_receive: int = 3, visibility_seconds: int = 1) -> Infra:
    """A fresh queue + DLQ (redrive policy), table and contact list, uniquely named."""
    sqs, ddb, ses = client("sqs", endpoint), client("dynamodb", endpoint), client("sesv2", endpoint)
    tag = uuid.uuid4().hex[:8]
    dlq_url = sqs.create_queue(QueueName=f"forms-{tag}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=f"forms-{tag}",
        Attributes={
            "VisibilityTimeout": str(visibility_seconds),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive}
            ),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    table = f"forms-{tag}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    contact_list = f"forms-{tag}"
    ses.create_contact_list(ContactListName=contact_list)
    return Infra(queue_url, queue_arn, dlq_url, table, contact_list)


def api_event(
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    body: str,
    base64_body: bool,
    query: str = "",
    source_ip: str = "198.51.100.7",
    domain: str = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
) -> dict[str, Any]:
    """An API Gateway v2 HTTP API payload (format 2.0) as the $default stage delivers it; `body`
    already as the event carries it (base64 text when `base64_body`)."""
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": domain.split(".", 1)[0],
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }


def http_event(
    body: str | bytes,
    *,
    path: str = "/subscribe",
    method: str = "POST",
    content_type: str | None = "application/json",
    origin: str | None = ORIGIN,
    base64_body: bool = False,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A load-test request as an API Gateway event. `headers`: more request headers (lower-case
    names), added last."""
    raw = body.encode() if isinstance(body, str) else body
    extra, headers = headers or {}, {"host": "forms.example.com", "user-agent": "load/1.0"}
    headers["accept"] = "*/*"
    if content_type:
        headers["content-type"] = content_type
    if origin:
        headers["origin"] = origin
    headers["content-length"] = str(len(raw))
    headers.update(extra)
    text = base64.b64encode(raw).decode() if base64_body else raw.decode("utf-8", "replace")
    return api_event(method, path, headers=headers, body=text, base64_body=base64_body)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The SQS event the event source mapping hands the worker for received `messages`."""
    records = []
    for m in messages:
        attrs = m.get("Attributes", {})
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attrs.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attrs.get("SentTimestamp", "0"),
                    "SenderId": attrs.get("SenderId", "AIDAEXAMPLE"),
                    "ApproximateFirstReceiveTimestamp": attrs.get(
                        "ApproximateFirstReceiveTimestamp", "0"
                    ),
                },
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


class Poller:
    """The event source mapping: N threads receive batches, invoke the worker, delete successes."""

    def __init__(
        self,
        sqs: Any,
        infra: Infra,
        worker_factory: Callable[[], Callable[[dict[str, Any], Any], dict[str, Any]]],
        *,
        threads: int = 1,
        visibility_seconds: int = 1,
    ) -> None:
        # One handler per thread, as Lambda runs one invocation per container at a time:
        # Powertools' BatchProcessor keeps per-invocation state and is not thread-safe.
        self._sqs, self._infra, self._factory = sqs, infra, worker_factory
        self._threads = threads
        self._visibility = visibility_seconds
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.invocations = 0
        self.failures_reported = 0
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        # Per address, what the pollers saw: "recv<n>" (receive count), "ok" (deleted), "fail"
        # (left for redelivery), "del-failed:<code>". Evidence when a message goes missing.
        self.trace: defaultdict[str, list[str]] = defaultdict(list)

    def _note(self, events: list[tuple[dict[str, Any], str]]) -> None:
        with self._lock:
            for m, what in events:
                try:
                    email = str(json.loads(m["Body"]).get("email"))
                except (ValueError, AttributeError):
                    email = "?"
                self.trace[email].append(what)

    def _loop(self) -> None:
        worker = self._factory()
        while not self._stop.is_set():
            try:
                batch = self._sqs.receive_message(
                    QueueUrl=self._infra.queue_url,
                    MaxNumberOfMessages=10,
                    VisibilityTimeout=self._visibility,
                    WaitTimeSeconds=0,
                    AttributeNames=["All"],
                ).get("Messages", [])
                if not batch:
                    time.sleep(0.05)
                    continue
                self._note(
                    [(m, f"recv{m['Attributes']['ApproximateReceiveCount']}") for m in batch]
                )
                try:
                    result = worker(sqs_event(batch, self._infra.queue_arn), None)
                    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                except Exception:
                    # A function error (Powertools raises when every record failed): Lambda
                    # deletes nothing and the whole batch reappears after the visibility timeout.
                    failed = {m["MessageId"] for m in batch}
                done = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(batch)
                    if m["MessageId"] not in failed
                ]
                self._note([(m, "fail" if m["MessageId"] in failed else "ok") for m in batch])
                if done:
                    answer = self._sqs.delete_message_batch(
                        QueueUrl=self._infra.queue_url, Entries=done
                    )
                    self._note(
                        [
                            (batch[int(bad["Id"])], f"del-failed:{bad.get('Code')}")
                            for bad in answer.get("Failed", [])
                        ]
                    )
                with self._lock:
                    self.invocations += 1
                    self.failures_reported += len(failed)
            except BaseException as error:  # surfaced by stop(): a poller must not die silently
                with self._lock:
                    self.errors.append(error)
                time.sleep(0.05)

    def start(self) -> Poller:
        for _ in range(self._threads):
            t = threading.Thread(target=self._loop, daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def depth(self) -> int:
        attrs = self._sqs.get_queue_attributes(
            QueueUrl=self._infra.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(
            attrs["ApproximateNumberOfMessagesNotVisible"]
        )

    def wait_below(self, depth: int, timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        while self.depth() > depth:
            if time.monotonic() > deadline:
                raise TimeoutError(f"queue still holds {self.depth()} messages")
            time.sleep(0.1)

    def wait_empty(self, timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        while self.depth() > 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"queue still holds {self.depth()} messages")
            time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(timeout=10)
        self._workers.clear()
        self._stop.clear()
        if self.errors:
            raise RuntimeError(f"poller errors: {self.errors[:3]!r}")


class ListDown(Exception):
    """Injected mailing-list failure."""


class FaultyAdapter:
    """Wraps an adapter: fails `random_rate` of calls, and every call during the outage window
    (starting `outage_after_seconds` after the first call, lasting `outage_seconds`). Counts the
    successful hand-offs per address: the exactly-once evidence."""

    def __init__(
        self,
        inner: Any,
        *,
        random_rate: float = 0.2,
        outage_after_seconds: float = 0.5,
        outage_seconds: float = 3.0,
        seed: int = 7,
    ) -> None:
        self._inner = inner
        self._rate = random_rate
        self._window = (outage_after_seconds, outage_after_seconds + outage_seconds)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._t0: float | None = None
        self.healthy = False
        self.successes: Counter[str] = Counter()
        self.injected = 0
        self.outage_failures = 0

    def add(self, email: str, attributes: dict[str, Any]) -> None:
        with self._lock:
            now = time.monotonic()
            if self._t0 is None:
                self._t0 = now
            elapsed = now - self._t0
            if not self.healthy:
                if self._window[0] <= elapsed < self._window[1]:
                    self.outage_failures += 1
                    raise ListDown("list provider outage (injected)")
                if self._rng.random() < self._rate:
                    self.injected += 1
                    raise ListDown("list provider error (injected)")
        self._inner.add(email, attributes)
        with self._lock:
            self.successes[email] += 1


@dataclass(frozen=True)
class Submission:
    body: bytes
    expect_status: int
    expect_code: str | None
    email: str | None  # the normalised address a valid submission must end up stored as


def make_submissions(
    n: int, *, seed: int = 11, max_body_bytes: int = IngestConfig.max_body_bytes
) -> list[Submission]:
    """n submissions: 10% duplicates (case/space variants), 5% malformed, 1% oversized."""
    rng = random.Random(seed)
    n_dup, n_bad, n_big = n // 10, n // 20, n // 100
    n_valid = n - n_dup - n_bad - n_big
    out: list[Submission] = []
    uniques = []
    for i in range(n_valid):
        email = f"user{i:05d}.{rng.randrange(10**6):06d}@example.org"
        uniques.append(email)
        payload = {"email": email, "consent": True, "source": "landing", "website": ""}
        out.append(Submission(json.dumps(payload).encode(), 202, None, email))
    for i in range(n_dup):
        email = rng.choice(uniques)
        variant = f"  {email.upper() if i % 2 else email.capitalize()} "
        payload = {"email": variant, "consent": True, "source": "retry"}
        out.append(Submission(json.dumps(payload).encode(), 202, None, email))
    malformed: list[tuple[bytes, int, str]] = [
        (b'{"email": "a@example.org", "consent": tru', 400, "invalid_json"),
        (b'["a@example.org"]', 400, "invalid_json"),
        (b'{"email": "not-an-address", "consent": true}', 422, "invalid_email"),
        (b'{"email": "x@example.org", "consent": "yes"}', 422, "consent_required"),
        (b'{"consent": true}', 422, "missing_email"),
        (
            b'{"email": "bot@example.org", "consent": true, "website": "http://spam"}',
            400,
            "rejected",
        ),
    ]
    for i in range(n_bad):
        body, status, code = malformed[i % len(malformed)]
        out.append(Submission(body, status, code, None))
    for i in range(n_big):
        pad = "x" * (max_body_bytes + 1 + i)
        body = json.dumps({"email": f"big{i}@example.org", "consent": True, "name": pad}).encode()
        out.append(Submission(body, 413, "body_too_large", None))
    rng.shuffle(out)
    return out


@dataclass
class LoadReport:
    submissions: int
    unique_valid: set[str]
    answers: list[tuple[Submission, int, dict[str, Any]]] = field(default_factory=list)
    seconds: float = 0.0


def fire(
    ingest: Callable[[dict[str, Any], Any], dict[str, Any]],
    submissions: list[Submission],
    *,
    clients: int = 32,
    wave: int = 200,
    between_waves: Callable[[], None] | None = None,
) -> LoadReport:
    """Post every submission through the ingest handler from `clients` concurrent threads, in
    waves of `wave`, calling `between_waves` after each. moto's SQS costs grow with queue depth
    (every send computes the queue's counts, every receive scans it), so the load test lets the
    worker catch up between waves; without that, the emulator, not our code, is what is measured.
    """
    report = LoadReport(len(submissions), {s.email for s in submissions if s.email})

    def post(sub: Submission) -> tuple[Submission, int, dict[str, Any]]:
        answer = ingest(http_event(sub.body), None)
        return sub, answer["statusCode"], json.loads(answer["body"])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for at in range(0, len(submissions), wave):
            report.answers.extend(pool.map(post, submissions[at : at + wave]))
            if between_waves is not None:
                between_waves()
    report.seconds = time.perf_counter() - started
    return report


def scan_subscribers(ddb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = ddb.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass
class FloodResult:
    """Everything the load test asserts on and the benchmark prints."""

    report: LoadReport
    faulty: FaultyAdapter
    dead_before_redrive: list[str]
    unlisted_before_redrive: set[str]
    stored_before_redrive: set[str]
    redriven: int
    stored: dict[str, bool]  # email -> listed, after the redrive
    contacts: Counter[str]  # the SES v2 contact list after the redrive
    dlq_depth_after: int
    trace: dict[str, list[str]]
    """What the pollers saw per address (Poller.trace, both drains)."""
    load_seconds: float
    drain_seconds: float


def peek_dlq(sqs: Any, dlq_url: str) -> list[str]:
    """Addresses in the DLQ: receive everything (hidden while we look), then make it visible
    again so the redrive sees every message."""
    held: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60
    ).get("Messages", []):
        held.extend(batch)
    for at in range(0, len(held), 10):
        sqs.change_message_visibility_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(held[at : at + 10])
            ],
        )
    return [json.loads(m["Body"])["email"] for m in held]


def flood(
    endpoint: str,
    submissions: int,
    *,
    clients: int = 32,
    pollers: int = 4,
    max_receive: int = 3,
    outage_seconds: float = 3.0,
) -> FloodResult:
    """Load with faults, let messages dead-letter, heal, redrive (tools.redrive), drain."""
    from functions.forms.adapters import SesV2ContactList
    from functions.forms.ingest import make_handler as make_ingest
    from functions.forms.store import SubscriberStore
    from functions.forms.worker import make_handler as make_worker
    from tools.redrive import redrive

    infra = provision(endpoint, max_receive=max_receive, visibility_seconds=1)
    sqs, ddb, ses = (client(s, endpoint) for s in ("sqs", "dynamodb", "sesv2"))
    ingest = make_ingest(
        IngestConfig(queue_url=infra.queue_url, allowed_origins=frozenset([ORIGIN])), sqs
    )
    faulty = FaultyAdapter(
        SesV2ContactList(ses, infra.contact_list),
        random_rate=0.2,
        outage_after_seconds=0.5,
        outage_seconds=outage_seconds,
    )
    # The lease outlasts any hand-off here (tens of ms on loopback) yet is short next to the
    # drain, like 120 s against a 180 s visibility timeout in the deployed stack.
    store = SubscriberStore(ddb, infra.table, lease_seconds=5)

    def worker() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        return make_worker(store, faulty)

    poller = Poller(sqs, infra, worker, threads=pollers, visibility_seconds=1).start()
    try:
        report = fire(
            ingest,
            make_submissions(submissions),
            clients=clients,
            wave=100,
            between_waves=lambda: poller.wait_below(20, timeout_seconds=60),
        )
        poller.wait_empty(timeout_seconds=120)
    finally:
        poller.stop()
    load_seconds = report.seconds
    trace = {e: list(events) for e, events in poller.trace.items()}
    dead = peek_dlq(sqs, infra.dlq_url)
    before = {i["email"]["S"]: i["listed"]["BOOL"] for i in scan_subscribers(ddb, infra.table)}

    faulty.healthy = True  # the runbook: fix the cause first, then redrive
    started = time.perf_counter()
    once = boto3.session.Session().client(
        "sqs",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    moved = redrive(once, infra.dlq_url, method="auto")
    poller = Poller(sqs, infra, worker, threads=pollers, visibility_seconds=1).start()
    try:
        poller.wait_empty(timeout_seconds=60)
    finally:
        poller.stop()
    for email, events in poller.trace.items():
        trace.setdefault(email, []).extend(["redriven:", *events])
    after = {i["email"]["S"]: i["listed"]["BOOL"] for i in scan_subscribers(ddb, infra.table)}
    contacts = Counter(
        c["EmailAddress"] for c in ses.list_contacts(ContactListName=infra.contact_list)["Contacts"]
    )
    depth = int(
        sqs.get_queue_attributes(
            QueueUrl=infra.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
    )
    return FloodResult(
        report=report,
        faulty=faulty,
        dead_before_redrive=dead,
        unlisted_before_redrive={e for e, listed in before.items() if not listed},
        stored_before_redrive=set(before),
        redriven=moved,
        stored=after,
        contacts=contacts,
        dlq_depth_after=depth,
        trace=trace,
        load_seconds=load_seconds,
        drain_seconds=time.perf_counter() - started,
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["serve"]:
        sys.exit("usage: python -m tools.loadtest.forms serve (started by start_moto)")
    serve()
