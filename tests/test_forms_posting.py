"""Every way a page posts, what each requester is answered, and nothing lost after a 202.

Handlers in-process against moto's server, with API Gateway v2 events built as the $default stage
delivers them; multipart bodies are encoded by urllib3's own encoder (what `requests` uses), not
by hand, and urlencoded bodies by `urllib.parse.urlencode` (the encoding a browser applies).
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from urllib3 import encode_multipart_formdata

from functions.forms.adapters import HttpListAdapter, ListRefused
from functions.forms.config import ConfigError, IngestConfig
from functions.forms.ingest import make_handler as make_ingest
from functions.forms.store import SubscriberStore
from functions.forms.turnstile import TurnstileVerifier, idempotency_key
from functions.forms.validation import MAX_SOURCE_CHARS, check_message
from functions.forms.worker import make_handler as make_worker
from tests.test_forms_functions import CountingAdapter, _item, _message, _receive_all
from tools.loadtest.forms import ORIGIN, Infra, client, http_event, provision, sqs_event

THANKS = "https://www.example.com/thank-you/"
ERROR = "https://www.example.com/sign-up-error/"
NAVIGATE = {
    "accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "sec-fetch-mode": "navigate",
}
FIELDS = {"email": " Ann@Example.ORG ", "consent": "on", "name": "Ann Émile", "source": "hero"}


@pytest.fixture(scope="module")
def infra(moto_endpoint: str) -> Infra:
    return provision(moto_endpoint, max_receive=3, visibility_seconds=1)


def _ingest(infra: Infra, endpoint: str, sqs: Any = None, **kwargs: Any) -> Any:
    config = IngestConfig(
        queue_url=infra.queue_url,
        allowed_origins=frozenset([ORIGIN]),
        thank_you_url=THANKS,
        error_url=ERROR,
        **kwargs.pop("config", {}),
    )
    return make_ingest(config, sqs or client("sqs", endpoint), **kwargs)


def _bodies() -> list[tuple[str, bytes, str, bool]]:
    multipart, boundary_type = encode_multipart_formdata(FIELDS)
    urlencoded = urllib.parse.urlencode(FIELDS).encode()
    as_json = json.dumps({**FIELDS, "consent": True}).encode()
    return [
        ("json", as_json, "application/json", False),
        ("json-base64", as_json, "application/json; charset=utf-8", True),
        ("urlencoded", urlencoded, "application/x-www-form-urlencoded", False),
        ("urlencoded-base64", urlencoded, "application/x-www-form-urlencoded", True),
        ("multipart", multipart, boundary_type, False),
        ("multipart-base64", multipart, boundary_type, True),
    ]


@pytest.mark.parametrize(("name", "body", "content_type", "b64"), _bodies(), ids=lambda v: "")
def test_every_encoding_gives_the_same_message(
    infra: Infra, moto_endpoint: str, name: str, body: bytes, content_type: str, b64: bool
) -> None:
    sqs = client("sqs", moto_endpoint)
    _receive_all(sqs, infra.queue_url)
    answer = _ingest(infra, moto_endpoint)(
        http_event(body, content_type=content_type, base64_body=b64), None
    )
    assert answer["statusCode"] == 202, (name, answer)
    [queued] = _receive_all(sqs, infra.queue_url)
    sent = json.loads(queued["Body"])
    assert (sent["email"], sent["name"], sent["source"], sent["consent"]) == (
        "ann@example.org",
        "Ann Émile",
        "hero",
        True,
    ), name
    assert check_message(sent) == sent, "what the ingest enqueues passes the worker's schema"


def test_a_plain_form_post_is_sent_to_the_thank_you_page(infra: Infra, moto_endpoint: str) -> None:
    body = urllib.parse.urlencode(FIELDS)
    answer = _ingest(infra, moto_endpoint)(
        http_event(body, content_type="application/x-www-form-urlencoded", headers=NAVIGATE), None
    )
    assert answer["statusCode"] == 303, answer
    assert answer["headers"]["Location"] == THANKS


def test_a_refused_plain_form_post_is_sent_to_the_error_page_naming_the_problem(
    infra: Infra, moto_endpoint: str
) -> None:
    body = urllib.parse.urlencode({**FIELDS, "email": "not-an-address"})
    answer = _ingest(infra, moto_endpoint)(
        http_event(body, content_type="application/x-www-form-urlencoded", headers=NAVIGATE), None
    )
    assert answer["statusCode"] == 303, answer
    location = answer["headers"]["Location"]
    assert location.startswith(ERROR + "?")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert query["error"] == "invalid_email" and query["field"] == "email" and query["message"]


def test_a_script_gets_json_whatever_it_posts(infra: Infra, moto_endpoint: str) -> None:
    # fetch() sends Accept: */* and Sec-Fetch-Mode: cors; a FormData body is multipart.
    body, content_type = encode_multipart_formdata({**FIELDS, "email": "bad"})
    headers = {"accept": "application/json", "sec-fetch-mode": "cors"}
    answer = _ingest(infra, moto_endpoint)(
        http_event(body, content_type=content_type, headers=headers), None
    )
    assert answer["statusCode"] == 422 and json.loads(answer["body"])["field"] == "email"


def test_the_widgets_own_field_carries_the_token(infra: Infra, moto_endpoint: str) -> None:
    seen: list[str] = []

    def verifier(token: str, ip: str | None, submission: str) -> bool:
        seen.append(token)
        return True

    body = urllib.parse.urlencode({**FIELDS, "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX"})
    answer = _ingest(infra, moto_endpoint, verifier=verifier)(
        http_event(body, content_type="application/x-www-form-urlencoded"), None
    )
    assert answer["statusCode"] == 202 and seen == ["XXXX.DUMMY.TOKEN.XXXX"]


def test_a_landing_url_that_normalisation_lengthens_is_still_cut_not_refused(
    infra: Infra, moto_endpoint: str
) -> None:
    body = json.dumps({"email": "nfc@example.org", "consent": True, "source": "\u0958" * 2048})
    answer = _ingest(infra, moto_endpoint)(http_event(body), None)
    assert answer["statusCode"] == 202, answer


@pytest.mark.parametrize(
    ("name", "what"),
    [("Ann\u2028Bee", "separator"), ("Ann\u202egnp.exe", "bidirectional"), ("A\u00adnn", None)],
)
def test_single_line_text_refuses_separators_and_bidi_controls(
    infra: Infra, moto_endpoint: str, name: str, what: str | None
) -> None:
    body = json.dumps({"email": "bidi@example.org", "consent": True, "name": name})
    answer = _ingest(infra, moto_endpoint)(http_event(body), None)
    if what is None:
        assert answer["statusCode"] == 202, answer  # a soft hyphen is a format char people use
    else:
        assert answer["statusCode"] == 422 and what in json.loads(answer["body"])["message"]


def test_many_multipart_parts_are_refused_before_parsing(infra: Infra, moto_endpoint: str) -> None:
    import time

    parts = b"".join(
        b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n' for _ in range(5000)
    )
    ingest = _ingest(infra, moto_endpoint, config={"max_body_bytes": 262_144})
    started = time.monotonic()
    answer = ingest(
        http_event(parts + b"--b--\r\n", content_type="multipart/form-data; boundary=b"), None
    )
    assert answer["statusCode"] == 400 and time.monotonic() - started < 0.5, answer


def test_the_honeypot_is_not_named_to_a_browser(infra: Infra, moto_endpoint: str) -> None:
    body = urllib.parse.urlencode({**FIELDS, "website": "http://spam"})
    answer = _ingest(infra, moto_endpoint)(
        http_event(body, content_type="application/x-www-form-urlencoded", headers=NAVIGATE), None
    )
    assert answer["statusCode"] == 303 and "website" not in answer["headers"]["Location"]


def test_a_body_that_is_not_text_is_a_400(infra: Infra, moto_endpoint: str) -> None:
    event = http_event("{}")
    event["body"] = 42
    assert _ingest(infra, moto_endpoint)(event, None)["statusCode"] == 400


def test_a_long_landing_url_is_cut_not_refused(infra: Infra, moto_endpoint: str) -> None:
    sqs = client("sqs", moto_endpoint)
    _receive_all(sqs, infra.queue_url)
    source = "https://www.example.com/campaigns/spring/?" + "utm_content=x&" * 400
    body = json.dumps({"email": "long@example.org", "consent": True, "source": source})
    assert _ingest(infra, moto_endpoint)(http_event(body), None)["statusCode"] == 202
    [queued] = _receive_all(sqs, infra.queue_url)
    assert json.loads(queued["Body"])["source"] == source[:MAX_SOURCE_CHARS].strip()


class _FlakySqs:
    """The real client, failing the first `failures` sends the way a throttled SQS does."""

    def __init__(self, real: Any, failures: int) -> None:
        self.real, self.failures, self.calls = real, failures, 0

    def send_message(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "SendMessage")
        return self.real.send_message(**kwargs)


class _Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_a_brief_queue_error_is_retried_within_the_budget(infra: Infra, moto_endpoint: str) -> None:
    flaky = _FlakySqs(client("sqs", moto_endpoint), failures=3)
    slept: list[float] = []
    ingest = _ingest(infra, moto_endpoint, sqs=flaky, sleep=slept.append)
    body = json.dumps({"email": "retry@example.org", "consent": True})
    answer = ingest(http_event(body), _Context(5_000))
    assert answer["statusCode"] == 202 and flaky.calls == 4, answer
    assert slept == [0.05, 0.1, 0.2], "exponential back-off between attempts"


class _SlowFailingSqs:
    def __init__(self, seconds: float) -> None:
        self.seconds, self.calls = seconds, 0

    def send_message(self, **kwargs: Any) -> Any:
        import time

        self.calls += 1
        time.sleep(self.seconds)
        raise ConnectionError("SQS did not answer")


def test_no_attempt_starts_that_could_outlive_the_invocation(
    infra: Infra, moto_endpoint: str
) -> None:
    import time

    slow = _SlowFailingSqs(0.3)
    ingest = _ingest(infra, moto_endpoint, sqs=slow, attempt_seconds=0.3)
    started = time.monotonic()
    answer = ingest(
        http_event(json.dumps({"email": "slow@example.org", "consent": True})), _Context(1_600)
    )
    took = time.monotonic() - started
    assert answer["statusCode"] == 503, answer
    assert took < 1.6 - 0.5 + 0.05, f"answered after {took:.2f} s: past the reserve"
    assert slow.calls >= 2, "it did retry while an attempt still fitted"


def test_a_queue_outage_past_the_budget_is_503(infra: Infra, moto_endpoint: str) -> None:
    flaky = _FlakySqs(client("sqs", moto_endpoint), failures=10**6)
    ingest = _ingest(infra, moto_endpoint, sqs=flaky, config={"enqueue_budget_ms": 300})
    answer = ingest(http_event(json.dumps({"email": "down@example.org", "consent": True})), None)
    assert answer["statusCode"] == 503 and 2 <= flaky.calls <= 10, (answer, flaky.calls)
    # The invocation's own remaining time bounds the budget too: no retry with 400 ms left.
    flaky.calls = 0
    answer = _ingest(infra, moto_endpoint, sqs=flaky)(
        http_event(json.dumps({"email": "down@example.org", "consent": True})), _Context(400)
    )
    assert answer["statusCode"] == 503 and flaky.calls == 1


def test_only_requests_through_the_edge_are_admitted(infra: Infra, moto_endpoint: str) -> None:
    """API Gateway's regional name answers anyone who sends the right SNI: the edge's secret
    header is what tells a post that passed the edge's rate limit from one that did not."""
    seen: list[str | None] = []

    def verifier(token: str, ip: str | None, submission: str) -> bool:
        seen.append(ip)
        return True

    ingest = _ingest(infra, moto_endpoint, verifier=verifier, edge_secret=lambda: "s3cret")
    body = json.dumps({"email": "edge@example.org", "consent": True, "turnstileToken": "t"})
    direct = ingest(http_event(body), None)
    assert direct["statusCode"] == 403
    assert json.loads(direct["body"])["error"] == "not_through_edge"
    wrong = ingest(http_event(body, headers={"x-origin-verify": "guess"}), None)
    assert wrong["statusCode"] == 403
    edged = ingest(
        http_event(body, headers={"x-origin-verify": "s3cret", "cf-connecting-ip": "203.0.113.5"}),
        None,
    )
    assert edged["statusCode"] == 202, edged
    assert seen == ["203.0.113.5"], "behind the edge, siteverify gets the visitor's address"


def test_a_retried_token_carries_the_same_idempotency_key(local_http: tuple[str, Any]) -> None:
    url, handler = local_http
    verifier = TurnstileVerifier(lambda: "s3cret", f"{url}/siteverify")
    assert verifier("tok-1", None, "a") and verifier("tok-1", None, "a")
    assert verifier("tok-2", None, "a") and verifier("tok-1", None, "b")
    keys = [dict(urllib.parse.parse_qsl(c[3].decode()))["idempotency_key"] for c in handler.calls]
    assert keys[0] == keys[1] == idempotency_key("tok-1", "a"), "a retry carries the same key"
    assert len({keys[0], keys[2], keys[3]}) == 3, "another token or submission, another key"
    import uuid

    assert uuid.UUID(keys[0]).version == 5, "siteverify takes a UUID"


def test_siteverify_internal_error_is_retryable(local_http: tuple[str, Any]) -> None:
    from functions.forms.turnstile import VerifierUnavailable

    url, handler = local_http
    handler.body = b'{"success": false, "error-codes": ["internal-error"]}'
    with pytest.raises(VerifierUnavailable):
        TurnstileVerifier(lambda: "s", f"{url}/siteverify")("t", None, "sub")
    handler.body = b'{"success": false, "error-codes": ["timeout-or-duplicate"]}'
    assert TurnstileVerifier(lambda: "s", f"{url}/siteverify")("t", None, "sub") is False


@pytest.mark.parametrize(
    "env",
    [
        {"THANK_YOU_URL": "not a url"},
        {"ERROR_URL": "https://www.example.com/error/?x=1"},
        {"ENQUEUE_BUDGET_MS": "99999"},
    ],
)
def test_page_and_budget_config_errors_name_the_variable(env: dict[str, str]) -> None:
    base = {
        "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/forms",
        "ALLOWED_ORIGINS": "https://www.example.com",
    }
    with pytest.raises(ConfigError, match=next(iter(env))):
        IngestConfig.from_env({**base, **env})


# ---- the worker trusts nothing the queue hands it -----------------------------------------------


def _worker(infra: Infra, endpoint: str, adapter: Any = None) -> Any:
    store = SubscriberStore(client("dynamodb", endpoint), infra.table, lease_seconds=60)
    return make_worker(
        store, adapter or CountingAdapter(), sqs=client("sqs", endpoint), dlq_url=infra.dlq_url
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"consent": False}, "consent"),
        ({"email": "Not.Normalised@Example.org"}, "normalised"),
        ({"email": "a@fass.de", "v": 3}, "version"),
        ({"v": True}, "version"),
        ({"name": "Bell\u0007"}, "control character"),
        ({"name": "  padded  "}, "name"),
        ({"kind": "unsubscribe"}, "kind"),
        ({"submittedAt": "yesterday"}, "submittedAt"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_message_the_ingest_could_not_have_produced_is_dead_lettered_with_its_reason(
    infra: Infra, moto_endpoint: str, change: dict[str, Any], reason: str
) -> None:
    sqs = client("sqs", moto_endpoint)
    _receive_all(sqs, infra.dlq_url)
    adapter = CountingAdapter()
    message = _message("schema@example.org", "bad-1")
    message["Body"] = json.dumps({**json.loads(message["Body"]), **change})
    result = _worker(infra, moto_endpoint, adapter)(sqs_event([message], infra.queue_arn), None)
    assert result == {"batchItemFailures": []}, "moved at once, not retried to the DLQ"
    assert adapter.calls == []
    dlq = sqs.receive_message(
        QueueUrl=infra.dlq_url, MessageAttributeNames=["All"], MaxNumberOfMessages=10
    ).get("Messages", [])
    assert len(dlq) == 1 and dlq[0]["Body"] == message["Body"]
    assert reason in dlq[0]["MessageAttributes"]["reason"]["StringValue"]
    assert dlq[0]["MessageAttributes"]["sourceMessageId"]["StringValue"] == "bad-1"
    sqs.delete_message(QueueUrl=infra.dlq_url, ReceiptHandle=dlq[0]["ReceiptHandle"])


def test_a_message_the_earlier_ingest_wrote_is_accepted_on_structure(
    infra: Infra, moto_endpoint: str
) -> None:
    """Schema 1 messages queued across the deploy that made the checks stricter are not
    dead-lettered: `a@localhost` was an address the earlier ingest accepted."""
    adapter = CountingAdapter()
    message = _message("a@localhost", "v1-1")
    message["Body"] = json.dumps({**json.loads(message["Body"]), "v": 1})
    result = _worker(infra, moto_endpoint, adapter)(sqs_event([message], infra.queue_arn), None)
    assert result == {"batchItemFailures": []} and adapter.calls == ["a@localhost"]


def test_a_repeat_sign_up_merges_and_never_erases(infra: Infra, moto_endpoint: str) -> None:
    worker = _worker(infra, moto_endpoint)
    first = _message("merge@example.org", "mg1", name="Ann", source="hero")
    bare = _message("merge@example.org", "mg2", name=None, source=None)
    assert worker(sqs_event([first], infra.queue_arn), None) == {"batchItemFailures": []}
    assert worker(sqs_event([bare], infra.queue_arn), None) == {"batchItemFailures": []}
    item = _item(moto_endpoint, infra, "merge@example.org")
    assert item["name"]["S"] == "Ann" and item["source"]["S"] == "hero", item
    renamed = _message("merge@example.org", "mg3", name="Ann B.", source=None)
    worker(sqs_event([renamed], infra.queue_arn), None)
    item = _item(moto_endpoint, infra, "merge@example.org")
    assert item["name"]["S"] == "Ann B." and item["source"]["S"] == "hero", item


class _RefusingAdapter(CountingAdapter):
    def add(self, email: str, attributes: dict[str, Any]) -> None:
        self.calls.append(email)
        raise ListRefused("unsubscribed at the list (SES UnsubscribeAll)")


def test_an_address_the_list_refuses_is_recorded_and_not_retried(
    infra: Infra, moto_endpoint: str
) -> None:
    adapter = _RefusingAdapter()
    worker = _worker(infra, moto_endpoint, adapter)
    msg = _message("gone@example.org", "gone-1")
    assert worker(sqs_event([msg], infra.queue_arn), None) == {"batchItemFailures": []}
    item = _item(moto_endpoint, infra, "gone@example.org")
    assert item["listed"]["BOOL"] is True
    assert item["listOutcome"]["S"].startswith("refused: unsubscribed"), item
    worker(sqs_event([_message("gone@example.org", "gone-2")], infra.queue_arn), None)
    assert adapter.calls == ["gone@example.org"], "a refused address is not offered again"


@pytest.mark.parametrize(
    ("status", "body", "refused"),
    [
        (200, b'{"status": "subscribed"}', None),
        (200, b'{"status": "unsubscribed"}', "unsubscribed"),
        (400, b'{"title": "Member In Compliance State", "status": 400}', "Compliance"),
        (400, b'{"title": "Forgotten Email Not Subscribed", "status": 400}', "Forgotten"),
    ],
)
def test_http_list_answers_for_unsubscribed_addresses(
    moto_endpoint: str, local_http: tuple[str, Any], status: int, body: bytes, refused: str | None
) -> None:
    url, handler = local_http
    handler.status, handler.body = status, body
    secrets = client("secretsmanager", moto_endpoint)
    arn = secrets.create_secret(Name=f"k-{status}-{len(body)}", SecretString="key")["ARN"]
    adapter = HttpListAdapter(url, "list1", secrets, arn)
    if refused is None:
        adapter.add("a@example.org", {})
    else:
        with pytest.raises(ListRefused, match=refused):
            adapter.add("a@example.org", {})


# ---- the developer command -----------------------------------------------------------------------


def test_forms_local_is_a_working_command_for_page_authors() -> None:
    """`python -m tools.forms_local` as a page author runs it: a plain form post gets the 303,
    a preflight gets the CORS answer API Gateway gives, the worker stores the address, and
    SIGTERM stops it (with its moto server) cleanly."""
    import http.client
    import signal
    import subprocess
    import sys
    import time

    from settings.files import ROOT
    from tests.nginx_support import free_port

    port, page = free_port(), "http://127.0.0.1:8000"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.forms_local",
            "--port",
            str(port),
            "--origin",
            page,
            "--turnstile",
            "off",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"form API on http://127.0.0.1:{port}" in line, line

        def call(method: str, path: str, body: str = "", **headers: str) -> Any:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.body = answer.read()
            conn.close()
            return answer

        pre = call(
            "OPTIONS", "/subscribe", **{"Origin": page, "Access-Control-Request-Method": "POST"}
        )
        assert pre.status == 204 and pre.getheader("Access-Control-Allow-Origin") == page
        form = urllib.parse.urlencode({"email": "dev@example.org", "consent": "on"})
        posted = call("POST", "/subscribe", form, **{"Origin": page, "Sec-Fetch-Mode": "navigate",
                      "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert (
            posted.status == 303 and posted.getheader("Location") == f"{page}/campaigns/thank-you/"
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            state = json.loads(call("GET", "/_local/state").body)
            if state["handed"].get("dev@example.org") == 1:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the worker never handed the address to the list: {state}")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    assert code == 0


def _post_json(url: str, origin: str, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{url}/subscribe",
        data=json.dumps(fields).encode(),
        headers={"Content-Type": "application/json", "Origin": origin},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_solved_token_vouches_for_its_own_submission_only(moto_endpoint: str) -> None:
    """Through the local front and its siteverify (which redeems a token once and honours
    idempotency keys, as Cloudflare documents): a retry of the same submission passes, the same
    token with another address is the spent token it is."""
    from tools.forms_local import DUMMY_TOKEN, TEST_SECRET_PASS, LocalForms

    origin = "https://www.example.com"
    front = LocalForms(moto_endpoint, origins=[origin], turnstile_secret=TEST_SECRET_PASS).start()
    try:
        first = {"email": "ann@example.org", "consent": True, "cf-turnstile-response": DUMMY_TOKEN}
        assert _post_json(front.url, origin, first)[0] == 202
        assert _post_json(front.url, origin, first)[0] == 202, "a retry of the same post passes"
        status, body = _post_json(front.url, origin, {**first, "email": "bob@example.org"})
        assert (status, body["error"]) == (403, "turnstile_failed"), (
            "a spent token must not vouch for a second sign-up"
        )
        status, _ = _post_json(front.url, origin, {**first, "name": "Mallory"})
        assert status == 403, "nor for the same address with other content"
    finally:
        front.stop()


def test_a_rejection_never_names_the_honeypot_to_a_script(infra: Infra, moto_endpoint: str) -> None:
    body = json.dumps({"email": "a@example.org", "consent": True, "website": "http://spam"})
    answer = _ingest(infra, moto_endpoint)(http_event(body), None)
    assert answer["statusCode"] == 400, answer
    assert "website" not in answer["body"] and "field" not in json.loads(answer["body"]), answer


@pytest.mark.parametrize("pasted", [" ann@example.org", "ann@example.org ", "ann@example.org\n",
                                    "\tann@example.org\r\n", "ann@exam\nple.org"])  # fmt: skip
def test_an_address_is_sanitised_as_a_browsers_email_input_does(
    infra: Infra, moto_endpoint: str, pasted: str
) -> None:
    """HTML's value sanitization for type=email strips newlines anywhere and ASCII whitespace at
    the ends; what a browser would have posted for the pasted text is what is stored."""
    sqs = client("sqs", moto_endpoint)
    _receive_all(sqs, infra.queue_url)
    body = json.dumps({"email": pasted, "consent": True})
    answer = _ingest(infra, moto_endpoint)(http_event(body), None)
    assert answer["statusCode"] == 202, (pasted, answer)
    [message] = [json.loads(m["Body"]) for m in _receive_all(sqs, infra.queue_url)]
    assert message["email"] == "ann@example.org"


def test_whitespace_inside_an_address_is_still_refused(infra: Infra, moto_endpoint: str) -> None:
    body = json.dumps({"email": "ann@exam\tple.org", "consent": True})
    answer = _ingest(infra, moto_endpoint)(http_event(body), None)
    assert answer["statusCode"] == 422 and "invalid_email" in answer["body"], answer


def test_a_rotated_edge_secret_is_picked_up_by_a_warm_container(
    infra: Infra, moto_endpoint: str
) -> None:
    """The secret rotates in Secrets Manager (moto) while the container is warm: the edge's new
    value is admitted once the container re-reads it (on a mismatch, at most once per
    EDGE_SECRET_REFRESH_SECONDS), the old one is refused after that, and a flood of wrong values
    does not turn into a Secrets Manager call each."""
    from functions.forms.ingest import EDGE_SECRET_REFRESH_SECONDS

    secrets = client("secretsmanager", moto_endpoint)
    arn = secrets.create_secret(Name="edge-rotation-test", SecretString="old-value")["ARN"]
    reads: list[str] = []

    def edge_secret() -> str:
        value = str(secrets.get_secret_value(SecretId=arn)["SecretString"])
        reads.append(value)
        return value

    now = [1000.0]
    ingest = _ingest(infra, moto_endpoint, edge_secret=edge_secret, clock=lambda: now[0])

    def post(value: str) -> int:
        body = json.dumps({"email": "rotate@example.org", "consent": True})
        return int(ingest(http_event(body, headers={"x-origin-verify": value}), None)["statusCode"])

    assert post("old-value") == 202
    secrets.put_secret_value(SecretId=arn, SecretString="new-value")  # the rotation
    for _ in range(50):
        assert post("guess") == 403
    assert reads == ["old-value"], "mismatches inside the interval read nothing"
    now[0] += EDGE_SECRET_REFRESH_SECONDS
    assert post("new-value") == 202, "the edge's new value is admitted after the re-read"
    assert reads == ["old-value", "new-value"]
    now[0] += EDGE_SECRET_REFRESH_SECONDS
    assert post("old-value") == 403, "the old value is not accepted after the rotation"
