"""Violates ec2-compute-primary-security-group: instances join the primary's group."""

import pulumi_aws as aws

aws.ec2.LaunchTemplate(
    "fleet",
    image_id="ami-0123456789abcdef0",
    instance_type="t4g.small",
    vpc_security_group_ids=["sg-0c0de9f0d0000001"],
    metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
    block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "true"}}],
)
