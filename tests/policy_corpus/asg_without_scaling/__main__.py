"""Violates autoscaling-group-scaling-policy and autoscaling-group-cpu-alarm."""

import pulumi_aws as aws

aws.autoscaling.Group(
    "fleet",
    min_size=2,
    max_size=6,
    vpc_zone_identifiers=["subnet-0f9e8d7c6b5a40011"],
    launch_template={"id": "lt-0123456789abcdef0", "version": "$Latest"},
)
