"""Campaign files (`campaigns/<name>.yaml`): what marketing tells engineering before a send.

The pre-flight ticket as data: when, how big, which pages and forms, and what data access. Parsed
into a frozen `Campaign`; a bad file stops with one message per problem (file, key path, value,
what is allowed, an example), like the stack settings.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from settings.errors import ConfigError, ConfigErrors
from settings.files import ROOT, CampaignLoader, load_mapping
from settings.model import FieldError, Model, translate

CAMPAIGN_DIR = ROOT / "campaigns"
NAME = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
PARAM = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_DURATION = "PT6H"
MAX_AUDIENCE = 10_000_000_000
MAX_LANDINGS = 100
FORM_ROUTE = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$")
MAX_LENGTH = timedelta(days=14)
MIN_LENGTH = timedelta(minutes=1)
YEARS = (2000, 2100)

PRIMARY_WRITE_REFUSAL = (
    "a campaign may never write to the core application's primary database: a send to millions "
    "turns into millions of writes on the database the product runs on. Prepare what the "
    "campaign needs in the marketing plane instead, before the send: e.g. generate the "
    "per-recipient coupon codes into the marketing plane's own store (the form backend's table "
    "or a file behind the edge) and let the core application redeem them later in its own batch"
)


class Audience(Model):
    size: int = Field(
        le=MAX_AUDIENCE,
        description="Recipients (email) or reached people (at most 10 billion: more than there "
        "are people).",
        examples=[2000000],
    )
    open_rate: float = Field(default=0.2, description="Share of recipients who open. 0-1.")
    click_rate: float = Field(
        default=0.028,
        description="Share of recipients who click a link (click-through on sends; published "
        "averages 2.5-3%). 0-1.",
    )

    @field_validator("size")
    @classmethod
    def _size(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be a positive number of recipients")
        return value

    @field_validator("open_rate", "click_rate")
    @classmethod
    def _rate(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError("a rate between 0 and 1 (0.028 is 2.8%)")
        return value

    @model_validator(mode="after")
    def _clicks_need_opens(self) -> Audience:
        if self.click_rate > self.open_rate:
            raise FieldError(
                "clickRate",
                "more recipients click than open",
                value=self.click_rate,
                allowed=f"at most openRate ({self.open_rate})",
                example="audience: {openRate: 0.22, clickRate: 0.028}",
            )
        return self


class Landing(Model):
    path: str = Field(description="Landing path on the marketing hostnames.", examples=["/spring"])
    tracking_parameters: list[str] = Field(
        default_factory=list,
        description="Query parameters the links carry (utm_*, coupon ids...).",
        examples=[["utm_source", "utm_campaign", "coupon"]],
    )
    unique_per_recipient: list[str] = Field(
        default_factory=list,
        description="Which of those parameters differ for every recipient (e.g. a coupon id).",
    )
    share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="Share of the campaign's clicks on this path (0-1; shares sum to 1).",
    )

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or "?" in value or " " in value:
            raise ValueError("a path starting with '/' without a query string")
        return value

    @field_validator("tracking_parameters", "unique_per_recipient")
    @classmethod
    def _params(cls, value: list[str]) -> list[str]:
        for name in value:
            if not PARAM.match(name):
                raise ValueError(f"{name!r} is not a query parameter name")
        return value

    @model_validator(mode="after")
    def _unique_subset(self) -> Landing:
        extra = sorted(set(self.unique_per_recipient) - set(self.tracking_parameters))
        if extra:
            raise FieldError(
                "uniquePerRecipient",
                f"{extra} are not among trackingParameters",
                value=extra,
                allowed="names listed in trackingParameters",
                example="trackingParameters: [utm_source, coupon], uniquePerRecipient: [coupon]",
            )
        return self


class Prewarm(Model):
    instances: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Instances a stack that references the campaign holds from the pre-warm to "
        "the end. Default: the most instances any minute needs that target tracking cannot "
        "carry yet (a send's scanner burst, an ad's ramp; none when tracking and minSize do); 0 "
        "turns the pre-warm off.",
        examples=[6],
    )
    lead_minutes: int | None = Field(
        default=None,
        ge=0,
        le=1440,
        description="How long before the start the pre-warm runs. Default: the fleet's "
        "scale-out lag (3 datapoints, boot, warm-up) plus 15 minutes.",
        examples=[30],
    )


class ThirdParty(Model):
    """Someone outside the company the campaign's day depends on."""

    name: str = Field(
        min_length=1, max_length=100, description="Who (the ESP, the ad platform, an agency)."
    )
    notice: str = Field(
        min_length=1,
        max_length=300,
        description="What they are told and when, e.g. 'volume and send time, 48 h ahead'.",
    )


class Campaign(Model):
    """One campaign: the pre-flight checklist."""

    name: str = Field(description="Kebab-case id, the file's stem.", examples=["spring-coupon"])
    owner: str = Field(
        min_length=1,
        max_length=200,
        description="Marketing owner (who answers questions on the day).",
    )
    time_zone: str | None = Field(
        default=None,
        description="IANA zone the start and end are written in (local wall-clock time, DST "
        "applied per date). Default: none; the start then carries its offset.",
        examples=["Europe/London"],
    )
    start: datetime = Field(
        strict=False,
        description="Go-live, ISO 8601: with an offset, or local time with timeZone.",
        examples=["2027-03-09T09:00:00+00:00", "2027-03-09T09:00 (with timeZone)"],
    )
    end: datetime | None = Field(
        default=None,
        strict=False,
        description="When the campaign's traffic is over (same form as start). Default: "
        "start + duration.",
    )
    duration: str | None = Field(
        default=None,
        description="How long the campaign's traffic is projected, ISO 8601 (PT6H, P1DT12H); "
        "instead of end. Default: PT6H.",
    )
    channel: Literal["email", "ads", "social", "press"] = Field(description="Traffic source.")
    audience: Audience | None = Field(
        default=None, description="Recipients and rates (email; or reach for other channels)."
    )
    expected_peak_rps: float | None = Field(
        default=None,
        le=10_000_000,
        description="Expected peak landing requests per second (non-email channels, or to "
        "override the email model).",
    )
    send_minutes: int = Field(
        default=20, ge=1, le=720, description="How long the email platform takes to deliver all."
    )
    scanner_share: float = Field(
        default=0.15,
        ge=0,
        le=1,
        description="Share of recipients behind mail security scanners that open every link "
        "within seconds of delivery. Default 0.15.",
    )
    links_per_email: int = Field(
        default=4,
        ge=1,
        le=100,
        description="Links in the email to the landing pages (scanners open each). Default 4.",
    )
    landing: list[Landing] = Field(
        max_length=MAX_LANDINGS,
        description="Landing pages and their tracking parameters (at most 100).",
    )
    assets_per_page: int = Field(
        default=6, ge=0, le=200, description="Static assets a landing page loads."
    )
    pages_per_visit: float = Field(
        default=1.3, ge=1, le=20, description="Pages a visitor views (landing included)."
    )
    forms: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Form routes used, e.g. [/subscribe].",
    )
    form_conversion: float = Field(
        default=0.05, ge=0, le=1, description="Share of visitors who submit a form."
    )
    data_access: Literal["none", "replica-read", "primary-write"] = Field(
        description="What the campaign's pages read or write: none, replica-read. "
        "primary-write is refused."
    )
    replica_queries_per_page: float = Field(
        default=0,
        ge=0,
        le=1000,
        description="Replica queries per origin request (replica-read).",
    )
    replica_connections_per_instance: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Connections each fleet instance holds to the replicas: its pool size "
        "(replica-read). Default 10.",
    )
    prewarm: Prewarm = Field(
        default_factory=Prewarm,
        description="Pre-warm a stack that references the campaign schedules "
        "(spikeproof:campaigns). Default: sized by the projection.",
    )
    on_call: str | None = Field(
        default=None,
        max_length=200,
        description="Engineering on call for the window (a person or a rota). The readiness "
        "scorecard asks for one. Default: none.",
        examples=["platform-oncall@example.com"],
    )
    escalation: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Who is called next, in order, when on-call cannot fix it. Default: none.",
    )
    third_parties: list[ThirdParty] = Field(
        default_factory=list,
        max_length=20,
        description="Third parties that need notice (the ESP of a large send, the ad "
        "platform). Default: none.",
    )
    send_via: Literal["esp", "ses"] = Field(
        default="esp",
        description="What sends the email: an email service provider (esp), or Amazon SES from "
        "this account (its sending quotas are then checked). Default: esp.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("kebab-case: lower-case letters, digits and hyphens")
        return value

    @field_validator("forms")
    @classmethod
    def _forms(cls, value: list[str]) -> list[str]:
        for route in value:
            if not FORM_ROUTE.match(route) or len(route) > 256:
                raise ValueError(f"{route!r} is not a form route: a path starting with '/'")
        return value

    @field_validator("data_access")
    @classmethod
    def _no_primary_write(cls, value: str) -> str:
        # A field validator, not a model rule: reported even when other keys are wrong too, so
        # marketing learns of the refusal with the first run, not after fixing a typo.
        if value == "primary-write":
            raise ValueError(PRIMARY_WRITE_REFUSAL)
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _not_a_date(cls, value: object) -> object:
        text = value.isoformat() if isinstance(value, date) else str(value).strip()
        if (isinstance(value, date) and not isinstance(value, datetime)) or DATE_ONLY.match(text):
            raise ValueError(
                f"{text} is a date without a time: it would mean midnight; write the time of "
                "the send (2027-03-09T09:00)"
            )
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"{value!r} is not an IANA time zone (e.g. Europe/London, America/New_York)"
                ) from None
        return value

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
            # Also keeps the arithmetic below and in the projection inside datetime's range.
            raise ValueError(f"the year {value.year} is not between {YEARS[0]} and {YEARS[1]}")
        if value is None or "time_zone" not in info.data:
            return value  # no value, or timeZone itself is wrong (reported there)
        zone_name = info.data["time_zone"]
        if zone_name is None:
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(
                    "needs a time zone: an offset (2027-03-09T09:00:00+00:00) or timeZone "
                    "(timeZone: Europe/London, start: 2027-03-09T09:00)"
                )
            return value
        return _in_zone(value, ZoneInfo(zone_name), zone_name)

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is None:
            return value
        match = DURATION.match(value)
        if not match or not any(match.groups()) or parse_duration(value) <= timedelta(0):
            raise ValueError("an ISO 8601 duration like PT6H, PT90M or P1DT12H, longer than 0")
        if parse_duration(value) > MAX_LENGTH:
            raise ValueError("at most 14 days (P14D); split a longer campaign")
        return value

    @model_validator(mode="after")
    def _rules(self) -> Campaign:
        if self.end is not None and self.duration is not None:
            raise FieldError(
                "duration",
                "both end and duration are set: the campaign would have two ends",
                value=self.duration,
                allowed="end or duration, not both",
                example="end: 2027-03-09T15:00:00+00:00  # or duration: PT6H",
            )
        if self.end is not None:
            if self.end <= self.start:  # aware comparisons are by instant
                raise FieldError(
                    "end",
                    f"the end is not after the start ({self.start.isoformat()})",
                    value=self.end.isoformat(),
                    allowed="an instant after start",
                    example="end: 2027-03-09T15:00:00+00:00",
                )
            if self.length > MAX_LENGTH:
                raise FieldError(
                    "end",
                    "more than 14 days after the start; split a longer campaign",
                    value=self.end.isoformat(),
                    allowed="at most 14 days after start",
                )
        if self.length < MIN_LENGTH:
            raise FieldError(
                "end" if self.end is not None else "duration",
                "the campaign lasts less than a minute: the projection works minute by minute",
                value=self.end.isoformat() if self.end is not None else self.duration,
                allowed="at least one minute after start",
                example="duration: PT6H",
            )
        if self.channel == "email" and self.audience is None and self.expected_peak_rps is None:
            raise FieldError(
                "audience",
                "an email campaign needs its audience (size and rates) or expectedPeakRps",
                allowed="audience: {size, openRate, clickRate}",
                example="audience: {size: 2000000, openRate: 0.22, clickRate: 0.028}",
            )
        if self.audience is not None and self.expected_peak_rps is not None:
            raise FieldError(
                "expectedPeakRps",
                "both audience and expectedPeakRps are set: the projection would have two peaks",
                value=self.expected_peak_rps,
                allowed="audience (an email send) or expectedPeakRps, not both",
                example="audience: {size: 2000000}  # or expectedPeakRps: 400",
            )
        if self.channel != "email" and self.expected_peak_rps is None:
            raise FieldError(
                "expectedPeakRps",
                f"a {self.channel} campaign has no send to model: give its expected peak",
                allowed="requests per second > 0",
                example="expectedPeakRps: 400",
            )
        if self.expected_peak_rps is not None and self.expected_peak_rps <= 0:
            raise FieldError(
                "expectedPeakRps",
                "must be > 0",
                value=self.expected_peak_rps,
                allowed="> 0",
                example="expectedPeakRps: 400",
            )
        if not self.landing:
            raise FieldError(
                "landing", "at least one landing page is needed", example="landing: [{path: /}]"
            )
        total = sum(page.share for page in self.landing)
        if abs(total - 1) > 0.001:
            raise FieldError(
                "landing",
                f"the landing pages' shares add up to {total:g}, not 1",
                allowed="shares summing to 1",
                example="landing: [{path: /a, share: 0.7}, {path: /b, share: 0.3}]",
            )
        return self

    @property
    def length(self) -> timedelta:
        """Elapsed time, start to end (computed in UTC: aware datetimes sharing one zone subtract
        as wall-clock times, which is an hour off across a DST change)."""
        if self.end is not None:
            return self.end.astimezone(UTC) - self.start.astimezone(UTC)
        return parse_duration(self.duration or DEFAULT_DURATION)

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def finish(self) -> datetime:
        """When the campaign is over (UTC): `end`, or start + duration of real time."""
        return self.start_utc + self.length


def _in_zone(value: datetime, zone: ZoneInfo, zone_name: str) -> datetime:
    """A start or end written for `zone`: local wall-clock time made aware (a time the DST change
    skips or repeats is refused, not guessed), or an offset that must be the zone's at that date."""
    if value.tzinfo is not None:
        expected = value.astimezone(zone).utcoffset()
        if value.utcoffset() != expected:
            raise ValueError(
                f"the offset {value.strftime('%z')} is not {zone_name}'s on that date "
                f"({value.astimezone(zone).strftime('%z')}); drop the offset and let timeZone "
                "decide, or fix it"
            )
        return value
    early, late = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        round_trip = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        what = "does not exist (clocks go forward)" if round_trip != value else "happens twice"
        raise ValueError(
            f"{value.isoformat(timespec='minutes')} {what} in {zone_name}; pick a time outside "
            "the DST change"
        )
    return early


def iso_duration(length: timedelta) -> str:
    """`timedelta(hours=6, minutes=30)` -> `PT6H30M` (days kept as days)."""
    minutes = int(length.total_seconds() // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def parse_duration(text: str) -> timedelta:
    """PnDTnHnM as a timedelta; past timedelta's range (P999999999999D) it is timedelta.max,
    which every length check refuses."""
    match = DURATION.match(text)
    if not match:
        return timedelta(0)
    days, hours, minutes = (int(g or 0) for g in match.groups())
    try:
        return timedelta(days=days, hours=hours, minutes=minutes)
    except OverflowError:
        return timedelta.max


def campaign_path(name_or_path: str) -> Path:
    """`spring-coupon` -> campaigns/spring-coupon.yaml; a path is taken as given."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    return CAMPAIGN_DIR / f"{name_or_path}.yaml"


def load_campaign(name_or_path: str) -> Campaign:
    """Read and check one campaign file; ConfigErrors (every problem) if it is wrong."""
    path = campaign_path(name_or_path)
    label = str(path)
    if not path.is_file():
        known = sorted(p.stem for p in CAMPAIGN_DIR.glob("*.yaml"))
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=label,
                    key_path="(file)",
                    problem="no such campaign file",
                    has_value=False,
                    allowed=f"one of {known}" if known else "a campaigns/<name>.yaml file",
                    example="python -m tools.preflight spring-coupon-blast --stack prod",
                )
            ]
        )
    raw = load_mapping(
        path,
        label=label,
        shape="a mapping of campaign keys (name: ..., start: ...)",
        loader=CampaignLoader,
    )
    try:
        campaign = Campaign.model_validate(raw)
    except ValidationError as exc:
        raise ConfigErrors(
            translate(exc, Campaign, stack_file=label, namespace="", raw=raw)
        ) from None
    if campaign.name != path.stem:
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=label,
                    key_path="name",
                    problem=f"the name differs from the file's stem {path.stem!r}",
                    value=campaign.name,
                    allowed=path.stem,
                    example=f"name: {path.stem}",
                )
            ]
        )
    return campaign


CALIBRATION_DIR = CAMPAIGN_DIR / "calibration"
"""campaigns/calibration/<channel>.yaml: what a campaign review measured (python -m
tools.campaign_review --calibrate), read by every later projection of that channel."""


class Calibration(Model):
    """A channel's measured behaviour, from the review of one of its campaigns."""

    channel: Literal["email", "ads", "social", "press"] = Field(description="The channel.")
    reviewed_campaign: str = Field(description="The campaign whose logs it was fitted to.")
    reviewed_on: date = Field(strict=False, description="When the review ran.")
    fast_minutes: float = Field(
        gt=0, le=1440, description="The click curve's fast part: its time constant, minutes."
    )
    fast_share: float = Field(ge=0, le=1, description="The fast part's share of the clicks.")
    click_rate: float = Field(ge=0, le=1, description="Clicks per recipient measured.")
    scanner_share: float = Field(ge=0, le=1, description="Scanner opens per recipient link.")
    form_conversion: float = Field(ge=0, le=1, description="Form posts per visitor.")


def calibration_path(channel: str) -> Path:
    return CALIBRATION_DIR / f"{channel}.yaml"


def load_calibration(channel: str) -> Calibration | None:
    """The channel's calibration, or None when no review wrote one. A file that is there but
    wrong is an error naming it: a silently ignored calibration would forecast from the old
    figures while the review said otherwise."""
    path = calibration_path(channel)
    if not path.is_file():
        return None
    label = str(path)
    raw = load_mapping(
        path, label=label, shape="a mapping of calibration keys", loader=CampaignLoader
    )
    try:
        return Calibration.model_validate(raw)
    except ValidationError as exc:
        raise ConfigErrors(
            translate(exc, Calibration, stack_file=label, namespace="", raw=raw)
        ) from None
