"""Settings for the web fleet (`spikeproof:fleet`): sizes, types, scaling, campaign windows.

Every cross-field rule lives here so a bad stack file stops before anything is registered. The
windows are checked by the same code that turns them into scheduled actions (model/schedule).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import Field, field_validator, model_validator

from model.schedule import CampaignWindow, WindowError, scheduled_actions
from model.webserver import CachePolicy
from settings.model import DOMAIN, FieldError, Model

INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
# Graviton families carry a 'g' after the generation digit (m7g, c7gn, t4g); they need arm64 AMIs.
ARM_FAMILY = re.compile(r"^[a-z]+\d+g[a-z]*\.")


MAX_FLEET = 1000
DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


class WindowSettings(Model):
    name: str = Field(
        pattern=r"^[a-z][a-z0-9-]{0,40}$",
        description="Kebab-case window id; names the scheduled actions.",
        examples=["spring-sale"],
    )
    start: str = Field(
        description="Local start time, ISO 8601 without offset.", examples=["2027-03-29T09:00"]
    )
    end: str = Field(description="Local end time, after start.", examples=["2027-03-29T18:00"])
    time_zone: str = Field(
        description="IANA time zone of start and end.", examples=["Europe/London"]
    )
    capacity: int = Field(
        ge=1, description="Instances held (min and desired) through the window.", examples=["12"]
    )
    lead_minutes: int = Field(
        default=30, ge=0, le=1440, description="Pre-warm this long before start. Default 30."
    )

    @field_validator("start", "end")
    @classmethod
    def _not_a_date(cls, value: str) -> str:
        if DATE_ONLY.match(value.strip()):
            raise ValueError(
                f"{value} is a date without a time: it would mean midnight; write the local "
                "time (2027-03-29T09:00)"
            )
        return value

    def window(self) -> CampaignWindow:
        return CampaignWindow(
            name=self.name,
            start=self.start,
            end=self.end,
            time_zone=self.time_zone,
            capacity=self.capacity,
            lead_minutes=self.lead_minutes,
        )


class SpotSettings(Model):
    on_demand_base: int = Field(
        default=1,
        ge=0,
        description="On-demand instances before any spot. Default 1.",
        examples=["2"],
    )
    spot_percent: int = Field(
        default=50,
        description="Share of capacity above the base on spot, 0-100. Default 50.",
        examples=["50"],
    )

    @field_validator("spot_percent")
    @classmethod
    def _spot(cls, value: int) -> int:
        if not 0 <= value <= 100:
            raise ValueError("spotPercent is a percentage: 0-100")
        return value


class PageCacheSettings(Model):
    """Cache-Control lifetimes the origin sets on marketing pages (the edge's own rules are
    edge.cache)."""

    browser_max_age_seconds: int = Field(
        default=300, ge=0, description="Browser max-age on pages. Default 300."
    )
    edge_max_age_seconds: int = Field(
        default=3600, ge=0, description="Edge s-maxage on pages. Default 3600."
    )
    stale_while_revalidate_seconds: int = Field(
        default=86400, ge=0, description="stale-while-revalidate on pages. Default 86400."
    )


class AccessLogsSettings(Model):
    """The load balancer's access logs, in a bucket this stack creates for them."""

    enabled: bool = Field(default=True, description="Write access logs. Default: true.")
    retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Days a log object is kept before the bucket's lifecycle rule deletes it. "
        "Default 90.",
    )


class FleetSettings(Model):
    """The marketing origin: an autoscaling group behind an ALB only Cloudflare can reach."""

    @model_validator(mode="before")
    @classmethod
    def _replaced(cls, data: object) -> object:
        if isinstance(data, dict) and "accessLogsBucket" in data:
            raise FieldError(
                "accessLogsBucket",
                "fleet.accessLogsBucket was replaced by fleet.accessLogs: the program now creates "
                "the log bucket itself, with the bucket policy Elastic Load Balancing needs to "
                "write to it (an existing bucket without that policy made the load balancer's "
                "update fail)",
                value=data["accessLogsBucket"],
                allowed="fleet.accessLogs: {retentionDays: <days>}",
                example="spikeproof:fleet: {accessLogs: {retentionDays: 90}}",
            )
        return data

    domain_name: str | None = Field(
        default=None,
        description="Host name the load balancer's ACM certificate covers, for a stack without "
        "spikeproof:edge. With the edge, the certificate covers edge.hostnames instead.",
        examples=["origin.marketing.example.com"],
    )
    instance_types: list[str] = Field(
        description="Instance types, in order of preference: the first is the launch template's; "
        "several form a mixed instances policy, with spot when spot is set, otherwise "
        "on-demand capacity fallback (the next type when one has no capacity). One architecture "
        "only; several types exclude warmPoolSize.",
        examples=['["m7g.large", "m6g.large"]'],
    )
    ami_id: str = Field(
        description="The fleet's image, pinned: Amazon Linux 2023 for the instance types' "
        "architecture (or your own, with the site baked in). Updated deliberately: "
        "python -m tools.ami_update proposes the newest AL2023 (the ami-update workflow opens a "
        "pull request), so a new release never rolls the fleet on an unrelated deploy.",
        examples=["ami-0123456789abcdef0"],
    )
    site_s3_uri: str | None = Field(
        default=None,
        description="s3://bucket/prefix/ synced into the document root before every nginx start "
        "(first boot and every resume from the warm pool). Default: none (the site is baked into "
        "amiId).",
        examples=["s3://acme-marketing-site/current/"],
    )
    min_size: int = Field(default=2, ge=0, description="Group minimum. Default 2.")
    max_size: int = Field(
        default=10,
        ge=1,
        le=MAX_FLEET,
        description="Group maximum. Default 10. At most 1000: beyond that the account's EC2 "
        "quotas decide long before the group does, and a larger number is a typo more often "
        "than a plan.",
    )
    desired_capacity: int | None = Field(
        default=None, description="Initial desired capacity. Default: minSize."
    )
    per_instance_capacity_rps: float = Field(
        description="Requests per second one instance serves at its limit (measured by the "
        "pre-flight load test); the request-count scaling target derives from it.",
        examples=["400"],
    )
    target_utilization_percent: int = Field(
        default=60,
        ge=10,
        le=90,
        description="Share of capacity the scaling targets aim for. Default 60.",
    )
    cpu_target_percent: int = Field(
        default=50, ge=10, le=90, description="CPU target tracking value. Default 50."
    )
    health_check_grace_seconds: int = Field(
        default=180, ge=0, description="ELB health-check grace. Default 180."
    )
    warmup_seconds: int = Field(
        default=120, ge=0, description="default_instance_warmup. Default 120."
    )
    spot: SpotSettings | None = Field(
        default=None, description="Mixed instances with spot. Default: on-demand only."
    )
    warm_pool_size: int | None = Field(
        default=None, ge=0, description="Stopped pre-initialised instances. Default: no pool."
    )
    deletion_protection: bool = Field(
        default=False, description="ALB deletion protection. Default false."
    )
    access_logs: AccessLogsSettings | None = Field(
        default=None,
        description="ALB access logs into an S3 bucket the stack creates (SSE-S3, public "
        "access blocked, owner-enforced, expired after retentionDays, writable by Elastic Load "
        "Balancing only). Default: off.",
    )
    cache: PageCacheSettings = Field(
        default_factory=PageCacheSettings, description="Cache-Control lifetimes on pages."
    )
    campaign_windows: list[WindowSettings] = Field(
        default_factory=list, description="Campaigns to pre-warm for. Default: none."
    )

    @field_validator("instance_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("instanceTypes is empty; list at least one instance type")
        bad = [t for t in value if not INSTANCE_TYPE.match(t)]
        if bad:
            raise ValueError(f"not instance types: {', '.join(bad)}")
        if len({bool(ARM_FAMILY.match(t)) for t in value}) > 1:
            raise ValueError("mixes arm64 (Graviton) and x86_64 types; one AMI serves one")
        return value

    @field_validator("ami_id")
    @classmethod
    def _ami(cls, value: str) -> str:
        if not AMI_ID.match(value):
            raise ValueError("not an AMI id (ami- followed by 8 or 17 hex digits)")
        return value

    @field_validator("site_s3_uri")
    @classmethod
    def _site(cls, value: str | None) -> str | None:
        if value is not None and not S3_URI.match(value):
            raise ValueError("not an s3://bucket/prefix/ URI")
        return value

    @field_validator("domain_name")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not DOMAIN.match(value):
            raise ValueError("not a lower-case DNS name")
        return value

    @field_validator("per_instance_capacity_rps")
    @classmethod
    def _rps(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("perInstanceCapacityRps must be > 0 requests per second")
        return value

    @model_validator(mode="after")
    def _sizes(self) -> FleetSettings:
        if self.min_size > self.max_size:
            raise FieldError(
                "minSize",
                f"minSize {self.min_size} is above maxSize {self.max_size}",
                value=self.min_size,
                allowed=f"0-{self.max_size}",
                example=f"spikeproof:fleet.minSize: {self.max_size}",
            )
        if self.desired_capacity is not None and not (
            self.min_size <= self.desired_capacity <= self.max_size
        ):
            raise FieldError(
                "desiredCapacity",
                "desiredCapacity is outside minSize..maxSize",
                value=self.desired_capacity,
                allowed=f"{self.min_size}-{self.max_size}",
                example=f"spikeproof:fleet.desiredCapacity: {self.min_size}",
            )
        if self.warm_pool_size is not None and self.warm_pool_size > self.max_size:
            raise FieldError(
                "warmPoolSize",
                "warmPoolSize is larger than maxSize",
                value=self.warm_pool_size,
                allowed=f"0-{self.max_size}",
                example=f"spikeproof:fleet.warmPoolSize: {self.max_size // 2}",
            )
        if self.spot is not None and self.spot.on_demand_base > self.max_size:
            raise FieldError(
                "spot.onDemandBase",
                f"onDemandBase {self.spot.on_demand_base} is above maxSize {self.max_size}: the "
                "group could never reach its on-demand base",
                value=self.spot.on_demand_base,
                allowed=f"0-{self.max_size}",
                example=f"spikeproof:fleet.spot.onDemandBase: {min(1, self.max_size)}",
            )
        if self.warm_pool_size and (self.spot is not None or len(self.instance_types) > 1):
            # An AWS restriction (PutWarmPool): a group with a mixed instances policy cannot have a
            # warm pool, and spot or several types (capacity fallback) are a mixed policy.
            raise FieldError(
                "warmPoolSize",
                "a warm pool cannot be combined with spot or with several instance types (both "
                "are a mixed instances policy, which AWS refuses with a warm pool)",
                value=self.warm_pool_size,
                allowed="warmPoolSize with one instance type and no spot; or spot / several "
                "types without a warm pool",
                example="spikeproof:fleet: {instanceTypes: [m7g.large], warmPoolSize: 6}",
            )
        try:
            scheduled_actions(
                [w.window() for w in self.campaign_windows],
                normal_min_size=self.min_size,
                max_size=self.max_size,
                now=datetime(1970, 1, 1, tzinfo=UTC),
            )
        except WindowError as exc:
            raise FieldError(
                "campaignWindows",
                str(exc),
                value=[w.name for w in self.campaign_windows],
                allowed="windows that end after they start, in an IANA zone, not overlapping "
                "(pre-warm lead time included), capacity within maxSize",
            ) from None
        return self

    def cache_policy(self) -> CachePolicy:
        return CachePolicy(
            browser_max_age_seconds=self.cache.browser_max_age_seconds,
            edge_max_age_seconds=self.cache.edge_max_age_seconds,
            stale_while_revalidate_seconds=self.cache.stale_while_revalidate_seconds,
        )

    @property
    def arm64(self) -> bool:
        return bool(ARM_FAMILY.match(self.instance_types[0]))
