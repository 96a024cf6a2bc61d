"""Settings for the form backend (`spikeproof:forms`): API throttles, function sizes, the queue's
retry budget and the mailing-list hand-off. Sizes are explained in docs/forms.md."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from settings.model import DOMAIN, FieldError, Model

ROUTE = re.compile(r"^/[a-z0-9][a-z0-9/_-]{0,62}$")
URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?(/[^\s]*)?$")
CERT_ARN = re.compile(r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")


class ThrottleSettings(Model):
    """The HTTP API stage's default route throttle. Both values are always sent: an unset one
    becomes 0 in the provider and blocks every request."""

    rate_limit: float = Field(
        default=100.0, description="Steady requests per second across the API. Default 100."
    )
    burst_limit: int = Field(default=200, description="Burst bucket size. Default 200.")

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: float) -> float:
        if not 0 < value <= 10_000:
            raise ValueError("must be > 0 and at most 10000 requests per second (account quota)")
        return value

    @field_validator("burst_limit")
    @classmethod
    def _burst(cls, value: int) -> int:
        if not 0 < value <= 5_000:
            raise ValueError("must be > 0 and at most 5000 (account quota)")
        return value

    @model_validator(mode="after")
    def _bucket_holds_a_second(self) -> ThrottleSettings:
        # API Gateway's token bucket (docs: "Throttle requests to your HTTP APIs"): it refills at
        # rateLimit per second and holds burstLimit; a bucket smaller than one second's refill
        # caps the API at burstLimit per second, below the rate that was asked for.
        if self.burst_limit < self.rate_limit:
            raise FieldError(
                "burstLimit",
                f"burstLimit {self.burst_limit} is below rateLimit {self.rate_limit:g}: the "
                f"API would serve at most {self.burst_limit} requests a second",
                value=self.burst_limit,
                allowed=f"at least rateLimit ({self.rate_limit:g}); usually twice it",
                example=f"throttle: {{rateLimit: {self.rate_limit:g}, burstLimit: "
                f"{min(5000, int(self.rate_limit * 2))}}}",
            )
        return self


class FunctionSettings(Model):
    reserved_concurrency: int = Field(
        description="Reserved concurrency: the function's ceiling and its guaranteed share, so a "
        "flood cannot take the account's concurrency from anything else."
    )
    memory_mb: int = Field(default=256, description="Memory (and CPU share). Default 256.")
    timeout_seconds: int = Field(description="Function timeout, seconds.")

    @field_validator("reserved_concurrency")
    @classmethod
    def _concurrency(cls, value: int) -> int:
        if not 1 <= value <= 1000:
            raise ValueError("must be 1-1000 (0 would disable the function)")
        return value

    @field_validator("memory_mb")
    @classmethod
    def _memory(cls, value: int) -> int:
        if not 128 <= value <= 10_240:
            raise ValueError("must be 128-10240 MB")
        return value


class IngestSettings(FunctionSettings):
    reserved_concurrency: int = Field(
        default=50,
        description="Reserved concurrency of the ingest function. Default 50 (a 10 ms handler "
        "answers about 5,000 requests per second with 50).",
    )
    timeout_seconds: int = Field(
        default=10,
        ge=5,
        le=29,
        description="Ingest timeout (API Gateway waits 30 s). Default 10: a Turnstile check "
        "(3 s at most) and then SQS sends of 3 s at most each, retried while one still fits, so "
        "the function answers (a 303 to the error page, say) before it is timed out.",
    )
    max_body_bytes: int = Field(
        default=16_384,
        ge=4096,
        le=262_144,
        description="Largest accepted body. Default 16384: a multipart post of every field at "
        "its limit with a 2,048-character Turnstile token.",
    )


class WorkerSettings(FunctionSettings):
    reserved_concurrency: int = Field(
        default=5,
        description="Reserved concurrency of the worker; also the event source mapping's maximum "
        "concurrency. Default 5: the queue absorbs a flood, the list provider sees a steady rate.",
    )
    timeout_seconds: int = Field(
        default=30, ge=3, le=110, description="Worker timeout; under the 120 s hand-off lease."
    )
    batch_size: int = Field(default=10, ge=1, le=10, description="Messages per invocation.")
    max_receive_count: int = Field(
        default=5, ge=2, le=20, description="Receives before a message goes to the DLQ. Default 5."
    )

    @model_validator(mode="after")
    def _concurrency_floor(self) -> WorkerSettings:
        if self.reserved_concurrency < 2:
            raise FieldError(
                "reservedConcurrency",
                "an SQS event source mapping needs a maximum concurrency of at least 2",
                value=self.reserved_concurrency,
                allowed="2-1000",
                example="spikeproof:forms: {worker: {reservedConcurrency: 5}}",
            )
        return self


class MailingListSettings(Model):
    kind: Literal["ses", "http"] = Field(
        default="ses",
        description="Hand-off: an SES v2 contact list (`ses`) or a Mailchimp-style HTTP API "
        "(`http`, API key in a Secrets Manager secret the stack creates empty). Default ses.",
    )
    http_base_url: str | None = Field(
        default=None,
        description="Provider API base URL (http).",
        examples=["https://us21.api.mailchimp.com/3.0"],
    )
    http_list_id: str | None = Field(default=None, description="Provider list id (http).")

    @model_validator(mode="after")
    def _http(self) -> MailingListSettings:
        if self.kind == "http":
            if not self.http_base_url or not URL.match(self.http_base_url):
                raise FieldError(
                    "httpBaseUrl",
                    "the http mailing list needs the provider's https API base URL",
                    value=self.http_base_url,
                    allowed="an https:// URL",
                    example="spikeproof:forms: {mailingList: {kind: http, httpBaseUrl: "
                    "https://us21.api.mailchimp.com/3.0, httpListId: abc123}}",
                )
            if not self.http_list_id:
                raise FieldError(
                    "httpListId",
                    "the http mailing list needs the provider's list id",
                    allowed="the list (audience) id",
                    example="spikeproof:forms: {mailingList: {httpListId: abc123}}",
                )
        return self


class CustomDomainSettings(Model):
    """The form API's own hostname in the edge's zone: the edge creates its DNS record (proxied,
    so the edge's form rate limit counts every post) and the execute-api endpoint is disabled."""

    domain_name: str = Field(
        description="API host name: a first-level name in the edge's zone (Cloudflare's Universal "
        "SSL certificate covers the apex and first-level subdomains only).",
        examples=["forms.acme-marketing.com"],
    )
    certificate_arn: str | None = Field(
        default=None,
        description="ACM certificate (in the stack's region) API Gateway presents to the edge. "
        "Default: the stack requests one and the edge creates its DNS validation record.",
    )

    @field_validator("domain_name")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not DOMAIN.match(value):
            raise ValueError("not a lower-case DNS name")
        return value

    @field_validator("certificate_arn")
    @classmethod
    def _cert(cls, value: str | None) -> str | None:
        if value is not None and not CERT_ARN.match(value):
            raise ValueError("not an ACM certificate ARN")
        return value


PAGE = re.compile(r"^(https://[a-z0-9.-]+)?/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")


class PagesSettings(Model):
    """Where a plain form post (no JavaScript) lands: the browser is sent there with 303."""

    thank_you: str = Field(
        default="/thank-you/",
        description="Page shown after a sign-up: a path on the first marketing hostname, or an "
        "https URL on any of edge.hostnames. Default /thank-you/.",
    )
    error: str = Field(
        default="/sign-up-error/",
        description="Page shown when a sign-up is refused; it receives ?error=<code>&field="
        "<field>&message=<text>. A path or an https URL on edge.hostnames. Default "
        "/sign-up-error/.",
    )

    @field_validator("thank_you", "error")
    @classmethod
    def _page(cls, value: str) -> str:
        if not PAGE.match(value):
            raise ValueError(
                "not a page: a path like /thank-you/ or https://www.example.com/thank-you/ "
                "(no query string or fragment)"
            )
        return value


POWERTOOLS_LAYER_RELEASES = {27: "3.23.0"}
"""AWS's public layer AWSLambdaPowertoolsPythonV3-python312-arm64 version -> the Powertools for
AWS Lambda (Python) release it holds. Source, read 2026-12-07: aws-powertools/powertools-lambda-
python issue #7689 (the layer published for 3.23.0 on 2025-11-13 is version 27; layer numbers are
shared by every Python version and architecture, as the docs' layer tables show) and the SSM
parameter AWS publishes per release, /aws/service/powertools/python/arm64/python3.12/3.23.0."""


class FormsSettings(Model):
    """The serverless form backend: HTTP API, ingest and worker functions, queue, table, list."""

    throttle: ThrottleSettings = Field(
        default_factory=ThrottleSettings, description="Stage throttle (both values explicit)."
    )
    contact_route: str = Field(
        default="/contact", description="Path of the contact form route. Default /contact."
    )
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingest function.")
    worker: WorkerSettings = Field(default_factory=WorkerSettings, description="Worker function.")
    mailing_list: MailingListSettings = Field(
        default_factory=MailingListSettings, description="Mailing-list hand-off."
    )
    custom_domain: CustomDomainSettings | None = Field(
        default=None,
        description="The API's hostname in the edge's zone (required: the execute-api endpoint "
        "is disabled, so every post goes through the edge's rate limit).",
    )
    pages: PagesSettings = Field(
        default_factory=PagesSettings, description="Thank-you and error pages of plain form posts."
    )
    powertools_layer_version: int = Field(
        default=27,
        ge=1,
        description="Version of AWS's public Powertools for AWS Lambda (Python) v3 layer for "
        "python3.12 arm64, one of POWERTOOLS_LAYER_RELEASES (settings/forms.py): the functions "
        "run the library release that layer holds, and the tests run the same release "
        "(requirements-dev.txt pins it). Default 27 (release 3.23.0).",
    )
    log_retention_days: Literal[7, 14, 30, 60, 90, 180, 365] = Field(
        default=30, description="Retention of function and access logs. Default 30."
    )

    @field_validator("powertools_layer_version")
    @classmethod
    def _layer(cls, value: int) -> int:
        if value not in POWERTOOLS_LAYER_RELEASES:
            known = ", ".join(f"{k} ({v})" for k, v in sorted(POWERTOOLS_LAYER_RELEASES.items()))
            raise ValueError(
                f"layer version {value} is not one whose library release is known here ({known}): "
                "the tests must run the release the functions will. Look it up with `aws ssm "
                "get-parameter --name /aws/service/powertools/python/arm64/python3.12/<release>`, "
                "add it to POWERTOOLS_LAYER_RELEASES and pin that release in requirements-dev.txt"
            )
        return value

    @field_validator("contact_route")
    @classmethod
    def _route(cls, value: str) -> str:
        if not ROUTE.match(value) or value == "/subscribe":
            raise ValueError("not a lower-case path like /contact (and not /subscribe)")
        return value
