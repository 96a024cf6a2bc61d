"""Compute baseline: no security group ingress from the whole internet, hardened launch templates
(IMDSv2, hop limit 1, encrypted EBS, no public IP), and every Auto Scaling group has scaling
policies and a CPU > 80% alarm (stack policies).

It does not police instance types or AMIs (the fleet component owns them).
"""

from __future__ import annotations

from helpers import (
    Report,
    StackValidator,
    Unknowns,
    as_list,
    describe,
    for_types,
    get,
    resource_policy,
    stack_policy,
    truthy,
)
from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
ASG_POLICY = "aws:autoscaling/policy:Policy"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
_WORLD = frozenset({"0.0.0.0/0", "::/0"})


def _open_ingress(args: ResourceValidationArgs, report: Report) -> None:
    props, kind = args.props, args.resource_type
    found: list[str] = []
    if kind == SECURITY_GROUP:
        for i, rule in enumerate(as_list(get(props, "ingress"))):
            for key in ("cidrBlocks", "ipv6CidrBlocks"):
                for cidr in as_list(get(rule, key)):
                    if cidr in _WORLD:
                        found.append(f"ingress[{i}].{key} {cidr}")
    elif kind == SG_RULE:
        if get(props, "type") == "ingress":
            for key in ("cidrBlocks", "ipv6CidrBlocks"):
                for cidr in as_list(get(props, key)):
                    if cidr in _WORLD:
                        found.append(f"{key} {cidr}")
    elif kind == SG_INGRESS:
        for key in ("cidrIpv4", "cidrIpv6"):
            if get(props, key) in _WORLD:
                found.append(f"{key} {get(props, key)}")
    for hit in found:
        report(f"ingress open to the whole internet ({hit}).")


SG_NO_PUBLIC_INGRESS = resource_policy(
    "ec2-security-group-no-public-ingress",
    describe(
        "Security groups accept no ingress from 0.0.0.0/0 or ::/0 (the ALB takes Cloudflare's "
        "published ranges only).",
        severity="high",
        remediation="restrict the source to the edge's CIDR ranges or a security group",
        rules="Checkov CKV_AWS_24/CKV_AWS_25/CKV_AWS_260, trivy AVD-AWS-0107",
    ),
    for_types([SECURITY_GROUP, SG_RULE, SG_INGRESS], _open_ingress),
)


def _imdsv2(args: ResourceValidationArgs, report: Report) -> None:
    tokens = get(args.props, "metadataOptions", "httpTokens")
    if tokens != "required":
        report(f"metadataOptions.httpTokens is {tokens or 'unset'}, not 'required'.")


LT_IMDSV2 = resource_policy(
    "ec2-launch-template-imdsv2",
    describe(
        "Launch templates require IMDSv2 (metadataOptions.httpTokens = required).",
        severity="high",
        remediation="set metadata_options.http_tokens='required'",
        rules="Checkov CKV_AWS_79, trivy AVD-AWS-0130",
    ),
    for_types([LAUNCH_TEMPLATE], _imdsv2),
)


def _hop_limit(args: ResourceValidationArgs, report: Report) -> None:
    hops = get(args.props, "metadataOptions", "httpPutResponseHopLimit")
    if hops is None or int(hops) != 1:
        report(
            f"metadataOptions.httpPutResponseHopLimit is {hops or 'unset'}, not 1 "
            "(a container or proxy on the host could otherwise fetch instance credentials)."
        )


LT_HOP_LIMIT = resource_policy(
    "ec2-launch-template-hop-limit",
    describe(
        "Launch templates set the IMDS PUT response hop limit to 1.",
        severity="medium",
        remediation="set metadata_options.http_put_response_hop_limit=1",
        rules="Checkov CKV_AWS_341",
    ),
    for_types([LAUNCH_TEMPLATE], _hop_limit),
)


def _ebs_encrypted(args: ResourceValidationArgs, report: Report) -> None:
    mappings = as_list(get(args.props, "blockDeviceMappings"))
    if not mappings:
        report("no blockDeviceMappings, so the root volume's encryption is unset.")
    for i, mapping in enumerate(mappings):
        ebs = get(mapping, "ebs")
        if ebs is None:
            continue  # instance-store or no-device mappings carry no EBS volume
        # The provider types `encrypted` as a string ("true"/"false").
        if not truthy(get(ebs, "encrypted", default="false")):
            report(f'blockDeviceMappings[{i}].ebs.encrypted is not "true".')


LT_EBS_ENCRYPTED = resource_policy(
    "ec2-launch-template-ebs-encrypted",
    describe(
        "Launch template EBS volumes are encrypted.",
        severity="high",
        remediation="declare the root device with ebs.encrypted='true'",
        rules="Checkov CKV_AWS_8, trivy AVD-AWS-0008, AWSGuard encrypted-volumes",
    ),
    for_types([LAUNCH_TEMPLATE], _ebs_encrypted),
)


def _no_public_ip(args: ResourceValidationArgs, report: Report) -> None:
    for i, nic in enumerate(as_list(get(args.props, "networkInterfaces"))):
        if truthy(get(nic, "associatePublicIpAddress", default=False)):
            report(f"networkInterfaces[{i}].associatePublicIpAddress is true.")


LT_NO_PUBLIC_IP = resource_policy(
    "ec2-launch-template-no-public-ip",
    describe(
        "Launch templates do not give instances a public IP (the fleet sits behind the ALB).",
        severity="high",
        remediation="drop associate_public_ip_address or set it to 'false'; use private subnets",
        rules="Checkov CKV_AWS_88, trivy AVD-AWS-0009, AWSGuard ec2-instance-no-public-ip",
    ),
    for_types([LAUNCH_TEMPLATE], _no_public_ip),
)


def _asg_index(
    args: StackValidationArgs, unknowns: Unknowns
) -> tuple[list[PolicyResource], dict[str, int], dict[str, int]]:
    """ASGs, plus the scaling policies and CPU alarms indexed by ASG name and by ASG URN (from
    property dependencies, which survive preview where generated names are unknown)."""
    groups: list[PolicyResource] = []
    policies: dict[str, int] = {}
    alarms: dict[str, int] = {}
    for r in args.resources:
        kind = r.resource_type
        if kind == ASG:
            groups.append(r)
        elif kind == ASG_POLICY:
            name = unknowns.read(r.props, "autoscalingGroupName")
            keys = [str(name)] if name else []
            keys += [d.urn for d in r.property_dependencies.get("autoscalingGroupName") or []]
            for key in keys:
                policies[key] = policies.get(key, 0) + 1
        elif kind == METRIC_ALARM:
            if unknowns.read(r.props, "metricName") != "CPUUtilization":
                continue
            threshold = unknowns.read(r.props, "threshold")
            operator = unknowns.read(r.props, "comparisonOperator", default="")
            if threshold is None or float(threshold) > 80 or "GreaterThan" not in str(operator):
                continue
            name = unknowns.read(r.props, "dimensions", "AutoScalingGroupName")
            keys = [str(name)] if name else []
            keys += [d.urn for d in r.property_dependencies.get("dimensions") or []]
            for key in keys:
                alarms[key] = alarms.get(key, 0) + 1
    return groups, policies, alarms


def _asg_check(index_kind: str, what: str) -> StackValidator:
    def validate(args: StackValidationArgs, report: Report) -> None:
        unknowns = Unknowns()
        groups, policies, alarms = _asg_index(args, unknowns)
        found = policies if index_kind == "policies" else alarms
        undecided = False
        for group in groups:
            name = unknowns.read(group.props, "name")
            if group.urn in found or (name and str(name) in found):
                continue
            if unknowns.first is not None:
                undecided = True
                continue
            report(f"Auto Scaling group {name or group.name} has no {what}.", group.urn)
        if undecided:
            unknowns.raise_if_any()

    return validate


ASG_SCALING_POLICY = stack_policy(
    "autoscaling-group-scaling-policy",
    describe(
        "Every Auto Scaling group has at least one aws:autoscaling/policy:Policy.",
        severity="high",
        remediation="add a target-tracking policy (the fleet component does)",
        rules="no Checkov/trivy/AWSGuard equivalent",
    ),
    _asg_check("policies", "scaling policy (aws:autoscaling/policy:Policy)"),
)

ASG_CPU_ALARM = stack_policy(
    "autoscaling-group-cpu-alarm",
    describe(
        "Every Auto Scaling group has a CPUUtilization > 80% (or lower) CloudWatch alarm on its "
        "AutoScalingGroupName.",
        severity="medium",
        remediation="add a MetricAlarm CPUUtilization GreaterThanThreshold <= 80 with dimension "
        "AutoScalingGroupName",
        rules="no Checkov/trivy/AWSGuard equivalent",
    ),
    _asg_check("alarms", "CPUUtilization alarm with threshold <= 80"),
)

POLICIES = [
    SG_NO_PUBLIC_INGRESS,
    LT_IMDSV2,
    LT_HOP_LIMIT,
    LT_EBS_ENCRYPTED,
    LT_NO_PUBLIC_IP,
    ASG_SCALING_POLICY,
    ASG_CPU_ALARM,
]
