"""Server-side Cloudflare Turnstile verification (siteverify), injectable for tests."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Protocol


class VerifierUnavailable(Exception):
    """siteverify could not be reached; the submission is answered 503, never lost as a 4xx."""


class Verifier(Protocol):
    def __call__(self, token: str, remote_ip: str | None) -> bool: ...


class TurnstileVerifier:
    """POSTs the token to siteverify with the secret key, fetched once (lazily) and cached."""

    def __init__(self, secret: Callable[[], str], url: str, timeout_seconds: float = 3.0) -> None:
        self._secret = secret
        self._cached: str | None = None
        self._url = url
        self._timeout = timeout_seconds

    def __call__(self, token: str, remote_ip: str | None) -> bool:
        if self._cached is None:
            self._cached = self._secret()
        form = {"secret": self._cached, "response": token}
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
        return answer.get("success") is True
