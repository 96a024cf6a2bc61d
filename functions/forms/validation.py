"""What a page may post, read the way the page posts it, and the message the ingest enqueues.

A body is JSON (fetch/XHR), `application/x-www-form-urlencoded` (a plain `<form method="post">`)
or `multipart/form-data` (`fetch(url, {body: new FormData(form)})`): `read_fields` turns each into
one mapping of field to value, and `parse_submission` checks it. Addresses are checked and
normalised by `email-validator` (RFC 5321/5322 syntax, IDNA 2008 with UTS #46 mapping for the
domain: `faß.de` stays `xn--fa-hia.de`, never IDNA 2003's `fass.de`). Text fields refuse what a
person cannot have typed (unpaired surrogates, control characters) with a 4xx naming the field.

`check_message` is the worker's side of the same contract: a queued message is accepted only if
the ingest could have produced it, checked with the same functions.

Deliberately not Powertools' parser (pydantic): it roughly doubles the ingest's import cost
against boto3's (`python -m tools.bench_forms`) for a handful of fields.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from email_validator import EmailNotValidError, validate_email

MESSAGE_VERSION = 2
"""Version of the queued message's schema (`v`). 2: the fields checked as this module checks them
(email-validator, clean text). 1: what the ingest wrote before; still accepted on structure alone,
so sign-ups queued across the deploy that changed the checks are not dead-lettered."""
MAX_EMAIL_CHARS = 254
MAX_NAME_CHARS = 200
MAX_MESSAGE_CHARS = 5000
MAX_SOURCE_CHARS = 2048
"""A landing URL with its UTM parameters; longer is cut here, never refused (the visitor did not
choose it and could not shorten it)."""
MAX_TOKEN_CHARS = 2048
"""Turnstile tokens are at most 2048 characters (Cloudflare's server-side validation docs)."""
MAX_FIELDS = 50
TOKEN_FIELDS = ("cf-turnstile-response", "turnstileToken")
"""Where the token arrives: the widget's own hidden input (`cf-turnstile-response`, what a plain
form post carries), or the JSON property a script sets."""
CONSENT_VALUES = frozenset({"on", "true", "yes", "1"})
"""A checked checkbox posts its `value` (`on` when the page sets none)."""
JSON = "application/json"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
ACCEPTED_TYPES = (JSON, URLENCODED, MULTIPART)
KINDS = ("subscribe", "contact")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates (Unicode TR 9); marks (LRM, RLM, ALM) stay allowed."""


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

    def fingerprint(self, kind: str) -> str:
        """What the submission says, without its token: equal for a retry of the same post, and
        different for any other address, consent, name, source, message or form."""
        fields = [kind, self.email, self.consent, self.name, self.source, self.message]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=True).encode()).hexdigest()


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def read_fields(raw: bytes, content_type: str | None, *, max_body_bytes: int) -> dict[str, Any]:
    """The posted fields, whatever the encoding; a Rejection (4xx) for anything unreadable."""
    kind = media_type(content_type)
    if kind not in ACCEPTED_TYPES:
        raise Rejection(
            415,
            "unsupported_media_type",
            f"content-type {kind or '(none)'!r} is not accepted; send {', '.join(ACCEPTED_TYPES)}",
        )
    if len(raw) > max_body_bytes:
        raise Rejection(
            413, "body_too_large", f"body is {len(raw)} bytes; the limit is {max_body_bytes}"
        )
    if not raw.strip():
        raise Rejection(400, "empty_body", "body is empty; send the form's fields")
    if kind == JSON:
        return _json_fields(raw)
    if kind == URLENCODED:
        return _urlencoded_fields(raw)
    return _multipart_fields(raw, content_type or "")


def _json_fields(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except RecursionError:
        raise Rejection(400, "invalid_json", "body is nested too deeply to be a form") from None
    except (ValueError, UnicodeDecodeError):
        raise Rejection(400, "invalid_json", "body is not valid JSON (UTF-8)") from None
    if not isinstance(data, dict):
        raise Rejection(400, "invalid_json", "body must be a JSON object")
    return data


def _urlencoded_fields(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("ascii")  # percent-encoded by definition (WHATWG URL standard)
        pairs = urllib.parse.parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeError:
        raise Rejection(400, "invalid_body", "form body is not percent-encoded UTF-8") from None
    except ValueError:
        raise Rejection(400, "invalid_body", f"form has more than {MAX_FIELDS} fields") from None
    # A repeated name keeps its last value, as PHP and Rails do: the hidden-input-then-checkbox
    # pattern (`consent=off&consent=on`) means "checked".
    return dict(pairs)


def _multipart_fields(raw: bytes, content_type: str) -> dict[str, Any]:
    if "boundary=" not in content_type.lower():
        raise Rejection(400, "invalid_body", "multipart body has no boundary in its content-type")
    # Counted before parsing: the parser's cost grows with the parts (and RFC 2231 continuations).
    if raw.count(b"\n--") + raw.startswith(b"--") > MAX_FIELDS + 1:
        raise Rejection(400, "invalid_body", f"form has more than {MAX_FIELDS} fields")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    if not message.is_multipart() or message.defects:
        raise Rejection(400, "invalid_body", "multipart body is malformed")
    fields: dict[str, Any] = {}
    for count, part in enumerate(message.iter_parts(), start=1):
        if count > MAX_FIELDS:
            raise Rejection(400, "invalid_body", f"form has more than {MAX_FIELDS} fields")
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or len(name) > 100:
            raise Rejection(400, "invalid_body", "a multipart part has no usable field name")
        if part.get_filename() is not None:
            raise Rejection(400, "invalid_body", f"field {name!r} is a file; no file is accepted")
        payload = part.get_payload(decode=True)
        try:
            fields[name] = (payload if isinstance(payload, bytes) else b"").decode("utf-8")
        except UnicodeDecodeError:
            raise Rejection(400, "invalid_body", f"field {name!r} is not UTF-8", name) from None
    return fields


def clean_text(value: Any, field: str, limit: int, *, multiline: bool = False) -> str | None:
    """Trimmed, NFC-normalised text, or None when empty. Refused (422, naming the field): a
    non-string, more than `limit` characters, an unpaired surrogate (what `"\\ud800"` decodes to
    in JSON), a control character (tab, CR and LF allowed where `multiline`), a noncharacter."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Rejection(422, f"invalid_{field}", f"{field} must be text", field)
    for i, ch in enumerate(value):
        category = unicodedata.category(ch)
        allowed_ws = multiline and ch in "\t\r\n"
        if category == "Cs":
            what = "an unpaired surrogate"
        elif category == "Cc" and not allowed_ws:
            what = "a control character"
        elif category in ("Zl", "Zp") and not multiline:
            what = "a line or paragraph separator"
        elif ch in BIDI_CONTROLS:
            what = "a bidirectional control (it can disguise the text around it)"
        elif 0xFDD0 <= ord(ch) <= 0xFDEF or (ord(ch) & 0xFFFE) == 0xFFFE:
            what = "a Unicode noncharacter"
        else:
            continue
        raise Rejection(
            422,
            f"invalid_{field}",
            f"{field} contains {what} (U+{ord(ch):04X}) at position {i + 1}",
            field,
        )
    text = unicodedata.normalize("NFC", value.strip())
    if len(text) > limit:
        raise Rejection(
            422, f"invalid_{field}", f"{field} is longer than {limit} characters", field
        )
    return text or None


HTML_ASCII_WHITESPACE = "\t\n\f\r "
"""The HTML standard's "ASCII whitespace" (U+0009, U+000A, U+000C, U+000D, U+0020)."""


def sanitise_email_value(value: Any) -> Any:
    """What a browser's `<input type=email>` does to its value before any page reads it (HTML
    standard, the email state's value sanitization algorithm: "Strip newlines from the value, then
    strip leading and trailing ASCII whitespace from the value"). An address pasted with a trailing
    space or newline, or typed on a keyboard that adds one, is then the address; a tab or newline
    inside it is still refused by `clean_text`."""
    if not isinstance(value, str):
        return value
    return value.replace("\r", "").replace("\n", "").strip(HTML_ASCII_WHITESPACE)


def normalise_email(raw: Any) -> str:
    """The address as the list keys it: local part lower-cased, domain in IDNA 2008 A-labels."""
    text = clean_text(sanitise_email_value(raw), "email", MAX_EMAIL_CHARS)
    if text is None:
        raise Rejection(422, "missing_email", "email is required", "email")
    try:
        checked = validate_email(
            text,
            check_deliverability=False,  # no DNS in the request path; the list provider bounces
            allow_smtputf8=False,  # neither SES nor Mailchimp accepts non-ASCII local parts
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            strict=True,  # RFC 5321's length limits (64 before the @) as errors
        )
    except EmailNotValidError as error:
        raise Rejection(422, "invalid_email", f"email is not valid: {error}", "email") from None
    # Local parts are case-sensitive in theory and case-insensitive at every provider that matters;
    # keying on the lower-cased address is what makes "repeat sign-up updates" hold in practice.
    return f"{checked.local_part.lower()}@{checked.ascii_domain}"


def _consent(value: Any, *, from_form: bool) -> bool:
    if value is True:
        return True
    if from_form and isinstance(value, str) and value.strip().lower() in CONSENT_VALUES:
        return True
    raise Rejection(
        422,
        "consent_required",
        "consent is required: tick the box" if from_form else "consent must be true (a boolean)",
        "consent",
    )


def _token(data: Mapping[str, Any]) -> str | None:
    for key in TOKEN_FIELDS:
        value = data.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) > MAX_TOKEN_CHARS or not value.isascii():
            raise Rejection(422, "invalid_turnstile_token", f"{key} is not a Turnstile token", key)
        return value
    return None


def parse_submission(
    data: Mapping[str, Any],
    *,
    honeypot_field: str,
    require_message: bool = False,
    from_form: bool = False,
) -> Submission:
    """Check the fields in order of cheapness; the first problem found is the one reported.
    Unknown fields are ignored, not refused: the page may add fields before we do."""
    trap = data.get(honeypot_field)
    if trap not in (None, ""):
        # Never names the field: a bot told which field tripped it learns which one to leave empty.
        raise Rejection(400, "rejected", "submission rejected")
    email = normalise_email(data.get("email"))
    consent = _consent(data.get("consent"), from_form=from_form)
    message = clean_text(data.get("message"), "message", MAX_MESSAGE_CHARS, multiline=True)
    if require_message and not message:
        raise Rejection(422, "missing_message", "message is required", "message")
    source = data.get("source")
    if isinstance(source, str):
        # Cut, never refused (see MAX_SOURCE_CHARS): normalised first, since NFC may lengthen it.
        cleaned = clean_text(source[: MAX_SOURCE_CHARS * 2], "source", MAX_SOURCE_CHARS * 8)
        source = (cleaned or "")[:MAX_SOURCE_CHARS].strip() or None
    else:
        source = clean_text(source, "source", MAX_SOURCE_CHARS)
    return Submission(
        email=email,
        consent=consent,
        name=clean_text(data.get("name"), "name", MAX_NAME_CHARS),
        source=source,
        message=message,
        turnstile_token=_token(data),
    )


MESSAGE_FIELDS = frozenset(
    {"v", "kind", "email", "consent", "name", "source", "message", "requestId", "submittedAt"}
)
"""The queued message's fields (schema 1 and 2 alike): `queued_message` writes exactly these."""


def queued_message(
    submission: Submission, *, kind: str, request_id: str, submitted_at: int
) -> dict[str, Any]:
    """The message the ingest enqueues for `submission` (schema `MESSAGE_VERSION`)."""
    return {
        "v": MESSAGE_VERSION,
        "kind": kind,
        "email": submission.email,
        "consent": submission.consent,
        "name": submission.name,
        "source": submission.source,
        "message": submission.message,
        "requestId": request_id,
        "submittedAt": submitted_at,
    }


def check_message(message: Any) -> dict[str, Any]:
    """A queued message as the ingest produces it (schema `v` 2, or 1 on structure), or
    ValueError saying why not.
    Every field is re-checked with the ingest's own functions: a value that passes here is one
    the ingest could have enqueued."""
    if not isinstance(message, dict):
        raise ValueError("the message is not a JSON object")
    version = message.get("v")
    if type(version) is not int or version not in (1, MESSAGE_VERSION):
        raise ValueError(f"schema version {version!r} is not 1 or {MESSAGE_VERSION}")
    if set(message) != MESSAGE_FIELDS:
        extra, missing = set(message) - MESSAGE_FIELDS, MESSAGE_FIELDS - set(message)
        raise ValueError(
            f"fields differ from schema {version}: extra {sorted(extra)}, missing {sorted(missing)}"
        )
    for key in ("email", "requestId"):
        if not isinstance(message[key], str) or not message[key]:
            raise ValueError(f"{key} is not a non-empty string")
    for key in ("name", "source", "message"):
        if message[key] is not None and not isinstance(message[key], str):
            raise ValueError(f"{key} is not a string or null")
    if message["kind"] not in KINDS:
        raise ValueError(f"kind {message['kind']!r} is not one of {', '.join(KINDS)}")
    if message["consent"] is not True:
        raise ValueError("consent is not true")
    at = message["submittedAt"]
    if type(at) is not int or at <= 0:
        raise ValueError("submittedAt is not a positive integer (ms since the epoch)")
    if message["kind"] == "contact" and not message["message"]:
        raise ValueError("a contact message has no message")
    if version == 1:
        return message  # written by the earlier ingest, checked then with its own rules
    try:
        if normalise_email(message["email"]) != message["email"]:
            raise ValueError(f"email {message['email']!r} is not in its normalised form")
        for key, limit, multiline in (
            ("name", MAX_NAME_CHARS, False),
            ("source", MAX_SOURCE_CHARS, False),
            ("message", MAX_MESSAGE_CHARS, True),
        ):
            value = message[key]
            if value is not None and clean_text(value, key, limit, multiline=multiline) != value:
                raise ValueError(f"{key} is not in the form the ingest stores")
    except Rejection as rejection:
        raise ValueError(rejection.message) from None
    return message
