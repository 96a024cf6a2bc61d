"""Environment configuration of both functions, parsed once at import into frozen objects.

A missing or malformed variable raises `ConfigError` naming the variable, the bad value and what is
allowed, so a mis-deployed function fails its first (cold) invocation loudly instead of accepting
sign-ups it cannot store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

_URL_RE = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")
_QUEUE_URL_RE = re.compile(r"^https?://[^\s]+/\d{12}/[A-Za-z0-9_-]{1,80}$")

AdapterKind = Literal["sesv2", "http"]


class ConfigError(ValueError):
    """A function's environment is wrong; the message names the variable and the fix."""


def _req(env: Mapping[str, str], key: str, example: str) -> str:
    value = env.get(key, "").strip()
    if not value:
        raise ConfigError(f"environment variable {key} is required and unset/empty; e.g. {example}")
    return value


def _int(env: Mapping[str, str], key: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"environment variable {key}={raw!r} is not an integer; "
            f"allowed {lo}..{hi}, e.g. {default}"
        ) from None
    if not lo <= value <= hi:
        raise ConfigError(f"environment variable {key}={value} is out of range; allowed {lo}..{hi}")
    return value


def _origins(raw: str) -> frozenset[str]:
    origins = frozenset(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if not _URL_RE.match(origin) or origin.count("/") != 2:
            raise ConfigError(
                f"environment variable ALLOWED_ORIGINS has {origin!r}, which is not an origin; "
                "allowed: comma-separated scheme://host[:port], e.g. https://www.example.com"
            )
    return origins


@dataclass(frozen=True, kw_only=True)
class IngestConfig:
    queue_url: str
    """SQS queue the accepted submissions go to."""
    allowed_origins: frozenset[str]
    """Origins whose browsers may post; a request with another or no Origin is refused (403)."""
    max_body_bytes: int = 16_384
    """Largest accepted body in bytes (after base64 decoding); larger is refused with 413. A
    multipart post of every field at its limit with a 2,048-character Turnstile token fits."""
    honeypot_field: str = "website"
    """Form field humans never see; a non-empty value is refused (400)."""
    turnstile_secret_arn: str | None = None
    """Secrets Manager ARN of the Turnstile secret key. Unset: no Turnstile check."""
    turnstile_verify_url: str = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
    """Turnstile siteverify endpoint (configurable for tests)."""
    thank_you_url: str | None = None
    """Where a plain form post (a browser that wants HTML) is sent with 303 once accepted. Unset:
    every requester gets JSON."""
    error_url: str | None = None
    """Where a refused plain form post is sent with 303, the problem in its query string
    (`?error=<code>&field=<field>&message=<text>`). Unset: the thank-you URL's requesters get
    JSON errors."""
    edge_secret_arn: str | None = None
    """Secrets Manager ARN of the secret the edge adds to requests for the form host. Set: a
    request without it is refused (403): it reached API Gateway directly, past the edge."""
    edge_header: str = "X-Origin-Verify"
    """The header the edge sets it in."""
    enqueue_budget_ms: int = 3000
    """How long the ingest keeps retrying a failed enqueue (within the invocation's remaining
    time) before it answers 503."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IngestConfig:
        queue_url = _req(env, "QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/forms")
        if not _QUEUE_URL_RE.match(queue_url):
            raise ConfigError(
                f"environment variable QUEUE_URL={queue_url!r} is not an SQS queue URL; "
                "e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/forms"
            )
        verify_url = env.get("TURNSTILE_VERIFY_URL") or cls.turnstile_verify_url
        if not _URL_RE.match(verify_url):
            raise ConfigError(
                f"environment variable TURNSTILE_VERIFY_URL={verify_url!r} is not a URL"
            )
        honeypot = env.get("HONEYPOT_FIELD") or cls.honeypot_field
        pages: dict[str, str | None] = {}
        for key in ("THANK_YOU_URL", "ERROR_URL"):
            value = env.get(key) or None
            if value is not None and (not _URL_RE.match(value) or "?" in value or "#" in value):
                raise ConfigError(
                    f"environment variable {key}={value!r} is not a page URL; "
                    "e.g. https://www.example.com/thank-you/ (no query string or fragment)"
                )
            pages[key] = value
        return cls(
            queue_url=queue_url,
            allowed_origins=_origins(_req(env, "ALLOWED_ORIGINS", "https://www.example.com")),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", cls.max_body_bytes, 256, 262_144),
            honeypot_field=honeypot,
            turnstile_secret_arn=env.get("TURNSTILE_SECRET_ARN") or None,
            turnstile_verify_url=verify_url,
            thank_you_url=pages["THANK_YOU_URL"],
            error_url=pages["ERROR_URL"],
            enqueue_budget_ms=_int(env, "ENQUEUE_BUDGET_MS", cls.enqueue_budget_ms, 0, 28_000),
            edge_secret_arn=env.get("EDGE_SECRET_ARN") or None,
            edge_header=env.get("EDGE_HEADER") or cls.edge_header,
        )


@dataclass(frozen=True, kw_only=True)
class WorkerConfig:
    table_name: str
    """DynamoDB table of subscribers, partition key `email` (string, normalised)."""
    adapter: AdapterKind = "sesv2"
    """Mailing-list hand-off: `sesv2` (SES v2 contact list) or `http` (Mailchimp-style API)."""
    contact_list_name: str | None = None
    """SES v2 contact list name (adapter `sesv2`)."""
    http_base_url: str | None = None
    """Base URL of the HTTP list provider API (adapter `http`)."""
    http_list_id: str | None = None
    """List/audience id at the HTTP provider (adapter `http`)."""
    secret_arn: str | None = None
    """Secrets Manager ARN holding the HTTP provider's API key (adapter `http`)."""
    dlq_url: str | None = None
    """Dead-letter queue a message that fails the schema check is moved to at once (with its
    reason), instead of failing every receive first. Unset: such a message fails until the
    queue's redrive policy dead-letters it."""
    handoff_lease_seconds: int = 120
    """How long a hand-off claim blocks others if its holder dies without releasing it. Must
    exceed the worker's timeout so a slow but live hand-off is never taken over."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WorkerConfig:
        adapter = env.get("LIST_ADAPTER", "sesv2").strip() or "sesv2"
        if adapter not in ("sesv2", "http"):
            raise ConfigError(
                f"environment variable LIST_ADAPTER={adapter!r} is not allowed; "
                "allowed: sesv2, http"
            )
        config = cls(
            table_name=_req(env, "TABLE_NAME", "spikeproof-prod-subscribers"),
            adapter=adapter,  # type: ignore[arg-type]  # checked just above
            contact_list_name=env.get("CONTACT_LIST_NAME") or None,
            http_base_url=env.get("HTTP_LIST_BASE_URL") or None,
            http_list_id=env.get("HTTP_LIST_ID") or None,
            secret_arn=env.get("LIST_SECRET_ARN") or None,
            handoff_lease_seconds=_int(env, "HANDOFF_LEASE_SECONDS", 120, 1, 3600),
            dlq_url=env.get("DLQ_URL") or None,
        )
        if config.dlq_url is not None and not _QUEUE_URL_RE.match(config.dlq_url):
            raise ConfigError(
                f"environment variable DLQ_URL={config.dlq_url!r} is not an SQS queue URL; "
                "e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/forms-dlq"
            )
        if adapter == "sesv2" and not config.contact_list_name:
            raise ConfigError(
                "environment variable CONTACT_LIST_NAME is required when LIST_ADAPTER=sesv2; "
                "e.g. spikeproof-prod-newsletter"
            )
        if adapter == "http":
            for key, value in (
                ("HTTP_LIST_BASE_URL", config.http_base_url),
                ("HTTP_LIST_ID", config.http_list_id),
                ("LIST_SECRET_ARN", config.secret_arn),
            ):
                if not value:
                    raise ConfigError(
                        f"environment variable {key} is required when LIST_ADAPTER=http"
                    )
            if not _URL_RE.match(config.http_base_url or ""):
                raise ConfigError(
                    f"environment variable HTTP_LIST_BASE_URL={config.http_base_url!r} is not a "
                    "URL; e.g. https://us21.api.mailchimp.com/3.0"
                )
        return config
