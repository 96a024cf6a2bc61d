"""Compute baseline policies through the Analyzer protocol."""

from __future__ import annotations

import pytest

from tests.policy_support import (
    UNKNOWN,
    Case,
    check_absent,
    check_compliant,
    check_unknown,
    check_violating,
    describe,
    res,
    run,
)
from tools.engine.analyzer import AnalyzerResource, PolicyPackProcess

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
POLICY = "aws:autoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CLOUDFLARE_RANGE = "173.245.48.0/20"


def _lt(**metadata: object) -> dict[str, object]:
    return {"metadataOptions": metadata}


def _asg(name: str = "fleet-asg-1a2b3c") -> AnalyzerResource:
    return res(ASG, "fleet-asg", {"maxSize": 6, "minSize": 2}, outputs={"name": name})


def _cpu(threshold: object, dims: object = None, name: str = "fleet-cpu") -> AnalyzerResource:
    return res(
        ALARM,
        name,
        {
            "metricName": "CPUUtilization",
            "comparisonOperator": "GreaterThanThreshold",
            "threshold": threshold,
            "dimensions": dims
            if dims is not None
            else {"AutoScalingGroupName": "fleet-asg-1a2b3c"},
        },
    )


CASES = [
    Case(
        "ec2-security-group-no-public-ingress",
        compliant=[
            res(
                INGRESS,
                "https-from-cloudflare",
                {"cidrIpv4": CLOUDFLARE_RANGE, "fromPort": 443, "toPort": 443},
            )
        ],
        violating=[
            res(
                SG,
                "alb",
                {
                    "ingress": [
                        {
                            "cidrBlocks": ["0.0.0.0/0"],
                            "fromPort": 443,
                            "toPort": 443,
                            "protocol": "tcp",
                        }
                    ]
                },
            )
        ],
        absent=[res(SG, "alb", {"description": "no inline rules"})],
        absent_violates=False,
        unknown=[res(SG_RULE, "r", {"type": "ingress", "cidrBlocks": UNKNOWN})],
    ),
    Case(
        "ec2-launch-template-imdsv2",
        compliant=[res(LT, "lt", _lt(httpTokens="required"))],
        violating=[res(LT, "lt", _lt(httpTokens="optional"))],
        absent=[res(LT, "lt", {})],
        absent_violates=True,
        unknown=[res(LT, "lt", _lt(httpTokens=UNKNOWN))],
    ),
    Case(
        "ec2-launch-template-hop-limit",
        compliant=[res(LT, "lt", _lt(httpPutResponseHopLimit=1))],
        violating=[res(LT, "lt", _lt(httpPutResponseHopLimit=2))],
        absent=[res(LT, "lt", _lt(httpTokens="required"))],
        absent_violates=True,
        unknown=[res(LT, "lt", _lt(httpPutResponseHopLimit=UNKNOWN))],
    ),
    Case(
        "ec2-launch-template-ebs-encrypted",
        compliant=[
            res(
                LT,
                "lt",
                {
                    "blockDeviceMappings": [
                        {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 20}}
                    ]
                },
            )
        ],
        violating=[
            res(
                LT,
                "lt",
                {
                    "blockDeviceMappings": [
                        {"deviceName": "/dev/xvda", "ebs": {"encrypted": "false", "volumeSize": 20}}
                    ]
                },
            )
        ],
        absent=[res(LT, "lt", {})],
        absent_violates=True,
        unknown=[
            res(
                LT,
                "lt",
                {
                    "blockDeviceMappings": [
                        {"deviceName": "/dev/xvda", "ebs": {"encrypted": UNKNOWN}}
                    ]
                },
            )
        ],
    ),
    Case(
        "ec2-launch-template-no-public-ip",
        compliant=[res(LT, "lt", {"networkInterfaces": [{"associatePublicIpAddress": "false"}]})],
        violating=[res(LT, "lt", {"networkInterfaces": [{"associatePublicIpAddress": "true"}]})],
        absent=[res(LT, "lt", {"networkInterfaces": [{"deviceIndex": 0}]})],
        absent_violates=False,
        unknown=[res(LT, "lt", {"networkInterfaces": [{"associatePublicIpAddress": UNKNOWN}]})],
    ),
    Case(
        "autoscaling-group-scaling-policy",
        compliant=[
            _asg(),
            res(POLICY, "fleet-cpu-target", {"autoscalingGroupName": "fleet-asg-1a2b3c"}),
        ],
        violating=[_asg(), res(POLICY, "other", {"autoscalingGroupName": "other-asg"})],
        absent=[_asg(), res(POLICY, "fleet-cpu-target", {"policyType": "TargetTrackingScaling"})],
        absent_violates=True,
        unknown=[_asg(), res(POLICY, "fleet-cpu-target", {"autoscalingGroupName": UNKNOWN})],
    ),
    Case(
        "autoscaling-group-cpu-alarm",
        compliant=[_asg(), _cpu(80)],
        violating=[_asg(), _cpu(90)],
        absent=[_asg(), _cpu(70, dims={})],
        absent_violates=True,
        unknown=[_asg(), _cpu(UNKNOWN)],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_compliant(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_compliant(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_violating(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_violating(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_property_absent(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_absent(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_unknown_value(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_unknown(policy_pack, case)


@pytest.mark.parametrize(
    "resource",
    [
        res(SG_RULE, "rule", {"type": "ingress", "ipv6CidrBlocks": ["::/0"]}),
        res(INGRESS, "v6", {"cidrIpv6": "::/0"}),
        res(SG, "inline-v6", {"ingress": [{"ipv6CidrBlocks": ["::/0"]}]}),
    ],
    ids=lambda r: r.name,
)
def test_world_ingress_caught_in_every_form(
    policy_pack: PolicyPackProcess, resource: AnalyzerResource
) -> None:
    result = run(policy_pack, [resource])
    assert result.by_policy("ec2-security-group-no-public-ingress"), (
        f"{resource.urn}: ::/0 ingress not flagged\n{describe(result)}"
    )


def test_world_egress_is_allowed(policy_pack: PolicyPackProcess) -> None:
    rule = res(SG_RULE, "egress", {"type": "egress", "cidrBlocks": ["0.0.0.0/0"]})
    assert not run(policy_pack, [rule]).by_policy("ec2-security-group-no-public-ingress")


def test_asg_matched_through_property_dependencies_in_preview(
    policy_pack: PolicyPackProcess,
) -> None:
    asg = res(ASG, "fleet-asg", {"name": UNKNOWN})
    policy = res(
        POLICY,
        "p",
        {"autoscalingGroupName": UNKNOWN},
        property_dependencies={"autoscalingGroupName": [asg.urn]},
    )
    alarm = res(
        ALARM,
        "cpu",
        {
            "metricName": "CPUUtilization",
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "threshold": 75,
            "dimensions": {"AutoScalingGroupName": UNKNOWN},
        },
        property_dependencies={"dimensions": [asg.urn]},
    )
    result = run(policy_pack, [asg, policy, alarm], preview=True)
    for name in ("autoscaling-group-scaling-policy", "autoscaling-group-cpu-alarm"):
        assert not result.by_policy(name), describe(result)
        assert not result.skipped_policy(name), describe(result)
