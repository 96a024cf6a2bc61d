"""The marketing origin: an autoscaling nginx fleet behind an ALB that only Cloudflare can reach.

Creates: a launch template (AL2023 from the public SSM parameter or a given AMI, IMDSv2 only,
encrypted gp3 root, no public IP, SSM-only instance profile plus read of the site prefix, cloud-init
from model/webserver), an Auto Scaling group in private subnets (ELB health checks, warm-up,
metrics, rolling instance refresh with alarm rollback, maintenance policy, optional spot mix and
warm pool; desired capacity ignored after create), CPU and request-count target tracking, a step
scale-out policy on the CPU-high alarm, campaign scheduled actions, an ALB in public subnets
(ingress only from Cloudflare ranges, HTTPS with ACM, HTTP redirected, a 403 default unless the
secret origin header is present), a /healthz target group with slow start, and alarms to the
stack's topic.

Deliberately not here: DNS validation records and the Cloudflare side (the edge component creates
them from `domain_validation_options` and passes their FQDNs back), and the replicas' ingress
(the replica component admits `security_group_id`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_cloudflare as cloudflare

from components.acm import validation_options
from components.alerting import metric_alarm
from components.core import NetworkFacts
from components.iam import policy_json, policy_output, service_trust
from model.schedule import CampaignWindow, scheduled_actions
from model.webserver import (
    HOOK_HEARTBEAT_SECONDS,
    LIFECYCLE_HOOK,
    SiteSource,
    WebServerConfig,
    render_user_data,
)
from settings.fleet import FleetSettings

SNAPSHOT_PATH = Path(__file__).with_name("cloudflare_ips.json")
# Elastic Load Balancing's own account per region, the principal that writes access logs in the
# regions opened before August 2022 ("Enable access logs for your Application Load Balancer",
# Step 2, read 2026-12-07; the same table as terraform-aws-modules/terraform-aws-s3-bucket's
# elb_service_accounts). Regions opened since write as the service principal below.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-south-1": "718504428378", "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580", "ca-central-1": "985666609251",
    "eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
    "eu-west-3": "009996457667", "eu-south-1": "635631232127", "eu-north-1": "897822967062",
    "me-south-1": "076674570225", "sa-east-1": "507241528517", "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
}  # fmt: skip
ELB_LOG_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
OPEN_WORLD = {"0.0.0.0/0", "::/0"}
CPU_HIGH_PERCENT = 80


def cloudflare_snapshot() -> tuple[list[str], list[str]]:
    data = json.loads(SNAPSHOT_PATH.read_text())
    return list(data["ipv4Cidrs"]), list(data["ipv6Cidrs"])


def edge_cidrs(found: Sequence[str] | None, snapshot: Sequence[str]) -> list[str]:
    """The invoke's ranges, or the snapshot when the look-up came back empty; never the world."""
    cleaned = sorted({c for c in (found or []) if c not in OPEN_WORLD})
    return cleaned or sorted(snapshot)


def elb_log_principal(region: str) -> dict[str, str]:
    """Who writes a load balancer's access logs in `region`: ELB's own account where it has one,
    the log delivery service principal in the regions opened since August 2022."""
    account = ELB_LOG_ACCOUNTS.get(region)
    return {"AWS": f"arn:aws:iam::{account}:root"} if account else {"Service": ELB_LOG_SERVICE}


def request_count_target(capacity_rps: float, utilization_percent: int) -> float:
    """ALBRequestCountPerTarget target: requests per instance per minute at the target share."""
    return round(capacity_rps * 60 * utilization_percent / 100, 1)


@dataclass(frozen=True, kw_only=True)
class WebFleetArgs:
    config: FleetSettings
    """What the stack file decides: types, image, sizes, scaling, spot or warm pool, ALB options,
    Cache-Control lifetimes. Defaults, bounds and cross-field rules live in settings/fleet.py."""
    network: NetworkFacts
    """The VPC, the instances' private subnets and the load balancer's public subnets."""
    domain_names: Sequence[str]
    """Names on the ACM certificate (DNS-validated): the first is its domain name, the rest
    subject alternative names. Behind the edge, the marketing hostnames (Cloudflare presents the
    visitor's hostname to the origin, and Full (strict) verifies it)."""
    origin_header_name: str
    """Name of the header the edge adds (edge.originHeaderName); anything without it gets a 403."""
    origin_secret: pulumi.Input[str]
    """Value of that header."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic every alarm notifies."""
    campaign_windows: Sequence[CampaignWindow] = ()
    """Pre-warm windows: fleet.campaignWindows and the referenced campaigns'. Default: none."""
    now: datetime | None = None
    """Instant past which scheduled actions are dropped; required with campaign windows."""
    certificate_validation_fqdns: pulumi.Input[Sequence[str]] | None = None
    """FQDNs of the DNS validation records (from the edge). Given: the listener waits for the
    certificate to be issued. Default: not waited for."""
    name_prefix: str
    """Prefix for physical names, e.g. spikeproof-prod."""
    region: str
    """The stack's region: who writes the load balancer's access logs depends on it."""

    def __post_init__(self) -> None:
        if not self.domain_names:
            raise ValueError("WebFleetArgs.domain_names is empty")
        if self.campaign_windows and self.now is None:
            raise ValueError("WebFleetArgs.now is required with campaign_windows")


class WebFleet(pulumi.ComponentResource):
    alb_dns_name: pulumi.Output[str]
    """The ALB's DNS name: the edge's origin."""
    security_group_id: pulumi.Output[str]
    """The instances' security group; admit it where the fleet must connect."""
    domain_validation_options: pulumi.Output[list[dict[str, str]]]
    """The certificate's DNS validation records, for the edge to create."""
    request_count_target: float
    """Requests per instance per minute the request-count tracking aims for."""
    alb_arn_suffix: pulumi.Output[str]
    """The ALB's ARN suffix (CloudWatch's LoadBalancer dimension)."""
    target_group_arn_suffix: pulumi.Output[str]
    """The target group's ARN suffix (CloudWatch's TargetGroup dimension)."""
    group_name: pulumi.Output[str]
    """The Auto Scaling group's name (CloudWatch's AutoScalingGroupName dimension)."""
    min_capacity_rps: float
    """Requests per second the fleet serves at minSize (the edge's flood rule derives from it)."""
    serving: pulumi.Resource
    """The rule that forwards authorised HTTPS requests to the fleet: proxied DNS waits for it."""

    def __init__(
        self, name: str, args: WebFleetArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("spikeproof:compute:WebFleet", name, None, opts)
        self.min_capacity_rps = args.config.min_size * args.config.per_instance_capacity_rps
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)

        # --- Security groups. A group's rules are all inline or all separate, never both: the
        # provider manages an inline-ruled group's whole rule set and removes what a separate
        # rule resource added (its SecurityGroup docs: "Using aws_security_group ... in-line
        # rules in conjunction with ... rule resources ... will cause rule conflicts"). The
        # instances' group has only separate rules; the load balancer's only inline ones, so
        # the two can refer to each other without a cycle.
        v4_snapshot, _v6_snapshot = cloudflare_snapshot()
        ranges = cloudflare.get_ip_ranges_output(opts=invoke)
        v4 = ranges.ipv4_cidrs.apply(lambda c: edge_cidrs(c, v4_snapshot))
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.network.vpc_id,
            description="Marketing web instances: HTTP from the ALB only",
            opts=child,
        )
        # HTTPS from Cloudflare's IPv4 ranges only. Not port 80: the edge reaches the origin over
        # HTTPS alone (the hostnames' SSL mode is Full (strict), edge.hostnameSsl, and visitors
        # are redirected to HTTPS at the edge), so a port-80 listener would serve nobody but
        # scanners. Not IPv6: the load balancer is IPv4-only (ip_address_type ipv4), so
        # Cloudflare connects to it over IPv4.
        alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            vpc_id=args.network.vpc_id,
            description="Marketing ALB: Cloudflare ranges only",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": v4,
                    "description": "Cloudflare edge, HTTPS",
                }
            ],
            egress=[
                {
                    "protocol": "tcp",
                    "from_port": 80,
                    "to_port": 80,
                    "security_groups": [sg.id],
                    "description": "ALB to nginx",
                }
            ],
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-alb",
            security_group_id=sg.id,
            referenced_security_group_id=alb_sg.id,
            ip_protocol="tcp",
            from_port=80,
            to_port=80,
            description="ALB to nginx",
            opts=child,
        )
        # Instances reach SSM, S3 and the AL2023 repositories over HTTPS (through NAT or
        # endpoints); the replicas' group decides separately who may reach the database.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-https-out",
            security_group_id=sg.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS to AWS APIs and package repositories",
            opts=child,
        )

        # --- Instance profile: SSM management and read of the site prefix, nothing else.
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=service_trust("ec2.amazonaws.com"),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-ssm",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            opts=child,
        )
        if args.config.site_s3_uri is not None:
            bucket, _, prefix = args.config.site_s3_uri.removeprefix("s3://").partition("/")
            aws.iam.RolePolicy(
                f"{name}-site-read",
                role=role.id,
                policy=policy_json(
                    [
                        {
                            "Effect": "Allow",
                            "Action": "s3:ListBucket",
                            "Resource": f"arn:aws:s3:::{bucket}",
                            "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
                        },
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{bucket}/{prefix}*",
                        },
                    ]
                ),
                opts=child,
            )
        # The readiness report (model/webserver.py: spikeproof-ready) completes the group's launch
        # lifecycle hook; the group's ARN is not known before the instances need this, so the
        # statement names the hook (CompleteLifecycleAction has no resource narrower than the
        # group, and the condition ties it to the group's own name prefix).
        lifecycle_policy = aws.iam.RolePolicy(
            f"{name}-lifecycle",
            role=role.id,
            policy=policy_json(
                [
                    {
                        "Effect": "Allow",
                        "Action": "autoscaling:DescribeAutoScalingInstances",
                        "Resource": "*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": "autoscaling:CompleteLifecycleAction",
                        "Resource": f"arn:aws:autoscaling:*:*:autoScalingGroup:*:"
                        f"autoScalingGroupName/{name}-asg-*",
                    },
                ]
            ),
            opts=child,
        )
        profile = aws.iam.InstanceProfile(f"{name}-profile", role=role.name, opts=child)

        # --- Launch template.
        # The image is pinned per stack (fleet.amiId): a new AL2023 release never rolls the fleet
        # on an unrelated deploy; .github/workflows/ami-update.yml proposes updates by pull request.
        image_id = args.config.ami_id
        user_data = render_user_data(
            WebServerConfig(cache=args.config.cache_policy()),
            SiteSource(s3_uri=args.config.site_s3_uri),
        )
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            image_id=image_id,
            instance_type=args.config.instance_types[0],
            update_default_version=True,
            user_data=base64.b64encode(user_data.encode()).decode(),
            iam_instance_profile={"arn": profile.arn},
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                # 1 hop: a container on the instance cannot borrow the instance's role.
                "http_put_response_hop_limit": 1,
            },
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "volume_type": "gp3",
                        "volume_size": 20,
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                }
            ],
            network_interfaces=[
                {
                    "associate_public_ip_address": "false",
                    "security_groups": [sg.id],
                    "delete_on_termination": "true",
                }
            ],
            monitoring={"enabled": True},
            opts=child,
        )

        # --- Load balancer.
        cert = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domain_names[0],
            subject_alternative_names=list(args.domain_names[1:]) or None,
            validation_method="DNS",
            opts=child,
        )
        certificate_arn: pulumi.Input[str] = cert.arn
        if args.certificate_validation_fqdns is not None:
            certificate_arn = aws.acm.CertificateValidation(
                f"{name}-cert-validation",
                certificate_arn=cert.arn,
                validation_record_fqdns=args.certificate_validation_fqdns,
                opts=child,
            ).certificate_arn
        logs_ready: list[pulumi.Resource] = []
        logs_bucket: pulumi.Output[str] | None = None
        if args.config.access_logs and args.config.access_logs.enabled:
            logs_bucket, logs_ready = self._access_log_bucket(name, args)
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            subnets=args.network.public_subnet_ids,
            security_groups=[alb_sg.id],
            ip_address_type="ipv4",
            drop_invalid_header_fields=True,
            desync_mitigation_mode="strictest",
            enable_deletion_protection=args.config.deletion_protection,
            access_logs=(
                {"bucket": logs_bucket, "enabled": True, "prefix": args.name_prefix}
                if logs_bucket is not None
                else None
            ),
            # ELB checks that it may write to the bucket when logging is turned on: the bucket
            # policy (and the encryption it requires) come first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=logs_ready),
        )
        tg = aws.lb.TargetGroup(
            f"{name}-tg",
            vpc_id=args.network.vpc_id,
            port=80,
            protocol="HTTP",
            target_type="instance",
            slow_start=60,
            deregistration_delay=30,
            health_check={
                "path": "/healthz",
                "matcher": "200",
                "interval": 10,
                "timeout": 5,
                "healthy_threshold": 2,
                "unhealthy_threshold": 3,
            },
            opts=child,
        )
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
            certificate_arn=certificate_arn,
            default_actions=[
                {
                    "type": "fixed-response",
                    "fixed_response": {
                        "content_type": "text/plain",
                        "message_body": "Forbidden",
                        "status_code": "403",
                    },
                }
            ],
            opts=child,
        )
        forward = aws.lb.ListenerRule(
            f"{name}-from-edge",
            listener_arn=https.arn,
            priority=10,
            conditions=[
                {
                    "http_header": {
                        "http_header_name": args.origin_header_name,
                        "values": [pulumi.Output.secret(args.origin_secret)],
                    }
                }
            ],
            actions=[{"type": "forward", "target_group_arn": tg.arn}],
            opts=child,
        )

        # --- Alarms that do not depend on the group (the refresh rolls back on them).
        lb_dims = {"LoadBalancer": alb.arn_suffix, "TargetGroup": tg.arn_suffix}
        topic = [args.alarm_topic_arn]
        unhealthy = metric_alarm(
            f"{name}-unhealthy-hosts",
            parent=self,
            description="A target has failed /healthz for 3 minutes (instance refresh "
            "rolls back on this alarm)",
            namespace="AWS/ApplicationELB",
            metric_name="UnHealthyHostCount",
            dimensions=lb_dims,
            statistic="Maximum",
            evaluation_periods=3,
            threshold=0,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            actions=topic,
        )
        errors = metric_alarm(
            f"{name}-5xx-rate",
            parent=self,
            description="ALB and target 5xx above 5% of requests for 5 minutes",
            comparison="GreaterThanThreshold",
            threshold=5,
            evaluation_periods=5,
            treat_missing_data="notBreaching",
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgsDict(
                    id="rate",
                    expression="100 * (FILL(elb, 0) + FILL(target, 0)) / FILL(requests, 1)",
                    label="5xx percent",
                    return_data=True,
                ),
                *[
                    aws.cloudwatch.MetricAlarmMetricQueryArgsDict(
                        id=qid,
                        metric={
                            "namespace": "AWS/ApplicationELB",
                            "metric_name": metric,
                            "dimensions": {"LoadBalancer": alb.arn_suffix},
                            "period": 60,
                            "stat": "Sum",
                        },
                    )
                    for qid, metric in (
                        ("elb", "HTTPCode_ELB_5XX_Count"),
                        ("target", "HTTPCode_Target_5XX_Count"),
                        ("requests", "RequestCount"),
                    )
                ],
            ],
            actions=topic,
        )
        metric_alarm(
            f"{name}-response-time",
            parent=self,
            description="p95 target response time above 1 s for 5 minutes",
            namespace="AWS/ApplicationELB",
            metric_name="TargetResponseTime",
            dimensions=lb_dims,
            extended_statistic="p95",
            evaluation_periods=5,
            threshold=1.0,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            actions=topic,
        )

        # --- Auto Scaling group.
        lt_ref: aws.autoscaling.GroupLaunchTemplateArgsDict = {
            "id": template.id,
            "version": template.latest_version.apply(str),
        }
        mixed: aws.autoscaling.GroupMixedInstancesPolicyArgsDict | None = None
        spot = args.config.spot
        if spot is not None or len(args.config.instance_types) > 1:
            # Several types without spot are capacity fallback: all on-demand, launched in the
            # listed order ("prioritized": the first type, then the next when it has no capacity).
            distribution: aws.autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgsDict = (
                {
                    "on_demand_base_capacity": spot.on_demand_base,
                    "on_demand_percentage_above_base_capacity": 100 - spot.spot_percent,
                    "spot_allocation_strategy": "price-capacity-optimized",
                }
                if spot is not None
                else {
                    "on_demand_base_capacity": 0,
                    "on_demand_percentage_above_base_capacity": 100,
                    "on_demand_allocation_strategy": "prioritized",
                }
            )
            mixed = {
                "instances_distribution": distribution,
                "launch_template": {
                    "launch_template_specification": {
                        "launch_template_id": template.id,
                        # A concrete version, so a template change changes the group and
                        # starts an instance refresh ("$Latest" would not).
                        "version": lt_ref.get("version"),
                    },
                    "overrides": [{"instance_type": t} for t in args.config.instance_types],
                },
            }
        group = aws.autoscaling.Group(
            f"{name}-asg",
            vpc_zone_identifiers=args.network.private_subnet_ids,
            min_size=args.config.min_size,
            max_size=args.config.max_size,
            desired_capacity=(
                args.config.desired_capacity
                if args.config.desired_capacity is not None
                else args.config.min_size
            ),
            launch_template=None if mixed else lt_ref,
            mixed_instances_policy=mixed,
            capacity_rebalance=mixed is not None,
            target_group_arns=[tg.arn],
            health_check_type="ELB",
            health_check_grace_period=args.config.health_check_grace_seconds,
            default_instance_warmup=args.config.warmup_seconds,
            metrics_granularity="1Minute",
            enabled_metrics=[
                aws.autoscaling.Metric.GROUP_MIN_SIZE,
                aws.autoscaling.Metric.GROUP_MAX_SIZE,
                aws.autoscaling.Metric.GROUP_DESIRED_CAPACITY,
                aws.autoscaling.Metric.GROUP_IN_SERVICE_INSTANCES,
                aws.autoscaling.Metric.GROUP_PENDING_INSTANCES,
                aws.autoscaling.Metric.GROUP_TERMINATING_INSTANCES,
                aws.autoscaling.Metric.GROUP_TOTAL_INSTANCES,
            ],
            instance_maintenance_policy={
                "min_healthy_percentage": 100,
                "max_healthy_percentage": 200,
            },
            instance_refresh=aws.autoscaling.GroupInstanceRefreshArgsDict(
                strategy="Rolling",
                preferences={
                    "min_healthy_percentage": 90,
                    "instance_warmup": str(args.config.warmup_seconds),
                    # Not auto_rollback: the provider sets the group's new launch template version
                    # before it starts the refresh (terraform-provider-aws#34189, open; the fix,
                    # #39007, was closed unmerged), so AWS would "roll back" to the new, bad
                    # version and replace unhealthy instances with it again. The alarms still
                    # fail the refresh, which stops the roll-out; docs/runbooks/rollback-fleet.md
                    # returns the group to the previous version.
                    "auto_rollback": False,
                    "alarm_specification": {"alarms": [unhealthy.name, errors.name]},
                },
            ),
            warm_pool=(
                aws.autoscaling.GroupWarmPoolArgsDict(
                    pool_state="Stopped",
                    # PutWarmPool: without MaxGroupPreparedCapacity the pool is max - desired (26
                    # stopped instances in prod); "Only when MaxGroupPreparedCapacity and MinSize
                    # are set to the same value does the warm pool have an absolute size."
                    min_size=args.config.warm_pool_size,
                    max_group_prepared_capacity=args.config.warm_pool_size,
                    instance_reuse_policy={"reuse_on_scale_in": True},
                )
                if args.config.warm_pool_size
                else None
            ),
            # Holds every launch, the group's first instances and its first warm pool included,
            # until the instance reports that it serves the current site; ABANDON if it never
            # does within the heartbeat. On the group, not a separate aws.autoscaling.LifecycleHook:
            # that resource is attached only after the group exists and "after the initial
            # instances have been launched" (its docstring), so the first capacity went into
            # service unchecked. The provider makes initial_lifecycle_hook ForceNew
            # (terraform-provider-aws internal/service/autoscaling/group.go), so a change to it
            # replaces the group: nothing here varies per stack or deploy, and a test pins it.
            # Creation waits for the minimum to be in service, and each instance may now be held
            # by the hook up to its heartbeat (a large first site sync): the provider's default
            # wait of 10 minutes would fail the group's creation first.
            wait_for_capacity_timeout=f"{HOOK_HEARTBEAT_SECONDS // 60 + 5}m",
            initial_lifecycle_hooks=[
                aws.autoscaling.GroupInitialLifecycleHookArgsDict(
                    name=LIFECYCLE_HOOK,
                    lifecycle_transition="autoscaling:EC2_INSTANCE_LAUNCHING",
                    default_result="ABANDON",
                    heartbeat_timeout=HOOK_HEARTBEAT_SECONDS,
                )
            ],
            tags=[
                aws.autoscaling.GroupTagArgsDict(
                    key="Name", value=f"{args.name_prefix}-web", propagate_at_launch=True
                )
            ],
            # The role may complete the hook before the first instance asks to.
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=["desiredCapacity"],
                depends_on=[lifecycle_policy],
            ),
        )

        # --- Scaling.
        aws.autoscaling.Policy(
            f"{name}-cpu-tracking",
            autoscaling_group_name=group.name,
            policy_type="TargetTrackingScaling",
            target_tracking_configuration={
                "predefined_metric_specification": {
                    "predefined_metric_type": "ASGAverageCPUUtilization"
                },
                "target_value": args.config.cpu_target_percent,
            },
            opts=child,
        )
        self.request_count_target = request_count_target(
            args.config.per_instance_capacity_rps, args.config.target_utilization_percent
        )
        aws.autoscaling.Policy(
            f"{name}-request-tracking",
            autoscaling_group_name=group.name,
            policy_type="TargetTrackingScaling",
            target_tracking_configuration={
                "predefined_metric_specification": {
                    "predefined_metric_type": "ALBRequestCountPerTarget",
                    "resource_label": pulumi.Output.concat(alb.arn_suffix, "/", tg.arn_suffix),
                },
                "target_value": self.request_count_target,
            },
            # ALBRequestCountPerTarget needs the target group attached to the load balancer (a
            # listener rule forwarding to it); otherwise PutScalingPolicy fails with "the target
            # group ... is not attached to the load balancer".
            opts=pulumi.ResourceOptions(parent=self, depends_on=[forward]),
        )
        scale_out = aws.autoscaling.Policy(
            f"{name}-cpu-scale-out",
            autoscaling_group_name=group.name,
            policy_type="StepScaling",
            adjustment_type="ChangeInCapacity",
            metric_aggregation_type="Average",
            estimated_instance_warmup=args.config.warmup_seconds,
            step_adjustments=[
                {
                    "metric_interval_lower_bound": "0",
                    "metric_interval_upper_bound": "10",
                    "scaling_adjustment": 2,
                },
                {"metric_interval_lower_bound": "10", "scaling_adjustment": 4},
            ],
            opts=child,
        )
        group_dims = {"AutoScalingGroupName": group.name}
        metric_alarm(
            f"{name}-cpu-high",
            parent=self,
            description=f"Fleet CPU above {CPU_HIGH_PERCENT}% for 5 minutes: scale out",
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions=group_dims,
            evaluation_periods=5,
            threshold=CPU_HIGH_PERCENT,
            comparison="GreaterThanThreshold",
            actions=topic,
            scaling_actions=[scale_out.arn],
        )
        metric_alarm(
            f"{name}-at-max",
            parent=self,
            description="Fleet at its maximum size: scaling can do no more",
            namespace="AWS/AutoScaling",
            metric_name="GroupInServiceInstances",
            dimensions=group_dims,
            statistic="Maximum",
            evaluation_periods=3,
            threshold=args.config.max_size,
            comparison="GreaterThanOrEqualToThreshold",
            actions=topic,
        )
        if args.campaign_windows:
            assert args.now is not None  # checked in __post_init__
            for action in scheduled_actions(
                args.campaign_windows,
                normal_min_size=args.config.min_size,
                max_size=args.config.max_size,
                now=args.now,
            ):
                aws.autoscaling.Schedule(
                    f"{name}-{action.name}",
                    autoscaling_group_name=group.name,
                    scheduled_action_name=action.name,
                    start_time=action.start_time,
                    min_size=action.min_size,
                    max_size=action.max_size,
                    desired_capacity=action.desired_capacity,
                    opts=child,
                )

        self.alb_dns_name = alb.dns_name
        self.alb_arn_suffix = alb.arn_suffix
        self.target_group_arn_suffix = tg.arn_suffix
        self.group_name = group.name
        self.serving = forward
        self.security_group_id = sg.id
        self.domain_validation_options = validation_options(cert)
        self.register_outputs(
            {
                "alb_dns_name": self.alb_dns_name,
                "security_group_id": self.security_group_id,
                "domain_validation_options": self.domain_validation_options,
                "alb_arn_suffix": self.alb_arn_suffix,
                "target_group_arn_suffix": self.target_group_arn_suffix,
                "group_name": self.group_name,
            }
        )

    def _access_log_bucket(
        self, name: str, args: WebFleetArgs
    ) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        """The bucket the load balancer logs to, as ELB requires it ("Enable access logs for your
        Application Load Balancer"): in the load balancer's region, SSE-S3 ("The only server-side
        encryption option that's supported is Amazon S3-managed keys"), a bucket policy letting
        ELB put objects under the prefix. Owner-enforced (no ACLs), public access blocked, objects
        expired after retentionDays. Returns its name and what the load balancer must wait for."""
        assert args.config.access_logs is not None
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            f"{name}-alb-logs",
            bucket_prefix=f"{args.name_prefix}-alb-logs-",
            force_destroy=False,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-alb-logs-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-alb-logs-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-alb-logs-encryption",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-alb-logs-retention",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": f"{args.name_prefix}/"},
                    "expiration": {"days": args.config.access_logs.retention_days},
                }
            ],
            opts=child,
        )
        principal = elb_log_principal(args.region)
        policy = aws.s3.BucketPolicy(
            f"{name}-alb-logs-policy",
            bucket=bucket.id,
            policy=policy_output(
                [
                    {
                        "Sid": "ElbAccessLogDelivery",
                        "Effect": "Allow",
                        "Principal": principal,
                        "Action": "s3:PutObject",
                        "Resource": pulumi.Output.concat(
                            bucket.arn, f"/{args.name_prefix}/AWSLogs/*"
                        ),
                    },
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ]
            ),
            # S3 refuses concurrent changes to a bucket's policy and its public access block
            # ("OperationAborted: A conflicting conditional operation is in progress").
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        return bucket.id, [policy, encryption]  # an S3 bucket's id is its name
