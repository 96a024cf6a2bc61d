"""Ingest function: API Gateway v2 HTTP API event -> validated, normalised message on SQS -> 202.

Routing and error mapping use Powertools' APIGatewayHttpResolver; validation is `validation.py`.
Nothing here touches the table or the list: the flood is absorbed by the queue, and the answer is
given as soon as SQS has the message. Bad input is always a 4xx JSON body naming the problem; a
dependency failure (SQS, siteverify) is a 503 so that clients retry, never a 500.

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
import json
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from .config import IngestConfig
from .turnstile import Verifier, VerifierUnavailable
from .validation import Rejection, Submission, parse_submission

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
JSON = "application/json"
_REQUEST: ContextVar[dict[str, Any]] = ContextVar("spikeproof_ingest_request")
"""The event being handled, per thread / task (see the module docstring)."""


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=json.dumps(body))


def _raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise Rejection(400, "invalid_body", "body is not valid base64") from None
    return body.encode("utf-8", "surrogatepass")


def make_handler(
    config: IngestConfig,
    sqs: Any,
    *,
    verifier: Verifier | None = None,
    logger: Logger | None = None,
    contact_path: str = "/contact",
) -> Handler:
    """The Lambda handler bound to its config, SQS client and (optional) Turnstile verifier."""
    log = logger or Logger(service="forms-ingest")
    app = APIGatewayHttpResolver()

    def admit(require_message: bool, kind: str) -> Response[str]:
        event = APIGatewayProxyEventV2(_REQUEST.get())
        headers = event.headers or {}
        origin = (headers.get("origin") or "").rstrip("/")
        if origin not in config.allowed_origins:
            raise Rejection(
                403, "origin_not_allowed", f"origin {origin or '(none)'!r} may not post"
            )
        content_type = (headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        if content_type != JSON:
            raise Rejection(
                415,
                "unsupported_media_type",
                f"content-type must be {JSON}, got {content_type or '(none)'!r}",
            )
        submission: Submission = parse_submission(
            _raw_body(event.raw_event),
            max_body_bytes=config.max_body_bytes,
            honeypot_field=config.honeypot_field,
            require_message=require_message,
        )
        if verifier is not None:
            if not submission.turnstile_token:
                raise Rejection(
                    400, "turnstile_required", "turnstileToken is required", "turnstileToken"
                )
            source_ip = event.request_context.http.source_ip
            if not verifier(submission.turnstile_token, source_ip):
                raise Rejection(
                    403, "turnstile_failed", "turnstile verification failed", "turnstileToken"
                )
        request_id = event.request_context.request_id or str(uuid.uuid4())
        message = {
            "v": 1,
            "kind": kind,
            "email": submission.email,
            "consent": submission.consent,
            "name": submission.name,
            "source": submission.source,
            "message": submission.message,
            "requestId": request_id,
            "submittedAt": int(time.time() * 1000),
        }
        sqs.send_message(QueueUrl=config.queue_url, MessageBody=json.dumps(message))
        return _json(202, {"status": "accepted", "requestId": request_id})

    @app.post("/subscribe")
    def subscribe() -> Response[str]:
        return admit(False, "subscribe")

    @app.post(contact_path)
    def contact() -> Response[str]:
        return admit(True, "contact")

    @app.exception_handler(Rejection)
    def rejected(error: Rejection) -> Response[str]:
        log.info("rejected", extra={"code": error.code, "status": error.status})
        return _json(error.status, error.body())

    @app.exception_handler(VerifierUnavailable)
    def verifier_down(error: VerifierUnavailable) -> Response[str]:
        log.warning("turnstile unavailable", extra={"error": str(error)})
        return _json(503, {"error": "unavailable", "message": "try again shortly"})

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return _json(404, {"error": "not_found", "message": "no such route; POST /subscribe"})

    @app.exception_handler(Exception)
    def failed(error: Exception) -> Response[str]:
        # Only dependency failures reach here (input problems are Rejections): the client may
        # retry, and the error is logged with its type for the alarm's investigation.
        log.exception("ingest failed", extra={"type": type(error).__name__})
        return _json(503, {"error": "unavailable", "message": "try again shortly"})

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        token = _REQUEST.set(event)
        try:
            return app.resolve(event, context)
        finally:
            _REQUEST.reset(token)

    return handler
