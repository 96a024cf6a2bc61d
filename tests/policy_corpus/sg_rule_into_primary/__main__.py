"""Violates ec2-security-group-primary-access: opens the primary's group to a marketing group."""

import pulumi_aws as aws

fleet = aws.ec2.SecurityGroup("fleet", vpc_id="vpc-0f9e8d7c6b5a40312", description="fleet")
aws.vpc.SecurityGroupIngressRule(
    "fleet-to-primary",
    security_group_id="sg-0c0de9f0d0000001",
    referenced_security_group_id=fleet.id,
    ip_protocol="tcp",
    from_port=5432,
    to_port=5432,
)
