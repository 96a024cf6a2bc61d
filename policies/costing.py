"""What each registered resource costs a month: one rule per type token, over the inputs a plan
records (the offline plan's JSON, or the pack's `args.resources` props: the same camelCase wire
form). Standard library only: the pack runs it in its own process (budget policy), and
`python -m tools.cost` imports it for the line-by-line bill, so there is one set of rules.

Prices come in through a `Sheet` (model/prices.csv through the tools; the pack's config for the
policy, derived from the same table by tools.policy_config), never from this module.

Choices, stated on the lines they touch:
- A month is 730 hours (AWS's and Infracost's convention).
- Fixed charges are counted; usage charges (requests, GB-seconds, bytes) are $0 at rest with the
  unit price in the assumption: a stack at rest serves little, and a campaign's usage is priced
  by the pre-flight from its projection. The ALB is the exception: it is billed LCU-hours every
  hour, so one LCU is assumed.
- Free tiers are not applied (they are the account's, shared with everything in it).
- Spot instances are priced at the on-demand rate, as a ceiling, and the line says so.
- The network the stack runs in (NAT gateway or interface endpoints the fleet reaches S3 and
  the package mirrors through) is not the stack's: shown as lines outside the total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

HOURS_PER_MONTH = 730.0
DEFAULT_LCU = 1.0
EC2_DETAILED_METRICS = 7
"""Metrics EC2 detailed monitoring publishes per instance, billed as custom metrics (CloudWatch
pricing page, "Detailed Monitoring": CPU, disk and network, seven at one-minute resolution)."""
PI_FREE_DAYS = 7


class RateLike(Protocol):
    @property
    def usd(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def estimate(self) -> bool: ...


class Sheet(Protocol):
    """Unit prices for one region (global rows included)."""

    def rate(self, service: str, usage: str) -> RateLike: ...


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    props: Mapping[str, Any]


@dataclass(frozen=True)
class Facts:
    """What the bill needs that no resource input records: the Cloudflare plan the zone is on,
    and the storage a replica inherits from its source (RDS sizes a replica from its primary)."""

    cloudflare_plan: str | None = None
    replica_storage_gib: float | None = None
    replica_storage_type: str = "gp3"


@dataclass(frozen=True)
class Line:
    urn: str
    type: str
    what: str
    quantity: float
    unit: str
    unit_price_usd: float
    monthly_usd: float
    assumption: str = ""
    estimate: bool = False
    source: str = ""
    in_total: bool = True

    def json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "what": self.what,
            "quantity": round(self.quantity, 6),
            "unit": self.unit,
            "unitPriceUsd": self.unit_price_usd,
            "monthlyUsd": round(self.monthly_usd, 2),
            "assumption": self.assumption,
            "estimate": self.estimate,
            "source": self.source,
            "inTotal": self.in_total,
        }


@dataclass
class Context:
    sheet: Sheet
    facts: Facts
    resources: Sequence[Resource]
    lines: list[Line] = field(default_factory=list)

    def charge(
        self,
        r: Resource,
        service: str,
        usage: str,
        quantity: float,
        what: str,
        *,
        per_month: float | None = None,
        assumption: str = "",
        in_total: bool = True,
    ) -> None:
        """A line of `quantity` x `per_month` units at the sheet's rate (`per_month` defaults to
        730 for a price by the hour, 1 otherwise)."""
        rate = self.sheet.rate(service, usage)
        if per_month is None:
            per_month = HOURS_PER_MONTH if rate.unit.lower().endswith("hour") else 1.0
        monthly = quantity * per_month * rate.usd
        unit = rate.unit if per_month == 1 else f"{rate.unit} x {per_month:g}/month"
        self.lines.append(
            Line(
                urn=r.urn,
                type=r.type,
                what=what,
                quantity=quantity,
                unit=unit,
                unit_price_usd=rate.usd,
                monthly_usd=monthly,
                assumption=assumption,
                estimate=rate.estimate,
                source=rate.source,
                in_total=in_total,
            )
        )

    def free(self, r: Resource, reason: str, source: str = "") -> None:
        self.lines.append(
            Line(r.urn, r.type, reason, 0, "", 0.0, 0.0, assumption="", source=source)
        )

    def usage(self, r: Resource, service: str, usage: str, what: str) -> None:
        """A resource billed only by use: $0 at rest, its unit price stated."""
        rate = self.sheet.rate(service, usage)
        self.lines.append(
            Line(
                urn=r.urn,
                type=r.type,
                what=what,
                quantity=0,
                unit=rate.unit,
                unit_price_usd=rate.usd,
                monthly_usd=0.0,
                assumption=f"billed by use (${rate.usd:.10g} per {rate.unit}); at rest $0, a "
                "campaign's use is priced by the pre-flight",
                estimate=rate.estimate,
                source=rate.source,
            )
        )

    def of_type(self, token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == token]


Rule = Callable[[Resource, Context], None]


def _get(props: Mapping[str, Any], *path: str) -> Any:
    value: Any = props
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _fixed(reason: str, source: str = "") -> Rule:
    def rule(r: Resource, ctx: Context) -> None:
        ctx.free(r, reason, source)

    return rule


def _by_use(service: str, usage: str, what: str) -> Rule:
    def rule(r: Resource, ctx: Context) -> None:
        ctx.usage(r, service, usage, what)

    return rule


def _launch_template(ctx: Context) -> Mapping[str, Any]:
    """The fleet's launch template's inputs ({} unless the plan has exactly one)."""
    templates = ctx.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    return templates[0].props if len(templates) == 1 else {}


def _group(r: Resource, ctx: Context) -> None:
    props = r.props
    template = _launch_template(ctx)
    mixed = _get(props, "mixedInstancesPolicy")
    overrides = _get(mixed, "launchTemplate", "overrides") or []
    types = [o.get("instanceType") for o in overrides if isinstance(o, Mapping)]
    first = (types[0] if types else None) or template.get("instanceType")
    if not first:
        ctx.free(r, "instance type unknown (no launch template in the plan): not priced")
        return
    # At rest, target tracking holds the group at minSize (desiredCapacity is only the first
    # size: the component ignores it after create), as the pre-flight's projection does.
    count = _int(props.get("minSize"))
    base = _int(_get(mixed, "instancesDistribution", "onDemandBaseCapacity"), count)
    above = _int(_get(mixed, "instancesDistribution", "onDemandPercentageAboveBaseCapacity"), 100)
    on_demand = count if not mixed else min(count, base) + (max(0, count - base) * above) // 100
    spot = count - on_demand
    if on_demand:
        ctx.charge(
            r,
            "ec2",
            f"instance:{first}",
            on_demand,
            f"{on_demand} x {first} on-demand",
            per_month=HOURS_PER_MONTH,
            assumption="minSize in service all month (target tracking's floor at rest); "
            "scale-out and pre-warm windows are campaign costs",
        )
    if spot:
        ctx.charge(
            r,
            "ec2",
            f"instance:{first}",
            spot,
            f"{spot} x {first} spot",
            per_month=HOURS_PER_MONTH,
            assumption="spot priced at the on-demand rate, as a ceiling (the spot price "
            "varies by the hour and is typically well below it)",
        )
    volume = _root_volume(template)
    if volume:
        ctx.charge(
            r,
            "ebs",
            "gp3-storage",
            count * volume,
            f"{volume:g} GiB gp3 x {count}",
            assumption="each instance's root volume (launch template)",
        )
    pool = _get(props, "warmPool")
    if isinstance(pool, Mapping) and volume:
        size = _int(pool.get("minSize"))
        if size:
            ctx.charge(
                r,
                "ebs",
                "gp3-storage",
                size * volume,
                f"{volume:g} GiB gp3 x {size} (warm pool, stopped)",
                assumption="a stopped instance pays for its volumes only (EC2 pricing)",
            )
    if _get(template, "monitoring", "enabled") is True:
        ctx.charge(
            r,
            "cloudwatch",
            "custom-metric",
            count * EC2_DETAILED_METRICS,
            f"detailed monitoring: {EC2_DETAILED_METRICS} metrics x {count} instances",
            assumption="EC2 detailed monitoring is billed as custom metrics",
        )
    if _get(template, "networkInterfaces") and all(
        str(n.get("associatePublicIpAddress")).lower() != "true"
        for n in template.get("networkInterfaces") or []
        if isinstance(n, Mapping)
    ):
        _network(r, ctx)


def _root_volume(template: Mapping[str, Any]) -> float:
    for mapping in template.get("blockDeviceMappings") or []:
        size = _get(mapping, "ebs", "volumeSize")
        if size is not None:
            return float(size)
    return 0.0


def _network(r: Resource, ctx: Context) -> None:
    """The fleet has no public addresses: it reaches S3 and the package mirrors through the VPC's
    NAT gateway (or endpoints). The core network's cost, shown outside the stack's total."""
    subnets = max(1, len(r.props.get("vpcZoneIdentifiers") or []))
    ctx.charge(
        r,
        "vpc",
        "nat-gateway",
        subnets,
        f"NAT gateway x {subnets} (the VPC's, one per AZ)",
        per_month=HOURS_PER_MONTH,
        assumption="not created by this stack: the network it runs in needs it (or interface "
        "endpoints); shown, not added to the total",
        in_total=False,
    )


def _schedule(r: Resource, ctx: Context) -> None:
    """A pre-warm window's instances above the group's minimum, from this action to its release:
    a one-off in the window's month, shown, not added to the monthly total."""
    props = r.props
    desired = _int(props.get("desiredCapacity"), -1)
    if desired < 0:
        ctx.free(r, "release action: ends a pre-warm window")
        return
    name = str(props.get("scheduledActionName") or "")
    release = next(
        (
            s
            for s in ctx.of_type(r.type)
            if str(s.props.get("scheduledActionName") or "")
            == name.removesuffix("-prewarm") + "-release"
        ),
        None,
    )
    groups = ctx.of_type("aws:autoscaling/group:Group")
    base = _int(groups[0].props.get("minSize")) if groups else 0
    if release is None:
        ctx.free(r, "pre-warm without a release action in the plan: not priced")
        return
    hours = _hours_between(str(props.get("startTime")), str(release.props.get("startTime")))
    kind = _launch_template(ctx).get("instanceType")
    extra = max(0, desired - base)
    if not kind or hours is None or not extra:
        ctx.free(r, "pre-warm window: nothing above the group's size to price")
        return
    ctx.charge(
        r,
        "ec2",
        f"instance:{kind}",
        extra * hours,
        f"one-off: {extra} x {kind} above the fleet for {hours:g} h ({props.get('startTime')})",
        per_month=1.0,
        assumption="a campaign window's pre-warm, paid once in its month; not in the monthly total",
        in_total=False,
    )


def _hours_between(start: str, end: str) -> float | None:
    try:
        a = datetime.fromisoformat(start.replace("Z", "+00:00"))
        b = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (b - a).total_seconds() / 3600)


def _load_balancer(r: Resource, ctx: Context) -> None:
    kind = r.props.get("loadBalancerType") or "application"
    if kind != "application":
        ctx.free(r, f"{kind} load balancer: no rule prices it (only ALBs are registered)")
        return
    ctx.charge(r, "elb", "alb", 1, "1 Application Load Balancer", per_month=HOURS_PER_MONTH)
    ctx.charge(
        r,
        "elb",
        "alb-lcu",
        DEFAULT_LCU,
        f"{DEFAULT_LCU:g} LCU average",
        per_month=HOURS_PER_MONTH,
        assumption="an LCU is 25 new connections/s, 3,000 active, 1 GB/h or 1,000 rule "
        "evaluations/s, whichever is highest; a quiet site uses less, a campaign more",
    )
    if not r.props.get("internal"):
        subnets = len(r.props.get("subnets") or []) or 2
        ctx.charge(
            r,
            "ec2",
            "public-ipv4",
            subnets,
            f"{subnets} public IPv4 (one per AZ node)",
            per_month=HOURS_PER_MONTH,
            assumption="an internet-facing ALB holds a public IPv4 address in each subnet",
        )


def _rds(r: Resource, ctx: Context) -> None:
    props = r.props
    klass = props.get("instanceClass")
    if not klass:
        ctx.free(r, "instance class unknown: not priced")
        return
    multi = bool(props.get("multiAz"))
    nodes = 2 if multi else 1
    ctx.charge(
        r,
        "rds",
        f"instance:{klass}",
        nodes,
        f"{klass} PostgreSQL{' Multi-AZ (2 nodes)' if multi else ''}",
        per_month=HOURS_PER_MONTH,
        assumption="on-demand; Multi-AZ bills a standby node" if multi else "on-demand",
    )
    storage = props.get("allocatedStorage")
    kind = str(props.get("storageType") or "gp3")
    inherited = storage is None and props.get("replicateSourceDb") is not None
    if inherited:
        storage = ctx.facts.replica_storage_gib
        kind = ctx.facts.replica_storage_type
    if storage:
        ctx.charge(
            r,
            "rds",
            f"storage-{kind}",
            float(storage) * nodes,
            f"{float(storage):g} GiB {kind}",
            assumption="a replica's storage is its source's (RDS sizes it from the primary)"
            if inherited
            else "",
        )
    else:
        ctx.free(r, "storage: size unknown in the plan (the primary's, when a replica)")
    retention = _int(props.get("performanceInsightsRetentionPeriod"))
    if props.get("performanceInsightsEnabled") and retention > PI_FREE_DAYS:
        vcpus = _class_vcpus(str(klass))
        what = f"Performance Insights {retention} days: {vcpus} vCPUs"
        try:
            ctx.charge(
                r,
                "rds",
                "performance-insights-long-term",
                vcpus * nodes,
                what,
                assumption=f"retention beyond the free {PI_FREE_DAYS} days is billed per vCPU",
            )
        except (KeyError, ValueError):
            # No source gave the rate (AWS folded long-term retention into Database Insights):
            # said on the line, never a number from memory.
            ctx.lines.append(
                Line(
                    r.urn,
                    r.type,
                    what,
                    vcpus * nodes,
                    "vCPU",
                    0.0,
                    0.0,
                    assumption=f"not priced: retention beyond {PI_FREE_DAYS} days is billed per "
                    "vCPU (Database Insights), and no source read gave the rate; add it to "
                    "model/prices.csv (rds performance-insights-long-term) to count it",
                    estimate=True,
                )
            )


def _class_vcpus(klass: str) -> int:
    size = klass.rsplit(".", 1)[-1]
    if size in ("micro", "small", "medium", "large"):
        return 2
    digits = size.removesuffix("xlarge")
    return 4 * (int(digits) if digits.isdigit() else 1) if size.endswith("xlarge") else 2


def _alarm(r: Resource, ctx: Context) -> None:
    queries = r.props.get("metricQueries") or []
    metrics = sum(1 for q in queries if isinstance(q, Mapping) and q.get("metric")) or 1
    periods = [
        _int(q.get("metric", {}).get("period"), 60)
        for q in queries
        if isinstance(q, Mapping) and q.get("metric")
    ]
    period = min(periods) if periods else _int(r.props.get("period"), 60)
    usage = "alarm-high-resolution" if period < 60 else "alarm-standard"
    ctx.charge(
        r,
        "cloudwatch",
        usage,
        metrics,
        f"{metrics} alarm metric{'s' if metrics > 1 else ''}"
        + (" (metric math: each metric counts)" if queries else ""),
        assumption="the account's 10 free alarm metrics are not applied",
    )


def _dashboard(r: Resource, ctx: Context) -> None:
    ctx.charge(
        r,
        "cloudwatch",
        "dashboard",
        1,
        "1 dashboard",
        assumption="the account's 3 free dashboards are not applied",
    )


def _kms(r: Resource, ctx: Context) -> None:
    ctx.charge(r, "kms", "customer-managed-key", 1, "1 customer managed key")


def _secret(r: Resource, ctx: Context) -> None:
    ctx.charge(r, "secretsmanager", "secret", 1, "1 secret")


def _zone(r: Resource, ctx: Context) -> None:
    ctx.charge(r, "route53", "hosted-zone", 1, "1 hosted zone")


def _plan(r: Resource, ctx: Context) -> None:
    plan = ctx.facts.cloudflare_plan
    if plan is None:
        ctx.free(r, "the zone's Cloudflare plan is unknown")
        return
    ctx.charge(
        r,
        "plans",
        f"plan:{plan}",
        1,
        f"Cloudflare {plan} plan (the zone's)",
        assumption="billed monthly; the zone is the core's too, so this is the plan the edge "
        "settings require, not necessarily an extra bill",
    )


def _waiting_room(r: Resource, ctx: Context) -> None:
    plan = ctx.facts.cloudflare_plan or "business"
    rate = ctx.sheet.rate("waiting-room", f"included:{plan}")
    ctx.lines.append(
        Line(
            r.urn,
            r.type,
            f"1 waiting room ({plan} plan)",
            1,
            rate.unit,
            rate.usd,
            rate.usd,
            assumption="included in the plan's entitlement when within it",
            estimate=rate.estimate,
            source=rate.source,
        )
    )


CACHE_RESERVE_GB = 1.0
CACHE_RESERVE_READS = 1_000_000.0
CACHE_RESERVE_WRITES = 10_000.0


def _cache_reserve(r: Resource, ctx: Context) -> None:
    if str(r.props.get("value")) != "on":
        ctx.free(r, "Cache Reserve off")
        return
    ctx.charge(
        r,
        "cache-reserve",
        "storage",
        CACHE_RESERVE_GB,
        f"{CACHE_RESERVE_GB:g} GB stored",
        assumption="the marketing site's cached pages and assets, about 1 GB",
    )
    ctx.charge(
        r,
        "cache-reserve",
        "class-b-operations",
        CACHE_RESERVE_READS,
        f"{CACHE_RESERVE_READS:,.0f} reads",
        assumption="one read per edge miss that Cache Reserve serves: 1M a month assumed",
    )
    ctx.charge(
        r,
        "cache-reserve",
        "class-a-operations",
        CACHE_RESERVE_WRITES,
        f"{CACHE_RESERVE_WRITES:,.0f} writes",
        assumption="one write per object admitted or refreshed: 10,000 a month assumed",
    )


def _lambda(r: Resource, ctx: Context) -> None:
    arch = (r.props.get("architectures") or ["x86_64"])[0]
    usage = "gb-second-arm64" if arch == "arm64" else "gb-second-x86"
    memory = _int(r.props.get("memorySize"), 128)
    ctx.usage(r, "lambda", usage, f"{memory} MB {arch}: GB-seconds and requests by use")


CONFIG = "configuration, no charge of its own"
COMPONENT = _fixed("component: its children are priced")
SSE_CONFIG = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
RULES: dict[str, Rule] = {
    "aws:acm/certificate:Certificate": _fixed("public ACM certificate: no charge"),
    "aws:acm/certificateValidation:CertificateValidation": _fixed("validation wait: " + CONFIG),
    "aws:apigatewayv2/api:Api": _by_use("apigateway", "http-api-requests", "HTTP API: requests"),
    "aws:apigatewayv2/apiMapping:ApiMapping": _fixed("API mapping: " + CONFIG),
    "aws:apigatewayv2/domainName:DomainName": _fixed(
        "custom domain: no charge for HTTP APIs (requests are the API's)"
    ),
    "aws:apigatewayv2/integration:Integration": _fixed("integration: " + CONFIG),
    "aws:apigatewayv2/route:Route": _fixed("route: " + CONFIG),
    "aws:apigatewayv2/stage:Stage": _fixed("stage: " + CONFIG),
    "aws:autoscaling/group:Group": _group,
    "aws:autoscaling/policy:Policy": _fixed("scaling policy: " + CONFIG),
    "aws:autoscaling/schedule:Schedule": _schedule,
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": _fixed(
        "AWS Chatbot: no charge (the SNS topic's deliveries are)"
    ),
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _by_use(
        "cloudwatch", "logs-ingestion", "log group: ingestion and storage by use"
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:dynamodb/table:Table": _by_use(
        "dynamodb", "write-request-units", "on-demand table: writes, reads and storage by use"
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": _fixed("launch template: priced on the group"),
    "aws:ec2/securityGroup:SecurityGroup": _fixed("security group: " + CONFIG),
    "aws:iam/instanceProfile:InstanceProfile": _fixed("IAM: no charge"),
    "aws:iam/role:Role": _fixed("IAM: no charge"),
    "aws:iam/rolePolicy:RolePolicy": _fixed("IAM: no charge"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _fixed("IAM: no charge"),
    "aws:kms/key:Key": _kms,
    "aws:lambda/eventSourceMapping:EventSourceMapping": _fixed(
        "SQS trigger: its polling is SQS requests, priced by use on the queue"
    ),
    "aws:lambda/function:Function": _lambda,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": _fixed(
        "async invoke settings: " + CONFIG
    ),
    "aws:lambda/permission:Permission": _fixed("permission: " + CONFIG),
    "aws:lb/listener:Listener": _fixed("listener: part of the ALB's hours"),
    "aws:lb/listenerRule:ListenerRule": _fixed("listener rule: counted in the ALB's LCU"),
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _fixed("target group: " + CONFIG),
    "aws:rds/instance:Instance": _rds,
    "aws:rds/parameterGroup:ParameterGroup": _fixed("parameter group: " + CONFIG),
    "aws:rds/subnetGroup:SubnetGroup": _fixed("subnet group: " + CONFIG),
    "aws:route53/record:Record": _fixed("record: queries to alias records are free; priced by use"),
    "aws:route53/zone:Zone": _zone,
    "aws:s3/bucket:Bucket": _by_use(
        "s3", "standard-storage", "bucket: storage and requests by use"
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _fixed(
        "S3 setting: " + CONFIG
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _fixed("S3 setting: " + CONFIG),
    "aws:s3/bucketPolicy:BucketPolicy": _fixed("S3 setting: " + CONFIG),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _fixed("S3 setting: " + CONFIG),
    SSE_CONFIG: _fixed("SSE-S3: no charge"),
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _fixed("secret value: in the secret's price"),
    "aws:sesv2/contactList:ContactList": _fixed(
        "SES contact list: no charge of its own; sending is priced by use"
    ),
    "aws:sns/topic:Topic": _by_use("sns", "requests", "topic: publishes by use"),
    "aws:sns/topicPolicy:TopicPolicy": _fixed("topic policy: " + CONFIG),
    "aws:sns/topicSubscription:TopicSubscription": _fixed("subscription: deliveries by use"),
    "aws:sqs/queue:Queue": _by_use("sqs", "standard-requests", "queue: requests by use"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _fixed("rule: " + CONFIG),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _fixed("rule: " + CONFIG),
    "cloudflare:index/argoTieredCaching:ArgoTieredCaching": _fixed(
        "tiered caching: included in every plan"
    ),
    "cloudflare:index/dnsRecord:DnsRecord": _fixed("DNS record: included in every plan"),
    "cloudflare:index/ruleset:Ruleset": _fixed("rules: included in the plan's rule quota"),
    "cloudflare:index/tieredCache:TieredCache": _fixed(
        "Smart Tiered Cache: included in every plan"
    ),
    "cloudflare:index/turnstileWidget:TurnstileWidget": _fixed("Turnstile widget: free"),
    "cloudflare:index/waitingRoom:WaitingRoom": _waiting_room,
    "cloudflare:index/worker:Worker": _fixed(
        "static-assets Worker: requests to static assets are free and unlimited; its script runs "
        "only on the CMS sign-in and publish hook (/admin/oauth/*, /admin/hooks/*: a few a day, "
        "inside the Free plan's 100,000 requests a day)"
    ),
    "cloudflare:index/workerVersion:WorkerVersion": _fixed("Worker version: " + CONFIG),
    "cloudflare:index/workersDeployment:WorkersDeployment": _fixed("deployment: " + CONFIG),
    "cloudflare:index/workersRoute:WorkersRoute": _fixed("Worker route: " + CONFIG),
    "cloudflare:index/zoneCacheReserve:ZoneCacheReserve": _cache_reserve,
    "cloudflare:index/zoneSetting:ZoneSetting": _fixed("zone setting: " + CONFIG),
    "pulumi:pulumi:Stack": _plan,
    "pulumi:pulumi:StackReference": _fixed("stack reference: reads another stack's outputs"),
    "random:index/randomPassword:RandomPassword": _fixed("generated in the engine, no cloud"),
    "spikeproof:compute:WebFleet": COMPONENT,
    "spikeproof:data:ReadReplica": COMPONENT,
    "spikeproof:edge:CloudflareEdge": COMPONENT,
    "spikeproof:edge:FormFrontDoor": COMPONENT,
    "spikeproof:forms:FormBackend": COMPONENT,
    "spikeproof:ops:Alerting": COMPONENT,
    "spikeproof:ops:CampaignMonitor": COMPONENT,
    "spikeproof:site:StaticSite": COMPONENT,
}


class Unpriced(ValueError):
    """Resource types no rule prices: a new type needs a rule (even $0 with its reason)."""


def unpriced(resources: Sequence[Resource]) -> list[str]:
    """Types no rule prices, sorted."""
    return sorted({r.type for r in resources if r.type not in RULES})


def price(
    resources: Sequence[Resource], sheet: Sheet, facts: Facts, *, strict: bool = True
) -> list[Line]:
    """Every resource's lines. `strict` (the tools): a type without a rule is an error; else (the
    pack, which sees any program's resources) such resources are left out, and the caller names
    them (`unpriced`)."""
    missing = unpriced(resources)
    if missing and strict:
        raise Unpriced(
            f"no cost rule for {', '.join(missing)}: add one to policies/costing.py RULES "
            "(a $0 rule with its reason when the type costs nothing)"
        )
    ctx = Context(sheet=sheet, facts=facts, resources=resources)
    for r in resources:
        if r.type in RULES:
            RULES[r.type](r, ctx)
    return ctx.lines


def total(lines: Sequence[Line]) -> float:
    return sum(line.monthly_usd for line in lines if line.in_total)
