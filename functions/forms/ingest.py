"""Ingest function: API Gateway v2 HTTP API event -> validated, normalised message on SQS -> 202.

Every way a page posts is read (`validation.read_fields`): JSON from a script, urlencoded from a
plain `<form method="post">`, multipart from `FormData`, base64-encoded or not. Who asked decides
the answer's form: a browser navigating (a form post without JavaScript: `Sec-Fetch-Mode:
navigate`, or an `Accept` that wants HTML and not JSON) is sent `303 See Other` to the stack's
thank-you page, or to its error page with the problem in the query string; a script gets JSON.

Routing and error mapping use Powertools' APIGatewayHttpResolver. Nothing here touches the table
or the list: the flood is absorbed by the queue, and the answer is given as soon as SQS has the
message. Bad input is always a 4xx naming the problem; a dependency failure (SQS, siteverify) is a
503 so that clients retry, never a 500. A failed enqueue is retried within the invocation's time
budget first: after Turnstile said yes, a 503 costs the visitor a retry.

The request is read from this module's own context variable, not from the resolver's
`current_event`: Powertools keeps that on the router *class* (shared by every resolver in the
process). Lambda runs one request per process at a time, so that is safe there; anything that runs
the handler concurrently in one process (the load test's 32 clients) had requests read each
other's bodies: a submission answered 202 while another's was enqueued twice (found by the load
test losing 1 of 1,680 addresses; reproduced with 3,000 posts from 32 threads: 5-11 lost).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
import urllib.parse
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from .config import IngestConfig
from .turnstile import Verifier, VerifierUnavailable
from .validation import (
    JSON,
    Rejection,
    Submission,
    media_type,
    parse_submission,
    queued_message,
    read_fields,
)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class _Request:
    event: dict[str, Any]
    headers: dict[str, str]
    """The event's headers, names lower-cased (once per request)."""
    context: Any


_REQUEST: ContextVar[_Request] = ContextVar("spikeproof_ingest_request")
"""The request being handled, per thread / task (see the module docstring)."""
RESERVE_MS = 500
"""Kept back from the invocation's remaining time for answering."""


class EnqueueFailed(Exception):
    """SQS refused or could not be reached for the whole retry budget."""


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=json.dumps(body))


def _raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise Rejection(400, "invalid_body", "body is not text")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise Rejection(400, "invalid_body", "body is not valid base64") from None
    # A lone surrogate in the event's text (never valid UTF-8) fails the decoding step after.
    return body.encode("utf-8", "surrogatepass")


def wants_html(headers: dict[str, str]) -> bool:
    """A browser navigating (a plain form post), as opposed to fetch/XHR or a script."""
    if (headers.get("sec-fetch-mode") or "").lower() == "navigate":
        return True
    accept = (headers.get("accept") or "").lower()
    return "text/html" in accept and JSON not in accept


EDGE_SECRET_REFRESH_SECONDS = 5.0
"""A container re-reads the edge secret at most this often, on a mismatch only."""

MAX_QUERY_VALUE = 300
"""Characters of each value the error page's query string carries (a Location stays short)."""


def _redirect(url: str, query: dict[str, str] | None = None) -> Response[str]:
    short = {k: v[:MAX_QUERY_VALUE] for k, v in (query or {}).items()}
    location = url + ("?" + urllib.parse.urlencode(short) if short else "")
    return Response(
        status_code=303,
        content_type="text/plain; charset=utf-8",
        body=f"See {location}\n",
        headers={"Location": location, "Cache-Control": "no-store"},
    )


def make_handler(
    config: IngestConfig,
    sqs: Any,
    *,
    verifier: Verifier | None = None,
    logger: Logger | None = None,
    contact_path: str = "/contact",
    sleep: Sleep = time.sleep,
    attempt_seconds: float = 0.0,
    edge_secret: Callable[[], str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Handler:
    """The Lambda handler bound to its config, SQS client and (optional) Turnstile verifier.

    `attempt_seconds`: the longest one `send_message` can take (see `enqueue`). `edge_secret`:
    the value the edge's transform rule sets in `config.edge_header` on the form host; given,
    a request without it did not come through the edge (it reached API Gateway's regional
    endpoint directly, past the edge's rate limit) and is refused, and the visitor's address is
    the edge's `CF-Connecting-IP`. Fetched on first use, and again when a request carries another
    value, at most once per EDGE_SECRET_REFRESH_SECONDS: after a rotation the edge sends the new
    value while a warm container still holds the old one, and without the refresh it refused
    every sign-up until the container was recycled. The limit keeps requests that did not come
    through the edge from turning into Secrets Manager calls."""
    cached: list[tuple[str, float]] = []  # (the value, when it was fetched)

    def matches(given: str, value: str) -> bool:
        return hmac.compare_digest(given.encode(), value.encode())

    def through_edge(headers: dict[str, str]) -> bool:
        if edge_secret is None:
            return True
        given = headers.get(config.edge_header.lower(), "")
        if not cached:
            cached.append((edge_secret(), clock()))
        value, fetched_at = cached[0]
        if matches(given, value):
            return True
        if clock() - fetched_at < EDGE_SECRET_REFRESH_SECONDS:
            return False
        cached[0] = (edge_secret(), clock())
        return matches(given, cached[0][0])

    log = logger or Logger(service="forms-ingest")
    app = APIGatewayHttpResolver()

    def enqueue(body: str, context: Any) -> None:
        # Every attempt must be able to finish before the invocation's deadline: a timed-out
        # Lambda is API Gateway's own 5xx, never the error page. `attempt_seconds` is the most one
        # call can take (the client's connect + read timeouts, with no retries of its own).
        started = time.monotonic()
        budget_ms = config.enqueue_budget_ms
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if callable(remaining):
            budget_ms = min(budget_ms, int(remaining()) - RESERVE_MS)
        deadline = started + budget_ms / 1000
        delay, attempt = 0.05, 0
        while True:
            attempt += 1
            try:
                sqs.send_message(QueueUrl=config.queue_url, MessageBody=body)
                return
            except Exception as error:  # botocore's ClientError and connection errors alike
                if time.monotonic() + delay + attempt_seconds > deadline:
                    raise EnqueueFailed(f"{attempt} attempts: {type(error).__name__}") from error
                log.warning(
                    "enqueue retry", extra={"attempt": attempt, "type": type(error).__name__}
                )
                sleep(delay)
                delay = min(delay * 2, 0.8)

    def accepted(request_id: str) -> Response[str]:
        if config.thank_you_url and wants_html(_REQUEST.get().headers):
            return _redirect(config.thank_you_url)
        return _json(202, {"status": "accepted", "requestId": request_id})

    def refused(status: int, body: dict[str, Any]) -> Response[str]:
        if config.error_url and wants_html(_REQUEST.get().headers):
            query = {k: str(v) for k, v in body.items()}
            return _redirect(config.error_url, query)
        return _json(status, body)

    def admit(require_message: bool, kind: str) -> Response[str]:
        request = _REQUEST.get()
        raw_event, headers = request.event, request.headers
        event = APIGatewayProxyEventV2(raw_event)
        if not through_edge(headers):
            raise Rejection(
                403, "not_through_edge", "post to the form's own hostname, through the edge"
            )
        origin = (headers.get("origin") or "").rstrip("/")
        if origin not in config.allowed_origins:
            raise Rejection(
                403, "origin_not_allowed", f"origin {origin or '(none)'!r} may not post"
            )
        content_type = headers.get("content-type")
        fields = read_fields(
            _raw_body(raw_event), content_type, max_body_bytes=config.max_body_bytes
        )
        submission: Submission = parse_submission(
            fields,
            honeypot_field=config.honeypot_field,
            require_message=require_message,
            from_form=media_type(content_type) != JSON,
        )
        if verifier is not None:
            if not submission.turnstile_token:
                raise Rejection(
                    400,
                    "turnstile_required",
                    "the Turnstile check is missing: wait for it to finish, then send again",
                    "cf-turnstile-response",
                )
            source_ip = event.request_context.http.source_ip
            if edge_secret is not None:  # behind the edge, the socket's address is Cloudflare's
                source_ip = headers.get("cf-connecting-ip") or source_ip
            if not verifier(submission.turnstile_token, source_ip, submission.fingerprint(kind)):
                raise Rejection(
                    403,
                    "turnstile_failed",
                    "the Turnstile check failed or expired: reload the page and send again",
                    "cf-turnstile-response",
                )
        request_id = event.request_context.request_id or str(uuid.uuid4())
        message = queued_message(
            submission, kind=kind, request_id=request_id, submitted_at=int(time.time() * 1000)
        )
        enqueue(json.dumps(message), request.context)
        return accepted(request_id)

    @app.post("/subscribe")
    def subscribe() -> Response[str]:
        return admit(False, "subscribe")

    @app.post(contact_path)
    def contact() -> Response[str]:
        return admit(True, "contact")

    @app.exception_handler(Rejection)
    def rejected(error: Rejection) -> Response[str]:
        log.info("rejected", extra={"code": error.code, "status": error.status})
        return refused(error.status, error.body())

    @app.exception_handler(VerifierUnavailable)
    def verifier_down(error: VerifierUnavailable) -> Response[str]:
        log.warning("turnstile unavailable", extra={"error": str(error)})
        return refused(503, {"error": "unavailable", "message": "try again shortly"})

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return _json(404, {"error": "not_found", "message": "no such route; POST /subscribe"})

    @app.exception_handler(Exception)
    def failed(error: Exception) -> Response[str]:
        # Only dependency failures reach here (input problems are Rejections): the client may
        # retry, and the error is logged with its type for the alarm's investigation.
        log.exception("ingest failed", extra={"type": type(error).__name__})
        return refused(503, {"error": "unavailable", "message": "try again shortly"})

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        token = _REQUEST.set(_Request(event, headers, context))
        try:
            return app.resolve(event, context)
        finally:
            _REQUEST.reset(token)

    return handler
