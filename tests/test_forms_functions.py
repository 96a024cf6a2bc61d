"""The form functions one behaviour at a time, against moto's server on loopback.

Handlers are called in-process with genuine API Gateway v2 HTTP API and SQS event payloads and
real boto3 clients (moto cannot invoke Lambda without Docker, nor route through an HTTP API).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from functions.forms.adapters import HttpListAdapter, ListRefused, ProviderError, SesV2ContactList
from functions.forms.config import ConfigError, IngestConfig, WorkerConfig
from functions.forms.ingest import make_handler as make_ingest
from functions.forms.store import SubscriberStore
from functions.forms.turnstile import TurnstileVerifier, VerifierUnavailable
from functions.forms.validation import Rejection, normalise_email
from functions.forms.worker import make_handler as make_worker
from settings.files import ROOT
from tools.loadtest.forms import ORIGIN, Infra, client, http_event, provision, sqs_event


@pytest.fixture(scope="module")
def infra(moto_endpoint: str) -> Infra:
    return provision(moto_endpoint, max_receive=3, visibility_seconds=1)


def _receive_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, AttributeNames=["All"]
    ).get("Messages", []):
        out.extend(batch)
    return out


# ---- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("a+tag@bücher.de", "a+tag@xn--bcher-kva.de"),
        # IDNA 2008 with UTS #46 (email-validator through idna): ß is kept, not mapped to "ss"
        # as Python's IDNA 2003 codec does (fass.de is someone else's domain).
        ("Ann@Faß.DE", "ann@xn--fa-hia.de"),
        (
            "x@" + "\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25" + ".org",
            "x@example.org",
        ),  # full-width, mapped by UTS #46
        ("x@sub.example.co.uk", "x@sub.example.co.uk"),
    ],
)
def test_email_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "no-at-sign",
        "a@b",
        "a@-bad-.com",
        "a..b@example.com",
        f"{'x' * 65}@example.com",
        f"a@{'b' * 250}.com",
        "x@sub.example.co.uk.",  # email-validator: an address cannot end with a period
        "é@example.org",  # non-ASCII local part (SMTPUTF8): neither list provider takes it
        '"quoted"@example.org',
        "Ann <ann@example.org>",
        "a@localhost",
        "a@xn--zz.com",  # an invalid A-label
        "a" + chr(0xD800) + "@example.org",  # an unpaired surrogate
        42,
    ],
)
def test_email_rejected_with_field(raw: Any) -> None:
    with pytest.raises(Rejection) as caught:
        normalise_email(raw)
    assert caught.value.status == 422 and caught.value.field == "email", (raw, caught.value.body())


# ---- ingest -------------------------------------------------------------------------------------


def _ingest(
    infra: Infra, endpoint: str, config_kw: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    config_kw = {"max_body_bytes": 16_384, **(config_kw or {})}
    config = IngestConfig(
        queue_url=infra.queue_url, allowed_origins=frozenset([ORIGIN]), **config_kw
    )
    return make_ingest(config, client("sqs", endpoint), **kwargs)


def test_accepted_submission_is_normalised_and_enqueued(infra: Infra, moto_endpoint: str) -> None:
    sqs = client("sqs", moto_endpoint)
    _receive_all(sqs, infra.queue_url)  # start from an empty view of the queue
    body = json.dumps({"email": " Ann@Example.ORG", "consent": True, "source": "hero"})
    answer = _ingest(infra, moto_endpoint)(http_event(body, base64_body=True), None)
    assert answer["statusCode"] == 202, answer
    assert json.loads(answer["body"])["status"] == "accepted"
    [message] = _receive_all(sqs, infra.queue_url)
    sent = json.loads(message["Body"])
    assert sent["email"] == "ann@example.org" and sent["kind"] == "subscribe"
    assert sent["source"] == "hero" and sent["consent"] is True


BAD = [
    ({"origin": None}, b'{"email":"a@example.org","consent":true}', 403, "origin_not_allowed"),
    (
        {"origin": "https://evil.example"},
        b'{"email":"a@example.org","consent":true}',
        403,
        "origin_not_allowed",
    ),
    (
        {"content_type": "text/plain"},
        b'{"email":"a@example.org","consent":true}',
        415,
        "unsupported_media_type",
    ),
    (
        {"content_type": None},
        b'{"email":"a@example.org","consent":true}',
        415,
        "unsupported_media_type",
    ),
    ({}, b"x" * 16_385, 413, "body_too_large"),
    ({}, b"   ", 400, "empty_body"),
    ({}, b"{nope", 400, "invalid_json"),
    ({}, b"\xff\xfe", 400, "invalid_json"),
    ({}, b"[1]", 400, "invalid_json"),
    ({}, b'{"email":"a@example.org","consent":true,"website":"x"}', 400, "rejected"),
    ({}, b'{"email":"a@example.org"}', 422, "consent_required"),
    ({}, b'{"email":"a@example.org","consent":"true"}', 422, "consent_required"),
    ({}, b'{"consent":true}', 422, "missing_email"),
    (
        {},
        b'{"email":"a@example.org","consent":true,"name":' + b'"' + b"n" * 201 + b'"}',
        422,
        "invalid_name",
    ),
    # Nested past the parser's recursion limit, under the size limit: bad input, never a 503.
    ({}, b"[" * 1000 + b"]" * 1000, 400, "invalid_json"),
    ({}, b'{"a":' * 2000 + b"1" + b"}" * 2000, 400, "invalid_json"),
    # An unpaired surrogate (JSON escape) or a control character: refused, naming the field.
    ({}, b'{"email":"a@example.org","consent":true,"name":"A\\ud800"}', 422, "invalid_name"),
    ({}, b'{"email":"a@example.org","consent":true,"name":"A\\u0007"}', 422, "invalid_name"),
    ({}, b'{"email":"a\\udfff@example.org","consent":true}', 422, "invalid_email"),
    (
        {"path": "/contact"},
        b'{"email":"a@example.org","consent":true,"message":"hi\\u001b[31m"}',
        422,
        "invalid_message",
    ),
    (
        {"content_type": "application/x-www-form-urlencoded"},
        b"email=a%40example.org&consent=on&name=%ED%A0%80",  # a surrogate in UTF-8 bytes
        400,
        "invalid_body",
    ),
    (
        {"content_type": "application/x-www-form-urlencoded"},
        b"email=a%40example.org&consent=on&name=A%07",
        422,
        "invalid_name",
    ),
    (
        {"content_type": "application/x-www-form-urlencoded"},
        b"email=a%40example.org",  # an unticked checkbox is not posted at all
        422,
        "consent_required",
    ),
    (
        {"content_type": "application/x-www-form-urlencoded"},
        b"&".join(b"f%d=1" % i for i in range(60)),
        400,
        "invalid_body",
    ),
    ({"content_type": "multipart/form-data"}, b"--x\r\n", 400, "invalid_body"),
    (
        {"content_type": "multipart/form-data; boundary=b"},
        b'--b\r\nContent-Disposition: form-data; name="email"; filename="a.txt"\r\n\r\n'
        b"a@example.org\r\n--b--\r\n",
        400,
        "invalid_body",
    ),
    ({"path": "/contact"}, b'{"email":"a@example.org","consent":true}', 422, "missing_message"),
    ({"path": "/admin"}, b'{"email":"a@example.org","consent":true}', 404, "not_found"),
]


@pytest.mark.parametrize(("event_kw", "body", "status", "code"), BAD)
def test_bad_input_is_a_4xx_naming_the_problem(
    infra: Infra, moto_endpoint: str, event_kw: dict[str, Any], body: bytes, status: int, code: str
) -> None:
    base64_body = body.startswith(b"\xff") or b"%ED" in body
    answer = _ingest(infra, moto_endpoint)(
        http_event(body, base64_body=base64_body, **event_kw), None
    )
    assert answer["statusCode"] == status, (code, answer)
    parsed = json.loads(answer["body"])
    assert parsed["error"] == code and parsed["message"], parsed


def test_turnstile_required_checked_and_outage_is_503(infra: Infra, moto_endpoint: str) -> None:
    seen: list[tuple[str, str | None]] = []

    def verifier(token: str, ip: str | None, submission: str) -> bool:
        seen.append((token, ip))
        if token == "down":
            raise VerifierUnavailable("timeout")
        return token == "good"

    ingest = _ingest(infra, moto_endpoint, verifier=verifier)
    base = {"email": "t@example.org", "consent": True}
    answers = {
        token: ingest(http_event(json.dumps({**base, "turnstileToken": token})), None)
        for token in ("good", "bad", "down")
    }
    missing = ingest(http_event(json.dumps(base)), None)
    assert answers["good"]["statusCode"] == 202
    assert answers["bad"]["statusCode"] == 403
    assert json.loads(answers["bad"]["body"])["error"] == "turnstile_failed"
    assert answers["down"]["statusCode"] == 503, "siteverify down must be retryable, not a 4xx"
    assert missing["statusCode"] == 400
    assert json.loads(missing["body"])["error"] == "turnstile_required"
    assert seen[0] == ("good", "198.51.100.7"), "the client IP from requestContext is forwarded"


def test_queue_failure_is_503_not_500(infra: Infra, moto_endpoint: str) -> None:
    config = IngestConfig(
        queue_url=infra.queue_url.rsplit("/", 1)[0] + "/does-not-exist",
        allowed_origins=frozenset([ORIGIN]),
    )
    ingest = make_ingest(config, client("sqs", moto_endpoint))
    answer = ingest(http_event(b'{"email":"a@example.org","consent":true}'), None)
    assert answer["statusCode"] == 503, answer


def test_turnstile_verifier_posts_secret_and_token(local_http: tuple[str, Any]) -> None:
    url, handler = local_http
    fetched: list[int] = []

    def secret() -> str:
        fetched.append(1)
        return "s3cret"

    verifier = TurnstileVerifier(secret, f"{url}/siteverify")
    assert verifier("tok", "203.0.113.9", "sub") is True
    handler.body = b'{"success": false, "error-codes": ["invalid-input-response"]}'
    assert verifier("tok2", None, "sub") is False
    method, path, _, data = handler.calls[0]
    assert (method, path) == ("POST", "/siteverify")
    assert b"secret=s3cret" in data and b"response=tok" in data and b"remoteip=203.0.113.9" in data
    assert len(fetched) == 1, "the secret is fetched once per container"
    with pytest.raises(VerifierUnavailable):
        TurnstileVerifier(secret, "http://127.0.0.1:9/", timeout_seconds=0.5)("t", None, "sub")


# ---- worker -------------------------------------------------------------------------------------


class CountingAdapter:
    def __init__(self, fail: set[str] | None = None) -> None:
        self.calls: list[str] = []
        self.fail = fail or set()

    def add(self, email: str, attributes: dict[str, Any]) -> None:
        self.calls.append(email)
        if email in self.fail:
            raise ProviderError("down")


def _message(email: str, message_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "v": 2,
        "kind": "subscribe",
        "email": email,
        "consent": True,
        "source": "s",
        "name": None,
        "message": None,
        "requestId": message_id,
        "submittedAt": 1_700_000_000_000,
        **extra,
    }
    return {"MessageId": message_id, "ReceiptHandle": f"rh-{message_id}", "Body": json.dumps(body)}


def _item(moto_endpoint: str, infra: Infra, email: str) -> dict[str, Any]:
    ddb = client("dynamodb", moto_endpoint)
    return ddb.get_item(TableName=infra.table, Key={"email": {"S": email}}, ConsistentRead=True)[
        "Item"
    ]


def test_repeat_signup_updates_and_hands_off_once(infra: Infra, moto_endpoint: str) -> None:
    adapter = CountingAdapter()
    clock = iter(range(1_000, 10_000, 100))
    store = SubscriberStore(client("dynamodb", moto_endpoint), infra.table, lease_seconds=120)
    worker = make_worker(store, adapter, clock_ms=lambda: next(clock))
    first = worker(sqs_event([_message("rep@example.org", "m1")], infra.queue_arn), None)
    again = worker(
        sqs_event([_message("rep@example.org", "m2", source="footer")], infra.queue_arn), None
    )
    assert first == again == {"batchItemFailures": []}
    assert adapter.calls == ["rep@example.org"], "a repeat sign-up must not re-list the contact"
    item = _item(moto_endpoint, infra, "rep@example.org")
    assert item["listed"]["BOOL"] is True and item["source"]["S"] == "footer", item
    assert int(item["lastSeenAt"]["N"]) > int(item["firstSeenAt"]["N"]), "repeat updates lastSeenAt"
    assert "claim" not in item, "a finished hand-off leaves no claim behind"


def test_failed_handoff_reports_only_that_record_and_retry_redoes_only_handoff(
    infra: Infra, moto_endpoint: str
) -> None:
    adapter = CountingAdapter(fail={"bad@example.org"})
    store = SubscriberStore(client("dynamodb", moto_endpoint), infra.table, lease_seconds=120)
    worker = make_worker(store, adapter)
    batch = [_message("ok@example.org", "m3"), _message("bad@example.org", "m4")]
    result = worker(sqs_event(batch, infra.queue_arn), None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m4"}]}, result
    item = _item(moto_endpoint, infra, "bad@example.org")
    assert item["listed"]["BOOL"] is False and "claim" not in item, "failure releases the claim"
    adapter.fail.clear()
    retry = worker(sqs_event([_message("bad@example.org", "m4")], infra.queue_arn), None)
    assert retry == {"batchItemFailures": []}
    assert adapter.calls == ["ok@example.org", "bad@example.org", "bad@example.org"]
    assert _item(moto_endpoint, infra, "bad@example.org")["listed"]["BOOL"] is True


def test_duplicate_during_live_claim_retries_without_listing_and_takes_over_after_the_lease(
    infra: Infra, moto_endpoint: str
) -> None:
    store = SubscriberStore(client("dynamodb", moto_endpoint), infra.table, lease_seconds=60)
    assert store.create_claimed({"email": "race@example.org", "consent": True}, "holder", 1_000)
    adapter = CountingAdapter()
    worker = make_worker(store, adapter, clock_ms=lambda: 2_000)
    batch = [_message("race@example.org", "dup"), _message("fresh@example.org", "new")]
    result = worker(sqs_event(batch, infra.queue_arn), None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "dup"}]}, result
    assert adapter.calls == ["fresh@example.org"], (
        "a duplicate must not call the list while another message holds the hand-off, and must "
        "come back (not be acknowledged): the holder may never finish"
    )
    # The holder died without releasing: the duplicate's redelivery after the lease takes over.
    late = make_worker(store, adapter, clock_ms=lambda: 1_000 + 61_000)
    assert late(sqs_event([_message("race@example.org", "dup")], infra.queue_arn), None) == {
        "batchItemFailures": []
    }
    assert adapter.calls == ["fresh@example.org", "race@example.org"]


def test_poison_message_fails_alone(infra: Infra, moto_endpoint: str) -> None:
    store = SubscriberStore(client("dynamodb", moto_endpoint), infra.table, lease_seconds=60)
    worker = make_worker(store, CountingAdapter())
    poison = {"MessageId": "p1", "ReceiptHandle": "rh", "Body": "not json"}
    result = worker(sqs_event([poison, _message("fine@example.org", "m9")], infra.queue_arn), None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "p1"}]}


def test_contact_message_stored_not_listed(infra: Infra, moto_endpoint: str) -> None:
    store = SubscriberStore(client("dynamodb", moto_endpoint), infra.table, lease_seconds=60)
    adapter = CountingAdapter()
    worker = make_worker(store, adapter)
    msg = _message("c@example.org", "c1", kind="contact", message="hello", requestId="r-1")
    assert worker(sqs_event([msg], infra.queue_arn), None) == {"batchItemFailures": []}
    item = _item(moto_endpoint, infra, "contact#r-1")
    assert item["message"]["S"] == "hello" and item["from"]["S"] == "c@example.org"
    assert adapter.calls == []


# ---- adapters ------------------------------------------------------------------------------------


def test_sesv2_adapter_creates_contact(infra: Infra, moto_endpoint: str) -> None:
    ses = client("sesv2", moto_endpoint)
    SesV2ContactList(ses, infra.contact_list).add("list@example.org", {"source": "x"})
    contact = ses.get_contact(ContactListName=infra.contact_list, EmailAddress="list@example.org")
    assert contact["EmailAddress"] == "list@example.org"


class _Ses:
    def __init__(self, code: str, unsubscribed: bool = False) -> None:
        self.code = code
        self.unsubscribed = unsubscribed

    def create_contact(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": self.code, "Message": "m"}}, "CreateContact")

    def get_contact(self, **_: Any) -> dict[str, Any]:
        return {"EmailAddress": "a@example.org", "UnsubscribeAll": self.unsubscribed}


def test_sesv2_already_exists_is_success_unsubscribed_is_refused_other_errors_raise() -> None:
    # moto's create_contact overwrites instead of raising AlreadyExistsException, so the real
    # service's answers are reproduced with a stub client, its shapes checked against botocore's.
    import botocore.session

    model = botocore.session.get_session().get_service_model("sesv2")
    assert "UnsubscribeAll" in model.operation_model("GetContact").output_shape.members
    assert "AlreadyExistsException" in {
        e.name for e in model.operation_model("CreateContact").error_shapes
    }
    SesV2ContactList(_Ses("AlreadyExistsException"), "l").add("a@example.org", {})
    with pytest.raises(ListRefused, match="unsubscribed"):
        SesV2ContactList(_Ses("AlreadyExistsException", unsubscribed=True), "l").add(
            "a@example.org", {}
        )
    with pytest.raises(ClientError):
        SesV2ContactList(_Ses("TooManyRequestsException"), "l").add("a@example.org", {})


def test_http_adapter_puts_member_with_key_from_secrets_manager(
    moto_endpoint: str, local_http: tuple[str, Any]
) -> None:
    url, handler = local_http
    secrets = client("secretsmanager", moto_endpoint)
    arn = secrets.create_secret(Name="forms-http-key", SecretString="k-123")["ARN"]
    adapter = HttpListAdapter(f"{url}/3.0", "list9", secrets, arn)
    adapter.add("Member@example.org".lower(), {"source": "s"})
    method, path, headers, data = handler.calls[0]
    assert method == "PUT"
    assert (
        path
        == "/3.0/lists/list9/members/"
        + __import__("hashlib").md5(b"member@example.org").hexdigest()
    )
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"spikeproof:k-123").decode()
    assert json.loads(data)["status_if_new"] == "subscribed"
    handler.status = 503
    with pytest.raises(ProviderError):
        adapter.add("x@example.org", {})


# ---- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({}, "QUEUE_URL is required"),
        ({"QUEUE_URL": "nope", "ALLOWED_ORIGINS": ORIGIN}, "QUEUE_URL='nope'"),
        (
            {
                "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                "ALLOWED_ORIGINS": "www.example.com",
            },
            "ALLOWED_ORIGINS",
        ),
        (
            {
                "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                "ALLOWED_ORIGINS": ORIGIN,
                "MAX_BODY_BYTES": "big",
            },
            "MAX_BODY_BYTES='big'",
        ),
    ],
)
def test_ingest_config_errors_name_the_variable(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace("(", r"\(")):
        IngestConfig.from_env(env)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"TABLE_NAME": "t"}, "CONTACT_LIST_NAME is required"),
        ({"TABLE_NAME": "t", "LIST_ADAPTER": "smtp"}, "LIST_ADAPTER='smtp'"),
        ({"TABLE_NAME": "t", "LIST_ADAPTER": "http"}, "HTTP_LIST_BASE_URL is required"),
        ({"CONTACT_LIST_NAME": "l"}, "TABLE_NAME is required"),
    ],
)
def test_worker_config_errors_name_the_variable(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        WorkerConfig.from_env(env)


def _import_entry(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=ROOT / "functions",
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_entry_points_import_as_packaged_and_fail_clearly_when_misconfigured() -> None:
    good = _import_entry(
        "forms.lambda_ingest",
        {
            "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "ALLOWED_ORIGINS": ORIGIN,
        },
    )
    assert good.returncode == 0, good.stderr
    worker = _import_entry("forms.lambda_worker", {"TABLE_NAME": "t", "CONTACT_LIST_NAME": "l"})
    assert worker.returncode == 0, worker.stderr
    bad = _import_entry("forms.lambda_worker", {"TABLE_NAME": "t"})
    assert bad.returncode != 0 and "CONTACT_LIST_NAME is required" in bad.stderr, bad.stderr


def _lose_first_answer(ddb: Any, operation: str, marker: bytes) -> list[str]:
    """Make the SDK retry the first successful `operation` whose request carries `marker` as if
    its answer was lost on the way back (the write landed; the client saw a timeout): botocore's
    own retry path, forced through its `needs-retry` hook. Returns the operations so retried."""
    lost: list[str] = []

    def needs_retry(
        response: Any, attempts: int, request_dict: dict[str, Any], **_: Any
    ) -> int | None:
        body = request_dict.get("body") or b""
        body = body if isinstance(body, bytes) else str(body).encode()
        if lost or response is None or response[0].status_code != 200 or marker not in body:
            return None
        lost.append(operation)
        return 0  # retry now

    ddb.meta.events.register_first(f"needs-retry.dynamodb.{operation}", needs_retry)
    return lost


@pytest.mark.parametrize("operation", ["PutItem", "UpdateItem"])
def test_a_retried_claim_whose_first_answer_was_lost_is_recognised_as_ours(
    infra: Infra, moto_endpoint: str, operation: str
) -> None:
    """PutItem: a first sign-up's create-and-claim; UpdateItem: a repeat address whose claim is
    taken by update. Either way the retry fails its condition on our own claim: the worker must
    see the claim as its own and list now, not fail the record and wait out the lease."""
    email = f"lost-{operation.lower()}@example.org"
    if operation == "UpdateItem":
        seed = SubscriberStore(client("dynamodb", moto_endpoint), infra.table, lease_seconds=120)
        seed.upsert({"email": email, "consent": True}, 500)
    ddb = client("dynamodb", moto_endpoint)
    store = SubscriberStore(ddb, infra.table, lease_seconds=120)
    lost = _lose_first_answer(
        ddb, operation, b'"claim"' if operation == "PutItem" else b"claim = :t"
    )
    adapter = CountingAdapter()
    worker = make_worker(store, adapter, clock_ms=lambda: 1_000)
    result = worker(sqs_event([_message(email, f"m-{operation}")], infra.queue_arn), None)
    assert lost == [operation], "the lost answer was not simulated"
    assert result == {"batchItemFailures": []}, result
    assert adapter.calls == [email]
    assert _item(moto_endpoint, infra, email)["listed"]["BOOL"] is True


def test_concurrent_requests_never_read_each_others_bodies() -> None:
    """Powertools keeps `current_event` on the router class, shared by the process: 32 threads
    posting through one handler once enqueued some bodies twice and others never (each answered
    202). The handler reads its own per-thread request; every address is enqueued exactly once."""
    sent: list[str] = []
    lock = threading.Lock()

    class RecordingSqs:
        def send_message(self, **kwargs: Any) -> dict[str, str]:
            with lock:
                sent.append(json.loads(kwargs["MessageBody"])["email"])
            return {"MessageId": "m"}

    config = IngestConfig(
        queue_url="https://sqs.eu-west-1.amazonaws.com/444455556666/forms",
        allowed_origins=frozenset([ORIGIN]),
    )
    handler = make_ingest(config, RecordingSqs())
    # The race needs a thread switch inside one request: three rounds of 3,000 lost 5-11 each
    # before the fix (the first round of a process sometimes none).
    emails = [f"user{i:05d}@example.org" for i in range(3000)]

    def post(email: str) -> int:
        body = json.dumps({"email": email, "consent": True})
        return int(handler(http_event(body), None)["statusCode"])

    from concurrent.futures import ThreadPoolExecutor

    for _ in range(3):
        sent.clear()
        with ThreadPoolExecutor(max_workers=32) as pool:
            codes = list(pool.map(post, emails))
        assert codes == [202] * len(emails)
        assert sorted(sent) == emails, f"{len(set(emails) - set(sent))} addresses never enqueued"
