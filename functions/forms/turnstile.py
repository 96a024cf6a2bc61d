"""Server-side Cloudflare Turnstile verification (siteverify), injectable for tests.

A token can be redeemed once. The ingest may have to answer 503 after siteverify said yes (the
queue failed), and the page then retries with the same token: siteverify's `idempotency_key`
("If this is provided, duplicate verification requests with the same key and response will return
the same result", Cloudflare's Turnstile server-side validation docs) makes the retry pass. The
key is a UUID v5 of the token *and of the submission it vouches for* (`Submission.fingerprint`):
a retry of the same submission carries the same key without the page or the ingest remembering
anything, while the same solved token sent with another address or message carries a new key, so
siteverify answers it as the spent token it is (`timeout-or-duplicate`). A key of the token alone
replayed one solved challenge for any number of sign-ups.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Protocol

IDEMPOTENCY_NAMESPACE = uuid.UUID("6f0e1d8c-3b1a-5c47-9e2d-7a4b5c6d7e8f")
RETRYABLE_ERRORS = frozenset({"internal-error"})
"""siteverify error codes that say "try again", not "this token is bad"."""


class VerifierUnavailable(Exception):
    """siteverify could not be reached; the submission is answered 503, never lost as a 4xx."""


class Verifier(Protocol):
    def __call__(self, token: str, remote_ip: str | None, submission: str) -> bool:
        """`submission`: the fingerprint of what the token is sent with."""
        ...


def idempotency_key(token: str, submission: str) -> str:
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{token}\n{submission}"))


class TurnstileVerifier:
    """POSTs the token to siteverify with the secret key, fetched once (lazily) and cached."""

    def __init__(self, secret: Callable[[], str], url: str, timeout_seconds: float = 3.0) -> None:
        self._secret = secret
        self._cached: str | None = None
        self._url = url
        self._timeout = timeout_seconds

    def __call__(self, token: str, remote_ip: str | None, submission: str) -> bool:
        if self._cached is None:
            self._cached = self._secret()
        form = {
            "secret": self._cached,
            "response": token,
            "idempotency_key": idempotency_key(token, submission),
        }
        if remote_ip:
            form["remoteip"] = remote_ip
        request = urllib.request.Request(
            self._url, data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                answer = json.load(response)
        except (OSError, ValueError) as error:
            raise VerifierUnavailable(str(error)) from error
        if not isinstance(answer, dict):
            raise VerifierUnavailable("siteverify answered something other than a JSON object")
        if answer.get("success") is True:
            return True
        if RETRYABLE_ERRORS & set(answer.get("error-codes") or []):
            raise VerifierUnavailable(f"siteverify: {answer.get('error-codes')}")
        return False
