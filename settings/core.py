"""Settings for the parts every stack has: the primary it must never touch, the network it lives in,
the read replicas and the alerting topic."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from settings.model import FieldError, Model

# RDS instance identifiers: 1-63 letters, digits and hyphens, starting with a letter, no "--", no
# trailing hyphen. ARNs are accepted where a cross-region source needs them.
DB_IDENTIFIER = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$")
DB_ARN = re.compile(r"^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:[a-zA-Z][a-zA-Z0-9-]{0,62}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/.+$")
"""A KMS *key* ARN: the provider validates `kms_key_id` as an ARN and replaces the replica when it
changes (terraform-provider-aws rds instance: ValidateFunc verify.ValidARN, ForceNew), and RDS
reports the key's ARN, so an alias ARN would read as a change on every plan."""
DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Performance Insights keeps 7 days free, or whole months (31-day multiples) up to two years.
PI_RETENTION_DAYS = {7, *range(31, 731, 31), 731}
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)

SubnetId = Annotated[str, Field(pattern=SUBNET_ID.pattern)]


class PrimarySettings(Model):
    """The core application's primary write database. Read, never managed, by this program."""

    identifier: str | None = Field(
        default=None,
        description="DB instance identifier of the primary (letters, digits, hyphens). "
        "Default: read from the core stack's output when spikeproof:coreStack is set.",
        examples=["core-prod-db"],
    )
    region: str | None = Field(
        default=None,
        description="Region of the primary when it differs from aws:region "
        "(cross-region replicas). Default: the stack's own region (same-region replicas).",
        examples=["us-east-1"],
    )
    kms_key_id: str | None = Field(
        default=None,
        description="KMS key ARN (arn:aws:kms:<this stack's region>:<account>:key/<id>; not an "
        "alias or a bare id) for encrypted cross-region replicas. Required when the primary is "
        "encrypted and lives in another region.",
        examples=["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    )

    @field_validator("identifier")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        if value is not None and not DB_IDENTIFIER.match(value):
            raise ValueError(
                "not an RDS instance identifier (1-63 letters, digits or hyphens, starting with "
                "a letter, no '--', no trailing hyphen)"
            )
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not REGION.match(value):
            raise ValueError("not an AWS region name")
        return value

    @field_validator("kms_key_id")
    @classmethod
    def _kms(cls, value: str | None) -> str | None:
        if value is not None and not KMS_KEY_ARN.match(value):
            raise ValueError(
                "not a KMS key ARN: the provider takes only an ARN and replaces the replicas when "
                "it changes, and RDS reports the key's own ARN, so an alias or a bare id would "
                "fail or read as a change on every plan. Find the key's ARN with `aws kms "
                "describe-key --key-id alias/NAME --region <stack region> --query "
                "KeyMetadata.Arn`"
            )
        return value


class CoreStackSettings(Model):
    """The core application's Pulumi stack, read through a StackReference."""

    name: str = Field(
        description="Fully qualified stack name org/project/stack.",
        examples=["acme/core/prod"],
    )
    vpc_id_output: str = Field(default="vpc_id", description="Output holding the VPC id.")
    private_subnet_ids_output: str = Field(
        default="private_subnet_ids", description="Output holding the private subnet ids."
    )
    public_subnet_ids_output: str = Field(
        default="public_subnet_ids", description="Output holding the public subnet ids."
    )
    primary_identifier_output: str = Field(
        default="primary_db_identifier",
        description="Output holding the primary's DB instance identifier.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not STACK_NAME.match(value):
            raise ValueError("not a fully qualified stack name 'org/project/stack'")
        return value


class NetworkSettings(Model):
    """Network ids given directly (instead of through spikeproof:coreStack)."""

    vpc_id: str = Field(
        description="VPC the marketing plane lives in (the primary's VPC).",
        examples=["vpc-0a1b2c3d4e5f60718"],
    )
    private_subnet_ids: list[SubnetId] = Field(
        min_length=2,
        description="Private subnets in at least two zones (replicas, fleet instances).",
        examples=['["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]'],
    )
    public_subnet_ids: list[SubnetId] = Field(
        min_length=2,
        description="Public subnets in at least two zones (the load balancer).",
        examples=['["subnet-0a1b2c3d4e5f60101", "subnet-0a1b2c3d4e5f60102"]'],
    )

    @field_validator("vpc_id")
    @classmethod
    def _vpc(cls, value: str) -> str:
        if not VPC_ID.match(value):
            raise ValueError("not a VPC id (vpc- followed by 8 or 17 hex digits)")
        return value

    @model_validator(mode="after")
    def _distinct(self) -> NetworkSettings:
        for key, ids in (
            ("privateSubnetIds", self.private_subnet_ids),
            ("publicSubnetIds", self.public_subnet_ids),
        ):
            if len(set(ids)) != len(ids):
                raise FieldError(key, "lists a subnet twice", value=ids, allowed="distinct ids")
        shared = set(self.private_subnet_ids) & set(self.public_subnet_ids)
        if shared:
            raise FieldError(
                "publicSubnetIds",
                "subnets are listed as both private and public",
                value=sorted(shared),
                allowed="disjoint private and public subnet lists",
            )
        return self


class ParameterGroupSettings(Model):
    family: str = Field(
        description="DB parameter group family matching the primary's engine version.",
        examples=["postgres16"],
    )
    parameters: dict[str, str] = Field(
        default_factory=dict,
        description="Parameter name to value. Default: none (the family's defaults).",
        examples=['{"log_min_duration_statement": "500"}'],
    )


class ReaderDnsSettings(Model):
    zone_name: str = Field(
        default="marketing.internal",
        description="Private Route 53 zone for the reader hostname. Default: marketing.internal, "
        "created in the stack's VPC unless zoneId is given.",
        examples=["marketing.internal"],
    )
    zone_id: str | None = Field(
        default=None,
        description="Existing private hosted zone to use instead of creating one.",
        examples=["Z0123456789ABCDEFGHIJ"],
    )
    record_name: str = Field(
        default="reader",
        description="Label of the reader hostname within the zone. Default: reader.",
        examples=["reader"],
    )
    ttl_seconds: int = Field(
        default=30,
        ge=5,
        le=3600,
        description="TTL of the weighted reader records, 5-3600 seconds. Default 30.",
        examples=["30"],
    )

    @field_validator("zone_name")
    @classmethod
    def _zone(cls, value: str) -> str:
        labels = value.rstrip(".").split(".")
        if len(labels) < 2 or not all(DNS_LABEL.match(label) for label in labels):
            raise ValueError("not a DNS zone name (lower-case labels separated by dots)")
        return value.rstrip(".")

    @field_validator("record_name")
    @classmethod
    def _record(cls, value: str) -> str:
        if not DNS_LABEL.match(value):
            raise ValueError("not a DNS label (lower-case letters, digits, hyphens)")
        return value


DB_CLASS = re.compile(r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
QUERIES_PER_VCPU = 500.0
"""The pre-flight's stand-in for a replica's measured capacity: a conservative figure for short
indexed reads (pgbench's select-only test runs one to two orders of magnitude above it on one
vCPU); marketing pages' queries are rarely that simple, so measure and set the real figure."""


def class_vcpus(instance_class: str) -> int | None:
    """vCPUs of an RDS class from its size, as AWS names sizes for every current family: micro,
    small, medium and large have 2, xlarge 4, Nxlarge 4N (db.r6g.2xlarge: 8). metal: unknown."""
    size = instance_class.rsplit(".", 1)[-1]
    if size in ("micro", "small", "medium", "large"):
        return 2
    match = re.fullmatch(r"(\d*)xlarge", size)
    if match:
        return 4 * int(match.group(1) or 1)
    return None


class ReplicaSettings(Model):
    """Read replicas of the primary: the only database the marketing plane may reach."""

    def query_capacity(self) -> tuple[float | None, str]:
        """(queries/s one replica serves, where the figure comes from)."""
        if self.query_capacity_per_second is not None:
            return self.query_capacity_per_second, "measured (replicas.queryCapacityPerSecond)"
        vcpus = class_vcpus(self.instance_class) if self.instance_class else None
        if vcpus is None:
            return None, "unknown: set replicas.queryCapacityPerSecond (or instanceClass)"
        return vcpus * QUERIES_PER_VCPU, (
            f"estimated: {self.instance_class} has {vcpus} vCPUs x {QUERIES_PER_VCPU:g}/s; "
            "measure and set replicas.queryCapacityPerSecond"
        )

    count: int = Field(
        default=1, ge=1, le=15, description="Number of replicas, 1-15. Default 1.", examples=["2"]
    )
    instance_class: str | None = Field(
        default=None,
        description="Replica instance class. Default: the primary's class, read at plan time.",
        examples=["db.r6g.large"],
    )
    multi_az: bool = Field(default=False, description="Multi-AZ replicas. Default false.")
    query_capacity_per_second: float | None = Field(
        default=None,
        gt=0,
        le=10_000_000,
        description="Queries per second one replica serves at its limit, measured with the "
        "campaign pages' own queries (e.g. pgbench with a custom script against a replica of "
        "this class; docs/campaigns.md). The pre-flight checks a replica-read campaign against "
        "it. Default: estimated from instanceClass (500 per vCPU), and said to be an estimate.",
        examples=["6000"],
    )

    @field_validator("instance_class")
    @classmethod
    def _class(cls, value: str | None) -> str | None:
        # RDS names every DB instance class db.<family>.<size> (db.r6g.large, db.t4g.medium,
        # db.x2iedn.16xlarge); an EC2 type without the prefix is refused by CreateDBInstance.
        if value is not None and not DB_CLASS.match(value):
            hint = f" (did you mean 'db.{value}'?)" if DB_CLASS.match(f"db.{value}") else ""
            raise ValueError(f"{value!r} is not an RDS instance class{hint}: db.<family>.<size>")
        return value

    deletion_protection: bool = Field(
        default=True, description="RDS deletion protection on each replica. Default true."
    )
    performance_insights: bool = Field(
        default=True, description="Enable Performance Insights. Default true."
    )
    performance_insights_retention_days: int = Field(
        default=7,
        description="Performance Insights retention: 7, or a multiple of 31 up to 731. Default 7.",
        examples=["7"],
    )
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        default=60,
        description="Enhanced monitoring interval, one of 0 (off), 1, 5, 10, 15, 30, 60. "
        "Default 60.",
        examples=["60"],
    )
    log_exports: list[str] | None = Field(
        default=None,
        description="CloudWatch log exports. Default: the engine's main logs "
        "(postgres: postgresql, upgrade; mysql: error, slowquery).",
        examples=['["postgresql"]'],
    )
    parameter_group: ParameterGroupSettings | None = Field(
        default=None,
        description="A parameter group of the replicas' own. Default: the primary's own group "
        "(same region) or the region's engine default (cross-region). Refused when a same-region "
        "primary has a custom group (its parameters would be dropped).",
    )
    reader_dns: ReaderDnsSettings = Field(
        default_factory=ReaderDnsSettings, description="The one reader hostname for consumers."
    )
    lag_alarm_seconds: int = Field(
        default=30,
        ge=1,
        le=3600,
        description="ReplicaLag alarm threshold in seconds. PostgreSQL reports the time since "
        "the replica last replayed a transaction, so on a primary with no writes it grows until "
        "the next one: set it above the primary's quietest write interval (staging: 900). "
        "Default 30.",
        examples=["30"],
    )
    cpu_alarm_percent: int = Field(
        default=80,
        ge=1,
        le=100,
        description="CPUUtilization alarm threshold in percent. Default 80.",
        examples=["80"],
    )
    freeable_memory_alarm_mib: int = Field(
        default=256,
        ge=1,
        description="FreeableMemory alarm threshold in MiB. Default 256.",
        examples=["256"],
    )
    free_storage_alarm_gib: int = Field(
        default=10,
        ge=1,
        description="FreeStorageSpace alarm threshold in GiB. Default 10.",
        examples=["10"],
    )
    connections_alarm: int = Field(
        default=500,
        ge=1,
        description="DatabaseConnections alarm threshold. Default 500.",
        examples=["500"],
    )

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi(cls, value: int) -> int:
        if value not in PI_RETENTION_DAYS:
            raise ValueError("Performance Insights keeps 7 days or a multiple of 31 up to 731")
        return value


class SlackSettings(Model):
    """A Slack channel that gets the alarms through AWS Chatbot (Amazon Q Developer in chat
    applications): the workspace must be authorised once in the AWS console
    (docs/first-deploy.md)."""

    workspace_id: str = Field(
        pattern=r"^T[A-Z0-9]{8,11}$",
        description="Slack workspace (team) id authorised with AWS Chatbot, e.g. T07EA123LEP.",
        examples=["T07EA123LEP"],
    )
    channel_id: str = Field(
        pattern=r"^[CG][A-Z0-9]{8,11}$",
        description="Channel id (the channel's 'About' tab), e.g. C07EZ1ABC23.",
        examples=["C07EZ1ABC23"],
    )
    channel_name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$",
        description="Channel name without '#', for the configuration's name and the runbooks.",
        examples=["marketing-eng-sync"],
    )


# Incoming-webhook hosts: an SNS HTTPS subscription to them never confirms (SNS posts a
# SubscriptionConfirmation the webhook cannot answer), so nothing would ever be delivered.
_CHAT_WEBHOOKS = re.compile(
    r"^https://(hooks\.slack\.com|[a-z0-9.-]*\.webhook\.office\.com|outlook\.office(365)?\.com"
    r"/webhook|[a-z0-9.-]*\.logic\.azure\.com)",
    re.IGNORECASE,
)


class AlertingSettings(Model):
    """Where alarms go."""

    emails: list[str] = Field(
        default_factory=list,
        description="E-mail addresses subscribed to the alarm topic. Default: none.",
        examples=['["oncall@example.com"]'],
    )
    https_endpoints: list[str] = Field(
        default_factory=list,
        description="HTTPS endpoints (chat webhooks) subscribed to the alarm topic. Keep them in a "
        "secret value (`pulumi config set --secret`): webhook URLs carry tokens. Default: none.",
        examples=['["https://hooks.example.com/T000/B000/XXXX"]'],
    )
    encrypted: bool = Field(
        default=True,
        description="Encrypt the topic with a customer-managed KMS key that CloudWatch may use "
        "(the AWS-managed SNS key cannot take alarms). Default true.",
    )
    slack: SlackSettings | None = Field(
        default=None,
        description="The shared chat channel (#marketing-eng-sync) that gets every alarm, through "
        "AWS Chatbot subscribed to the topic. Default: none.",
    )

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not EMAIL.match(v)]
        if bad:
            raise ValueError(f"not e-mail addresses: {', '.join(bad)}")
        return value

    @field_validator("https_endpoints")
    @classmethod
    def _https(cls, value: list[str]) -> list[str]:
        bad = [i for i, v in enumerate(value) if not v.startswith("https://")]
        if bad:
            # The URLs are secret: name their positions, never echo them.
            raise ValueError(f"entries {bad} are not https:// URLs")
        return value

    @model_validator(mode="before")
    @classmethod
    def _chat_webhooks(cls, data: object) -> object:
        endpoints = data.get("httpsEndpoints") if isinstance(data, dict) else None
        if isinstance(endpoints, list):
            chat = [
                i for i, v in enumerate(endpoints) if isinstance(v, str) and _CHAT_WEBHOOKS.match(v)
            ]
            if chat:
                raise FieldError(
                    "httpsEndpoints",
                    f"entries {chat} are Slack or Teams incoming webhooks: an SNS subscription to "
                    "one never confirms, so no alarm would arrive: use spikeproof:alerting.slack "
                    "(AWS Chatbot) for the chat channel",
                    # The URLs carry their tokens: never echoed.
                    value="[webhook URLs hidden]",
                    allowed="HTTPS endpoints that confirm SNS subscriptions",
                    example="spikeproof:alerting: {slack: {workspaceId: T07EA123LEP, channelId: "
                    "C07EZ1ABC23, channelName: marketing-eng-sync}} (AWS Chatbot) instead",
                )
        return data
