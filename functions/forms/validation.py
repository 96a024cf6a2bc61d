"""Body validation and email normalisation for the ingest function, standard library only.

Deliberately not Powertools' parser: it pulls in pydantic, which roughly doubles the function's
import cost against boto3's (measured by `python -m tools.bench_forms`), for five fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Pragmatic address syntax: dot-atom local part, LDH labels, a TLD of letters or punycode.
_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_TLD_RE = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
MAX_EMAIL_CHARS = 254
MAX_LOCAL_CHARS = 64
MAX_NAME_CHARS = 100
MAX_SOURCE_CHARS = 64
MAX_MESSAGE_CHARS = 2000


class Rejection(Exception):
    """A submission refused with a 4xx; `code` is stable for clients, `message` for humans."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@dataclass(frozen=True, kw_only=True)
class Submission:
    email: str
    consent: bool
    name: str | None
    source: str | None
    message: str | None
    turnstile_token: str | None


def normalise_email(raw: Any) -> str:
    """Lower-cased, trimmed, IDNA-encoded address, or a Rejection naming what is wrong."""
    if raw is None:
        raise Rejection(422, "missing_email", "email is required", "email")
    if not isinstance(raw, str):
        raise Rejection(422, "invalid_email", "email must be a string", "email")
    email = raw.strip()
    if not email:
        raise Rejection(422, "missing_email", "email is required", "email")
    if len(email) > MAX_EMAIL_CHARS:
        raise Rejection(
            422, "invalid_email", f"email is longer than {MAX_EMAIL_CHARS} characters", "email"
        )
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        raise Rejection(422, "invalid_email", "email must look like name@example.com", "email")
    if len(local) > MAX_LOCAL_CHARS:
        raise Rejection(
            422,
            "invalid_email",
            f"email's local part exceeds {MAX_LOCAL_CHARS} characters",
            "email",
        )
    if not _LOCAL_RE.match(local):
        raise Rejection(422, "invalid_email", "email's local part has invalid characters", "email")
    try:
        domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise Rejection(
            422, "invalid_email", "email's domain is not a valid name", "email"
        ) from None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        raise Rejection(422, "invalid_email", "email's domain is not a valid name", "email")
    if not _TLD_RE.match(labels[-1]):
        raise Rejection(
            422, "invalid_email", "email's domain has no valid top-level domain", "email"
        )
    # Local parts are case-sensitive in theory and case-insensitive at every provider that matters;
    # keying on the lower-cased address is what makes "repeat sign-up updates" hold in practice.
    normalised = f"{local.lower()}@{domain}"
    if len(normalised) > MAX_EMAIL_CHARS:
        raise Rejection(422, "invalid_email", "email is too long once normalised", "email")
    return normalised


def _optional_text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejection(422, f"invalid_{key}", f"{key} must be a string", key)
    value = value.strip()
    if len(value) > limit:
        raise Rejection(422, f"invalid_{key}", f"{key} is longer than {limit} characters", key)
    return value or None


def parse_submission(
    raw: bytes,
    *,
    max_body_bytes: int,
    honeypot_field: str,
    require_message: bool = False,
) -> Submission:
    """Check a raw body in order of cheapness; the first problem found is the one reported."""
    if len(raw) > max_body_bytes:
        raise Rejection(
            413, "body_too_large", f"body is {len(raw)} bytes; the limit is {max_body_bytes}"
        )
    if not raw.strip():
        raise Rejection(400, "empty_body", "body is empty; send a JSON object")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Rejection(400, "invalid_json", "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Rejection(400, "invalid_json", "body must be a JSON object")
    # Unknown fields are ignored, not refused: the marketing site may add fields before we do.
    trap = data.get(honeypot_field)
    if trap not in (None, ""):
        raise Rejection(400, "rejected", "submission rejected", honeypot_field)
    email = normalise_email(data.get("email"))
    consent = data.get("consent")
    if consent is not True:
        raise Rejection(422, "consent_required", "consent must be true (a JSON boolean)", "consent")
    message = _optional_text(data, "message", MAX_MESSAGE_CHARS)
    if require_message and not message:
        raise Rejection(422, "missing_message", "message is required", "message")
    token = data.get("turnstileToken")
    if token is not None and (not isinstance(token, str) or len(token) > 2048):
        raise Rejection(
            422, "invalid_turnstile_token", "turnstileToken must be a string", "turnstileToken"
        )
    return Submission(
        email=email,
        consent=True,
        name=_optional_text(data, "name", MAX_NAME_CHARS),
        source=_optional_text(data, "source", MAX_SOURCE_CHARS),
        message=message,
        turnstile_token=token or None,
    )
