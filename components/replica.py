"""Read replicas of the core application's primary: the only database the marketing plane may reach.

Creates, per stack: N RDS read replicas (same-region by identifier, or cross-region by ARN), their
own subnet group and security group (ingress only from the security groups it is given, on the DB
port, no egress), an enhanced-monitoring role, an optional parameter group, one weighted reader
hostname in a private Route 53 zone, and lag / CPU / memory / storage / connection alarms routed to
the alarm topic.

Deliberately does not: manage, modify or tag the primary (it is only looked up through an invoke);
set credentials, an engine or a database name on a replica (they come from the source); create
backups of the replicas (the primary's backups are the system of record).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.alerting import metric_alarm
from components.core import NetworkFacts
from components.iam import service_trust
from settings.core import PrimarySettings, ReplicaSettings
from settings.errors import ConfigError, ConfigErrors
from settings.files import stack_file_label

# The engines' main log streams, exported to CloudWatch by default.
DEFAULT_LOG_EXPORTS: Mapping[str, list[str]] = {
    "postgres": ["postgresql", "upgrade"],
    "mysql": ["error", "slowquery"],
    "mariadb": ["error", "slowquery"],
}


class PrimaryPreconditionError(ConfigErrors):
    """The primary, as looked up, cannot serve the replicas the stack file asks for. Known only
    once the look-up answers, but a configuration error all the same: it names the stack file,
    the key that decides (or that names the primary) and the fix."""

    def __init__(
        self, key: str, problem: str, *, value: object = None, example: str | None = None
    ) -> None:
        super().__init__(
            [
                ConfigError(
                    stack_file=stack_file_label(pulumi.get_stack()),
                    key_path=f"spikeproof:{key}",
                    problem=problem,
                    value=value,
                    has_value=value is not None,
                    example=example,
                )
            ]
        )


@dataclass(frozen=True, kw_only=True)
class ReadReplicaArgs:
    config: ReplicaSettings
    """What the stack file decides: count, class, monitoring, reader DNS, alarm thresholds.
    Defaults, bounds and descriptions live in settings/core.py."""
    primary: PrimarySettings
    """The primary's region and the KMS key for encrypted cross-region replicas."""
    primary_identifier: pulumi.Input[str]
    """Identifier of the primary to replicate (config or the core stack). Never modified; looked up
    with an invoke."""
    stack_region: str
    """The stack's region: a primary elsewhere gets cross-region replicas."""
    network: NetworkFacts
    """The VPC and private subnets of the replicas' security and subnet groups."""
    allowed_security_group_ids: Sequence[pulumi.Input[str]] = ()
    """Security groups admitted on the DB port. Default: none (nothing can connect)."""
    alarm_topic_arn: pulumi.Input[str]
    """Topic every alarm notifies."""
    protect: bool
    """Pulumi `protect` on each replica, so no update can replace (or promote) it."""
    name_prefix: str
    """Prefix of replica identifiers, e.g. spikeproof-prod; replicas are <prefix>-replica-<n>."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on top of the stack's aws:defaultTags. Default: none."""

    @property
    def source_region(self) -> str | None:
        """The primary's region when it differs from the stack's (cross-region replicas)."""
        region = self.primary.region
        return None if region in (None, self.stack_region) else region


class ReadReplica(pulumi.ComponentResource):
    reader_hostname: str
    """The one hostname consumers use: weighted across all replicas. Known at plan time."""
    port: pulumi.Output[int]
    """The DB port (the primary's)."""
    endpoints: pulumi.Output[list[str]]
    """Each replica's own address, for tools that must pin one."""
    identifiers: pulumi.Output[list[str]]
    """Replica DB instance identifiers."""
    security_group_id: pulumi.Output[str]
    """The replicas' security group; admit clients with `allowed_security_group_ids`."""
    each_identifier: list[pulumi.Output[str]]
    """Each replica's identifier, in order (one per dashboard widget or alarm)."""
    lag_alarm_seconds: int
    """The everyday ReplicaLag threshold (replicas.lagAlarmSeconds)."""

    def __init__(
        self, name: str, args: ReadReplicaArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("spikeproof:data:ReadReplica", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cross_region = args.source_region is not None

        primary = aws.rds.get_instance_output(
            db_instance_identifier=args.primary_identifier,
            region=args.source_region,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        # The checks run when the primary's facts arrive and gate every replica's inputs, so a
        # primary that cannot feed replicas stops the deployment before any replica is created.
        checked = primary.apply(
            lambda p: _check_primary(
                p,
                cross_region=cross_region,
                kms_key_id=args.primary.kms_key_id,
                own_group=args.config.parameter_group is not None,
            )
        )
        instance_class = pulumi.Output.all(checked, args.config.instance_class).apply(
            lambda t: t[1] or t[0].db_instance_class
        )
        # The ARN in both regions: the replicas have their own subnet group, and the provider
        # (rds.Instance.replicate_source_db) says "If specifying the db_subnet_group_name in the
        # same region, use the arn of the source DB"; with the identifier RDS refuses the subnet
        # group (DBSubnetGroupNotAllowedFault). terraform-provider-aws#40426 added the form; its
        # acceptance test re-plans with no diff, so replaceOnChanges does not fire on read-back.
        source = checked.apply(lambda p: p.db_instance_arn)
        port = checked.apply(lambda p: int(p.port))
        log_exports = (
            pulumi.Output.from_input(list(args.config.log_exports))
            if args.config.log_exports is not None
            else checked.apply(lambda p: DEFAULT_LOG_EXPORTS.get(_engine_family(p.engine), []))
        )

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"Private subnets of the {name} read replicas",
            subnet_ids=args.network.private_subnet_ids,
            tags={**args.tags, "Name": f"{name}-subnets"},
            opts=child,
        )
        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.network.vpc_id,
            description=f"{name} read replicas: DB port from the marketing fleet only",
            revoke_rules_on_delete=True,
            tags={**args.tags, "Name": f"{name}-sg"},
            opts=child,
        )
        # Rules as separate resources: one per admitted group, so adding a consumer never
        # rewrites the others, and no inline egress (replication traffic is AWS-managed).
        for index, group_id in enumerate(args.allowed_security_group_ids):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-ingress-{index}",
                security_group_id=security_group.id,
                referenced_security_group_id=group_id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description="DB port from an admitted marketing security group",
                opts=child,
            )

        monitoring_role_arn: pulumi.Output[str] | None = None
        # RDS checks the monitoring role's permissions when the replica is created
        # (InvalidParameterValue "... does not include the required permissions for:
        # ENHANCED_MONITORING"): the replicas wait for the attachment, not just the role.
        monitoring_ready: list[pulumi.Resource] = []
        if args.config.monitoring_interval_seconds > 0:
            role = aws.iam.Role(
                f"{name}-monitoring",
                assume_role_policy=service_trust("monitoring.rds.amazonaws.com"),
                tags={**args.tags, "Name": f"{name}-monitoring"},
                opts=child,
            )
            monitoring_ready.append(
                aws.iam.RolePolicyAttachment(
                    f"{name}-monitoring-policy",
                    role=role.name,
                    policy_arn=aws.iam.ManagedPolicy.AMAZON_RDS_ENHANCED_MONITORING_ROLE,
                    opts=child,
                )
            )
            monitoring_role_arn = role.arn

        # Without a group of its own, a same-region replica takes the primary's own parameter group:
        # its custom parameters carry over, and PostgreSQL standbys need several settings (such as
        # max_connections, max_worker_processes, max_wal_senders) at least as high as the
        # primary's (RDS User Guide, "Working with PostgreSQL read replicas"); a new group with only
        # the family's defaults would silently drop them. Cross-region, a group is regional: the
        # replica gets its region's default unless the stack sets replicas.parameterGroup.
        parameter_group_name: pulumi.Input[str] | None = (
            None if cross_region else checked.apply(_primary_group)
        )
        if args.config.parameter_group is not None:
            group = aws.rds.ParameterGroup(
                f"{name}-params",
                family=args.config.parameter_group.family,
                description=f"{name} read replica parameters",
                parameters=[
                    aws.rds.ParameterGroupParameterArgs(name=key, value=value)
                    for key, value in sorted(args.config.parameter_group.parameters.items())
                ],
                tags={**args.tags, "Name": f"{name}-params"},
                opts=child,
            )
            parameter_group_name = group.name

        zone_id: pulumi.Input[str] | None = args.config.reader_dns.zone_id
        if zone_id is None:
            zone = aws.route53.Zone(
                f"{name}-zone",
                name=args.config.reader_dns.zone_name,
                comment=f"Private names of the {name} marketing read plane",
                vpcs=[aws.route53.ZoneVpcArgs(vpc_id=args.network.vpc_id)],
                tags={**args.tags, "Name": f"{name}-zone"},
                opts=child,
            )
            zone_id = zone.zone_id
        reader_hostname = f"{args.config.reader_dns.record_name}.{args.config.reader_dns.zone_name}"

        replicas: list[aws.rds.Instance] = []
        for index in range(1, args.config.count + 1):
            identifier = f"{args.name_prefix}-replica-{index}"
            replica = aws.rds.Instance(
                f"{name}-{index}",
                identifier=identifier,
                replicate_source_db=source,
                instance_class=instance_class,
                kms_key_id=args.primary.kms_key_id if cross_region else None,
                storage_encrypted=checked.apply(lambda p: bool(p.storage_encrypted)),
                db_subnet_group_name=subnet_group.name,
                vpc_security_group_ids=[security_group.id],
                publicly_accessible=False,
                multi_az=args.config.multi_az,
                deletion_protection=args.config.deletion_protection,
                performance_insights_enabled=args.config.performance_insights,
                performance_insights_retention_period=(
                    args.config.performance_insights_retention_days
                    if args.config.performance_insights
                    else None
                ),
                monitoring_interval=args.config.monitoring_interval_seconds,
                monitoring_role_arn=monitoring_role_arn,
                enabled_cloudwatch_logs_exports=log_exports,
                parameter_group_name=parameter_group_name,
                # Storage autoscaling up to the primary's ceiling: a replica that cannot grow with
                # its source stops replicating when it fills.
                max_allocated_storage=checked.apply(lambda p: p.max_allocated_storage or None),
                auto_minor_version_upgrade=True,
                copy_tags_to_snapshot=True,
                # A replica keeps no backups of its own and leaves no final snapshot: the primary's
                # backups are the system of record and a replica is rebuilt from it.
                backup_retention_period=0,
                skip_final_snapshot=True,
                apply_immediately=False,
                tags={**args.tags, "Name": identifier, "spikeproof:role": "read-replica"},
                opts=pulumi.ResourceOptions(
                    parent=self,
                    protect=args.protect,
                    # Removing or changing the source would promote this replica to a writable
                    # database in place. Force a replacement instead, which `protect` then blocks:
                    # promotion must be the deliberate runbook step, never a side effect of a diff.
                    replace_on_changes=["replicateSourceDb"],
                    depends_on=monitoring_ready,
                ),
            )
            replicas.append(replica)
            aws.route53.Record(
                f"{name}-reader-{index}",
                zone_id=zone_id,
                name=reader_hostname,
                type="CNAME",
                ttl=args.config.reader_dns.ttl_seconds,
                records=[replica.address],
                set_identifier=identifier,
                weighted_routing_policies=[aws.route53.RecordWeightedRoutingPolicyArgs(weight=1)],
                opts=child,
            )
            self._alarms(name, index, replica, args)

        self.reader_hostname = reader_hostname
        self.port = port
        self.endpoints = pulumi.Output.all(*[r.address for r in replicas])
        self.identifiers = pulumi.Output.all(*[r.identifier for r in replicas])
        self.each_identifier = [_nth(self.identifiers, i) for i in range(len(replicas))]
        self.lag_alarm_seconds = args.config.lag_alarm_seconds
        self.security_group_id = security_group.id
        self.register_outputs(
            {
                "reader_hostname": reader_hostname,
                "port": port,
                "endpoints": self.endpoints,
                "identifiers": self.identifiers,
                "security_group_id": self.security_group_id,
            }
        )

    def _alarms(
        self, name: str, index: int, replica: aws.rds.Instance, args: ReadReplicaArgs
    ) -> None:
        c = args.config
        dims = {"DBInstanceIdentifier": replica.identifier}
        # The arguments every replica alarm shares, bound once so the type checker sees each one.
        alarm = functools.partial(
            metric_alarm,
            parent=self,
            namespace="AWS/RDS",
            dimensions=dims,
            actions=[args.alarm_topic_arn],
        )
        alarm(
            f"{name}-{index}-lag",
            description=f"Replica {index} is more than {c.lag_alarm_seconds}s behind the "
            "primary: marketing reads are stale. See docs/runbooks/replica-lag.md.",
            metric_name="ReplicaLag",
            threshold=c.lag_alarm_seconds,
            comparison="GreaterThanThreshold",
            # No data means replication stopped reporting: as bad as lag.
            treat_missing_data="breaching",
        )
        alarm(
            f"{name}-{index}-cpu",
            description=f"Replica {index} CPU above {c.cpu_alarm_percent}% for 5 minutes.",
            metric_name="CPUUtilization",
            threshold=c.cpu_alarm_percent,
            comparison="GreaterThanThreshold",
        )
        alarm(
            f"{name}-{index}-memory",
            description=f"Replica {index} freeable memory below "
            f"{c.freeable_memory_alarm_mib} MiB for 5 minutes.",
            metric_name="FreeableMemory",
            threshold=c.freeable_memory_alarm_mib * 1024 * 1024,
            comparison="LessThanThreshold",
        )
        alarm(
            f"{name}-{index}-storage",
            description=f"Replica {index} free storage below {c.free_storage_alarm_gib} GiB.",
            metric_name="FreeStorageSpace",
            threshold=c.free_storage_alarm_gib * 1024**3,
            comparison="LessThanThreshold",
        )
        alarm(
            f"{name}-{index}-connections",
            description=f"Replica {index} has more than {c.connections_alarm} connections "
            "for 5 minutes: a client may be leaking connections.",
            metric_name="DatabaseConnections",
            threshold=c.connections_alarm,
            comparison="GreaterThanThreshold",
        )


def _engine_family(engine: str) -> str:
    return "postgres" if engine.startswith("postgres") else engine.split("-")[0]


def _check_primary(
    primary: aws.rds.GetInstanceResult,
    *,
    cross_region: bool,
    kms_key_id: str | None,
    own_group: bool = False,
) -> aws.rds.GetInstanceResult:
    ident = primary.db_instance_identifier
    where = f"primary '{ident}'"
    if primary.replicate_source_db:
        raise PrimaryPreconditionError(
            "primary.identifier",
            f"{where} is itself a read replica of '{primary.replicate_source_db}': point it at "
            "the writer, not at another replica",
            value=ident,
            example=f"identifier: {primary.replicate_source_db}",
        )
    if not primary.backup_retention_period:
        raise PrimaryPreconditionError(
            "primary.identifier",
            f"{where} keeps no automated backups (backup retention 0); RDS cannot create read "
            "replicas of it. Ask the core team to set a backup retention of at least 1 day on the "
            "primary; this program never changes the primary itself",
            value=ident,
        )
    if primary.master_user_secrets and not primary.engine.startswith("sqlserver"):
        # RDS: "Managing master user passwords with Secrets Manager isn't supported for ...
        # Creating a read replica when the source DB ... manages credentials with Secrets
        # Manager. This applies to all DB engines except RDS for SQL Server" (RDS user guide,
        # rds-secrets-manager.html, Limitations); the create fails with InvalidParameterValue
        # (terraform-aws-rds#532). Stopped here, before a replica is attempted.
        raise PrimaryPreconditionError(
            "primary.identifier",
            f"{where} has its master password managed by RDS in Secrets Manager "
            "(ManageMasterUserPassword), and RDS cannot create read replicas of such an "
            f"instance ({primary.engine}). The core team must switch the primary to a "
            "password of its own (modify-db-instance --no-manage-master-user-password "
            "--master-user-password ..., kept in their own secret) before replicas can exist; "
            "this program never changes the primary",
            value=ident,
        )
    custom = _custom_group(primary.db_parameter_groups or [])
    if own_group and custom and not cross_region:
        raise PrimaryPreconditionError(
            "replicas.parameterGroup",
            f"{where} uses its own parameter group '{custom}', and this would give the replicas "
            f"a new one with only its listed parameters: every custom parameter of '{custom}' "
            "would be dropped (and PostgreSQL standbys need several at least as high as the "
            f"primary's). Without it the replicas use '{custom}'. Per-session limits for marketing "
            "queries belong on the marketing database role (ALTER ROLE ... SET "
            "statement_timeout), not the instance",
            example="remove replicas.parameterGroup",
        )
    if cross_region and primary.storage_encrypted and not kms_key_id:
        raise PrimaryPreconditionError(
            "primary.kmsKeyId",
            f"{where} is encrypted and lives in another region, so a cross-region replica needs "
            "a KMS key of this stack's region, by its ARN",
            example="kmsKeyId: arn:aws:kms:<stack region>:<account>:key/<key id>",
        )
    return primary


def _custom_group(groups: Sequence[str]) -> str | None:
    """The primary's parameter group when it is its own (RDS default groups are 'default.*')."""
    custom = [g for g in groups if not g.startswith("default.")]
    return custom[0] if custom else None


def _primary_group(primary: aws.rds.GetInstanceResult) -> str:
    # "" leaves the provider's default (the engine's default group), as None would.
    return _custom_group(primary.db_parameter_groups or []) or ""


def _nth(values: pulumi.Output[list[str]], index: int) -> pulumi.Output[str]:
    return values.apply(lambda items: items[index])
