"""Data-tier baseline: RDS storage encryption, no public databases, deletion protection where the
stack asks for it, and a replica-lag alarm on every replica (stack policy).

Baseline policies default to mandatory; staging's policy config lowers them to advisory. They do
not check the primary (never managed here) or engine versions (owned by the ReadReplica component).
"""

from __future__ import annotations

from helpers import (
    DELETION_PROTECTION_SCHEMA,
    Report,
    Unknowns,
    describe,
    for_types,
    get,
    resource_policy,
    stack_policy,
    truthy,
)
from pulumi_policy import ResourceValidationArgs, StackValidationArgs

RDS_INSTANCE = "aws:rds/instance:Instance"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _encrypted(args: ResourceValidationArgs, report: Report) -> None:
    if not truthy(get(args.props, "storageEncrypted", default=False)):
        report("storageEncrypted is not true.")


RDS_ENCRYPTED = resource_policy(
    "rds-instance-storage-encrypted",
    describe(
        "RDS instances encrypt storage at rest.",
        severity="high",
        remediation="set storageEncrypted=True (a replica of an encrypted primary is encrypted)",
        rules="Checkov CKV_AWS_16, trivy AVD-AWS-0080, AWSGuard rds-storage-encrypted",
    ),
    for_types([RDS_INSTANCE], _encrypted),
)


def _not_public(args: ResourceValidationArgs, report: Report) -> None:
    if truthy(get(args.props, "publiclyAccessible", default=False)):
        report("publiclyAccessible is true.")


RDS_NOT_PUBLIC = resource_policy(
    "rds-instance-not-public",
    describe(
        "RDS instances are not publicly accessible.",
        severity="critical",
        remediation="set publiclyAccessible=False; readers reach replicas inside the VPC",
        rules="Checkov CKV_AWS_17, trivy AVD-AWS-0180, AWSGuard rds-instance-public-access-check",
    ),
    for_types([RDS_INSTANCE], _not_public),
)


def _deletion_protection(args: ResourceValidationArgs, report: Report) -> None:
    config = args.get_config() or {}
    if not config.get("required", True):
        return
    if not truthy(get(args.props, "deletionProtection", default=False)):
        report("deletionProtection is not true in a stack that requires it.")


RDS_DELETION_PROTECTION = resource_policy(
    "rds-instance-deletion-protection",
    describe(
        "RDS instances have deletion protection where the stack requires it (config 'required').",
        severity="medium",
        remediation="set deletionProtection=True (prod: replicas.deletionProtection)",
        rules="Checkov CKV_AWS_293, trivy AVD-AWS-0177",
    ),
    for_types([RDS_INSTANCE], _deletion_protection),
    config_schema=DELETION_PROTECTION_SCHEMA,
)


def _lag_alarms(args: StackValidationArgs, report: Report) -> None:
    unknowns = Unknowns()
    replicas = []
    covered_ids: set[str] = set()
    covered_urns: set[str] = set()
    # One pass to index alarms by the replica they watch (identifier or dependency), one pass
    # over replicas: linear in the stack size.
    for r in args.resources:
        if r.resource_type == RDS_INSTANCE:
            if unknowns.read(r.props, "replicateSourceDb"):
                replicas.append(r)
        elif r.resource_type == METRIC_ALARM:
            if unknowns.read(r.props, "metricName") != "ReplicaLag":
                continue
            ident = unknowns.read(r.props, "dimensions", "DBInstanceIdentifier")
            if ident:
                covered_ids.add(str(ident).lower())
            covered_urns.update(d.urn for d in r.property_dependencies.get("dimensions") or [])
    undecided = False
    for replica in replicas:
        if replica.urn in covered_urns:
            continue
        ident = unknowns.read(replica.props, "identifier")
        if ident and str(ident).lower() in covered_ids:
            continue
        if unknowns.first is not None:  # an unknown could hide the matching alarm
            undecided = True
            continue
        report(
            f"replica {ident or replica.name} has no ReplicaLag alarm "
            "(aws:cloudwatch/metricAlarm:MetricAlarm with dimension DBInstanceIdentifier).",
            replica.urn,
        )
    if undecided:
        unknowns.raise_if_any()


RDS_REPLICA_LAG_ALARM = stack_policy(
    "rds-replica-lag-alarm",
    describe(
        "Every read replica has a ReplicaLag CloudWatch alarm on its DBInstanceIdentifier.",
        severity="medium",
        remediation="create replicas through the ReadReplica component (it adds the alarm)",
        rules="no Checkov/trivy/AWSGuard equivalent",
    ),
    _lag_alarms,
)

POLICIES = [RDS_ENCRYPTED, RDS_NOT_PUBLIC, RDS_DELETION_PROTECTION, RDS_REPLICA_LAG_ALARM]
